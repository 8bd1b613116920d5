#!/usr/bin/env bats
# Real feeds at the extraction level: public samples that no one here wrote,
# as their authors published them (../shared/real-feeds, described in its
# MANIFEST.md; never copied into the project). Each case loads (exit 0,
# records per entity) or fails with the documented, located error (its
# exact first lines). docs/design.md ("Files") and man/extract-oneroster.1
# say why each refusal or warning is what it is.

setup() {
	load test_helper/common
	RF=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)/shared/real-feeds
	# the one reason a test here may not run: the samples are not there
	[ -d "$RF" ] || skip "could not run: the real-feeds samples are missing ($RF)"
	VCR="$RF/clever-sdk-ruby-v30-demo-district-vcr/bodies"
}

# "entity count" for each run of records of one entity, in output order.
counts() {
	grep -o '"entity":"[a-zA-Z]*"' <<<"$output" | uniq -c |
		awk '{ gsub(/"entity":|"/, "", $2); printf "%s%s %s", n++ ? " " : "", $2, $1 }'
}

feed_header() { head -1 <<<"$output"; }

# ---- OneRoster CSV packages --------------------------------------------

@test "catalyst-or11-full: loads (a bulk 1.1 zip, CRLF, no final newlines)" {
	run -0 --separate-stderr extract-oneroster "$RF/catalyst-or11-full/Test_full_data_set.zip"
	assert_equal "$stderr" ""
	assert_equal "$(feed_header)" '{"type":"feed","source":"oneroster","version":"1.1","files":{"orgs":"bulk","academicSessions":"bulk","courses":"absent","classes":"bulk","users":"bulk","enrollments":"bulk","demographics":"absent"}}'
	assert_equal "$(counts)" "orgs 1 academicSessions 5 classes 2 users 6 enrollments 6"
}

@test "catalyst-or11-minimal: loads" {
	run -0 --separate-stderr extract-oneroster "$RF/catalyst-or11-minimal/Test_minimal_data_set.zip"
	assert_equal "$stderr" ""
	assert_equal "$(counts)" "orgs 1 academicSessions 5 classes 2 users 6 enrollments 6"
}

@test "catalyst-or12-full: loads; userprofiles.csv present but its mode blank is a warning (not a file extract reads); roles.csv's unnamed trailing columns are columns" {
	zip="$RF/catalyst-or12-full/v1p2_full_dataset.zip"
	run -0 --separate-stderr extract-oneroster "$zip"
	assert_equal "$stderr" "extract-oneroster: $zip/manifest.csv:22: file.userProfiles: warning: listed blank (absent) but userprofiles.csv is present: not read (extract-oneroster does not read userProfiles files)"
	assert_equal "$(feed_header)" '{"type":"feed","source":"oneroster","version":"1.2","files":{"orgs":"bulk","academicSessions":"bulk","courses":"absent","classes":"bulk","roles":"bulk","users":"bulk","enrollments":"bulk","demographics":"absent"}}'
	assert_equal "$(counts)" "orgs 1 academicSessions 5 classes 2 roles 7 users 6 enrollments 6"
	# the header "...,orgSourcedId,," names 9 columns: rows of 9 fields load
	assert_line --partial '"entity":"roles","file":"roles.csv","line":2,"data":{"sourcedId":"rol-123-1234","status":"active","dataLastModified":"2025-01-01","userSourcedId":"usr-222-123456","roleType":"primary","role":"teacher","beginDate":"2024-03-06","endDate":"2025-09-23","orgSourcedId":"org-sch-222-456"}}'
}

@test "catalyst-or12-delta: loads (every file a delta)" {
	run -0 --separate-stderr extract-oneroster "$RF/catalyst-or12-delta/oneroster_test_data.zip"
	assert_equal "$stderr" ""
	assert_equal "$(feed_header)" '{"type":"feed","source":"oneroster","version":"1.2","files":{"orgs":"delta","academicSessions":"delta","courses":"delta","classes":"delta","roles":"delta","users":"delta","enrollments":"delta","demographics":"delta"}}'
	assert_equal "$(counts)" "orgs 1 academicSessions 1 courses 1 classes 1 roles 1 users 1 enrollments 1 demographics 1"
}

