#ifndef RP_STRBUF_H
#define RP_STRBUF_H

#include <stddef.h>

/* A growable string, always NUL-terminated once anything was put in it.
 * Zero-initialised is empty; the owner frees s. */
struct strbuf {
	char *s;
	size_t len, cap;
};

/* Room for n more bytes (and the NUL) without moving the string: for a
 * secret, built where no reallocation leaves a copy of its start in freed
 * memory. */
void strbuf_reserve(struct strbuf *b, size_t n);
void strbuf_put(struct strbuf *b, const char *s, size_t n);
void strbuf_puts(struct strbuf *b, const char *s);

/* The string (never NULL: "" when nothing was put); still b's, so whoever
 * owns b frees it once. */
char *strbuf_str(struct strbuf *b);

#endif
