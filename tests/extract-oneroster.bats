#!/usr/bin/env bats
# extract-oneroster: OneRoster CSV packages (folder or zip) -> raw NDJSON.

setup() { load test_helper/common; }

@test "--help prints usage and exits 0" {
	run extract-oneroster --help
	assert_success
	assert_line --index 0 "usage: extract-oneroster [options] FOLDER|FILE.zip|-"
	assert_output --partial "Exit status: 0 success, 1 bad data"
}

@test "--version prints name and version" {
	run extract-oneroster --version
	assert_success
	assert_output "extract-oneroster $RP_VERSION"
}

@test "an unknown option is a usage error (exit 2)" {
	run -2 --separate-stderr extract-oneroster --frobnicate "$TD/oneroster/min"
	assert_equal "${stderr_lines[0]}" "extract-oneroster: unrecognized option '--frobnicate'"
	assert_equal "${stderr_lines[1]}" "Try 'extract-oneroster --help' for more information."
	assert_equal "${#stderr_lines[@]}" 2
}

@test "no package named is a usage error (exit 2)" {
	run -2 --separate-stderr extract-oneroster
	assert_equal "${stderr_lines[0]}" "extract-oneroster: expected one FOLDER, FILE.zip or -"
}

@test "a package that does not exist is an I/O error (exit 4)" {
	run -4 --separate-stderr extract-oneroster "$BATS_TEST_TMPDIR/nowhere"
	assert_equal "$stderr" "extract-oneroster: $BATS_TEST_TMPDIR/nowhere: No such file or directory"
}

@test "golden: the minimal package, feed header first, rows with file and line" {
	run --separate-stderr extract-oneroster "$TD/oneroster/min"
	assert_success
	assert_equal "$stderr" ""
	assert_output "$(cat "$TD/oneroster/min.raw.ndjson")"
}

@test "quoted comma, doubled quote and newline are kept; a record spanning lines is at its first line" {
	run extract-oneroster "$TD/oneroster/min"
	assert_success
	assert_line --partial '"line":2,"data":{"sourcedId":"u-1",'
	assert_line --partial '"familyName":"Lee, \"Jr.\""'
	assert_line --partial '"line":3,"data":{"sourcedId":"u-2",'
	assert_line --partial '"familyName":"Two\nLines"'
	assert_line --partial '"line":5,"data":{"sourcedId":"u-3",'
}

@test "a UTF-8 BOM and CRLF line ends read the same as the plain file" {
	pkg=$(variant bom-crlf)
	run extract-oneroster "$pkg"
	assert_success
	assert_output "$(cat "$TD/oneroster/min.raw.ndjson")"
}

@test "columns it does not know are carried in data" {
	pkg=$(variant extra-column)
	run extract-oneroster "$pkg"
	assert_success
	assert_line --partial '"identifier":"0001","parentSourcedId":"d-1","metadata.nces":"123456"}}'
}

@test "the zip gives exactly what the folder gives" {
	run extract-oneroster "$TD/district/y1-v1p1.zip"
	assert_success
	assert_output "$(extract-oneroster "$TD/district/y1-v1p1")"
}

@test "1.2: roles come before users, the feed says version 1.2" {
	run extract-oneroster "$TD/district/y1-v1p2"
	assert_success
	assert_line --index 0 '{"type":"feed","source":"oneroster","version":"1.2","files":{"orgs":"bulk","academicSessions":"bulk","courses":"bulk","classes":"bulk","roles":"bulk","users":"bulk","enrollments":"bulk","demographics":"bulk"}}'
	entities=$(grep -o '"entity":"[a-zA-Z]*"' <<<"$output" | uniq | tr '\n' ' ')
	assert_equal "$entities" '"entity":"orgs" "entity":"academicSessions" "entity":"courses" "entity":"classes" "entity":"roles" "entity":"users" "entity":"enrollments" "entity":"demographics" '
}

@test "a header-only file gives no rows and no error" {
	pkg=$(variant header-only)
	run --separate-stderr extract-oneroster "$pkg"
	assert_success
	assert_equal "$stderr" ""
	refute_output --partial '"entity":"users"'
}