@test "oneedtech-datagen-vrd118 (1.2 delta, CRLF): loads" {
	run -0 --separate-stderr extract-oneroster "$RF/oneedtech-datagen-vrd118-oneroster12-delta-csv/VRd118.zip"
	assert_equal "$stderr" ""
	assert_equal "$(counts)" "orgs 1 academicSessions 1 courses 1 classes 1 roles 1 users 1 enrollments 1 demographics 1"
}

@test "oatsa-or11-base: refused at the headers that lack a required column" {
	run -1 --separate-stderr extract-oneroster "$RF/oatsa-or11-base"
	assert_equal "${stderr_lines[0]}" "extract-oneroster: $RF/oatsa-or11-base/academicSessions.csv:1: schoolYear: required column is missing"
	assert_equal "${stderr_lines[1]}" "extract-oneroster: $RF/oatsa-or11-base/demographics.csv:1: sourcedId: required column is missing"
	assert_equal "${#stderr_lines[@]}" 2
}

@test "oatsa-or10 (OneRoster 1.0, no manifest): refused, saying why" {
	run -1 --separate-stderr extract-oneroster "$RF/oatsa-or10"
	assert_equal "$stderr" "extract-oneroster: $RF/oatsa-or10: manifest.csv: required file is missing: without it, whether the files are a whole roster (bulk) or changes (delta) cannot be told (OneRoster 1.0 exports have none, and are not read)"
	assert_output ""
}

@test "edfi-lmstoolkit 1.1: the two teacher rows with a trailing comma too many are refused at their lines" {
	pkg="$RF/edfi-lmstoolkit-oneroster11-and-10-csv/oneroster-1.1"
	run -1 --separate-stderr extract-oneroster "$pkg"
	assert_equal "${stderr_lines[0]}" "extract-oneroster: $pkg/users.csv:10: ragged row: 19 fields, header has 18"
	assert_equal "${stderr_lines[1]}" "extract-oneroster: $pkg/users.csv:11: ragged row: 19 fields, header has 18"
	assert_equal "${#stderr_lines[@]}" 2
	# manifest.version "1" is informative: not an error
	assert_equal "$(counts)" "orgs 2 academicSessions 3 courses 2 classes 2 users 8 enrollments 24 demographics 8"
	refute_output --partial '"sourcedId":"207270"'
}

@test "edfi-lmstoolkit 1.0 (no manifest): refused" {
	pkg="$RF/edfi-lmstoolkit-oneroster11-and-10-csv/oneroster-1.0"
	run -1 --separate-stderr extract-oneroster "$pkg"
	assert_equal "${stderr_lines[0]%%: without it*}" "extract-oneroster: $pkg: manifest.csv: required file is missing"
}

@test "onerostersync-net (base and four steps, no manifest): each refused" {
	for step in . Step1-UpdateCourse Step2-AddCourse Step3-DeleteCourse Step4-AddClass; do
		pkg="$RF/onerostersync-net-oneroster11-csv-steps/$step"
		run -1 --separate-stderr extract-oneroster "$pkg"
		assert_equal "${stderr_lines[0]%%: without it*}" "extract-oneroster: $pkg: manifest.csv: required file is missing"
	done
}

@test "onerostersync-net: its enrollments header ending in three empty names reads, given a manifest" {
	pkg=$(fixture_copy "$RF/onerostersync-net-oneroster11-csv-steps" onerostersync)
	rm -rf "$pkg"/Step*
	printf 'propertyName,value\noneroster.version,1.1\nfile.orgs,bulk\nfile.users,bulk\nfile.enrollments,bulk\nfile.academicSessions,bulk\nfile.courses,bulk\nfile.classes,bulk\n' > "$pkg/manifest.csv"
	run -0 --separate-stderr extract-oneroster "$pkg"
	assert_equal "$stderr" ""
	assert_equal "$(grep -c '"entity":"enrollments"' <<<"$output")" 3
	assert_line --regexp '"entity":"enrollments","file":"enrollments.csv","line":2,"data":\{"sourcedId":"[^"]*","status":"[^"]*","dateLastModified":"[^"]*","classSourcedId":"[^"]*","schoolSourcedId":"[^"]*","userSourcedId":"[^"]*","role":"[^"]*"\}\}$'
}

