#!/usr/bin/env bats
# bats file_tags=store
# Held syncs: a sync whose plan the delete guard refuses keeps the plan and
# its report for review (pipelines/lib/sync.sh: apply_or_hold, hold_plan),
# and apply --force lets it through once.

setup() {
	load test_helper/common
	# a PostgreSQL store's plans are held under $HOME
	export HOME="$BATS_TEST_TMPDIR/home"
	mkdir -p "$HOME"
	umask 022 # held files are private whatever the umask
	DB=$(new_store s)
	oneroster-sync --quiet --db "$DB" "$Y1" 2>/dev/null
	if on_postgres; then HELD="$HOME/.rosterpipe/held"; else HELD="$DB.held"; fi
	ID=0eee78757c64 # the year-2 plan's id (testdata/sync/y2.plan.ndjson)
}

Y1="$BATS_TEST_DIRNAME/../testdata/district/y1-v1p1"
Y2="$BATS_TEST_DIRNAME/../testdata/district/y2-v1p1"

records() ( set -o pipefail; snapshot --db "$1" | tail -n +2 )
part() { awk -v h="## $1" '$0 == h { on = 1; next } /^## / { on = 0 } on'; }

@test "a sync refused by the guard names the kept plan, its report and the command; nothing changed" {
	before=$(records "$DB")
	run -3 --separate-stderr oneroster-sync --quiet --db "$DB" "$Y2"
	assert_equal "$stderr" "apply: school s2: plan would soft-delete 5 of 12 active users (41.7%; limit 20.0% of groups of 5 or more)
apply: plan $ID refused; nothing changed
oneroster-sync: the delete guard refused the plan; it is held for review: $HELD/plan-$ID.ndjson
oneroster-sync: its report, by school and by name: $HELD/plan-$ID.md (and $HELD/plan-$ID.html)
oneroster-sync: after review, let it through once with: apply --db $DB --force $HELD/plan-$ID.ndjson
oneroster-sync: stage apply failed (exit 3)"
	assert_equal "$(records "$DB")" "$before"
	assert_equal "$(ls "$HELD")" "plan-$ID.html
plan-$ID.md
plan-$ID.ndjson"
	assert_equal "$(stat -c %a "$HELD" "$HELD"/*)" "700
600
600
600"
	# the plan diff-roster made, and its report: under Cedar Middle, every
	# person it would soft-delete
	assert_equal "$(without_store_id < "$HELD/plan-$ID.ndjson")" "$(cat "$TD/sync/y2.plan.ndjson")"
	assert_equal "$(part "Cedar Middle (0200)" < "$HELD/plan-$ID.md")" "$(part "Cedar Middle (0200)" < "$TD/report/y2.md")"
	run -0 part "Cedar Middle (0200)" < "$HELD/plan-$ID.md"
	for who in "Becker, Hannah  | u14" "Okafor, Amara   | u12" "Okafor, Chinedu | u24" "Okoye, Samuel   | u20" "Silva, Mateo    | u13"; do
		assert_line --partial "| $who |"
	done
	run -0 cat "$HELD/plan-$ID.html"
	assert_line "<h2>Cedar Middle (0200)</h2>"
	assert_line "<tr><td>Silva, Mateo</td><td>u13</td><td>student</td><td>08</td><td>absent_from_source</td></tr>"
}

@test "apply --force of the held plan applies it once; a second time is skipped, and the next sync has nothing to do" {
	oneroster-sync --quiet --db "$DB" "$Y2" 2>/dev/null || true
	run -0 --separate-stderr apply --db "$DB" --force "$HELD/plan-$ID.ndjson"
	assert_stderr_line "apply: school s2: plan would soft-delete 5 of 12 active users (41.7%; limit 20.0% of groups of 5 or more); forced"
	assert_stderr_partial "apply: plan $ID: applied as store version 2: "
	assert_equal "$(records "$DB")" "$(cat "$TD/sync/y2.snapshot.ndjson")"
	assert_equal "$(sql "$DB" "SELECT forced FROM journal ORDER BY seq DESC LIMIT 1")" 1
	run -0 --separate-stderr apply --db "$DB" --force "$HELD/plan-$ID.ndjson"
	assert_equal "$stderr" "apply: plan $ID was applied already; skipped"
	assert_equal "$(sql "$DB" "SELECT count(*) FROM journal")" 2
	run -0 --separate-stderr oneroster-sync --db "$DB" "$Y2"
	assert_stderr_partial "has no operations; nothing to do"
}

@test "when the store moved on after the plan was held, apply --force refuses it as stale (exit 3), nothing changed" {
	oneroster-sync --quiet --db "$DB" "$Y2" 2>/dev/null || true
	echo '{"type":"op","op":"update","entity":"user","id":"u13","set":{"middle_name":"Q"}}' | apply --db "$DB" --quiet 2>/dev/null
	before=$(records "$DB")
	run -3 --separate-stderr apply --db "$DB" --force "$HELD/plan-$ID.ndjson"
	assert_stderr_line "apply: $HELD/plan-$ID.ndjson:49: user u13 changed at version 2, after the plan's base version 1"
	assert_equal "$(records "$DB")" "$before"
}

