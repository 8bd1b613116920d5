#include "strtab.h"

#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "err.h"
#include "idset.h"
#include "xalloc.h"

struct strtab {
	rp_arena *text;
	const char **strs; /* by number */
	uint32_t *hash;    /* by number: the low half of its hash */
	uint32_t *len;     /* by number */
	size_t n, cap;
	uint32_t *slots; /* open addressing: number + 1, 0 = empty */
	size_t nslots;   /* a power of two, at most half full */
};

strtab *strtab_new(void)
{
	strtab *t = xcalloc(1, sizeof *t);
	t->text = arena_new();
	t->nslots = 256;
	t->slots = xcalloc(t->nslots, sizeof *t->slots);
	return t;
}

void strtab_free(strtab *t)
{
	if (!t)
		return;
	arena_free(t->text);
	free(t->strs);
	free(t->hash);
	free(t->len);
	free(t->slots);
	free(t);
}

static size_t probe(const strtab *t, uint32_t h, const char *s, size_t n,
		    uint32_t *found)
{
	size_t mask = t->nslots - 1, i = h & mask;
	for (; t->slots[i]; i = (i + 1) & mask) {
		uint32_t id = t->slots[i] - 1;
		if (t->hash[id] == h && t->len[id] == n &&
		    memcmp(t->strs[id], s, n) == 0) {
			*found = id;
			return i;
		}
	}
	*found = STRTAB_NONE;
	return i;
}

uint32_t strtab_find(const strtab *t, const char *s, size_t n)
{
	uint32_t id;
	probe(t, (uint32_t)id_hash(s, n), s, n, &id);
	return id;
}

static void grow(strtab *t)
{
	free(t->slots);
	t->nslots *= 2;
	t->slots = xcalloc(t->nslots, sizeof *t->slots);
	size_t mask = t->nslots - 1;
	for (size_t id = 0; id < t->n; id++) {
		size_t i = t->hash[id] & mask;
		while (t->slots[i])
			i = (i + 1) & mask;
		t->slots[i] = (uint32_t)id + 1;
	}
}

uint32_t strtab_intern(strtab *t, const char *s, size_t n)
{
	uint32_t h = (uint32_t)id_hash(s, n), id;
	size_t i = probe(t, h, s, n, &id);
	if (id != STRTAB_NONE)
		return id;
	if (t->n >= UINT32_MAX - 1 || n >= UINT32_MAX)
		rp_die(RP_EXIT_DATA, "more than 4 billion distinct values");
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 256;
		t->strs = xrealloc(t->strs, t->cap * sizeof *t->strs);
		t->hash = xrealloc(t->hash, t->cap * sizeof *t->hash);
		t->len = xrealloc(t->len, t->cap * sizeof *t->len);
	}
	id = (uint32_t)t->n++;
	t->strs[id] = arena_strndup_bytes(t->text, s, n);
	t->hash[id] = h;
	t->len[id] = (uint32_t)n;
	t->slots[i] = id + 1;
	if (t->n * 2 > t->nslots)
		grow(t);
	return id;
}

const char *strtab_str(const strtab *t, uint32_t id) { return t->strs[id]; }

size_t strtab_count(const strtab *t) { return t->n; }
