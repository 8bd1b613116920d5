#!/usr/bin/env bats
# No leaks and no memory errors under valgrind on the fixtures (normal
# build only: valgrind and AddressSanitizer cannot watch the same process).

setup() {
	load test_helper/common
	command -v valgrind >/dev/null || fail "valgrind is not installed (Debian package valgrind)"
}

vg() {
	valgrind --quiet --leak-check=full --show-leak-kinds=definite,indirect,possible \
		--errors-for-leak-kinds=definite,indirect,possible --error-exitcode=99 "$@"
}

# vg_same COMMAND...: on bad input. Run plainly, the command exits 0 or 1
# (a crash is no answer to bad input); under valgrind it reports nothing and
# exits, prints and complains exactly as it did plainly.
vg_same() {
	local want_status want_output want_stderr
	run --separate-stderr "$@"
	want_status=$status want_output=$output want_stderr=$stderr
	[ "$want_status" -le 1 ] || fail "$*: exit status $want_status: $stderr"
	run --separate-stderr vg "$@"
	[ "$status" -ne 99 ] || fail "valgrind errors: $*: $stderr"
	assert_equal "$status" "$want_status"
	assert_equal "$output" "$want_output"
	assert_equal "$stderr" "$want_stderr"
}

@test "valgrind: extract-oneroster on a folder, a zip and a 1.2 package" {
	for src in "$TD/district/y1-v1p1" "$TD/district/y1-v1p1.zip" "$TD/district/y1-v1p2"; do
		run vg extract-oneroster "$src"
		assert_success
	done
}

@test "valgrind: extract-oneroster on every bad-input variant" {
	for v in "$TD"/oneroster/variants/*/; do
		pkg=$(variant "$(basename "$v")")
		vg_same extract-oneroster "$pkg"
	done
}

@test "valgrind: normalize on the district (with demographics spooling) and on bad input" {
	extract-oneroster "$TD/district/y1-v1p2" > "$BATS_TEST_TMPDIR/raw"
	run vg normalize "$BATS_TEST_TMPDIR/raw"
	assert_success
	for f in "$TD"/normalize/*; do
		vg_same normalize "$f"
	done
}

@test "valgrind: apply, snapshot, diff-roster and undo over year 1 and year 2" {
	db="$BATS_TEST_TMPDIR/s.db"
	extract-oneroster "$TD/district/y1-v1p1" | normalize > "$BATS_TEST_TMPDIR/y1"
	extract-oneroster "$TD/district/y2-v1p1" | normalize > "$BATS_TEST_TMPDIR/y2"
	run vg diff-roster --state /dev/null "$BATS_TEST_TMPDIR/y1"
	assert_success
	printf '%s\n' "$output" > "$BATS_TEST_TMPDIR/p1"
	run vg apply --db "$db" "$BATS_TEST_TMPDIR/p1"
	assert_success
	run vg snapshot --db "$db"
	assert_success
	printf '%s\n' "$output" > "$BATS_TEST_TMPDIR/state"
	run vg diff-roster --state "$BATS_TEST_TMPDIR/state" "$BATS_TEST_TMPDIR/y2"
	assert_success
	printf '%s\n' "$output" > "$BATS_TEST_TMPDIR/p2"
	run vg apply --db "$db" --force "$BATS_TEST_TMPDIR/p2"
	assert_success
	run vg apply --db "$db" "$BATS_TEST_TMPDIR/p2"
	assert_success
	plan=$(sed -n '1s/.*"plan_id":"\([0-9a-f]*\)".*/\1/p' "$BATS_TEST_TMPDIR/p2")
	run vg apply --db "$db" --undo "$plan"
	assert_success
	run vg diff-roster --state "$TD/sync/two-same-email.state.ndjson" "$TD/sync/two-same-email.in.ndjson"
	assert_success
	snapshot --db "$db" > "$BATS_TEST_TMPDIR/state2"
	diff-roster --state "$BATS_TEST_TMPDIR/state2" "$BATS_TEST_TMPDIR/y2" > "$BATS_TEST_TMPDIR/p3"
	run vg apply --db "$db" --max-delete-ratio 0.01 "$BATS_TEST_TMPDIR/p3"
	assert_equal "$status" 3
}

