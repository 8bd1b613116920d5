#!/usr/bin/env bats
# bats file_tags=store
# The store and the sync: snapshot, diff-roster, apply, oneroster-sync.

setup() { load test_helper/common; }

Y1="$BATS_TEST_DIRNAME/../testdata/district/y1-v1p1"
Y2="$BATS_TEST_DIRNAME/../testdata/district/y2-v1p1"

sync() { oneroster-sync --quiet "$@"; }
# The snapshot without its header line (version and time); fails when
# snapshot does, so that `before=$(records ...)` stops the test.
records() ( set -o pipefail; snapshot --db "$1" | tail -n +2 )
canonical() { extract-oneroster "$1" | normalize; }

@test "--help and --version of snapshot, diff-roster, apply, oneroster-sync" {
	for p in snapshot diff-roster apply oneroster-sync; do
		run "$p" --help
		assert_success
		assert_line --index 0 --partial "usage: $p "
		run -0 "$p" --version
		assert_output "$p $RP_VERSION"
	done
}

@test "usage errors exit 2: no --db, no --state, bad ratio" {
	run -2 --separate-stderr snapshot
	assert_equal "${stderr_lines[0]}" "snapshot: --db is required"
	run -2 --separate-stderr diff-roster
	assert_equal "${stderr_lines[0]}" "diff-roster: --state is required (/dev/null for an empty store)"
	run -2 --separate-stderr apply --db x.db --max-delete-ratio 2
	assert_equal "${stderr_lines[0]}" "apply: --max-delete-ratio: a number from 0 to 1, not 2"
	run -2 --separate-stderr diff-roster --state /dev/null --match shoe_size
	assert_equal "${stderr_lines[0]}" "diff-roster: --match: \"shoe_size\" is not a user field or ids.TYPE"
}

# bats test_tags=sqlite-only
@test "snapshot of a store that does not exist yet: an empty state at version 0, said on stderr, no file made" {
	run -0 --separate-stderr snapshot --db "$BATS_TEST_TMPDIR/none.db"
	assert_equal "$stderr" "snapshot: $BATS_TEST_TMPDIR/none.db: no such store yet; an empty state (version 0)"
	assert_output '{"type":"snapshot","version":0,"created":"2026-08-01T12:00:00Z"}'
	[ ! -e "$BATS_TEST_TMPDIR/none.db" ]
	run -4 --separate-stderr snapshot --db "$BATS_TEST_TMPDIR/none.db" --backup "$BATS_TEST_TMPDIR/copy.db"
	assert_equal "$stderr" "snapshot: $BATS_TEST_TMPDIR/none.db: no such store"
}

@test "an empty state is an empty store at version 0: everything is created" {
	run --separate-stderr bash -c 'extract-oneroster "$1" | normalize | diff-roster --state /dev/null' _ "$Y1"
	assert_success
	assert_line --index 0 --partial '"base_version":0,"producer":"diff-roster","created":"2026-08-01T12:00:00Z","counts":{"create":65,"update":0,"link":0,"restore":0,"soft_delete":0,"delete":0,"conflict":0,'
	assert_equal "${#lines[@]}" 66
}

@test "golden: year 1 into an empty store, the snapshot" {
	db=$(new_store s)
	run sync --db "$db" "$Y1"
	assert_success
	run -0 snapshot --db "$db"
	assert_line --index 0 --regexp '^\{"type":"snapshot","version":1,"store":"[0-9a-f]{32}","created":'
	assert_equal "$(without_store_id <<<"$output")" "$(cat "$TD/sync/y1.snapshot.ndjson")"
}

@test "syncing the same feed twice: the second plan has no operations" {
	db=$(new_store s)
	sync --db "$db" "$Y1"
	snapshot --db "$db" > "$BATS_TEST_TMPDIR/state"
	run bash -c 'extract-oneroster "$1" | normalize | diff-roster --state "$2"' _ "$Y1" "$BATS_TEST_TMPDIR/state"
	assert_success
	assert_equal "${#lines[@]}" 1
	assert_output --partial '"base_version":1,'
	assert_output --partial '"counts":{"create":0,"update":0,"link":0,"restore":0,"soft_delete":0,"delete":0,"conflict":0,"schools":{}}'
	run --separate-stderr sync --db "$db" "$Y1"
	assert_success
	assert_stderr_partial "has no operations; nothing to do"
	run -0 --separate-stderr snapshot --db "$db"
	assert_line --index 0 --partial '"version":1,'
}

@test "golden: the year-2 plan: updates, creates, the renumbered student linked by sis_id, soft-deletes" {
	db=$(new_store s)
	sync --db "$db" "$Y1"
	snapshot --db "$db" > "$BATS_TEST_TMPDIR/state"
	run bash -c 'extract-oneroster "$1" | normalize | diff-roster --state "$2"' _ "$Y2" "$BATS_TEST_TMPDIR/state"
	assert_success
	assert_line --index 0 --regexp '^\{"type":"plan","plan_id":"[0-9a-f]{64}","base_version":1,"store":"[0-9a-f]{32}",'
	assert_equal "$(without_store_id <<<"$output")" "$(cat "$TD/sync/y2.plan.ndjson")"
	assert_line '{"type":"op","op":"link","entity":"user","id":"u11","ids":{"oneroster":"stu-1011-b","oneroster.previous":"stu-1011"},"matched_on":"sis_id"}'
	refute_line --partial '"source_id":"stu-1011-b","role"'
}

