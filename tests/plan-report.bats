#!/usr/bin/env bats
# bats file_tags=store
# plan-report: a plan and its state as a report for the person who decides
# (Markdown and HTML), and its guard verdict against apply's.

setup() {
	load test_helper/common
	STATE="$TD/sync/y1.snapshot.ndjson"
	PLAN="$TD/sync/y2.plan.ndjson"
}

Y1="$BATS_TEST_DIRNAME/../testdata/district/y1-v1p1"
Y2="$BATS_TEST_DIRNAME/../testdata/district/y2-v1p1"

# The part of a Markdown report under one "## " heading, to the next.
part() { awk -v h="## $1" '$0 == h { on = 1; next } /^## / { on = 0 } on'; }

@test "plan-report: --help, --version, usage errors (exit 2)" {
	run -0 plan-report --help
	assert_line --index 0 --partial "usage: plan-report --state STATE "
	run -0 plan-report --version
	assert_output "plan-report $RP_VERSION"
	run -2 --separate-stderr plan-report "$PLAN"
	assert_equal "${stderr_lines[0]}" "plan-report: --state is required (/dev/null for an empty store)"
	run -2 --separate-stderr plan-report --state "$STATE" --format pdf "$PLAN"
	assert_equal "${stderr_lines[0]}" "plan-report: --format: md or html, not pdf"
	run -2 --separate-stderr plan-report --state "$STATE" --max-delete-ratio 1.5 "$PLAN"
	assert_equal "${stderr_lines[0]}" "plan-report: --max-delete-ratio: a number from 0 to 1, not 1.5"
	run -2 --separate-stderr plan-report --state "$STATE" --guard-floor x "$PLAN"
	assert_equal "${stderr_lines[0]}" "plan-report: --guard-floor: not a whole number: x"
	run -2 --separate-stderr plan-report --state "$STATE" "$PLAN" "$PLAN"
	assert_equal "${stderr_lines[0]}" "plan-report: one PLAN at a time"
	run -4 --separate-stderr plan-report --state "$BATS_TEST_TMPDIR/none" "$PLAN"
	assert_equal "$stderr" "plan-report: $BATS_TEST_TMPDIR/none: No such file or directory"
}

@test "golden: the sample district's year-2 plan in Markdown; the same from standard input, and writes no file" {
	mkdir "$BATS_TEST_TMPDIR/cwd" && cd "$BATS_TEST_TMPDIR/cwd"
	run --separate-stderr plan-report --state "$STATE" "$PLAN"
	assert_success
	assert_equal "$stderr" ""
	assert_output "$(cat "$TD/report/y2.md")"
	run -0 plan-report --state "$STATE" - < "$PLAN"
	assert_output "$(cat "$TD/report/y2.md")"
	run -0 plan-report --state "$STATE" < "$PLAN"
	assert_output "$(cat "$TD/report/y2.md")"
	assert_equal "$(ls -A "$BATS_TEST_TMPDIR/cwd")" ""
}

@test "under each school's name, every person the plan soft-deletes, by name, and the guard's verdict" {
	run -0 plan-report --state "$STATE" "$PLAN"
	cedar=$(part "Cedar Middle (0200)" <<<"$output")
	assert_equal "$(grep -A 8 '^### Soft-deleted (5)$' <<<"$cedar")" "### Soft-deleted (5)

| name            | id  | role     | grade | reason             |
|-----------------|-----|----------|-------|--------------------|
| Becker, Hannah  | u14 | student  | 08    | absent_from_source |
| Okafor, Amara   | u12 | student  | 08    | absent_from_source |
| Okafor, Chinedu | u24 | guardian |       | absent_from_source |
| Okoye, Samuel   | u20 | teacher  |       | absent_from_source |
| Silva, Mateo    | u13 | student  | 08    | absent_from_source |"
	grep -qxF "**Guard: refused.** The plan would soft-delete 5 of 12 active users (41.7%; limit 20.0% of groups of 5 or more)." <<<"$cedar"
	birch=$(part "Birchwood Elementary (0100)" <<<"$output")
	grep -qxF "**Guard: passes.**" <<<"$birch"
	[[ $birch != *Soft-deleted* ]] || fail "Birchwood lists soft-deletes: $birch"
	grep -qxF "| Khan, Aisha   | u7  | student | Cedar Middle |" <<<"$birch"
	# the schools in order of their names, the records of no school last
	assert_equal "$(grep '^## ' <<<"$output")" "## Operations in the whole plan
## Schools
## Birchwood Elementary (0100)
## Cedar Middle (0200)
## No school (terms; users and sections in no school)"
}