@test "lepo-rosterhub (en, ja; folder and zip): loads; the manifest's typo key is a warning, never read as a file" {
	for pkg in en ja en/oneroster.zip ja/oneroster.zip; do
		p="$RF/lepo-rosterhub-oneroster11-csv/$pkg"
		run -0 --separate-stderr extract-oneroster "$p"
		assert_equal "$stderr" "extract-oneroster: $p/manifest.csv:10: fiel.demographics: warning: not a manifest property (file.*, source.*, manifest.version, oneroster.version): ignored"
		assert_equal "$(counts)" "orgs 1 academicSessions 4 courses 2 classes 5 users 20 enrollments 30"
		assert_equal "$(feed_header)" '{"type":"feed","source":"oneroster","version":"1.1","files":{"orgs":"bulk","academicSessions":"bulk","courses":"bulk","classes":"bulk","users":"bulk","enrollments":"bulk","demographics":"absent"}}'
	done
}

@test "classlink-oneroster11-export-headers: loads with no rows; demographics.csv present but marked absent, with no rows, is a warning" {
	run -0 --separate-stderr extract-oneroster "$RF/classlink-oneroster11-export-headers"
	assert_equal "$stderr" "extract-oneroster: $RF/classlink-oneroster11-export-headers/manifest.csv:12: file.demographics: warning: listed as absent but demographics.csv is present, with no rows: taken as absent"
	assert_output '{"type":"feed","source":"oneroster","version":"1.1","files":{"orgs":"bulk","academicSessions":"bulk","courses":"bulk","classes":"bulk","users":"bulk","enrollments":"bulk","demographics":"absent"}}'
}

@test "classlink-oneroster11-export-headers: with a row in demographics.csv, the disagreement is an error" {
	pkg=$(fixture_copy "$RF/classlink-oneroster11-export-headers" classlink)
	chmod -R u+w "$pkg"
	printf 'u-1,,,2010-01-01,female,,,,,,,,,,,\n' >> "$pkg/demographics.csv"
	run -1 --separate-stderr extract-oneroster "$pkg"
	assert_equal "$stderr" "extract-oneroster: $pkg/manifest.csv:12: file.demographics: listed as absent but demographics.csv is present"
}

@test "rosterhub-jp export (two CSVs, no manifest): refused" {
	run -1 --separate-stderr extract-oneroster "$RF/rosterhub-jp-oneroster12ish-export-csv"
	assert_equal "${stderr_lines[0]%%: without it*}" "extract-oneroster: $RF/rosterhub-jp-oneroster12ish-export-csv: manifest.csv: required file is missing"
}

# ---- OneRoster REST pages ----------------------------------------------