@test "year 2 is refused by the delete guard (exit 3, nothing changed), then applied with a higher ratio" {
	db=$(new_store s)
	sync --db "$db" "$Y1"
	before=$(records "$db")
	run -3 --separate-stderr sync --db "$db" "$Y2"
	assert_equal "${stderr_lines[0]}" "apply: school s2: plan would soft-delete 5 of 12 active users (41.7%; limit 20.0% of groups of 5 or more)"
	assert_equal "${stderr_lines[-1]}" "oneroster-sync: stage apply failed (exit 3)"
	assert_equal "$(records "$db")" "$before"
	run sync --db "$db" --max-delete-ratio 0.5 "$Y2"
	assert_success
	run -0 snapshot --db "$db"
	assert_equal "$(tail -n +2 <<<"$output")" "$(cat "$TD/sync/y2.snapshot.ndjson")"
}

@test "an empty feed (users.csv with a header only) is refused by the guard" {
	db=$(new_store s)
	sync --db "$db" "$Y1"
	before=$(records "$db")
	pkg=$(fixture_copy "$Y1")
	head -n 1 "$Y1/users.csv" > "$pkg/users.csv"
	: > "$pkg/enrollments.csv"; head -n 1 "$Y1/enrollments.csv" > "$pkg/enrollments.csv"
	: > "$pkg/demographics.csv"; head -n 1 "$Y1/demographics.csv" > "$pkg/demographics.csv"
	run -3 --separate-stderr sync --db "$db" "$pkg"
	assert_stderr_line "apply: school s1: plan would soft-delete 12 of 12 active users (100.0%; limit 20.0% of groups of 5 or more)"
	assert_equal "$(records "$db")" "$before"
}

@test "an enrollments.csv with its header only is refused by the guard: no class roster of the current year is deleted" {
	db=$(new_store s)
	sync --db "$db" "$Y1"
	sync --db "$db" --max-delete-ratio 0.5 "$Y2"
	before=$(records "$db")
	pkg=$(fixture_copy "$Y2")
	head -n 1 "$Y2/enrollments.csv" > "$pkg/enrollments.csv"
	run -3 --separate-stderr sync --db "$db" "$pkg"
	assert_stderr_line "apply: school s1: plan would delete 14 of 14 enrollments (100.0%; limit 20.0% of groups of 5 or more)"
	assert_stderr_line "apply: school s2: plan would delete 12 of 12 enrollments (100.0%; limit 20.0% of groups of 5 or more)"
	assert_equal "${stderr_lines[-1]}" "oneroster-sync: stage apply failed (exit 3)"
	assert_equal "$(records "$db")" "$before"
}

@test "a classes.csv with its header only and enrollments left out: the enrollments the sections take with them are guarded" {
	db=$(new_store s)
	sync --db "$db" "$Y1"
	sync --db "$db" --max-delete-ratio 0.5 "$Y2"
	before=$(records "$db")
	pkg=$(fixture_copy "$Y2")
	head -n 1 "$Y2/classes.csv" > "$pkg/classes.csv"
	rm "$pkg/enrollments.csv"
	sed -i '/enrollments/s/bulk/absent/' "$pkg/manifest.csv"
	run -3 --separate-stderr sync --db "$db" "$pkg"
	assert_stderr_line "apply: school s1: plan would delete 14 of 14 enrollments (100.0%; limit 20.0% of groups of 5 or more)"
	assert_stderr_line "apply: school s2: plan would delete 12 of 12 enrollments (100.0%; limit 20.0% of groups of 5 or more)"
	assert_equal "$(records "$db")" "$before"
}

@test "an academicSessions.csv with its header only, classes left out: no term the kept sections name is deleted (exit 1)" {
	db=$(new_store s)
	sync --db "$db" "$Y1"
	before=$(records "$db")
	pkg=$(fixture_copy "$Y1")
	head -n 1 "$Y1/academicSessions.csv" > "$pkg/academicSessions.csv"
	rm "$pkg/classes.csv" "$pkg/enrollments.csv"
	sed -i '/classes/s/bulk/absent/; /enrollments/s/bulk/absent/' "$pkg/manifest.csv"
	run -1 --separate-stderr sync --db "$db" "$pkg"
	assert_stderr_partial "still names t"
	assert_stderr_partial "which this plan deletes: a plan must not leave a reference to a record it deletes"
	assert_equal "$(records "$db")" "$before"
}

@test "a classes.csv cut to one school's classes is refused: the other school's sections are guarded" {
	db=$(new_store s)
	sync --db "$db" "$Y1"
	sync --db "$db" --max-delete-ratio 0.5 "$Y2"
	before=$(records "$db")
	pkg=$(fixture_copy "$Y2")
	grep -v 'sch-200' "$Y2/classes.csv" > "$pkg/classes.csv"
	grep -v 'cls-math-6\|cls-math-78\|cls-sci-ms' "$Y2/enrollments.csv" > "$pkg/enrollments.csv"
	run -3 --separate-stderr sync --db "$db" "$pkg"
	assert_stderr_line "apply: school s2: plan would delete 12 of 12 enrollments (100.0%; limit 20.0% of groups of 5 or more)"
	assert_equal "$(records "$db")" "$before"
}