@test "with --keep DIR the plan and its report are held there; the sync's limits go to the report" {
	run -3 --separate-stderr oneroster-sync --quiet --db "$DB" --keep "$BATS_TEST_TMPDIR/work" --max-delete-ratio 0.3 "$Y2"
	assert_stderr_line "oneroster-sync: the delete guard refused the plan; it is held for review: $BATS_TEST_TMPDIR/work/plan-$ID.ndjson"
	assert_stderr_line "oneroster-sync: after review, let it through once with: apply --db $DB --force $BATS_TEST_TMPDIR/work/plan-$ID.ndjson"
	assert_equal "$(ls "$BATS_TEST_TMPDIR/work")" "canonical.ndjson
plan-$ID.html
plan-$ID.md
plan-$ID.ndjson
plan.ndjson
raw.ndjson
state.ndjson"
	[ ! -e "$HELD" ]
	run -0 cat "$BATS_TEST_TMPDIR/work/plan-$ID.md"
	assert_line --regexp '^\| guard limits +\| --max-delete-ratio 0.3, --guard-floor 5 +\|$'
	assert_line "**Guard: refused.** The plan would soft-delete 5 of 12 active users (41.7%; limit 30.0% of groups of 5 or more)."
}

@test "a dry run keeps nothing beside the store (with --keep, in DIR); still exit 3" {
	run -3 --separate-stderr oneroster-sync --quiet --db "$DB" --dry-run "$Y2"
	assert_stderr_line "oneroster-sync: dry run: the delete guard would refuse this plan; give --keep DIR to keep it and its report"
	assert_equal "${stderr_lines[-1]}" "oneroster-sync: stage apply failed (exit 3)"
	[ ! -e "$HELD" ]
	run -3 --separate-stderr oneroster-sync --quiet --db "$DB" --dry-run --keep "$BATS_TEST_TMPDIR/work" "$Y2"
	assert_stderr_line "oneroster-sync: the delete guard refused the plan; it is held for review: $BATS_TEST_TMPDIR/work/plan-$ID.ndjson"
	[ ! -e "$HELD" ]
}

@test "a refusal --force would not lift (a frozen store) holds nothing" {
	freeze --db "$DB" 2>/dev/null
	run -3 --separate-stderr oneroster-sync --quiet --db "$DB" "$Y2"
	refute_output --partial "held"
	[[ $stderr != *held* ]]
	assert_equal "${stderr_lines[-1]}" "oneroster-sync: stage apply failed (exit 3)"
	[ ! -e "$HELD" ]
}

