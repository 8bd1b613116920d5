#!/usr/bin/env bats
# extract-oneroster: OneRoster CSV packages (folder or zip) -> raw NDJSON.

setup() { load test_helper/common; }

@test "--help prints usage and exits 0" {
	run extract-oneroster --help
	assert_success
	assert_line --index 0 "usage: extract-oneroster [options] FOLDER|FILE.zip"
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
	assert_equal "${stderr_lines[1]}" "usage: extract-oneroster [options] FOLDER|FILE.zip"
}

@test "no package named is a usage error (exit 2)" {
	run -2 --separate-stderr extract-oneroster
	assert_equal "${stderr_lines[0]}" "extract-oneroster: expected one FOLDER or FILE.zip"
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
	assert_equal "$stderr" "extract-oneroster: $pkg: manifest.csv: required file is missing"
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
	assert_equal "$stderr" "{\"program\":\"extract-oneroster\",\"file\":\"$pkg/users.csv\",\"line\":1,\"field\":\"role\",\"code\":\"missing_column\",\"message\":\"required column is missing\"}"
}

@test "a write error on standard output is an I/O error (exit 4)" {
	run -4 --separate-stderr bash -c 'extract-oneroster "$1" > /dev/full' _ "$TD/district/y1-v1p1"
	assert_equal "$stderr" "extract-oneroster: standard output: No space left on device"
}
