#!/usr/bin/env bats
# Every program answers --help and --version and has a man page.

setup() { load test_helper/common; }

programs() {
	for p in "$RP_BIN"/*; do
		if [ -x "$p" ] && [ -f "$p" ]; then basename "$p"; fi
	done
}

# The programs the Makefile builds: one a filter, one a pipeline script.
built() {
	local src
	for src in "$BATS_TEST_DIRNAME"/../filters/*.c "$BATS_TEST_DIRNAME"/../pipelines/*; do
		[ -f "$src" ] && basename "$src" .c
	done | sort
}

@test "every program the Makefile builds is there, and nothing else" {
	[ -n "$(built)" ] || fail "no filters/*.c or pipelines/*"
	assert_equal "$(programs | sort)" "$(built)"
}

@test "every program prints usage with --help and exits 0" {
	for p in $(programs); do
		run "$p" --help
		assert_success
		assert_line --index 0 --regexp "^usage: $p "
	done
}

@test "every program prints NAME VERSION with --version" {
	for p in $(programs); do
		run "$p" --version
		assert_success
		assert_output "$p $RP_VERSION"
	done
}

@test "every program has a man page" {
	for p in $(programs); do
		[ -f "$BATS_TEST_DIRNAME/../man/$p.1" ] || fail "no man/$p.1"
	done
}

@test "make install puts programs and man pages under PREFIX" {
	cd "$BATS_TEST_DIRNAME/.."
	run make --no-print-directory install PREFIX=/usr DESTDIR="$BATS_TEST_TMPDIR/root"
	assert_success
	[ -x "$BATS_TEST_TMPDIR/root/usr/bin/extract-oneroster" ]
	[ -x "$BATS_TEST_TMPDIR/root/usr/bin/normalize" ]
	[ -f "$BATS_TEST_TMPDIR/root/usr/share/man/man1/normalize.1" ]
	run head -n 1 "$BATS_TEST_TMPDIR/root/usr/share/man/man1/normalize.1"
	assert_output ".TH NORMALIZE 1 2026-11-24 \"rosterpipe $RP_VERSION\" \"rosterpipe manual\""
}
