#include "jsonarena.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "harness.h"

static ja_parser *ja;

/* The tree of s, NULL when it is not valid JSON. */
static cJSON *parse(const char *s)
{
	return ja_parse(ja, s, strlen(s), NULL);
}

/* What cJSON_PrintUnformatted makes of the tree, in a static buffer;
 * "(rejected)" when s is not valid. */
static const char *printed(const char *s)
{
	static char out[4096];
	cJSON *j = parse(s);
	if (!j)
		return "(rejected)";
	char *p = cJSON_PrintUnformatted(j);
	snprintf(out, sizeof out, "%s", p ? p : "(unprintable)");
	free(p);
	return out;
}

/* Accepted or rejected as cJSON does, the same tree printed, the same end. */
static int same_as_cjson(const char *s, size_t n)
{
	const char *cend = NULL, *jend = NULL;
	cJSON *c = cJSON_ParseWithLengthOpts(s, n, &cend, 0);
	cJSON *j = ja_parse(ja, s, n, &jend);
	int same = !c == !j;
	if (c && j) {
		char *pc = cJSON_PrintUnformatted(c), *pj = cJSON_PrintUnformatted(j);
		same = strcmp(pc, pj) == 0 && cend == jend;
		free(pc);
		free(pj);
	}
	cJSON_Delete(c);
	return same;
}

#define LIKE_CJSON(lit, what) CHECK(same_as_cjson(lit, sizeof(lit) - 1), what)

static void test_values(void)
{
	cJSON *j = parse("{\"s\":\"x\",\"n\":-12.5,\"t\":true,\"f\":false,"
			 "\"z\":null,\"a\":[1,2,3],\"o\":{}}");
	CHECK(cJSON_IsObject(j), "values: an object");
	CHECK_STR(cJSON_GetObjectItemCaseSensitive(j, "s")->valuestring, "x",
		  "values: a string member");
	CHECK(cJSON_GetObjectItemCaseSensitive(j, "n")->valuedouble == -12.5,
	      "values: a number");
	CHECK(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "t")) &&
		      cJSON_GetObjectItemCaseSensitive(j, "t")->valueint == 1,
	      "values: true, valueint 1 as in cJSON");
	CHECK(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(j, "f")),
	      "values: false");
	CHECK(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(j, "z")),
	      "values: null");
	CHECK(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "a")) == 3,
	      "values: an array of three");
	const cJSON *o = cJSON_GetObjectItemCaseSensitive(j, "o");
	CHECK(cJSON_IsObject(o) && !o->child, "values: an empty object");
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(j, "a");
	CHECK(a->child->prev == a->child->next->next,
	      "values: first child's prev is the last, as cJSON links it");
	/* (j is gone from here on: the next parse reuses the arena) */
	CHECK_STR(printed("[ ]"), "[]", "values: an empty array");
	CHECK_STR(printed(" {\t\r\n} "), "{}", "values: empty object, whitespace");
}

static void test_escapes(void)
{
	CHECK_STR(printed("\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\""),
		  "\"a\\\"b\\\\c/d\\b\\f\\n\\r\\t\"", "escapes: the two-byte ones");
	CHECK_STR(parse("\"\\u00e9\\u20AC\\u0041\"")->valuestring,
		  "\xc3\xa9\xe2\x82\xac" "A", "escapes: \\u to 1, 2, 3 bytes");
	CHECK_STR(parse("\"\\ud83d\\ude00\"")->valuestring, "\xf0\x9f\x98\x80",
		  "surrogates: a pair is one 4-byte character");
	CHECK_STR(parse("\"\\uDBFF\\uDFFF\"")->valuestring, "\xf4\x8f\xbf\xbf",
		  "surrogates: the last pair is U+10FFFF");
	CHECK(!parse("\"\\ud83d\""), "surrogates: a lone high one is rejected");
	CHECK(!parse("\"\\ud83dx\\ude00\""), "surrogates: high then not \\u");
	CHECK(!parse("\"\\ude00\""), "surrogates: a lone low one is rejected");
	CHECK(!parse("\"\\ud83d\\u0041\""), "surrogates: high then not low");
	CHECK(!parse("\"\\x\""), "escapes: unknown escape rejected");
	CHECK(!parse("\"\\u12\""), "escapes: short \\u rejected");
	CHECK(!parse("\"\\uZZZZ\""),
	      "escapes: non-hex \\u rejected (cJSON reads it as U+0000)");
	CHECK(!parse("\"abc"), "escapes: unterminated string");
	CHECK(!parse("\"abc\\"), "escapes: backslash as the last byte");
	CHECK_STR(parse("\"a\\u0000b\"")->valuestring, "a",
		  "escapes: \\u0000 ends the C string, as in cJSON");
	CHECK_STR(parse("\"tab\there\"")->valuestring, "tab\there",
		  "strings: raw control characters kept, as cJSON does");
	LIKE_CJSON("\"\\u00e9\\ud83d\\ude00\\n\"", "escapes: like cJSON");
	LIKE_CJSON("\"\\ud800\\udbff\"", "surrogates: two high ones, like cJSON");
}

