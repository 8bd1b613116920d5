#!/usr/bin/env bats
# bats file_tags=store
# API sources: extract-clever, extract-oneroster --rest, and clever-sync /
# classlink-sync against a loopback test server (tests/httpd/httpd.py).

setup() {
	load test_helper/common
	load httpd/httpd
	export ROSTERPIPE_RETRY_DELAY=0
	CL="$TD/clever/y1"
	REST="$TD/oneroster-rest/y1"
	CDB=$(new_store c) RDB=$(new_store r)
}

teardown() { httpd_stop; }

clever_pages() { printf '%s\n' "$1"/districts.json "$1"/schools.json "$1"/terms.json "$1"/courses.json "$1"/sections.json "$1"/users.json; }
# A user as a person sees it: names, email, SIS id; sorted.
people() { grep '"type":"user"' | sed 's/.*"given_name":"\([^"]*\)".*"family_name":"\([^"]*\)".*/\1 \2/' | sort; }
records() ( set -o pipefail; snapshot --db "$1" | tail -n +2 )

@test "extract-clever: --help, --version, a bad option" {
	run extract-clever --help
	assert_success
	assert_line --index 0 "usage: extract-clever [--entity NAME] [options] [PAGE.json...]"
	run -0 extract-clever --version
	assert_output "extract-clever $RP_VERSION"
	run -2 --separate-stderr extract-clever --entity widgets "$CL/users.json"
	assert_equal "${stderr_lines[0]}" "extract-clever: --entity: not a Clever entity: widgets"
}

@test "extract-clever: a feed header naming the entities, then records in dependency order whatever the page order" {
	run extract-clever $(clever_pages "$CL")
	assert_success
	assert_line --index 0 '{"type":"feed","source":"clever","version":"3.0","files":{"districts":"bulk","schools":"bulk","terms":"bulk","courses":"bulk","users":"bulk","sections":"bulk"}}'
	in_order=$output
	run -0 extract-clever $(clever_pages "$CL" | sort -r)
	assert_output "$in_order"
	entities=$(grep -o '"entity":"[a-z]*"' <<<"$output" | uniq | tr '\n' ' ')
	assert_equal "$entities" '"entity":"districts" "entity":"schools" "entity":"terms" "entity":"courses" "entity":"users" "entity":"sections" '
}

