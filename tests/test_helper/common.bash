bats_require_minimum_version 1.5.0
# Loaded by every suite: assertions, the programs under test, fixtures.
bats_load_library bats-support
bats_load_library bats-assert

RP_BIN="${RP_BIN:-$BATS_TEST_DIRNAME/../bin}"
PATH="$RP_BIN:$PATH"
TD="$BATS_TEST_DIRNAME/../testdata"
# A snapshot or plan without its store's identity in the header line (each
# new store gets a random one), for comparing with golden files.
without_store_id() { sed '1s/,"store":"[0-9a-f]\{32\}"//'; }
RP_VERSION=$(cat "$BATS_TEST_DIRNAME/../VERSION") # the one version string
export SOURCE_DATE_EPOCH=1785585600 # 2026-08-01T12:00:00Z
# Each test has a home of its own, so that nothing a test runs writes into
# the real one (a PostgreSQL store's held plans go under ~/.rosterpipe).
if [ -n "${BATS_TEST_TMPDIR:-}" ]; then
	export HOME="$BATS_TEST_TMPDIR/home"
	mkdir -p "$HOME"
fi

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

# The store suites run twice: on SQLite files, and with RP_STORE=postgres on
# the throwaway PostgreSQL server tests/run-tests starts (RP_PG_BASE).
# Tests about SQLite files only carry `# bats test_tags=sqlite-only`.
on_postgres() { [ "${RP_STORE:-sqlite}" = postgres ]; }

# A new, empty store for this test: a file path, or a fresh database's URL.
new_store() {
	local name=${1:-s}
	if on_postgres; then
		[ -n "${RP_PG_BASE:-}" ] || { echo "RP_PG_BASE is not set: no PostgreSQL test server" >&2; return 1; }
		local dbname="t${BATS_ROOT_PID}_${BATS_SUITE_TEST_NUMBER}_${name}"
		psql -qX "$RP_PG_BASE/postgres" -c "CREATE DATABASE $dbname" >&2 || return 1
		printf '%s/%s\n' "$RP_PG_BASE" "$dbname"
	else
		printf '%s/%s.db\n' "$BATS_TEST_TMPDIR" "$name"
	fi
}

# True while nothing has made the store's tables: the file is not there,
# or the database holds no store.
store_is_new() {
	if on_postgres; then
		[ -z "$(psql -qXAt "$1" -c "SELECT to_regclass('meta')")" ]
	else
		[ ! -e "$1" ]
	fi
}

# sql DB QUERY: the rows of one query, columns joined by '|'.
sql() {
	if on_postgres; then
		psql -qXAt "$1" -c "$2"
	else
		sqlite3 "$1" "$2"
	fi
}

# SQLite's own check of the file; PostgreSQL keeps its files itself.
store_integrity() {
	if on_postgres; then
		sql "$1" "SELECT 'ok' FROM meta WHERE key = 'version'"
	else
		sqlite3 "$1" 'PRAGMA integrity_check'
	fi
}

# plan_renaming STATE SOURCE_ID NAME [DIFF-ROSTER OPTION...]: a plan from
# the sample district's year 1 with one user's given name changed.
plan_renaming() {
	local state=$1 id=$2 name=$3
	shift 3
	sed "s/\(\"source_id\":\"$id\".*\"given_name\":\)\"[^\"]*\"/\1\"$name\"/" \
		"$TD/district/y1.canonical.ndjson" | diff-roster --state "$state" "$@"
}
