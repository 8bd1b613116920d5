#include "idset.h"

#include <stdio.h>
#include <string.h>

#include "harness.h"

static void test_put_get(void)
{
	idset *s = idset_new();
	uint32_t v = 99;
	uint64_t a = id_hash_str("user-1"), b = id_hash_str("user-2");

	CHECK(idset_count(s) == 0, "new set is empty");
	CHECK(idset_get(s, a, &v) == 0, "get: missing key is 0");
	CHECK(v == 99, "get: missing key leaves *val alone");
	CHECK(idset_put(s, a, 7, NULL) == 1, "put: new key returns 1");
	CHECK(idset_get(s, a, &v) == 1 && v == 7, "get: value of the key");
	CHECK(idset_get(s, a, NULL) == 1, "get: val may be NULL");
	CHECK(idset_get(s, b, NULL) == 0, "get: other key still missing");
	CHECK(idset_count(s) == 1, "count is 1");

	uint32_t old = 0;
	CHECK(idset_put(s, a, 8, &old) == 0, "put: duplicate returns 0");
	CHECK(old == 7, "put: duplicate gives the old value");
	CHECK(idset_get(s, a, &v) == 1 && v == 7,
	      "put: duplicate keeps the old value");
	CHECK(idset_put(s, a, 9, NULL) == 0,
	      "put: duplicate with old NULL returns 0");
	CHECK(idset_count(s) == 1, "count unchanged by duplicates");

	CHECK(idset_put(s, b, 0, NULL) == 1 && idset_get(s, b, &v) == 1 &&
		      v == 0,
	      "put: value 0 is stored");
	CHECK(idset_count(s) == 2, "count is 2");
	idset_free(s);
	CHECK_RUNS(idset_free(NULL), "idset_free(NULL) is a no-op");
}

static void test_growth(void)
{
	enum { N = 150000 };
	idset *s = idset_new();
	char id[32];
	int ok = 1;
	for (uint32_t i = 0; i < N; i++) {
		int n = snprintf(id, sizeof id, "id-%u", i);
		if (idset_put(s, id_hash(id, (size_t)n), i, NULL) != 1)
			ok = 0;
	}
	CHECK(ok, "growth: 150k distinct keys are all new");
	CHECK(idset_count(s) == N, "growth: count is 150k");

	ok = 1;
	for (uint32_t i = 0; i < N; i++) {
		uint32_t v;
		int n = snprintf(id, sizeof id, "id-%u", i);
		if (idset_get(s, id_hash(id, (size_t)n), &v) != 1 || v != i)
			ok = 0;
	}
	CHECK(ok, "growth: every key found with its value after growing");

	ok = 1;
	for (uint32_t i = 0; i < 1000; i++) {
		uint32_t old = 0;
		int n = snprintf(id, sizeof id, "id-%u", i * 97);
		if (idset_put(s, id_hash(id, (size_t)n), 1, &old) != 0 ||
		    old != i * 97)
			ok = 0;
	}
	CHECK(ok, "growth: duplicates still detected after growing");

	ok = 1;
	for (uint32_t i = N; i < N + 1000; i++) {
		int n = snprintf(id, sizeof id, "id-%u", i);
		if (idset_get(s, id_hash(id, (size_t)n), NULL) != 0)
			ok = 0;
	}
	CHECK(ok, "growth: keys never put are not found");
	CHECK(idset_count(s) == N, "growth: count unchanged by duplicates");
	idset_free(s);
}

static void test_hash(void)
{
	CHECK(id_hash_str("a") != id_hash_str("b"),
	      "hash: a and b differ");
	CHECK(id_hash_str("ab") != id_hash_str("ba"),
	      "hash: ab and ba differ");
	CHECK(id_hash_str("user-1") != id_hash_str("user-10"),
	      "hash: user-1 and user-10 differ");
	CHECK(id_hash_str("") != id_hash_str("\x01"),
	      "hash: empty and \\x01 differ");
	CHECK(id_hash_str("abc") == id_hash("abc", 3),
	      "hash: id_hash_str is id_hash over strlen");
	CHECK(id_hash("abcdef", 3) == id_hash_str("abc"),
	      "hash: only n bytes are hashed");
	CHECK(id_hash("a\0b", 3) != id_hash("a\0c", 3),
	      "hash: bytes after a NUL count");
	CHECK(id_hash_str("") != 0, "hash: never 0 (the empty-slot marker)");
}

/* Keys that are pairs of counters (diff-roster's reference memo), not
 * hashes: every one found with its own value, with keys whose low bits
 * repeat past the table's size as well as consecutive ones. */
static void test_structured_keys(void)
{
	idset *s = idset_new();
	const uint32_t n = 3000000;
	for (uint32_t i = 0; i < n; i++)
		idset_put(s, (uint64_t)(i % 3 + 1) << 32 | i, i, NULL);
	int all = 1;
	for (uint32_t i = 0; i < n && all; i++) {
		uint32_t v = 0;
		all = idset_get(s, (uint64_t)(i % 3 + 1) << 32 | i, &v) && v == i;
	}
	CHECK(all, "3M structured keys, each with its value");
	CHECK(!idset_get(s, (uint64_t)4 << 32 | 7, NULL) && idset_count(s) == n,
	      "a pair never put is not there; the count is exact");
	idset_free(s);
}

int main(void)
{
	test_structured_keys();
	test_put_get();
	test_growth();
	test_hash();
	TEST_END();
}
