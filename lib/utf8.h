#ifndef RP_UTF8_H
#define RP_UTF8_H

#include <stddef.h>

#define UTF8_VALID ((size_t)-1)

/* Offset of the first byte of s[0..n) that is not well-formed UTF-8
 * (overlong forms, surrogates and code points past U+10FFFF included),
 * or UTF8_VALID. A NUL byte counts as invalid: no field or line may hold one. */
size_t utf8_check(const char *s, size_t n);

#endif
