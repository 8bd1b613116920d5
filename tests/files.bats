#!/usr/bin/env bats
# Files that hold personal data: private whatever the umask, output folders
# that cannot be turned against the user, archives that stay consistent when
# a run fails, archive names from data checked, backups with a retention.
# Every store here is a SQLite file (the files are what is tested).
#
# The tests run as root in CI, and root passes every permission check: a
# refusal is proved by the owner and mode bits the programs check (a folder
# given to another user with chown, or made writable by others), never by a
# write that fails.

setup() {
	load test_helper/common
	load httpd/httpd
	Y1="$TD/district/y1-v1p1"
	T=$BATS_TEST_TMPDIR
}

teardown() { httpd_stop; }

# modes PATH...: "PATH MODE" per line, PATH relative to the test's folder
modes() {
	local p
	for p in "$@"; do printf '%s %s\n' "${p#"$T/"}" "$(stat -c %a "$p")"; done
}

# A folder of another user's, with no write bit for anyone else: as root,
# given away with chown; otherwise one of the system's own.
foreign_dir() {
	if [ "$(id -u)" -eq 0 ]; then
		mkdir -p "$1" && chmod 755 "$1" && chown 65534 "$1"
		printf '%s\n' "$1"
	else
		printf '/usr\n'
	fi
}

# A store with the sample district and its appointments.
district_store() {
	oneroster-sync --quiet --db "$1" "$Y1" 2>/dev/null
	apply --db "$1" --quiet "$TD/summer/appointments.plan.ndjson" 2>/dev/null
}

# plant DIR TARGET NAME...: a symbolic link DIR/NAME -> TARGET for each NAME
plant() {
	local dir=$1 target=$2
	shift 2
	mkdir -p "$dir"
	for n in "$@"; do ln -s "$target" "$dir/$n"; done
}

# Every name the pipelines write in a --keep folder ($work/NAME).
KEEP_NAMES="raw.ndjson canonical.ndjson state.ndjson plan.ndjson pages backup.txt
	pause.ndjson appointments.ndjson archive-plan.ndjson purge.ndjson
	resume.ndjson schools.txt"

# ---- private by default ------------------------------------------------

@test "under umask 022 a store that apply creates is 0600, and so are its -wal and -shm files" {
	umask 022
	extract-oneroster "$Y1" | normalize | diff-roster --state /dev/null > "$T/plan"
	# killed in the middle of its transaction, apply leaves the -wal and
	# -shm files to look at
	run env RP_CRASH_AFTER_OPS=20 apply --db "$T/new.db" --quiet "$T/plan"
	assert_equal "$status" 137
	assert_equal "$(modes "$T/new.db" "$T/new.db-wal" "$T/new.db-shm")" "new.db 600
new.db-wal 600
new.db-shm 600"
	run -0 apply --db "$T/whole.db" --quiet "$T/plan"
	assert_equal "$(modes "$T/whole.db")" "whole.db 600"
	# a store a pipeline creates
	run -0 oneroster-sync --quiet --db "$T/synced.db" "$Y1"
	assert_equal "$(modes "$T/synced.db")" "synced.db 600"
}

@test "under umask 022 backups are 0600 in a 0700 folder: snapshot --backup and the backup pipeline" {
	umask 022
	district_store "$T/s.db"
	run -0 snapshot --db "$T/s.db" --backup "$T/copy.db"
	run -0 backup --db "$T/s.db" --out "$T/b"
	assert_output "$T/b/s-20260801T120000Z.db"
	assert_equal "$(modes "$T/copy.db" "$T/b" "$T/b/s-20260801T120000Z.db")" "copy.db 600
b 700
b/s-20260801T120000Z.db 600"
	# nothing else is left in the folder (the temporary one is gone)
	assert_equal "$(ls -A "$T/b")" "s-20260801T120000Z.db"
}

