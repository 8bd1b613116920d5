#include "strbuf.h"

#include <string.h>

#include "xalloc.h"

void strbuf_reserve(struct strbuf *b, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = b->len + n + 1;
		b->s = xrealloc(b->s, b->cap);
	}
}

void strbuf_put(struct strbuf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap)
		strbuf_reserve(b, b->len + 2 * n); /* about twice the new length */
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void strbuf_puts(struct strbuf *b, const char *s)
{
	strbuf_put(b, s, strlen(s));
}

char *strbuf_str(struct strbuf *b)
{
	if (!b->s)
		strbuf_put(b, "", 0);
	return b->s;
}
