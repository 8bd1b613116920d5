#!/usr/bin/env bats
# bats file_tags=store
# Hostile input: bombs, paths out of the archive, huge fields and lines,
# deep nesting, NUL bytes, overlong UTF-8, SQL and formula metacharacters,
# and what --quiet runs print.

setup() { load test_helper/common; }

# refute_crash WANT: the program the last `run` ran (run it directly, or as
# the last command of `bash -c`, never before a pipe) exited by itself with
# status WANT: 128 and above (killed by a signal, a sanitizer's abort) is
# reported as a crash.
refute_crash() {
	[ "$status" -lt 128 ] ||
		fail "crashed: status $status (SIG$(kill -l $((status - 128)) 2>/dev/null)): ${output:0:500}"
	[ "$status" -eq "$1" ] || fail "exit status $status, expected $1: ${output:0:500}"
}

# users_csv GIVEN_NAME_LENGTH: a users.csv of one user whose given name is
# that many a's.
users_csv() {
	head -n 1 "$TD/oneroster/variants/header-only/users.csv"
	printf 'u-1,,,true,s-1,student,ann,,'
	head -c "$1" /dev/zero | tr '\0' a
	printf ',Lee,,100,,,,,3,\n'
}

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
	# the same user with a one-byte given name: the size to expect
	pkg=$(variant header-only)
	users_csv 1 > "$pkg/users.csv"
	extract-oneroster "$pkg" | normalize > "$BATS_TEST_TMPDIR/small"
	assert_equal "$(grep -c '"given_name":"a"' "$BATS_TEST_TMPDIR/small")" 1
	users_csv 100000000 > "$pkg/users.csv"
	run bash -c 'extract-oneroster "$1" > "$2"' _ "$pkg" "$BATS_TEST_TMPDIR/raw"
	refute_crash 0
	assert_output ""
	run bash -c 'normalize "$1" > "$2"' _ "$BATS_TEST_TMPDIR/raw" "$BATS_TEST_TMPDIR/canonical"
	refute_crash 0
	assert_output ""
	assert_equal "$(grep -c '"type":"user"' "$BATS_TEST_TMPDIR/canonical")" 1
	assert_equal "$(wc -c < "$BATS_TEST_TMPDIR/canonical")" $(($(wc -c < "$BATS_TEST_TMPDIR/small") + 100000000 - 1))
}

@test "an NDJSON line of 100 MB is read whole, without a crash" {
	{ printf '{"type":"raw","source":"oneroster","entity":"orgs","file":"orgs.csv","line":2,"data":{"sourcedId":"s-1","name":"'; head -c 100000000 /dev/zero | tr '\0' b; printf '","type":"school"}}\n'; } > "$BATS_TEST_TMPDIR/big.ndjson"
	run bash -c 'normalize "$1" > "$2"' _ "$BATS_TEST_TMPDIR/big.ndjson" "$BATS_TEST_TMPDIR/out"
	refute_crash 0
	assert_output ""
	assert_equal "$(wc -c < "$BATS_TEST_TMPDIR/out")" 100000067
}

