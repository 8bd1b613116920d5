#!/usr/bin/env bats
# bats file_tags=store
# Crash safety: apply and archive-appointments killed with SIGKILL at many
# fixed points (the RP_CRASH_AFTER_* test hooks raise SIGKILL, with no
# cleanup, at the N-th step), then checked.

setup() {
	load test_helper/common
	DB=$(new_store s)
	oneroster-sync --quiet --db "$DB" "$TD/district/y1-v1p1" 2>/dev/null
}

records() ( set -o pipefail; snapshot --db "$1" | tail -n +2 )

@test "apply killed at 12 points of a 20,000-operation plan: the store is as before or as after, and sound" {
	before=$(records "$DB")
	awk 'BEGIN { for (i = 1; i <= 20000; i++)
		printf "{\"type\":\"op\",\"op\":\"create\",\"entity\":\"user\",\"data\":{\"source\":\"bulk\",\"source_id\":\"b%d\",\"role\":\"student\",\"school_ids\":[\"s1\"],\"given_name\":\"G\",\"family_name\":\"F%d\",\"ids\":{\"bulk\":\"b%d\"}}}\n", i, i, i }' > "$BATS_TEST_TMPDIR/plan"
	for point in 1 2 3 100 1000 4999 5000 9999 12345 17000 19999 20000; do
		run env RP_CRASH_AFTER_OPS=$point apply --db "$DB" --quiet "$BATS_TEST_TMPDIR/plan"
		assert_equal "$status" 137
		assert_equal "$(store_integrity "$DB")" ok
		assert_equal "$(records "$DB")" "$before"
	done
	apply --db "$DB" --quiet "$BATS_TEST_TMPDIR/plan"
	after=$(records "$DB")
	assert_equal "$(sql "$DB" 'SELECT count(*) FROM users')" 20024
	# killed while undoing: as after the plan, or as before it
	plan=$(sql "$DB" "SELECT plan_id FROM journal ORDER BY seq DESC LIMIT 1")
	for point in 1 10000 19999; do
		run env RP_CRASH_AFTER_OPS=$point apply --db "$DB" --quiet --undo "$plan"
		assert_equal "$status" 137
		assert_equal "$(records "$DB")" "$after"
	done
}

@test "archive-appointments killed at every durable step: never a delete plan without a whole, verified archive" {
	apply --db "$DB" --quiet "$TD/summer/appointments.plan.ndjson" 2>/dev/null
	snapshot --db "$DB" > "$BATS_TEST_TMPDIR/state"
	arch="$BATS_TEST_TMPDIR/arch"
	# two school files and the manifest written (two steps each: written,
	# synced), then renamed into place: the two files, the manifest
	for point in $(seq 1 9); do
		rm -rf "$arch"
		run env RP_CRASH_AFTER_WRITES=$point archive-appointments --quiet --year 2025-2026 --out "$arch" "$BATS_TEST_TMPDIR/state"
		assert_equal "$status" 137
		assert_output ""
		# a second run after the crash finishes the work and only then plans
		run --separate-stderr archive-appointments --quiet --year 2025-2026 --out "$arch" "$BATS_TEST_TMPDIR/state"
		assert_success
		assert_equal "$(grep -c '"op":"delete"' <<<"$output")" 9
		run archive-appointments --quiet --verify "$arch"
		assert_success
	done
	run env RP_CRASH_AFTER_WRITES=10 archive-appointments --quiet --year 2025-2026 --out "$BATS_TEST_TMPDIR/arch2" "$BATS_TEST_TMPDIR/state"
	assert_success
}

@test "archive-appointments killed at every step of a run that adds to an earlier archive: the earlier set or the new one, whole, never neither" {
	apply --db "$DB" --quiet "$TD/summer/appointments.plan.ndjson" 2>/dev/null
	snapshot --db "$DB" > "$BATS_TEST_TMPDIR/state"
	grep -v '"id":"a5"' "$BATS_TEST_TMPDIR/state" > "$BATS_TEST_TMPDIR/earlier"
	arch="$BATS_TEST_TMPDIR/arch"
	export_all() { archive-appointments --quiet --export "$arch" | sort; }
	archive-appointments --quiet --year 2025-2026 --out "$arch" "$BATS_TEST_TMPDIR/state" > /dev/null
	after=$(export_all)
	# s1 gains a5: its file (written, synced), the manifest (the same), s1
	# renamed, the manifest renamed
	for point in $(seq 1 6); do
		rm -rf "$arch"
		archive-appointments --quiet --year 2025-2026 --out "$arch" "$BATS_TEST_TMPDIR/earlier" > /dev/null
		before=$(export_all)
		run env RP_CRASH_AFTER_WRITES=$point archive-appointments --quiet --year 2025-2026 --out "$arch" "$BATS_TEST_TMPDIR/state"
		assert_equal "$status" 137
		assert_output ""
		# every reader sees a whole set: the earlier one, or (killed after
		# s1's rename, before the manifest's) the new one, which the pending
		# manifest vouches for
		run -0 archive-appointments --quiet --verify "$arch"
		now=$(export_all)
		if [ "$point" -le 4 ]; then
			assert_equal "$now" "$before"
		else
			assert_equal "$now" "$after"
		fi
		# the next run finishes the work
		run --separate-stderr archive-appointments --quiet --year 2025-2026 --out "$arch" "$BATS_TEST_TMPDIR/state"
		assert_success
		assert_equal "$(grep -c '"op":"delete"' <<<"$output")" 9
		run -0 archive-appointments --quiet --verify "$arch"
		assert_equal "$(export_all)" "$after"
		assert_equal "$(ls -A "$arch/2025-2026")" "manifest.json
s1.ndjson.gz
s2.ndjson.gz"
	done
	run env RP_CRASH_AFTER_WRITES=7 archive-appointments --quiet --year 2025-2026 --out "$arch" "$BATS_TEST_TMPDIR/state"
	assert_success
}