@test "valgrind: extract-clever, extract-oneroster --rest and their normalisation" {
	c="$TD/clever/y1"
	run vg extract-clever "$c"/districts.json "$c"/schools.json "$c"/terms.json "$c"/courses.json "$c"/sections.json "$c"/users.json
	assert_success
	printf '%s\n' "$output" > "$BATS_TEST_TMPDIR/raw"
	run vg normalize --school-year 2026-2027 "$BATS_TEST_TMPDIR/raw"
	assert_equal "$status" 3
	run vg extract-clever --next "$c/users.json"
	assert_success
	for f in "$TD"/clever/bad/*.json; do
		vg_same extract-clever "$f"
		# 1 when it skipped a bad page, 0 when the pages read (the bad
		# values are normalize's to find)
		extract-clever --keep-going "$f" > "$BATS_TEST_TMPDIR/bad" 2>/dev/null || [ $? -eq 1 ]
		vg_same normalize "$BATS_TEST_TMPDIR/bad"
	done
	run vg extract-oneroster --rest "$TD"/oneroster-rest/y1/*.json
	assert_success
	printf '%s\n' "$output" > "$BATS_TEST_TMPDIR/rest"
	run vg normalize "$BATS_TEST_TMPDIR/rest"
	assert_success
}

@test "valgrind: extract-oneroster - (a zip spooled from standard input), ambiguous zips, located API items" {
	run vg extract-oneroster - < "$TD/district/y1-v1p1.zip"
	assert_success
	for z in duplicate duplicate-case; do
		run -1 --separate-stderr vg extract-oneroster - < "$TD/zip/$z.zip"
		assert_stderr_partial "extract-oneroster: <stdin>: entry \""
		vg_same extract-oneroster "$TD/zip/$z.zip"
	done
	printf '{"data": [\n {"data": {"id": "a"}, "uri": "/v3.1/terms/a"},\n {"uri": "/v3.1/users/b"}\n],\n"links": [{"rel": "self", "uri": "/v3.1/schools/s/terms"}]}\n' > "$BATS_TEST_TMPDIR/p.json"
	vg_same extract-clever "$BATS_TEST_TMPDIR/p.json"
	vg_same extract-clever --keep-going "$BATS_TEST_TMPDIR/p.json"
	printf '{"users": [\n {"sourcedId": "a"},\n 7\n]}\n' > "$BATS_TEST_TMPDIR/r.json"
	vg_same extract-oneroster --rest --keep-going "$BATS_TEST_TMPDIR/r.json"
}

@test "valgrind: normalize on a teacher who is also staff, and on Clever's demo district (a real feed)" {
	c="$TD/clever-multi-role"
	extract-clever "$c"/schools.json "$c"/users.json "$c"/sections.json > "$BATS_TEST_TMPDIR/raw"
	run vg normalize --keep-going "$BATS_TEST_TMPDIR/raw"
	assert_success
	d="$BATS_TEST_DIRNAME/../../shared/real-feeds/clevergo-v3-demo"
	[ -d "$d" ] || skip "real feed clevergo-v3-demo is missing (no $d): the rest of this test could not run"
	extract-clever "$d/districts.json" "$d/added-by-hand/schools.json" "$d/added-by-hand/terms.json" \
		"$d/sections.json" "$d/users.json" > "$BATS_TEST_TMPDIR/demo"
	vg_same normalize --strict --keep-going "$BATS_TEST_TMPDIR/demo"
	run vg normalize "$BATS_TEST_TMPDIR/demo"
	assert_success
}

@test "valgrind: archive-appointments (archive, export, verify), softdelete-plan, apply of a delete plan" {
	db="$BATS_TEST_TMPDIR/s.db"
	oneroster-sync --quiet --db "$db" "$TD/district/y1-v1p1" 2>/dev/null
	apply --db "$db" --quiet "$TD/summer/appointments.plan.ndjson" 2>/dev/null
	snapshot --db "$db" > "$BATS_TEST_TMPDIR/state"
	run vg archive-appointments --year 2025-2026 --out "$BATS_TEST_TMPDIR/arch" "$BATS_TEST_TMPDIR/state"
	assert_success
	printf '%s\n' "$output" > "$BATS_TEST_TMPDIR/plan"
	run vg archive-appointments --year 2025-2026 --out "$BATS_TEST_TMPDIR/arch" "$BATS_TEST_TMPDIR/state"
	assert_success
	run vg apply --db "$db" "$BATS_TEST_TMPDIR/plan"
	assert_success
	run vg archive-appointments --export "$BATS_TEST_TMPDIR/arch" --csv --school s1
	assert_success
	run vg archive-appointments --verify "$BATS_TEST_TMPDIR/arch"
	assert_success
	run vg softdelete-plan "$BATS_TEST_TMPDIR/state"
	assert_success
}

@test "valgrind: diff-roster --mapping --report and --links, snapshot --backup, apply --freeze and --thaw" {
	db="$BATS_TEST_TMPDIR/s.db"
	c="$TD/clever/y1"
	extract-clever "$c"/*.json | normalize | diff-roster --state /dev/null | apply --db "$db" --quiet 2>/dev/null
	snapshot --db "$db" > "$BATS_TEST_TMPDIR/state"
	extract-oneroster "$TD/migration/new-source" | normalize > "$BATS_TEST_TMPDIR/in"
	run vg diff-roster --quiet --mapping --report "$BATS_TEST_TMPDIR/r.html" --state "$BATS_TEST_TMPDIR/state" "$BATS_TEST_TMPDIR/in"
	assert_success
	printf '%s\n' "$output" > "$BATS_TEST_TMPDIR/map.csv"
	run vg diff-roster --links "$BATS_TEST_TMPDIR/map.csv" --state "$BATS_TEST_TMPDIR/state" "$BATS_TEST_TMPDIR/in"
	assert_success
	echo "u999,oneroster,x,,,," >> "$BATS_TEST_TMPDIR/map.csv"
	run vg diff-roster --links "$BATS_TEST_TMPDIR/map.csv" --state "$BATS_TEST_TMPDIR/state" "$BATS_TEST_TMPDIR/in"
	assert_equal "$status" 1
	run vg snapshot --db "$db" --backup "$BATS_TEST_TMPDIR/copy.db"
	assert_success
	run vg apply --db "$db" --freeze test
	assert_success
	run vg apply --db "$db" --thaw
	assert_success
}

@test "valgrind: oauth-sign (a signature, Basic credentials, token answers good and bad)" {
	secret=$BATS_TEST_TMPDIR/secret
	(umask 077 && printf 's3cret\n' > "$secret")
	run vg oauth-sign --client-id c --secret-file "$secret" 'http://h.example:81/p?b=2&a=1&a=%C3%A9+x'
	assert_success
	run vg oauth-sign --basic --client-id c --secret-fd 3 3< "$secret"
	assert_success
	printf '{"access_token":"t","token_type":"Bearer","expires_in":60}' > "$BATS_TEST_TMPDIR/ok"
	run vg oauth-sign --token "$BATS_TEST_TMPDIR/ok"
	assert_success
	for bad in '{"error":"invalid_client","error_description":"no"}' '{"access_token":' '[]' ''; do
		printf '%s' "$bad" > "$BATS_TEST_TMPDIR/bad"
		vg_same oauth-sign --token "$BATS_TEST_TMPDIR/bad"
	done
}

@test "valgrind: extract-oneroster --rest on 1.2 pages (users' roles), extract-clever --next --base-url on good and refused links" {
	run vg extract-oneroster --rest "$TD"/oneroster-rest/y1-v1p2/*.json
	assert_success
	printf '%s\n' "$output" > "$BATS_TEST_TMPDIR/rest12"
	run vg normalize "$BATS_TEST_TMPDIR/rest12"
	assert_success
	printf '{"users":[{"sourcedId":"u1","roles":{"role":"teacher"}},{"sourcedId":"u2","roles":[1,{"role":"x"}]}]}\n' > "$BATS_TEST_TMPDIR/bad12"
	vg_same extract-oneroster --rest "$BATS_TEST_TMPDIR/bad12"
	for link in /v3.0/users?limit=5 http://127.0.0.1:8080/v3.0/users //127.0.0.1:8080/x \
		http://other:8080/x @other:8080/x 'http://u@127.0.0.1:8080/x' 'v3.0/x' '/a b'; do
		printf '{"data":[],"links":[{"rel":"next","uri":"%s"}]}' "$link" > "$BATS_TEST_TMPDIR/page"
		vg_same extract-clever --next --base-url http://127.0.0.1:8080 "$BATS_TEST_TMPDIR/page"
	done
}

@test "valgrind: plan-report in Markdown and HTML, on a plan with links, conflicts, moves and soft deletes, and on bad input; the migration review" {
	for fmt in md html; do
		run vg plan-report --state "$TD/sync/y1.snapshot.ndjson" --format "$fmt" "$TD/sync/y2.plan.ndjson"
		assert_success
		assert_output --partial "Okafor"
	done
	diff-roster --state "$TD/sync/two-same-email.state.ndjson" "$TD/sync/two-same-email.in.ndjson" > "$BATS_TEST_TMPDIR/conflict"
	run vg plan-report --state "$TD/sync/two-same-email.state.ndjson" "$BATS_TEST_TMPDIR/conflict"
	assert_success
	run vg plan-report --state "$TD/sync/y2.snapshot.ndjson" --format html <(softdelete-plan "$TD/sync/y2.snapshot.ndjson")
	assert_success
	run vg plan-report --state /dev/null "$TD/sync/y2.plan.ndjson"
	assert_success
	# the migration review's lists (ambiguous candidates by name)
	run vg diff-roster --quiet --mapping --report "$BATS_TEST_TMPDIR/amb.md" --state "$TD/sync/two-same-email.state.ndjson" "$TD/sync/two-same-email.in.ndjson"
	assert_success
	{ head -n 3 "$TD/sync/y2.plan.ndjson"; echo '{"type":"op","op":"explode","entity":"user","id":"u1"}'; echo 'not json'; } > "$BATS_TEST_TMPDIR/bad"
	vg_same plan-report --state "$TD/sync/y1.snapshot.ndjson" "$BATS_TEST_TMPDIR/bad"
	cat "$TD/sync/y2.plan.ndjson" "$TD/sync/y2.plan.ndjson" > "$BATS_TEST_TMPDIR/two"
	vg_same plan-report --state "$TD/sync/y1.snapshot.ndjson" "$BATS_TEST_TMPDIR/two"
}
