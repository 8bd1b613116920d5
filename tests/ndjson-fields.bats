#!/usr/bin/env bats
# ndjson-fields: chosen members of NDJSON records as tab-separated values,
# for the pipelines' shell.

setup() {
	load test_helper/common
	D="$TD/ndjson-fields"
	# every kind of value the fixture holds, and members some records lack
	ALL=type,id,name,given_name,family_name,import_enabled,rooms,school_ids,ids,ids.sis,manual,deleted_at,data.id,data.name,data.meta.region,name.x,nothing
}

@test "--help and --version" {
	run ndjson-fields --help
	assert_success
	assert_line --index 0 "usage: ndjson-fields [--where KEY=VALUE]... [--count] --fields LIST [FILE...]"
	run ndjson-fields --version
	assert_success
	assert_output "ndjson-fields $RP_VERSION"
}

@test "golden: every kind of member of the fixture, one line a record" {
	run --separate-stderr ndjson-fields --fields "$ALL" "$D/records.ndjson"
	assert_success
	assert_equal "$stderr" ""
	assert_output "$(cat "$D/records.tsv")"
	assert_equal "${#lines[@]}" 4
}

@test "strings: tab, newline, carriage return and backslash are written \\t \\n \\r \\\\; UTF-8 as it is" {
	run ndjson-fields --fields name,data.name,family_name,given_name "$D/records.ndjson"
	assert_success
	# printf's format: \\ is one backslash, \t a tab
	assert_line --index 0 "$(printf 'Oak\\tSchool, North\t\t\t')"
	assert_line --index 1 "$(printf 'Cedar "Middle"\\nCampus B\t\t\t')"
	assert_line --index 2 "$(printf '\t\tC:\\\\Users\\\\dubois\tChloé')"
	assert_line --index 3 "$(printf '\tNorth\\r\\nfield\t\t')"
}

@test "booleans and numbers as JSON writes them, arrays and objects as compact JSON, dotted paths" {
	run ndjson-fields --fields import_enabled,automation_enabled,rooms --where type=school "$D/records.ndjson"
	assert_success
	assert_output "$(printf 'true\tfalse\t12\nfalse\tfalse\t-3.5')"
	run ndjson-fields --fields school_ids,ids,ids.sis,manual --where type=user "$D/records.ndjson"
	assert_output "$(printf '["s1","s2"]\t{"oneroster":"stu-1","sis":"100"}\t100\ttrue')"
	run ndjson-fields --fields data.id,data.meta,data.meta.region --where type=raw "$D/records.ndjson"
	assert_output "$(printf 'd1\t{"region":"east"}\teast')"
}

@test "absent and null members, and paths through a string or an absent object, are empty cells" {
	run ndjson-fields --fields id,deleted_at,nothing,name.x,data.nothing,ids.google "$D/records.ndjson"
	assert_success
	assert_output "$(printf 's1\t\t\t\t\t\ns2\t\t\t\t\t\nu1\t\t\t\t\t\n\t\t\t\t\t')"
	# the cells stay in their places for a reader that keeps empty ones
	while IFS= read -r line; do
		n=$(printf '%s' "$line" | tr -cd '\t' | wc -c)
		assert_equal "$n" 5
	done <<< "$output"
}

@test "--where on a string member" {
	run ndjson-fields --where type=school --fields id "$D/records.ndjson"
	assert_success
	assert_output "$(printf 's1\ns2')"
	run ndjson-fields --where id=u1 --fields type "$D/records.ndjson"
	assert_output user
	run ndjson-fields --where id=s9 --fields type "$D/records.ndjson"
	assert_success
	assert_output ""
}

@test "--where on booleans, numbers and dotted paths: the value as written" {
	run ndjson-fields --where import_enabled=true --fields id "$D/records.ndjson"
	assert_success
	assert_output s1
	run ndjson-fields --where import_enabled=false --fields id "$D/records.ndjson"
	assert_output s2
	run ndjson-fields --where manual=true --fields id "$D/records.ndjson"
	assert_output u1
	run ndjson-fields --where rooms=-3.5 --fields id "$D/records.ndjson"
	assert_output s2
	run ndjson-fields --where data.id=d1 --fields entity "$D/records.ndjson"
	assert_output districts
	run ndjson-fields --where data.meta.region=east --fields data.id "$D/records.ndjson"
	assert_output d1
}

@test "--where with an empty value matches absent and null members" {
	run ndjson-fields --where type=user --where deleted_at= --fields id "$D/records.ndjson"
	assert_success
	assert_output u1
	run ndjson-fields --where id= --fields type "$D/records.ndjson"
	assert_output raw
}

@test "several --where: all must hold" {
	run ndjson-fields --where type=school --where automation_enabled=false --fields id "$D/records.ndjson"
	assert_success
	assert_output "$(printf 's1\ns2')"
	run ndjson-fields --where type=school --where automation_enabled=false --where import_enabled=false --fields id "$D/records.ndjson"
	assert_output s2
	run ndjson-fields --where type=raw --where entity=districts --where data.id=d2 --fields id "$D/records.ndjson"
	assert_success
	assert_output ""
}