static void test_numbers(void)
{
	cJSON *j = parse("[0,-0,7,-7,123456789012345,1e3,1.5E-1,01,1.,-.5,"
			 "3000000000,-3000000000,1e999,2147483647.5]");
	double want[] = {0,    -0.0, 7,   -7,   123456789012345, 1e3, 1.5e-1,
			 1,    1,    -0.5, 3e9, -3e9, HUGE_VAL,        2147483647.5};
	int wantint[] = {0,	  0,	   7,	    -7,	     INT_MAX, 1000, 0,
			 1,	  1,	   0,	    INT_MAX, INT_MIN, INT_MAX, INT_MAX};
	int i = 0, ok = 1;
	for (const cJSON *n = j ? j->child : NULL; n; n = n->next, i++)
		ok &= cJSON_IsNumber(n) && n->valuedouble == want[i] &&
		      n->valueint == wantint[i];
	CHECK(ok && i == 14, "numbers: strtod values, valueint saturated");
	CHECK(signbit(j->child->next->valuedouble), "numbers: -0 is -0.0");
	const char *end;
	CHECK(ja_parse(ja, "12abc", 5, &end) && strcmp(end, "abc") == 0,
	      "numbers: the end is after the digits");
	CHECK(!parse("-"), "numbers: a lone minus is rejected");
	CHECK(!parse("[1e]"), "numbers: \"1e\" leaves the e, rejected in an array");
	CHECK(!parse(".5"), "numbers: a leading point is rejected");
	CHECK(!parse("+1"), "numbers: a leading plus is rejected");
	LIKE_CJSON("[1e5e5]", "numbers: 1e5e5 like cJSON");
	LIKE_CJSON("1.2.3", "numbers: 1.2.3 like cJSON");
	LIKE_CJSON("[0.1,1e-300,1e-400,9007199254740993,-1234567890123456789]",
		   "numbers: long and tiny ones like cJSON");
	char longnum[300];
	memset(longnum, '7', sizeof longnum - 1);
	longnum[sizeof longnum - 1] = '\0';
	CHECK(same_as_cjson(longnum, strlen(longnum)),
	      "numbers: 299 digits like cJSON (no 63-byte limit)");
}

static char *nested(int depth)
{
	char *s = malloc((size_t)depth * 2 + 1);
	memset(s, '[', (size_t)depth);
	memset(s + depth, ']', (size_t)depth);
	s[depth * 2] = '\0';
	return s;
}

static void test_nesting(void)
{
	char *s = nested(CJSON_NESTING_LIMIT);
	CHECK(parse(s) != NULL, "nesting: 1000 levels read");
	CHECK(same_as_cjson(s, strlen(s)), "nesting: 1000 levels like cJSON");
	free(s);
	s = nested(CJSON_NESTING_LIMIT + 1);
	CHECK(parse(s) == NULL, "nesting: 1001 levels rejected");
	CHECK(same_as_cjson(s, strlen(s)), "nesting: 1001 levels like cJSON");
	free(s);
	s = nested(5000);
	CHECK(parse(s) == NULL, "nesting: 5000 levels rejected");
	free(s);
}

