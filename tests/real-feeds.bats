#!/usr/bin/env bats
# Real feeds, as their authors published them: ../shared/real-feeds (see its
# MANIFEST.md for where each file comes from), read in place, never copied
# into the project. Each case loads, or fails with the documented, located
# error (man/normalize.1: which fields are required, and what a bad value of
# each does). A test whose folder is missing says so and does not run.
#
# Extraction itself is tests/real-feeds-extract.bats's. Where a case fails
# in extract-oneroster (a manifest missing, a ragged row), the test holds
# extract's first message and what normalize makes of the rest; for an export
# without a manifest, the normalize-level checks run on a copy in the test's
# temporary folder with a manifest the test writes, listing every file
# present as bulk.

setup() {
	load test_helper/common
	# RP_REAL_FEEDS: the folder somewhere else (or nowhere, to see the
	# suite say what it could not run)
	RF="${RP_REAL_FEEDS:-$BATS_TEST_DIRNAME/../../shared/real-feeds}"
}

# need CASE...: the test runs only when each case folder is there.
need() {
	local c
	for c in "$@"; do
		[ -d "$RF/$c" ] ||
			skip "real feed $c is missing (no $RF/$c): this test could not run"
	done
}

# with_manifest CASE [VERSION]: a copy of CASE's CSV files with a manifest
# listing each as bulk (for exports that carry none); prints its path.
with_manifest() {
	local dst="$BATS_TEST_TMPDIR/pkg" f b
	rm -rf "$dst"
	mkdir -p "$dst"
	cp "$RF/$1"/*.csv "$dst/"
	{
		printf 'propertyName,value\nmanifest.version,1.0\noneroster.version,%s\n' "${2:-1.1}"
		for f in "$dst"/*.csv; do
			b=$(basename "$f" .csv)
			[ "$b" = manifest ] || printf 'file.%s,bulk\n' "$b"
		done
	} > "$dst/manifest.csv"
	printf '%s\n' "$dst"
}

# The Clever demo district: the clever-go mocks plus the two pages made by
# hand (schools and terms, which the mocks lack).
clever_demo() {
	local d="$RF/clevergo-v3-demo"
	extract-clever "$d/districts.json" "$d/added-by-hand/schools.json" \
		"$d/added-by-hand/terms.json" "$d/sections.json" "$d/users.json"
}

# role_counts: "N role" lines of the canonical users on standard input.
role_counts() {
	grep '"type":"user"' | sed 's/.*"source_id":"[^"]*","role":"\([a-z]*\)".*/\1/' |
		sort | uniq -c | sed 's/^ *//'
}

@test "Clever demo district: default options, exit 0, all 2,098 users under their roles, the bad email a warning naming the user" {
	need clevergo-v3-demo
	clever_demo > "$BATS_TEST_TMPDIR/raw"
	run -0 --separate-stderr normalize "$BATS_TEST_TMPDIR/raw"
	# one message: the teacher whose email has no @ (the value dropped, the
	# user kept); the 1,002 contacts without a first name say nothing (Clever
	# lets name.first be null)
	assert_equal "${#stderr_lines[@]}" 1
	[[ "${stderr_lines[0]}" =~ ^normalize:\ users\.json:[0-9]+:\ (item\ [0-9]+:\ )?id\ 603ebb2ab452fb006c7639ac:\ email:\ warning:\ not\ a\ valid\ email\ address$ ]] ||
		fail "unexpected message: ${stderr_lines[0]}"
	assert_equal "$(grep -c '"type":"user"' <<<"$output")" 2098
	assert_equal "$(role_counts <<<"$output")" "3 administrator
1002 guardian
1004 student
89 teacher"
	assert_line --partial '"source_id":"603ebb2ab452fb006c7639ac","role":"teacher",'
	refute_output --partial '"type":"held"'
}

@test "Clever demo district: through diff-roster and apply, the store holds 2,098 users" {
	need clevergo-v3-demo
	db=$(new_store demo)
	clever_demo > "$BATS_TEST_TMPDIR/raw"
	run -0 --separate-stderr bash -c 'set -o pipefail
		normalize --quiet "$1" | diff-roster --quiet --state /dev/null |
		apply --quiet --db "$2"' _ "$BATS_TEST_TMPDIR/raw" "$db"
	run -0 bash -c 'snapshot --db "$1" --entity user | ndjson-fields --where type=user --count' _ "$db"
	assert_output 2098
	run -0 bash -c 'snapshot --db "$1" --entity user | grep -c "\"role\":\"guardian\""' _ "$db"
	assert_output 1002
}