@test "the same plan refused again is the same files; a plan that passes holds nothing" {
	oneroster-sync --quiet --db "$DB" "$Y2" 2>/dev/null || true
	first=$(cat "$HELD"/*)
	run -3 --separate-stderr oneroster-sync --quiet --db "$DB" "$Y2"
	assert_equal "$(cat "$HELD"/*)" "$first"
	assert_equal "$(ls "$HELD" | wc -l)" 3
	rm -r "$HELD"
	run -0 --separate-stderr oneroster-sync --quiet --db "$DB" --max-delete-ratio 0.5 "$Y2"
	[ ! -e "$HELD" ]
}

@test "held files are created new: links planted at their names, beside the store or in --keep DIR, are replaced, never written through" {
	echo "the attacker's file" > "$BATS_TEST_TMPDIR/victim"
	chmod 644 "$BATS_TEST_TMPDIR/victim"
	keep=$BATS_TEST_TMPDIR/keep
	mkdir -p "$HELD" "$keep" # 0755 under the umask: the held folder is set 0700
	for dir in "$HELD" "$keep"; do
		ln -s "$BATS_TEST_TMPDIR/victim" "$dir/plan-$ID.ndjson"
		ln -s "$BATS_TEST_TMPDIR/victim" "$dir/plan-$ID.md"
		ln -s "$BATS_TEST_TMPDIR/nowhere" "$dir/plan-$ID.html"
	done
	run -3 --separate-stderr oneroster-sync --quiet --db "$DB" "$Y2"
	assert_stderr_line "oneroster-sync: the delete guard refused the plan; it is held for review: $HELD/plan-$ID.ndjson"
	run -3 --separate-stderr oneroster-sync --quiet --db "$DB" --keep "$keep" "$Y2"
	assert_stderr_line "oneroster-sync: the delete guard refused the plan; it is held for review: $keep/plan-$ID.ndjson"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/victim")" "the attacker's file"
	assert_equal "$(stat -c %a "$BATS_TEST_TMPDIR/victim")" 644
	[ ! -e "$BATS_TEST_TMPDIR/nowhere" ]
	for dir in "$HELD" "$keep"; do
		assert_equal "$(stat -c %a "$dir")" 700
		for ext in ndjson md html; do
			[ -f "$dir/plan-$ID.$ext" ] && [ ! -L "$dir/plan-$ID.$ext" ] || fail "$(ls -l "$dir/plan-$ID.$ext")"
			assert_equal "$(stat -c %a "$dir/plan-$ID.$ext")" 600
		done
		assert_equal "$(without_store_id < "$dir/plan-$ID.ndjson")" "$(cat "$TD/sync/y2.plan.ndjson")"
		grep -qF '**Guard: refused.**' "$dir/plan-$ID.md"
		# no temporary file left behind
		assert_equal "$(ls -A "$dir" | grep -c '^\.')" 0
	done
}

@test "a held folder of another user's or writable by others holds nothing (it is named); the run still exits 3, nothing changed" {
	before=$(records "$DB")
	mkdir -p "$HELD"
	chmod 777 "$HELD"
	run -3 --separate-stderr oneroster-sync --quiet --db "$DB" "$Y2"
	assert_stderr_line "oneroster-sync: $HELD: the folder can be written by others (mode 0777); refused"
	assert_stderr_line "oneroster-sync: cannot keep the refused plan in $HELD"
	[[ $stderr != *"after review"* ]]
	assert_equal "${stderr_lines[-1]}" "oneroster-sync: stage apply failed (exit 3)"
	assert_equal "$(ls -A "$HELD")" ""
	assert_equal "$(stat -c %a "$HELD")" 777
	# a link to such a folder, the same
	rmdir "$HELD"
	mkdir "$BATS_TEST_TMPDIR/open"
	chmod 1777 "$BATS_TEST_TMPDIR/open"
	ln -s "$BATS_TEST_TMPDIR/open" "$HELD"
	run -3 --separate-stderr oneroster-sync --quiet --db "$DB" "$Y2"
	assert_stderr_line "oneroster-sync: $HELD: the folder can be written by others (mode 1777); refused"
	assert_equal "$(ls -A "$BATS_TEST_TMPDIR/open")" ""
	# another user's (as root, a folder given away: the owner is what is
	# checked, not whether a write fails)
	if [ "$(id -u)" -eq 0 ]; then
		rm "$HELD"
		mkdir -m 755 "$HELD"
		chown 65534 "$HELD"
		run -3 --separate-stderr oneroster-sync --quiet --db "$DB" "$Y2"
		assert_stderr_line "oneroster-sync: $HELD: the folder belongs to another user (uid 65534); refused"
		assert_equal "$(ls -A "$HELD")" ""
	fi
	assert_equal "$(records "$DB")" "$before"
}

@test "held_dir and db_shown: beside a SQLite file, under \$HOME for PostgreSQL; no password in the command shown" {
	prog=test
	source "$BATS_TEST_DIRNAME/../pipelines/lib/sync.sh"
	assert_equal "$(held_dir /srv/stores/a.db)" "/srv/stores/a.db.held"
	assert_equal "$(held_dir sqlite:/srv/a.db)" "/srv/a.db.held"
	assert_equal "$(held_dir postgresql://rp@db.example/district42)" "$HOME/.rosterpipe/held"
	assert_equal "$(db_shown /srv/stores/a.db)" "/srv/stores/a.db"
	assert_equal "$(db_shown postgresql://rp:s3cret@db.example/district42)" "postgresql://rp@db.example/district42"
	assert_equal "$(db_shown 'postgresql://db.example/d?user=rp&password=s3cret&sslmode=require')" "postgresql://db.example/d?user=rp&sslmode=require"
	assert_equal "$(db_shown 'postgresql://db.example/d?password=s3cret')" "postgresql://db.example/d"
	# as db_display_name leaves them out: the name percent-encoded as libpq
	# decodes it, an "@" in the password, every password parameter
	assert_equal "$(db_shown 'postgresql://db.example/d?%70assword=s3cret&sslmode=require&pass%57ord=x&pass%77ord=y')" "postgresql://db.example/d?sslmode=require&pass%57ord=x"
	assert_equal "$(db_shown 'postgres://rp:s3@cr:et@db.example:5433/d?password=z&password=w')" "postgres://rp@db.example:5433/d"
	assert_equal "$(db_shown 'postgresql://db.example/d?passwordx=1&xpassword=2')" "postgresql://db.example/d?passwordx=1&xpassword=2"
	unset HOME
	run held_dir postgresql://rp@db.example/d
	assert_failure
}

# bats test_tags=sqlite-only
@test "the command named works pasted into a shell, for a store in a folder with a space in its name" {
	mkdir "$BATS_TEST_TMPDIR/my stores"
	db="$BATS_TEST_TMPDIR/my stores/s.db"
	oneroster-sync --quiet --db "$db" "$Y1" 2>/dev/null
	run -3 --separate-stderr oneroster-sync --quiet --db "$db" "$Y2"
	line=$(sed -n 's/^oneroster-sync: after review, let it through once with: //p' <<<"$stderr")
	assert_equal "$line" "apply --db ${BATS_TEST_TMPDIR// /\\ }/my\\ stores/s.db --force ${BATS_TEST_TMPDIR// /\\ }/my\\ stores/s.db.held/plan-$ID.ndjson"
	run -0 --separate-stderr eval "$line"
	assert_stderr_partial "apply: plan $ID: applied as store version 2"
}
