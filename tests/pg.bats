# The PostgreSQL store: what only a server has. The store suites (sync,
# summer, migration, crash, api-sync, hostile, sync-all) also run on it.
# bats file_tags=store,postgres-only
setup() {
	load test_helper/common
	Y1="$TD/district/y1-v1p1"
	CANON="$TD/district/y1.canonical.ndjson"
}

lock_sql="SELECT pg_advisory_xact_lock(hashtext('rosterpipe store ' || current_database() || '.' || current_schema()))"

# A session holding the store's writer lock until released.
hold_lock() {
	PGAPPNAME=blocker psql -qX "$1" -c BEGIN -c "$lock_sql" -c "SELECT pg_sleep(600)" > /dev/null 2>&1 &
	wait_for "$1" "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'blocker' AND query LIKE '%pg_sleep%'" 1
}
release_lock() {
	sql "$1" "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'blocker'" > /dev/null
}
# wait_for DB QUERY VALUE: polls (up to a minute) until the query gives VALUE.
wait_for() {
	local i
	for i in $(seq 1 600); do
		[ "$(sql "$1" "$2")" = "$3" ] && return 0
		sleep 0.1
	done
	fail "waited a minute for: $2 = $3 (last: $(sql "$1" "$2"))"
}
waiting_applies() {
	echo "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'apply' AND wait_event_type = 'Lock'"
}

# plan_changing DB SCHOOL SOURCE_ID NAME: a plan renaming one user of a school.
plan_changing() {
	snapshot --db "$1" > "$BATS_TEST_TMPDIR/state"
	plan_renaming "$BATS_TEST_TMPDIR/state" "$3" "$4" --school "$2"
}

@test "an empty database reads as an empty store at version 0; the first sync makes the tables" {
	db=$(new_store s)
	run -0 snapshot --db "$db"
	assert_output '{"type":"snapshot","version":0,"created":"2026-08-01T12:00:00Z"}'
	store_is_new "$db"
	diff-roster --state /dev/null "$CANON" > "$BATS_TEST_TMPDIR/plan"
	run -0 apply --db "$db" --dry-run "$BATS_TEST_TMPDIR/plan"
	store_is_new "$db"
	oneroster-sync --quiet --db "$db" "$Y1"
	assert_equal "$(snapshot --db "$db" | without_store_id)" "$(cat "$TD/sync/y1.snapshot.ndjson")"
}

@test "a server that is not there is an I/O error (exit 4), and the URL's password is never shown" {
	run -4 --separate-stderr snapshot --db "postgresql://rp:s3cret@127.0.0.1:1/none?connect_timeout=3"
	assert_stderr_partial "snapshot: postgresql://rp@127.0.0.1:1/none?connect_timeout=3: "
	[[ "$stderr" != *s3cret* ]]
	run -4 --separate-stderr apply --db "postgresql://rp:s3cret@127.0.0.1:1/none" "$TD/sync/y2.plan.ndjson"
	[[ "$stderr" != *s3cret* ]]
	assert_stderr_partial "apply: postgresql://rp@127.0.0.1:1/none: "
}

@test "a password given as a URI parameter (?password=) is never shown either" {
	run -4 --separate-stderr snapshot --db "postgresql://rp@127.0.0.1:1/none?connect_timeout=3&password=s3cret"
	assert_stderr_partial "snapshot: postgresql://rp@127.0.0.1:1/none?connect_timeout=3: "
	[[ "$stderr" != *s3cret* ]]
	run -4 --separate-stderr apply --db "postgresql://127.0.0.1:1/none?password=s3cret&connect_timeout=3" "$TD/sync/y2.plan.ndjson"
	assert_stderr_partial "apply: postgresql://127.0.0.1:1/none?connect_timeout=3: "
	[[ "$stderr" != *s3cret* ]]
}

@test "a database that is not there is an I/O error (exit 4), not an empty store" {
	run -4 --separate-stderr snapshot --db "$RP_PG_BASE/no_such_database"
	assert_stderr_partial 'database "no_such_database" does not exist'
}