@test "the verdict is apply's: the same refusals, in the same words, for several plans and limits" {
	db=$(new_store s)
	oneroster-sync --quiet --db "$db" "$Y1" 2>/dev/null
	snapshot --db "$db" > "$BATS_TEST_TMPDIR/s1"
	extract-oneroster "$Y2" | normalize | diff-roster --state "$BATS_TEST_TMPDIR/s1" > "$BATS_TEST_TMPDIR/y2"
	pkg=$(fixture_copy "$Y1" empty)
	for f in users enrollments demographics; do head -n 1 "$Y1/$f.csv" > "$pkg/$f.csv"; done
	extract-oneroster "$pkg" | normalize | diff-roster --state "$BATS_TEST_TMPDIR/s1" > "$BATS_TEST_TMPDIR/empty.plan"
	# refusals as "LOSS (SHARE; LIMIT)", sorted: apply's per school, the report's
	by_apply() { apply --db "$db" --dry-run "$@" 2>&1 | sed -n 's/^apply: [a-z ]*[a-z0-9]*: plan would //p' | sort; }
	by_report() {
		plan-report --state "$1" "${@:2}" | sed -n 's/^\*\*Guard: refused\.\*\* The plan would //p' |
			sed 's/)\. The plan would /)\n/g; s/)\.$/)/' | sort
	}
	check() {
		local state=$1 plan=$2
		shift 2
		want=$(by_apply "$@" "$plan")
		assert_equal "$(by_report "$state" "$@" "$plan")" "$want"
		if [ "$expect_some" = yes ]; then [ -n "$want" ]; else [ -z "$want" ]; fi
	}
	expect_some=yes
	check "$BATS_TEST_TMPDIR/s1" "$BATS_TEST_TMPDIR/y2"
	check "$BATS_TEST_TMPDIR/s1" "$BATS_TEST_TMPDIR/y2" --max-delete-ratio 0.1
	check "$BATS_TEST_TMPDIR/s1" "$BATS_TEST_TMPDIR/y2" --max-delete-ratio 1 --max-delete-count 4
	check "$BATS_TEST_TMPDIR/s1" "$BATS_TEST_TMPDIR/empty.plan"
	check "$BATS_TEST_TMPDIR/s1" "$BATS_TEST_TMPDIR/empty.plan" --guard-floor 13 --max-delete-count 11
	expect_some=no
	check "$BATS_TEST_TMPDIR/s1" "$BATS_TEST_TMPDIR/y2" --max-delete-ratio 0.5
	check "$BATS_TEST_TMPDIR/s1" "$BATS_TEST_TMPDIR/y2" --guard-floor 13
	# year 2 applied: classes of one school cut (sections and enrollments),
	# then the purge of the soft-deleted (hard deletes)
	apply --db "$db" --force --quiet "$BATS_TEST_TMPDIR/y2" 2>/dev/null
	snapshot --db "$db" > "$BATS_TEST_TMPDIR/s2"
	pkg=$(fixture_copy "$Y2" cut)
	grep -v 'sch-200' "$Y2/classes.csv" > "$pkg/classes.csv"
	grep -v 'cls-math-6\|cls-math-78\|cls-sci-ms' "$Y2/enrollments.csv" > "$pkg/enrollments.csv"
	extract-oneroster "$pkg" | normalize | diff-roster --state "$BATS_TEST_TMPDIR/s2" > "$BATS_TEST_TMPDIR/cut.plan"
	softdelete-plan "$BATS_TEST_TMPDIR/s2" > "$BATS_TEST_TMPDIR/purge"
	expect_some=yes
	check "$BATS_TEST_TMPDIR/s2" "$BATS_TEST_TMPDIR/cut.plan"
	check "$BATS_TEST_TMPDIR/s2" "$BATS_TEST_TMPDIR/cut.plan" --max-delete-count 0
	check "$BATS_TEST_TMPDIR/s2" "$BATS_TEST_TMPDIR/purge"
	expect_some=no
	check "$BATS_TEST_TMPDIR/s2" "$BATS_TEST_TMPDIR/cut.plan" --guard-floor 20
	# a current class emptied while as many enrollments are made in a class
	# whose terms ended: those offset nothing, for apply as for the report
	db=$(new_store e)
	{
		echo '{"type":"op","op":"create","entity":"school","data":{"source":"oneroster","source_id":"sch-1","name":"Oak","school_number":"0001"}}'
		echo '{"type":"op","op":"create","entity":"term","data":{"source":"oneroster","source_id":"t-1","name":"Fall","kind":"semester","start_date":"2026-08-20","end_date":"2026-12-20","school_year":"2026-2027"}}'
		echo '{"type":"op","op":"create","entity":"term","data":{"source":"oneroster","source_id":"t-0","name":"Spring","kind":"semester","start_date":"2026-01-10","end_date":"2026-06-01","school_year":"2025-2026"}}'
		echo '{"type":"op","op":"create","entity":"section","data":{"source":"oneroster","source_id":"cls-1","school_id":"oneroster:sch-1","term_ids":["oneroster:t-1"],"name":"Math 3"}}'
		echo '{"type":"op","op":"create","entity":"section","data":{"source":"oneroster","source_id":"cls-0","school_id":"oneroster:sch-1","term_ids":["oneroster:t-0"],"name":"Math 2"}}'
		for i in 1 2 3 4 5; do
			echo '{"type":"op","op":"create","entity":"user","data":{"source":"oneroster","source_id":"stu-'$i'","role":"student","school_ids":["oneroster:sch-1"],"given_name":"G","family_name":"F'$i'","ids":{"oneroster":"stu-'$i'"}}}'
			echo '{"type":"op","op":"create","entity":"enrollment","data":{"source":"oneroster","section_id":"oneroster:cls-1","user_id":"oneroster:stu-'$i'","role":"student"}}'
		done
	} | apply --db "$db" --quiet 2>/dev/null
	snapshot --db "$db" > "$BATS_TEST_TMPDIR/s3"
	for i in 1 2 3 4 5; do
		sql "$db" "SELECT '{\"type\":\"op\",\"op\":\"delete\",\"entity\":\"enrollment\",\"id\":\"e' || n || '\"}' FROM enrollments WHERE n = $i"
		echo '{"type":"op","op":"create","entity":"enrollment","data":{"source":"oneroster","section_id":"c2","user_id":"u'$i'","role":"student"}}'
	done > "$BATS_TEST_TMPDIR/swap.plan"
	expect_some=yes
	check "$BATS_TEST_TMPDIR/s3" "$BATS_TEST_TMPDIR/swap.plan"
}

