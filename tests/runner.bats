#!/usr/bin/env bats
# tests/run-tests: a unit test binary or a bats run that cannot give a true
# account of its checks is counted as a failure, with a "not ok" line that
# names it. Run on a copy of the script in a sandbox: a stand-in for
# tests/pg-server (no PostgreSQL server is started), unit test sources and
# binaries of the test's own, a passing suite, and at times a stand-in bats.

setup() {
	load test_helper/common
	S=$BATS_TEST_TMPDIR/sandbox
	B=$(cd "$RP_BIN" && pwd) # as run-tests names it
	mkdir -p "$S/tests/unit" "$S/units" "$S/fakebin"
	cp "$BATS_TEST_DIRNAME/run-tests" "$S/tests/"
	cat > "$S/tests/pg-server" <<-'EOF'
		#!/bin/sh
		# stand-in: a server URL that no test here uses
		case $1 in
		start) echo postgresql://rp@127.0.0.1:1 ;;
		stop) rm -rf "$2" ;;
		esac
	EOF
	chmod +x "$S/tests/pg-server"
	printf '@test "a suite that passes" { true; }\n' > "$S/pass.bats"
}

# unit NAME [CC OPTION...]: a unit test binary built from C on standard
# input (with tests/unit/harness.h at hand), its source where run-tests
# looks for the unit tests.
unit() {
	local name=$1
	shift
	cat > "$S/tests/unit/$name.c"
	cc -std=c11 -O0 -D_POSIX_C_SOURCE=200809L -I"$BATS_TEST_DIRNAME/unit" "$@" \
		-o "$S/units/$name" "$S/tests/unit/$name.c"
}

good_unit() {
	unit test_good <<-'EOF'
		#include "harness.h"
		int main(void)
		{
			CHECK(1 + 1 == 2, "addition");
			CHECK_STR("a", "a", "strings");
			TEST_END();
		}
	EOF
}

runner() {
	run "$S/tests/run-tests" "$RP_BIN" "$S/units" "$S/pass.bats"
}

@test "run-tests: passing unit tests and suites are N passed, 0 failed (exit 0)" {
	good_unit
	runner
	assert_success
	assert_line "# unit: test_good"
	assert_line --regexp '^ok 1 - addition$'
	assert_line "# 2 passed, 0 failed"
	assert_line "ok 1 a suite that passes"
	refute_line --partial "not ok"
	assert_equal "${lines[-1]}" "3 passed, 0 failed"
}

@test "run-tests: a unit test that segfaults, one that prints nothing and one that is missing are 3 failures" {
	good_unit
	unit test_crash <<-'EOF'
		#include "harness.h"
		int main(void)
		{
			volatile int *p = NULL;
			CHECK(1, "before the crash");
			CHECK(*p == 0, "a NULL dereference");
			TEST_END();
		}
	EOF
	unit test_silent <<< 'int main(void) { return 0; }'
	touch "$S/tests/unit/test_missing.c"
	runner
	assert_failure 1
	# stdout is a pipe: the crash took the buffered "ok 1" with it
	assert_line "not ok - unit test_crash: killed by signal 11 (SIGSEGV) after 0 ok and 0 not ok lines"
	assert_line 'not ok - unit test_silent: no final "N passed, N failed" line (exit status 0)'
	assert_line "not ok - unit test_missing: missing or not executable: $S/units/test_missing"
	assert_equal "$(grep -c '^not ok' <<< "$output")" 3
	assert_equal "${lines[-1]}" "3 passed, 3 failed"
}

@test "run-tests: an AddressSanitizer report is a failure, whether ASan aborts or exits" {
	unit test_asan -fsanitize=address <<-'EOF'
		#include <stdlib.h>
		#include "harness.h"
		int main(void)
		{
			char *p = malloc(4);
			CHECK(p != NULL, "allocated");
			p[4] = 'x';
			CHECK(p[4] == 'x', "written past the end");
			free(p);
			TEST_END();
		}
	EOF
	ASAN_OPTIONS=abort_on_error=1 runner
	assert_failure 1
	assert_line "not ok - unit test_asan: killed by signal 6 (SIGABRT) after 0 ok and 0 not ok lines"
	assert_output --partial "ERROR: AddressSanitizer: heap-buffer-overflow"
	assert_equal "${lines[-1]}" "1 passed, 1 failed"
	ASAN_OPTIONS=abort_on_error=0 runner
	assert_failure 1
	assert_line 'not ok - unit test_asan: no final "N passed, N failed" line (exit status 1)'
	assert_equal "${lines[-1]}" "1 passed, 1 failed"
}

@test "run-tests: a unit test whose total or exit status does not match its checks is a failure" {
	unit test_overcount <<-'EOF'
		#include <stdio.h>
		int main(void) { puts("ok 1 - one"); puts("2 passed, 0 failed"); return 0; }
	EOF
	unit test_exit3 <<-'EOF'
		#include <stdio.h>
		int main(void) { puts("ok 1 - one"); puts("1 passed, 0 failed"); return 3; }
	EOF
	unit test_fails <<-'EOF'
		#include "harness.h"
		int main(void) { CHECK(0, "a check that fails"); TEST_END(); }
	EOF
	printf 'not a program\n' > "$S/units/test_plain"
	touch "$S/tests/unit/test_plain.c"
	runner
	assert_failure 1
	assert_line 'not ok - unit test_overcount: its total "2 passed, 0 failed" does not match its 1 ok and 0 not ok lines'
	assert_line "not ok - unit test_exit3: exit status 3 with 0 failed checks"
	# a failed check reported as such is one failure, not two
	assert_line --regexp '^not ok 1 - a check that fails \(.*test_fails\.c:2\)$'
	refute_line --partial "not ok - unit test_fails"
	assert_line "not ok - unit test_plain: missing or not executable: $S/units/test_plain"
	assert_equal "${lines[-1]}" "3 passed, 4 failed"
}

@test "run-tests: a bats run killed before its plan was done, or without a plan, is a failure" {
	good_unit
	cat > "$S/fakebin/bats" <<-'EOF'
		#!/bin/sh
		echo 1..2
		echo "ok 1 first"
		kill -9 $$
	EOF
	chmod +x "$S/fakebin/bats"
	PATH="$S/fakebin:$PATH" runner
	assert_failure 1
	assert_line "not ok - bats against $B: planned 2 tests, reported 1 (killed by signal 9 (SIGKILL))"
	assert_line "not ok - bats against $B, stores on PostgreSQL: planned 2 tests, reported 1 (killed by signal 9 (SIGKILL))"
	assert_equal "${lines[-1]}" "4 passed, 2 failed"

	printf '#!/bin/sh\necho "bats: cannot run" >&2\nexit 1\n' > "$S/fakebin/bats"
	PATH="$S/fakebin:$PATH" runner
	assert_failure 1
	assert_line "not ok - bats against $B: no plan line (1..N) (exit status 1)"
	assert_equal "${lines[-1]}" "2 passed, 2 failed"

	printf '#!/bin/sh\necho 1..1\necho "ok 1 fine"\nexit 1\n' > "$S/fakebin/bats"
	PATH="$S/fakebin:$PATH" runner
	assert_failure 1
	assert_line "not ok - bats against $B: exit status 1 with 0 failed tests"
	assert_equal "${lines[-1]}" "4 passed, 2 failed"
}
