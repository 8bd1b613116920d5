#!/usr/bin/env bats
# bats file_tags=store
# The summer rollover: archive-appointments, softdelete-plan, the archive
# check in apply, summer-purge, after-first-import, resume.

setup() {
	load test_helper/common
	DB=$(new_store s)
	oneroster-sync --quiet --db "$DB" "$TD/district/y1-v1p1" 2>/dev/null
	apply --db "$DB" --quiet "$TD/summer/appointments.plan.ndjson" 2>/dev/null
}

records() ( set -o pipefail; snapshot --db "$1" | tail -n +2 )
year_appointments() { snapshot --db "$DB" --entity appointment | grep "\"school_year\":\"$1\"" | sort; }
archive_plan() { snapshot --db "$DB" --entity appointment | archive-appointments --quiet --year 2025-2026 --out "$BATS_TEST_TMPDIR/arch"; }
# the appointment ids in NDJSON on standard input, on one line
ids() { grep -o '"id":"a[0-9]*"' | tr '\n' ' '; }
# the user's store id, by source id
uid() { snapshot --db "$DB" --entity user | grep "\"source_id\":\"$1\"" | sed 's/.*"id":"\(u[0-9]*\)".*/\1/'; }

@test "archive-appointments: --help, --version, usage errors" {
	run archive-appointments --help
	assert_success
	assert_line --index 0 "usage: archive-appointments --year Y --out DIR [options] [STATE...]"
	run -0 archive-appointments --version
	assert_output "archive-appointments $RP_VERSION"
	run -2 --separate-stderr archive-appointments --year 2025-2026
	assert_equal "${stderr_lines[0]}" "archive-appointments: --year needs --out DIR"
	run -2 --separate-stderr archive-appointments --year 2025 --out x
	assert_equal "${stderr_lines[0]}" "archive-appointments: --year: YYYY-YYYY, e.g. 2025-2026, not 2025"
	run -2 --separate-stderr archive-appointments --export x --year 2025-2026
	assert_equal "${stderr_lines[0]}" "archive-appointments: one of --year, --export or --verify"
}

@test "the archive of a year exports back exactly the appointments removed" {
	before=$(year_appointments 2025-2026)
	archive_plan > "$BATS_TEST_TMPDIR/plan"
	run --separate-stderr apply --db "$DB" "$BATS_TEST_TMPDIR/plan"
	assert_success
	run -0 snapshot --db "$DB" --entity appointment
	refute_line --partial '"school_year":"2025-2026"'
	assert_equal "$(grep -c '"school_year":"2026-2027"' <<<"$output")" 2
	run --separate-stderr archive-appointments --export "$BATS_TEST_TMPDIR/arch"
	assert_success
	assert_equal "$(sort <<<"$output")" "$before"
	assert_equal "$stderr" "archive-appointments: 9 appointments exported from 2 archives"
}

@test "archives: one per school, 0600 in a 0700 folder, a manifest with counts, dates and checksums" {
	archive_plan > "$BATS_TEST_TMPDIR/plan"
	dir="$BATS_TEST_TMPDIR/arch/2025-2026"
	run ls -A "$dir"
	assert_output "manifest.json
s1.ndjson.gz
s2.ndjson.gz"
	assert_equal "$(stat -c %a "$BATS_TEST_TMPDIR/arch") $(stat -c %a "$dir") $(stat -c %a "$dir/s1.ndjson.gz")" "700 700 600"
	sha=$(sha256sum "$dir/s1.ndjson.gz" | cut -c1-64)
	assert_equal "$(cat "$dir/manifest.json")" "{\"type\":\"archive_manifest\",\"school_year\":\"2025-2026\",\"updated\":\"2026-08-01T12:00:00Z\",\"archives\":[{\"school_id\":\"s1\",\"file\":\"s1.ndjson.gz\",\"count\":5,\"first\":\"2025-09-02\",\"last\":\"2026-05-20\",\"sha256\":\"$sha\"},{\"school_id\":\"s2\",\"file\":\"s2.ndjson.gz\",\"count\":4,\"first\":\"2025-09-15\",\"last\":\"2026-06-01\",\"sha256\":\"$(sha256sum "$dir/s2.ndjson.gz" | cut -c1-64)\"}]}"
	run grep -c '"op":"delete","entity":"appointment"' "$BATS_TEST_TMPDIR/plan"
	assert_output 9
	run grep -c "\"archive\":\"$(realpath "$dir")/s1.ndjson.gz\",\"archive_sha256\":\"$sha\"" "$BATS_TEST_TMPDIR/plan"
	assert_output 5
}

