#!/usr/bin/env bats
# normalize: raw -> canonical records, validated.

setup() { load test_helper/common; }

@test "--help and --version" {
	run normalize --help
	assert_success
	assert_line --index 0 "usage: normalize [options] [FILE...]"
	run -0 normalize --version
	assert_output "normalize $RP_VERSION"
}

@test "an unknown option is a usage error (exit 2)" {
	run -2 --separate-stderr normalize --nope
	assert_equal "${stderr_lines[0]}" "normalize: unrecognized option '--nope'"
}

@test "golden: the sample district in OneRoster 1.1" {
	run --separate-stderr bash -c 'extract-oneroster "$1" | normalize' _ "$TD/district/y1-v1p1"
	assert_success
	assert_equal "$stderr" ""
	assert_output "$(cat "$TD/district/y1.canonical.ndjson")"
}

@test "the 1.1 zip and the 1.2 package (CRLF, BOM, roles.csv) give the same canonical records" {
	run bash -c 'extract-oneroster "$1" | normalize' _ "$TD/district/y1-v1p1.zip"
	assert_success
	assert_output "$(cat "$TD/district/y1.canonical.ndjson")"
	run bash -c 'extract-oneroster "$1" | normalize' _ "$TD/district/y1-v1p2"
	assert_success
	assert_output "$(cat "$TD/district/y1.canonical.ndjson")"
}

@test "standard input and a file argument give the same output" {
	extract-oneroster "$TD/oneroster/min" > "$BATS_TEST_TMPDIR/raw.ndjson"
	run normalize "$BATS_TEST_TMPDIR/raw.ndjson"
	assert_success
	file_output=$output
	run -0 normalize - < "$BATS_TEST_TMPDIR/raw.ndjson"
	assert_output "$file_output"
	run -0 normalize < "$BATS_TEST_TMPDIR/raw.ndjson"
	assert_output "$file_output"
}

@test "empty input gives empty output" {
	run --separate-stderr normalize < /dev/null
	assert_success
	assert_output ""
	assert_equal "$stderr" ""
}

@test "emails trimmed and lower-cased, grades as CEDS codes, userIds into ids" {
	run bash -c 'extract-oneroster "$1" | normalize' _ "$TD/oneroster/min"
	assert_success
	assert_line '{"type":"user","source":"oneroster","source_id":"u-1","role":"student","school_ids":["s-1"],"given_name":"Ann","family_name":"Lee, \"Jr.\"","email":"ann@example.org","username":"ann","sis_id":"100","grade":"03","ids":{"oneroster":"u-1","sis":"100"}}'
	assert_line --partial '"source_id":"u-3","role":"student","school_ids":["s-1"],"given_name":"Cy","family_name":"Doe","username":"cy","sis_id":"102","grade":"KG",'
	assert_line '{"type":"school","source":"oneroster","source_id":"s-1","name":"Oak School, North","school_number":"0001"}'
}

@test "grades K, 0, Kindergarten map to KG and 9 to 09" {
	for g in K 0 Kindergarten 9; do
		printf '%s\n' '{"type":"raw","source":"oneroster","entity":"users","file":"users.csv","line":2,"data":{"sourcedId":"u-1","role":"student","givenName":"A","familyName":"B","grades":"'"$g"'"}}' > "$BATS_TEST_TMPDIR/in"
		run normalize "$BATS_TEST_TMPDIR/in"
		assert_success
		[ "$g" = 9 ] && want=09 || want=KG
		assert_output --partial "\"grade\":\"$want\""
	done
}

@test "a delta feed's tobedeleted row comes through with status" {
	pkg=$(variant delta-users)
	run --separate-stderr bash -c 'extract-oneroster "$1" | normalize' _ "$pkg"
	assert_success
	assert_line --index 0 '{"type":"feed","source":"oneroster","modes":{"school":"bulk","term":"absent","section":"absent","user":"delta","enrollment":"absent"}}'
	assert_line '{"type":"user","source":"oneroster","source_id":"u-1","status":"tobedeleted","role":"student","school_ids":["s-1"],"given_name":"Ann","family_name":"Lee","username":"ann","sis_id":"100","grade":"03","ids":{"oneroster":"u-1","sis":"100"},"modified":"2026-06-20T10:00:00Z"}'
	assert_line --partial '"source_id":"u-7","role":"student"'
}