@test "under umask 022 archives, their folders and the manifest are the owner's alone" {
	umask 022
	district_store "$T/s.db"
	run -0 summer-purge --db "$T/s.db" --year 2025-2026 --archive "$T/arch" --quiet
	y=$T/arch/2025-2026
	assert_equal "$(modes "$T/arch" "$y" "$y/manifest.json" "$y/s1.ndjson.gz" "$y/s2.ndjson.gz" "$T/arch/backups")" "arch 700
arch/2025-2026 700
arch/2025-2026/manifest.json 600
arch/2025-2026/s1.ndjson.gz 600
arch/2025-2026/s2.ndjson.gz 600
arch/backups 700"
	assert_equal "$(ls -A "$y")" "manifest.json
s1.ndjson.gz
s2.ndjson.gz"
}

@test "under umask 022 --keep folders and files, and the migration reports (--html, --report) are 0600" {
	umask 022
	run -0 oneroster-sync --quiet --db "$T/s.db" --keep "$T/keep" "$Y1"
	assert_equal "$(modes "$T/keep" "$T"/keep/*)" "keep 700
keep/canonical.ndjson 600
keep/plan.ndjson 600
keep/raw.ndjson 600
keep/state.ndjson 600"
	run -0 migrate-plan --db "$T/s.db" --quiet --html "$T/review.html" --keep "$T/mkeep" "$TD/migration/new-source"
	run -0 migrate-plan --db "$T/s.db" --quiet --report "$T/review.md" "$TD/migration/new-source"
	snapshot --db "$T/s.db" > "$T/state"
	run -0 diff-roster --quiet --state "$T/state" --mapping --report "$T/d.html" "$T/keep/canonical.ndjson"
	assert_equal "$(modes "$T/review.html" "$T/review.md" "$T/d.html" "$T/mkeep")" "review.html 600
review.md 600
d.html 600
mkeep 700"
	grep -q '<table>' "$T/review.html"
	# no temporary file beside them
	assert_equal "$(ls -A "$T" | grep -c '^\.')" 0
}

@test "under umask 022 sync-all's report folder, joblog, report and each job's output are the owner's alone" {
	umask 022
	cd "$T"
	printf 'north\toneroster-sync --quiet --db %s %s\nbroken\tfalse\n' "$T/n.db" "$Y1" > list
	run -1 --separate-stderr sync-all --jobs 2 --report r list
	assert_equal "$(modes r r/joblog r/report.tsv r/jobs.tsv r/jobs r/jobs/north r/jobs/north/stdout r/jobs/north/stderr r/jobs/broken/stderr n.db)" "r 700
r/joblog 600
r/report.tsv 600
r/jobs.tsv 600
r/jobs 700
r/jobs/north 700
r/jobs/north/stdout 600
r/jobs/north/stderr 600
r/jobs/broken/stderr 600
n.db 600"
	# resumed: the same folder, the same modes
	run -1 --separate-stderr sync-all --jobs 2 --report r --resume-failed list
	assert_equal "$(modes r/joblog r/report.tsv)" "r/joblog 600
r/report.tsv 600"
}

