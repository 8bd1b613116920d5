#!/usr/bin/env bash
# make bench: a synthetic district at scale through every stage, timed, with
# the I/O floor and the general-purpose tools (Miller, jq, sqlite3) beside.
# BENCH_USERS (default 1000000) sets the scale; BENCH_DIR where data goes,
# BENCH_OUT where the intermediate files and results go (bench/out).
set -euo pipefail
cd "$(dirname "$0")/.."
users=${BENCH_USERS:-1000000}
data=${BENCH_DIR:-bench/data}/$users
out=${BENCH_OUT:-bench/out}
mkdir -p "$data" "$out"
PATH="$PWD/bin:$PATH"
export SOURCE_DATE_EPOCH=1785585600

cc -O2 -std=c11 -Wall -Wextra -Wpedantic -Werror -D_POSIX_C_SOURCE=200809L \
	-o bench/gen-district bench/gen-district.c
# the anchor for diff-roster: both its inputs merely parsed with cJSON
cc -O2 -std=c11 -Wall -Wextra -Wpedantic -Werror -D_POSIX_C_SOURCE=200809L \
	$(pkg-config --cflags libcjson) -o bench/parse-ndjson bench/parse-ndjson.c \
	$(pkg-config --libs libcjson)
for year in 1 2; do
	[ -s "$data/y$year/oneroster/users.csv" ] ||
		bench/gen-district --out "$data/y$year" --users "$users" --year "$year"
done

results=$out/results-$users.txt
: > "$results"
{
	echo "# $(date -u +%Y-%m-%dT%H:%MZ), $users users, $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'))"
	echo "# load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee -a "$results"
# cpu s: user and system seconds of the command itself (not of a server):
# the steadier figure when other work shares the cores
printf '%-52s %9s %12s %9s %9s %9s\n' stage "wall s" "rows/s" "MB/s" "peak MB" "cpu s" | tee -a "$results"
declare -A wall # seconds of each stage, by name, for the targets at the end

# measure NAME ROWS BYTES CMD...: wall time and peak memory of one command
# (its output goes to $out/last; a pipeline is passed as bash -c).
measure() {
	local name=$1 rows=$2 bytes=$3 t
	shift 3
	/usr/bin/time -f '%e %M %U %S' -o "$out/time" "$@" > "$out/last" 2> "$out/stderr" || true
	set -- $(tail -n 1 "$out/time")
	wall[$name]=$1
	awk -v n="$name" -v s="$1" -v kb="$2" -v u="${3:-0}" -v sy="${4:-0}" \
		-v rows="$rows" -v bytes="$bytes" 'BEGIN {
		if (s < 0.005) s = 0.005
		printf "%-52s %9.2f %12.0f %9.1f %9.1f %9.2f\n", n, s, rows / s, bytes / s / 1e6, kb / 1024, u + sy }' |
		tee -a "$results"
}
skip() { printf '%-52s %s\n' "$1" "skipped: $2" | tee -a "$results"; }
# ratio NAME A B [GOAL]: stage A's time over stage B's, against a goal
ratio() {
	local a=${wall[$2]:-} b=${wall[$3]:-}
	if [ -z "$a" ] || [ -z "$b" ]; then
		printf '%-52s %s\n' "$1" "not measured" | tee -a "$results"
		return
	fi
	awk -v n="$1" -v a="$a" -v b="$b" -v goal="${4:-}" 'BEGIN {
		if (b < 0.005) b = 0.005
		r = a / b
		at_least = goal ~ /^>=/
		g = at_least ? substr(goal, 3) + 0 : goal + 0
		met = at_least ? r >= g : r <= g
		printf "%-52s %9.2fx%s\n", n, r, goal == "" ? "" : \
			sprintf("  (goal: %s%s; %s)", at_least ? "at least " : "at most ", g,
				met ? "met" : "not met") }' |
		tee -a "$results"
}

# The schema's own SQLite floor for what a store holds (docs/performance.md):
# every table of SRC copied into a new file DST with INSERT ... SELECT in one
# transaction, the indexes built after, with the store's pragmas. No
# statement per row, no JSON, no hashing.
floor_sql() {
	local src=$1 dst=$2
	echo "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=OFF;"
	echo "PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY;"
	sqlite3 "$src" "SELECT sql || ';' FROM sqlite_master WHERE type = 'table'"
	echo "ATTACH '$src' AS src; BEGIN;"
	sqlite3 "$src" "SELECT 'INSERT INTO main.' || name || ' SELECT * FROM src.' || name || ';'
		FROM sqlite_master WHERE type = 'table'"
	sqlite3 "$src" "SELECT sql || ';' FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
	echo "COMMIT;"
}