@test "extract-clever: pages concatenated on standard input read like files" {
	run bash -c 'cat "$@" | extract-clever' _ $(clever_pages "$CL")
	assert_success
	assert_equal "$(sed 's/"file":"[^"]*","line":[0-9]*,//' <<<"$output")" \
		"$(extract-clever $(clever_pages "$CL") | sed 's/"file":"[^"]*","line":[0-9]*,//')"
}

@test "extract-clever: pages of one entity only give a header with the others absent" {
	run extract-clever "$CL/schools.json"
	assert_success
	assert_line --index 0 '{"type":"feed","source":"clever","version":"3.0","files":{"districts":"absent","schools":"bulk","terms":"absent","courses":"absent","users":"absent","sections":"absent"}}'
}

@test "extract-clever: each record carries the line where its item starts in a pretty-printed page, and its item number" {
	# strings holding brackets, braces, commas and escaped quotes do not count
	cat > "$BATS_TEST_TMPDIR/schools.json" <<'JSON'
{
 "links": [{"rel": "self", "uri": "/v3.0/schools?limit=3"}],
 "data": [
  {"data": {"id": "s1", "name": "A \"[{,\\"}, "uri": "/v3.0/schools/s1"},
  {
   "data": {
    "id": "s2",
    "name": "}]"
   },
   "uri": "/v3.0/schools/s2"
  },

  {"data": {"id": "s3"}, "uri": "/v3.0/schools/s3"}
 ]
}
{"data":[{"data":{"id":"s4"}},{"data":{"id":"s5"}}],"links":[{"rel":"self","uri":"/v3.0/schools"}]}
JSON
	run -0 --separate-stderr extract-clever "$BATS_TEST_TMPDIR/schools.json"
	assert_equal "$(grep -c '"type":"raw","source":"clever","entity":"schools","file":"schools.json"' <<<"$output")" 5
	assert_equal "$(grep -o '"line":[0-9]*,"item":[0-9]*,"data":{"id":"s[0-9]"' <<<"$output" | tr '\n' ' ')" \
		'"line":4,"item":1,"data":{"id":"s1" "line":5,"item":2,"data":{"id":"s2" "line":13,"item":3,"data":{"id":"s3" "line":16,"item":1,"data":{"id":"s4" "line":16,"item":2,"data":{"id":"s5" '
}

@test "extract-clever: a bad item is located at its own line, with its number" {
	printf '{"data": [\n {"data": {"id": "a"}},\n {"uri": "/v3.0/users/b"},\n {"data": {"id": "c"}}\n],\n"links": [{"rel": "self", "uri": "/v3.0/users"}]}\n' > "$BATS_TEST_TMPDIR/users.json"
	run -1 --separate-stderr extract-clever "$BATS_TEST_TMPDIR/users.json"
	assert_equal "$stderr" "extract-clever: $BATS_TEST_TMPDIR/users.json:3: data: item 2 has no data object with an id"
	run -1 --separate-stderr extract-clever --keep-going "$BATS_TEST_TMPDIR/users.json"
	assert_equal "$(grep -c '"type":"raw"' <<<"$output")" 2
}

@test "extract-clever: a relation page (a school's terms) holds its records' entity, as a delta: it lists some of them" {
	cat > "$BATS_TEST_TMPDIR/school_terms.json" <<'JSON'
{"data":[{"data":{"id":"t1","name":"Y1"},"uri":"/v3.0/terms/t1"}],"links":[{"rel":"self","uri":"/v3.0/schools/s1/terms"}]}
{"data":[{"data":{"id":"u1"},"uri":"/v3.0/users/u1"}],"links":[{"rel":"self","uri":"/v3.0/users/u9/mystudents"}]}
JSON
	run -0 --separate-stderr extract-clever "$BATS_TEST_TMPDIR/school_terms.json"
	assert_line --index 0 '{"type":"feed","source":"clever","version":"3.0","files":{"districts":"absent","schools":"absent","terms":"delta","courses":"absent","users":"delta","sections":"absent"}}'
	assert_line --index 1 '{"type":"raw","source":"clever","entity":"terms","file":"school_terms.json","line":1,"item":1,"data":{"id":"t1","name":"Y1"}}'
	assert_line --index 2 '{"type":"raw","source":"clever","entity":"users","file":"school_terms.json","line":2,"item":1,"data":{"id":"u1"}}'
	# the whole collection as well: bulk
	run -0 --separate-stderr extract-clever "$BATS_TEST_TMPDIR/school_terms.json" "$CL/terms.json"
	assert_line --index 0 '{"type":"feed","source":"clever","version":"3.0","files":{"districts":"absent","schools":"absent","terms":"bulk","courses":"absent","users":"delta","sections":"absent"}}'
}

@test "extract-clever: an item whose uri names another entity than its page is refused" {
	printf '{"data":[{"data":{"id":"t1"},"uri":"/v3.0/terms/t1"}],"links":[{"rel":"self","uri":"/v3.0/schools"}]}\n' > "$BATS_TEST_TMPDIR/p.json"
	run -1 --separate-stderr extract-clever "$BATS_TEST_TMPDIR/p.json"
	assert_equal "$stderr" "extract-clever: $BATS_TEST_TMPDIR/p.json:1: uri: item 1 (id t1) is one of the terms, on a page of schools"
}

@test "extract-clever: v3.1 pages read as v3.0 pages do; the feed names the version; versions are not mixed" {
	root=$(fixture_copy "$CL" v31)
	sed -i 's#/v3\.0/#/v3.1/#g' "$root"/*.json
	run -0 --separate-stderr extract-clever $(clever_pages "$root")
	assert_line --index 0 '{"type":"feed","source":"clever","version":"3.1","files":{"districts":"bulk","schools":"bulk","terms":"bulk","courses":"bulk","users":"bulk","sections":"bulk"}}'
	assert_equal "$(tail -n +2 <<<"$output")" "$(extract-clever $(clever_pages "$CL") | tail -n +2)"
	run -1 --separate-stderr extract-clever "$CL/schools.json" "$root/users.json"
	assert_equal "$stderr" "extract-clever: $root/users.json:1: uri: a page of Clever API v3.1 among pages of v3.0"
	sed -i 's#/v3\.1/#/v2.1/#g' "$root/users.json"
	run -1 --separate-stderr extract-clever "$root/users.json"
	assert_equal "$stderr" "extract-clever: $root/users.json:1: uri: Clever API v2.1: only v3.0 and v3.1 are read"
}

@test "extract-oneroster --rest: records carry the item's line and number; a bad item is located at its line" {
	printf '{\n  "academicSessions": [\n    {"sourcedId": "a"},\n    {\n      "status": "active"\n    },\n    7\n  ]\n}\n' > "$BATS_TEST_TMPDIR/as.json"
	run -1 --separate-stderr extract-oneroster --rest "$BATS_TEST_TMPDIR/as.json"
	assert_equal "${stderr_lines[0]}" "extract-oneroster: $BATS_TEST_TMPDIR/as.json:4: academicSessions: item 2 has no sourcedId string"
	assert_equal "${stderr_lines[1]}" "extract-oneroster: $BATS_TEST_TMPDIR/as.json:7: academicSessions: item 3 is not an object"
	run -1 --separate-stderr extract-oneroster --rest --keep-going "$BATS_TEST_TMPDIR/as.json"
	assert_line --index 1 '{"type":"raw","source":"oneroster","format":"rest","entity":"academicSessions","file":"as.json","line":3,"item":1,"data":{"sourcedId":"a"}}'
}

@test "extract-clever --next prints the next page's path, nothing on the last page" {
	printf '%s' '{"data":[],"links":[{"rel":"self","uri":"/v3.0/users?limit=2"},{"rel":"next","uri":"/v3.0/users?limit=2&starting_after=abc"}]}' > "$BATS_TEST_TMPDIR/p1"
	run extract-clever --next "$BATS_TEST_TMPDIR/p1"
	assert_success
	assert_output "/v3.0/users?limit=2&starting_after=abc"
	run extract-clever --next "$CL/users.json"
	assert_success
	assert_output ""
}

@test "extract-clever: a page cut short is a located error and nothing is written" {
	run -1 --separate-stderr extract-clever "$CL/schools.json" "$TD/clever/bad/broken.json"
	assert_equal "$stderr" "extract-clever: $TD/clever/bad/broken.json:1: JSON document cut short at the end of the input"
	assert_output ""
}

@test "extract-clever: an error response is not a page" {
	run -1 --separate-stderr extract-clever "$TD/clever/bad/not-a-list.json"
	assert_equal "$stderr" "extract-clever: $TD/clever/bad/not-a-list.json:1: data: not a Clever list response (message: \"Not Found\")"
}

@test "normalize: a Clever user with two roles is reported, not half-mapped" {
	run -1 --separate-stderr bash -c 'extract-clever "$1" | normalize' _ "$TD/clever/bad/two-roles.json"
	assert_stderr_partial ': roles: several roles (student, teacher): not mapped'
	refute_output --partial '"type":"user","source":"clever","source_id":"'"$(grep -o '"id": *"[0-9a-f]*"' "$TD/clever/bad/two-roles.json" | head -1 | grep -o '[0-9a-f]\{24\}')"'"'
}

@test "normalize: an unknown Clever grade is a located error" {
	run -1 --separate-stderr bash -c 'extract-clever "$1" | normalize' _ "$TD/clever/bad/unknown-grade.json"
	assert_stderr_partial 'roles.student.grade: unknown grade "Seventh"'
}

@test "normalize: Clever fields map to the canonical ones" {
	run bash -c 'extract-clever "$@" | normalize' _ $(clever_pages "$CL")
	assert_success
	assert_line --regexp '^\{"type":"user","source":"clever","source_id":"[0-9a-f]{24}","role":"student","school_ids":\["[0-9a-f]{24}"\],"given_name":"Ana","family_name":"Reyes","email":"ana.reyes@students.nu1.example","username":"areyes","sis_id":"1001","student_number":"1001","grade":"KG","birth_date":"2020-03-14","ids":\{"clever":"[0-9a-f]{24}","sis":"1001"\},"modified":"2025-08-01T00:00:00Z"\}$'
	assert_line --regexp '^\{"type":"school","source":"clever","source_id":"[0-9a-f]{24}","name":"Birchwood Elementary","school_number":"0100","low_grade":"KG","high_grade":"05"\}$'
}

@test "the Clever form of the district holds the same people and schools as the CSV form" {
	run -0 bash -c 'set -o pipefail; extract-clever "$@" | normalize | grep "\"type\":\"user\"" | sed "s/.*\"given_name\":\"\([^\"]*\)\".*\"family_name\":\"\([^\"]*\)\".*/\1 \2/" | sort' _ $(clever_pages "$CL")
	clever=$output
	run -0 bash -c 'set -o pipefail; extract-oneroster "$1" | normalize | grep "\"type\":\"user\"" | sed "s/.*\"given_name\":\"\([^\"]*\)\".*\"family_name\":\"\([^\"]*\)\".*/\1 \2/" | sort' _ "$TD/district/y1-v1p1"
	assert_equal "$clever" "$output"
	assert_equal "$(wc -l <<<"$clever")" 24
}

@test "extract-oneroster --rest: the REST form normalises to the CSV form's records" {
	run bash -c 'extract-oneroster --rest "$1"/*.json | normalize' _ "$REST"
	assert_success
	assert_line --index 0 '{"type":"feed","source":"oneroster","modes":{"school":"bulk","term":"bulk","section":"bulk","user":"bulk","enrollment":"bulk"}}'
	assert_equal "$(tail -n +2 <<<"$output" | sed 's/,"modified":"[^"]*"//')" "$(tail -n +2 "$TD/district/y1.canonical.ndjson")"
}

@test "extract-oneroster --rest: a document that is no collection is an error" {
	run -1 --separate-stderr extract-oneroster --rest "$TD/clever/bad/not-a-list.json"
	assert_equal "$stderr" "extract-oneroster: $TD/clever/bad/not-a-list.json:1: not a OneRoster collection response (no users, orgs, classes... array)"
}

@test "clever-sync over loopback, 5 records a page: the store holds the district; a second run changes nothing" {
	httpd_start clever "$CL"
	db=$CDB
	run --separate-stderr clever-sync --quiet --db "$db" --base-url "$HTTPD_URL" --token-file "$HTTPD_TOKEN_FILE" --limit 5
	assert_success
	assert_equal "$(grep -c 'GET /v3.0/users' "$HTTPD_LOG")" 5
	assert_equal "$(grep -c 'auth=bad' "$HTTPD_LOG")" 0
	run -0 snapshot --db "$db" --entity user
	assert_equal "$(grep -c '"type":"user"' <<<"$output")" 24
	before=$(records "$db")
	run --separate-stderr clever-sync --quiet --db "$db" --base-url "$HTTPD_URL" --token-file "$HTTPD_TOKEN_FILE" --limit 5
	assert_success
	assert_stderr_partial "has no operations; nothing to do"
	assert_equal "$(records "$db")" "$before"
}

@test "clever-sync --api-version 3.1 fetches /v3.1/: the same store as v3.0; a bad version is a usage error" {
	httpd_start clever "$CL"
	run -0 --separate-stderr clever-sync --quiet --db "$CDB" --base-url "$HTTPD_URL" --token-file "$HTTPD_TOKEN_FILE" --limit 5 --api-version 3.1 --keep "$BATS_TEST_TMPDIR/keep"
	assert_equal "$(grep -c 'GET /v3.1/users' "$HTTPD_LOG")" 5
	assert_equal "$(grep -c 'GET /v3.0/' "$HTTPD_LOG")" 0
	assert_equal "$(head -1 "$BATS_TEST_TMPDIR/keep/raw.ndjson" | cut -c1-58)" '{"type":"feed","source":"clever","version":"3.1","files":{'
	run -0 --separate-stderr clever-sync --quiet --db "$RDB" --base-url "$HTTPD_URL" --token-file "$HTTPD_TOKEN_FILE" --limit 5
	assert_equal "$(records "$CDB" | sed 's/"id":"[a-z][0-9]*",//')" "$(records "$RDB" | sed 's/"id":"[a-z][0-9]*",//')"
	run -2 --separate-stderr clever-sync --db "$CDB" --token-file "$HTTPD_TOKEN_FILE" --api-version 2.1
	assert_equal "$stderr" "clever-sync: --api-version: 3.0 or 3.1, not 2.1"
}

@test "classlink-sync over loopback: the store equals the CSV form's; a second run changes nothing" {
	httpd_start oneroster "$REST"
	db=$RDB
	ONEROSTER_TOKEN=$HTTPD_TOKEN run --separate-stderr classlink-sync --quiet --db "$db" --base-url "$HTTPD_URL" --limit 7
	assert_success
	# the CSV form's store: oneroster-sync of the same district (sync.bats)
	assert_equal "$(records "$db" | sed 's/,"modified":"[^"]*"//')" "$(tail -n +2 "$TD/sync/y1.snapshot.ndjson")"
	ONEROSTER_TOKEN=$HTTPD_TOKEN run --separate-stderr classlink-sync --quiet --db "$db" --base-url "$HTTPD_URL" --limit 7
	assert_success
	assert_stderr_partial "has no operations; nothing to do"
}

@test "classlink-sync: pages capped below the limit, with no X-Total-Count, are read to an empty page: the whole district" {
	httpd_start oneroster "$REST" --max-page 3 --no-total
	ONEROSTER_TOKEN=$HTTPD_TOKEN run -0 --separate-stderr classlink-sync --quiet --db "$RDB" --base-url "$HTTPD_URL" --limit 7
	assert_equal "$(records "$RDB" | sed 's/,"modified":"[^"]*"//')" "$(tail -n +2 "$TD/sync/y1.snapshot.ndjson")"
	# the users (24) came 3 a page, then the empty page that ends them
	assert_equal "$(grep -c 'GET /ims/oneroster/v1p1/users?' "$HTTPD_LOG")" 9
	grep -q 'GET /ims/oneroster/v1p1/users?limit=7&offset=24 200' "$HTTPD_LOG"
}

@test "classlink-sync: capped pages with X-Total-Count: each page starts after what the last one held" {
	httpd_start oneroster "$REST" --max-page 4
	ONEROSTER_TOKEN=$HTTPD_TOKEN run -0 --separate-stderr classlink-sync --quiet --db "$RDB" --base-url "$HTTPD_URL" --limit 7
	assert_equal "$(records "$RDB" | sed 's/,"modified":"[^"]*"//')" "$(tail -n +2 "$TD/sync/y1.snapshot.ndjson")"
	grep -q 'GET /ims/oneroster/v1p1/users?limit=7&offset=4 200' "$HTTPD_LOG"
}

@test "classlink-sync: a server that ignores offset (the same page again) stops the run (exit 4), nothing applied" {
	httpd_start oneroster "$REST" --ignore-offset --no-total --max-page 5
	ONEROSTER_TOKEN=$HTTPD_TOKEN run -4 --separate-stderr classlink-sync --quiet --db "$RDB" --base-url "$HTTPD_URL" --limit 5
	assert_equal "${stderr_lines[-1]}" "classlink-sync: stage fetch: orgs: page 2 is page 1 again (offset not honoured?); nothing applied"
	store_is_new "$RDB"
}

@test "clever-sync: /sections answering empty mid-year deletes no class roster: refused by the guard (exit 3)" {
	export SOURCE_DATE_EPOCH=1768435200 # 2026-01-15, in the school year
	httpd_start clever "$CL"
	run -0 clever-sync --quiet --db "$CDB" --base-url "$HTTPD_URL" --token-file "$HTTPD_TOKEN_FILE"
	before=$(records "$CDB")
	root=$(fixture_copy "$CL" clever)
	printf '{"data":[],"links":[]}\n' > "$root/sections.json"
	httpd_start clever "$root"
	export HOME="$BATS_TEST_TMPDIR/home"
	run -3 --separate-stderr clever-sync --quiet --db "$CDB" --base-url "$HTTPD_URL" --token-file "$HTTPD_TOKEN_FILE"
	assert_stderr_line "apply: school s1: plan would delete 15 of 15 enrollments (100.0%; limit 20.0% of groups of 5 or more)"
	assert_stderr_line "apply: school s2: plan would delete 15 of 15 enrollments (100.0%; limit 20.0% of groups of 5 or more)"
	assert_equal "${stderr_lines[-1]}" "clever-sync: stage apply failed (exit 3)"
	assert_equal "$(records "$CDB")" "$before"
	# held for review, with its report
	if on_postgres; then held="$HOME/.rosterpipe/held"; else held="$CDB.held"; fi
	plan=$(ls "$held"/plan-*.ndjson)
	assert_stderr_line "clever-sync: the delete guard refused the plan; it is held for review: $plan"
	assert_stderr_line "clever-sync: after review, let it through once with: apply --db $CDB --force $plan"
	grep -qxF "**Guard: refused.** The plan would delete 15 of 15 enrollments (100.0%; limit 20.0% of groups of 5 or more)." "${plan%.ndjson}.md"
}

@test "clever-sync: a 429 with Retry-After is retried, and the run succeeds" {
	httpd_start clever "$CL" --fault 429:/v3.0/users:2:1
	db=$CDB
	run --separate-stderr clever-sync --db "$db" --base-url "$HTTPD_URL" --token-file "$HTTPD_TOKEN_FILE"
	assert_success
	assert_stderr_line "clever-sync: GET /v3.0/users?limit=1000: 429; retrying in 1s (attempt 2 of 5)"
	assert_equal "$(grep -c 'GET /v3.0/users?limit=1000 429' "$HTTPD_LOG")" 2
}

@test "classlink-sync: a 500 then success" {
	httpd_start oneroster "$REST" --fault 500:/ims/oneroster/v1p1/users:1
	ONEROSTER_TOKEN=$HTTPD_TOKEN run --separate-stderr classlink-sync --db "$RDB" --base-url "$HTTPD_URL"
	assert_success
	assert_stderr_line "classlink-sync: GET /ims/oneroster/v1p1/users?limit=1000&offset=0: 500; retrying in 0s (attempt 2 of 5)"
}

@test "clever-sync: retries run out: exit 4, nothing applied" {
	httpd_start clever "$CL" --fault 500:/v3.0/terms:9
	db=$CDB
	run -4 --separate-stderr clever-sync --db "$db" --base-url "$HTTPD_URL" --token-file "$HTTPD_TOKEN_FILE" --retries 3
	assert_equal "${stderr_lines[-1]}" "clever-sync: GET /v3.0/terms?limit=1000: giving up after 3 attempts (500)"
	store_is_new "$db"
}

@test "clever-sync: a 401 stops with a clear message (exit 4) and an untouched store" {
	oneroster-sync --quiet --db "$CDB" "$TD/district/y1-v1p1" 2>/dev/null
	before=$(records "$CDB")
	httpd_start clever "$CL" --fault 401:/v3.0/schools
	run -4 --separate-stderr clever-sync --db "$CDB" --base-url "$HTTPD_URL" --token-file "$HTTPD_TOKEN_FILE"
	assert_equal "${stderr_lines[-1]}" "clever-sync: GET /v3.0/schools?limit=1000: HTTP 401: the token was refused; check --token-file or \$CLEVER_TOKEN"
	assert_equal "$(records "$CDB")" "$before"
}

@test "classlink-sync: a wrong token is a 401 (exit 4)" {
	httpd_start oneroster "$REST"
	ONEROSTER_TOKEN=not-the-token run -4 --separate-stderr classlink-sync --db "$RDB" --base-url "$HTTPD_URL"
	assert_equal "${stderr_lines[-1]}" "classlink-sync: GET /ims/oneroster/v1p1/orgs?limit=1000&offset=0: HTTP 401: the token was refused; check --token-file or \$ONEROSTER_TOKEN"
	store_is_new "$RDB"
}

@test "clever-sync: a truncated page stops the run before anything is applied (exit 1)" {
	httpd_start clever "$CL" --fault truncate:/v3.0/users:1
	db=$CDB
	run -1 --separate-stderr clever-sync --db "$db" --base-url "$HTTPD_URL" --token-file "$HTTPD_TOKEN_FILE"
	assert_equal "${stderr_lines[-1]}" "clever-sync: stage fetch: page 1 of users does not read as JSON; nothing applied"
	store_is_new "$db"
}

@test "classlink-sync: a truncated page stops the run before anything is applied (exit 1)" {
	httpd_start oneroster "$REST" --fault truncate:/ims/oneroster/v1p1/classes:1
	run -1 --separate-stderr env ONEROSTER_TOKEN="$HTTPD_TOKEN" classlink-sync --db "$RDB" --base-url "$HTTPD_URL"
	assert_equal "${stderr_lines[-1]}" "classlink-sync: stage fetch: page 1 of classes does not read; nothing applied"
	store_is_new "$RDB"
}

@test "classlink-sync: a server without demographics (404) is taken as having none" {
	root=$(fixture_copy "$REST" rest)
	rm "$root/demographics.json"
	httpd_start oneroster "$root"
	ONEROSTER_TOKEN=$HTTPD_TOKEN run --separate-stderr classlink-sync --db "$RDB" --base-url "$HTTPD_URL"
	assert_success
	assert_stderr_line "classlink-sync: demographics: not served (404); taken as none"
	run -0 snapshot --db "$RDB" --entity user
	assert_equal "$(grep -c '"type":"user"' <<<"$output")" 24
	refute_output --partial birth_date
}

@test "classlink-sync: demographics that a later run cannot get (404) leave the stored birth dates as they are" {
	httpd_start oneroster "$REST"
	ONEROSTER_TOKEN=$HTTPD_TOKEN run -0 classlink-sync --quiet --db "$RDB" --base-url "$HTTPD_URL"
	before=$(records "$RDB")
	assert_equal "$(grep -c birth_date <<<"$before")" 16
	root=$(fixture_copy "$REST" rest)
	rm "$root/demographics.json"
	httpd_start oneroster "$root"
	ONEROSTER_TOKEN=$HTTPD_TOKEN run -0 --separate-stderr classlink-sync --db "$RDB" --base-url "$HTTPD_URL"
	assert_stderr_partial "has no operations; nothing to do"
	assert_equal "$(records "$RDB")" "$before"
}

@test "the token is never in argv, logs, messages or the --keep folder" {
	httpd_start clever "$CL" --fault 429:/v3.0/users:1:0
	run --separate-stderr clever-sync --db "$CDB" --keep "$BATS_TEST_TMPDIR/keep" --base-url "$HTTPD_URL" --token-file "$HTTPD_TOKEN_FILE"
	assert_success
	[[ "$stderr" != *"$HTTPD_TOKEN"* ]]
	run grep -rl "$HTTPD_TOKEN" "$BATS_TEST_TMPDIR/keep" "$HTTPD_LOG"
	assert_failure 1
	assert_equal "$(stat -c %a "$BATS_TEST_TMPDIR/keep")" 700
	# curl gets the token on its standard input, not its arguments
	run grep -c 'curl --config -' "$RP_BIN/lib/sync.sh"
	assert_output 1
}

@test "no token at all is a usage error (exit 2)" {
	run -2 --separate-stderr env -u CLEVER_TOKEN clever-sync --db "$CDB"
	assert_equal "$stderr" "clever-sync: no token: give --token-file FILE or set \$CLEVER_TOKEN"
}

@test "--require-year: a feed without the new year exits 3 and applies nothing; with it, the sync goes on" {
	httpd_start clever "$CL"
	db=$CDB
	run -3 --separate-stderr clever-sync --db "$db" --base-url "$HTTPD_URL" --token-file "$HTTPD_TOKEN_FILE" --require-year 2026-2027
	assert_stderr_line "normalize: 0 of 2 schools hold 2026-2027"
	assert_equal "${stderr_lines[-1]}" "clever-sync: stage normalize failed (exit 3); nothing applied"
	store_is_new "$db"
	httpd_stop
	httpd_start clever "$TD/clever/y2"
	run --separate-stderr clever-sync --quiet --db "$db" --base-url "$HTTPD_URL" --token-file "$HTTPD_TOKEN_FILE" --require-year 2026-2027
	assert_success
}

@test "classlink-sync --require-year reads the terms' school year" {
	httpd_start oneroster "$REST"
	ONEROSTER_TOKEN=$HTTPD_TOKEN run -3 --separate-stderr classlink-sync --db "$RDB" --base-url "$HTTPD_URL" --require-year 2026-2027
	assert_stderr_line "normalize: school sch-100: no section in a term of 2026-2027: the feed does not hold the new year yet"
	ONEROSTER_TOKEN=$HTTPD_TOKEN run --separate-stderr classlink-sync --quiet --db "$RDB" --base-url "$HTTPD_URL" --require-year 2025-2026
	assert_success
}

@test "normalize --school-year takes YYYY-YYYY" {
	run -2 --separate-stderr normalize --school-year 2026
	assert_equal "${stderr_lines[0]}" "normalize: --school-year: YYYY-YYYY, e.g. 2026-2027, not 2026"
}

@test "clever-sync --district refuses another district's token (exit 3)" {
	httpd_start clever "$CL"
	run -3 --separate-stderr clever-sync --db "$CDB" --base-url "$HTTPD_URL" --token-file "$HTTPD_TOKEN_FILE" --district 000000000000000000000000
	assert_equal "${stderr_lines[-1]}" "clever-sync: the token's district is not 000000000000000000000000; nothing applied"
	store_is_new "$CDB"
}

@test "clever-sync --district with the token's own district syncs" {
	httpd_start clever "$CL"
	run --separate-stderr clever-sync --quiet --db "$CDB" --base-url "$HTTPD_URL" --token-file "$HTTPD_TOKEN_FILE" --district d50c883908d4181395e0a09f
	assert_success
	run bash -c 'snapshot --db "$1" --entity school | grep -c "\"type\":\"school\""' _ "$CDB"
	assert_output 2
}