@test "a feed without demographics keeps the stored birth dates (a file left out tells nothing)" {
	db=$(new_store s)
	sync --db "$db" "$Y1"
	before=$(records "$db")
	pkg=$(fixture_copy "$Y1")
	rm "$pkg/demographics.csv"
	sed -i '/demographics/s/bulk/absent/' "$pkg/manifest.csv"
	run -0 --separate-stderr sync --db "$db" "$pkg"
	assert_stderr_partial "has no operations; nothing to do"
	assert_equal "$(records "$db")" "$before"
}

@test "a rollover: last year's classes (terms ended before the plan) go without tripping the guard" {
	db=$(new_store s)
	sync --db "$db" "$Y1"
	pkg=$(fixture_copy "$Y1")
	head -n 1 "$Y1/enrollments.csv" > "$pkg/enrollments.csv"
	run -0 --separate-stderr sync --db "$db" "$pkg"
	assert_stderr_partial "delete enrollment 30"
}

@test "a feed missing one school is refused by the guard" {
	db=$(new_store s)
	sync --db "$db" "$Y1"
	snapshot --db "$db" > "$BATS_TEST_TMPDIR/state"
	before=$(records "$db")
	canonical "$Y1" | grep -v '"sch-200"' | diff-roster --state "$BATS_TEST_TMPDIR/state" > "$BATS_TEST_TMPDIR/plan"
	run -3 --separate-stderr apply --db "$db" "$BATS_TEST_TMPDIR/plan"
	assert_stderr_partial "apply: school s2: plan would soft-delete"
	assert_equal "${stderr_lines[-1]}" "apply: plan $(head -c 100 "$BATS_TEST_TMPDIR/plan" | sed 's/.*"plan_id":"\(.\{12\}\).*/\1/') refused; nothing changed"
	assert_equal "$(records "$db")" "$before"
}

@test "--max-delete-count refuses past N deletes in a school" {
	db=$(new_store s)
	sync --db "$db" "$Y1"
	run -3 --separate-stderr sync --db "$db" --max-delete-ratio 1 --max-delete-count 4 "$Y2"
	assert_stderr_line "apply: school s2: plan would soft-delete 5 of 12 active users (41.7%; limit 100.0% of groups of 5 or more, --max-delete-count 4)"
}

@test "--force passes the guard and is recorded in the journal" {
	db=$(new_store s)
	sync --db "$db" "$Y1"
	run sync --db "$db" --force "$Y2"
	assert_success
	run -0 sql "$db" "SELECT producer, forced FROM journal ORDER BY seq"
	assert_output "diff-roster|0
diff-roster|1"
}

@test "--dry-run reports and changes nothing" {
	db=$(new_store s)
	sync --db "$db" "$Y1"
	before=$(snapshot --db "$db")
	run --separate-stderr sync --db "$db" --dry-run --max-delete-ratio 0.5 "$Y2"
	assert_success
	assert_stderr_partial "dry run, nothing changed: create term 3,"
	assert_equal "$(snapshot --db "$db")" "$before"
}

@test "a duplicate email gives a conflict, not a link; a unique sis_id links" {
	run --separate-stderr diff-roster --state "$TD/sync/two-same-email.state.ndjson" "$TD/sync/two-same-email.in.ndjson"
	assert_success
	assert_line '{"type":"op","op":"link","entity":"user","id":"u3","ids":{"oneroster":"new-3","oneroster.previous":"old-3"},"matched_on":"sis_id"}'
	assert_line '{"type":"conflict","entity":"user","source":"oneroster","source_id":"new-1","candidates":["u1","u2"],"matched_on":"email"}'
	refute_line --partial '"op":"create"'
	refute_line --partial '"op":"soft_delete"'
	assert_line --index 0 --partial '"conflict":1,'
}

@test "apply reports conflict lines and skips them" {
	# a store holding two-same-email.state's records (on an empty store the
	# plan was refused: its users were not there)
	db=$(new_store s)
	diff-roster --state /dev/null "$TD/sync/two-same-email.old.ndjson" | apply --db "$db" --quiet 2>/dev/null
	before=$(records "$db")
	assert_equal "$before" "$(tail -n +2 "$TD/sync/two-same-email.state.ndjson")"
	snapshot --db "$db" > "$BATS_TEST_TMPDIR/state"
	diff-roster --state "$BATS_TEST_TMPDIR/state" "$TD/sync/two-same-email.in.ndjson" > "$BATS_TEST_TMPDIR/plan"
	plan=$(sed -n '1s/.*"plan_id":"\(.\{12\}\).*/\1/p' "$BATS_TEST_TMPDIR/plan")
	run -0 --separate-stderr apply --db "$db" --dry-run "$BATS_TEST_TMPDIR/plan"
	assert_equal "$stderr" "apply: $BATS_TEST_TMPDIR/plan:4: conflict: incoming user new-1 fits several stored records on email; skipped
apply: plan $plan: 1 conflict left for a person to decide
apply: plan $plan: dry run, nothing changed: update user 1, link user 1
apply:   school s1: 2 user operations"
	assert_equal "$(records "$db")" "$before"
	run -0 --separate-stderr apply --db "$db" "$BATS_TEST_TMPDIR/plan"
	assert_stderr_line "apply: $BATS_TEST_TMPDIR/plan:4: conflict: incoming user new-1 fits several stored records on email; skipped"
	assert_stderr_line "apply: plan $plan: applied as store version 2: update user 1, link user 1"
	# the conflict's candidates untouched, the sis_id match linked
	assert_equal "$(records "$db" | grep -v '"id":"u3"')" "$(grep -v '"id":"u3"' <<<"$before")"
	run -0 snapshot --db "$db" --entity user
	assert_line '{"type":"user","id":"u3","source":"oneroster","source_id":"new-3","role":"student","school_ids":["s1"],"given_name":"Cy","family_name":"Bo","email":"cy@example.org","sis_id":"300","ids":{"oneroster":"new-3","oneroster.previous":"old-3","sis":"300"},"ignore_on_import":false,"manual":false}'
}