@test "links and conflicts: what matched, the identifiers added, the candidates by name" {
	diff-roster --state "$TD/sync/two-same-email.state.ndjson" "$TD/sync/two-same-email.in.ndjson" > "$BATS_TEST_TMPDIR/plan"
	run -0 plan-report --state "$TD/sync/two-same-email.state.ndjson" "$BATS_TEST_TMPDIR/plan"
	oak=$(part "Oak" <<<"$output")
	grep -qxF "| Bo, Cy | u3  | sis_id     | oneroster new-3, oneroster.previous old-3 |" <<<"$oak"
	grep -qxF "| oneroster:new-1 | email      | Ames, Al (u1); Ames, Bea (u2) |" <<<"$oak"
	grep -qxF "| user   | source_id | Bo, Cy | u3  | old-3 | new-3 |" <<<"$oak"
	grep -qxF "| conflicts    | 1                                                                |" <<<"$output"
}

@test "hard deletes, restores: a purge and a hand-written plan, and notes when plan and state do not belong together" {
	run -0 plan-report --state "$TD/sync/y2.snapshot.ndjson" <(softdelete-plan "$TD/sync/y2.snapshot.ndjson")
	grep -qxF "| Okoye, Samuel   | u20 | teacher  | 2026-08-01T12:00:00Z |" <<<"$output"
	grep -qxF "### Hard-deleted, removed for good (5)" <<<"$output"
	printf '%s\n' '{"type":"op","op":"restore","entity":"user","id":"u13"}' \
		'{"type":"op","op":"soft_delete","entity":"user","id":"u99","reason":"by hand"}' > "$BATS_TEST_TMPDIR/hand"
	run -0 plan-report --state "$TD/sync/y2.snapshot.ndjson" "$BATS_TEST_TMPDIR/hand"
	assert_line "# Review of plan (no header)"
	assert_line "| Silva, Mateo | u13 | student | 08    |"
	assert_line "**Note:** 1 operation names records the state does not hold: listed as not in the state; apply refuses the plan as stale unless the store holds them."
	assert_line "| (not in the state) | u99 |      |       | by hand |"
	# the y2 plan against the state after it: another version
	run -0 plan-report --state "$TD/sync/y2.snapshot.ndjson" "$PLAN"
	assert_line "**Note:** the state given is version 0, but the plan was made against version 1: the figures here are the state's, and apply refuses an operation on a record changed since the plan was made."
	sed '3s/Fall 2026/Autumn 2026/' "$PLAN" > "$BATS_TEST_TMPDIR/edited"
	run -0 plan-report --state "$STATE" "$BATS_TEST_TMPDIR/edited"
	assert_line "**Note:** the plan's plan_id does not match its operations (edited after it was made?): apply refuses it."
}