@test "deeply nested JSON is an error, not a crash (NDJSON, API pages, plans)" {
	deep=$(printf '%0.s[' $(seq 1 5000))
	closed=$deep$(printf '%0.s]' $(seq 1 5000))
	# cut short: no closing brackets
	printf '{"type":"raw","data":%s\n' "$deep" > "$BATS_TEST_TMPDIR/deep.ndjson"
	run -1 --separate-stderr normalize "$BATS_TEST_TMPDIR/deep.ndjson"
	assert_equal "$stderr" "normalize: $BATS_TEST_TMPDIR/deep.ndjson:1: not valid JSON"
	assert_output ""
	printf '{"data":%s\n' "$deep" > "$BATS_TEST_TMPDIR/deep.json"
	run -1 --separate-stderr extract-clever "$BATS_TEST_TMPDIR/deep.json"
	assert_equal "$stderr" "extract-clever: $BATS_TEST_TMPDIR/deep.json:1: JSON document cut short at the end of the input"
	assert_output ""
	run -1 --separate-stderr apply --db "$(new_store s)" "$BATS_TEST_TMPDIR/deep.ndjson"
	assert_equal "${stderr_lines[0]}" "apply: $BATS_TEST_TMPDIR/deep.ndjson:1: not valid JSON"
	assert_output ""
	# whole documents, too deep and nothing else
	printf '{"type":"raw","data":%s}\n' "$closed" > "$BATS_TEST_TMPDIR/closed.ndjson"
	run -1 --separate-stderr normalize "$BATS_TEST_TMPDIR/closed.ndjson"
	assert_equal "$stderr" "normalize: $BATS_TEST_TMPDIR/closed.ndjson:1: not valid JSON"
	printf '{"data":%s}\n' "$closed" > "$BATS_TEST_TMPDIR/closed.json"
	run -1 --separate-stderr extract-clever "$BATS_TEST_TMPDIR/closed.json"
	assert_equal "$stderr" "extract-clever: $BATS_TEST_TMPDIR/closed.json:1: not valid JSON"
	assert_output ""
	run -1 --separate-stderr apply --db "$(new_store s2)" "$BATS_TEST_TMPDIR/closed.ndjson"
	assert_equal "${stderr_lines[0]}" "apply: $BATS_TEST_TMPDIR/closed.ndjson:1: not valid JSON"
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
	run -0 snapshot --db "$db" --entity user
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
	run -0 migrate-plan --db "$db" --quiet "$pkg"
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

# bats test_tags=sqlite-only
@test "a file size limit hit mid-apply is an I/O failure (exit 4, said), never a death by SIGXFSZ; the store as before" {
	db=$(new_store s)
	oneroster-sync --quiet --db "$db" "$TD/district/y1-v1p1" 2>/dev/null
	before=$(snapshot --db "$db" | tail -n +2)
	snapshot --db "$db" > "$BATS_TEST_TMPDIR/state"
	extract-oneroster "$TD/district/y2-v1p1" | normalize | diff-roster --state "$BATS_TEST_TMPDIR/state" > "$BATS_TEST_TMPDIR/plan"
	# room for the write-ahead log's first pages, not for the plan's changes
	kb=16
	run --separate-stderr bash -c 'ulimit -f "$1"; apply --db "$2" --force --quiet "$3"' _ "$kb" "$db" "$BATS_TEST_TMPDIR/plan"
	refute_crash 4
	assert_stderr_partial "disk I/O error"
	assert_equal "$(snapshot --db "$db" | tail -n +2)" "$before"
}

@test "a file size limit on an output is an I/O failure of the writer (exit 4), not a death" {
	run --separate-stderr bash -c 'ulimit -f 1; extract-oneroster "$1" > "$2"' _ "$TD/district/y1-v1p1" "$BATS_TEST_TMPDIR/raw"
	refute_crash 4
	assert_stderr_partial "extract-oneroster: "
}

# bats test_tags=sqlite-only
@test "a store whose side table cannot be read: snapshot fails (exit 4), it never writes users without their schools" {
	db=$(new_store s)
	oneroster-sync --quiet --db "$db" "$TD/district/y1-v1p1" 2>/dev/null
	sql "$db" "PRAGMA wal_checkpoint(TRUNCATE)" > /dev/null
	page=$(sql "$db" "SELECT rootpage FROM sqlite_master WHERE name = 'user_school_ids'")
	size=$(sql "$db" "PRAGMA page_size")
	# the table's first page overwritten: its rows can no longer be read
	printf '\377%.0s' $(seq 64) | dd of="$db" bs=1 seek=$(( (page - 1) * size + 8 )) conv=notrunc status=none
	run --separate-stderr snapshot --db "$db" --entity user
	refute_crash 4
	assert_equal "$stderr" "snapshot: $db: users: database disk image is malformed"
	refute_output --partial '"school_ids":[]'
}