@test "users marked ignore_on_import or manual are never touched by an import" {
	db=$(new_store s)
	sync --db "$db" "$Y1"
	apply --db "$db" "$TD/sync/hands-off.plan.ndjson" 2>/dev/null
	pkg=$(fixture_copy "$Y1")
	sed -i 's/Liam,Carter/Liam,Carter-Smith/; /^stu-1003,/d' "$pkg/users.csv"
	sed -i '/stu-1003/d' "$pkg/enrollments.csv" "$pkg/demographics.csv"
	snapshot --db "$db" > "$BATS_TEST_TMPDIR/state"
	run --separate-stderr bash -c 'extract-oneroster "$1" | normalize | diff-roster --state "$2"' _ "$pkg" "$BATS_TEST_TMPDIR/state"
	assert_success
	refute_line --partial '"id":"u2"'
	refute_line --partial '"id":"u25"'
	assert_line '{"type":"op","op":"soft_delete","entity":"user","id":"u3","reason":"absent_from_source"}'
}

@test "a soft-deleted user who reappears is restored, with data refreshed" {
	db=$(new_store s)
	sync --db "$db" "$Y1"
	echo '{"type":"op","op":"soft_delete","entity":"user","id":"u1","reason":"by hand"}' | apply --db "$db" 2>/dev/null
	run -0 snapshot --db "$db" --entity user
	assert_line --regexp '^\{"type":"user","id":"u1",.*"deleted_at":"2026-08-01T12:00:00Z"'
	pkg=$(fixture_copy "$Y1")
	sed -i 's/Ana,Reyes/Ana,Reyes-Ortiz/' "$pkg/users.csv"
	snapshot --db "$db" > "$BATS_TEST_TMPDIR/state"
	run bash -c 'extract-oneroster "$1" | normalize | diff-roster --state "$2"' _ "$pkg" "$BATS_TEST_TMPDIR/state"
	assert_success
	assert_line '{"type":"op","op":"restore","entity":"user","id":"u1"}'
	assert_line '{"type":"op","op":"update","entity":"user","id":"u1","set":{"family_name":"Reyes-Ortiz"},"was":{"family_name":"Reyes"}}'
	run sync --db "$db" "$pkg"
	assert_success
	run -0 snapshot --db "$db" --entity user
	assert_line --regexp '^\{"type":"user","id":"u1",.*"family_name":"Reyes-Ortiz"'
	refute_line --regexp '^\{"type":"user","id":"u1",.*deleted_at'
}

@test "a paused school gets no operations, and diff-roster says so once" {
	db=$(new_store s)
	sync --db "$db" "$Y1"
	echo '{"type":"op","op":"set","entity":"school","id":"s2","set":{"import_enabled":false}}' | apply --db "$db" 2>/dev/null
	snapshot --db "$db" > "$BATS_TEST_TMPDIR/state"
	run --separate-stderr bash -c 'extract-oneroster "$1" | normalize | diff-roster --state "$2"' _ "$Y2" "$BATS_TEST_TMPDIR/state"
	assert_success
	assert_equal "$stderr" "diff-roster: school s2: import paused; no operations planned for it"
	refute_line --partial '"id":"u12"'
	refute_line --partial '"id":"c4"'
	refute_line --partial '"school_ids":["s2"]'
	assert_line '{"type":"op","op":"update","entity":"user","id":"u1","set":{"grade":"01"},"was":{"grade":"KG"}}'
}

@test "a plan made from stale state is refused (exit 3), nothing changed" {
	db=$(new_store s)
	sync --db "$db" "$Y1"
	snapshot --db "$db" > "$BATS_TEST_TMPDIR/state"
	canonical "$Y2" | diff-roster --state "$BATS_TEST_TMPDIR/state" > "$BATS_TEST_TMPDIR/plan"
	echo '{"type":"op","op":"update","entity":"user","id":"u1","set":{"middle_name":"Q"}}' | apply --db "$db" 2>/dev/null
	before=$(records "$db")
	run -3 --separate-stderr apply --db "$db" --force "$BATS_TEST_TMPDIR/plan"
	assert_stderr_line "apply: $BATS_TEST_TMPDIR/plan:11: user u1 changed at version 2, after the plan's base version 1"
	assert_equal "$(records "$db")" "$before"
}

