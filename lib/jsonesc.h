#ifndef RP_JSONESC_H
#define RP_JSONESC_H

#include <stddef.h>
#include <stdio.h>

/* Worst case: every byte becomes \u00XX, plus the two quotes. */
#define JSONESC_MAX(n) ((n) * 6 + 2)

/* Writes s (n bytes of valid UTF-8) as a quoted JSON string at dst, which
 * must have room for JSONESC_MAX(n) bytes. Returns the end of what it wrote. */
char *jsonesc(char *dst, const char *s, size_t n);

void jsonesc_fputs(const char *s, FILE *f);

#endif
