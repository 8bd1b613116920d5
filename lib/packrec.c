#include "packrec.h"

#include <stdint.h>
#include <string.h>

_Static_assert(REC_MAX_FIELDS <= 32, "a packed record's masks are 32 bits");

static size_t width_of(const struct rec_field *fd)
{
	return fd->kind == K_MAP ? 2 : 1;
}

static bool present(const struct rec_field *fd, const struct rec_val *v)
{
	switch (fd->kind) {
	case K_STR:
		return v->s != NULL;
	case K_BOOL:
		return v->b >= 0;
	default:
		return v->set;
	}
}

size_t pr_size(const rec *r)
{
	const struct rec_entity *ent = r->ent;
	size_t size = 8;
	for (int f = 0; f < ent->nfields; f++) {
		const struct rec_field *fd = &ent->fields[f];
		const struct rec_val *v = &r->v[f];
		if (!present(fd, v) || fd->kind == K_BOOL)
			continue;
		if (fd->kind == K_STR) {
			size += strlen(v->s) + 1;
			continue;
		}
		size += 4;
		for (size_t i = 0; i < v->n * width_of(fd); i++)
			size += strlen(v->items[i]) + 1;
	}
	return size;
}

void pr_pack(char *dst, const rec *r, rec *k, rp_arena *a)
{
	const struct rec_entity *ent = r->ent;
	uint32_t fields = 0, bools = 0;
	for (int f = 0; f < ent->nfields; f++) {
		if (present(&ent->fields[f], &r->v[f]))
			fields |= 1u << f;
		if (ent->fields[f].kind == K_BOOL && r->v[f].b == 1)
			bools |= 1u << f;
	}
	memcpy(dst, &fields, 4);
	memcpy(dst + 4, &bools, 4);
	char *q = dst + 8;
	if (k)
		rec_init(k, ent, a);
	for (int f = 0; f < ent->nfields; f++) {
		const struct rec_val *v = &r->v[f];
		if (k)
			k->v[f].b = v->b;
		if (!(fields & (1u << f)) || ent->fields[f].kind == K_BOOL)
			continue;
		if (ent->fields[f].kind == K_STR) {
			size_t n = strlen(v->s) + 1;
			memcpy(q, v->s, n);
			if (k)
				k->v[f].s = q;
			q += n;
			continue;
		}
		size_t width = width_of(&ent->fields[f]);
		uint32_t count = (uint32_t)v->n;
		memcpy(q, &count, 4);
		q += 4;
		struct rec_val *kv = k ? &k->v[f] : NULL;
		if (kv) {
			kv->set = true;
			kv->n = v->n;
			kv->cap = 2 * v->n + 8;
			kv->items = arena_alloc(a, kv->cap * sizeof *kv->items);
		}
		for (size_t i = 0; i < v->n * width; i++) {
			size_t n = strlen(v->items[i]) + 1;
			memcpy(q, v->items[i], n);
			if (kv)
				kv->items[i] = q;
			q += n;
		}
	}
}

/*
 * The walk both readers share. end NULL: bytes this process packed in
 * memory, taken as whole. Otherwise every string must end before end.
 */
static const char *walk(const char *p, const char *end,
			const struct rec_entity *ent, rec *r, rp_arena *a)
{
	uint32_t fields, bools;
	if (end && end - p < 8)
		return NULL;
	memcpy(&fields, p, 4);
	memcpy(&bools, p + 4, 4);
	if (end && ent->nfields < 32 && (fields >> ent->nfields) != 0)
		return NULL;
	const char *q = p + 8;
	rec_init(r, ent, a);
	for (int f = 0; f < ent->nfields; f++) {
		if (!(fields & (1u << f)))
			continue;
		struct rec_val *v = &r->v[f];
		const struct rec_field *fd = &ent->fields[f];
		if (fd->kind == K_BOOL) {
			v->b = (bools >> f) & 1;
			continue;
		}
		if (fd->kind == K_STR) {
			const char *nul = end ? memchr(q, '\0', (size_t)(end - q))
					      : q + strlen(q);
			if (!nul)
				return NULL;
			v->s = q;
			q = nul + 1;
			continue;
		}
		uint32_t count;
		if (end && end - q < 4)
			return NULL;
		memcpy(&count, q, 4);
		q += 4;
		size_t width = width_of(fd);
		if (end && count > (size_t)(end - q)) /* a byte an item at least */
			return NULL;
		v->set = true;
		v->n = count;
		v->cap = 2 * (size_t)count + 8;
		v->items = arena_alloc(a, v->cap * sizeof *v->items);
		for (size_t i = 0; i < count * width; i++) {
			const char *nul = end ? memchr(q, '\0', (size_t)(end - q))
					      : q + strlen(q);
			if (!nul)
				return NULL;
			v->items[i] = q;
			q = nul + 1;
		}
	}
	return q;
}

uint32_t pr_fields(const char *p)
{
	uint32_t fields;
	memcpy(&fields, p, 4);
	return fields;
}

void pr_unpack(const char *p, const struct rec_entity *ent, rec *r,
	       rp_arena *a)
{
	walk(p, NULL, ent, r, a);
}

size_t pr_unpack_checked(const char *p, size_t len,
			 const struct rec_entity *ent, rec *r, rp_arena *a)
{
	const char *end = walk(p, p + len, ent, r, a);
	return end ? (size_t)(end - p) : 0;
}