@test "two applies for different schools at once: both wait for the writer lock, both succeed" {
	db=$(new_store s)
	oneroster-sync --quiet --db "$db" "$Y1"
	plan_changing "$db" s1 stu-1001 Anita > "$BATS_TEST_TMPDIR/a"
	plan_changing "$db" s2 stu-1009 Jirō > "$BATS_TEST_TMPDIR/b"
	hold_lock "$db"
	apply --db "$db" --quiet "$BATS_TEST_TMPDIR/a" 2> "$BATS_TEST_TMPDIR/a.err" & a=$!
	apply --db "$db" --quiet "$BATS_TEST_TMPDIR/b" 2> "$BATS_TEST_TMPDIR/b.err" & b=$!
	wait_for "$db" "$(waiting_applies)" 2
	release_lock "$db"
	wait $a
	wait $b
	assert_equal "$(sql "$db" "SELECT version FROM journal WHERE producer = 'diff-roster' ORDER BY version")" "$(printf '1\n2\n3')"
	run -0 snapshot --db "$db" --entity user
	assert_line --partial '"source_id":"stu-1001","role":"student","school_ids":["s1"],"given_name":"Anita"'
	assert_line --partial '"source_id":"stu-1009","role":"student","school_ids":["s2"],"given_name":"Jirō"'
}

@test "two applies for the same records at once never interleave: one applies, the other is refused as stale" {
	db=$(new_store s)
	oneroster-sync --quiet --db "$db" "$Y1"
	plan_changing "$db" s1 stu-1001 Anita > "$BATS_TEST_TMPDIR/a"
	plan_changing "$db" s1 stu-1001 Annie > "$BATS_TEST_TMPDIR/b"
	hold_lock "$db"
	apply --db "$db" --quiet "$BATS_TEST_TMPDIR/a" 2> "$BATS_TEST_TMPDIR/a.err" & a=$!
	apply --db "$db" --quiet "$BATS_TEST_TMPDIR/b" 2> "$BATS_TEST_TMPDIR/b.err" & b=$!
	wait_for "$db" "$(waiting_applies)" 2
	release_lock "$db"
	sa=0 sb=0
	wait $a || sa=$?
	wait $b || sb=$?
	assert_equal "$(printf '%s\n' $sa $sb | sort | tr '\n' ' ')" "0 3 "
	loser=$([ $sa = 3 ] && echo a || echo b)
	assert_equal "$(cat "$BATS_TEST_TMPDIR/$loser.err")" "apply: $BATS_TEST_TMPDIR/$loser:2: user u1 changed at version 2, after the plan's base version 1
apply: plan $(sed -n '1s/.*"plan_id":"\(.\{12\}\).*/\1/p' "$BATS_TEST_TMPDIR/$loser") refused; nothing changed"
	assert_equal "$(sql "$db" "SELECT count(*) FROM journal")" 2
	run -0 snapshot --db "$db" --entity user
	winner=$([ $sa = 0 ] && echo Anita || echo Annie)
	assert_line --partial "\"source_id\":\"stu-1001\",\"role\":\"student\",\"school_ids\":[\"s1\"],\"given_name\":\"$winner\""
}

@test "kill -9 of an apply waiting for the lock or in the middle of its plan leaves the store as before" {
	db=$(new_store s)
	oneroster-sync --quiet --db "$db" "$Y1"
	before=$(snapshot --db "$db")
	canonical() { extract-oneroster "$1" | normalize; }
	canonical "$TD/district/y2-v1p1" | diff-roster --state <(snapshot --db "$db") > "$BATS_TEST_TMPDIR/plan"
	run env RP_CRASH_AFTER_OPS=20 apply --db "$db" --force --quiet "$BATS_TEST_TMPDIR/plan"
	assert_equal "$status" 137
	assert_equal "$(snapshot --db "$db")" "$before"
	hold_lock "$db"
	apply --db "$db" --force --quiet "$BATS_TEST_TMPDIR/plan" & waiting=$!
	wait_for "$db" "$(waiting_applies)" 1
	kill -9 $waiting
	killed=0
	wait $waiting || killed=$?
	assert_equal "$killed" 137
	release_lock "$db"
	assert_equal "$(snapshot --db "$db")" "$before"
	# the server let go of the killed session's lock: the next apply runs
	run -0 apply --db "$db" --force --quiet "$BATS_TEST_TMPDIR/plan"
	assert_equal "$(snapshot --db "$db" | tail -n +2)" "$(cat "$TD/sync/y2.snapshot.ndjson")"
}

