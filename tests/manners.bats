#!/usr/bin/env bats
# What a person sees: progress on a terminal, Ctrl-C, bad flags, kinds
# checked, first runs as written, the journal listed, users marked.
# No test holds a time: a run is interrupted where it has shown something
# (on-tty --int-on), and progress is looked for, not timed.
# bats file_tags=store

setup() {
	load test_helper/common
	Y1="$TD/district/y1-v1p1"
	Y2="$TD/district/y2-v1p1"
	ON_TTY="$BATS_TEST_DIRNAME/test_helper/on-tty"
}

# A plan of N user creates, for a store of its own.
big_plan() {
	awk -v n="$1" 'BEGIN { for (i = 1; i <= n; i++) printf "{\"type\":\"op\",\"op\":\"create\",\"entity\":\"user\",\"data\":{\"source\":\"bulk\",\"source_id\":\"b%d\",\"role\":\"student\",\"given_name\":\"G\",\"family_name\":\"F%d\",\"ids\":{\"bulk\":\"b%d\"}}}\n", i, i, i }' > "$2"
}

# bats test_tags=sqlite-only
@test "a 300,000-operation apply on a terminal shows one line updated in place, n/N; none with --quiet or into a file" {
	big_plan 300000 "$BATS_TEST_TMPDIR/plan"
	# the plan comes down a pipe that stays empty for 2.5 s, so that the
	# run lasts past the default two seconds on any machine (the apply
	# alone takes about that long: too close to call)
	run -0 "$ON_TTY" bash -c '{ sleep 2.5; cat "$2"; } | apply --db "$1"' _ "$BATS_TEST_TMPDIR/a.db" "$BATS_TEST_TMPDIR/plan"
	[[ $output == *$'\r'"apply: applying: "*"/300000 ops ("*"%"* ]] || fail "no progress line: $output"
	[[ $output == *$'\r\033[K'* ]] || fail "the line is not cleared: $output"
	assert_line --partial "apply: plan "
	# shown at once from here on: none must come all the same
	export RP_PROGRESS_AFTER=0
	run -0 "$ON_TTY" apply --quiet --db "$BATS_TEST_TMPDIR/b.db" "$BATS_TEST_TMPDIR/plan"
	[[ $output != *"applying:"* ]] || fail "progress with --quiet: $output"
	run -0 bash -c 'apply --db "$1" "$2" 2> "$3"' _ "$BATS_TEST_TMPDIR/c.db" "$BATS_TEST_TMPDIR/plan" "$BATS_TEST_TMPDIR/err"
	run -0 cat "$BATS_TEST_TMPDIR/err"
	[[ $output != *$'\r'* ]] || fail "progress into a file: $output"
	assert_line --index 0 --partial "apply: plan "
}

@test "extract, normalize, snapshot, diff-roster show progress on a terminal (shown at once with RP_PROGRESS_AFTER=0), never into a pipe or file" {
	db=$(new_store s)
	oneroster-sync --quiet --db "$db" "$Y1" 2> /dev/null
	export RP_PROGRESS_AFTER=0
	run -0 "$ON_TTY" bash -c 'extract-oneroster "$1" > "$2"' _ "$Y1" "$BATS_TEST_TMPDIR/raw"
	[[ $output == *$'\r'"extract-oneroster: reading: "*"% ("*" MB of "* ]] || fail "$output"
	run -0 "$ON_TTY" bash -c 'normalize "$1" > "$2"' _ "$BATS_TEST_TMPDIR/raw" "$BATS_TEST_TMPDIR/canon"
	[[ $output == *$'\r'"normalize: reading: "*"%"* ]] || fail "$output"
	run -0 "$ON_TTY" bash -c 'snapshot --db "$1" > "$2"' _ "$db" "$BATS_TEST_TMPDIR/state"
	[[ $output == *$'\r'"snapshot: reading the store: "*"/65 records ("* ]] || fail "$output"
	run -0 "$ON_TTY" bash -c 'diff-roster --state "$1" "$2" > /dev/null' _ "$BATS_TEST_TMPDIR/state" "$BATS_TEST_TMPDIR/canon"
	[[ $output == *$'\r'"diff-roster: reading: "* ]] || fail "$output"
	run -0 --separate-stderr normalize "$BATS_TEST_TMPDIR/raw"
	[[ $stderr != *$'\r'* ]] || fail "progress into a pipe: $stderr"
}