@test "bad values are located errors or warnings naming the column, a record spanning lines at its first" {
	# SPEC second round: a malformed optional value (email, grade,
	# dateLastModified) is a warning, dropped, the record kept; a wrong
	# role, reference or required value rejects the record
	pkg=$(variant bad-values)
	run -1 --separate-stderr bash -c 'extract-oneroster "$1" | normalize' _ "$pkg"
	assert_equal "$stderr" "normalize: users.csv:2: email: warning: not a valid email address
normalize: users.csv:3: role: unknown role \"wizard\"
normalize: users.csv:4: grades: warning: unknown grade \"Z\"
normalize: users.csv:6: orgSourcedIds: unknown org id \"s-9\"
normalize: users.csv:7: givenName: required value is empty
normalize: users.csv:8: dateLastModified: warning: not an ISO 8601 date-time: \"2026-13-01\""
	assert_line '{"type":"user","source":"oneroster","source_id":"u-1","role":"student","school_ids":["s-1"],"given_name":"Ann","family_name":"Lee","username":"ann","sis_id":"100","grade":"03","ids":{"oneroster":"u-1","sis":"100"}}'
	assert_line --partial '"source_id":"u-3","role":"student","school_ids":["s-1"],"given_name":"Cy\nZed","family_name":"Doe","username":"cy","sis_id":"102","ids":'
	refute_output --partial '"source_id":"u-2"'
	refute_output --partial '"source_id":"u-4"'
	refute_output --partial '"source_id":"u-5"'
}

@test "no personal data in messages: a bad email is not echoed" {
	pkg=$(variant bad-values)
	run -1 --separate-stderr bash -c 'extract-oneroster "$1" | normalize' _ "$pkg"
	assert_stderr_line "normalize: users.csv:2: email: warning: not a valid email address"
	[[ "$stderr" != *"ann@"* ]] || fail "stderr shows the address: $stderr"
}

@test "bad input: duplicate ids" {
	pkg=$(variant duplicate-ids)
	run -1 --separate-stderr bash -c 'extract-oneroster "$1" | normalize' _ "$pkg"
	assert_equal "$stderr" "normalize: users.csv:4: sourcedId: duplicate id, first at line 2"
}

@test "referential checks against a bulk feed" {
	run -1 --separate-stderr normalize "$TD/normalize/refs.ndjson"
	assert_equal "$stderr" "normalize: academicSessions.csv:3: endDate: ends before it starts (2027-01-10 > 2026-06-10)
normalize: classes.csv:2: termSourcedIds: unknown academicSessions id \"t-9\"
normalize: classes.csv:3: schoolSourcedId: org \"d-1\" is not a school
normalize: classes.csv:3: courseSourcedId: unknown courses id \"c-9\"
normalize: classes.csv:3: classType: \"lecture\" is not homeroom or scheduled
normalize: enrollments.csv:2: classSourcedId: warning: enrollment dropped: classes id \"k-1\" was rejected
normalize: enrollments.csv:3: classSourcedId: warning: enrollment dropped: classes id \"k-1\" was rejected
normalize: enrollments.csv:3: userSourcedId: unknown users id \"u-404\"
normalize: enrollments.csv:4: classSourcedId: unknown classes id \"k-404\""
	assert_line '{"type":"term","source":"oneroster","source_id":"t-1","name":"Fall","kind":"semester","start_date":"2026-08-20","end_date":"2026-12-20","school_year":"2026-2027"}'
	# k-1 was rejected (an unknown term): its enrollments are dropped, not
	# written naming a section that is not there (SPEC second round)
	refute_line '{"type":"enrollment","source":"oneroster","section_id":"k-1","user_id":"u-1","role":"student"}'
}

@test "bad input: broken JSON, a non-object, a record without type, trailing garbage" {
	f="$TD/normalize/broken-json.ndjson"
	run -1 --separate-stderr normalize "$f"
	assert_equal "$stderr" "normalize: $f:2: not valid JSON
normalize: $f:3: not a JSON object
normalize: $f:4: record has no \"type\" string
normalize: $f:5: more than one JSON value on the line"
}