@test "1edtech-or11-rest-a: loads; records carry their item's line in the pretty-printed page" {
	run -0 --separate-stderr extract-oneroster --rest "$RF"/1edtech-or11-rest-a/*.json
	assert_equal "$stderr" ""
	assert_equal "$(counts)" "orgs 1 academicSessions 26 courses 80 classes 320 users 1599 demographics 1599"
	assert_line --index 1 --regexp '^\{"type":"raw","source":"oneroster","format":"rest","entity":"orgs","file":"orgs.json","line":3,"item":1,"data":\{"sourcedId":"'
	# the second user starts where its "{" is in users.json
	want=$(grep -n '^        {$' "$RF/1edtech-or11-rest-a/users.json" | sed -n 2p | cut -d: -f1)
	assert_line --regexp "^\{\"type\":\"raw\",\"source\":\"oneroster\",\"format\":\"rest\",\"entity\":\"users\",\"file\":\"users.json\",\"line\":$want,\"item\":2,"
}

@test "1edtech-or11-rest-b: loads (classes on one line: every item at line 1, told apart by its number)" {
	run -0 --separate-stderr extract-oneroster --rest "$RF"/1edtech-or11-rest-b/*.json
	assert_equal "$(counts)" "orgs 10 academicSessions 26 courses 720 classes 3040"
	assert_line --partial '"entity":"classes","file":"classes.json","line":1,"item":3040,'
}

@test "1edtech-or11-rest-a-invalid: the item without a sourcedId is refused at its line, with its number" {
	f="$RF/1edtech-or11-rest-a-invalid/academicSessions-invalid.json"
	run -1 --separate-stderr extract-oneroster --rest "$RF/1edtech-or11-rest-a/orgs.json" "$f"
	assert_equal "$stderr" "extract-oneroster: $f:3: academicSessions: item 1 has no sourcedId string"
	assert_output ""
	run -1 --separate-stderr extract-oneroster --rest --keep-going "$RF/1edtech-or11-rest-a/orgs.json" "$f"
	assert_equal "$(counts)" "orgs 1 academicSessions 25"
}

@test "jp-da2022 (OneRoster 1.2 REST, Japan profile): loads; its users' roles arrays make it a 1.2 feed" {
	run -0 --separate-stderr extract-oneroster --rest "$RF"/jp-da2022-oneroster12-rest-json/*.json
	assert_equal "$stderr" ""
	# the user's roles array is empty: no roles records, but the form is 1.2's
	assert_equal "$(feed_header)" '{"type":"feed","source":"oneroster","version":"1.2","format":"rest","files":{"orgs":"bulk","academicSessions":"absent","courses":"absent","classes":"bulk","roles":"bulk","users":"bulk","enrollments":"bulk","demographics":"absent"}}'
	assert_equal "$(counts)" "orgs 1 classes 1 users 1 enrollments 1"
}

# ---- Clever ------------------------------------------------------------

@test "Clever VCR (demo district): the paged lists load, each record at its item" {
	run -0 --separate-stderr extract-clever "$VCR"/districts.json "$VCR"/{schools,terms,courses,users,sections}_next__{0,1}.json
	assert_equal "$stderr" ""
	assert_equal "$(feed_header)" '{"type":"feed","source":"clever","version":"3.0","files":{"districts":"bulk","schools":"bulk","terms":"bulk","courses":"bulk","users":"bulk","sections":"bulk"}}'
	assert_equal "$(counts)" "districts 1 schools 4 terms 5 courses 200 users 200 sections 200"
	# pages on one line: the page's line, and the item's number
	assert_line --partial '"entity":"users","file":"users_next__1.json","line":1,"item":100,'
}

@test "Clever VCR: relation pages (a school's terms, a section's users, a teacher's students) hold their records' entity, as deltas" {
	run -0 --separate-stderr extract-clever "$VCR"/{school_terms,section_users,user_mystudents,user_myteachers,user_mycontacts}.json
	assert_equal "$(feed_header)" '{"type":"feed","source":"clever","version":"3.0","files":{"districts":"absent","schools":"absent","terms":"delta","courses":"absent","users":"delta","sections":"absent"}}'
	assert_equal "$(counts)" "terms 4 users 54"
}

@test "Clever VCR: one record, /me and the Events API are refused, saying what they are" {
	run -1 --separate-stderr extract-clever "$VCR/user.json"
	assert_equal "$stderr" "extract-clever: $VCR/user.json:1: data: one record (/users/ID, /me), not a Clever list response"
	run -1 --separate-stderr extract-clever "$VCR/me.json"
	assert_equal "$stderr" "extract-clever: $VCR/me.json:1: data: one record (/users/ID, /me), not a Clever list response"
	run -1 --separate-stderr extract-clever "$VCR/events.json"
	assert_equal "$stderr" "extract-clever: $VCR/events.json:1: uri: Clever events (the Events API) are not read: extract-clever reads the Data API's lists"
}

@test "clevergo-v3-demo with the pages added by hand: loads, 2098 users and 378 sections" {
	run -0 --separate-stderr extract-clever "$RF"/clevergo-v3-demo/*.json "$RF"/clevergo-v3-demo/added-by-hand/*.json
	assert_equal "$stderr" ""
	assert_equal "$(feed_header)" '{"type":"feed","source":"clever","version":"3.0","files":{"districts":"bulk","schools":"bulk","terms":"bulk","courses":"absent","users":"bulk","sections":"bulk"}}'
	assert_equal "$(counts)" "districts 1 schools 5 terms 5 users 2098 sections 378"
	# the pretty-printed district page: its item's line
	assert_line --regexp '^\{"type":"raw","source":"clever","entity":"districts","file":"districts.json","line":3,"item":1,'
}