# bats test_tags=sqlite-only
@test "Ctrl-C during an apply: 'nothing applied, the store is as before', exit 130; a store it made is gone" {
	big_plan 300000 "$BATS_TEST_TMPDIR/plan"
	export RP_PROGRESS_AFTER=0
	run -130 "$ON_TTY" --int-on "applying:" apply --db "$BATS_TEST_TMPDIR/new.db" "$BATS_TEST_TMPDIR/plan"
	assert_line --partial "apply: interrupted: nothing applied, the store is as before (it did not exist: the file is removed)"
	[ ! -e "$BATS_TEST_TMPDIR/new.db" ]
	# an existing store: as before, byte for byte in its records
	db=$BATS_TEST_TMPDIR/s.db
	oneroster-sync --quiet --db "$db" "$Y1" 2> /dev/null
	before=$(snapshot --db "$db")
	run -130 "$ON_TTY" --int-on "applying:" apply --db "$db" "$BATS_TEST_TMPDIR/plan"
	assert_line --partial "apply: interrupted: nothing applied, the store is as before"
	assert_equal "$(snapshot --db "$db")" "$before"
	run -0 apply --db "$db" --history
	assert_equal "${#lines[@]}" 1
}

# bats test_tags=sqlite-only
@test "Ctrl-C before apply holds the store it made: its file is left, empty, and the message says so" {
	# outside its own transaction another run may have applied a plan to
	# the new store meanwhile: removing the file would take that plan too
	big_plan 300000 "$BATS_TEST_TMPDIR/plan"
	export RP_PROGRESS_AFTER=0
	run -130 "$ON_TTY" --int-on "reading the plan:" apply --db "$BATS_TEST_TMPDIR/new.db" "$BATS_TEST_TMPDIR/plan"
	assert_line --partial "apply: interrupted: nothing applied; the store's file this run made is left, empty at worst (version 0)"
	run -0 snapshot --db "$BATS_TEST_TMPDIR/new.db"
	assert_equal "${#lines[@]}" 1
	assert_line --index 0 --partial '{"type":"snapshot","version":0,'
	# it serves as a store: the plan applies to it
	run -0 apply --db "$BATS_TEST_TMPDIR/new.db" --quiet "$BATS_TEST_TMPDIR/plan"
}