@test "bad plans: a line that does not read, an unknown operation, a second plan: located errors, no report (exit 1)" {
	{ head -n 3 "$PLAN"; echo '{"type":"op","op":"explode","entity":"user","id":"u1"}'; echo 'not json'; } > "$BATS_TEST_TMPDIR/bad"
	run -1 --separate-stderr plan-report --state "$STATE" "$BATS_TEST_TMPDIR/bad"
	assert_output ""
	assert_stderr_line "plan-report: $BATS_TEST_TMPDIR/bad:4: op: unknown operation \"explode\""
	assert_stderr_partial "plan-report: $BATS_TEST_TMPDIR/bad:5: "
	cat "$PLAN" "$PLAN" > "$BATS_TEST_TMPDIR/two"
	run -1 --separate-stderr plan-report --state "$STATE" "$BATS_TEST_TMPDIR/two"
	assert_output ""
	assert_equal "$stderr" "plan-report: $BATS_TEST_TMPDIR/two:53: type: a second plan begins here; plan-report reads one plan at a time"
}

@test "bad plans with --error-format json: one object per error, \"level\" after \"program\", no report (exit 1)" {
	{ head -n 3 "$PLAN"; echo '{"type":"op","op":"explode","entity":"user","id":"u1"}'; echo 'not json'; } > "$BATS_TEST_TMPDIR/bad"
	run -1 --separate-stderr plan-report --error-format json --state "$STATE" "$BATS_TEST_TMPDIR/bad"
	assert_output ""
	assert_equal "$stderr" '{"program":"plan-report","level":"error","file":"'"$BATS_TEST_TMPDIR"'/bad","line":4,"field":"op","code":"bad_plan","message":"unknown operation \"explode\""}
{"program":"plan-report","level":"error","file":"'"$BATS_TEST_TMPDIR"'/bad","line":5,"code":"bad_json","message":"not valid JSON"}'
	cat "$PLAN" "$PLAN" > "$BATS_TEST_TMPDIR/two"
	run -1 --separate-stderr plan-report --error-format json --state "$STATE" "$BATS_TEST_TMPDIR/two"
	assert_equal "$stderr" '{"program":"plan-report","level":"error","file":"'"$BATS_TEST_TMPDIR"'/two","line":53,"field":"type","code":"bad_record","message":"a second plan begins here; plan-report reads one plan at a time"}'
}

@test "names are text in both forms: no markup, no terminal control sequences" {
	sed 's/"given_name":"Amara"/"given_name":"<b>Am|ara<\/b> *x* \\u001b[31m_y_"/' "$STATE" > "$BATS_TEST_TMPDIR/state"
	run -0 plan-report --state "$BATS_TEST_TMPDIR/state" "$PLAN"
	assert_line --partial '| Okafor, \<b>Am\|ara\</b> \*x\*  \[31m_y\_ | u12 |'
	[[ $output != *$'\e'* ]]
	run -0 plan-report --state "$BATS_TEST_TMPDIR/state" --format html "$PLAN"
	assert_line --partial '<tr><td>Okafor, &lt;b&gt;Am|ara&lt;/b&gt; *x*  [31m_y_</td><td>u12</td>'
	refute_output --partial '<b>Am'
	[[ $output != *$'\e'* ]]
}

