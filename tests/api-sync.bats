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
	REST12="$TD/oneroster-rest/y1-v1p2"
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

@test "normalize: a Clever user with two roles is one user: the primary by precedence, and roles" {
	# SPEC second round: a user is never rejected for having several roles
	run -0 --separate-stderr bash -c 'extract-clever "$1" | normalize' _ "$TD/clever/bad/two-roles.json"
	assert_equal "$stderr" ""
	assert_line --partial '"source_id":"'"$(grep -o '"id": *"[0-9a-f]*"' "$TD/clever/bad/two-roles.json" | head -1 | grep -o '[0-9a-f]\{24\}')"'","role":"student","roles":["student","teacher"],'
}

@test "normalize: an unknown Clever grade is a located warning naming the user; the user is kept" {
	run -0 --separate-stderr bash -c 'extract-clever "$1" | normalize' _ "$TD/clever/bad/unknown-grade.json"
	assert_stderr_partial ': id ff0275b2a95ac8c7087bc0ab: roles.student.grade: warning: unknown grade "Seventh"'
	assert_line --partial '"source_id":"ff0275b2a95ac8c7087bc0ab","role":"student",'
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

# The raw roles records of a feed, as normalize reads them: user, role
# type, role, org (REST GUIDRefs and CSV columns alike), sorted.
raw_roles() {
	grep '"entity":"roles"' | sed 's/.*"data":\(.*\)}$/\1/' | "$(httpd_python)" -c '
import json, sys
for line in sys.stdin:
    d = json.loads(line)
    org = d.get("orgSourcedId") or d.get("org", {}).get("sourcedId")
    print(d["userSourcedId"], d["roleType"], d["role"], org)' | sort
}

@test "extract-oneroster --rest: 1.2 users' roles become raw roles records, as roles.csv gives them, at their user's line and item" {
	run -0 extract-oneroster --rest "$REST12"/*.json
	assert_line --index 0 '{"type":"feed","source":"oneroster","version":"1.2","format":"rest","files":{"orgs":"bulk","academicSessions":"bulk","courses":"bulk","classes":"bulk","roles":"bulk","users":"bulk","enrollments":"bulk","demographics":"bulk"}}'
	# tch-2002, the 18th user, starts at line 876 of the pretty-printed page
	assert_line --regexp '^\{"type":"raw","source":"oneroster","format":"rest","entity":"users","file":"users.json","line":876,"item":18,"data":\{"sourcedId":"tch-2002",'
	assert_line '{"type":"raw","source":"oneroster","format":"rest","entity":"roles","file":"users.json","line":876,"item":18,"data":{"roleType":"secondary","role":"teacher","org":{"href":"https://roster.example/ims/oneroster/rostering/v1p2/orgs/sch-200","sourcedId":"sch-200","type":"org"},"beginDate":"2025-08-20","sourcedId":"tch-2002/roles/2","userSourcedId":"tch-2002"}}'
	rest=$(raw_roles <<<"$output")
	assert_equal "$(wc -l <<<"$rest")" 25
	run -0 extract-oneroster "$TD/district/y1-v1p2"
	assert_equal "$rest" "$(raw_roles <<<"$output")"
	# the 1.1 form has none, and says 1.1
	run -0 extract-oneroster --rest "$REST"/*.json
	assert_line --index 0 --partial '"version":"1.1","format":"rest","files":{"orgs":"bulk","academicSessions":"bulk","courses":"bulk","classes":"bulk","roles":"absent","users":"bulk"'
}

@test "1.2 REST, 1.1 REST, 1.1 CSV and 1.2 CSV normalise to the same people and rosters" {
	strip() { tail -n +2 | sed 's/,"modified":"[^"]*"//; s/,"roles":\[[^]]*\]//'; }
	run -0 bash -c 'set -o pipefail; extract-oneroster --rest "$1"/*.json | normalize' _ "$REST12"
	v12=$(strip <<<"$output")
	run -0 bash -c 'set -o pipefail; extract-oneroster --rest "$1"/*.json | normalize' _ "$REST"
	assert_equal "$v12" "$(strip <<<"$output")"
	run -0 bash -c 'set -o pipefail; extract-oneroster "$1" | normalize' _ "$TD/district/y1-v1p1"
	assert_equal "$v12" "$(strip <<<"$output")"
	run -0 bash -c 'set -o pipefail; extract-oneroster "$1" | normalize' _ "$TD/district/y1-v1p2"
	assert_equal "$v12" "$(strip <<<"$output")"
	# tch-2002's secondary role at sch-200 is one of its schools
	assert_line --regexp '^\{"type":"user","source":"oneroster","source_id":"tch-2002","role":"teacher",("roles":\["teacher"\],)?"school_ids":\["sch-100","sch-200"\],'
}

@test "1.2 REST: a secondary role of another kind reaches normalize as the same roles.csv row would" {
	root=$(fixture_copy "$REST12" rest12)
	"$(httpd_python)" - "$root/users.json" <<'PY'
import json, sys
path = sys.argv[1]
doc = json.load(open(path, encoding="utf-8"))
for u in doc["users"]:
    if u["sourcedId"] == "aide-3101":
        u["roles"].append({"roleType": "secondary", "role": "teacher", "org": {
            "href": "https://roster.example/ims/oneroster/rostering/v1p2/orgs/sch-100",
            "sourcedId": "sch-100", "type": "org"}})
    if u["sourcedId"] == "tch-2003":
        u["enabledUser"] = "false"  # a string where the others are booleans
json.dump(doc, open(path, "w", encoding="utf-8"), indent=1, ensure_ascii=False)
PY
	pkg=$(fixture_copy "$TD/district/y1-v1p2" csv12)
	printf 'role-26,,,aide-3101,secondary,teacher,,,sch-100,\r\n' >> "$pkg/roles.csv"
	run -0 extract-oneroster --rest "$root"/*.json
	rest=$output
	run -0 extract-oneroster "$pkg"
	assert_equal "$(raw_roles <<<"$rest")" "$(raw_roles <<<"$output")"
	grep -q '^aide-3101 secondary teacher sch-100$' <(raw_roles <<<"$rest")
	run -0 normalize <<<"$rest"
	rest_users=$(grep '"type":"user"' <<<"$output" | sed 's/,"modified":"[^"]*"//')
	run -0 normalize <<<"$(extract-oneroster "$pkg")"
	assert_equal "$rest_users" "$(grep '"type":"user"' <<<"$output")"
	assert_line --regexp '^\{"type":"user","source":"oneroster","source_id":"aide-3101","role":"aide",'
}

@test "extract-oneroster --rest: a user's roles that are not an array of objects are located errors, naming the user's item and id" {
	printf '{"users":[{"sourcedId":"u1","roles":{"role":"teacher"}},{"sourcedId":"u2","roles":[1]}]}\n' > "$BATS_TEST_TMPDIR/bad.json"
	run -1 --separate-stderr extract-oneroster --rest "$BATS_TEST_TMPDIR/bad.json"
	assert_stderr_line "extract-oneroster: $BATS_TEST_TMPDIR/bad.json:1: roles: item 1 (sourcedId u1): not an array of roles"
	assert_stderr_line "extract-oneroster: $BATS_TEST_TMPDIR/bad.json:1: roles: item 2 (sourcedId u2): role 1 is not an object"
	assert_output ""
	# pretty-printed: the line of the user's item
	printf '{"users":[\n {"sourcedId":"u1","roles":[]},\n {"sourcedId":"u2",\n  "roles":["x"]}\n]}\n' > "$BATS_TEST_TMPDIR/bad2.json"
	run -1 --separate-stderr extract-oneroster --rest --error-format json "$BATS_TEST_TMPDIR/bad2.json"
	assert_equal "$stderr" '{"program":"extract-oneroster","level":"error","file":"'"$BATS_TEST_TMPDIR"'/bad2.json","line":3,"field":"roles","code":"bad_page","message":"item 2 (sourcedId u2): role 1 is not an object","source_id":"u2"}'
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
	assert_equal "$stderr" "clever-sync: --api-version: 3.0 or 3.1, not 2.1
Try 'clever-sync --help' for more information."
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

@test "clever-sync: a page cut short (not whole JSON) is retried like a 5xx, and the run succeeds" {
	httpd_start clever "$CL" --fault truncate:/v3.0/users:1
	run --separate-stderr clever-sync --db "$CDB" --base-url "$HTTPD_URL" --token-file "$HTTPD_TOKEN_FILE"
	assert_success
	assert_stderr_line "clever-sync: GET /v3.0/users?limit=1000: the page is cut short (not whole JSON); retrying in 0s (attempt 2 of 5)"
	assert_equal "$(grep -c '^GET /v3.0/users?limit=1000 200' "$HTTPD_LOG")" 2
	run -0 snapshot --db "$CDB" --entity user
	assert_equal "$(grep -c '"type":"user"' <<<"$output")" 24
}

@test "clever-sync: a page cut short after the last retry stops the run (exit 4), nothing applied" {
	httpd_start clever "$CL" --fault truncate:/v3.0/users:1
	run -4 --separate-stderr clever-sync --db "$CDB" --base-url "$HTTPD_URL" --token-file "$HTTPD_TOKEN_FILE" --retries 1
	assert_equal "${stderr_lines[-1]}" "clever-sync: GET /v3.0/users?limit=1000: giving up after 1 attempts (the page is cut short (not whole JSON))"
	store_is_new "$CDB"
}

@test "clever-sync: a connection reset mid-page is retried, and the run succeeds" {
	httpd_start clever "$CL" --fault reset:/v3.0/sections:1
	run --separate-stderr clever-sync --db "$CDB" --base-url "$HTTPD_URL" --token-file "$HTTPD_TOKEN_FILE"
	assert_success
	assert_stderr_partial "clever-sync: GET /v3.0/sections?limit=1000: network error: curl: "
	grep -q '^GET /v3.0/sections?limit=1000 200 auth=ok fault=reset$' "$HTTPD_LOG"
}

@test "classlink-sync: a page cut short, or a connection reset, is retried; after the retries, exit 4 and nothing applied" {
	httpd_start oneroster "$REST" --fault truncate:/ims/oneroster/v1p1/classes:1 --fault reset:/ims/oneroster/v1p1/users:1
	ONEROSTER_TOKEN=$HTTPD_TOKEN run --separate-stderr classlink-sync --db "$RDB" --base-url "$HTTPD_URL"
	assert_success
	assert_stderr_line "classlink-sync: GET /ims/oneroster/v1p1/classes?limit=1000&offset=0: the page is cut short (not whole JSON); retrying in 0s (attempt 2 of 5)"
	assert_stderr_partial "classlink-sync: GET /ims/oneroster/v1p1/users?limit=1000&offset=0: network error: curl: "
	assert_equal "$(records "$RDB" | sed 's/,"modified":"[^"]*"//')" "$(tail -n +2 "$TD/sync/y1.snapshot.ndjson")"
	db=$(new_store r2)
	httpd_start oneroster "$REST" --fault truncate:/ims/oneroster/v1p1/classes:1
	ONEROSTER_TOKEN=$HTTPD_TOKEN run -4 --separate-stderr classlink-sync --db "$db" --base-url "$HTTPD_URL" --retries 1
	assert_equal "${stderr_lines[-1]}" "classlink-sync: GET /ims/oneroster/v1p1/classes?limit=1000&offset=0: giving up after 1 attempts (the page is cut short (not whole JSON))"
	store_is_new "$db"
}

# (a page that is no collection at all is refused by extract-oneroster
# --rest, above; the test server serves collections only)
@test "classlink-sync: a page that is whole JSON but does not read (an item without its id) stops the run (exit 1), not retried" {
	root=$(fixture_copy "$REST" rest)
	printf '%s\n' '{"courses":[{"title":"no id"}]}' > "$root/courses.json"
	httpd_start oneroster "$root"
	ONEROSTER_TOKEN=$HTTPD_TOKEN run -1 --separate-stderr classlink-sync --db "$RDB" --base-url "$HTTPD_URL"
	assert_equal "${stderr_lines[-1]}" "classlink-sync: stage fetch: page 1 of courses does not read; nothing applied"
	assert_equal "$(grep -c 'GET /ims/oneroster/v1p1/courses' "$HTTPD_LOG")" 1
	store_is_new "$RDB"
	# with --error-format json, the page's own errors are JSON too
	ONEROSTER_TOKEN=$HTTPD_TOKEN run -1 --separate-stderr classlink-sync --db "$RDB" --base-url "$HTTPD_URL" --error-format json
	for l in "${stderr_lines[@]}"; do
		python3 -c 'import json, sys; json.loads(sys.argv[1])' "$l" || fail "not JSON: $l"
	done
	assert_stderr_partial '"program":"extract-oneroster","level":"error"'
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
	# curl gets the token on its standard input, not its arguments: every
	# curl of the pipelines reads --config -
	calls=$(cat "$RP_BIN/lib/sync.sh" "$RP_BIN"/*-sync | grep -E '(^|[|(])[[:space:]]*curl ')
	assert_equal "$(grep -c . <<<"$calls")" 2
	assert_equal "$(grep -c 'curl --config - ' <<<"$calls")" 2
}

@test "no token at all is a usage error (exit 2)" {
	run -2 --separate-stderr env -u CLEVER_TOKEN clever-sync --db "$CDB"
	assert_equal "${stderr_lines[0]}" "clever-sync: no token: give --token-file FILE or set \$CLEVER_TOKEN"
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
	assert_stderr_line "normalize: school \"Birchwood Elementary\" (number 0100, id sch-100): no section in a term of 2026-2027: the feed does not hold the new year yet"
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

# ---- Clever next links that cannot leak the token

# The users of the fixture, 5 a page: ids in page order.
clever_user_id() { grep -o '"id": *"[0-9a-f]*"' "$CL/users.json" | sed -n "${1}p" | grep -o '[0-9a-f]\{24\}'; }

# clever_refused LINK...: clever-sync against a server whose users page 1
# links to LINK: exit 4 naming the link, nothing applied, the token in no
# message, and the spare server (the other host) got no request at all.
clever_refused() {
	local link=$1 why=$2
	httpd_start clever "$CL" --next-link "users:1:$link"
	: > "$HTTPD_LOG"
	run -4 --separate-stderr clever-sync --db "$CDB" --base-url "$HTTPD_URL" --token-file "$HTTPD_TOKEN_FILE" --limit 5
	assert_equal "${stderr_lines[-1]}" "clever-sync: stage fetch: page 1 of users: next link \"$link\" refused: $why; nothing applied"
	[[ "$stderr" != *"$HTTPD_TOKEN"* ]] || fail "the token is in a message"
	store_is_new "$CDB"
	[ ! -s "$SPARE_LOG" ] || fail "the other host got requests: $(cat "$SPARE_LOG")"
	assert_equal "$(grep -c 'GET /v3.0/users' "$HTTPD_LOG")" 1
}

@test "clever-sync: a next link to another host, port or scheme stops the run (exit 4); the other host gets nothing" {
	httpd_spare_start clever "$CL"
	after=$(clever_user_id 5)
	clever_refused "$SPARE_URL/v3.0/users?limit=5&starting_after=$after" "it is not on the base URL's scheme, host and port"
	clever_refused "//${SPARE_URL#http://}/v3.0/users?limit=5" "it is not on the base URL's scheme, host and port"
	clever_refused "https://${HTTPD_URL#http://}/v3.0/users?limit=5" "it is not on the base URL's scheme, host and port"
	clever_refused "http://localhost:${HTTPD_URL##*:}/v3.0/users?limit=5" "it is not on the base URL's scheme, host and port"
}

@test "clever-sync: an @host link, a user@ link or a relative one is refused; the other host gets nothing" {
	httpd_spare_start clever "$CL"
	spare=${SPARE_URL#http://}
	# appended to the base URL, "@host:port/x" would make the base's host a
	# user name and send the token to host:port
	clever_refused "@$spare/v3.0/users?limit=5" "it is neither a path (/v3.0/...) nor an absolute URL"
	clever_refused "$HTTPD_URL@$spare/v3.0/users" "it names a user (@) before its host"
	clever_refused "v3.0/users?limit=5" "it is neither a path (/v3.0/...) nor an absolute URL"
	clever_refused '/v3.0/users?limit=5&x=a b' "it holds a character no URL holds (a space, a control, a quote, a backslash, #...)"
}

@test "clever-sync: a next link to the page itself, or a loop of two pages, stops the run (exit 4)" {
	httpd_start clever "$CL" --next-link "users:1:/v3.0/users?limit=5"
	run -4 --separate-stderr clever-sync --db "$CDB" --base-url "$HTTPD_URL" --token-file "$HTTPD_TOKEN_FILE" --limit 5
	assert_equal "${stderr_lines[-1]}" "clever-sync: stage fetch: users: page 1 links to /v3.0/users?limit=5, page 1 again (a loop of next links); nothing applied"
	assert_equal "$(grep -c 'GET /v3.0/users' "$HTTPD_LOG")" 1
	store_is_new "$CDB"
	httpd_start clever "$CL" --next-link "users:2:/v3.0/users?limit=5"
	run -4 --separate-stderr clever-sync --db "$CDB" --base-url "$HTTPD_URL" --token-file "$HTTPD_TOKEN_FILE" --limit 5
	assert_equal "${stderr_lines[-1]}" "clever-sync: stage fetch: users: page 2 links to /v3.0/users?limit=5, page 1 again (a loop of next links); nothing applied"
	store_is_new "$CDB"
}

@test "clever-sync: endless next links stop at ceil(--max-records / the first page's count) + 1 pages (exit 4)" {
	httpd_start clever "$CL" --endless users
	run -4 --separate-stderr clever-sync --db "$CDB" --base-url "$HTTPD_URL" --token-file "$HTTPD_TOKEN_FILE" --limit 5 --max-records 30
	# 30 / 5 + 1 = 7 pages: the users' 5 pages, then 2 of the next lap
	assert_equal "${stderr_lines[-1]}" "clever-sync: stage fetch: users: page 7 links to /v3.0/users?limit=5&starting_after=$(clever_user_id 10)&lap=1, past 7 pages (--max-records 30, 5 records a page); nothing applied"
	assert_equal "$(grep -c 'GET /v3.0/users' "$HTTPD_LOG")" 7
	store_is_new "$CDB"
	# the default is far above a district's size: the same server, no cap hit
	run -2 --separate-stderr clever-sync --db "$CDB" --max-records 0
}

@test "clever-sync --api-version 3.1: next links are checked and capped as on v3.0" {
	httpd_spare_start clever "$CL"
	httpd_start clever "$CL" --endless users
	run -4 --separate-stderr clever-sync --db "$CDB" --base-url "$HTTPD_URL" --token-file "$HTTPD_TOKEN_FILE" --limit 5 --max-records 30 --api-version 3.1
	assert_equal "${stderr_lines[-1]}" "clever-sync: stage fetch: users: page 7 links to /v3.1/users?limit=5&starting_after=$(clever_user_id 10)&lap=1, past 7 pages (--max-records 30, 5 records a page); nothing applied"
	assert_equal "$(grep -c 'GET /v3.1/users' "$HTTPD_LOG")" 7
	assert_equal "$(grep -c 'GET /v3.0/' "$HTTPD_LOG")" 0
	store_is_new "$CDB"
	link="$SPARE_URL/v3.1/users?limit=5&starting_after=$(clever_user_id 5)"
	httpd_start clever "$CL" --next-link "users:1:$link"
	run -4 --separate-stderr clever-sync --db "$CDB" --base-url "$HTTPD_URL" --token-file "$HTTPD_TOKEN_FILE" --limit 5 --api-version 3.1
	assert_equal "${stderr_lines[-1]}" "clever-sync: stage fetch: page 1 of users: next link \"$link\" refused: it is not on the base URL's scheme, host and port; nothing applied"
	store_is_new "$CDB"
	[ ! -s "$SPARE_LOG" ] || fail "the other host got requests: $(cat "$SPARE_LOG")"
}

@test "clever-sync: an absolute next link on the base URL's own scheme, host and port is followed" {
	httpd_start clever "$CL" --next-link "users:1:PLACEHOLDER"
	url=$HTTPD_URL
	httpd_stop
	port=${url##*:}
	after=$(clever_user_id 5)
	httpd_start clever "$CL" --port "$port" --next-link "users:1:HTTP://127.0.0.1:$port/v3.0/users?limit=5&starting_after=$after"
	run --separate-stderr clever-sync --quiet --db "$CDB" --base-url "$HTTPD_URL/" --token-file "$HTTPD_TOKEN_FILE" --limit 5
	assert_success
	grep -q "^GET /v3.0/users?limit=5&starting_after=$after 200 auth=ok" "$HTTPD_LOG"
	run -0 snapshot --db "$CDB" --entity user
	assert_equal "$(grep -c '"type":"user"' <<<"$output")" 24
}

# ---- OneRoster servers of districts: OAuth 1.0a, OAuth 2.0, 1.2

SCOPE=https://purl.imsglobal.org/spec/or/v1p2/scope/roster-core.readonly
# oauth2_sync DB [option...]: classlink-sync of the 1.2 server under test.
oauth2_sync() {
	local db=$1
	shift
	classlink-sync --db "$db" --base-url "$HTTPD_URL" --api-version 1.2 --auth oauth2 \
		--client-id "$HTTPD_CLIENT_ID" --secret-file "$HTTPD_SECRET_FILE" \
		--token-url "$HTTPD_URL/oauth/token" --scope "$SCOPE" "$@"
}

@test "classlink-sync --auth oauth1: the server checks every request's signature with oauthlib and accepts every request of a full sync" {
	httpd_start oneroster "$REST" --auth oauth1
	run --separate-stderr classlink-sync --quiet --db "$RDB" --base-url "$HTTPD_URL" --auth oauth1 \
		--client-id "$HTTPD_CLIENT_ID" --secret-file "$HTTPD_SECRET_FILE" --limit 7
	assert_success
	assert_equal "$(records "$RDB" | sed 's/,"modified":"[^"]*"//')" "$(tail -n +2 "$TD/sync/y1.snapshot.ndjson")"
	# 4 pages of users and 5 of enrollments among them, each signed afresh
	assert_equal "$(grep -c 'GET /ims/oneroster/v1p1/users?' "$HTTPD_LOG")" 4
	assert_equal "$(grep -vc ' 200 auth=ok$' "$HTTPD_LOG")" 0
	# again, the secret from the environment: new nonces, nothing to change
	ONEROSTER_CLIENT_SECRET=$HTTPD_SECRET run --separate-stderr classlink-sync --db "$RDB" \
		--base-url "$HTTPD_URL" --auth oauth1 --client-id "$HTTPD_CLIENT_ID" --limit 7
	assert_success
	assert_stderr_partial "has no operations; nothing to do"
	assert_equal "$(grep -vc ' 200 auth=ok$' "$HTTPD_LOG")" 0
}

@test "classlink-sync --auth oauth1: a wrong secret or client id exits 4 with the store untouched" {
	oneroster-sync --quiet --db "$RDB" "$TD/district/y1-v1p1" 2>/dev/null
	before=$(records "$RDB")
	httpd_start oneroster "$REST" --auth oauth1
	(umask 077 && printf 'not-the-secret\n' > "$BATS_TEST_TMPDIR/wrong")
	run -4 --separate-stderr classlink-sync --db "$RDB" --base-url "$HTTPD_URL" --auth oauth1 \
		--client-id "$HTTPD_CLIENT_ID" --secret-file "$BATS_TEST_TMPDIR/wrong"
	assert_equal "${stderr_lines[-1]}" "classlink-sync: GET /ims/oneroster/v1p1/orgs?limit=1000&offset=0: HTTP 401: the signature was refused; check --client-id, --secret-file $BATS_TEST_TMPDIR/wrong and the clock"
	assert_equal "$(records "$RDB")" "$before"
	ONEROSTER_CLIENT_SECRET=$HTTPD_SECRET run -4 --separate-stderr classlink-sync --db "$RDB" \
		--base-url "$HTTPD_URL" --auth oauth1 --client-id someoneelse000000000000
	assert_equal "${stderr_lines[-1]}" "classlink-sync: GET /ims/oneroster/v1p1/orgs?limit=1000&offset=0: HTTP 401: the signature was refused; check --client-id, \$ONEROSTER_CLIENT_SECRET and the clock"
	assert_equal "$(records "$RDB")" "$before"
}

@test "classlink-sync: a 1.2 district over OAuth 2.0, tokens expiring every 3 requests, syncs to the users of its CSV form, secondary roles kept" {
	httpd_start oneroster "$REST12" --auth oauth2 --or-version 1.2 --token-requests 3 --scope "$SCOPE"
	run --separate-stderr oauth2_sync "$RDB" --quiet --limit 7
	assert_success
	csv=$(new_store csv12)
	oneroster-sync --quiet --db "$csv" "$TD/district/y1-v1p2" 2>/dev/null
	assert_equal "$(records "$RDB" | sed 's/,"modified":"[^"]*"//')" "$(records "$csv")"
	assert_equal "$(records "$RDB" | sed 's/,"modified":"[^"]*"//')" "$(tail -n +2 "$TD/sync/y1.snapshot.ndjson")"
	# tch-2002: primary at sch-100 (s1), secondary at sch-200 (s2)
	records "$RDB" | grep -q '"source_id":"tch-2002","role":"teacher",\("roles":\["teacher"\],\)\?"school_ids":\["s1","s2"\]'
	# every 4th data request was refused (401), a new token got, and the
	# request made again; only 1.2 paths
	tokens=$(grep -c '^POST /oauth/token 200 auth=ok$' "$HTTPD_LOG")
	refused=$(grep -c '^GET .* 401 auth=bad$' "$HTTPD_LOG")
	[ "$tokens" -ge 5 ] || fail "only $tokens tokens"
	assert_equal "$refused" "$((tokens - 1))"
	assert_equal "$(grep -c '^GET /ims/oneroster/rostering/v1p2/' "$HTTPD_LOG")" "$(grep -c '^GET ' "$HTTPD_LOG")"
	run --separate-stderr oauth2_sync "$RDB"
	assert_success
	assert_stderr_partial "has no operations; nothing to do"
}

@test "classlink-sync --auth oauth2: a token that expires in time (expires_in) is renewed before the server refuses it" {
	httpd_start oneroster "$REST12" --auth oauth2 --or-version 1.2 --token-seconds 2 --scope "$SCOPE" \
		--fault "hang:/ims/oneroster/rostering/v1p2/classes:2.5"
	run --separate-stderr oauth2_sync "$RDB"
	assert_success
	assert_stderr_partial "classlink-sync: a token from $HTTPD_URL/oauth/token for 2s"
	[ "$(grep -c '^POST /oauth/token 200' "$HTTPD_LOG")" -ge 2 ] || fail "no renewal: $(cat "$HTTPD_LOG")"
	assert_equal "$(grep -c ' 401 ' "$HTTPD_LOG")" 0
}

@test "classlink-sync --auth oauth2: a wrong secret is refused at the token URL: exit 4 naming the URL, never the secret; the store untouched" {
	oneroster-sync --quiet --db "$RDB" "$TD/district/y1-v1p2" 2>/dev/null
	before=$(records "$RDB")
	httpd_start oneroster "$REST12" --auth oauth2 --or-version 1.2
	(umask 077 && printf 'not-the-secret\n' > "$BATS_TEST_TMPDIR/wrong")
	run -4 --separate-stderr classlink-sync --db "$RDB" --base-url "$HTTPD_URL" --api-version 1.2 \
		--auth oauth2 --client-id "$HTTPD_CLIENT_ID" --secret-file "$BATS_TEST_TMPDIR/wrong" \
		--token-url "$HTTPD_URL/oauth/token"
	assert_equal "${stderr_lines[-1]}" "classlink-sync: POST $HTTPD_URL/oauth/token: HTTP 401: the client credentials were refused (invalid_client); check --client-id, --scope and --secret-file $BATS_TEST_TMPDIR/wrong"
	[[ "$stderr" != *not-the-secret* ]]
	assert_equal "$(records "$RDB")" "$before"
	assert_equal "$(grep -c '^GET ' "$HTTPD_LOG")" 0
	# a scope the server does not grant: 400 invalid_scope
	httpd_start oneroster "$REST12" --auth oauth2 --or-version 1.2 --scope "$SCOPE"
	run -4 --separate-stderr oauth2_sync "$RDB" --scope other.readonly
	assert_equal "${stderr_lines[-1]}" "classlink-sync: POST $HTTPD_URL/oauth/token: HTTP 400: the client credentials were refused (invalid_scope); check --client-id, --scope and --secret-file $HTTPD_SECRET_FILE"
	assert_equal "$(records "$RDB")" "$before"
}

@test "classlink-sync --auth oauth2: a 401 gets one new token per request; refused again, the run stops (exit 4)" {
	httpd_start oneroster "$REST12" --auth oauth2 --or-version 1.2 --fault "401:/ims/oneroster/rostering/v1p2/courses"
	run -4 --separate-stderr oauth2_sync "$RDB"
	assert_stderr_line "classlink-sync: GET /ims/oneroster/rostering/v1p2/courses?limit=1000&offset=0: the token was refused (401); getting a new one"
	assert_equal "${stderr_lines[-1]}" "classlink-sync: GET /ims/oneroster/rostering/v1p2/courses?limit=1000&offset=0: HTTP 401: the token was refused (a new one too); check --client-id, --scope and --secret-file $HTTPD_SECRET_FILE"
	assert_equal "$(grep -c 'GET /ims/oneroster/rostering/v1p2/courses' "$HTTPD_LOG")" 2
	assert_equal "$(grep -c '^POST /oauth/token 200' "$HTTPD_LOG")" 2
	store_is_new "$RDB"
}

@test "classlink-sync --auth oauth2: the token URL's 503 and 429 are retried; a 403 (scope) stops the run" {
	httpd_start oneroster "$REST12" --auth oauth2 --or-version 1.2 --fault "503:/oauth/token:1:0" --fault "429:/oauth/token:1:0"
	run --separate-stderr oauth2_sync "$RDB"
	assert_success
	assert_stderr_line "classlink-sync: POST $HTTPD_URL/oauth/token: 503; retrying in 0s (attempt 2 of 5)"
	db=$(new_store r2)
	httpd_start oneroster "$REST12" --auth oauth2 --or-version 1.2 --fault "403:/ims/oneroster/rostering/v1p2/users"
	run -4 --separate-stderr oauth2_sync "$db"
	assert_equal "${stderr_lines[-1]}" "classlink-sync: GET /ims/oneroster/rostering/v1p2/users?limit=1000&offset=0: HTTP 403: the token was refused; check --client-id, --scope and --secret-file $HTTPD_SECRET_FILE"
	store_is_new "$db"
}

@test "classlink-sync: the client secret is never in argv, logs, messages or the --keep folder" {
	# the programs, with curl and oauth-sign behind shims that log their
	# arguments: every command line that could carry a secret
	bin=$BATS_TEST_TMPDIR/bin argv_log=$BATS_TEST_TMPDIR/argv.log
	cp -r "$RP_BIN" "$bin"
	mv "$bin/oauth-sign" "$bin/oauth-sign.real"
	for p in oauth-sign curl; do
		real=$bin/oauth-sign.real
		[ "$p" = oauth-sign ] || real=$(command -v curl)
		printf '#!/bin/sh\nprintf "%%s\\n" "%s $*" >> "%s"\nexec "%s" "$@"\n' "$p" "$argv_log" "$real" > "$bin/$p"
		chmod +x "$bin/$p"
	done
	PATH=$bin:$PATH
	# a temporary folder of this test's own: other tests running beside
	# it make private folders with the same fixture secret
	export TMPDIR=$BATS_TEST_TMPDIR/tmp
	mkdir "$TMPDIR"
	httpd_start oneroster "$REST" --auth oauth1 --fault "429:/ims/oneroster/v1p1/users:1:0"
	run --separate-stderr classlink-sync --db "$RDB" --keep "$BATS_TEST_TMPDIR/keep1" --base-url "$HTTPD_URL" \
		--auth oauth1 --client-id "$HTTPD_CLIENT_ID" --secret-file "$HTTPD_SECRET_FILE"
	assert_success
	err1=$stderr
	httpd_start oneroster "$REST12" --auth oauth2 --or-version 1.2 --token-requests 4
	ONEROSTER_CLIENT_SECRET=$HTTPD_SECRET run --separate-stderr classlink-sync --db "$(new_store r2)" \
		--keep "$BATS_TEST_TMPDIR/keep2" --base-url "$HTTPD_URL" --api-version 1.2 --auth oauth2 \
		--client-id "$HTTPD_CLIENT_ID" --token-url "$HTTPD_URL/oauth/token"
	assert_success
	grep -q '^oauth-sign --client-id' "$argv_log" || fail "no oauth-sign: $(cat "$argv_log")"
	grep -q '^oauth-sign --basic --client-id' "$argv_log" || fail "no oauth-sign --basic: $(cat "$argv_log")"
	grep -q '^curl --config - ' "$argv_log" || fail "no curl: $(cat "$argv_log")"
	! grep -v -e '^curl --config - ' -e '^oauth-sign ' "$argv_log" || fail "another command line"
	for f in "$argv_log" "$HTTPD_LOG" $(find "$BATS_TEST_TMPDIR"/keep1 "$BATS_TEST_TMPDIR"/keep2 -type f); do
		! grep -qF -- "$HTTPD_SECRET" "$f" || fail "the secret is in $f"
		! grep -qF -- 'Authorization' "$f" || fail "a header is in $f"
	done
	[[ "$err1$stderr" != *"$HTTPD_SECRET"* ]]
	assert_equal "$(stat -c %a "$BATS_TEST_TMPDIR/keep2")" 700
	# nothing of the run is left in the temporary folder: the private
	# folder with the secret's copy and the token answer is gone
	run ls -A "$TMPDIR"
	assert_output ""
}

@test "classlink-sync: --auth, --api-version and their options are checked (exit 2)" {
	run -2 --separate-stderr classlink-sync --db "$RDB" --base-url http://h --auth nope
	assert_equal "${stderr_lines[0]}" "classlink-sync: --auth: bearer, oauth1 or oauth2, not nope"
	run -2 --separate-stderr classlink-sync --db "$RDB" --base-url http://h --api-version 2.0
	assert_equal "${stderr_lines[0]}" "classlink-sync: --api-version: 1.1 or 1.2, not 2.0"
	run -2 --separate-stderr classlink-sync --db "$RDB" --base-url http://h --auth oauth2 --client-id c
	assert_equal "${stderr_lines[0]}" "classlink-sync: --auth oauth2 needs --token-url"
	run -2 --separate-stderr classlink-sync --db "$RDB" --base-url http://h --auth oauth1
	assert_equal "${stderr_lines[0]}" "classlink-sync: --auth oauth1 needs --client-id"
	run -2 --separate-stderr classlink-sync --db "$RDB" --base-url http://h --client-id c
	assert_equal "${stderr_lines[0]}" "classlink-sync: --client-id, --secret-file, --token-url and --scope go with --auth oauth1 or oauth2"
	run -2 --separate-stderr env -u ONEROSTER_CLIENT_SECRET classlink-sync --db "$RDB" --base-url http://h --auth oauth1 --client-id c
	assert_equal "${stderr_lines[0]}" "classlink-sync: no client secret: give --secret-file FILE or set \$ONEROSTER_CLIENT_SECRET"
	store_is_new "$RDB"
}