@test "backup of a PostgreSQL store: pg_dump's own format, read back, restorable to the same records" {
	db=$(new_store s)
	oneroster-sync --quiet --db "$db" "$Y1"
	run -0 backup --db "$db" --out "$BATS_TEST_TMPDIR/b"
	name=${db##*/}
	assert_output "$BATS_TEST_TMPDIR/b/$name-20260801T120000Z.dump"
	assert_equal "$(stat -c %a "$output")" 600
	copy=$(new_store restored)
	pg_restore --no-owner --dbname="$copy" "$output"
	assert_equal "$(snapshot --db "$copy")" "$(snapshot --db "$db")"
}

@test "backup --keep of a PostgreSQL store: only dumps of this store are counted and removed (its identity read from each dump)" {
	db=$(new_store s)
	oneroster-sync --quiet --db "$db" "$Y1"
	name=${db##*/}
	b=$BATS_TEST_TMPDIR/b
	SOURCE_DATE_EPOCH=1785585600 backup --db "$db" --out "$b" > /dev/null
	SOURCE_DATE_EPOCH=1785672000 backup --db "$db" --out "$b" > /dev/null
	# a dump of another store under this store's name
	other=$(new_store other)
	oneroster-sync --quiet --db "$other" "$Y1"
	pg_dump --format=custom --file="$b/$name-20200101T000000Z.dump" --dbname="$other"
	run -0 --separate-stderr env SOURCE_DATE_EPOCH=1785758400 backup --db "$db" --out "$b" --keep 1
	assert_equal "$stderr" "backup: removed $b/$name-20260801T120000Z.dump (--keep 1)
backup: removed $b/$name-20260802T120000Z.dump (--keep 1)"
	assert_equal "$(ls "$b")" "$name-20200101T000000Z.dump
$name-20260803T120000Z.dump"
}

# A function for triggers that refuse a row, as a server's constraint would.
refusing() {
	sql "$1" "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS \$\$ BEGIN RAISE EXCEPTION 'refused by the test: %', NEW.source_id; END \$\$"
}

@test "a write the server refuses inside the pipeline (an update sent without waiting, a new record sent by COPY) rolls the whole plan back and is reported" {
	db=$(new_store s)
	oneroster-sync --quiet --db "$db" "$Y1"
	before=$(snapshot --db "$db")
	refusing "$db"
	# an update: pipelined, its error known only at the commit
	sql "$db" "CREATE TRIGGER no_anita BEFORE UPDATE ON users FOR EACH ROW WHEN (NEW.given_name = 'Anita') EXECUTE FUNCTION refuse()"
	plan_changing "$db" s1 stu-1001 Anita > "$BATS_TEST_TMPDIR/update"
	run -4 --separate-stderr apply --db "$db" --quiet "$BATS_TEST_TMPDIR/update"
	assert_stderr_partial "not applied: "
	assert_stderr_partial "refused by the test: stu-1001"
	assert_equal "$(snapshot --db "$db")" "$before"
	assert_equal "$(sql "$db" "SELECT count(*) FROM journal")" 1
	# year 2: deletes and updates pipelined, new users and enrollments and
	# the journal copied; one new user refused
	sql "$db" "DROP TRIGGER no_anita ON users"
	sql "$db" "CREATE TRIGGER no_new BEFORE INSERT ON users FOR EACH ROW WHEN (NEW.source_id = 'stu-1011-b') EXECUTE FUNCTION refuse()"
	extract-oneroster "$TD/district/y2-v1p1" | normalize | diff-roster --state <(snapshot --db "$db") > "$BATS_TEST_TMPDIR/y2"
	run -4 --separate-stderr apply --db "$db" --force --quiet "$BATS_TEST_TMPDIR/y2"
	assert_stderr_partial "refused by the test: stu-1011-b"
	assert_equal "$(snapshot --db "$db")" "$before"
	assert_equal "$(sql "$db" "SELECT count(*) FROM journal_ops")" "$(sql "$db" "SELECT count(*) FROM journal_ops WHERE plan_id IN (SELECT plan_id FROM journal)")"
	assert_equal "$(sql "$db" "SELECT count(*) FROM journal")" 1
	# once the server takes it, the same plan applies
	sql "$db" "DROP TRIGGER no_new ON users"
	run -0 apply --db "$db" --force --quiet "$BATS_TEST_TMPDIR/y2"
	assert_equal "$(snapshot --db "$db" | tail -n +2)" "$(cat "$TD/sync/y2.snapshot.ndjson")"
}
