#include "strbuf.h"

#include <stdlib.h>
#include <string.h>

#include "harness.h"

int main(void)
{
	struct strbuf b = {0};
	CHECK_STR(strbuf_str(&b), "", "empty: the string is \"\", never NULL");
	strbuf_puts(&b, "ab");
	strbuf_put(&b, "cdef", 2);
	CHECK_STR(b.s, "abcd", "put and puts append, NUL-terminated");
	CHECK(b.len == 4, "the length counts what was put");
	for (int i = 0; i < 1000; i++)
		strbuf_put(&b, "x", 1);
	CHECK(b.len == 1004 && b.s[1004] == '\0' && b.s[1003] == 'x', "grows as it is filled");
	free(b.s);

	/* reserved room: the string never moves while it is filled, so no
	 * freed block keeps a copy of a secret's start */
	struct strbuf key = {0};
	strbuf_reserve(&key, 300);
	const char *at = key.s;
	for (int i = 0; i < 300; i++)
		strbuf_put(&key, "s", 1);
	CHECK(key.s == at && key.len == 300, "reserve: 300 bytes put without moving");
	CHECK(key.cap == 301, "reserve: exactly the room asked for, and the NUL");
	free(key.s);
	TEST_END();
}
