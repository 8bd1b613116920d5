/* Unit tests for lib/jsondoc.c: documents read one after another, and
 * jd_array_offsets, which finds where the items of a page's array start. */
#include "jsondoc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

/* The offsets of key's items in text as "a,b,c", or "-1". */
static const char *offsets(const char *text, const char *key)
{
	static char out[256];
	size_t *offs = NULL, cap = 0;
	long n = jd_array_offsets(text, strlen(text), key, &offs, &cap);
	if (n < 0) {
		snprintf(out, sizeof out, "-1");
	} else {
		size_t at = 0;
		out[0] = '\0';
		for (long i = 0; i < n && at < sizeof out; i++)
			at += (size_t)snprintf(out + at, sizeof out - at, "%s%zu",
					       i ? "," : "", offs[i]);
	}
	free(offs);
	return out;
}

static void test_offsets(void)
{
	CHECK_STR(offsets("{\"data\":[{\"a\":1},{\"b\":2}]}", "data"), "9,17",
		  "offsets: two objects");
	CHECK_STR(offsets("{\"data\":[]}", "data"), "", "offsets: empty array");
	CHECK_STR(offsets("{\"data\":[ 1 , \"x\" ,null,[2],{}]}", "data"),
		  "10,14,19,24,28", "offsets: scalars, arrays and objects");
	CHECK_STR(offsets("  \n{\"data\" : [\n {}\n]}", "data"), "16",
		  "offsets: whitespace everywhere");
	/* brackets, braces, commas and quotes inside strings do not count */
	CHECK_STR(offsets("{\"x\":\"[{,\\\"\",\"data\":[{\"s\":\"}],\\\\\"},{}]}",
			  "data"),
		  "21,35", "offsets: strings with escapes and brackets");
	/* the name must be a member of the top object, not deeper */
	CHECK_STR(offsets("{\"links\":[{\"data\":[1,2]}],\"data\":[{}]}", "data"),
		  "34", "offsets: a nested member of that name is not it");
	/* a member of that name that is no array is passed over */
	CHECK_STR(offsets("{\"data\":{\"data\":[1]},\"data\":[7,8]}", "data"),
		  "29,31", "offsets: the first member of that name holding an array");
	/* a string value equal to the name is not a member name */
	CHECK_STR(offsets("{\"k\":\"data\",\"v\":[1],\"data\":[2]}", "data"),
		  "28", "offsets: a value equal to the name is no name");
	CHECK_STR(offsets("{\"users\":[{}]}", "data"), "-1",
		  "offsets: no such member");
	CHECK_STR(offsets("[{\"data\":[1]}]", "data"), "-1",
		  "offsets: not an object");
	CHECK_STR(offsets("{\"data\":[1,2", "data"), "-1",
		  "offsets: cut short");
	CHECK_STR(offsets("{\"data\":[\"abc", "data"), "-1",
		  "offsets: cut short in a string");
	CHECK_STR(offsets("{\"d\\u0061ta\":[1]}", "data"), "-1",
		  "offsets: names compared as written");
}

static void test_text_and_lines(void)
{
	char path[] = "/tmp/test_jsondoc_XXXXXX";
	int fd = mkstemp(path);
	const char pages[] = "{\"data\":[1]}\n"
			     "\n"
			     "  {\n"
			     "   \"data\": [\n"
			     "    {\"id\": \"a\"},\n"
			     "    {\"id\": \"b\"}\n"
			     "   ]\n"
			     "  }\n";
	CHECK(fd >= 0 && write(fd, pages, sizeof pages - 1) ==
				 (ssize_t)(sizeof pages - 1),
	      "text: a file of two pages");
	close(fd);
	jd_reader *r = jd_open(path);
	cJSON *doc;
	size_t len;
	CHECK(jd_next(r, &doc) == 1 && jd_line(r) == 1, "text: first page, line 1");
	const char *t = jd_text(r, &len);
	CHECK(len == 12 && memcmp(t, "{\"data\":[1]}", 12) == 0,
	      "text: the first page as written");
	CHECK(jd_next(r, &doc) == 1 && jd_line(r) == 3, "text: second page, line 3");
	t = jd_text(r, &len);
	CHECK(len > 0 && t[0] == '{' && t[len - 1] == '}',
	      "text: from the first byte to the last");
	size_t *offs = NULL, cap = 0;
	long n = jd_array_offsets(t, len, "data", &offs, &cap);
	CHECK(n == 2, "text: two items");
	long lines[2] = {0, 0};
	for (long i = 0; i < n && i < 2; i++) {
		lines[i] = jd_line(r);
		for (size_t k = 0; k < offs[i]; k++)
			lines[i] += t[k] == '\n';
	}
	CHECK(lines[0] == 5 && lines[1] == 6, "text: items on lines 5 and 6");
	free(offs);
	CHECK(jd_next(r, &doc) == 0, "text: the end");
	jd_free(r);
	unlink(path);
}

int main(void)
{
	test_offsets();
	test_text_and_lines();
	TEST_END();
}
