#ifndef RP_IDSET_H
#define RP_IDSET_H

#include <stddef.h>
#include <stdint.h>

/*
 * A set of ids kept as 64-bit hashes, each with a 32-bit value (a line
 * number, an index). 12 bytes an id instead of the id's text: a million
 * users fit in about 24 MB. Two different ids share a hash with odds of
 * about n^2 / 2^65 (3e-8 for a million), which is acceptable for the
 * referential and duplicate checks it serves; nothing is deleted on it.
 */
typedef struct idset idset;

idset *idset_new(void);
void idset_free(idset *s);

uint64_t id_hash(const char *id, size_t n);
uint64_t id_hash_str(const char *id);
/* The splitmix64 finaliser id_hash ends with (never 0): for hashes built
 * elsewhere (FNV-1a over several strings) so the low bits index well. */
uint64_t id_hash_finish(uint64_t h);

/* Adds key with val and returns 1; if key is there already, leaves it,
 * sets *old (when not NULL) to its value and returns 0. */
int idset_put(idset *s, uint64_t key, uint32_t val, uint32_t *old);
/* Adds key or replaces its value. */
void idset_set(idset *s, uint64_t key, uint32_t val);
/* 1 and *val (when not NULL) if key is there, else 0. */
int idset_get(const idset *s, uint64_t key, uint32_t *val);
size_t idset_count(const idset *s);

#endif
