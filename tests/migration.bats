#!/usr/bin/env bats
# bats file_tags=store
# Migrating schools between sources: migrate-plan, diff-roster --links and
# --mapping, migrate, freeze, backup.

setup() {
	load test_helper/common
	DB=$(new_store s)
	NEW="$TD/migration/new-source"
	c="$TD/clever/y1"
	# the store as the old source (Clever) left it
	extract-clever "$c"/*.json | normalize | diff-roster --state /dev/null | apply --db "$DB" --quiet 2>/dev/null
}

records() ( set -o pipefail; snapshot --db "$1" | tail -n +2 )
user_count() { snapshot --db "$1" --entity user | grep -c '"type":"user"'; }

@test "migrate-plan, freeze, backup, migrate: --help and --version" {
	for p in migrate-plan migrate freeze backup; do
		run "$p" --help
		assert_success
		assert_line --index 0 --partial "usage: $p "
		run -0 "$p" --version
		assert_output "$p $RP_VERSION"
	done
}

@test "the mapping table matches exactly the expected users and flags the rest" {
	run --separate-stderr migrate-plan --db "$DB" "$NEW"
	assert_success
	assert_output "$(cat "$TD/migration/mapping.expected.csv")"
	assert_stderr_line "diff-roster: matched on sis_id: 18"
	assert_stderr_line "diff-roster: matched on email: 4"
	assert_stderr_line "diff-roster: ambiguous: 0"
	assert_stderr_line "diff-roster: incoming users unmatched: 2"
	assert_stderr_line "diff-roster: stored users unmatched: 2"
}

@test "migrate-plan changes nothing, and works on a frozen store" {
	before=$(snapshot --db "$DB")
	freeze --db "$DB" 2>/dev/null
	run --separate-stderr migrate-plan --db "$DB" --quiet "$NEW"
	assert_success
	assert_output "$(cat "$TD/migration/mapping.expected.csv")"
	freeze --db "$DB" --thaw 2>/dev/null
	assert_equal "$(records "$DB")" "$(tail -n +2 <<<"$before")"
}

@test "the report for people: counts, per school, the ambiguous and unmatched lists (HTML and Markdown)" {
	migrate-plan --db "$DB" --quiet --html "$BATS_TEST_TMPDIR/r.html" "$NEW" > /dev/null
	run cat "$BATS_TEST_TMPDIR/r.html"
	assert_line "<tr><td>matched on sis_id</td><td class=\"n\">18</td></tr>"
	assert_line "<tr><td>stored, unmatched</td><td class=\"n\">2</td></tr>"
	assert_line --partial "<h2>Incoming users per school</h2>"
	assert_line "<tr><td>Cedar Middle</td><td>Chloé Dubois</td><td>new-stu-1016</td><td>2013-07-04</td></tr>"
	migrate-plan --db "$DB" --quiet --report "$BATS_TEST_TMPDIR/r.md" "$NEW" > /dev/null
	run cat "$BATS_TEST_TMPDIR/r.md"
	assert_line "| matched on email (weaker: check each)                |     4 |"
	assert_line "| Birchwood Elementary | Liam Carter  | new-stu-1002 | 2019-11-02 |"
}

@test "golden: the review, sorted by school (by name) then name; weaker matches shown; possible matches by name and birth date offered, never in the table" {
	run -0 --separate-stderr migrate-plan --db "$DB" --quiet --report "$BATS_TEST_TMPDIR/r.md" "$NEW"
	# the table links nothing on a name: both stay unmatched
	assert_output "$(cat "$TD/migration/mapping.expected.csv")"
	assert_line ",oneroster,new-stu-1002,,unmatched,Liam Carter,"
	assert_line "u6,,,,unmatched,,Liam Carter"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/r.md")" "$(cat "$TD/migration/report.expected.md")"
	# the HTML form: the same lists as tables
	migrate-plan --db "$DB" --quiet --html "$BATS_TEST_TMPDIR/r.html" "$NEW" > /dev/null
	run -0 cat "$BATS_TEST_TMPDIR/r.html"
	assert_line "<h2>Possible matches by name and birth date (for review)</h2>"
	assert_line "<tr><td>Birchwood Elementary</td><td>Liam Carter</td><td>new-stu-1002</td><td>Liam Carter</td><td>u6</td><td>Birchwood Elementary</td><td>2019-11-02</td></tr>"
	assert_line "<tr><td>Cedar Middle</td><td>Priya Raman</td><td>new-tch-2003</td><td>Priya Raman</td><td>u7</td><td>email</td></tr>"
	assert_equal "$(grep -c '<table>' <<<"$output")" "$(grep -c '</table>' <<<"$output")"
	# a birth date that differs, or is missing, offers nothing
	pkg=$(fixture_copy "$NEW" other-birth)
	sed -i 's/^new-stu-1002,,,2019-11-02,/new-stu-1002,,,2019-11-03,/; s/^new-stu-1016,,,2013-07-04,/new-stu-1016,,,,/' "$pkg/demographics.csv"
	migrate-plan --db "$DB" --quiet --report "$BATS_TEST_TMPDIR/r2.md" "$pkg" > /dev/null
	run -0 cat "$BATS_TEST_TMPDIR/r2.md"
	assert_line "| possible matches by name and birth date (for review) |     0 |"
}

@test "the review: names from the feed are text in both forms, never markup or terminal control sequences" {
	pkg=$(fixture_copy "$NEW" hostile-name)
	sed -i "s/^new-stu-1002,\(.*\),Liam,Carter,/new-stu-1002,\1,\"<b>Li|am<\/b>\x1b[31m\",Car*ter_x,/" "$pkg/users.csv"
	run -0 migrate-plan --db "$DB" --quiet --report "$BATS_TEST_TMPDIR/r.md" "$pkg"
	run -0 cat "$BATS_TEST_TMPDIR/r.md"
	assert_line '| Birchwood Elementary | \<b>Li\|am\</b> \[31m Car\*ter_x | new-stu-1002 | 2019-11-02 |'
	refute_output --partial $'\x1b'
	run -0 migrate-plan --db "$DB" --quiet --html "$BATS_TEST_TMPDIR/r.html" "$pkg"
	run -0 cat "$BATS_TEST_TMPDIR/r.html"
	assert_line '<tr><td>Birchwood Elementary</td><td>&lt;b&gt;Li|am&lt;/b&gt; [31m Car*ter_x</td><td>new-stu-1002</td><td>2019-11-02</td></tr>'
	refute_output --partial $'\x1b'
	refute_output --partial '<b>'
}

@test "the review of an ambiguous match names the candidates by name; the report is its owner's alone" {
	umask 022
	run -0 --separate-stderr diff-roster --mapping --report "$BATS_TEST_TMPDIR/r.md" --state "$TD/sync/two-same-email.state.ndjson" "$TD/sync/two-same-email.in.ndjson"
	assert_equal "$(stat -c %a "$BATS_TEST_TMPDIR/r.md")" 600
	run -0 cat "$BATS_TEST_TMPDIR/r.md"
	assert_line "| Oak    | Al Ames | new-1       | email      | Al Ames (u1); Bea Ames (u2) |"
	assert_line "| Oak    |       1 |                              0 |         1 |         0 |"
}

@test "a hand-edited table: spaces around a stored id still link (they did not: the row read as undecided, the user soft-deleted and created again)" {
	snapshot --db "$DB" > "$BATS_TEST_TMPDIR/state"
	extract-oneroster "$NEW" | normalize > "$BATS_TEST_TMPDIR/canon"
	sed 's/^,oneroster,new-stu-1002,,unmatched,/"u6 ",oneroster,new-stu-1002,,unique,/' "$TD/migration/mapping.expected.csv" > "$BATS_TEST_TMPDIR/m.csv"
	run -0 --separate-stderr diff-roster --state "$BATS_TEST_TMPDIR/state" --migrate --links "$BATS_TEST_TMPDIR/m.csv" "$BATS_TEST_TMPDIR/canon"
	assert_line '{"type":"op","op":"link","entity":"user","id":"u6","ids":{"google":"g-1002","oneroster":"new-stu-1002"},"matched_on":"mapping"}'
	refute_line --partial '"op":"soft_delete","entity":"user","id":"u6"'
	refute_output --partial '"source_id":"new-stu-1002","role"'
}

@test "a table row linking an incoming id that another stored user holds is an error at its row (exit 1), not a store failure" {
	echo '{"type":"op","op":"create","entity":"user","data":{"source":"oneroster","source_id":"new-stu-1002","role":"student","given_name":"Liam","family_name":"Carter","ids":{"oneroster":"new-stu-1002"}}}' |
		apply --quiet --db "$DB" 2>/dev/null
	snapshot --db "$DB" > "$BATS_TEST_TMPDIR/state"
	extract-oneroster "$NEW" | normalize > "$BATS_TEST_TMPDIR/canon"
	sed 's/^,oneroster,new-stu-1002,,unmatched,/u6,oneroster,new-stu-1002,,unique,/' "$TD/migration/mapping.expected.csv" > "$BATS_TEST_TMPDIR/m.csv"
	run -1 --separate-stderr diff-roster --state "$BATS_TEST_TMPDIR/state" --migrate --links "$BATS_TEST_TMPDIR/m.csv" "$BATS_TEST_TMPDIR/canon"
	assert_stderr_line "diff-roster: $BATS_TEST_TMPDIR/m.csv:3: source_id: stored user u25 holds incoming id \"new-stu-1002\" already: linking it to u6 would give two users one id"
}

@test "migrate takes migrate-plan's own table as written: an id starting with - (written '-1001, so that no spreadsheet takes it for a formula) is read back as -1001" {
	pkg=$(fixture_copy "$NEW" dash-ids)
	sed -i 's/new-stu-1001/-1001/g' "$pkg/users.csv" "$pkg/enrollments.csv" "$pkg/demographics.csv"
	migrate-plan --db "$DB" --quiet "$pkg" > "$BATS_TEST_TMPDIR/map.csv"
	grep -q "^u[0-9]*,oneroster,'-1001," "$BATS_TEST_TMPDIR/map.csv"
	run -0 --separate-stderr migrate --db "$DB" --links "$BATS_TEST_TMPDIR/map.csv" --quiet --backup-dir "$BATS_TEST_TMPDIR/b" "$pkg"
	run -0 snapshot --db "$DB" --entity user
	assert_line --regexp '"source":"oneroster","source_id":"-1001",'
	assert_equal "$(grep -c '"source_id":"-1001"' <<<"$output")" 1
}

@test "an identifier shared by two stored users is ambiguous in the table, never used" {
	run --separate-stderr diff-roster --mapping --state "$TD/sync/two-same-email.state.ndjson" "$TD/sync/two-same-email.in.ndjson"
	assert_success
	assert_line "u1 u2,oneroster,new-1,email,ambiguous,Al Ames,"
	assert_line "u3,oneroster,new-3,sis_id,unique,Cy Bo,Cy Bo"
	assert_stderr_line "diff-roster: ambiguous: 1"
}

@test "a frozen store refuses a nightly sync and accepts the migration" {
	migrate-plan --db "$DB" --quiet "$NEW" > "$BATS_TEST_TMPDIR/map.csv"
	run --separate-stderr freeze --db "$DB"
	assert_success
	assert_equal "$stderr" "apply: store frozen (migration, since 2026-08-01T12:00:00Z): plans are refused but with --during-freeze"
	before=$(records "$DB")
	run -3 --separate-stderr oneroster-sync --quiet --db "$DB" "$NEW"
	assert_stderr_line "apply: the store is frozen (migration, since 2026-08-01T12:00:00Z): plan $(sed -n 's/^apply: the store is frozen (migration, since 2026-08-01T12:00:00Z): plan \([0-9a-f]*\) refused; nothing changed$/\1/p' <<<"$stderr") refused; nothing changed"
	assert_equal "$(records "$DB")" "$before"
	if on_postgres; then
		run -2 --separate-stderr migrate --db "$DB" --links "$BATS_TEST_TMPDIR/map.csv" --quiet "$NEW"
		assert_equal "${stderr_lines[0]}" "migrate: --backup-dir is required for a PostgreSQL store"
		run --separate-stderr migrate --db "$DB" --links "$BATS_TEST_TMPDIR/map.csv" --quiet --backup-dir "$BATS_TEST_TMPDIR/b" "$NEW"
	else
		run --separate-stderr migrate --db "$DB" --links "$BATS_TEST_TMPDIR/map.csv" --quiet "$NEW"
	fi
	assert_success
	run -0 --separate-stderr freeze --db "$DB" --thaw
	assert_equal "$stderr" "apply: store thawed"
	run --separate-stderr oneroster-sync --quiet --db "$DB" "$NEW"
	assert_success
	assert_stderr_partial "has no operations; nothing to do"
}

@test "the migration with the reviewed table: no duplicates, old and new ids kept, the old source retired; again changes nothing" {
	migrate-plan --db "$DB" --quiet "$NEW" > "$BATS_TEST_TMPDIR/map.csv"
	run --separate-stderr migrate --db "$DB" --links "$BATS_TEST_TMPDIR/map.csv" --quiet --backup-dir "$BATS_TEST_TMPDIR/b" "$NEW"
	assert_success
	assert_equal "$(user_count "$DB")" 26
	# the two stored users the table left unmatched are soft-deleted like
	# any absent user; the two new ones are created
	run -0 snapshot --db "$DB" --entity user
	assert_equal "$(ndjson-fields --where type=user --count <<<"$output")" 26
	assert_equal "$(grep -c '"deleted_at"' <<<"$output")" 2
	assert_equal "$(grep '"deleted_at"' <<<"$output" | ndjson-fields --fields source | sort -u)" clever
	# no Clever section, term or enrollment is left; the OneRoster feed's are there
	run -0 snapshot --db "$DB" --entity school,term,section,enrollment
	assert_equal "$(ndjson-fields --where source=clever --count <<<"$output")" 0
	assert_equal "$(ndjson-fields --where type=section --fields source_id <<<"$output" | sort)" \
		"$(extract-oneroster "$NEW" | normalize | ndjson-fields --where type=section --fields source_id | sort)"
	run -0 snapshot --db "$DB" --entity user
	assert_line --regexp '^\{"type":"user","id":"u9","source":"oneroster","source_id":"new-stu-1003",.*"ids":\{"clever":"[0-9a-f]{24}","google":"g-1003","oneroster":"new-stu-1003","sis":"1003"\}'
	run -0 snapshot --db "$DB" --entity school
	assert_line --partial '"id":"s2","source":"oneroster","source_id":"new-sch-100","name":"Birchwood Elementary","school_number":"0100"'
	after=$(records "$DB")
	run --separate-stderr migrate --db "$DB" --links "$BATS_TEST_TMPDIR/map.csv" --quiet --backup-dir "$BATS_TEST_TMPDIR/b" "$NEW"
	assert_success
	assert_stderr_partial "has no operations; nothing to do"
	assert_equal "$(records "$DB")" "$after"
}

@test "a migration the delete guard refuses is held for review; the command it names (with --during-freeze) completes it" {
	export HOME="$BATS_TEST_TMPDIR/home"
	mkdir -p "$HOME"
	if on_postgres; then held="$HOME/.rosterpipe/held"; else held="$DB.held"; fi
	migrate-plan --db "$DB" --quiet "$NEW" > "$BATS_TEST_TMPDIR/map.csv"
	freeze --db "$DB" 2>/dev/null
	before=$(records "$DB")
	run -3 --separate-stderr migrate --db "$DB" --links "$BATS_TEST_TMPDIR/map.csv" --quiet --backup-dir "$BATS_TEST_TMPDIR/b" --max-delete-ratio 0.1 "$NEW"
	assert_stderr_line "apply: school s1: plan would clear sis_id on 2 of 11 users (18.2%; limit 10.0% of groups of 5 or more)"
	plan=$(ls "$held"/plan-*.ndjson)
	assert_stderr_line "migrate: the delete guard refused the plan; it is held for review: $plan"
	assert_stderr_line "migrate: after review, let it through once with: apply --db $DB --force --during-freeze $plan"
	assert_equal "${stderr_lines[-1]}" "migrate: stage apply failed (exit 3)"
	assert_equal "$(records "$DB")" "$before"
	grep -qxF "**Guard: refused.** The plan would clear sis_id on 2 of 11 users (18.2%; limit 10.0% of groups of 5 or more)." "${plan%.ndjson}.md"
	# the command as stderr gives it, word for word
	read -ra cmd <<<"$(sed -n 's/^migrate: after review, let it through once with: //p' <<<"$stderr")"
	run -0 --separate-stderr "${cmd[@]}"
	assert_stderr_partial "applied as store version 2"
	assert_equal "$(user_count "$DB")" 26
	run -0 --separate-stderr migrate --db "$DB" --links "$BATS_TEST_TMPDIR/map.csv" --quiet --backup-dir "$BATS_TEST_TMPDIR/b" "$NEW"
	assert_stderr_partial "has no operations; nothing to do"
}

# bats test_tags=sqlite-only
@test "a backup taken before a migration reads back to the snapshot the store had" {
	before=$(snapshot --db "$DB")
	migrate-plan --db "$DB" --quiet "$NEW" > "$BATS_TEST_TMPDIR/map.csv"
	migrate --db "$DB" --links "$BATS_TEST_TMPDIR/map.csv" --quiet --backup-dir "$BATS_TEST_TMPDIR/b" "$NEW" 2>/dev/null
	copy=$(ls "$BATS_TEST_TMPDIR"/b/*.db)
	assert_equal "$(basename "$copy")" "s-20260801T120000Z.db"
	assert_equal "$(stat -c %a "$copy") $(stat -c %a "$BATS_TEST_TMPDIR/b")" "600 700"
	assert_equal "$(snapshot --db "$copy")" "$before"
	assert_equal "$(sqlite3 "$copy" 'PRAGMA integrity_check')" ok
}

# bats test_tags=sqlite-only
@test "backup: a new file each time, never over another" {
	run -0 backup --db "$DB" --out "$BATS_TEST_TMPDIR/b"
	assert_output "$BATS_TEST_TMPDIR/b/s-20260801T120000Z.db"
	run -0 backup --db "$DB" --out "$BATS_TEST_TMPDIR/b"
	assert_output "$BATS_TEST_TMPDIR/b/s-20260801T120000Z-2.db"
	run -4 --separate-stderr snapshot --db "$DB" --backup "$BATS_TEST_TMPDIR/b/s-20260801T120000Z.db"
	assert_equal "$stderr" "snapshot: $BATS_TEST_TMPDIR/b/s-20260801T120000Z.db: File exists"
}

# bats test_tags=sqlite-only
@test "summer-purge takes a backup before it changes anything" {
	run --separate-stderr summer-purge --db "$DB" --year 2025-2026 --archive "$BATS_TEST_TMPDIR/arch" --quiet
	assert_success
	run ls "$BATS_TEST_TMPDIR/arch/backups"
	assert_output "s-20260801T120000Z.db"
	assert_equal "$(snapshot --db "$BATS_TEST_TMPDIR/arch/backups/s-20260801T120000Z.db" --entity school | grep -c '"import_enabled":true')" 2
}

@test "--links: a row naming an unknown id, or a user linked twice, is an error with its row number" {
	migrate-plan --db "$DB" --quiet "$NEW" > "$BATS_TEST_TMPDIR/map.csv"
	snapshot --db "$DB" > "$BATS_TEST_TMPDIR/state"
	extract-oneroster "$NEW" | normalize > "$BATS_TEST_TMPDIR/in"
	{ head -n 3 "$BATS_TEST_TMPDIR/map.csv"; echo "u999,oneroster,new-stu-1004,,,,"; echo "u21,oneroster,new-stu-1005,,,,"; echo "u14,oneroster,new-nobody,,,,"; } > "$BATS_TEST_TMPDIR/bad.csv"
	run -1 --separate-stderr diff-roster --state "$BATS_TEST_TMPDIR/state" --links "$BATS_TEST_TMPDIR/bad.csv" "$BATS_TEST_TMPDIR/in"
	assert_equal "$stderr" "diff-roster: $BATS_TEST_TMPDIR/bad.csv:4: stored_id: no stored user \"u999\"
diff-roster: $BATS_TEST_TMPDIR/bad.csv:5: stored_id: \"u21\" is linked by an earlier row already
diff-roster: $BATS_TEST_TMPDIR/bad.csv:6: source_id: no incoming user \"new-nobody\" in the feed"
	assert_output ""
}

@test "--links: a stored user linked to another id of the source already is an error" {
	migrate-plan --db "$DB" --quiet "$NEW" > "$BATS_TEST_TMPDIR/map.csv"
	migrate --db "$DB" --links "$BATS_TEST_TMPDIR/map.csv" --quiet --backup-dir "$BATS_TEST_TMPDIR/b" "$NEW" 2>/dev/null
	snapshot --db "$DB" > "$BATS_TEST_TMPDIR/state"
	extract-oneroster "$NEW" | normalize > "$BATS_TEST_TMPDIR/in"
	printf '%s\n' '{"type":"mapping","stored_id":"u21","source":"oneroster","source_id":"new-stu-1005"}' > "$BATS_TEST_TMPDIR/links.ndjson"
	run -1 --separate-stderr diff-roster --state "$BATS_TEST_TMPDIR/state" --links "$BATS_TEST_TMPDIR/links.ndjson" "$BATS_TEST_TMPDIR/in"
	assert_equal "$stderr" "diff-roster: $BATS_TEST_TMPDIR/links.ndjson:1: stored_id: \"u21\" is linked to another id of that source already"
}

@test "a reviewed table overrides matching: an edited row links what sis_id would not" {
	migrate-plan --db "$DB" --quiet "$NEW" > "$BATS_TEST_TMPDIR/map.csv"
	sed -i 's/^,oneroster,new-stu-1002,,unmatched,/u6,oneroster,new-stu-1002,,unique,/' "$BATS_TEST_TMPDIR/map.csv"
	snapshot --db "$DB" > "$BATS_TEST_TMPDIR/state"
	run bash -c 'extract-oneroster "$1" | normalize | diff-roster --state "$2" --links "$3"' _ "$NEW" "$BATS_TEST_TMPDIR/state" "$BATS_TEST_TMPDIR/map.csv"
	assert_success
	assert_line '{"type":"op","op":"link","entity":"user","id":"u6","ids":{"google":"g-1002","oneroster":"new-stu-1002"},"matched_on":"mapping"}'
	assert_line --index 0 --partial '"create":'
	refute_line --partial '"source_id":"new-stu-1002","role"'
}

@test "continuous migration: with --match every sync links by identifier, keeping the old ids" {
	run --separate-stderr oneroster-sync --quiet --db "$DB" --match sis_id,email "$NEW"
	assert_success
	assert_stderr_partial "link user 22"
	assert_equal "$(user_count "$DB")" 26
	run -0 --separate-stderr oneroster-sync --quiet --db "$DB" --match sis_id,email "$NEW"
	assert_stderr_partial "has no operations; nothing to do"
}

@test "a migration within one source: every user re-keyed by a new export goes through migrate; the new id replaces the old, which is kept" {
	db=$(new_store o)
	oneroster-sync --quiet --db "$db" "$TD/district/y1-v1p1" 2>/dev/null
	pkg=$(fixture_copy "$TD/district/y1-v1p1" rekeyed)
	sed -i 's/\b\(stu\|tch\|adm\|aide\|par\)-\([0-9]\)/\1-rk\2/g' "$pkg"/users.csv "$pkg"/enrollments.csv "$pkg"/demographics.csv
	migrate-plan --db "$db" --quiet "$pkg" > "$BATS_TEST_TMPDIR/map.csv"
	run -0 grep -c ',sis_id,unique,' "$BATS_TEST_TMPDIR/map.csv"
	assert_output 24
	run -0 --separate-stderr migrate --db "$db" --links "$BATS_TEST_TMPDIR/map.csv" --quiet --backup-dir "$BATS_TEST_TMPDIR/b" "$pkg"
	run -0 snapshot --db "$db" --entity user
	assert_equal "$(ndjson-fields --where type=user --count <<<"$output")" 24
	refute_output --partial deleted_at
	assert_line --regexp '"source_id":"stu-rk1001",.*"ids":\{"google":"g-1001","oneroster":"stu-rk1001","oneroster.previous":"stu-1001","sis":"1001"\}'
	run -0 --separate-stderr oneroster-sync --db "$db" "$pkg"
	assert_stderr_partial "has no operations; nothing to do"
}

@test "a migration of one school retires no user the old source still has in another school" {
	# the new source holds Birchwood only; David Park teaches in both
	# schools, and Cedar stays with Clever
	pkg=$BATS_TEST_TMPDIR/birchwood
	cp -r "$NEW" "$pkg"
	grep -v new-sch-200 "$NEW/orgs.csv" > "$pkg/orgs.csv"
	grep -v 'new-sch-200\|T2002' "$NEW/users.csv" > "$pkg/users.csv"
	grep -v new-sch-200 "$NEW/classes.csv" > "$pkg/classes.csv"
	cut -d, -f1 "$pkg/users.csv" > "$BATS_TEST_TMPDIR/kept"
	classes=$(cut -d, -f1 "$pkg/classes.csv" | paste -sd'|')
	awk -F, -v re="^($classes)$" 'NR == 1 || $4 ~ re' "$NEW/enrollments.csv" |
		grep -Fwf "$BATS_TEST_TMPDIR/kept" > "$pkg/enrollments.csv"
	awk -F, 'NR == FNR { keep[$1] = 1; next } FNR == 1 || keep[$1]' "$BATS_TEST_TMPDIR/kept" "$NEW/demographics.csv" > "$pkg/demographics.csv"
	park=$(snapshot --db "$DB" --entity user | ndjson-fields --where sis_id=T2002 --fields id)
	[ -n "$park" ]
	snapshot --db "$DB" > "$BATS_TEST_TMPDIR/state"
	extract-oneroster "$pkg" | normalize | diff-roster --state "$BATS_TEST_TMPDIR/state" --migrate --match sis_id > "$BATS_TEST_TMPDIR/plan"
	# Birchwood's Clever-only users go; Park does not
	grep -q '"op":"soft_delete","entity":"user"' "$BATS_TEST_TMPDIR/plan"
	run grep -c "\"op\":\"soft_delete\",\"entity\":\"user\",\"id\":\"$park\"" "$BATS_TEST_TMPDIR/plan"
	assert_output 0
}
