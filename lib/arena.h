#ifndef RP_ARENA_H
#define RP_ARENA_H

#include <stddef.h>

/* Bump allocation for what lives as long as one record: reset between
 * records, so the hot loop does no malloc/free per value. */
typedef struct rp_arena rp_arena;

rp_arena *arena_new(void);
void arena_free(rp_arena *a);
void arena_reset(rp_arena *a);
void *arena_alloc(rp_arena *a, size_t n);
char *arena_strndup(rp_arena *a, const char *s, size_t n);
char *arena_strdup(rp_arena *a, const char *s);
/* Unaligned bytes, for what is only ever read bytewise (packed strings):
 * arena_alloc rounds every block up to max_align_t (16 bytes). */
void *arena_bytes(rp_arena *a, size_t n);
char *arena_strndup_bytes(rp_arena *a, const char *s, size_t n);

#endif
