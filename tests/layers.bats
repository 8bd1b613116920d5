#!/usr/bin/env bats
# tests/check-layers: the includes of lib/ and filters/ follow the layers
# (docs/design.md, "The map"), and the checker fails on a planted breach.

setup() {
	load test_helper/common
	root=$BATS_TEST_DIRNAME/..
	copy=$BATS_TEST_TMPDIR/tree
	mkdir -p "$copy"
	cp -r "$root/lib" "$root/filters" "$copy/"
}

@test "check-layers: the tree as it is passes" {
	run "$root/tests/check-layers" "$root"
	assert_success
	assert_output "check-layers: every include points down a layer or into a public header"
}

@test "check-layers: a utility including an engine points up a layer" {
	echo '#include "apply/apply.h"' >> "$copy/lib/err.c"
	run --separate-stderr "$root/tests/check-layers" "$copy"
	assert_failure 1
	n=$(wc -l < "$copy/lib/err.c")
	[ "$stderr" = "check-layers: lib/err.c:$n: \"apply/apply.h\" points up a layer (lib/apply/apply.h)" ]
}

@test "check-layers: an engine including apply (a layer above) fails" {
	echo '#include "apply/apply.h"' >> "$copy/lib/diff/diff.c"
	run --separate-stderr "$root/tests/check-layers" "$copy"
	assert_failure 1
	[[ $stderr == *'lib/diff/diff.c:'*'"apply/apply.h" points up a layer'* ]]
}

@test "check-layers: a filter including an engine's private header fails" {
	echo '#include "store/db.h"' >> "$copy/filters/snapshot.c"
	run --separate-stderr "$root/tests/check-layers" "$copy"
	assert_failure 1
	[[ $stderr == *'filters/snapshot.c:'*'"store/db.h" is private to lib/store (use lib/store/store.h)' ]]
}

@test "check-layers: an engine including another engine's private header fails" {
	echo '#include "store/store_int.h"' >> "$copy/lib/apply/run.c"
	run --separate-stderr "$root/tests/check-layers" "$copy"
	assert_failure 1
	[[ $stderr == *'"store/store_int.h" is private to lib/store'* ]]
}

@test "check-layers: an engine folder missing from the layer table fails" {
	mkdir "$copy/lib/newengine"
	echo 'int x;' > "$copy/lib/newengine/new.c"
	run --separate-stderr "$root/tests/check-layers" "$copy"
	assert_failure 1
	[[ $stderr == *'lib/newengine is not in the layer table'* ]]
}

@test "check-layers: apply may use a layer-1 engine's public header" {
	echo '#include "diff/diff.h"' >> "$copy/lib/apply/run.c"
	run "$root/tests/check-layers" "$copy"
	assert_success
}