@test "a plan already applied is skipped with a message (exit 0)" {
	db=$(new_store s)
	canonical "$Y1" | diff-roster --state /dev/null > "$BATS_TEST_TMPDIR/plan"
	apply --db "$db" "$BATS_TEST_TMPDIR/plan" 2>/dev/null
	run --separate-stderr apply --db "$db" "$BATS_TEST_TMPDIR/plan"
	assert_success
	assert_equal "$stderr" "apply: plan $(sed -n '1s/.*"plan_id":"\(.\{12\}\).*/\1/p' "$BATS_TEST_TMPDIR/plan") was applied already; skipped"
}

@test "a plan edited after it was made is refused (exit 1)" {
	canonical "$Y1" | diff-roster --state /dev/null | sed 's/Birchwood Elementary/Birchwood Academy/' > "$BATS_TEST_TMPDIR/plan"
	run -1 --separate-stderr apply --db "$(new_store s$RANDOM)" "$BATS_TEST_TMPDIR/plan"
	assert_stderr_partial "plan_id does not match its operations (edited after it was made?); nothing changed"
}

@test "bad plan lines are located errors (exit 1)" {
	printf '%s\n' '{"type":"op","op":"explode","entity":"user","id":"u1"}' '{"type":"op","op":"update","entity":"user","id":"s1","set":{}}' > "$BATS_TEST_TMPDIR/plan"
	run -1 --separate-stderr apply --db "$(new_store s$RANDOM)" "$BATS_TEST_TMPDIR/plan"
	assert_stderr_line "apply: $BATS_TEST_TMPDIR/plan:1: op: unknown operation \"explode\""
	assert_stderr_line "apply: $BATS_TEST_TMPDIR/plan:2: id: not a user id: \"s1\""
}

@test "undo restores the store exactly (snapshot records byte for byte)" {
	db=$(new_store s)
	sync --db "$db" "$Y1"
	before=$(records "$db")
	sync --db "$db" --force "$Y2"
	plan=$(sql "$db" "SELECT plan_id FROM journal ORDER BY seq DESC LIMIT 1")
	run --separate-stderr apply --db "$db" --undo "${plan:0:12}"
	assert_success
	assert_equal "$stderr" "apply: plan ${plan:0:12} undone: 51 records put back, store version 3"
	assert_equal "$(records "$db")" "$before"
	run --separate-stderr apply --db "$db" --undo "${plan:0:12}"
	assert_success
	assert_equal "$stderr" "apply: plan ${plan:0:12} was undone already; nothing to do"
}

@test "after an undo the same plan applies again, once; its records as the undo left them are not stale" {
	db=$(new_store s)
	sync --db "$db" "$Y1"
	snapshot --db "$db" > "$BATS_TEST_TMPDIR/state"
	canonical "$Y2" | diff-roster --state "$BATS_TEST_TMPDIR/state" > "$BATS_TEST_TMPDIR/plan"
	apply --db "$db" --quiet --force "$BATS_TEST_TMPDIR/plan"
	id=$(sed -n '1s/.*"plan_id":"\(.\{12\}\).*/\1/p' "$BATS_TEST_TMPDIR/plan")
	run -0 --separate-stderr apply --db "$db" --undo "$id"
	run -0 --separate-stderr apply --db "$db" --force "$BATS_TEST_TMPDIR/plan"
	assert_stderr_partial "apply: plan $id: applied as store version 4: "
	# year 2 is there again (created records get new ids: ids are never reused)
	run -0 --separate-stderr oneroster-sync --db "$db" "$Y2"
	assert_stderr_partial "has no operations; nothing to do"
	run -0 --separate-stderr apply --db "$db" --force "$BATS_TEST_TMPDIR/plan"
	assert_equal "$stderr" "apply: plan $id was applied already; skipped"
	run -0 --separate-stderr apply --db "$db" --undo "$id"
	assert_equal "$stderr" "apply: plan $id undone: 51 records put back, store version 5"
	run -0 --separate-stderr apply --db "$db" --undo "$id"
	assert_equal "$stderr" "apply: plan $id was undone already; nothing to do"
}

@test "a plan made against another store is refused (exit 3), that store unchanged" {
	a=$(new_store a) b=$(new_store b)
	sync --db "$a" "$Y1"
	sync --db "$b" "$Y1"
	snapshot --db "$a" > "$BATS_TEST_TMPDIR/state"
	canonical "$Y2" | diff-roster --state "$BATS_TEST_TMPDIR/state" > "$BATS_TEST_TMPDIR/plan"
	before=$(records "$b")
	run -3 --separate-stderr apply --db "$b" --force "$BATS_TEST_TMPDIR/plan"
	id=$(sed -n '1s/.*"plan_id":"\(.\{12\}\).*/\1/p' "$BATS_TEST_TMPDIR/plan")
	sa=$(snapshot --db "$a" | sed -n '1s/.*"store":"\(.\{12\}\).*/\1/p')
	sb=$(snapshot --db "$b" | sed -n '1s/.*"store":"\(.\{12\}\).*/\1/p')
	assert_equal "$stderr" "apply: plan $id was made for store $sa, not this one ($sb); refused, nothing changed"
	assert_equal "$(records "$b")" "$before"
	run -0 apply --db "$a" --force --quiet "$BATS_TEST_TMPDIR/plan"
}

