# bats file_tags=store
# sync-all: several districts' syncs at once on GNU parallel.
setup() {
	load test_helper/common
	Y1="$TD/district/y1-v1p1"
	cd "$BATS_TEST_TMPDIR"
}

# The report without its seconds column (timings vary).
report() { cut -f 1-3,5- "${1:-r}/report.tsv"; }

@test "--help and --version; usage errors exit 2" {
	run -0 sync-all --help
	assert_line --index 0 --partial "usage: sync-all --jobs N"
	run -0 sync-all --version
	assert_output "sync-all $RP_VERSION"
	printf 'a true\n' > list
	run -2 --separate-stderr sync-all list
	assert_stderr_line "sync-all: --jobs is required"
	run -2 --separate-stderr sync-all --jobs 0 list
	assert_stderr_line "sync-all: --jobs must be a positive number, not '0'"
	run -2 --separate-stderr sync-all --jobs 2
	assert_stderr_line "sync-all: a LIST file is required"
	run -2 --separate-stderr sync-all --jobs 2 missing.list
	assert_stderr_line "sync-all: missing.list: cannot read"
}

@test "a bad LIST is refused with file and line before anything runs" {
	printf '# districts\nriver true\n\nriver true\n../up true\nlonely\n' > list
	run -2 --separate-stderr sync-all --jobs 2 --report r list
	assert_stderr_line "sync-all: list:4: duplicate name river (first on line 2)"
	assert_stderr_line 'sync-all: list:5: bad name "../up"'
	assert_stderr_line "sync-all: list:6: no command for lonely"
	[ ! -e r/joblog ]
	printf '# nothing\n\n' > empty
	run -2 --separate-stderr sync-all --jobs 2 --report r empty
	assert_stderr_line "sync-all: empty: no syncs listed"
}

@test "four districts on three jobs: each store synced, a report per district, exit 0" {
	for d in north south east west; do
		printf '%s\toneroster-sync --db %s %s\n' "$d" "$(new_store $d)" "$Y1"
	done > list
	run -0 --separate-stderr sync-all --jobs 3 --report r list
	assert_equal "$(cut -f 1-3,5 r/report.tsv)" "$(printf 'name\tstatus\texit\thost
north\tok\t0\tlocal
south\tok\t0\tlocal
east\tok\t0\tlocal
west\tok\t0\tlocal')"
	assert_output "$(cat r/report.tsv)"
	for d in north south east west; do
		snapshot --db "$(sed -n "s/^$d\toneroster-sync --db \([^ ]*\) .*/\1/p" list)" > "$d.snap"
		assert_equal "$(without_store_id < "$d.snap")" "$(cat "$TD/sync/y1.snapshot.ndjson")"
		assert_equal "$(grep -c '^apply: plan ef5bf588dead: applied as store version 1: ' "r/jobs/$d/stderr")" 1
	done
	# the message column is each sync's last summary line
	assert_equal "$(cut -f 6 r/report.tsv | sort -u | head -1)" "apply: plan ef5bf588dead: applied as store version 1: create school 2, create term 3, create section 6, create enrollment 30, create user 24"
	[ "$(($(wc -l < r/joblog) - 1))" -eq 4 ]
}

@test "one failing district: the others are synced, the report names it, the exit is its status" {
	mkdir bad && printf 'sourcedId,orgSourcedIds\n' > bad/users.csv
	good=$(new_store good) broken=$(new_store broken) also=$(new_store also)
	printf 'good\toneroster-sync --db %s %s\n' "$good" "$Y1" > list
	printf 'broken\toneroster-sync --db %s %s/bad\n' "$broken" "$PWD" >> list
	printf 'also\toneroster-sync --db %s %s\n' "$also" "$Y1" >> list
	run -1 --separate-stderr sync-all --jobs 2 --report r list
	assert_equal "$(report | cut -f 1-3)" "$(printf 'name\tstatus\texit
good\tok\t0
broken\tfailed\t1
also\tok\t0')"
	assert_equal "$(grep '^broken' r/report.tsv | cut -f 6)" "oneroster-sync: stage extract failed (exit 1); nothing applied"
	refute store_is_new "$good"
	refute store_is_new "$also"
	assert store_is_new "$broken"
}

@test "the highest exit status wins: a guard refusal (3) over bad data (1)" {
	printf 'one\texit 1\ntwo\texit 3\nthree\ttrue\n' > list
	run -3 sync-all --jobs 3 --report r list
	assert_equal "$(report | cut -f 1-3)" "$(printf 'name\tstatus\texit
one\tfailed\t1
two\tfailed\t3
three\tok\t0')"
}

@test "a sync killed by a signal counts as an I/O failure (exit 4)" {
	printf 'victim\tkill -9 $$\nfine\ttrue\n' > list
	run -4 sync-all --jobs 2 --report r list
	assert_equal "$(report | cut -f 1-3)" "$(printf 'name\tstatus\texit
victim\tkilled by signal 9\t4
fine\tok\t0')"
}

@test "--resume-failed runs again only what failed, from the joblog" {
	printf 'steady\techo ran >> %s/steady.count\n' "$PWD" > list
	printf 'flaky\ttest -e %s/fixed || exit 4; echo mended >&2\n' "$PWD" >> list
	run -4 sync-all --jobs 2 --report r list
	touch fixed
	run -0 sync-all --jobs 2 --report r --resume-failed list
	assert_equal "$(report | cut -f 1-3,5)" "$(printf 'name\tstatus\texit\tmessage
steady\tok\t0\t
flaky\tok\t0\t')"
	assert_equal "$(cat steady.count)" "ran"
	assert_equal "$(cat r/jobs/flaky/stderr)" "mended"
	[ "$(($(wc -l < r/joblog) - 1))" -eq 3 ]
}

@test "--sshloginfile is passed to GNU parallel (':' is this machine)" {
	printf '2/:\n' > hosts
	printf 'a\ttrue\nb\ttrue\nc\ttrue\n' > list
	run -0 sync-all --jobs 1 --sshloginfile hosts --report r list
	assert_equal "$(report | cut -f 1-4)" "$(printf 'name\tstatus\texit\thost
a\tok\t0\tlocal
b\tok\t0\tlocal
c\tok\t0\tlocal')"
}

@test "--dry-run prints the jobs and runs none" {
	printf 'a\ttouch %s/ran\n' "$PWD" > list
	run -0 sync-all --jobs 2 --report r --dry-run list
	assert_output "bash -c 'touch $PWD/ran'"
	[ ! -e ran ]
}