y1=$data/y1/oneroster y2=$data/y2/oneroster
csv_rows=$(cat "$y1"/*.csv | wc -l)
csv_bytes=$(cat "$y1"/*.csv | wc -c)
user_rows=$(($(wc -l < "$y1/users.csv") - 1))

measure "I/O floor: cat of the CSV files" "$csv_rows" "$csv_bytes" cat "$y1"/*.csv
measure "extract-oneroster" "$csv_rows" "$csv_bytes" extract-oneroster "$y1"
cp "$out/last" "$out/raw1.ndjson"
raw_bytes=$(wc -c < "$out/raw1.ndjson")
measure "normalize" "$csv_rows" "$raw_bytes" normalize "$out/raw1.ndjson"
cp "$out/last" "$out/canon1.ndjson"
measure "extract-oneroster | normalize" "$csv_rows" "$csv_bytes" \
	bash -c 'extract-oneroster "$1" | normalize' _ "$y1"
if command -v mlr >/dev/null; then
	measure "mlr --icsv --ojsonl cat (same CSV files)" "$csv_rows" "$csv_bytes" \
		bash -c 'for f in "$1"/*.csv; do mlr --icsv --ojsonl cat "$f"; done' _ "$y1"
else
	skip "mlr --icsv --ojsonl cat" "mlr is not installed (Debian: miller)"
fi
if command -v jq >/dev/null; then
	measure "jq -c . (the raw NDJSON)" "$csv_rows" "$raw_bytes" jq -c . "$out/raw1.ndjson"
else
	skip "jq -c ." "jq is not installed"
fi

c1=$data/y1/clever
clever_pages=("$c1"/*.json)
clever_bytes=$(cat "${clever_pages[@]}" | wc -c)
clever_items=$(($(extract-clever "${clever_pages[@]}" | wc -l) - 1))
measure "extract-clever | normalize (Clever pages)" "$clever_items" "$clever_bytes" \
	bash -c 'extract-clever "$@" | normalize' _ "${clever_pages[@]}"

# The users-only targets: 1M stored against 1M incoming users, and a
# users-only create plan against sqlite3 .import of users.csv.
users_only() { grep -v '"type":"\(section\|term\|enrollment\|course\|appointment\)"' "$1"; }
users_only "$out/canon1.ndjson" |
	sed '1s/"modes":{.*}}$/"modes":{"school":"bulk","user":"bulk"}}/' > "$out/ucanon1.ndjson"
measure "diff-roster: users only, year 1 against empty" "$user_rows" "$(wc -c < "$out/ucanon1.ndjson")" \
	diff-roster --state /dev/null "$out/ucanon1.ndjson"
cp "$out/last" "$out/uplan1.ndjson"
uops1=$(($(wc -l < "$out/uplan1.ndjson") - 1))
rm -f "$out/ustore.db"*
measure "apply: users-only create plan ($uops1 ops)" "$uops1" "$(wc -c < "$out/uplan1.ndjson")" \
	apply --db "$out/ustore.db" --quiet "$out/uplan1.ndjson"
snapshot --db "$out/ustore.db" > "$out/ustate1.ndjson"
measure "diff-roster: users only, unchanged" "$user_rows" "$(wc -c < "$out/ustate1.ndjson")" \
	diff-roster --state "$out/ustate1.ndjson" "$out/ucanon1.ndjson"

rm -f "$out/store.db"*
measure "diff-roster: year 1 against an empty store" "$csv_rows" "$raw_bytes" \
	diff-roster --state /dev/null "$out/canon1.ndjson"
cp "$out/last" "$out/plan1.ndjson"
ops1=$(($(wc -l < "$out/plan1.ndjson") - 1))
measure "apply: the year-1 create plan" "$ops1" "$(wc -c < "$out/plan1.ndjson")" \
	apply --db "$out/store.db" --quiet "$out/plan1.ndjson"
if command -v sqlite3 >/dev/null; then
	rm -f "$out/import.db"
	measure "sqlite3 .import of users.csv (floor)" "$user_rows" "$(wc -c < "$y1/users.csv")" \
		sqlite3 "$out/import.db" ".mode csv" ".import $y1/users.csv users"
	rm -f "$out/import.db" "$out/floor.db"*
	floor_sql "$out/store.db" "$out/floor.db" > "$out/floor.sql"
	measure "SQLite floor: the year-1 store by INSERT ... SELECT" "$ops1" 0 \
		sqlite3 "$out/floor.db" ".read $out/floor.sql"
	rm -f "$out/floor.db"*
else
	skip "sqlite3 .import" "sqlite3 is not installed"
fi
measure "snapshot" "$ops1" 0 snapshot --db "$out/store.db"
cp "$out/last" "$out/state1.ndjson"
state_bytes=$(wc -c < "$out/state1.ndjson")

bash -c 'extract-oneroster "$1" | normalize' _ "$y2" > "$out/canon2.ndjson"
measure "diff-roster: year 2 against the year-1 store" "$csv_rows" "$state_bytes" \
	diff-roster --state "$out/state1.ndjson" "$out/canon2.ndjson"
cp "$out/last" "$out/plan2.ndjson"
ops2=$(($(wc -l < "$out/plan2.ndjson") - 1))
users_only "$out/canon2.ndjson" |
	sed '1s/"modes":{.*}}$/"modes":{"school":"bulk","user":"bulk"}}/' > "$out/ucanon2.ndjson"
diff-roster --state "$out/ustate1.ndjson" "$out/ucanon2.ndjson" > "$out/uplan2.ndjson"
uops2=$(($(wc -l < "$out/uplan2.ndjson") - 1))
measure "apply: users-only year-2 plan ($uops2 ops)" "$uops2" "$(wc -c < "$out/uplan2.ndjson")" \
	apply --db "$out/ustore.db" --force --quiet "$out/uplan2.ndjson"
measure "apply: the year-2 plan ($ops2 operations)" "$ops2" "$(wc -c < "$out/plan2.ndjson")" \
	apply --db "$out/store.db" --force --quiet "$out/plan2.ndjson"
snapshot --db "$out/store.db" > "$out/state2.ndjson"
measure "diff-roster: year 2 against itself (unchanged)" "$csv_rows" "$(wc -c < "$out/state2.ndjson")" \
	diff-roster --state "$out/state2.ndjson" "$out/canon2.ndjson"
measure "cJSON parse of the same two inputs (anchor)" "$csv_rows" "$(wc -c < "$out/state2.ndjson")" \
	bench/parse-ndjson "$out/state2.ndjson" "$out/canon2.ndjson"
rm -f "$out/sync.db"*
measure "oneroster-sync: year 1 into an empty store" "$csv_rows" "$csv_bytes" \
	oneroster-sync --quiet --db "$out/sync.db" "$y1"
rm -f "$out/sync.db"*
measure "oneroster-sync: year 2 again (unchanged)" "$csv_rows" "$csv_bytes" \
	oneroster-sync --quiet --db "$out/store.db" "$y2"

# The same plans on PostgreSQL, in databases of a throwaway server on this
# machine (tests/pg-server: loopback, fsync=off, sharing the cores).
pgdir=$(mktemp -d /tmp/rp-bench-pg.XXXXXX)
trap 'tests/pg-server stop "$pgdir" 2>/dev/null || true' EXIT
if pgbase=$(tests/pg-server start "$pgdir" 2> "$out/pg-server.err"); then
	psql -qX "$pgbase/postgres" -c "CREATE DATABASE bench1" -c "CREATE DATABASE bench2" > /dev/null
	measure "PostgreSQL apply: the year-1 create plan" "$ops1" "$(wc -c < "$out/plan1.ndjson")" \
		apply --db "$pgbase/bench1" --quiet "$out/plan1.ndjson"
	measure "PostgreSQL snapshot" "$ops1" 0 snapshot --db "$pgbase/bench1"
	cp "$out/last" "$out/pgstate1.ndjson"
	# the same operations (the store's ids are given in the same order);
	# the header names the PostgreSQL store
	diff-roster --state "$out/pgstate1.ndjson" "$out/canon2.ndjson" > "$out/pgplan2.ndjson"
	if ! cmp -s <(tail -n +2 "$out/plan2.ndjson") <(tail -n +2 "$out/pgplan2.ndjson"); then
		echo "the year-2 plan made from PostgreSQL's snapshot differs from SQLite's" | tee -a "$results"
	fi
	measure "PostgreSQL apply: the year-2 plan" "$ops2" "$(wc -c < "$out/pgplan2.ndjson")" \
		apply --db "$pgbase/bench1" --force --quiet "$out/pgplan2.ndjson"
	measure "PostgreSQL oneroster-sync: year 2 again (unchanged)" "$csv_rows" "$csv_bytes" \
		oneroster-sync --quiet --db "$pgbase/bench1" "$y2"
else
	skip "PostgreSQL stages" "no server could be started ($(head -n 1 "$out/pg-server.err"))"
fi
tests/pg-server stop "$pgdir" 2>/dev/null || true
trap - EXIT

echo "# against the targets (docs/performance.md)" | tee -a "$results"
ratio "extract|normalize: Miller's time over ours" "mlr --icsv --ojsonl cat (same CSV files)" \
	"extract-oneroster | normalize" ">=3"
ratio "diff-roster unchanged over the cJSON parse" "diff-roster: year 2 against itself (unchanged)" \
	"cJSON parse of the same two inputs (anchor)" 2.5
ratio "apply of the first load over the SQLite floor" "apply: the year-1 create plan" \
	"SQLite floor: the year-1 store by INSERT ... SELECT" 1.5
awk -v s="${wall["oneroster-sync: year 2 again (unchanged)"]:-}" 'BEGIN {
	if (s != "") printf "%-52s %9.2f s  (goal: 15 s; %s)\n", "the unchanged nightly sync", s,
		s <= 15 ? "met" : "not met" }' | tee -a "$results"
ratio "PostgreSQL over SQLite: apply of the first load" "PostgreSQL apply: the year-1 create plan" \
	"apply: the year-1 create plan" 2
ratio "PostgreSQL over SQLite: apply of the year-2 plan" "PostgreSQL apply: the year-2 plan" \
	"apply: the year-2 plan ($ops2 operations)" 2
ratio "PostgreSQL over SQLite: snapshot" "PostgreSQL snapshot" "snapshot" 2
echo "(results in $results)"