# bats test_tags=sqlite-only
@test "a copy of a store is the same store: its plans apply to the copy" {
	db=$(new_store s)
	sync --db "$db" "$Y1"
	snapshot --db "$db" --backup "$BATS_TEST_TMPDIR/copy.db"
	snapshot --db "$db" > "$BATS_TEST_TMPDIR/state"
	canonical "$Y2" | diff-roster --state "$BATS_TEST_TMPDIR/state" > "$BATS_TEST_TMPDIR/plan"
	run -0 apply --db "$BATS_TEST_TMPDIR/copy.db" --force --quiet "$BATS_TEST_TMPDIR/plan"
}

@test "undo is refused when a later plan changed the same records" {
	db=$(new_store s)
	sync --db "$db" "$Y1"
	first=$(sql "$db" "SELECT plan_id FROM journal")
	echo '{"type":"op","op":"update","entity":"user","id":"u1","set":{"middle_name":"Q"}}' | apply --db "$db" 2>/dev/null
	later=$(sql "$db" "SELECT plan_id FROM journal ORDER BY seq DESC LIMIT 1")
	run -3 --separate-stderr apply --db "$db" --undo "$first"
	assert_equal "$stderr" "apply: undo of plan ${first:0:12} refused: later plan ${later:0:12} changed the same records (undo that one first); nothing changed"
}

@test "kill -9 in the middle of a 100k-operation plan leaves the store as before" {
	db=$(new_store s)
	sync --db "$db" "$Y1"
	before=$(records "$db")
	# PostgreSQL: a tenth, one round trip a statement is slower than SQLite
	ops=100000
	! on_postgres || ops=10000
	awk -v ops=$ops 'BEGIN { for (i = 1; i <= ops; i++)
		printf "{\"type\":\"op\",\"op\":\"create\",\"entity\":\"user\",\"data\":{\"source\":\"bulk\",\"source_id\":\"b%d\",\"role\":\"student\",\"school_ids\":[\"s1\"],\"given_name\":\"G\",\"family_name\":\"F%d\",\"ids\":{\"bulk\":\"b%d\"}}}\n", i, i, i }' > "$BATS_TEST_TMPDIR/plan"
	for point in 1 $((ops / 2)) $((ops - 1)); do
		run env RP_CRASH_AFTER_OPS=$point apply --db "$db" --quiet "$BATS_TEST_TMPDIR/plan"
		assert_equal "$status" 137
		assert_equal "$(records "$db")" "$before"
		assert_equal "$(store_integrity "$db")" "ok"
	done
	run apply --db "$db" --quiet "$BATS_TEST_TMPDIR/plan"
	assert_success
	assert_equal "$(sql "$db" 'SELECT count(*) FROM users')" $((ops + 24))
}

@test "snapshot --entity and --school select records" {
	db=$(new_store s)
	sync --db "$db" "$Y1"
	run -0 snapshot --db "$db" --entity school
	assert_equal "${#lines[@]}" 3
	assert_line '{"type":"school","id":"s1","source":"oneroster","source_id":"sch-100","name":"Birchwood Elementary","school_number":"0100","import_enabled":true,"automation_enabled":true}'
	run -0 snapshot --db "$db" --school s2 --entity user,section
	assert_line --index 0 --partial '"school":"s2"'
	refute_line --partial '"school_ids":["s1"]'
	assert_line --partial '"id":"u18","source":"oneroster","source_id":"tch-2002"'
	assert_line --partial '"type":"section","id":"c4"'
}

@test "oneroster-sync names the stage that failed and applies nothing" {
	db=$(new_store s)
	pkg=$(variant missing-column)
	run -1 --separate-stderr sync --db "$db" "$pkg"
	assert_equal "${stderr_lines[-1]}" "oneroster-sync: stage extract failed (exit 1); nothing applied"
	store_is_new "$db"
	pkg=$(variant bad-values)
	run -1 --separate-stderr sync --db "$db" "$pkg"
	assert_equal "${stderr_lines[-1]}" "oneroster-sync: stage normalize failed (exit 1); nothing applied"
}

@test "oneroster-sync --keep keeps the intermediate files in a 0700 folder" {
	db=$(new_store s)
	run sync --db "$db" --keep "$BATS_TEST_TMPDIR/work" "$Y1"
	assert_success
	run ls "$BATS_TEST_TMPDIR/work"
	assert_output "canonical.ndjson
plan.ndjson
raw.ndjson
state.ndjson"
	assert_equal "$(stat -c %a "$BATS_TEST_TMPDIR/work")" 700
	assert_equal "$(stat -c %a "$BATS_TEST_TMPDIR/work/plan.ndjson")" 600
}

@test "oneroster-sync usage errors exit 2" {
	run -2 --separate-stderr oneroster-sync "$Y1"
	assert_equal "${stderr_lines[0]}" "oneroster-sync: --db is required"
	run -2 --separate-stderr oneroster-sync --db x.db --bogus "$Y1"
	assert_equal "${stderr_lines[0]}" "oneroster-sync: unrecognized option '--bogus'"
	assert_equal "${stderr_lines[1]}" "Try 'oneroster-sync --help' for more information."
	assert_equal "${#stderr_lines[@]}" 2
}

