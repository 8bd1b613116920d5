#include "recbin.h"

#include <string.h>

#include "xalloc.h"

static void put(char **buf, size_t *len, size_t *cap, const void *p, size_t n)
{
	if (*len + n > *cap) {
		*cap = (*len + n) * 2 + 256;
		*buf = xrealloc(*buf, *cap);
	}
	memcpy(*buf + *len, p, n);
	*len += n;
}

static void put_varint(char **buf, size_t *len, size_t *cap, size_t v)
{
	unsigned char b[10];
	size_t n = 0;
	do {
		b[n++] = (unsigned char)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
		v >>= 7;
	} while (v);
	put(buf, len, cap, b, n);
}

/* A string: 0 for NULL, else its length + 1, its bytes and a NUL. */
static void put_str(char **buf, size_t *len, size_t *cap, const char *s)
{
	if (!s) {
		put_varint(buf, len, cap, 0);
		return;
	}
	size_t n = strlen(s);
	put_varint(buf, len, cap, n + 1);
	put(buf, len, cap, s, n + 1);
}

void rb_pack(char **buf, size_t *len, size_t *cap, const rec *r)
{
	for (int f = 0; f < r->ent->nfields; f++) {
		const struct rec_val *v = &r->v[f];
		switch (r->ent->fields[f].kind) {
		case K_STR:
			put_str(buf, len, cap, v->s);
			break;
		case K_BOOL: {
			char b = (char)(v->b + 1);
			put(buf, len, cap, &b, 1);
			break;
		}
		case K_LIST:
		case K_MAP: {
			size_t width = r->ent->fields[f].kind == K_MAP ? 2 : 1;
			put_varint(buf, len, cap, v->set ? v->n + 1 : 0);
			for (size_t i = 0; v->set && i < v->n * width; i++)
				put_str(buf, len, cap, v->items[i]);
			break;
		}
		}
	}
}

struct cursor {
	const char *p, *end;
	bool bad;
};

static size_t get_varint(struct cursor *c)
{
	size_t v = 0;
	for (int shift = 0; shift < 63; shift += 7) {
		if (c->p >= c->end) {
			c->bad = true;
			return 0;
		}
		unsigned char b = (unsigned char)*c->p++;
		v |= (size_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return v;
	}
	c->bad = true;
	return 0;
}

static const char *get_str(struct cursor *c)
{
	size_t n = get_varint(c);
	if (n == 0 || c->bad)
		return NULL;
	if ((size_t)(c->end - c->p) < n || c->p[n - 1] != '\0') {
		c->bad = true;
		return NULL;
	}
	const char *s = c->p;
	c->p += n;
	return s;
}

size_t rb_unpack(rec *r, const char *p, size_t len)
{
	struct cursor c = {.p = p, .end = p + len};
	for (int f = 0; f < r->ent->nfields && !c.bad; f++) {
		struct rec_val *v = &r->v[f];
		switch (r->ent->fields[f].kind) {
		case K_STR:
			rec_set(r, f, get_str(&c));
			break;
		case K_BOOL:
			if (c.p >= c.end || *c.p < 0 || *c.p > 2)
				c.bad = true;
			else
				v->b = (signed char)(*c.p++ - 1);
			break;
		case K_LIST:
		case K_MAP: {
			size_t width = r->ent->fields[f].kind == K_MAP ? 2 : 1;
			size_t n = get_varint(&c);
			if (n-- == 0 || c.bad)
				break;
			if (n > (size_t)(c.end - c.p)) { /* a byte an item at least */
				c.bad = true;
				break;
			}
			v->set = true;
			v->n = n;
			v->cap = n * width;
			v->items = n ? arena_alloc(r->arena, v->cap * sizeof *v->items)
				     : NULL;
			for (size_t i = 0; i < n * width && !c.bad; i++)
				if (!(v->items[i] = get_str(&c)))
					c.bad = true;
			break;
		}
		}
	}
	return c.bad ? 0 : (size_t)(c.p - p);
}