@test "a Clever teacher who is also staff is stored once, with both roles" {
	# hand-made (testdata/clever-multi-role): the demo district has
	# no user with two role objects
	c="$TD/clever-multi-role"
	db=$(new_store multi)
	run -0 --separate-stderr bash -c 'set -o pipefail
		extract-clever "$1/schools.json" "$1/users.json" "$1/sections.json" |
		normalize | diff-roster --quiet --state /dev/null | apply --quiet --db "$2"' _ "$c" "$db"
	assert_stderr_partial "create user 2"
	run -0 bash -c 'snapshot --db "$1" --entity user' _ "$db"
	assert_equal "$(grep -c '"source_id":"6a00000000000000000000a1"' <<<"$output")" 1
	assert_line --partial '"source":"clever","source_id":"6a00000000000000000000a1","role":"teacher","roles":["staff","teacher"],'
	run -0 bash -c 'snapshot --db "$1" --entity enrollment | grep -c "\"type\":\"enrollment\""' _ "$db"
	assert_output 2
}

@test "Clever SDK recording (v3.0 demo district): the users pages load; dob M/D/YYYY read as such, grades as words" {
	need clever-sdk-ruby-v30-demo-district-vcr
	b="$RF/clever-sdk-ruby-v30-demo-district-vcr/bodies"
	run -0 --separate-stderr bash -c 'set -o pipefail; b=$1
		extract-clever "$b/districts.json" "$b/schools.json" "$b/terms.json" \
			"$b/courses_next__0.json" "$b/courses_next__1.json" \
			"$b/users_next__0.json" "$b/users_next__1.json" | normalize' _ "$b"
	assert_equal "$stderr" ""
	assert_equal "$(grep -c '"type":"user"' <<<"$output")" 200
	assert_equal "$(grep -c '"birth_date":"' <<<"$output")" 200
	assert_line '{"type":"school","source":"clever","source_id":"58da8c58155b940248000007","name":"Pineapple Elementary School","school_number":"13K123","low_grade":"TK","high_grade":"05"}'
	assert_line '{"type":"term","source":"clever","source_id":"5b42365868c8d6104f634d35","name":"Y1","kind":"term","start_date":"2016-08-01","end_date":"2017-06-01","school_year":"2016-2017"}'
}