static void test_objects(void)
{
	cJSON *j = parse("{\"a\":1,\"a\":2,\"b\":{\"a\":3}}");
	CHECK(cJSON_GetObjectItemCaseSensitive(j, "a")->valuedouble == 1,
	      "duplicate keys: the first is found");
	CHECK(cJSON_GetArraySize(j) == 3, "duplicate keys: all kept");
	CHECK_STR(printed("{\"a\":1,\"a\":2}"), "{\"a\":1,\"a\":2}",
		  "duplicate keys: kept in order");
	LIKE_CJSON("{\"k\\u00e9\":[{},[],\"\"],\"\":0}", "objects: like cJSON");
}

static void test_whitespace(void)
{
	const char *end;
	const char *s = "\x01 {\"a\" :\x1f[ 1 , 2 ] }  x";
	CHECK(ja_parse(ja, s, strlen(s), &end) && strcmp(end, "  x") == 0,
	      "whitespace: bytes up to ' ' skipped, as cJSON; end after }");
	LIKE_CJSON("\x01 {\"a\" :\x1f[ 1 , 2 ] }  x", "whitespace: like cJSON");
	LIKE_CJSON("\xef\xbb\xbf{}", "BOM skipped, like cJSON");
	LIKE_CJSON("\xef\xbb\xbf" "1", "BOM not skipped under 5 bytes, like cJSON");
	LIKE_CJSON("{} {}", "end after the first value, like cJSON");
}

static void test_invalid(void)
{
	const char *bad[] = {"", " ", "{", "[", "}", "[1,]", "{\"a\":1,}",
			     "{\"a\"}", "{\"a\" 1}", "{a:1}", "{1:1}", "nul",
			     "tru", "True", "[1 2]", "'a'", "\"a", "[\"a\",",
			     "{\"a\":[}", "NaN", "Infinity"};
	size_t n = sizeof bad / sizeof *bad;
	int ok = 1;
	for (size_t i = 0; i < n; i++)
		ok &= parse(bad[i]) == NULL && same_as_cjson(bad[i], strlen(bad[i]));
	CHECK(ok, "invalid: rejected, as by cJSON");
	CHECK(ja_parse(ja, "{\"a\":1}", 6, NULL) == NULL,
	      "invalid: the length is respected, not the NUL");
}

static void test_reuse(void)
{
	char line[128];
	int ok = 1;
	for (int i = 0; i < 100000 && ok; i++) {
		int n = snprintf(line, sizeof line,
				 "{\"type\":\"raw\",\"i\":%d,\"s\":\"v%d\"}", i, i);
		cJSON *j = ja_parse(ja, line, (size_t)n, NULL);
		char want[16];
		snprintf(want, sizeof want, "v%d", i);
		ok = j && cJSON_GetObjectItemCaseSensitive(j, "i")->valueint == i &&
		     strcmp(cJSON_GetObjectItemCaseSensitive(j, "s")->valuestring,
			    want) == 0;
	}
	CHECK(ok, "reuse: 100,000 parses on one parser");

	/* strings far past the arena's 64 KiB chunks, then small again */
	size_t big = 10 * 1024 * 1024;
	char *s = malloc(big + 3);
	s[0] = '"';
	memset(s + 1, 'x', big);
	s[big + 1] = '"';
	s[big + 2] = '\0';
	cJSON *j = ja_parse(ja, s, big + 2, NULL);
	CHECK(j && strlen(j->valuestring) == big, "growth: a 10 MB string");
	s[big / 2] = '\\'; /* one escape: the decoding path */
	s[big / 2 + 1] = 'n';
	j = ja_parse(ja, s, big + 2, NULL);
	CHECK(j && strlen(j->valuestring) == big - 1 &&
		      j->valuestring[big / 2 - 1] == '\n',
	      "growth: a 10 MB string with an escape");
	free(s);
	CHECK_STR(printed("[\"small\"]"), "[\"small\"]",
		  "growth: a small parse after a big one");
}

int main(void)
{
	ja = ja_new();
	test_values();
	test_escapes();
	test_numbers();
	test_nesting();
	test_objects();
	test_whitespace();
	test_invalid();
	test_reuse();
	ja_free(ja);
	ja_free(NULL);
	TEST_END();
}
