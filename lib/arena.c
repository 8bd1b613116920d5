#include "arena.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

#define CHUNK_SIZE (64 * 1024)

struct chunk {
	struct chunk *next;
	size_t used, size;
	_Alignas(max_align_t) unsigned char data[];
};

struct rp_arena {
	struct chunk *head; /* the chunk being filled; the first one is kept */
};

static struct chunk *chunk_new(size_t size, struct chunk *next)
{
	struct chunk *c = xmalloc(sizeof *c + size);
	c->next = next;
	c->used = 0;
	c->size = size;
	return c;
}

rp_arena *arena_new(void)
{
	rp_arena *a = xmalloc(sizeof *a);
	a->head = chunk_new(CHUNK_SIZE, NULL);
	return a;
}

void arena_reset(rp_arena *a)
{
	while (a->head->next) {
		struct chunk *c = a->head;
		a->head = c->next;
		free(c);
	}
	a->head->used = 0;
}

void arena_free(rp_arena *a)
{
	if (!a)
		return;
	arena_reset(a);
	free(a->head);
	free(a);
}

static void *take(rp_arena *a, size_t n)
{
	struct chunk *c = a->head;
	if (c->size - c->used < n) {
		/* keep the first chunk last in the list, so reset keeps it */
		struct chunk *fresh = chunk_new(n > CHUNK_SIZE ? n : CHUNK_SIZE,
						c);
		a->head = c = fresh;
	}
	void *p = c->data + c->used;
	c->used += n;
	return p;
}

void *arena_alloc(rp_arena *a, size_t n)
{
	const size_t align = _Alignof(max_align_t);
	struct chunk *c = a->head;
	/* a chunk's data is aligned; keep its fill aligned after byte use */
	c->used = (c->used + align - 1) & ~(align - 1);
	if (c->used > c->size)
		c->used = c->size;
	return take(a, (n + align - 1) & ~(align - 1));
}

void *arena_bytes(rp_arena *a, size_t n) { return take(a, n); }

char *arena_strndup_bytes(rp_arena *a, const char *s, size_t n)
{
	char *d = take(a, n + 1);
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

char *arena_strndup(rp_arena *a, const char *s, size_t n)
{
	char *d = arena_alloc(a, n + 1);
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

char *arena_strdup(rp_arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}