@test "--where splits at the first '=': the value may hold more" {
	run ndjson-fields --where 'note=a=b' --fields id <<< '{"type":"x","id":"1","note":"a=b"}
{"type":"x","id":"2","note":"a"}'
	assert_success
	assert_output 1
}

@test "--where compares a string as --fields writes it (\\t for a tab)" {
	run ndjson-fields --where 'name=Oak\tSchool, North' --fields id "$D/records.ndjson"
	assert_output s1
}

@test "--count: the records that match, 0 when none" {
	run ndjson-fields --count "$D/records.ndjson"
	assert_success
	assert_output 4
	run ndjson-fields --count --where type=school "$D/records.ndjson"
	assert_output 2
	run ndjson-fields --count --where type=school --where import_enabled=true "$D/records.ndjson"
	assert_output 1
	run ndjson-fields --count --where type=appointment "$D/records.ndjson"
	assert_success
	assert_output 0
}

@test "standard input, '-' and a file argument give the same output; several files follow each other" {
	run ndjson-fields --fields "$ALL" "$D/records.ndjson"
	file_output=$output
	run ndjson-fields --fields "$ALL" < "$D/records.ndjson"
	assert_success
	assert_output "$file_output"
	run ndjson-fields --fields "$ALL" - < "$D/records.ndjson"
	assert_output "$file_output"
	run ndjson-fields --fields id "$D/records.ndjson" "$D/records.ndjson"
	assert_output "$(printf 's1\ns2\nu1\n\ns1\ns2\nu1\n')"
	run ndjson-fields --count "$D/records.ndjson" - < "$D/records.ndjson"
	assert_output 8
}

@test "empty input: no lines, a count of 0" {
	run --separate-stderr ndjson-fields --fields id < /dev/null
	assert_success
	assert_output ""
	assert_equal "$stderr" ""
	run --separate-stderr ndjson-fields --count /dev/null
	assert_success
	assert_output 0
	run ndjson-fields --count <<< $'\n  \n'
	assert_success
	assert_output 0
}

@test "a line that is not JSON, or has no type, is a located error (exit 1)" {
	run -1 --separate-stderr ndjson-fields --fields id "$D/bad.ndjson"
	assert_equal "${stderr_lines[0]}" "ndjson-fields: $D/bad.ndjson:2: not valid JSON"
	assert_equal "${stderr_lines[1]}" "ndjson-fields: $D/bad.ndjson:3: record has no \"type\" string"
	assert_equal "${#stderr_lines[@]}" 2
	run -1 --separate-stderr ndjson-fields --count < "$D/bad.ndjson"
	assert_equal "${stderr_lines[0]}" "ndjson-fields: <stdin>:2: not valid JSON"
}

@test "a file that cannot be read is an I/O error (exit 4)" {
	run -4 --separate-stderr ndjson-fields --count "$BATS_TEST_TMPDIR/none.ndjson"
	assert_equal "${stderr_lines[0]}" "ndjson-fields: $BATS_TEST_TMPDIR/none.ndjson: No such file or directory"
}

@test "usage errors exit 2: no --fields or --count, both, a bad --where, an unknown option" {
	run -2 --separate-stderr ndjson-fields "$D/records.ndjson"
	assert_equal "${stderr_lines[0]}" "ndjson-fields: --fields or --count is required"
	run -2 --separate-stderr ndjson-fields --fields id --count "$D/records.ndjson"
	assert_equal "${stderr_lines[0]}" "ndjson-fields: --fields and --count do not go together"
	run -2 --separate-stderr ndjson-fields --where type --count "$D/records.ndjson"
	assert_equal "${stderr_lines[0]}" "ndjson-fields: --where: KEY=VALUE, not type"
	run -2 --separate-stderr ndjson-fields --where =school --count "$D/records.ndjson"
	assert_equal "${stderr_lines[0]}" "ndjson-fields: --where: KEY=VALUE, not =school"
	run -2 --separate-stderr ndjson-fields --fields , "$D/records.ndjson"
	assert_equal "${stderr_lines[0]}" "ndjson-fields: --fields: name at least one member"
	run -2 --separate-stderr ndjson-fields --nope --count
	assert_equal "${stderr_lines[0]}" "ndjson-fields: unrecognized option '--nope'"
}

@test "a write to a closed pipe ends quietly; a closed standard output is an I/O error" {
	seq 1 100000 | awk '{ printf "{\"type\":\"user\",\"id\":\"u%d\"}\n", $1 }' > "$BATS_TEST_TMPDIR/big.ndjson"
	run --separate-stderr bash -c 'ndjson-fields --fields id "$1" | head -n 1; echo "${PIPESTATUS[0]}"' _ "$BATS_TEST_TMPDIR/big.ndjson"
	assert_success
	assert_equal "$stderr" ""
	assert_line --index 0 u1
	assert_line --index 1 141 # SIGPIPE, left at its default
	run -4 --separate-stderr bash -c 'ndjson-fields --fields id "$1" >&-' _ "$D/records.ndjson"
	assert_equal "$stderr" "ndjson-fields: standard output: Bad file descriptor"
}