@test "re-running with the same input gives the same archive bytes and the same plan_id" {
	archive_plan > "$BATS_TEST_TMPDIR/plan1"
	sums=$(sha256sum "$BATS_TEST_TMPDIR"/arch/2025-2026/*.gz)
	archive_plan > "$BATS_TEST_TMPDIR/plan2"
	assert_equal "$(sha256sum "$BATS_TEST_TMPDIR"/arch/2025-2026/*.gz)" "$sums"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/plan2")" "$(cat "$BATS_TEST_TMPDIR/plan1")"
}

@test "an earlier archive is added to, never overwritten" {
	snapshot --db "$DB" --entity appointment | grep -v '"id":"a5"' | archive-appointments --quiet --year 2025-2026 --out "$BATS_TEST_TMPDIR/arch" > /dev/null
	run -0 archive-appointments --quiet --export "$BATS_TEST_TMPDIR/arch" --school s1
	assert_equal "${#lines[@]}" 4
	archive_plan > "$BATS_TEST_TMPDIR/plan"
	run -0 archive-appointments --quiet --export "$BATS_TEST_TMPDIR/arch" --school s1
	assert_equal "$(ids <<<"$output")" '"id":"a1" "id":"a2" "id":"a3" "id":"a4" "id":"a5" '
	run archive-appointments --verify "$BATS_TEST_TMPDIR/arch"
	assert_success
}

@test "a corrupted archive stops apply, nothing deleted (exit 3)" {
	archive_plan > "$BATS_TEST_TMPDIR/plan"
	f="$BATS_TEST_TMPDIR/arch/2025-2026/s2.ndjson.gz"
	printf 'X' | dd of="$f" bs=1 seek=40 conv=notrunc 2>/dev/null
	before=$(records "$DB")
	run -3 --separate-stderr apply --db "$DB" "$BATS_TEST_TMPDIR/plan"
	assert_stderr_line "apply: $BATS_TEST_TMPDIR/plan:7: archive $(realpath "$f") is missing or unreadable; appointment a6 not deleted"
	assert_equal "$(records "$DB")" "$before"
}

@test "an archive replaced by another file stops apply (checksum), nothing deleted" {
	archive_plan > "$BATS_TEST_TMPDIR/plan"
	f="$BATS_TEST_TMPDIR/arch/2025-2026/s1.ndjson.gz"
	zcat "$f" | head -n 4 | gzip > "$f.new" && mv "$f.new" "$f"
	before=$(records "$DB")
	run -3 --separate-stderr apply --db "$DB" "$BATS_TEST_TMPDIR/plan"
	assert_stderr_partial "archive $(realpath "$f") does not match its archive_sha256 (corrupted or replaced)"
	assert_equal "$(records "$DB")" "$before"
}

@test "a missing archive stops apply; a delete without its archive is a bad plan" {
	archive_plan > "$BATS_TEST_TMPDIR/plan"
	rm "$BATS_TEST_TMPDIR/arch/2025-2026/s1.ndjson.gz"
	run -3 --separate-stderr apply --db "$DB" "$BATS_TEST_TMPDIR/plan"
	assert_stderr_partial "s1.ndjson.gz is missing or unreadable; appointment a1 not deleted"
	echo '{"type":"op","op":"delete","entity":"appointment","id":"a1"}' > "$BATS_TEST_TMPDIR/bare"
	run -1 --separate-stderr apply --db "$DB" "$BATS_TEST_TMPDIR/bare"
	assert_stderr_line "apply: $BATS_TEST_TMPDIR/bare:1: archive: deleting an appointment takes its archive and archive_sha256"
}

@test "a file size limit during archiving leaves no delete plan (exit 4)" {
	awk 'BEGIN { print "{\"type\":\"snapshot\",\"version\":3}";
		for (i = 1; i <= 3000; i++) printf "{\"type\":\"appointment\",\"id\":\"a%d\",\"school_id\":\"s1\",\"user_id\":\"u%d\",\"starts_at\":\"2025-10-01T10:00:00Z\",\"school_year\":\"2025-2026\",\"title\":\"t%d %d\"}\n", i, i, i, i * 7919 % 10007 }' > "$BATS_TEST_TMPDIR/state"
	run --separate-stderr bash -c 'ulimit -f 8; exec archive-appointments --year 2025-2026 --out "$1" "$2"' _ "$BATS_TEST_TMPDIR/arch" "$BATS_TEST_TMPDIR/state"
	assert_equal "$status" 4
	assert_output ""
	assert_stderr_partial "File too large"
	[ ! -e "$BATS_TEST_TMPDIR/arch/2025-2026/s1.ndjson.gz" ]
}

@test "--export: by school, by user (student or staff), by dates; as NDJSON" {
	archive_plan > /dev/null
	a="$BATS_TEST_TMPDIR/arch"
	run -0 archive-appointments --quiet --export "$a" --school s2
	assert_equal "${#lines[@]}" 4
	assert_equal "$(grep -c '"type":"appointment","id":"a[0-9]*","school_id":"s2",' <<<"$output")" 4
	run -0 archive-appointments --quiet --export "$a" --user "$(uid tch-2001)"
	assert_equal "$(ids <<<"$output")" '"id":"a1" "id":"a3" "id":"a4" '
	run -0 archive-appointments --quiet --export "$a" --from 2025-10-01 --to 2025-12-31
	assert_equal "$(ids <<<"$output")" '"id":"a2" "id":"a3" "id":"a7" '
	run -0 archive-appointments --quiet --export "$a/2025-2026/s1.ndjson.gz" --from 2026-05-01
	assert_output --partial '"id":"a5"'
	assert_equal "${#lines[@]}" 1
}

@test "--export --csv: quoted fields, formula prefixes escaped for spreadsheets" {
	archive_plan > /dev/null
	run archive-appointments --quiet --export "$BATS_TEST_TMPDIR/arch" --school s1 --csv
	assert_success
	assert_line --index 0 "id,school_id,user_id,staff_id,starts_at,ends_at,school_year,title,created"
	assert_line --partial ',2025-2026,"Math, extra help",'
	assert_line --partial ",2025-2026,\"'=HYPERLINK(\"\"http://x.example\"\")\","
	assert_line --partial ",2025-2026,'-5 points review,"
}

@test "--verify: every archive against its manifest; a truncated one is an error, never a short export" {
	archive_plan > /dev/null
	run --separate-stderr archive-appointments --verify "$BATS_TEST_TMPDIR/arch"
	assert_success
	assert_stderr_line "archive-appointments: $BATS_TEST_TMPDIR/arch/2025-2026/s1.ndjson.gz: ok, 5 appointments"
	f="$BATS_TEST_TMPDIR/arch/2025-2026/s2.ndjson.gz"
	head -c 150 "$f" > "$f.cut" && mv "$f.cut" "$f"
	run -1 --separate-stderr archive-appointments --verify "$BATS_TEST_TMPDIR/arch"
	assert_stderr_line "archive-appointments: $f: does not match the SHA-256 its manifest gives: corrupted or replaced"
	run -1 --separate-stderr archive-appointments --export "$BATS_TEST_TMPDIR/arch"
	assert_output ""
	run -1 --separate-stderr archive-appointments --export "$f"
	assert_output ""
	cp "$f" "$BATS_TEST_TMPDIR/lone.ndjson.gz"
	run -1 --separate-stderr archive-appointments --export "$BATS_TEST_TMPDIR/lone.ndjson.gz"
	assert_equal "$stderr" "archive-appointments: $BATS_TEST_TMPDIR/lone.ndjson.gz: truncated gzip data"
	assert_output ""
}

@test "softdelete-plan: soft-deleted users only, never ignore_on_import or manual, counts per school" {
	sync_y2() { oneroster-sync --quiet --db "$DB" --max-delete-ratio 0.5 "$TD/district/y2-v1p1" 2>/dev/null; }
	sync_y2
	echo "{\"type\":\"op\",\"op\":\"set\",\"entity\":\"user\",\"id\":\"$(uid stu-1012)\",\"set\":{\"ignore_on_import\":true}}" | apply --db "$DB" --quiet
	run --separate-stderr bash -c 'snapshot --db "$1" | softdelete-plan' _ "$DB"
	assert_success
	assert_equal "$stderr" "softdelete-plan: 1 soft-deleted user kept: marked ignore_on_import or manual"
	assert_line --index 0 --partial '"producer":"softdelete-plan","created":"2026-08-01T12:00:00Z","counts":{"hard_delete":4,"schools":{"s2":{"hard_delete":4}}}}'
	refute_line --partial "\"id\":\"$(uid stu-1012)\""
	assert_line "{\"type\":\"op\",\"op\":\"hard_delete\",\"entity\":\"user\",\"id\":\"$(uid stu-1013)\",\"reason\":\"soft_deleted\",\"deleted_at\":\"2026-08-01T12:00:00Z\"}"
	run -0 bash -c 'snapshot --db "$1" | softdelete-plan --quiet --before 2026-08-01' _ "$DB"
	assert_line --index 0 --partial '"counts":{"hard_delete":0,"schools":{}}'
	assert_equal "${#lines[@]}" 1
	run -0 bash -c 'snapshot --db "$1" | softdelete-plan --quiet --school s1' _ "$DB"
	assert_line --index 0 --partial '"counts":{"hard_delete":0,"schools":{}}'
	assert_equal "${#lines[@]}" 1
}

@test "the purge removes the user, its identifiers and enrollments; undo brings them back" {
	echo "{\"type\":\"op\",\"op\":\"soft_delete\",\"entity\":\"user\",\"id\":\"$(uid stu-1012)\"}" | apply --db "$DB" --quiet
	before=$(records "$DB")
	snapshot --db "$DB" | softdelete-plan --quiet > "$BATS_TEST_TMPDIR/purge"
	run --separate-stderr apply --db "$DB" "$BATS_TEST_TMPDIR/purge"
	assert_success
	assert_equal "$(uid stu-1013)" u13
	assert_equal "$(uid stu-1012)" ""
	assert_equal "$(sql "$DB" "SELECT count(*) FROM user_ids WHERE value = 'stu-1012'")" 0
	run -0 snapshot --db "$DB" --entity enrollment
	assert_line --partial '"type":"enrollment"'
	refute_line --partial '"user_id":"u12"'
	plan=$(sed -n '1s/.*"plan_id":"\(.\{12\}\).*/\1/p' "$BATS_TEST_TMPDIR/purge")
	apply --db "$DB" --quiet --undo "$plan" 2>/dev/null
	assert_equal "$(records "$DB")" "$before"
}

@test "summer-purge: pauses every school, archives and removes the year; twice changes nothing" {
	run --separate-stderr summer-purge --db "$DB" --year 2025-2026 --archive "$BATS_TEST_TMPDIR/arch" --quiet
	assert_success
	assert_stderr_line "summer-purge: schools paused: 2; appointments of 2025-2026 archived and removed: 9"
	run -0 snapshot --db "$DB" --entity school
	assert_line --partial '"id":"s1","source":"oneroster","source_id":"sch-100","name":"Birchwood Elementary","school_number":"0100","import_enabled":false,"automation_enabled":false}'
	run -0 snapshot --db "$DB" --entity appointment
	refute_line --partial '"school_year":"2025-2026"'
	assert_equal "$(grep -c '"school_year":"2026-2027"' <<<"$output")" 2
	run -0 sql "$DB" "SELECT producer FROM journal ORDER BY seq"
	assert_output "diff-roster
hand
hand
archive-appointments"
	after=$(snapshot --db "$DB")
	run --separate-stderr summer-purge --db "$DB" --year 2025-2026 --archive "$BATS_TEST_TMPDIR/arch" --quiet
	assert_success
	assert_stderr_line "summer-purge: schools paused: 0; appointments of 2025-2026 archived and removed: 0"
	assert_equal "$(snapshot --db "$DB")" "$after"
	run archive-appointments --quiet --verify "$BATS_TEST_TMPDIR/arch"
	assert_success
}

@test "summer-purge --dry-run changes nothing at all" {
	before=$(snapshot --db "$DB")
	run --separate-stderr summer-purge --db "$DB" --year 2025-2026 --archive "$BATS_TEST_TMPDIR/arch" --dry-run --quiet
	assert_success
	assert_stderr_line "summer-purge: dry run, nothing changed: schools paused: 2; appointments of 2025-2026 archived and removed: 9"
	assert_equal "$(snapshot --db "$DB")" "$before"
	[ ! -e "$BATS_TEST_TMPDIR/arch" ]
}

@test "a paused school's sync plans nothing; resume turns it back on, once" {
	summer-purge --db "$DB" --year 2025-2026 --archive "$BATS_TEST_TMPDIR/arch" --quiet 2>/dev/null
	run --separate-stderr oneroster-sync --quiet --db "$DB" "$TD/district/y2-v1p1"
	assert_success
	assert_stderr_line "diff-roster: school s1: import paused; no operations planned for it"
	assert_stderr_line "diff-roster: school s2: import paused; no operations planned for it"
	run --separate-stderr resume --db "$DB" --school s1 --quiet
	assert_success
	run -0 snapshot --db "$DB" --entity school
	assert_line --partial '"school_number":"0100","import_enabled":true,"automation_enabled":true}'
	run --separate-stderr resume --db "$DB" --school s1
	assert_success
	assert_stderr_line "resume: school \"Birchwood Elementary\" (number 0100, id s1): import_enabled automation_enabled on already; nothing to do"
	run -2 --separate-stderr resume --db "$DB" --school s9
	assert_stderr_line "resume: --school: no school s9 in the store"
}

@test "the pause holds: with every school paused a year-2 sync leaves sections, terms and enrollments as they were; one school resumed, no section names a missing term" {
	summer-purge --db "$DB" --year 2025-2026 --archive "$BATS_TEST_TMPDIR/arch" --quiet 2>/dev/null
	roster() { snapshot --db "$DB" --entity term,section,enrollment | tail -n +2; }
	before=$(roster)
	run -0 --separate-stderr oneroster-sync --db "$DB" "$TD/district/y2-v1p1"
	assert_equal "$(roster)" "$before"
	[[ $stderr != *"delete term"* ]]
	run -0 resume --db "$DB" --school s1 --quiet
	run -0 --separate-stderr oneroster-sync --quiet --db "$DB" --max-delete-ratio 0.5 "$TD/district/y2-v1p1"
	# every term a section names is in the store
	run -0 snapshot --db "$DB" --entity term,section
	terms=$(ndjson-fields --where type=term --fields id <<<"$output" | sort)
	named=$(ndjson-fields --where type=section --fields term_ids <<<"$output" | tr -d '[]"' | tr ',' '\n' | sort -u)
	assert_equal "$(comm -13 <(echo "$terms") <(echo "$named"))" ""
	# s2, still paused, kept its sections and their year-1 terms
	assert_equal "$(snapshot --db "$DB" --entity section --school s2 | tail -n +2)" "$(grep -F '"school_id":"s2"' <<<"$before")"
}

@test "after-first-import: refused while paused; then purges the soft-deleted, keeps ignore_on_import and manual" {
	summer-purge --db "$DB" --year 2025-2026 --archive "$BATS_TEST_TMPDIR/arch" --quiet 2>/dev/null
	run -3 --separate-stderr after-first-import --db "$DB" --school s2
	assert_stderr_line "after-first-import: school s2: import still paused: its first import of the new year has not run; nothing purged"
	resume --db "$DB" --school s2 --quiet 2>/dev/null
	resume --db "$DB" --school s1 --quiet 2>/dev/null
	oneroster-sync --quiet --db "$DB" --max-delete-ratio 0.5 "$TD/district/y2-v1p1" 2>/dev/null
	apply --db "$DB" --quiet "$TD/sync/hands-off.plan.ndjson" 2>/dev/null
	echo "{\"type\":\"op\",\"op\":\"soft_delete\",\"entity\":\"user\",\"id\":\"$(uid m-1)\"}" | apply --db "$DB" --quiet 2>/dev/null
	before=$(records "$DB")
	export HOME=$BATS_TEST_TMPDIR/home
	if on_postgres; then dir=$HOME/.rosterpipe/held; else dir=$DB.held; fi
	run -3 --separate-stderr after-first-import --db "$DB" --school s2
	assert_stderr_partial "apply: school s2: plan would hard-delete 5 of 15 users (33.3%; limit 20.0% of groups of 5 or more)"
	# the refused purge is held for review, with its report and the command
	assert_stderr_partial "after-first-import: the delete guard refused the plan; it is held for review: $dir/plan-"
	assert_equal "$(records "$DB")" "$before"
	held=$(ls "$dir"/plan-*.ndjson)
	grep -qF "**Guard: refused.** The plan would hard-delete 5 of 15 users" "${held%.ndjson}.md"
	run -0 --separate-stderr apply --db "$DB" --force "$held"
	run -0 --separate-stderr after-first-import --db "$DB" --max-delete-ratio 0.5 --quiet
	run -0 snapshot --db "$DB" --entity user
	assert_equal "$(grep -c deleted_at <<<"$output")" 1
	assert_line --regexp '"source":"local","source_id":"m-1",.*"deleted_at":'
}

@test "an archive folder holding another store's year: an appointment archived there with other values is never deleted (exit 3)" {
	other=$(new_store other)
	oneroster-sync --quiet --db "$other" "$TD/district/y1-v1p1" 2>/dev/null
	apply --db "$other" --quiet "$TD/summer/appointments.plan.ndjson" 2>/dev/null
	echo '{"type":"op","op":"update","entity":"appointment","id":"a1","set":{"title":"Only in the other district"},"was":{"title":"Reading check-in"}}' |
		apply --quiet --db "$other" 2>/dev/null
	run -0 summer-purge --db "$DB" --year 2025-2026 --archive "$BATS_TEST_TMPDIR/arch" --quiet
	before=$(snapshot --db "$other" --entity appointment | tail -n +2)
	run -3 --separate-stderr summer-purge --db "$other" --year 2025-2026 --archive "$BATS_TEST_TMPDIR/arch" --quiet
	assert_stderr_line "archive-appointments: $BATS_TEST_TMPDIR/arch/2025-2026/s1.ndjson.gz: appointment a1 is archived there already with other values (another store's archive in the same folder, or changed since it was archived): nothing is deleted; archive this store's year into a folder of its own"
	assert_equal "$(snapshot --db "$other" --entity appointment | tail -n +2)" "$before"
	# the archive still holds the first store's year, whole
	run -0 archive-appointments --verify "$BATS_TEST_TMPDIR/arch/2025-2026"
}

@test "an archive its manifest does not name (taken out by hand) makes --verify and --export fail (exit 1), not pass it over" {
	run -0 summer-purge --db "$DB" --year 2025-2026 --archive "$BATS_TEST_TMPDIR/arch" --quiet
	m=$BATS_TEST_TMPDIR/arch/2025-2026/manifest.json
	python3 -c 'import json, sys
m = json.load(open(sys.argv[1]))
m["archives"] = [a for a in m["archives"] if a["school_id"] != "s2"]
json.dump(m, open(sys.argv[1], "w"), separators=(",", ":"))' "$m"
	for verb in --verify --export; do
		run -1 --separate-stderr archive-appointments "$verb" "$BATS_TEST_TMPDIR/arch"
		assert_stderr_line "archive-appointments: $BATS_TEST_TMPDIR/arch/2025-2026/s2.ndjson.gz: an archive its manifest does not name (taken out of it by hand?)"
	done
}

@test "after-first-import of every school is one plan: one school over the guard holds the whole purge (exit 3, nothing purged), with its report" {
	oneroster-sync --quiet --db "$DB" --max-delete-ratio 0.5 "$TD/district/y2-v1p1" 2>/dev/null
	echo '{"type":"op","op":"soft_delete","entity":"user","id":"u1"}' | apply --quiet --db "$DB" 2>/dev/null
	before=$(records "$DB")
	export HOME=$BATS_TEST_TMPDIR/home
	if on_postgres; then held=$HOME/.rosterpipe/held; else held=$DB.held; fi
	run -3 --separate-stderr after-first-import --db "$DB"
	assert_equal "$(records "$DB")" "$before"
	plan=$(ls "$held"/plan-*.ndjson)
	assert_equal "$(grep -c '"type":"plan"' "$plan")" 1
	assert_stderr_line "after-first-import: the delete guard refused the plan; it is held for review: $plan"
	[ -s "${plan%.ndjson}.md" ] && [ -s "${plan%.ndjson}.html" ]
	# with --school: the named schools only, still one plan
	run -0 --separate-stderr softdelete-plan --school s1 --school s2 <(snapshot --db "$DB")
	assert_equal "$(grep -c '"type":"plan"' <<<"$output")" 1
	run -2 --separate-stderr softdelete-plan --school s1 --school s9 <(snapshot --db "$DB")
	assert_stderr_line "softdelete-plan: --school: no school s9 in the state"
}

@test "summer-purge of a year that has not ended is refused (exit 3): nothing paused or removed; --force lets it run" {
	before=$(records "$DB")
	run -3 --separate-stderr summer-purge --db "$DB" --year 2026-2027 --archive "$BATS_TEST_TMPDIR/arch"
	assert_stderr_line "summer-purge: --year 2026-2027 has not ended (it runs into June 2027; today is 2026-08-01): nothing paused, archived or removed; --force if its schools have finished"
	assert_equal "$(records "$DB")" "$before"
	[ ! -e "$BATS_TEST_TMPDIR/arch" ]
	run -2 --separate-stderr summer-purge --db "$DB" --year 2025-2027 --archive "$BATS_TEST_TMPDIR/arch"
	run -0 --separate-stderr summer-purge --db "$DB" --year 2026-2027 --force --quiet --archive "$BATS_TEST_TMPDIR/arch"
}

@test "prune --older-than more than a century is a usage error (exit 2): nothing pruned (a cutoff before year 1000 once took every plan)" {
	before=$(apply --db "$DB" --history)
	run -2 --separate-stderr prune --db "$DB" --older-than 400000
	assert_stderr_line "prune: --older-than: at most 36500 days, not 400000"
	run -2 --separate-stderr prune --db "$DB" --older-than 9223372036854775807
	run -2 --separate-stderr apply --db "$DB" --prune 36501
	assert_stderr_line "apply: --prune: at most 36500 days, not 36501"
	assert_equal "$(apply --db "$DB" --history)" "$before"
}

@test "prune --older-than 0 after the purge: the purged students' data is gone from the store's files; their undo is refused" {
	oneroster-sync --quiet --db "$DB" --max-delete-ratio 0.5 "$TD/district/y2-v1p1" 2>/dev/null
	run -0 --separate-stderr after-first-import --db "$DB" --max-delete-ratio 0.5 --quiet
	purge=$(sql "$DB" "SELECT plan_id FROM journal ORDER BY seq DESC LIMIT 1")
	run -0 --separate-stderr prune --db "$DB" --older-than 0 --dry-run
	assert_stderr_partial "dry run, nothing changed: 4 plans applied at or before 2026-08-01T12:00:00Z would lose their undo"
	run -0 --separate-stderr prune --db "$DB" --older-than 0
	assert_stderr_partial "4 plans applied at or before 2026-08-01T12:00:00Z can no longer be undone"
	assert_equal "$(sql "$DB" "SELECT count(*) FROM journal_ops")" 0
	if ! on_postgres; then
		# aokafor, a graduate the purge removed: in no byte of the store's files
		run -1 grep -l "aokafor@students" "$DB"*
	fi
	run -3 --separate-stderr apply --db "$DB" --undo "${purge:0:12}"
	assert_equal "$stderr" "apply: undo of plan ${purge:0:12} refused: its undo window ended at 2026-08-01T12:00:00Z (prune), its before-images are gone; nothing changed"
}

@test "prune keeps the undo window of plans younger than DAYS" {
	SOURCE_DATE_EPOCH=$((SOURCE_DATE_EPOCH + 10 * 86400)) run -0 --separate-stderr prune --db "$DB" --older-than 30
	assert_stderr_partial "0 plans applied at or before 2026-07-12T12:00:00Z can no longer be undone"
	SOURCE_DATE_EPOCH=$((SOURCE_DATE_EPOCH + 10 * 86400)) run -0 --separate-stderr prune --db "$DB" --older-than 5
	assert_stderr_partial "2 plans applied at or before 2026-08-06T12:00:00Z can no longer be undone"
	run -2 --separate-stderr prune --db "$DB" --older-than soon
	assert_equal "${stderr_lines[0]}" "prune: --older-than takes a whole number of days"
}

# bats test_tags=sqlite-only
@test "Ctrl-C in summer-purge's apply of a step says a plan is applied whole or not at all, and which steps were" {
	# the pipeline beside programs of its own, apply one that waits (as a
	# long one would) until Ctrl-C when it is given the archive's plan
	p=$BATS_TEST_TMPDIR/p
	mkdir -p "$p/lib"
	for f in "$RP_BIN"/*; do [ -f "$f" ] && ln -s "$f" "$p/"; done
	ln -s "$RP_BIN/lib/sync.sh" "$p/lib/"
	rm "$p/apply" "$p/summer-purge"
	cp "$RP_BIN/summer-purge" "$p/"
	printf '#!/bin/bash\nif grep -q "\\"entity\\":\\"appointment\\"" "${@: -1}"; then echo "apply: working" >&2; exec sleep 60; fi\nexec "%s" "$@"\n' "$RP_BIN/apply" > "$p/apply"
	chmod +x "$p/apply"
	run -130 "$BATS_TEST_DIRNAME/test_helper/on-tty" --int-on "apply: working" "$p/summer-purge" --db "$DB" --year 2025-2026 --archive "$BATS_TEST_TMPDIR/arch"
	assert_line --partial "summer-purge: interrupted in stage apply (archive) (a plan is applied whole or not at all: apply says which); only pause applied before it"
}
