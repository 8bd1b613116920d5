#ifndef RP_STRTAB_H
#define RP_STRTAB_H

#include <stddef.h>
#include <stdint.h>

/*
 * Interned strings: each distinct string gets a small integer (0, 1, 2 ...
 * in the order first seen), so records can hold references as 32-bit
 * numbers and compare them as numbers. Strings are kept once, unaligned,
 * and stay where they are until strtab_free. About 16 bytes a string
 * besides its text.
 */
typedef struct strtab strtab;

#define STRTAB_NONE UINT32_MAX

strtab *strtab_new(void);
void strtab_free(strtab *t);

/* The number of s (n bytes), adding it when new. */
uint32_t strtab_intern(strtab *t, const char *s, size_t n);
/* The number of s, or STRTAB_NONE. */
uint32_t strtab_find(const strtab *t, const char *s, size_t n);
/* The string of a number (NUL-terminated; valid until strtab_free). */
const char *strtab_str(const strtab *t, uint32_t id);
size_t strtab_count(const strtab *t);

#endif
