#!/usr/bin/env bats
# bats file_tags=store
# Hostile input: bombs, paths out of the archive, huge fields and lines,
# deep nesting, NUL bytes, overlong UTF-8, SQL and formula metacharacters,
# and what --quiet runs print.

setup() { load test_helper/common; }

# No crash: exited by itself, neither killed by a signal nor by a sanitizer.
refute_crash() { [ "$status" -lt 128 ] || fail "crashed with status $status: ${output:0:500}"; }

@test "a zip bomb inside a package is refused with a clear error" {
	run -1 --separate-stderr extract-oneroster "$TD/hostile/bomb-package.zip"
	[[ "$stderr" =~ ^extract-oneroster:\ $TD/hostile/bomb-package.zip/users.csv:[0-9]+:\ compression\ ratio\ over\ 1000:\ refused\ as\ a\ zip\ bomb$ ]] || fail "$stderr"
	refute_output --partial '"entity":"users"'
}

@test "zip entries leaving the archive, absolute or symbolic links are refused before anything is read" {
	for z in dotdot nested-dotdot absolute backslash symlink; do
		run -1 --separate-stderr extract-oneroster "$TD/zip/$z.zip"
		assert_output ""
		[[ "$stderr" == "extract-oneroster: $TD/zip/$z.zip: entry "* ]] || fail "$z: $stderr"
	done
}

@test "a CSV field of 100 MB is read whole, without a crash" {
	pkg=$(variant header-only)
	{ head -n 1 "$pkg/users.csv"; printf 'u-1,,,true,s-1,student,ann,,'; head -c 100000000 /dev/zero | tr '\0' a; printf ',Lee,,100,,,,,3,\n'; } > "$pkg/users.csv.new"
	mv "$pkg/users.csv.new" "$pkg/users.csv"
	run bash -c 'extract-oneroster "$1" | normalize | grep -c "\"type\":\"user\""' _ "$pkg"
	refute_crash
	assert_output 1
}

@test "an NDJSON line of 100 MB is read whole, without a crash" {
	{ printf '{"type":"raw","source":"oneroster","entity":"orgs","file":"orgs.csv","line":2,"data":{"sourcedId":"s-1","name":"'; head -c 100000000 /dev/zero | tr '\0' b; printf '","type":"school"}}\n'; } > "$BATS_TEST_TMPDIR/big.ndjson"
	run bash -c 'normalize "$1" | wc -c' _ "$BATS_TEST_TMPDIR/big.ndjson"
	refute_crash
	assert_output 100000067
}

@test "deeply nested JSON is an error, not a crash (NDJSON, API pages, plans)" {
	deep=$(printf '%0.s[' $(seq 1 5000))
	printf '{"type":"raw","data":%s\n' "$deep" > "$BATS_TEST_TMPDIR/deep.ndjson"
	run -1 --separate-stderr normalize "$BATS_TEST_TMPDIR/deep.ndjson"
	assert_equal "$stderr" "normalize: $BATS_TEST_TMPDIR/deep.ndjson:1: not valid JSON"
	printf '{"data":%s\n' "$deep" > "$BATS_TEST_TMPDIR/deep.json"
	run -1 --separate-stderr extract-clever "$BATS_TEST_TMPDIR/deep.json"
	refute_crash
	run -1 --separate-stderr apply --db "$(new_store s)" "$BATS_TEST_TMPDIR/deep.ndjson"
	refute_crash
}

@test "NUL bytes and overlong UTF-8 are located errors everywhere" {
	printf '{"type":"feed"}\n{"type":"raw","x":"a\0b"}\n' > "$BATS_TEST_TMPDIR/nul.ndjson"
	run -1 --separate-stderr normalize "$BATS_TEST_TMPDIR/nul.ndjson"
	assert_equal "$stderr" "normalize: $BATS_TEST_TMPDIR/nul.ndjson:2: NUL byte in line"
	printf '{"data":[{"data":{"id":"\xc0\xaf"}}]}' > "$BATS_TEST_TMPDIR/overlong.json"
	run -1 --separate-stderr extract-clever "$BATS_TEST_TMPDIR/overlong.json"
	assert_equal "$stderr" "extract-clever: $BATS_TEST_TMPDIR/overlong.json:1: invalid UTF-8"
}

@test "SQL metacharacters in every field are stored verbatim, nothing injected" {
	pkg=$(variant header-only)
	cp "$TD/hostile/sql-meta.users.csv" "$pkg/users.csv"
	db=$(new_store s)
	run --separate-stderr oneroster-sync --quiet --db "$db" "$pkg"
	assert_success
	run snapshot --db "$db" --entity user
	assert_line --partial "\"username\":\"x'; DROP TABLE users;--\""
	assert_line --partial "\"given_name\":\"Robert'); DROP TABLE users;--\",\"middle_name\":\"%_\\\\\",\"family_name\":\"\\\"; DELETE FROM users; --\""
	assert_line --partial "\"sis_id\":\"1' OR '1'='1\""
	assert_equal "$(sql "$db" 'SELECT count(*) FROM users')" 2
}

@test "formula prefixes are escaped in every CSV the toolkit writes for people" {
	pkg=$(variant header-only)
	cp "$TD/hostile/sql-meta.users.csv" "$pkg/users.csv"
	db=$(new_store s)
	oneroster-sync --quiet --db "$db" "$pkg" 2>/dev/null
	run migrate-plan --db "$db" --quiet "$pkg"
	assert_line "u2,oneroster,u-2,source_id,unique,\"'=HYPERLINK(\"\"x\"\") +SUM(A1)\",\"'=HYPERLINK(\"\"x\"\") +SUM(A1)\""
}

@test "--quiet runs print no personal data, even on bad input" {
	pkg=$(variant bad-values)
	run --separate-stderr oneroster-sync --quiet --db "$(new_store s)" "$pkg"
	assert_equal "$status" 1
	for personal in Ann Lee Bo Roe Cy Zed Doe Di Poe ann@; do
		[[ "$stderr" != *"$personal"* ]] || fail "stderr shows \"$personal\": $stderr"
	done
}