# bats test_tags=sqlite-only
@test "two applies changing the same user at once: one applies, the other is refused as stale" {
	db=$(new_store s)
	sync --db "$db" "$Y1"
	snapshot --db "$db" > "$BATS_TEST_TMPDIR/state"
	for name in Anita Annie; do
		plan_renaming "$BATS_TEST_TMPDIR/state" stu-1001 "$name" > "$BATS_TEST_TMPDIR/$name"
	done
	# hold SQLite's write lock while both applies start and reach the store
	python3 -c 'import sqlite3, os, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None); c.execute("BEGIN IMMEDIATE")
open(sys.argv[2], "w").close()
while os.path.exists(sys.argv[2]): time.sleep(0.05)
c.execute("ROLLBACK")' "$db" "$BATS_TEST_TMPDIR/held" &
	holder=$!
	while [ ! -e "$BATS_TEST_TMPDIR/held" ]; do sleep 0.05; done
	apply --db "$db" --quiet "$BATS_TEST_TMPDIR/Anita" 2> "$BATS_TEST_TMPDIR/a.err" & a=$!
	apply --db "$db" --quiet "$BATS_TEST_TMPDIR/Annie" 2> "$BATS_TEST_TMPDIR/b.err" & b=$!
	for pid in $a $b; do
		until ls -l /proc/$pid/fd 2> /dev/null | grep -q "$db-shm"; do sleep 0.05; done
	done
	sleep 0.5
	rm "$BATS_TEST_TMPDIR/held"
	wait $holder
	sa=0 sb=0
	wait $a || sa=$?
	wait $b || sb=$?
	assert_equal "$(printf '%s\n' $sa $sb | sort | tr '\n' ' ')" "0 3 "
	assert_equal "$(sql "$db" 'SELECT count(*) FROM journal')" 2
	if [ $sa = 3 ]; then won=Annie lost=Anita err=a.err; else won=Anita lost=Annie err=b.err; fi
	assert_equal "$(cat "$BATS_TEST_TMPDIR/$err")" "apply: $BATS_TEST_TMPDIR/$lost:2: user u1 changed at version 2, after the plan's base version 1
apply: plan $(sed -n '1s/.*"plan_id":"\(.\{12\}\).*/\1/p' "$BATS_TEST_TMPDIR/$lost") refused; nothing changed"
	run -0 snapshot --db "$db" --entity user
	assert_line --partial "\"source_id\":\"stu-1001\",\"role\":\"student\",\"school_ids\":[\"s1\"],\"given_name\":\"$won\""
}

@test "--max-delete-ratio and --max-delete-count take numbers only: nan, -1, 1.5, a space, a sign are usage errors" {
	for bad in nan NaN -1 1.5 " 0.2" inf ""; do
		run -2 --separate-stderr apply --db x.db --max-delete-ratio "$bad"
		assert_equal "${stderr_lines[0]}" "apply: --max-delete-ratio: a number from 0 to 1, not $bad"
	done
	for bad in -1 +3 " 4" 2.5 x ""; do
		run -2 --separate-stderr apply --db x.db --max-delete-count "$bad"
		assert_equal "${stderr_lines[0]}" "apply: --max-delete-count: not a whole number: $bad"
	done
	run -2 --separate-stderr oneroster-sync --db x.db --max-delete-ratio nan "$Y1"
	assert_stderr_line "apply: --max-delete-ratio: a number from 0 to 1, not nan"
	[ ! -e x.db ]
}

@test "a store of schema 1 is brought to schema 3 when opened: an identity, roles, unique source ids, journal counts" {
	db=$(new_store s)
	sync --db "$db" "$Y1"
	before=$(records "$db")
	# the store as schema 1 left it
	sql "$db" "DROP TABLE user_roles; DELETE FROM meta WHERE key = 'store_id'; ALTER TABLE journal DROP COLUMN pruned_at;
		ALTER TABLE journal DROP COLUMN counts;
		UPDATE meta SET value = '1' WHERE key = 'schema_version';
		DROP INDEX users_source; CREATE INDEX users_source ON users(source, source_id)"
	run -0 snapshot --db "$db"
	assert_line --index 0 --regexp '^\{"type":"snapshot","version":1,"store":"[0-9a-f]{32}",'
	assert_equal "$(records "$db")" "$before"
	assert_equal "$(sql "$db" "SELECT value FROM meta WHERE key = 'schema_version'")" 3
	# the plans journalled before schema 3 are counted from their journal rows
	run -0 apply --db "$db" --history
	assert_line --index 0 --partial '"counts":{"create":{"enrollment":30,"school":2,"section":6,"term":3,"user":24}}'
	if on_postgres; then
		assert_equal "$(sql "$db" "SELECT indexdef LIKE '%UNIQUE%' FROM pg_indexes WHERE indexname = 'users_source'")" t
	else
		assert_equal "$(sql "$db" "SELECT sql LIKE '%UNIQUE%' FROM sqlite_master WHERE name = 'users_source'")" 1
	fi
	echo '{"type":"op","op":"update","entity":"user","id":"u18","set":{"roles":["staff","teacher"]}}' | apply --db "$db" --quiet
	run -0 snapshot --db "$db" --entity user
	assert_line --partial '"source_id":"tch-2002","role":"teacher","roles":["staff","teacher"],'
}

