#ifndef RP_XALLOC_H
#define RP_XALLOC_H

#include <stddef.h>

/* Allocation failure is fatal: "prog: out of memory", exit 4 (a resource
 * failure, not bad data). Callers never check for NULL. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

#endif