@test "bad input: invalid UTF-8 (an overlong form) in NDJSON" {
	f="$TD/normalize/invalid-utf8.ndjson"
	run -1 --separate-stderr normalize "$f"
	assert_equal "$stderr" "normalize: $f:1: invalid UTF-8"
}

@test "bad input: a truncated gzip input is an error, not a short feed" {
	f="$TD/normalize/truncated.ndjson.gz"
	run -1 --separate-stderr normalize "$f"
	assert_equal "$stderr" "normalize: $f:56: truncated gzip data"
}

@test "bad input: a truncated gzip input fails even with --keep-going --allow-rejects" {
	f="$TD/normalize/truncated.ndjson.gz"
	run -1 --separate-stderr normalize --keep-going --allow-rejects "$f"
	assert_equal "$stderr" "normalize: $f:56: truncated gzip data
normalize: 1 bad record skipped"
}

@test "gzip input is read like plain input" {
	gzip -c "$TD/oneroster/min.raw.ndjson" > "$BATS_TEST_TMPDIR/raw.ndjson.gz"
	run normalize "$BATS_TEST_TMPDIR/raw.ndjson.gz"
	assert_success
	assert_output "$(normalize "$TD/oneroster/min.raw.ndjson")"
}

@test "--keep-going skips bad records, still exits 1; --allow-rejects exits 0" {
	pkg=$(variant bad-values)
	extract-oneroster "$pkg" > "$BATS_TEST_TMPDIR/raw"
	run -1 --separate-stderr normalize --keep-going "$BATS_TEST_TMPDIR/raw"
	# three errors; the three warnings are no bad records (SPEC second round)
	assert_equal "${stderr_lines[6]}" "normalize: 3 bad records skipped"
	assert_line --index 1 '{"type":"school","source":"oneroster","source_id":"s-1","name":"Oak School, North","school_number":"0001"}'
	assert_line '{"type":"held","entity":"user","source":"oneroster","source_id":"u-2"}'
	run -0 --separate-stderr normalize --keep-going --allow-rejects "$BATS_TEST_TMPDIR/raw"
	assert_equal "${stderr_lines[6]}" "normalize: 3 bad records skipped"
}

@test "--max-errors stops the run after N errors; warnings do not count" {
	pkg=$(variant bad-values)
	run -1 --separate-stderr bash -c 'extract-oneroster "$1" | normalize --max-errors 2' _ "$pkg"
	assert_equal "$stderr" "normalize: users.csv:2: email: warning: not a valid email address
normalize: users.csv:3: role: unknown role \"wizard\"
normalize: users.csv:4: grades: warning: unknown grade \"Z\"
normalize: users.csv:6: orgSourcedIds: unknown org id \"s-9\"
normalize: stopping after 2 errors (--max-errors)"
}

@test "--max-errors takes a positive whole number" {
	run -2 --separate-stderr normalize --max-errors x
	assert_equal "${stderr_lines[0]}" "normalize: --max-errors: not a whole number: x"
}

@test "--error-format json: program, file, line, field, code, level, message, source_id" {
	pkg=$(variant duplicate-ids)
	run -1 --separate-stderr bash -c 'extract-oneroster "$1" | normalize --error-format json' _ "$pkg"
	assert_equal "$stderr" '{"program":"normalize","level":"error","file":"users.csv","line":4,"field":"sourcedId","code":"duplicate_id","message":"duplicate id, first at line 2","source_id":"u-1"}'
	pkg=$(variant bad-values)
	run -1 --separate-stderr bash -c 'extract-oneroster "$1" | normalize --error-format json' _ "$pkg"
	assert_equal "${stderr_lines[0]}" '{"program":"normalize","level":"warning","file":"users.csv","line":2,"field":"email","code":"bad_email","message":"not a valid email address","source_id":"u-1"}'
}

@test "--strict makes warnings errors: the record is rejected, exit 1" {
	pkg=$(variant bad-values)
	run -1 --separate-stderr bash -c 'extract-oneroster "$1" | normalize --strict' _ "$pkg"
	assert_equal "${stderr_lines[0]}" "normalize: users.csv:2: email: not a valid email address"
	refute_output --partial '"source_id":"u-1"'
	run -0 --separate-stderr bash -c 'extract-oneroster "$1" | normalize --strict' _ "$TD/oneroster/min"
	assert_equal "$stderr" ""
}