@test "bad input: malformed quoting (stray quote)" {
	pkg=$(variant stray-quote)
	run -1 --separate-stderr extract-oneroster "$pkg"
	assert_equal "$stderr" "extract-oneroster: $pkg/users.csv:3: malformed quoting"
}

@test "bad input: unterminated quote at the end of the file, at the line it starts" {
	pkg=$(variant unterminated-quote)
	run -1 --separate-stderr extract-oneroster "$pkg"
	assert_equal "$stderr" "extract-oneroster: $pkg/users.csv:3: unterminated quoted field"
}

@test "bad input: invalid UTF-8 names the column" {
	pkg=$(variant invalid-utf8)
	run -1 --separate-stderr extract-oneroster "$pkg"
	assert_equal "$stderr" "extract-oneroster: $pkg/users.csv:3: givenName: invalid UTF-8"
}

@test "bad input: a NUL byte names the column" {
	pkg=$(variant nul-byte)
	run -1 --separate-stderr extract-oneroster "$pkg"
	assert_equal "$stderr" "extract-oneroster: $pkg/users.csv:2: givenName: NUL byte"
}

@test "bad input: a ragged row is reported and the rows around it kept" {
	pkg=$(variant ragged-row)
	run -1 --separate-stderr extract-oneroster "$pkg"
	assert_equal "$stderr" "extract-oneroster: $pkg/users.csv:3: ragged row: 10 fields, header has 18"
	assert_line --partial '"sourcedId":"u-1"'
	assert_line --partial '"sourcedId":"u-3"'
}

@test "bad input: a missing required column, located at the header" {
	pkg=$(variant missing-column)
	run -1 --separate-stderr extract-oneroster "$pkg"
	assert_equal "$stderr" "extract-oneroster: $pkg/users.csv:1: role: required column is missing"
}

@test "bad input: a file listed as bulk but missing" {
	pkg=$(variant missing-file)
	run -1 --separate-stderr extract-oneroster "$pkg"
	assert_equal "$stderr" "extract-oneroster: $pkg/manifest.csv:16: file.users: listed as bulk but the file is missing"
	assert_output ""
}

@test "bad input: a file listed as absent but present" {
	pkg=$(variant absent-but-present)
	run -1 --separate-stderr extract-oneroster "$pkg"
	assert_equal "$stderr" "extract-oneroster: $pkg/manifest.csv:10: file.demographics: listed as absent but demographics.csv is present"
}

@test "bad input: no manifest" {
	pkg=$(variant no-manifest)
	run -1 --separate-stderr extract-oneroster "$pkg"
	assert_equal "$stderr" "extract-oneroster: $pkg: manifest.csv: required file is missing: without it, whether the files are a whole roster (bulk) or changes (delta) cannot be told (OneRoster 1.0 exports have none, and are not read)"
}

@test "bad input: an unknown OneRoster version" {
	pkg=$(variant bad-version)
	run -1 --separate-stderr extract-oneroster "$pkg"
	assert_equal "$stderr" "extract-oneroster: $pkg/manifest.csv:3: oneroster.version: unknown OneRoster version \"2.0\" (1.1 or 1.2 expected)"
}

@test "bad input: a manifest mode that is not bulk, delta or absent" {
	pkg=$(variant bad-mode)
	run -1 --separate-stderr extract-oneroster "$pkg"
	assert_equal "${stderr_lines[0]}" "extract-oneroster: $pkg/manifest.csv:16: file.users: \"full\" is not bulk, delta or absent"
}

@test "bad input: an empty file has no header" {
	pkg=$(variant empty-file)
	run -1 --separate-stderr extract-oneroster "$pkg"
	assert_equal "$stderr" "extract-oneroster: $pkg/users.csv: empty file: no header row"
}

@test "bad input: a truncated zip is refused" {
	head -c 3000 "$TD/district/y1-v1p1.zip" > "$BATS_TEST_TMPDIR/cut.zip"
	run -1 --separate-stderr extract-oneroster "$BATS_TEST_TMPDIR/cut.zip"
	assert_equal "$stderr" "extract-oneroster: $BATS_TEST_TMPDIR/cut.zip: not a zip file (no end of central directory record)"
	assert_output ""
}

