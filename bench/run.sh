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
for year in 1 2; do
	[ -s "$data/y$year/oneroster/users.csv" ] ||
		bench/gen-district --out "$data/y$year" --users "$users" --year "$year"
done

results=$out/results-$users.txt
: > "$results"
printf '%-44s %9s %12s %9s %9s\n' stage "wall s" "rows/s" "MB/s" "peak MB" | tee -a "$results"

# measure NAME ROWS BYTES CMD...: wall time and peak memory of one command
# (its output goes to $out/last; a pipeline is passed as bash -c).
measure() {
	local name=$1 rows=$2 bytes=$3 t
	shift 3
	/usr/bin/time -f '%e %M' -o "$out/time" "$@" > "$out/last" 2> "$out/stderr" || true
	set -- $(tail -n 1 "$out/time")
	awk -v n="$name" -v s="$1" -v kb="$2" -v rows="$rows" -v bytes="$bytes" 'BEGIN {
		if (s < 0.005) s = 0.005
		printf "%-44s %9.2f %12.0f %9.1f %9.1f\n", n, s, rows / s, bytes / s / 1e6, kb / 1024 }' |
		tee -a "$results"
}
skip() { printf '%-44s %s\n' "$1" "skipped: $2 is not installed" | tee -a "$results"; }

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
	skip "mlr --icsv --ojsonl cat" mlr
fi
if command -v jq >/dev/null; then
	measure "jq -c . (the raw NDJSON)" "$csv_rows" "$raw_bytes" jq -c . "$out/raw1.ndjson"
else
	skip "jq -c ." jq
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
	rm -f "$out/import.db"
else
	skip "sqlite3 .import" sqlite3
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
rm -f "$out/sync.db"*
measure "oneroster-sync: year 1 into an empty store" "$csv_rows" "$csv_bytes" \
	oneroster-sync --quiet --db "$out/sync.db" "$y1"
rm -f "$out/sync.db"*
measure "oneroster-sync: year 2 again (unchanged)" "$csv_rows" "$csv_bytes" \
	oneroster-sync --quiet --db "$out/store.db" "$y2"
echo "(results in $results)"