@test "HTML: one page with tables, headings in order, the soft-deleted as rows, no scripts" {
	run -0 plan-report --state "$STATE" --format html "$PLAN"
	assert_line --index 0 "<!DOCTYPE html>"
	assert_line "<title>Review of plan 0eee78757c64</title>"
	assert_line "</html>"
	assert_equal "$(grep -o '<h2>[^<]*</h2>' <<<"$output")" "<h2>Operations in the whole plan</h2>
<h2>Schools</h2>
<h2>Birchwood Elementary (0100)</h2>
<h2>Cedar Middle (0200)</h2>
<h2>No school (terms; users and sections in no school)</h2>"
	assert_equal "$(grep -c '<table>' <<<"$output")" "$(grep -c '</table>' <<<"$output")"
	assert_equal "$(grep -c '<thead>' <<<"$output")" "$(grep -c '<table>' <<<"$output")"
	assert_equal "$(grep -o '<section class="school" id="[^"]*">' <<<"$output" | tr '\n' ' ')" \
		'<section class="school" id="school-s1"> <section class="school" id="school-s2"> <section class="school" id="no-school"> '
	assert_line '<p class="verdict refused"><strong class="refused">Guard: refused.</strong> The plan would soft-delete 5 of 12 active users (41.7%; limit 20.0% of groups of 5 or more).</p>'
	for who in "Becker, Hannah</td><td>u14</td><td>student</td><td>08" "Okafor, Amara</td><td>u12</td><td>student</td><td>08" \
		"Okafor, Chinedu</td><td>u24</td><td>guardian</td><td>" "Okoye, Samuel</td><td>u20</td><td>teacher</td><td>" \
		"Silva, Mateo</td><td>u13</td><td>student</td><td>08"; do
		assert_line "<tr><td>$who</td><td>absent_from_source</td></tr>"
	done
	assert_line '<thead><tr><th>school</th><th>number</th><th>id</th><th class="n">operations</th><th class="n">soft-deletes</th><th class="n">hard-deletes</th><th>guard</th></tr></thead>'
	refute_output --partial "<script"
	refute_output --partial "http"
	assert_output --partial "@media print{"
}

# bats test_tags=chromium
@test "HTML renders as tables in Chromium: a screenshot, and every table laid out as a grid" {
	chromium=$(command -v chromium || command -v chromium-browser || true)
	[ -n "$chromium" ] || skip "chromium is not installed (Debian package chromium)"
	html="$BATS_TEST_TMPDIR/report.html"
	plan-report --state "$STATE" --format html "$PLAN" > "$html"
	browse() {
		"$chromium" --headless --no-sandbox --disable-gpu --disable-background-networking \
			--disable-component-update --disable-sync --no-first-run \
			--user-data-dir="$(mktemp -d "$BATS_TEST_TMPDIR/chromium.XXXXXX")" \
			--window-size=1200,1600 "$@" 2>/dev/null
	}
	browse --screenshot="$BATS_TEST_TMPDIR/report.png" "file://$html" > /dev/null
	run file "$BATS_TEST_TMPDIR/report.png"
	assert_output --partial "PNG image data, 1200 x 1600"
	[ "$(stat -c %s "$BATS_TEST_TMPDIR/report.png")" -gt 20000 ] # text and tables, not a blank page
	# the report with a probe appended: each table displayed as a table,
	# each row's cells side by side, each column's cells one above another
	cp "$html" "$BATS_TEST_TMPDIR/probe.html"
	cat >> "$BATS_TEST_TMPDIR/probe.html" <<'EOF'
<script>
var out = [];
document.querySelectorAll('table').forEach(function (t, i) {
  var ok = getComputedStyle(t).display === 'table', lefts = null;
  t.querySelectorAll('tr').forEach(function (tr) {
    var top = null, row = [];
    tr.querySelectorAll('th,td').forEach(function (c) {
      var b = c.getBoundingClientRect();
      if (top === null) top = b.top;
      if (Math.abs(b.top - top) > 0.5 || b.width <= 0 || (row.length && b.left <= row[row.length - 1])) ok = false;
      row.push(b.left);
    });
    if (lefts === null) lefts = row;
    else if (row.join() !== lefts.join()) ok = false;
  });
  out.push('table ' + (ok ? 'laid out' : 'NOT laid out') + ': ' + t.querySelectorAll('tr').length + ' rows');
});
var pre = document.createElement('pre'); pre.id = 'probe'; pre.textContent = out.join('\n');
document.body.appendChild(pre);
</script>
EOF
	run -0 browse --dump-dom "file://$BATS_TEST_TMPDIR/probe.html"
	probe=$(sed -n '/<pre id="probe">/,/<\/pre>/p' <<<"$output" | sed 's/.*<pre id="probe">//; s/<\/pre>.*//')
	assert_equal "$(grep -c 'NOT laid out' <<<"$probe")" 0
	assert_equal "$(grep -c '^table laid out' <<<"$probe")" "$(grep -c '<table>' "$html")"
	grep -qxF "table laid out: 6 rows" <<<"$probe" # Cedar Middle's soft-deleted, with their heading
}