@test "bad input: a zip entry with .. is refused, nothing extracted" {
	run -1 --separate-stderr extract-oneroster "$TD/zip/dotdot.zip"
	assert_equal "$stderr" "extract-oneroster: $TD/zip/dotdot.zip: entry \"../evil.csv\": path outside the archive"
	assert_output ""
}

@test "bad input: a zip entry with an absolute path is refused" {
	run -1 --separate-stderr extract-oneroster "$TD/zip/absolute.zip"
	assert_equal "$stderr" "extract-oneroster: $TD/zip/absolute.zip: entry \"/etc/evil.csv\": absolute path"
}

@test "--error-format json writes one object per error" {
	pkg=$(variant missing-column)
	run -1 --separate-stderr extract-oneroster --error-format json "$pkg"
	assert_equal "$stderr" "{\"program\":\"extract-oneroster\",\"level\":\"error\",\"file\":\"$pkg/users.csv\",\"line\":1,\"field\":\"role\",\"code\":\"missing_column\",\"message\":\"required column is missing\"}"
}

@test "a write error on standard output is an I/O error (exit 4)" {
	run -4 --separate-stderr bash -c 'extract-oneroster "$1" > /dev/full' _ "$TD/district/y1-v1p1"
	assert_equal "$stderr" "extract-oneroster: standard output: No space left on device"
}

@test "bad input: a row with an unquoted comma and an empty last column is refused at its line, not shifted" {
	pkg=$(variant unquoted-comma)
	run -1 --separate-stderr extract-oneroster "$pkg"
	assert_equal "$stderr" "extract-oneroster: $pkg/users.csv:3: ragged row: 19 fields, header has 18"
	refute_output --partial '"sourcedId":"u-2"'
	assert_line --partial '"sourcedId":"u-3"'
}

@test "a header ending in empty names: rows may fill those columns with empty values or leave them out" {
	pkg=$(variant unnamed-columns)
	run --separate-stderr extract-oneroster "$pkg"
	assert_success
	assert_equal "$stderr" ""
	assert_output "$(cat "$TD/oneroster/min.raw.ndjson")"
}

@test "bad input: a value under an unnamed header column, or a field past them, is refused at its line" {
	pkg=$(variant unnamed-columns)
	sed -i '$s/$/x/' "$pkg/users.csv"
	printf 'u-4,,,true,s-1,student,di,,Di,Fay,,103,,,,,K,,,,\n' >> "$pkg/users.csv"
	run -1 --separate-stderr extract-oneroster "$pkg"
	assert_equal "${stderr_lines[0]}" "extract-oneroster: $pkg/users.csv:5: value in column 19, which has no name in the header"
	assert_equal "${stderr_lines[1]}" "extract-oneroster: $pkg/users.csv:6: ragged row: 21 fields, header has 20 (18 named)"
}

@test "- reads a zip package on standard input: the same records as the file" {
	run -0 --separate-stderr bash -c 'cat "$1" | extract-oneroster -' _ "$TD/district/y1-v1p1.zip"
	assert_output "$(extract-oneroster "$TD/district/y1-v1p1.zip")"
	run -1 --separate-stderr bash -c 'cat "$1" | extract-oneroster -' _ "$TD/zip/dotdot.zip"
	assert_equal "$stderr" "extract-oneroster: <stdin>: entry \"../evil.csv\": path outside the archive"
	run -1 --separate-stderr extract-oneroster - < /dev/null
	assert_equal "$stderr" "extract-oneroster: <stdin>: not a zip file (no end of central directory record)"
}

@test "- refuses a folder on standard input (exit 2)" {
	run -2 --separate-stderr extract-oneroster - < "$TD/oneroster/min"
	assert_equal "$stderr" "extract-oneroster: standard input is a folder: name the folder instead of -, or pipe a zip package in"
}