@test "a store of schema 2 as the first round made it (no pruned_at) is brought to schema 3: history, prune and undo work" {
	db=$(new_store s)
	sync --db "$db" "$Y1"
	sql "$db" "ALTER TABLE journal DROP COLUMN pruned_at; ALTER TABLE journal DROP COLUMN counts;
		UPDATE meta SET value = '2' WHERE key = 'schema_version'"
	run -0 apply --db "$db" --history
	assert_line --index 0 --partial '"counts":{"create":{"enrollment":30,"school":2,"section":6,"term":3,"user":24}}'
	assert_equal "$(sql "$db" "SELECT value FROM meta WHERE key = 'schema_version'")" 3
	run -0 prune --db "$db" --older-than 0
	run -3 --separate-stderr apply --db "$db" --undo "$(sql "$db" "SELECT plan_id FROM journal")"
	assert_stderr_partial "its undo window ended at"
}

@test "a schema 1 store holding one source id twice is not opened: the migration names the table (exit 4)" {
	db=$(new_store s)
	sync --db "$db" "$Y1"
	sql "$db" "DROP TABLE user_roles; DELETE FROM meta WHERE key = 'store_id'; ALTER TABLE journal DROP COLUMN pruned_at;
		ALTER TABLE journal DROP COLUMN counts;
		UPDATE meta SET value = '1' WHERE key = 'schema_version';
		DROP INDEX users_source; CREATE INDEX users_source ON users(source, source_id);
		INSERT INTO users(n, version, source, source_id, role) VALUES(99, 1, 'oneroster', 'stu-1001', 'student')"
	run -4 --separate-stderr snapshot --db "$db"
	assert_stderr_partial "cannot bring the store to schema 2: two users share a source and source id"
}

@test "a user whose demographics or roles row extract rejects is held, not written without it: the stored birth date stays" {
	db=$(new_store s)
	sync --db "$db" "$Y1"
	born() { sql "$db" "SELECT birth_date FROM users WHERE source_id = 'stu-1001'"; }
	assert_equal "$(born)" 2020-03-14
	pkg=$BATS_TEST_TMPDIR/pkg
	cp -r "$Y1" "$pkg"
	# an unquoted comma: the row has one field too many
	sed -i 's/^stu-1001,,,2020-03-14,female,/stu-1001,,,2020-03-14,fe,male,/' "$pkg/demographics.csv"
	extract-oneroster --keep-going --allow-rejects "$pkg" 2>/dev/null > "$BATS_TEST_TMPDIR/raw"
	grep -qx '{"type":"held","entity":"user","source":"oneroster","source_id":"stu-1001"}' "$BATS_TEST_TMPDIR/raw"
	run -0 --separate-stderr normalize --keep-going --allow-rejects "$BATS_TEST_TMPDIR/raw"
	assert_line '{"type":"held","entity":"user","source":"oneroster","source_id":"stu-1001"}'
	refute_line --partial '"type":"user","source":"oneroster","source_id":"stu-1001"'
	echo "$output" > "$BATS_TEST_TMPDIR/canonical"
	snapshot --db "$db" > "$BATS_TEST_TMPDIR/state"
	diff-roster --state "$BATS_TEST_TMPDIR/state" "$BATS_TEST_TMPDIR/canonical" > "$BATS_TEST_TMPDIR/plan"
	run -0 apply --quiet --db "$db" "$BATS_TEST_TMPDIR/plan"
	assert_equal "$(born)" 2020-03-14
	# a roles row (OneRoster 1.2): its user is held the same way
	run -0 --separate-stderr normalize --keep-going --allow-rejects <(
		printf '%s\n' '{"type":"held","entity":"user","source":"oneroster","source_id":"stu-1001"}'
		grep -v '"type":"held"' "$BATS_TEST_TMPDIR/raw" | grep -v '"entity":"demographics"')
	refute_line --partial '"type":"user","source":"oneroster","source_id":"stu-1001"'
	assert_stderr_partial "user dropped: a row of it was rejected"
}

@test "a row extract rejects (an unquoted comma) is held with --keep-going: its stored user is not soft-deleted" {
	db=$(new_store s)
	sync --db "$db" "$TD/oneroster/min"
	pkg=$(variant unquoted-comma)
	extract-oneroster --keep-going --allow-rejects "$pkg" 2>/dev/null > "$BATS_TEST_TMPDIR/raw"
	run -0 --separate-stderr normalize --keep-going --allow-rejects "$BATS_TEST_TMPDIR/raw"
	echo "$output" > "$BATS_TEST_TMPDIR/canonical"
	grep -qx '{"type":"held","entity":"user","source":"oneroster","source_id":"u-2"}' "$BATS_TEST_TMPDIR/canonical"
	snapshot --db "$db" > "$BATS_TEST_TMPDIR/state"
	run -0 diff-roster --state "$BATS_TEST_TMPDIR/state" "$BATS_TEST_TMPDIR/canonical"
	refute_output --partial '"op":"soft_delete"'
	assert_line --index 0 --partial '"held":{"user":1}'
}
