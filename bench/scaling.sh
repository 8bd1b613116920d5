#!/usr/bin/env bash
# make bench-scaling: many districts synced by sync-all with 1, 2 and 4
# parallel jobs, each district into its own store. SCALE_DISTRICTS (8)
# districts of SCALE_USERS (20000) users each; SCALE_DB=postgres puts the
# stores in a throwaway PostgreSQL server (a database per district) instead
# of SQLite files; SCALE_JOBS the job counts (1 2 4).
set -euo pipefail
cd "$(dirname "$0")/.."
districts=${SCALE_DISTRICTS:-8}
users=${SCALE_USERS:-20000}
backend=${SCALE_DB:-sqlite}
data=${BENCH_DIR:-bench/data}/scaling-$users
out=$(realpath -m "${BENCH_OUT:-bench/out}/scaling")
mkdir -p "$data" "$out"
PATH="$PWD/bin:$PATH"
export SOURCE_DATE_EPOCH=1785585600

cc -O2 -std=c11 -Wall -Wextra -Wpedantic -Werror -D_POSIX_C_SOURCE=200809L \
	-o bench/gen-district bench/gen-district.c
for i in $(seq 1 "$districts"); do
	[ -s "$data/d$i/oneroster/users.csv" ] ||
		bench/gen-district --out "$data/d$i" --users "$users" --seed "$i" --format oneroster
done
rows=$(cat "$data"/d*/oneroster/*.csv | wc -l)

pgdir=
if [ "$backend" = postgres ]; then
	pgdir=$(mktemp -d /tmp/rp-bench-pg.XXXXXX)
	trap 'tests/pg-server stop "$pgdir"' EXIT
	base=$(tests/pg-server start "$pgdir")
fi

printf '%s districts of %s users (%s CSV rows in all), stores on %s, %s cores\n' \
	"$districts" "$users" "$rows" "$backend" "$(nproc)"
printf '%-6s %9s %14s %12s\n' jobs "wall s" "districts/min" "rows/s"
for jobs in ${SCALE_JOBS:-1 2 4}; do
	rm -rf "$out/stores" "$out/report-$jobs"
	mkdir -p "$out/stores"
	for i in $(seq 1 "$districts"); do
		if [ -n "$pgdir" ]; then
			PGOPTIONS="-c client_min_messages=warning" psql -q "$base/postgres" -c "DROP DATABASE IF EXISTS d${i}_$jobs" -c "CREATE DATABASE d${i}_$jobs"
			db="$base/d${i}_$jobs"
		else
			db="$out/stores/d$i.db"
		fi
		printf 'd%s\toneroster-sync --quiet --db %s %s\n' "$i" "$db" "$(realpath "$data/d$i/oneroster")"
	done > "$out/list"
	start=$(date +%s.%N)
	sync-all --jobs "$jobs" --report "$out/report-$jobs" "$out/list" > /dev/null
	end=$(date +%s.%N)
	awk -v j="$jobs" -v s="$start" -v e="$end" -v d="$districts" -v r="$rows" 'BEGIN {
		w = e - s; printf "%-6s %9.2f %14.1f %12.0f\n", j, w, d / w * 60, r / w }'
done