@test "- spools to a private temporary file (0600, unlinked while open, gone at exit)" {
	fifo="$BATS_TEST_TMPDIR/fifo"
	mkfifo "$fifo"
	(umask 000; exec extract-oneroster -) < "$fifo" > "$BATS_TEST_TMPDIR/out" 2>&1 &
	pid=$!
	exec 5> "$fifo"
	head -c 100 "$TD/district/y1-v1p1.zip" >&5
	# while it waits for the rest: the spool is open, has no name left, 0600
	spool=
	for _ in $(seq 100); do
		for fd in /proc/$pid/fd/*; do
			case $(readlink "$fd") in *'(deleted)') spool=$fd ;; esac
		done
		[ -n "$spool" ] && break
		sleep 0.05
	done
	[ -n "$spool" ] || { exec 5>&-; wait $pid; fail "no unlinked spool file among $(ls -l /proc/$pid/fd)"; }
	assert_equal "$(stat -L -c %a "$spool")" 600
	tail -c +101 "$TD/district/y1-v1p1.zip" >&5
	exec 5>&-
	wait $pid
	assert_equal "$(cat "$BATS_TEST_TMPDIR/out")" "$(extract-oneroster "$TD/district/y1-v1p1.zip")"
}

@test "bad input: a zip with two entries of one name is refused, naming the entry" {
	zip="$BATS_TEST_TMPDIR/twice.zip"
	python3 - "$TD/oneroster/min" "$zip" <<'PY'
import sys, zipfile, warnings
warnings.simplefilter("ignore")
src, out = sys.argv[1:]
with zipfile.ZipFile(out, "w") as z:
    for name in ("manifest.csv", "orgs.csv", "users.csv"):
        z.write(f"{src}/{name}", name)
    z.writestr("Users.csv", "sourcedId\n")
PY
	run -1 --separate-stderr extract-oneroster "$zip"
	assert_equal "$stderr" "extract-oneroster: $zip: entry \"users.csv\": in the archive twice, also as \"Users.csv\" (entries #3 and #4; names are matched ignoring case)"
	assert_output ""
}

@test "bad input: a folder holding users.csv and USERS.csv is refused" {
	pkg=$(variant case-twins)
	run -1 --separate-stderr extract-oneroster "$pkg"
	assert_equal "$stderr" "extract-oneroster: $pkg: users.csv: USERS.csv is there too: file names are matched ignoring case, so which one is meant cannot be told"
	assert_output ""
}

@test "a file listed as absent but present with no rows: a warning, taken as absent" {
	pkg=$(variant absent-header-only)
	run -0 --separate-stderr extract-oneroster "$pkg"
	assert_equal "$stderr" "extract-oneroster: $pkg/manifest.csv:10: file.demographics: warning: listed as absent but demographics.csv is present, with no rows: taken as absent"
	assert_output "$(cat "$TD/oneroster/min.raw.ndjson")"
}

@test "a manifest property that is none (a typo) is ignored with a warning, never guessed at" {
	pkg=$(variant unknown-property)
	run -0 --separate-stderr extract-oneroster "$pkg"
	assert_equal "$stderr" "extract-oneroster: $pkg/manifest.csv:10: fiel.demographics: warning: not a manifest property (file.*, source.*, manifest.version, oneroster.version): ignored"
	assert_output "$(cat "$TD/oneroster/min.raw.ndjson")"
	run -0 --separate-stderr extract-oneroster --error-format json "$pkg"
	assert_equal "$stderr" "{\"program\":\"extract-oneroster\",\"level\":\"warning\",\"file\":\"$pkg/manifest.csv\",\"line\":10,\"field\":\"fiel.demographics\",\"code\":\"unknown_property\",\"message\":\"not a manifest property (file.*, source.*, manifest.version, oneroster.version): ignored\"}"
}

@test "bad input: a file the manifest does not list, holding rows, is an error" {
	pkg=$(variant unlisted-file)
	run -1 --separate-stderr extract-oneroster "$pkg"
	assert_equal "$stderr" "extract-oneroster: $pkg/manifest.csv: file.demographics: not listed but demographics.csv is present"
}
