#ifndef RP_UTF8_H
#define RP_UTF8_H

#include <stddef.h>

#define UTF8_VALID ((size_t)-1)

/* Offset of the first byte of s[0..n) that is not well-formed UTF-8
 * (overlong forms, surrogates and code points past U+10FFFF included),
 * or UTF8_VALID. A NUL byte counts as invalid: no field or line may hold one. */
size_t utf8_check(const char *s, size_t n);

/*
 * Orders two UTF-8 strings for people, the same on every machine (no
 * locale): letters compare without case or accent first (Latin-1 and
 * Latin Extended-A: é as e, Ø as o, ß as s), other code points by value;
 * equal so far, byte order decides. strcmp's sign convention.
 */
int utf8_collate(const char *a, const char *b);

/* s as utf8_collate compares it first, into out (at least strlen(s) + 1
 * bytes; folding never lengthens): ASCII letters in lower case, Latin
 * letters without their accents, other code points as they are. Two
 * strings are the same name for a person when their folds are equal. */
void utf8_fold(const char *s, char *out);

/* The next code point of s (advanced past it); a byte that is not
 * well-formed UTF-8 is taken as itself. 0 at the end. */
unsigned long utf8_next(const char **s);

#endif