@test "under umask 022 a pipeline's temporary folders and files are the owner's alone (looked at while apply waits for the store)" {
	umask 022
	oneroster-sync --quiet --db "$T/s.db" "$Y1" 2>/dev/null
	mkdir "$T/tmp"
	# hold the store's write lock, so that the sync waits in apply with
	# every stage's file written
	python3 -c '
import os, sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None); c.execute("BEGIN IMMEDIATE")
open(sys.argv[2], "w").close()
while os.path.exists(sys.argv[2]): time.sleep(0.05)
c.execute("ROLLBACK")' "$T/s.db" "$T/held" &
	holder=$!
	while [ ! -e "$T/held" ]; do sleep 0.05; done
	TMPDIR=$T/tmp oneroster-sync --quiet --db "$T/s.db" --max-delete-ratio 0.5 "$TD/district/y2-v1p1" 2> "$T/sync.err" &
	sync=$!
	for _ in $(seq 1 200); do
		plan=$(ls "$T"/tmp/oneroster-sync.*/plan.ndjson 2>/dev/null || true)
		[ -n "$plan" ] && [ -s "$plan" ] && break
		sleep 0.05
	done
	work=$(dirname "$plan")
	private=$(ls -d "$T"/tmp/oneroster-sync.private.*)
	got=$(modes "$work" "$private" "$work"/* "$private"/*)
	rm "$T/held"
	wait "$holder"
	wait "$sync"
	assert_equal "$(sed "s|${work#"$T/"}|WORK|; s|${private#"$T/"}|PRIVATE|" <<<"$got")" "WORK 700
PRIVATE 700
WORK/canonical.ndjson 600
WORK/plan.ndjson 600
WORK/raw.ndjson 600
WORK/state.ndjson 600
PRIVATE/snapshot.err 600"
	# and all of it removed at the end
	assert_equal "$(ls -A "$T/tmp")" ""
}

# ---- output folders cannot be turned against the user --------------------

@test "links planted in an existing --keep folder under every name the pipelines write are replaced, never written through" {
	umask 022
	echo "the attacker's file" > "$T/victim"
	chmod 644 "$T/victim"
	mkdir "$T/victim-dir"
	keep=$T/keep
	plant "$keep" "$T/victim" $KEEP_NAMES
	rm "$keep/pages" && ln -s "$T/victim-dir" "$keep/pages"
	run -0 oneroster-sync --quiet --db "$T/s.db" --keep "$keep" "$Y1"
	apply --db "$T/s.db" --quiet "$TD/summer/appointments.plan.ndjson" 2>/dev/null
	run -0 migrate-plan --db "$T/s.db" --quiet --keep "$keep" "$TD/migration/new-source"
	run -0 summer-purge --db "$T/s.db" --year 2025-2026 --archive "$T/arch" --keep "$keep" --quiet
	# none of them wrote through a link: the attacker's file is as it was
	assert_equal "$(cat "$T/victim")" "the attacker's file"
	assert_equal "$(stat -c %a "$T/victim")" 644
	assert_equal "$(ls -A "$T/victim-dir")" ""
	# the links that named the files a run wrote are now its own files,
	# 0600; the others are left as they were
	for n in raw.ndjson canonical.ndjson state.ndjson plan.ndjson backup.txt pause.ndjson appointments.ndjson archive-plan.ndjson; do
		[ -f "$keep/$n" ] && [ ! -L "$keep/$n" ] || fail "$n: $(ls -l "$keep/$n")"
		assert_equal "$(stat -c %a "$keep/$n")" 600
	done
	assert_equal "$(ls -A "$keep" | grep -c '^\.work')" 0
	grep -q '"type":"appointment"' "$keep/appointments.ndjson"
}

@test "clever-sync: a link planted for the pages folder in --keep is replaced; the raw feed never lands in the attacker's file" {
	umask 022
	httpd_start clever "$TD/clever/y1"
	mkdir "$T/victim-dir"
	echo "the attacker's file" > "$T/victim"
	plant "$T/keep" "$T/victim" raw.ndjson canonical.ndjson state.ndjson plan.ndjson
	ln -s "$T/victim-dir" "$T/keep/pages"
	run -0 --separate-stderr clever-sync --quiet --db "$T/c.db" --keep "$T/keep" --base-url "$HTTPD_URL" --token-file "$HTTPD_TOKEN_FILE"
	assert_equal "$(cat "$T/victim")" "the attacker's file"
	assert_equal "$(ls -A "$T/victim-dir")" ""
	[ -d "$T/keep/pages" ] && [ ! -L "$T/keep/pages" ]
	assert_equal "$(stat -c %a "$T/keep/pages") $(stat -c %a "$T/keep/pages/users-0001.json")" "700 600"
	grep -q '"entity":"users"' "$T/keep/raw.ndjson"
}

@test "an output folder of another user's or writable by others is refused (exit 4, the folder named): --keep, --out, --archive, backups, --report" {
	district_store "$T/s.db"
	snapshot --db "$T/s.db" > "$T/state"
	other=$(foreign_dir "$T/theirs")
	open=$T/open
	mkdir "$open" && chmod 777 "$open"
	sticky=$T/sticky
	mkdir "$sticky" && chmod 1777 "$sticky"
	for dir in "$other" "$open" "$sticky"; do
		case $dir in
		"$other") why="the folder belongs to another user (uid $(stat -c %u "$other")); refused" ;;
		"$open") why="the folder can be written by others (mode 0777); refused" ;;
		*) why="the folder can be written by others (mode 1777); refused" ;;
		esac
		mkdir -p "$T/tmp"
		run -4 --separate-stderr env TMPDIR="$T/tmp" oneroster-sync --quiet --db "$T/s.db" --keep "$dir" "$Y1"
		assert_stderr_line "oneroster-sync: $dir: $why"
		assert_equal "$(ls -A "$T/tmp")" ""
		run -4 --separate-stderr archive-appointments --quiet --year 2025-2026 --out "$dir" "$T/state"
		assert_stderr_line "archive-appointments: $dir: $why"
		assert_output ""
		run -4 --separate-stderr backup --db "$T/s.db" --out "$dir"
		assert_stderr_line "backup: $dir: $why"
		run -4 --separate-stderr summer-purge --db "$T/s.db" --year 2025-2026 --archive "$T/a" --backup-dir "$dir" --quiet
		assert_stderr_partial "backup: $dir: $why"
		run -4 --separate-stderr sync-all --jobs 1 --report "$dir" /dev/null
		assert_stderr_line "sync-all: $dir: $why"
	done
	# the year's folder inside --out is held to the same
	mkdir -p "$T/arch/2025-2026" && chmod 770 "$T/arch/2025-2026"
	run -4 --separate-stderr archive-appointments --quiet --year 2025-2026 --out "$T/arch" "$T/state"
	assert_stderr_line "archive-appointments: $T/arch/2025-2026: the folder can be written by others (mode 0770); refused"
	# a link to a folder: the link must be the user's, and the folder too
	ln -s "$open" "$T/link"
	run -4 --separate-stderr oneroster-sync --quiet --db "$T/s.db" --keep "$T/link" "$Y1"
	assert_stderr_line "oneroster-sync: $T/link: the folder can be written by others (mode 0777); refused"
	# nothing was written in any of them, the store is as it was
	assert_equal "$(ls -A "$open" "$sticky" | grep -v ':$' | grep -c .)" 0
	assert_equal "$(snapshot --db "$T/s.db" | tail -n +2)" "$(tail -n +2 "$T/state")"
}

@test "archive-appointments: links planted under its temporary names are removed, never written through; a link under an archive's name stops the run" {
	district_store "$T/s.db"
	snapshot --db "$T/s.db" > "$T/state"
	echo "the attacker's file" > "$T/victim"
	y=$T/arch/2025-2026
	mkdir -p "$T/arch" && chmod 700 "$T/arch"
	plant "$y" "$T/victim" .s1.ndjson.gz.tmp .s2.ndjson.gz.tmp .manifest.json.tmp
	chmod 700 "$y"
	run -0 --separate-stderr archive-appointments --quiet --year 2025-2026 --out "$T/arch" "$T/state"
	assert_equal "$(grep -c '"op":"delete"' <<<"$output")" 9
	assert_equal "$(cat "$T/victim")" "the attacker's file"
	assert_equal "$(ls -A "$y")" "manifest.json
s1.ndjson.gz
s2.ndjson.gz"
	run -0 archive-appointments --quiet --verify "$T/arch"
	# an archive's own name as a link (to a gzip file that reads whole): it
	# is not a file this program wrote, and is neither read nor replaced
	mv "$y/s2.ndjson.gz" "$T/elsewhere.ndjson.gz"
	ln -s "$T/elsewhere.ndjson.gz" "$y/s2.ndjson.gz"
	run -4 --separate-stderr archive-appointments --quiet --year 2025-2026 --out "$T/arch" "$T/state"
	assert_stderr_line "archive-appointments: $y/s2.ndjson.gz: a symbolic link, not a file this program wrote; refused"
	assert_output ""
	[ -L "$y/s2.ndjson.gz" ]
}

# ---- archives stay consistent --------------------------------------------

# appointments_state N: a state of N appointments of school s2 (and three
# of s1), hard to compress, so that s2's archive is past a small file size
# limit and s1's is not.
appointments_state() {
	awk -v n="$1" 'BEGIN { print "{\"type\":\"snapshot\",\"version\":3}";
		for (i = 1; i <= 3; i++) printf "{\"type\":\"appointment\",\"id\":\"a%d\",\"school_id\":\"s1\",\"user_id\":\"u%d\",\"starts_at\":\"2025-10-01T10:00:00Z\",\"school_year\":\"2025-2026\",\"title\":\"t%d\"}\n", i, i, i
		for (i = 4; i < n + 4; i++) printf "{\"type\":\"appointment\",\"id\":\"a%d\",\"school_id\":\"s2\",\"user_id\":\"u%d\",\"starts_at\":\"2025-10-01T10:00:00Z\",\"school_year\":\"2025-2026\",\"title\":\"t%d %d\"}\n", i, i, i, i * 7919 % 10007 }'
}

@test "an archive run that fails (a file size limit) leaves the earlier archive set whole: verify, export and a later run as before" {
	arch=$T/arch
	y=$arch/2025-2026
	appointments_state 3 > "$T/small"
	run -0 archive-appointments --quiet --year 2025-2026 --out "$arch" "$T/small"
	before=$(archive-appointments --quiet --export "$arch")
	sums=$(cd "$y" && sha256sum manifest.json s1.ndjson.gz s2.ndjson.gz)
	# one more appointment for s1 (its new file is small) and 3000 for s2
	# (past the limit): s1's file is written before s2's fails
	{ appointments_state 3000; echo '{"type":"appointment","id":"a9999","school_id":"s1","starts_at":"2025-11-01T10:00:00Z","school_year":"2025-2026"}'; } > "$T/big"
	run --separate-stderr bash -c 'ulimit -f 16; exec archive-appointments --year 2025-2026 --out "$1" "$2"' _ "$arch" "$T/big"
	assert_equal "$status" 4
	assert_output ""
	assert_stderr_partial "File too large"
	# the earlier set is whole: same bytes, verified, exported as before,
	# and no temporary file is left beside it
	assert_equal "$(cd "$y" && sha256sum manifest.json s1.ndjson.gz s2.ndjson.gz)" "$sums"
	assert_equal "$(ls -A "$y")" "manifest.json
s1.ndjson.gz
s2.ndjson.gz"
	run -0 archive-appointments --quiet --verify "$arch"
	run -0 archive-appointments --quiet --export "$arch"
	assert_output "$before"
	# with room again, the run adds to the earlier archives
	run -0 archive-appointments --quiet --year 2025-2026 --out "$arch" "$T/big"
	assert_equal "$(grep -c '"op":"delete"' <<<"$output")" 3004
	run -0 archive-appointments --quiet --export "$arch" --school s1
	assert_equal "${#lines[@]}" 4
}

@test "an archive run that fails at its manifest (every school's file written first) leaves the earlier set whole" {
	arch=$T/arch
	y=$arch/2025-2026
	# 30 schools of one appointment each: small files, a manifest of 6 KB
	many() { awk -v k="$1" 'BEGIN { print "{\"type\":\"snapshot\",\"version\":3}";
		for (s = 1; s <= 30; s++) for (i = 1; i <= k; i++) printf "{\"type\":\"appointment\",\"id\":\"a%d\",\"school_id\":\"s%d\",\"starts_at\":\"2025-10-0%dT10:00:00Z\",\"school_year\":\"2025-2026\"}\n", s * 10 + i, s, i }'; }
	many 1 > "$T/one"
	many 2 > "$T/two"
	run -0 archive-appointments --quiet --year 2025-2026 --out "$arch" "$T/one"
	sums=$(cd "$y" && sha256sum *)
	before=$(archive-appointments --quiet --export "$arch")
	run --separate-stderr bash -c 'ulimit -f 4; exec archive-appointments --year 2025-2026 --out "$1" "$2"' _ "$arch" "$T/two"
	assert_equal "$status" 4
	assert_output ""
	assert_stderr_partial "$y/.manifest.json.tmp: File too large"
	assert_equal "$(cd "$y" && sha256sum *)" "$sums"
	assert_equal "$(ls -A "$y" | grep -c '^\.')" 0
	run -0 archive-appointments --quiet --verify "$arch"
	run -0 archive-appointments --quiet --export "$arch"
	assert_output "$before"
	run -0 archive-appointments --quiet --year 2025-2026 --out "$arch" "$T/two"
	assert_equal "$(grep -c '"op":"delete"' <<<"$output")" 60
}

# ---- archive names from data are checked ---------------------------------

@test "archive-appointments: a school id or year that would name a file outside --out is a located data error, and no file is written" {
	head='{"type":"snapshot","version":3}'
	a() { printf '{"type":"appointment","id":"a%s","school_id":"%s","starts_at":"2025-10-01T10:00:00Z","school_year":"%s"}\n' "$1" "$2" "${3:-2025-2026}"; }
	{ echo "$head"; a 1 s1; a 2 ../x; a 3 /abs; a 4 a/b; a 5 ""; a 6 .; a 7 s2x; a 8 s1 ../../x; a 9 s1 2025-2026/..; a 10 s01; } > "$T/state"
	run -1 --separate-stderr archive-appointments --year 2025-2026 --out "$T/arch" "$T/state"
	assert_output ""
	bad_id="school_id: not a school's store id (s1, s2, ...) or no-school: it would name a file"
	bad_year="school_year: not a school year (YYYY-YYYY): it would name a folder"
	assert_equal "$stderr" "archive-appointments: $T/state:3: $bad_id
archive-appointments: $T/state:4: $bad_id
archive-appointments: $T/state:5: $bad_id
archive-appointments: $T/state:6: $bad_id
archive-appointments: $T/state:7: $bad_id
archive-appointments: $T/state:8: $bad_id
archive-appointments: $T/state:9: $bad_year
archive-appointments: $T/state:10: $bad_year
archive-appointments: $T/state:11: $bad_id"
	[ ! -e "$T/arch" ]
	[ ! -e "$T/x" ]
	[ ! -e /abs ]
	# in JSON, with the record's id
	run -1 --separate-stderr archive-appointments --error-format json --year 2025-2026 --out "$T/arch" "$T/state"
	assert_equal "${stderr_lines[0]}" "{\"program\":\"archive-appointments\",\"level\":\"error\",\"file\":\"$T/state\",\"line\":3,\"field\":\"school_id\",\"code\":\"bad_name\",\"message\":\"not a school's store id (s1, s2, ...) or no-school: it would name a file\",\"source_id\":\"a2\"}"
	# a NUL byte is an error of the line itself
	printf '%s\n{"type":"appointment","id":"a1","school_id":"s1\0/../x","starts_at":"2025-10-01T10:00:00Z"}\n' "$head" > "$T/nul"
	run -1 --separate-stderr archive-appointments --year 2025-2026 --out "$T/arch" "$T/nul"
	assert_equal "$stderr" "archive-appointments: $T/nul:2: NUL byte in line"
	[ ! -e "$T/arch" ]
	# --year is checked as strictly (a usage error)
	for y in ../a-0001 /abs-0001 2025/2026 2025-2027 ""; do
		run -2 --separate-stderr archive-appointments --year "$y" --out "$T/arch" "$T/state"
		assert_equal "${stderr_lines[0]}" "archive-appointments: --year: YYYY-YYYY, e.g. 2025-2026, not $y"
	done
	[ ! -e "$T/arch" ]
	# school ids as the store makes them, and no-school, are archived
	{ echo "$head"; a 1 s1; a 2 s10; a 3 no-school; } > "$T/good"
	run -0 archive-appointments --quiet --year 2025-2026 --out "$T/arch" "$T/good"
	assert_equal "$(ls "$T/arch/2025-2026")" "manifest.json
no-school.ndjson.gz
s1.ndjson.gz
s10.ndjson.gz"
}

# ---- backups: a retention, and no failed backup under a backup's name ---------

@test "backup --keep N never removes another store's backups, though both stores bear one name" {
	mkdir "$T/d1" "$T/d2"
	district_store "$T/d1/s.db"
	district_store "$T/d2/s.db"
	b=$T/b
	for t in 1785585600 1785672000 1785758400; do
		SOURCE_DATE_EPOCH=$t backup --db "$T/d1/s.db" --out "$b" > /dev/null
	done
	run -0 --separate-stderr env SOURCE_DATE_EPOCH=1785844800 backup --db "$T/d2/s.db" --out "$b" --keep 1
	assert_equal "$stderr" ""
	assert_equal "$(ls -A "$b")" "s-20260801T120000Z.db
s-20260802T120000Z.db
s-20260803T120000Z.db
s-20260804T120000Z.db"
	run -0 --separate-stderr env SOURCE_DATE_EPOCH=1785931200 backup --db "$T/d1/s.db" --out "$b" --keep 1
	assert_equal "$(ls -A "$b")" "s-20260804T120000Z.db
s-20260805T120000Z.db"
}

@test "backup --keep N removes this store's older backups beyond the N newest, only files the pipeline named" {
	district_store "$T/s.db"
	b=$T/b
	for i in 1 2 3; do backup --db "$T/s.db" --out "$b" > /dev/null; done
	# files that are not this store's backups, or not the pipeline's names
	touch "$b/notes.txt" "$b/s-old.db" "$b/s-20200101T000000Z-x.db" "$b/other-20200101T000000Z.db" "$b/s-20200101T000000Z.dump"
	echo keep > "$T/target"
	ln -s "$T/target" "$b/s-20200101T000000Z-7.db"
	cp "$b/s-20260801T120000Z.db" "$b/s-20200101T000000Z.db"
	run -0 --separate-stderr backup --db "$T/s.db" --out "$b" --keep 2
	assert_output "$b/s-20260801T120000Z-4.db"
	assert_equal "$stderr" "backup: removed $b/s-20200101T000000Z.db (--keep 2)
backup: removed $b/s-20260801T120000Z.db (--keep 2)
backup: removed $b/s-20260801T120000Z-2.db (--keep 2)"
	assert_equal "$(ls -A "$b")" "notes.txt
other-20200101T000000Z.db
s-20200101T000000Z-7.db
s-20200101T000000Z-x.db
s-20200101T000000Z.dump
s-20260801T120000Z-3.db
s-20260801T120000Z-4.db
s-old.db"
	assert_equal "$(cat "$T/target")" keep
	# the counter goes on past the newest, so a new backup is never the
	# one taken for old
	run -0 --separate-stderr backup --db "$T/s.db" --out "$b" --keep 1
	assert_output "$b/s-20260801T120000Z-5.db"
	assert_equal "$(ls "$b" | grep -c '^s-2026')" 1
	assert_equal "$(snapshot --db "$b/s-20260801T120000Z-5.db" | tail -n +2)" "$(snapshot --db "$T/s.db" | tail -n +2)"
	for n in 0 -1 x 2.5; do
		run -2 --separate-stderr backup --db "$T/s.db" --out "$b" --keep "$n"
		assert_equal "${stderr_lines[0]}" "backup: --keep takes a number of backups, 1 or more, not '$n'"
	done
}

@test "a backup that fails leaves no file under a backup's name: a file size limit, pg_dump failing, a dump that does not read back" {
	district_store "$T/s.db"
	b=$T/b
	run --separate-stderr bash -c 'ulimit -f 16; exec backup --db "$1" --out "$2"' _ "$T/s.db" "$b"
	assert_equal "$status" 4
	assert_output ""
	assert_stderr_partial "backup: no backup made"
	assert_equal "$(ls -A "$b")" ""
	# a PostgreSQL store: pg_dump stands in, failing half-way, then
	# writing a file that pg_restore cannot read
	mkdir "$T/fake"
	printf '#!/bin/sh\nfor a; do case $a in --file=*) f=${a#--file=} ;; esac; done\necho "half a dump" > "$f"\nexit "${FAKE_STATUS:-1}"\n' > "$T/fake/pg_dump"
	chmod +x "$T/fake/pg_dump"
	run -4 --separate-stderr env PATH="$T/fake:$PATH" backup --db postgresql://nobody@localhost/nostore --out "$b"
	assert_stderr_line "backup: pg_dump of the store failed; no backup made"
	assert_equal "$(ls -A "$b")" ""
	command -v pg_restore > /dev/null || skip "pg_restore is not installed"
	run -4 --separate-stderr env FAKE_STATUS=0 PATH="$T/fake:$PATH" backup --db postgresql://nobody@localhost/nostore --out "$b"
	assert_stderr_line "backup: the dump cannot be read back (pg_restore --list); no backup made"
	assert_equal "$(ls -A "$b")" ""
}

@test "snapshot --backup: never through a link, never over a file; a failed copy is removed" {
	district_store "$T/s.db"
	echo "the attacker's file" > "$T/victim"
	ln -s "$T/victim" "$T/planted.db"
	run -4 --separate-stderr snapshot --db "$T/s.db" --backup "$T/planted.db"
	assert_equal "$stderr" "snapshot: $T/planted.db: File exists"
	assert_equal "$(cat "$T/victim")" "the attacker's file"
	run --separate-stderr bash -c 'ulimit -f 16; exec snapshot --db "$1" --backup "$2"' _ "$T/s.db" "$T/cut.db"
	assert_equal "$status" 4
	[ ! -e "$T/cut.db" ] && [ ! -e "$T/cut.db-journal" ]
}

@test "migrate-plan --html: a link planted at the report's name is replaced, never written through" {
	oneroster-sync --quiet --db "$T/s.db" "$Y1" 2>/dev/null
	echo "the attacker's file" > "$T/victim"
	ln -s "$T/victim" "$T/review.html"
	run -0 migrate-plan --db "$T/s.db" --quiet --html "$T/review.html" "$TD/migration/new-source"
	assert_equal "$(cat "$T/victim")" "the attacker's file"
	[ -f "$T/review.html" ] && [ ! -L "$T/review.html" ]
	assert_equal "$(stat -c %a "$T/review.html")" 600
}

@test "an existing output folder that others could read is made the owner's alone: --keep, sync-all --report, backup" {
	cd "$T"
	mkdir -m 755 keep r b
	oneroster-sync --quiet --db "$T/n.db" --keep keep "$Y1"
	printf 'north\ttrue\n' > list
	sync-all --jobs 1 --report r list
	backup --db "$T/n.db" --out b 2> /dev/null
	assert_equal "$(stat -c %a keep r b)" "700
700
700"
}

@test "sync-all: a new run replaces links planted under its names in the report folder; --resume-failed refuses one" {
	cd "$T"
	echo "the attacker's file" > victim
	mkdir -p r/jobs/north victim-dir
	chmod 700 r
	ln -s "$T/victim" r/joblog
	ln -s "$T/victim" r/report.tsv
	ln -s "$T/victim-dir" r/jobs/north/x
	printf 'north\ttrue\n' > list
	run -0 --separate-stderr sync-all --jobs 1 --report r list
	assert_equal "$(cat victim)" "the attacker's file"
	[ -f r/joblog ]
	[ ! -L r/joblog ]
	[ -f r/report.tsv ]
	[ ! -L r/report.tsv ]
	# a dry run leaves the last run's results, which --resume-failed reads
	joblog=$(cat r/joblog)
	run -0 sync-all --jobs 1 --report r --dry-run list
	assert_equal "$(cat r/joblog)" "$joblog"
	[ -f r/jobs/north/stdout ]
	ln -s "$T/victim" r/jobs/north/stdout.new
	run -4 --separate-stderr sync-all --jobs 1 --report r --resume-failed list
	assert_stderr_line "sync-all: r/jobs/north/stdout.new: a link, another user's or writable by others; refused"
	assert_equal "$(cat victim)" "the attacker's file"
}
