#include "idset.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

struct idset {
	uint64_t *keys; /* 0 = empty slot */
	uint32_t *vals;
	size_t cap; /* a power of two */
	size_t count;
};

idset *idset_new(void)
{
	idset *s = xcalloc(1, sizeof *s);
	s->cap = 1024;
	s->keys = xcalloc(s->cap, sizeof *s->keys);
	s->vals = xcalloc(s->cap, sizeof *s->vals);
	return s;
}

void idset_free(idset *s)
{
	if (!s)
		return;
	free(s->keys);
	free(s->vals);
	free(s);
}

/* FNV-1a, then the splitmix64 finaliser so the low bits index well. */
uint64_t id_hash(const char *id, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)id[i];
		h *= 0x100000001b3ull;
	}
	return id_hash_finish(h);
}

uint64_t id_hash_finish(uint64_t h)
{
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebull;
	h ^= h >> 31;
	return h ? h : 1;
}

uint64_t id_hash_str(const char *id) { return id_hash(id, strlen(id)); }

static size_t slot_of(const idset *s, uint64_t key)
{
	/* Keys may be structured (a pair of counters, not a hash): mixed, so
	 * that runs of consecutive keys do not pile up into one long probe
	 * chain (diff-roster's reference memo took 80 s of a 94 s run). */
	uint64_t h = key * 0x9e3779b97f4a7c15ull;
	size_t mask = s->cap - 1, i = (size_t)(h ^ h >> 29) & mask;
	while (s->keys[i] && s->keys[i] != key)
		i = (i + 1) & mask;
	return i;
}

static void grow(idset *s)
{
	idset bigger = {.cap = s->cap * 2};
	bigger.keys = xcalloc(bigger.cap, sizeof *bigger.keys);
	bigger.vals = xcalloc(bigger.cap, sizeof *bigger.vals);
	for (size_t i = 0; i < s->cap; i++)
		if (s->keys[i]) {
			size_t j = slot_of(&bigger, s->keys[i]);
			bigger.keys[j] = s->keys[i];
			bigger.vals[j] = s->vals[i];
		}
	free(s->keys);
	free(s->vals);
	s->keys = bigger.keys;
	s->vals = bigger.vals;
	s->cap = bigger.cap;
}

int idset_put(idset *s, uint64_t key, uint32_t val, uint32_t *old)
{
	if ((s->count + 1) * 10 > s->cap * 7)
		grow(s);
	size_t i = slot_of(s, key);
	if (s->keys[i]) {
		if (old)
			*old = s->vals[i];
		return 0;
	}
	s->keys[i] = key;
	s->vals[i] = val;
	s->count++;
	return 1;
}

int idset_get(const idset *s, uint64_t key, uint32_t *val)
{
	size_t i = slot_of(s, key);
	if (!s->keys[i])
		return 0;
	if (val)
		*val = s->vals[i];
	return 1;
}

size_t idset_count(const idset *s) { return s->count; }

void idset_set(idset *s, uint64_t key, uint32_t val)
{
	uint32_t old;
	if (!idset_put(s, key, val, &old))
		s->vals[slot_of(s, key)] = val;
}