@test "warnings alone leave the exit status 0" {
	pkg=$(variant bad-values)
	extract-oneroster "$pkg" | grep -v '"sourcedId":"u-[245]"' > "$BATS_TEST_TMPDIR/raw"
	run -0 --separate-stderr normalize "$BATS_TEST_TMPDIR/raw"
	assert_equal "${#stderr_lines[@]}" 3
	assert_line --partial '"source_id":"u-6","status":"tobedeleted"'
}

@test "canonical records are passed on unchanged" {
	run normalize "$TD/district/y1.canonical.ndjson"
	assert_success
	assert_output "$(cat "$TD/district/y1.canonical.ndjson")"
}

@test "a write error on standard output is an I/O error (exit 4)" {
	run -4 --separate-stderr bash -c 'normalize "$1" > /dev/full' _ "$TD/district/y1.canonical.ndjson"
	assert_equal "$stderr" "normalize: standard output: No space left on device"
}

@test "three users stripped of their role, --keep-going --allow-rejects: held, their enrollments dropped and held, nothing dangles" {
	# issue 15: a rejection never turns into a deletion. normalize's part:
	# a held marker for each rejected user and each enrollment of theirs,
	# no enrollment written that names a user that is not written
	pkg=$(fixture_copy "$TD/district/y1-v1p1")
	sed -i 's/^\(stu-100[123],,,true,sch-100,\)student,/\1,/' "$pkg/users.csv"
	run -0 --separate-stderr bash -c 'set -o pipefail; extract-oneroster "$1" | normalize --keep-going --allow-rejects' _ "$pkg"
	assert_equal "${stderr_lines[0]}" "normalize: users.csv:2: role: required value is empty"
	assert_stderr_line 'normalize: enrollments.csv:3: userSourcedId: warning: enrollment dropped: users id "stu-1001" was rejected'
	assert_stderr_line "normalize: 3 bad records skipped"
	for u in stu-1001 stu-1002 stu-1003; do
		assert_line '{"type":"held","entity":"user","source":"oneroster","source_id":"'"$u"'"}'
		refute_output --partial '"user_id":"'"$u"'","role"'
		refute_output --partial '"type":"user","source":"oneroster","source_id":"'"$u"'"'
	done
	assert_equal "$(grep -c '"type":"held","entity":"enrollment"' <<<"$output")" 5
	assert_line '{"type":"held","entity":"enrollment","source":"oneroster","section_id":"cls-math-k5","user_id":"stu-1003"}'
	# the rest of the district is written as without the three
	assert_equal "$(grep -c '"type":"user"' <<<"$output")" 21
	# through diff-roster and apply on a store holding the district: no
	# deletion of them or of their enrollments, and the plan applies
	printf '%s\n' "$output" > "$BATS_TEST_TMPDIR/canonical"
	db="$BATS_TEST_TMPDIR/s.db"
	extract-oneroster "$TD/district/y1-v1p1" | normalize | diff-roster --state /dev/null |
		apply --quiet --db "$db" 2>/dev/null
	snapshot --db "$db" > "$BATS_TEST_TMPDIR/state"
	run -0 diff-roster --state "$BATS_TEST_TMPDIR/state" "$BATS_TEST_TMPDIR/canonical"
	refute_output --partial '"op":"soft_delete"'
	refute_output --partial '"op":"delete"'
	assert_line --index 0 --partial '"held":{"enrollment":5,"user":3}'
	printf '%s\n' "$output" > "$BATS_TEST_TMPDIR/plan"
	run -0 apply --db "$db" "$BATS_TEST_TMPDIR/plan"
}

@test "held markers pass through normalize unchanged (normalize reading its own output)" {
	printf '%s\n' '{"type":"held","entity":"user","source":"oneroster","source_id":"u-17"}' > "$BATS_TEST_TMPDIR/in"
	run -0 --separate-stderr normalize "$BATS_TEST_TMPDIR/in"
	assert_output '{"type":"held","entity":"user","source":"oneroster","source_id":"u-17"}'
	assert_equal "$stderr" ""
}
