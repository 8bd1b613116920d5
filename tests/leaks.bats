#!/usr/bin/env bats
# No leaks and no memory errors under valgrind on the fixtures (normal
# build only: valgrind and AddressSanitizer cannot watch the same process).

setup() {
	load test_helper/common
	command -v valgrind >/dev/null || fail "valgrind is not installed (Debian package valgrind)"
}

vg() {
	valgrind --quiet --leak-check=full --show-leak-kinds=definite,indirect,possible \
		--errors-for-leak-kinds=definite,indirect,possible --error-exitcode=99 "$@"
}

@test "valgrind: extract-oneroster on a folder, a zip and a 1.2 package" {
	for src in "$TD/district/y1-v1p1" "$TD/district/y1-v1p1.zip" "$TD/district/y1-v1p2"; do
		run vg extract-oneroster "$src"
		assert_success
	done
}

@test "valgrind: extract-oneroster on every bad-input variant" {
	for v in "$TD"/oneroster/variants/*/; do
		pkg=$(variant "$(basename "$v")")
		run vg extract-oneroster "$pkg"
		[ "$status" -ne 99 ] || fail "valgrind errors on variant $v: $output"
	done
}

@test "valgrind: normalize on the district (with demographics spooling) and on bad input" {
	extract-oneroster "$TD/district/y1-v1p2" > "$BATS_TEST_TMPDIR/raw"
	run vg normalize "$BATS_TEST_TMPDIR/raw"
	assert_success
	for f in "$TD"/normalize/*; do
		run vg normalize "$f"
		[ "$status" -ne 99 ] || fail "valgrind errors on $f: $output"
	done
}