# bats test_tags=sqlite-only
@test "Ctrl-C during a pipeline names the stage, says nothing was applied, exits 130" {
	# the pipeline beside programs of its own, normalize one that waits
	# (as a long one would) until Ctrl-C: interrupted there, whatever the speed
	p=$BATS_TEST_TMPDIR/p
	mkdir -p "$p"
	for f in "$RP_BIN"/*; do ln -s "$f" "$p/"; done
	rm "$p/normalize" "$p/oneroster-sync"
	cp "$RP_BIN/oneroster-sync" "$p/"
	printf '#!/bin/bash\necho "normalize: working" >&2\nexec sleep 60\n' > "$p/normalize"
	chmod +x "$p/normalize"
	run -130 "$ON_TTY" --int-on "normalize: working" "$p/oneroster-sync" --db "$BATS_TEST_TMPDIR/s.db" "$Y1"
	assert_line --partial "oneroster-sync: interrupted in stage normalize; nothing applied"
	[ ! -e "$BATS_TEST_TMPDIR/s.db" ]
	# the keep folder keeps what the stages wrote
	run -130 "$ON_TTY" --int-on "normalize: working" "$p/oneroster-sync" --keep "$BATS_TEST_TMPDIR/keep" --db "$BATS_TEST_TMPDIR/s.db" "$Y1"
	[ -s "$BATS_TEST_TMPDIR/keep/raw.ndjson" ]
}

@test "a bad flag: at most three lines naming it and the hint to --help, exit 2, for every program and pipeline" {
	for p in $(cd "$RP_BIN" && ls); do
		[ -f "$RP_BIN/$p" ] || continue
		run -2 --separate-stderr "$p" --no-such-flag
		[ "${#stderr_lines[@]}" -le 3 ] || fail "$p: ${#stderr_lines[@]} lines: $stderr"
		assert_stderr_partial "no-such-flag"
		assert_stderr_line "Try '$p --help' for more information."
	done
}

@test "a pipeline given a flag without its value, or an empty one, exits 2, not 1" {
	for p in oneroster-sync clever-sync classlink-sync resume after-first-import summer-purge backup freeze prune migrate migrate-plan sync-all mark; do
		opt=--db
		[ "$p" != sync-all ] || opt=--jobs
		run -2 --separate-stderr "$p" "$opt"
		assert_equal "${stderr_lines[0]}" "$p: option '$opt' requires an argument"
		run -2 --separate-stderr "$p" "$opt="
		assert_equal "${stderr_lines[0]}" "$p: option '$opt' requires a value, not an empty one"
	done
}

@test "pipelines take --opt=value, --quiet, --error-format json and -- before the operands" {
	db=$(new_store s)
	run -0 --separate-stderr oneroster-sync --db="$db" --quiet --max-delete-ratio=0.2 -- "$Y1"
	assert_equal "$stderr" "apply: plan ef5bf588dead: applied as store version 1: create school 2, create term 3, create section 6, create enrollment 30, create user 24"
	# a guard refusal: every line of stderr a JSON object with level and code
	run -3 --separate-stderr oneroster-sync --db "$db" --quiet --error-format json "$Y2"
	for l in "${stderr_lines[@]}"; do
		printf '%s\n' "$l" | python3 -c 'import json, sys; o = json.loads(sys.stdin.read()); assert o["level"] and o["program"]' ||
			fail "not a JSON message: $l"
	done
	assert_stderr_partial '{"program":"apply","level":"error","code":"guard","message":"school s2: plan would soft-delete 5 of 12 active users'
	assert_stderr_partial '{"program":"apply","level":"error","code":"refused","message":"plan '
	assert_stderr_partial '{"program":"oneroster-sync","level":"error","code":"refused","message":"stage apply failed (exit 3)"}'
	run -2 --separate-stderr oneroster-sync --db "$db" --error-format xml "$Y2"
	assert_equal "${stderr_lines[0]}" "oneroster-sync: --error-format: expected json or text, not xml"
	# an I/O error too
	run -4 --separate-stderr resume --error-format=json --db "$BATS_TEST_TMPDIR/none.db" --school s1
	assert_equal "$stderr" "{\"program\":\"resume\",\"level\":\"error\",\"code\":\"io_error\",\"message\":\"$BATS_TEST_TMPDIR/none.db: no such store\"}"
}

@test "apply --quiet leaves out the per-school lines of its summary" {
	db=$(new_store s)
	extract-oneroster "$Y1" | normalize | diff-roster --state /dev/null > "$BATS_TEST_TMPDIR/plan"
	run -0 --separate-stderr apply --quiet --db "$db" "$BATS_TEST_TMPDIR/plan"
	assert_equal "$stderr" "apply: plan ef5bf588dead: applied as store version 1: create school 2, create term 3, create section 6, create enrollment 30, create user 24"
}

@test "values that name a kind are checked: an unknown entity or school is a usage error (exit 2)" {
	db=$(new_store s)
	oneroster-sync --quiet --db "$db" "$Y1" 2> /dev/null
	run -2 --separate-stderr snapshot --db "$db" --entity users
	assert_equal "${stderr_lines[0]}" 'snapshot: --entity: no entity "users" (school, term, section, enrollment, user, appointment)'
	run -2 --separate-stderr snapshot --db "$db" --school s9
	assert_equal "${stderr_lines[0]}" "snapshot: --school: no school s9 in the store"
	run -2 --separate-stderr snapshot --db "$db" --school sch-100
	assert_equal "${stderr_lines[0]}" "snapshot: --school: not a school's store id (s1, s2, ...): sch-100"
	snapshot --db "$db" > "$BATS_TEST_TMPDIR/state"
	run -2 --separate-stderr bash -c 'extract-oneroster "$1" | normalize | diff-roster --state "$2" --school s9' _ "$Y1" "$BATS_TEST_TMPDIR/state"
	assert_equal "${stderr_lines[0]}" "diff-roster: --school: no school s9 in the state $BATS_TEST_TMPDIR/state"
	run -2 --separate-stderr softdelete-plan --school s9 "$BATS_TEST_TMPDIR/state"
	assert_equal "${stderr_lines[0]}" "softdelete-plan: --school: no school s9 in the state"
	assert_output ""
	run -2 --separate-stderr resume --db "$db" --school s9
	assert_equal "${stderr_lines[0]}" "resume: --school: no school s9 in the store"
	run -2 --separate-stderr after-first-import --db "$db" --school s9
	assert_stderr_line "after-first-import: --school: no school s9 in the store"
	# the known ones still work
	run -0 snapshot --db "$db" --school s1 --entity school
	assert_equal "${#lines[@]}" 2
}

# bats test_tags=sqlite-only
@test "the README's five-line pipeline works on a new store as written" {
	cd "$BATS_TEST_TMPDIR"
	cp "$TD/district/y1-v1p1.zip" district-export.zip
	extract-oneroster district-export.zip > raw.ndjson
	normalize raw.ndjson > canonical.ndjson
	snapshot --db product.db > state.ndjson
	diff-roster --state state.ndjson canonical.ndjson > plan.ndjson
	run -0 apply --db product.db plan.ndjson
	assert_line --partial "applied as store version 1"
	# and again: nothing to do
	snapshot --db product.db > state.ndjson
	diff-roster --state state.ndjson canonical.ndjson > plan.ndjson
	run -0 apply --db product.db plan.ndjson
	assert_line --partial "has no operations; nothing to do"
}

@test "a refused or failing apply does not leave behind a store it has just made" {
	db=$(new_store s)
	echo '{"type":"op","op":"update","entity":"user","id":"u999","set":{"email":"a@b.example"}}' > "$BATS_TEST_TMPDIR/stale"
	run -3 --separate-stderr apply --db "$db" "$BATS_TEST_TMPDIR/stale"
	assert_stderr_line "apply: $db: the store this run made is removed (nothing was applied)"
	store_is_new "$db"
	[ ! -e "$db-wal" ]
	[ ! -e "$db-shm" ]
	echo '{"type":"nonsense"}' > "$BATS_TEST_TMPDIR/bad"
	run -1 --separate-stderr apply --db "$db" "$BATS_TEST_TMPDIR/bad"
	store_is_new "$db"
	# an existing store stays, whatever is refused
	oneroster-sync --quiet --db "$db" "$Y1" 2> /dev/null
	run -3 --separate-stderr apply --db "$db" "$BATS_TEST_TMPDIR/stale"
	! store_is_new "$db"
}

@test "apply --history lists the journal: plan, time, producer, counts per op, forced, undone, pruned" {
	db=$(new_store s)
	oneroster-sync --quiet --db "$db" "$Y1" 2> /dev/null
	oneroster-sync --quiet --db "$db" --force "$Y2" 2> /dev/null
	run -0 apply --db "$db" --history
	assert_equal "${#lines[@]}" 2
	assert_line --index 0 --regexp '^\{"type":"history","plan_id":"ef5bf588dead[0-9a-f]{52}","producer":"diff-roster","applied_at":"2026-08-01T12:00:00Z","base_version":0,"version":1,"counts":\{"create":\{"school":2,"term":3,"section":6,"enrollment":30,"user":24\}\},"forced":false,"undone":false\}$'
	assert_line --index 1 --partial '"version":2,"counts":{"create":'
	assert_line --index 1 --partial '"soft_delete":{"user":'
	assert_line --index 1 --partial '"forced":true,"undone":false}'
	second=$(apply --db "$db" --history | tail -n 1 | ndjson-fields --fields plan_id)
	apply --quiet --db "$db" --undo "$second" 2> /dev/null
	prune --quiet --db "$db" --older-than 0 2> /dev/null
	run -0 apply --db "$db" --history --format text
	assert_line --index 0 --regexp '^applied at +plan +producer +version +operations$'
	assert_line --index 1 --regexp '^2026-08-01T12:00:00Z  ef5bf588dead.* diff-roster +1  create school 2, term 3, section 6, enrollment 30, user 24 \[pruned 2026-08-01T12:00:00Z\]$'
	assert_line --index 2 --partial '[forced] [undone]'
	assert_line --index 3 --regexp "^2026-08-01T12:00:00Z  undo:${second:0:12}"
	run -2 --separate-stderr apply --db "$db" --history plan.ndjson
	run -2 --separate-stderr apply --db "$db" --format text
}

@test "mark: ignore_on_import or manual on and off by id or by a source's id, journalled, undoable; an unknown user is a usage error" {
	db=$(new_store s)
	oneroster-sync --quiet --db "$db" "$Y1" 2> /dev/null
	run -0 --separate-stderr mark --db "$db" --source oneroster --source-id stu-1001 --ignore-on-import
	assert_stderr_partial "mark: user u"
	id=$(snapshot --db "$db" --entity user | ndjson-fields --where ids.oneroster=stu-1001 --fields id)
	run -0 bash -c 'snapshot --db "$1" --entity user | ndjson-fields --where id="$2" --fields ignore_on_import,manual' _ "$db" "$id"
	assert_output $'true\tfalse'
	run -0 --separate-stderr mark --db "$db" --user "$id" --ignore-on-import
	assert_stderr_line "mark: user $id: ignore_on_import true already; nothing to do"
	run -0 mark --quiet --db "$db" --user "$id" --manual --ignore-on-import --off
	run -0 bash -c 'snapshot --db "$1" --entity user | ndjson-fields --where id="$2" --fields ignore_on_import,manual' _ "$db" "$id"
	assert_output $'false\tfalse'
	run -0 apply --db "$db" --history
	assert_equal "${#lines[@]}" 3
	assert_line --index 1 --partial '"producer":"hand"'
	assert_line --index 1 --partial '"counts":{"set":{"user":1}}'
	run -2 --separate-stderr mark --db "$db" --user u999 --manual
	assert_equal "${stderr_lines[0]}" "mark: no user u999 in the store"
	run -2 --separate-stderr mark --db "$db" --user u1
	assert_equal "${stderr_lines[0]}" "mark: name a flag: --ignore-on-import, --manual or both"
}

@test "the readiness check and resume name a school alike: name, number and id" {
	run -3 --separate-stderr bash -c 'extract-oneroster "$1" | normalize --school-year 2030-2031 > /dev/null' _ "$Y1"
	assert_stderr_line 'normalize: school "Cedar Middle" (number 0200, id sch-200): no section in a term of 2030-2031: the feed does not hold the new year yet'
	db=$(new_store s)
	oneroster-sync --quiet --db "$db" "$Y1" 2> /dev/null
	run -0 --separate-stderr resume --db "$db" --school s2
	assert_stderr_line 'resume: school "Cedar Middle" (number 0200, id s2): import_enabled automation_enabled on already; nothing to do'
}

@test "a warning does not end the progress line: it comes back after the message" {
	# a feed of several 128 KiB chunks whose first user has a bad email
	{
		head -n 2 "$TD/oneroster/min.raw.ndjson"
		awk 'BEGIN { for (i = 1; i <= 4000; i++) printf "{\"type\":\"raw\",\"source\":\"oneroster\",\"entity\":\"users\",\"file\":\"users.csv\",\"line\":%d,\"data\":{\"sourcedId\":\"u%d\",\"status\":\"\",\"dateLastModified\":\"\",\"enabledUser\":\"true\",\"orgSourcedIds\":\"\",\"role\":\"administrator\",\"username\":\"u%d\",\"userIds\":\"\",\"givenName\":\"G\",\"familyName\":\"F\",\"middleName\":\"\",\"identifier\":\"\",\"email\":\"%s\",\"sms\":\"\",\"phone\":\"\",\"agentSourcedIds\":\"\",\"grades\":\"\",\"password\":\"\"}}\n", i + 1, i, i, i == 1 ? "not-an-email" : "u" i "@example.org" }'
	} > "$BATS_TEST_TMPDIR/raw"
	RP_PROGRESS_AFTER=0 run -0 "$ON_TTY" bash -c 'normalize "$1" > /dev/null' _ "$BATS_TEST_TMPDIR/raw"
	[[ $output == *"warning"* ]] || fail "no warning: $output"
	after=${output#*warning}
	[[ $after == *$'\r'"normalize: reading: "* ]] || fail "no progress after the warning: $output"
}

@test "resume on a store that cannot be read says so (exit 4), not that the school is unknown" {
	echo "not a database" > "$BATS_TEST_TMPDIR/bad.db"
	run -4 --separate-stderr resume --db "$BATS_TEST_TMPDIR/bad.db" --school s1
	assert_equal "${stderr_lines[-1]}" "resume: cannot read the store's schools; nothing applied"
	[[ $stderr != *"no school"* ]] || fail "$stderr"
}

@test "apply --history, --undo, --freeze, --thaw and --prune of a store that is not there: exit 4, and no store made" {
	db=$(new_store none)
	for a in --history "--undo 0123456789ab" "--freeze why" --thaw "--prune 3"; do
		run -4 --separate-stderr apply --db "$db" $a
		assert_equal "$stderr" "apply: $db: no such store"
		store_is_new "$db"
	done
}

@test "a pipeline's JSON message holds any text as valid JSON: quotes, backslashes, tabs, line ends, other control characters" {
	run -0 bash -c '. "$1/lib/sync.sh"; prog=p error_format=json; emit error x "$2" 2>&1' _ "$RP_BIN" $'a\tb"c\\d\ne\x1b[31mf\x01'
	python3 -c 'import json, sys; o = json.loads(sys.argv[1]); assert o["message"] == "a\tb\"c\\d\ne\x1b[31mf\x01", o' "$output"
}
