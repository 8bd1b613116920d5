bats_require_minimum_version 1.5.0
# Loaded by every suite: assertions, the programs under test, fixtures.
bats_load_library bats-support
bats_load_library bats-assert

RP_BIN="${RP_BIN:-$BATS_TEST_DIRNAME/../bin}"
PATH="$RP_BIN:$PATH"
TD="$BATS_TEST_DIRNAME/../testdata"
export SOURCE_DATE_EPOCH=1785585600 # 2026-08-01T12:00:00Z

# A copy of a fixture folder in the test's own temporary folder.
fixture_copy() {
	local dst="$BATS_TEST_TMPDIR/${2:-pkg}"
	cp -r "$1" "$dst"
	printf '%s\n' "$dst"
}

# The minimal OneRoster package with one variant's files laid over it
# (testdata/oneroster/variants/NAME; its .remove lists files to take out).
variant() {
	local dst="$BATS_TEST_TMPDIR/$1"
	rm -rf "$dst"
	cp -r "$TD/oneroster/min" "$dst"
	cp -r "$TD/oneroster/variants/$1/." "$dst/"
	if [ -f "$dst/.remove" ]; then
		(cd "$dst" && rm -f $(cat .remove) .remove)
	fi
	printf '%s\n' "$dst"
}

# Assertions on standard error, after `run --separate-stderr`.
assert_stderr_line() {
	local l
	for l in "${stderr_lines[@]}"; do
		[ "$l" = "$1" ] && return 0
	done
	fail "stderr has no line: $1
stderr: $stderr"
}
assert_stderr_partial() {
	[[ "$stderr" == *"$1"* ]] || fail "stderr does not contain: $1
stderr: $stderr"
}
