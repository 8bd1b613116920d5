#!/usr/bin/env bats
# Every program answers --help and --version and has a man page.

setup() { load test_helper/common; }

programs() {
	for p in "$RP_BIN"/*; do
		if [ -x "$p" ] && [ -f "$p" ]; then basename "$p"; fi
	done
}

# The programs the Makefile builds: one a filter, one a pipeline script.
built() {
	local src
	for src in "$BATS_TEST_DIRNAME"/../filters/*.c "$BATS_TEST_DIRNAME"/../pipelines/*; do
		[ -f "$src" ] && basename "$src" .c
	done | sort
}

@test "every program the Makefile builds is there, and nothing else" {
	[ -n "$(built)" ] || fail "no filters/*.c or pipelines/*"
	assert_equal "$(programs | sort)" "$(built)"
}

@test "every program prints usage with --help and exits 0" {
	for p in $(programs); do
		run "$p" --help
		assert_success
		assert_line --index 0 --regexp "^usage: $p "
	done
}

@test "every program prints NAME VERSION with --version" {
	for p in $(programs); do
		run "$p" --version
		assert_success
		assert_output "$p $RP_VERSION"
	done
}

@test "every program has a man page" {
	for p in $(programs); do
		[ -f "$BATS_TEST_DIRNAME/../man/$p.1" ] || fail "no man/$p.1"
	done
}

@test "make install puts programs and man pages under PREFIX" {
	cd "$BATS_TEST_DIRNAME/.."
	run make --no-print-directory install PREFIX=/usr DESTDIR="$BATS_TEST_TMPDIR/root"
	assert_success
	[ -x "$BATS_TEST_TMPDIR/root/usr/bin/extract-oneroster" ]
	[ -x "$BATS_TEST_TMPDIR/root/usr/bin/normalize" ]
	[ -f "$BATS_TEST_TMPDIR/root/usr/share/man/man1/normalize.1" ]
	run head -n 1 "$BATS_TEST_TMPDIR/root/usr/share/man/man1/normalize.1"
	assert_output ".TH NORMALIZE 1 2026-11-24 \"rosterpipe $RP_VERSION\" \"rosterpipe manual\""
}

@test "every man page has OPTIONS, EXIT STATUS and EXAMPLES sections" {
	for p in $(programs); do
		for s in OPTIONS "EXIT STATUS" EXAMPLES; do
			grep -qx "\.SH $s" "$BATS_TEST_DIRNAME/../man/$p.1" || fail "man/$p.1 has no $s section"
		done
	done
}

# The examples of the man pages. Each block (.nf to .fi) of an EXAMPLES
# section is preceded by a comment saying how it is tested:
#   .\" example: run [exit N]    run as written (exit N, default 0), in order,
#                                in a sandbox (sandbox, below)
#   .\" example: test FILE: NAME  a test of tests/FILE holds it (an example
#                                that needs a server, a token, a real host)
# A block with neither fails: no example is left untested.
examples() { # MANPAGE: "KIND<TAB>ARG<TAB>the block's lines, unescaped" per block
	awk '
		/^\.SH / { inex = ($0 == ".SH EXAMPLES"); next }
		!inex { next }
		/^\.\\" example: / { sub(/^\.\\" example: /, ""); mark = $0; next }
		/^\.nf$/ { inblock = 1; text = ""; next }
		/^\.fi$/ && inblock {
			inblock = 0
			if (mark == "") mark = "none"
			gsub(/\n/, "\001", text)
			printf "%s\t%s\n", mark, text
			mark = ""
			next
		}
		inblock { line = $0; text = text line "\n" }
	' "$1"
}

# What the examples find in their working folder: a store with the sample
# district's year 1 (product.db), its export as a zip and a folder
# (district-export.zip, export.zip, district-export/), the next year's
# (next-year/), the year 1 feed as raw records (raw.ndjson), the store's
# state (state.ndjson), the next year's plan (plan.ndjson), Clever pages
# (pages/). Each page's examples run in order in a sandbox of their own.
sandbox() {
	local d=$BATS_TEST_TMPDIR/sandbox
	rm -rf "$d"
	mkdir -p "$d"
	cp "$TD/district/y1-v1p1.zip" "$d/district-export.zip"
	cp "$TD/district/y1-v1p1.zip" "$d/export.zip"
	cp -r "$TD/district/y1-v1p1" "$d/district-export"
	cp -r "$TD/district/y2-v1p1" "$d/next-year"
	mkdir "$d/pages" && cp "$TD"/clever/y1/*.json "$d/pages/"
	extract-oneroster "$d/district-export" > "$d/raw.ndjson"
	oneroster-sync --quiet --db "$d/product.db" "$d/district-export" 2> /dev/null
	snapshot --db "$d/product.db" > "$d/state.ndjson"
	extract-oneroster "$d/next-year" | normalize | diff-roster --state "$d/state.ndjson" > "$d/plan.ndjson"
	echo "$d"
}

unescape() { # roff escapes as the page shows them
	sed -e 's/\\-/-/g' -e 's/\\e/\\/g' -e "s/\\\\(aq/'/g" -e 's/\\(dq/"/g' -e 's/\\&//g'
}

@test "every example of every man page is run, or names the test that holds it" {
	local p kind arg text n=0 ran=0 d status
	for p in $(programs); do
		page=$BATS_TEST_DIRNAME/../man/$p.1
		d=$(sandbox)
		while IFS=$'\t' read -r kind text; do
			n=$((n + 1))
			text=$(printf '%s\n' "${text//$'\001'/$'\n'}" | unescape)
			case $kind in
			run*)
				want=0
				[[ $kind =~ exit\ ([0-9]+) ]] && want=${BASH_REMATCH[1]}
				status=0
				(cd "$d" && bash -e -o pipefail -c "$text") > "$BATS_TEST_TMPDIR/out" 2>&1 < /dev/null || status=$?
				[ "$status" -eq "$want" ] ||
					fail "man/$p.1: example exits $status, not $want:
$text
$(cat "$BATS_TEST_TMPDIR/out")"
				ran=$((ran + 1)) ;;
			test*)
				arg=${kind#test }
				file=${arg%%: *} name=${arg#*: }
				grep -qF "@test \"$name\"" "$BATS_TEST_DIRNAME/$file" ||
					fail "man/$p.1: the example's test is not in tests/$file: $name" ;;
			*)
				fail "man/$p.1: an example neither run nor named a test (.\\\" example: run | test FILE: NAME):
$text" ;;
			esac
		done < <(examples "$page")
	done
	[ "$n" -gt 0 ] && [ "$ran" -gt 0 ]
}