@test "Clever SDK recording: the sections pages name users the recording does not hold (it stops after two users pages): a located error" {
	need clever-sdk-ruby-v30-demo-district-vcr
	b="$RF/clever-sdk-ruby-v30-demo-district-vcr/bodies"
	run -1 --separate-stderr bash -c 'set -o pipefail; b=$1
		extract-clever "$b/districts.json" "$b/schools.json" "$b/terms.json" \
			"$b/sections_next__0.json" "$b/sections_next__1.json" \
			"$b/users_next__0.json" "$b/users_next__1.json" | normalize' _ "$b"
	[[ "${stderr_lines[0]}" =~ ^normalize:\ sections_next__0\.json:[0-9]+:\ (item\ 1:\ )?id\ 58da8c6a894273be68000182:\ students:\ unknown\ users\ id\ \"58da8c64d7dc0ca06800059c\"$ ]] ||
		fail "unexpected first message: ${stderr_lines[0]}"
}

@test "Clever SDK recording: a contact (no first name) and a teacher whose email has no @ load, with one warning" {
	need clever-sdk-ruby-v30-demo-district-vcr
	b="$RF/clever-sdk-ruby-v30-demo-district-vcr/bodies"
	run -0 --separate-stderr bash -c 'extract-clever "$1/user_mycontacts.json" "$1/user_myteachers.json" | normalize' _ "$b"
	assert_equal "${#stderr_lines[@]}" 1
	[[ "${stderr_lines[0]}" =~ ^normalize:\ user_myteachers\.json:[0-9]+:\ (item\ 1:\ )?id\ 5faac8b7bc447500a10ae87f:\ email:\ warning:\ not\ a\ valid\ email\ address$ ]] ||
		fail "unexpected message: ${stderr_lines[0]}"
	assert_line --partial '"source_id":"5faac8b9bc447500a10aebe8","role":"guardian","school_ids":[],"family_name":'
}

@test "Clever SDK recording: /schools/{id}/terms serves term dates as date-times: read as their UTC dates" {
	need clever-sdk-ruby-v30-demo-district-vcr
	run -0 --separate-stderr bash -c 'set -o pipefail; extract-clever "$1" | normalize' _ "$RF/clever-sdk-ruby-v30-demo-district-vcr/bodies/school_terms.json"
	assert_equal "$stderr" ""
	assert_line '{"type":"term","source":"clever","source_id":"5b42365868c8d6104f634d33","name":"S2","kind":"term","start_date":"2012-12-02","end_date":"2013-06-01","school_year":"2012-2013"}'
}

@test "1EdTech OneRoster 1.1 REST sample (a): loads; a summer session's schoolYear disagrees with its dates (a warning)" {
	need 1edtech-or11-rest-a
	run -0 --separate-stderr bash -c 'set -o pipefail; cd "$1"
		extract-oneroster --rest orgs.json academicSessions.json courses.json classes.json users.json demographics.json |
		normalize' _ "$RF/1edtech-or11-rest-a"
	assert_equal "${#stderr_lines[@]}" 1
	[[ "${stderr_lines[0]}" =~ ^normalize:\ academicSessions\.json:[0-9]+:\ (item\ [0-9]+:\ )?id\ 9adf5f16-79ca-4f32-8204-f0d71d5ab73b:\ schoolYear:\ warning:\ 2020\ disagrees\ with\ the\ dates\ \(2020-07-13\ to\ 2020-07-16\):\ school_year\ 2020-2021\ from\ the\ start\ date$ ]] ||
		fail "unexpected message: ${stderr_lines[0]}"
	assert_equal "$(grep -c '"type":"user"' <<<"$output")" 1599
	assert_equal "$(grep -c '"type":"section"' <<<"$output")" 320
	assert_equal "$(grep -c '"type":"term"' <<<"$output")" 26
}

@test "1EdTech OneRoster 1.1 REST sample (b): loads" {
	need 1edtech-or11-rest-b
	run -0 --separate-stderr bash -c 'set -o pipefail; cd "$1"
		extract-oneroster --rest orgs.json academicSessions.json courses.json classes.json |
		normalize' _ "$RF/1edtech-or11-rest-b"
	assert_equal "${#stderr_lines[@]}" 1
	assert_equal "$(grep -c '"type":"section"' <<<"$output")" 3040
	assert_equal "$(grep -c '"type":"school"' <<<"$output")" 9
}

@test "1EdTech's invalid academicSessions sample: a located error (an item without its sourcedId)" {
	need 1edtech-or11-rest-a 1edtech-or11-rest-a-invalid
	run -1 --separate-stderr bash -c 'set -o pipefail; cd "$1"
		extract-oneroster --rest 1edtech-or11-rest-a/orgs.json 1edtech-or11-rest-a-invalid/academicSessions-invalid.json |
		normalize' _ "$RF"
	assert_equal "${stderr_lines[0]}" "extract-oneroster: 1edtech-or11-rest-a-invalid/academicSessions-invalid.json:3: academicSessions: item 1 has no sourcedId string"
	assert_output ""
}

@test "Japan's OneRoster 1.2 REST sample: a class without terms and a user with an empty roles list are located errors; the enrollment of the class is dropped" {
	need jp-da2022-oneroster12-rest-json
	run -1 --separate-stderr bash -c 'set -o pipefail; cd "$1"
		extract-oneroster --rest orgs.json classes.json users.json enrollments.json |
		normalize' _ "$RF/jp-da2022-oneroster12-rest-json"
	assert_equal "${#stderr_lines[@]}" 3
	[[ "${stderr_lines[0]}" =~ ^normalize:\ classes\.json:[0-9]+:\ (item\ 1:\ )?id\ c0935e31-e98a-46d8-bd8b-831a26fcaef5:\ termSourcedIds:\ required\ value\ is\ empty$ ]] ||
		fail "unexpected message: ${stderr_lines[0]}"
	[[ "${stderr_lines[1]}" =~ ^normalize:\ users\.json:[0-9]+:\ (item\ 1:\ )?id\ fde2a968-1ac9-4c72-96bc-28bb20e3afb8:\ roles:\ no\ role$ ]] ||
		fail "unexpected message: ${stderr_lines[1]}"
	[[ "${stderr_lines[2]}" =~ ^normalize:\ enrollments\.json:[0-9]+:\ (item\ 1:\ )?id\ 401322ff-f51e-445d-948e-5d27166ae97c:\ classSourcedId:\ warning:\ enrollment\ dropped:\ classes\ id\ \"c0935e31-e98a-46d8-bd8b-831a26fcaef5\"\ was\ rejected$ ]] ||
		fail "unexpected message: ${stderr_lines[2]}"
}

@test "Japan's 1.2 REST sample with --keep-going: the rejected class, user and enrollment are held" {
	need jp-da2022-oneroster12-rest-json
	run -0 --separate-stderr bash -c 'set -o pipefail; cd "$1"
		extract-oneroster --rest orgs.json classes.json users.json enrollments.json |
		normalize --keep-going --allow-rejects' _ "$RF/jp-da2022-oneroster12-rest-json"
	assert_line '{"type":"held","entity":"section","source":"oneroster","source_id":"c0935e31-e98a-46d8-bd8b-831a26fcaef5"}'
	assert_line '{"type":"held","entity":"user","source":"oneroster","source_id":"fde2a968-1ac9-4c72-96bc-28bb20e3afb8"}'
	assert_line '{"type":"held","entity":"enrollment","source":"oneroster","section_id":"c0935e31-e98a-46d8-bd8b-831a26fcaef5","user_id":"fde2a968-1ac9-4c72-96bc-28bb20e3afb8"}'
}

@test "catalyst OneRoster 1.1 full set: classes at a department whose school the set does not hold are located errors" {
	need catalyst-or11-full
	run -1 --separate-stderr bash -c 'set -o pipefail; extract-oneroster "$1" | normalize' _ "$RF/catalyst-or11-full/Test_full_data_set.zip"
	assert_equal "${stderr_lines[0]}" 'normalize: classes.csv:2: schoolSourcedId: org "org-sch-222-456" is a department whose parent "org-sch-222-3456" is not a school of the feed'
	assert_equal "${stderr_lines[1]}" 'normalize: classes.csv:3: schoolSourcedId: org "org-sch-222-456" is a department whose parent "org-sch-222-3456" is not a school of the feed'
	assert_equal "${stderr_lines[2]}" 'normalize: enrollments.csv:2: classSourcedId: warning: enrollment dropped: classes id "cls-222-123456" was rejected'
	assert_line --partial '"source_id":"usr-222-123456","role":"teacher","school_ids":[],'
}

@test "catalyst OneRoster 1.1 minimal set: a department without a parent is a located error" {
	need catalyst-or11-minimal
	run -1 --separate-stderr bash -c 'set -o pipefail; extract-oneroster "$1" | normalize' _ "$RF/catalyst-or11-minimal/Test_minimal_data_set.zip"
	assert_equal "${stderr_lines[0]}" 'normalize: classes.csv:2: schoolSourcedId: org "org-sch-222-456" is a department without a parent school'
}

@test "catalyst OneRoster 1.2 full set: a teacher who is also a guardian (roles.csv), D/M/YYYY and M/D/YYYY dates never guessed, classes at a department whose school the set lacks" {
	need catalyst-or12-full
	extract-oneroster "$RF/catalyst-or12-full/v1p2_full_dataset.zip" > "$BATS_TEST_TMPDIR/raw" 2>/dev/null
	run -1 --separate-stderr normalize "$BATS_TEST_TMPDIR/raw"
	assert_equal "${stderr_lines[0]}" 'normalize: classes.csv:2: schoolSourcedId: org "org-sch-222-456" is a department whose parent "org-sch-222-3456" is not a school of the feed'
	assert_equal "${stderr_lines[2]}" 'normalize: users.csv:2: dateLastModified: warning: not an ISO 8601 date-time: "1/05/2023" (M/D/YYYY or D/M/YYYY: never guessed)'
	assert_stderr_line 'normalize: users.csv:7: dateLastModified: warning: not an ISO 8601 date-time: "15/06/2023" (M/D/YYYY or D/M/YYYY: never guessed)'
	assert_line --partial '"source_id":"usr-222-123456","role":"teacher","roles":["guardian","teacher"],'
	assert_line --partial '"source_id":"usr-222-1234561","role":"administrator","school_ids":[],'
	assert_equal "$(grep -c '"type":"user"' <<<"$output")" 6
}

@test "catalyst OneRoster 1.2 delta and 1EdTech's DataGen VRd118: load; schoolYear names the year the term starts (a warning, the dates win)" {
	need catalyst-or12-delta oneedtech-datagen-vrd118-oneroster12-delta-csv
	for z in catalyst-or12-delta/oneroster_test_data.zip oneedtech-datagen-vrd118-oneroster12-delta-csv/VRd118.zip; do
		run -0 --separate-stderr bash -c 'set -o pipefail; extract-oneroster "$1" | normalize' _ "$RF/$z"
		assert_equal "$stderr" 'normalize: academicSessions.csv:2: schoolYear: warning: 2023 disagrees with the dates (2023-09-04 to 2024-01-26): school_year 2023-2024 from the start date'
		assert_line --partial '"school_year":"2023-2024"'
		assert_line --partial '"type":"user","source":"oneroster",'
	done
}

@test "oat-sa OneRoster 1.1 base: schoolYear and demographics' sourcedId columns missing (extract), classes without course and naming a session the set lacks (normalize): located errors" {
	need oatsa-or11-base
	run -1 --separate-stderr extract-oneroster "$RF/oatsa-or11-base"
	assert_equal "${stderr_lines[0]}" "extract-oneroster: $RF/oatsa-or11-base/academicSessions.csv:1: schoolYear: required column is missing"
	printf '%s\n' "$output" > "$BATS_TEST_TMPDIR/raw"
	run -1 --separate-stderr normalize "$BATS_TEST_TMPDIR/raw"
	assert_equal "${stderr_lines[0]}" 'normalize: classes.csv:2: courseSourcedId: required value is empty'
	assert_equal "${stderr_lines[1]}" 'normalize: classes.csv:2: termSourcedIds: unknown academicSessions id "1"'
	assert_stderr_line 'normalize: enrollments.csv:2: classSourcedId: warning: enrollment dropped: classes id "class1" was rejected'
	refute_output --partial '"type":"enrollment"'
}

@test "OneRoster 1.0 exports (oat-sa, Ed-Fi LMS Toolkit), and exports without a manifest: extract refuses, located" {
	need oatsa-or10 edfi-lmstoolkit-oneroster11-and-10-csv onerostersync-net-oneroster11-csv-steps rosterhub-jp-oneroster12ish-export-csv
	for c in oatsa-or10 edfi-lmstoolkit-oneroster11-and-10-csv/oneroster-1.0 onerostersync-net-oneroster11-csv-steps \
		onerostersync-net-oneroster11-csv-steps/Step4-AddClass rosterhub-jp-oneroster12ish-export-csv; do
		run -1 --separate-stderr bash -c 'set -o pipefail; extract-oneroster "$1" | normalize' _ "$RF/$c"
		[[ "${stderr_lines[0]}" == "extract-oneroster: $RF/$c: manifest.csv: required file is missing"* ]] ||
			fail "unexpected first message: ${stderr_lines[0]}"
		assert_output ""
	done
}

@test "ClassLink export headers (no rows): an empty bulk feed, nothing but the header" {
	need classlink-oneroster11-export-headers
	extract-oneroster "$RF/classlink-oneroster11-export-headers" > "$BATS_TEST_TMPDIR/raw" 2>/dev/null
	run -0 --separate-stderr normalize "$BATS_TEST_TMPDIR/raw"
	assert_equal "$stderr" ""
	assert_output '{"type":"feed","source":"oneroster","modes":{"school":"bulk","term":"bulk","section":"bulk","user":"bulk","enrollment":"bulk"}}'
}

@test "OneRoster.Net steps, given a manifest: M/D/YYYY session dates are located errors (never guessed), then the classes naming missing orgs and sessions" {
	need onerostersync-net-oneroster11-csv-steps
	pkg=$(with_manifest onerostersync-net-oneroster11-csv-steps)
	run -1 --separate-stderr bash -c 'set -o pipefail; extract-oneroster "$1" | normalize' _ "$pkg"
	assert_equal "${stderr_lines[0]}" 'normalize: academicSessions.csv:2: startDate: not a valid date (YYYY-MM-DD): "8/27/2018" (M/D/YYYY or D/M/YYYY: never guessed)'
	assert_equal "${stderr_lines[1]}" 'normalize: academicSessions.csv:2: endDate: not a valid date (YYYY-MM-DD): "5/31/2019" (M/D/YYYY or D/M/YYYY: never guessed)'
	assert_stderr_line 'normalize: classes.csv:2: schoolSourcedId: unknown org id "Sch_000002"'
}

@test "OneRoster.Net step 4, given a manifest: a class whose school is the district is a located error" {
	need onerostersync-net-oneroster11-csv-steps
	pkg=$(with_manifest onerostersync-net-oneroster11-csv-steps/Step4-AddClass)
	run -1 --separate-stderr bash -c 'set -o pipefail; extract-oneroster "$1" | normalize' _ "$pkg"
	assert_stderr_line 'normalize: classes.csv:6: schoolSourcedId: org "Summit" is not a school'
}

@test "RosterHub JP export, given a manifest: a JSON array in the userIds cell is a located error" {
	need rosterhub-jp-oneroster12ish-export-csv
	dst="$BATS_TEST_TMPDIR/pkg"
	mkdir -p "$dst"
	cp "$RF"/rosterhub-jp-oneroster12ish-export-csv/orgs-*.csv "$dst/orgs.csv"
	cp "$RF"/rosterhub-jp-oneroster12ish-export-csv/users-*.csv "$dst/users.csv"
	printf 'propertyName,value\nmanifest.version,1.0\noneroster.version,1.1\nfile.orgs,bulk\nfile.users,bulk\n' > "$dst/manifest.csv"
	run -1 --separate-stderr bash -c 'set -o pipefail; extract-oneroster "$1" | normalize' _ "$dst"
	assert_equal "${stderr_lines[0]}" 'normalize: users.csv:2: userIds: entry 1 is not {type:identifier}'
	assert_line --partial '"source_id":"org-e2e-001","name":"東京都立高校"'
}

@test "Ed-Fi LMS Toolkit OneRoster 1.1: the teachers' ragged rows are refused (extract), so their enrollments name unknown users (normalize)" {
	need edfi-lmstoolkit-oneroster11-and-10-csv
	c="$RF/edfi-lmstoolkit-oneroster11-and-10-csv/oneroster-1.1"
	run -1 --separate-stderr extract-oneroster "$c"
	assert_equal "${stderr_lines[0]}" "extract-oneroster: $c/users.csv:10: ragged row: 19 fields, header has 18"
	printf '%s\n' "$output" > "$BATS_TEST_TMPDIR/raw"
	run -1 --separate-stderr normalize "$BATS_TEST_TMPDIR/raw"
	assert_equal "${stderr_lines[0]}" 'normalize: enrollments.csv:22: userSourcedId: unknown users id "207270"'
	assert_equal "$(grep -c '"type":"user"' <<<"$output")" 8
}

@test "LEPO roster-hub OneRoster 1.1 (English, Japanese, and the zip): load" {
	need lepo-rosterhub-oneroster11-csv
	for c in en ja en/oneroster.zip; do
		extract-oneroster "$RF/lepo-rosterhub-oneroster11-csv/$c" > "$BATS_TEST_TMPDIR/raw" 2>/dev/null
		run -0 --separate-stderr normalize "$BATS_TEST_TMPDIR/raw"
		assert_equal "$stderr" ""
		assert_equal "$(grep -c '"type":"user"' <<<"$output")" 20
		assert_equal "$(grep -c '"type":"enrollment"' <<<"$output")" 30
	done
}
