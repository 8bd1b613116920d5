/*
 * Reading the state and the incoming records: each kept packed, with its
 * fingerprints and the few fields matching needs, as it is read, so that a
 * million-user roster never holds a million parsed objects at once.
 */
#include "diff_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "xalloc.h"

static struct item *add_item(struct side *s)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 256;
		s->v = xrealloc(s->v, s->cap * sizeof *s->v);
	}
	struct item *it = &s->v[s->n++];
	memset(it, 0, sizeof *it);
	it->match = NONE;
	return it;
}

static struct enr *add_enr(struct eside *s)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap + s->cap / 2 : 4096;
		s->v = xrealloc(s->v, s->cap * sizeof *s->v);
	}
	struct enr *en = &s->v[s->n++];
	memset(en, 0, sizeof *en);
	en->match = NONE;
	return en;
}

static int entity_slot(const char *type)
{
	for (int e = 0; e < EN; e++)
		if (ents[e]->type[0] == type[0] && strcmp(ents[e]->type, type) == 0)
			return e;
	return -1;
}

/* Keeps r packed (packrec.h) in the run's arena; k gets it unpacked. */
static const char *pack(diff *d, const rec *r, rec *k)
{
	char *p = arena_bytes(d->keep, pr_size(r));
	pr_pack(p, r, k, d->scratch);
	return p;
}

void dr_read_error(const char *file, long line, const char *msg)
{
	struct rp_loc loc = {.file = file, .line = line, .code = "bad_record"};
	rp_error(&loc, "%s", msg);
}

/* FNV-1a over the compared fields that are not references (those are
 * compared after translation) and not the identifiers map (compared apart,
 * since a stored user may hold more identifiers than the feed gives). Equal
 * fingerprints mean no update, so most records are never unpacked again. */
static uint64_t fnv(uint64_t h, const char *s)
{
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ull;
	}
	h ^= 0x1f;
	return h * 0x100000001b3ull;
}

static int cmp_itemp(const void *a, const void *b)
{
	return strcmp(**(const char *const *const *)a,
		      **(const char *const *const *)b);
}

/* Which fields a fingerprint covers, per entity: with ids, the identifiers
 * map; without, the other compared fields that are not references. */
static uint32_t fp_fields(const struct rec_entity *ent, bool ids)
{
	static uint32_t mask[EN][2];
	static bool known[EN][2];
	int e = entity_slot(ent->type);
	if (!known[e][ids]) {
		for (int f = 0; f < ent->nfields; f++) {
			const struct rec_field *fd = &ent->fields[f];
			if (!(fd->flags & (RF_STATE | RF_NODIFF | RF_ID)) &&
			    !rec_ref_target(ent, f) && (fd->kind == K_MAP) == ids)
				mask[e][ids] |= 1u << f;
		}
		known[e][ids] = true;
	}
	return mask[e][ids];
}

static uint64_t fingerprint(const rec *r, int e, bool ids)
{
	uint64_t h = 0xcbf29ce484222325ull;
	uint32_t fields = fp_fields(ents[e], ids);
	for (int f = 0; f < r->ent->nfields; f++) {
		if (!(fields & (1u << f)))
			continue;
		const struct rec_field *fd = &r->ent->fields[f];
		const struct rec_val *v = &r->v[f];
		h = (h ^ (uint64_t)(f + 1)) * 0x100000001b3ull;
		if (fd->kind == K_STR) {
			h = fnv(h, v->s ? v->s : "\x01");
		} else if (fd->kind == K_BOOL) {
			h = fnv(h, v->b < 0 ? "\x01" : v->b ? "1" : "0");
		} else {
			/* items (map keys) in sorted order: insertion sort, as
			 * lists here hold a few; qsort past 16 */
			size_t width = fd->kind == K_MAP ? 2 : 1;
			const char *const *small[16];
			const char *const **at = v->n <= 16 ? small
					      : xmalloc(v->n * sizeof *at);
			for (size_t i = 0; i < v->n; i++) {
				size_t j = i;
				const char *const *item = &v->items[i * width];
				for (; v->n <= 16 && j > 0 && strcmp(*at[j - 1], *item) > 0; j--)
					at[j] = at[j - 1];
				at[j] = item;
			}
			if (v->n > 16)
				qsort(at, v->n, sizeof *at, cmp_itemp);
			for (size_t i = 0; i < v->n; i++) {
				h = fnv(h, at[i][0]);
				if (width == 2)
					h = fnv(h, at[i][1]);
			}
			if (at != small)
				free(at);
		}
	}
	return h;
}

/* The references of a list field, as pointers into the packed record. */
static const char **keep_refs(diff *d, const struct rec_val *v, uint32_t *n)
{
	*n = (uint32_t)v->n;
	const char **refs = arena_alloc(d->keep, (v->n + 1) * sizeof *refs);
	if (v->n) /* items is NULL for an empty list */
		memcpy(refs, v->items, v->n * sizeof *refs);
	return refs;
}

/* Keeps one canonical or state record (not an enrollment). */
static void keep_record(diff *d, bool state, int e, const rec *r,
			const char *file, long line)
{
	struct side *s = state ? &d->state[e] : &d->in[e];
	struct item *it = add_item(s);
	uint32_t idx = (uint32_t)(s->n - 1);
	rec k; /* r again, its strings in the packed record */
	it->rec = pack(d, r, &k);
	it->line = line;
	if (!state)
		d->carried[e] |= pr_fields(it->rec);
	it->fp = fingerprint(r, e, false);
	it->fp_ids = fingerprint(r, e, true);
	it->source = rec_str(&k, 1);
	it->source_id = rec_str(&k, 2); /* source and source_id come first */
	const char *status = rec_str(r, 3);
	it->tobedeleted = !state && status && strcmp(status, "tobedeleted") == 0;
	if (state) {
		it->id = rec_str(&k, 0);
		if (!it->id) {
			dr_read_error(file, line, "id: a state record needs its store id");
			s->n--;
			return;
		}
		it->key = it->id;
		if (e == ES || e == EC)
			index_add(&d->by_id[e], it->id, NULL, idx);
	} else if (!it->source || !it->source_id) {
		dr_read_error(file, line, "a record needs source and source_id");
		s->n--;
		return;
	}
	if (e == EC) {
		it->school = rec_str(&k, C_SCHOOL_ID);
		it->refs = keep_refs(d, &k.v[C_TERM_IDS], &it->nrefs);
	}
	if (e == ES)
		it->school = rec_str(&k, S_SCHOOL_NUMBER);
	if (e == EU) {
		it->refs = keep_refs(d, &k.v[U_SCHOOL_IDS], &it->nrefs);
		if (state) { /* indexed by index_state_users */
			it->deleted = rec_str(&k, U_DELETED_AT) != NULL;
			it->hands_off = k.v[U_IGNORE_ON_IMPORT].b == 1 ||
					k.v[U_MANUAL].b == 1;
			return;
		}
	}
	if (e == ES && state) {
		it->paused = k.v[S_IMPORT_ENABLED].b == 0;
		d->any_paused |= it->paused;
	}
	if (it->source && it->source_id)
		index_add(&d->by_source[state ? 0 : 1][e], it->source,
			  it->source_id, idx);
}

static uint32_t intern(strtab *t, const char *s)
{
	return s ? strtab_intern(t, s, strlen(s)) : NONE;
}

/* A value of few distinct ones (a source, a role): most often the one
 * before. */
static uint32_t intern_again(diff *d, const char *s, uint32_t *last)
{
	if (!s)
		return NONE;
	if (*last != NONE && strcmp(strtab_str(d->vals, *last), s) == 0)
		return *last;
	return *last = intern(d->vals, s);
}

/* Keeps one enrollment (v: its fields), as a compact entry. */
static void keep_enrollment(diff *d, bool state, const char *const *v,
			    const char *file, long line)
{
	const char *id = v[E_ID], *source = v[E_SOURCE],
		   *section = v[E_SECTION_ID], *user = v[E_USER_ID];
	if (state && !id) {
		dr_read_error(file, line, "id: a state record needs its store id");
		return;
	}
	if (!state && (!source || !section || !user)) {
		dr_read_error(file, line, "an enrollment needs source, section_id "
				       "and user_id");
		return;
	}
	struct enr *en = add_enr(state ? &d->est : &d->ein);
	en->id = state ? keep_str(d, id) : NULL;
	en->source = intern_again(d, source, &d->last_source);
	en->role = intern_again(d, v[E_ROLE], &d->last_role);
	en->section = intern(d->sec_refs, section);
	en->user = intern(d->user_refs, user);
	const char *status = v[E_STATUS];
	en->tobedeleted = !state && status && strcmp(status, "tobedeleted") == 0;
	if (state && en->section != NONE && en->user != NONE)
		dr_enr_index_put(d, (uint32_t)(d->est.n - 1));
}

/* rec_field_from_json without copying: strings, list items and map members
 * stay in the parsed object (which lives until pack copies them). The same
 * checks and messages; a map member named twice keeps its place with the
 * later value, as rec_map_put does. */
static const char *field_from_json(rec *r, int f, const cJSON *j)
{
	const struct rec_field *fd = &r->ent->fields[f];
	if (fd->kind == K_STR && cJSON_IsString(j)) {
		rec_set(r, f, j->valuestring); /* r is fresh: nothing to clear */
		return NULL;
	}
	if (fd->kind != K_LIST && fd->kind != K_MAP)
		return rec_field_from_json(r, f, j);
	bool map = fd->kind == K_MAP;
	if (cJSON_IsNull(j))
		return rec_field_from_json(r, f, j);
	if (map ? !cJSON_IsObject(j) : !cJSON_IsArray(j))
		return rec_field_from_json(r, f, j); /* the message */
	size_t n = 0;
	for (const cJSON *c = j->child; c; c = c->next)
		if (!cJSON_IsString(c))
			return rec_field_from_json(r, f, j);
		else
			n++;
	struct rec_val *v = &r->v[f];
	rec_clear(r, f);
	v->set = true;
	v->cap = 2 * n + 8;
	v->items = arena_alloc(r->arena, v->cap * sizeof *v->items);
	for (const cJSON *c = j->child; c; c = c->next) {
		if (!map) {
			v->items[v->n++] = c->valuestring;
			continue;
		}
		size_t i = 0;
		while (i < v->n && strcmp(v->items[2 * i], c->string) != 0)
			i++;
		v->items[2 * i] = c->string;
		v->items[2 * i + 1] = c->valuestring;
		if (i == v->n)
			v->n++;
	}
	return NULL;
}

/* The members of o that are fields of ent, by field (the first of a name
 * counts, as in rec_from_json), walking the object once: members come in
 * schema order as a rule, so each is looked for from the field after the
 * last one. */
static void members(const struct rec_entity *ent, const cJSON *o,
		    const cJSON *at[REC_MAX_FIELDS])
{
	int next = 0;
	memset(at, 0, REC_MAX_FIELDS * sizeof *at);
	for (const cJSON *c = o->child; c; c = c->next) {
		int f = -1;
		if (!c->string)
			continue;
		if (c->string[0] == 't' && strcmp(c->string, "type") == 0)
			continue;
		for (int k = 0; k < ent->nfields && f < 0; k++) {
			int i = (next + k) % ent->nfields; /* onwards, then around */
			if (ent->fields[i].name[0] == c->string[0] &&
			    strcmp(ent->fields[i].name, c->string) == 0)
				f = i;
		}
		if (f < 0)
			continue;
		next = f + 1;
		if (!at[f])
			at[f] = c;
	}
}

/* rec_from_json: errors come in field order, as there. */
static const char *fill_rec(rec *r, const cJSON *o)
{
	const cJSON *at[REC_MAX_FIELDS];
	members(r->ent, o, at);
	for (int f = 0; f < r->ent->nfields; f++) {
		const char *why = at[f] ? field_from_json(r, f, at[f]) : NULL;
		if (why)
			return why;
	}
	return NULL;
}

/* An enrollment's fields (all strings) straight from the object, without a
 * rec: v[f] by field, NULL when absent, null or empty. NULL or what
 * rec_from_json would say. */
static const char *enr_fields(const cJSON *o, const char *v[REC_MAX_FIELDS])
{
	const cJSON *at[REC_MAX_FIELDS];
	members(&REC_ENROLLMENT, o, at);
	for (int f = 0; f < REC_ENROLLMENT.nfields; f++) {
		v[f] = NULL;
		if (!at[f] || cJSON_IsNull(at[f]))
			continue;
		if (!cJSON_IsString(at[f])) {
			static char why[64];
			snprintf(why, sizeof why, "%s: must be a string",
				 REC_ENROLLMENT.fields[f].name);
			return why;
		}
		v[f] = *at[f]->valuestring ? at[f]->valuestring : NULL;
	}
	return NULL;
}

static int read_stream(diff *d, nd_reader *r, bool state)
{
	cJSON *o;
	int got;
	while ((got = nd_next(r, &o)) != 0) {
		if (got == -2)
			return -1;
		if (got < 0)
			continue;
		const char *type = nd_get_str(o, "type");
		int e = entity_slot(type);
		if (e == EE) {
			const char *v[REC_MAX_FIELDS], *why = enr_fields(o, v);
			if (why)
				dr_read_error(nd_name(r), nd_line(r), why);
			else
				keep_enrollment(d, state, v, nd_name(r), nd_line(r));
		} else if (e >= 0) {
			rec rr;
			arena_reset(d->scratch);
			rec_init(&rr, ents[e], d->scratch);
			const char *why = fill_rec(&rr, o);
			if (why)
				dr_read_error(nd_name(r), nd_line(r), why);
			else
				keep_record(d, state, e, &rr, nd_name(r), nd_line(r));
		} else if (state && strcmp(type, "snapshot") == 0) {
			d->base_version = nd_get_int(o, "version", 0);
			d->store_id = keep_str(d, nd_get_str(o, "store"));
		} else if (!state && strcmp(type, "held") == 0) {
			dr_keep_held(d, o, nd_name(r), nd_line(r));
		} else if (!state && strcmp(type, "feed") == 0) {
			const cJSON *modes = nd_get_obj(o, "modes");
			d->in_source = keep_str(d, nd_get_str(o, "source"));
			for (int i = 0; i < EN && modes; i++) {
				const char *m = nd_get_str(modes, ents[i]->type);
				if (m) {
					d->mode_known[i] = true;
					d->bulk[i] = strcmp(m, "bulk") == 0;
				}
			}
		} else if (strcmp(type, "appointment") != 0) {
			dr_read_error(nd_name(r), nd_line(r),
				   state ? "not a state record"
					 : "not a canonical record");
		}
	}
	return 0;
}

int diff_read_state(diff *d, nd_reader *r)
{
	d->state_name = keep_str(d, nd_name(r));
	return read_stream(d, r, true);
}

int diff_read_incoming(diff *d, nd_reader *r)
{
	d->in_name = keep_str(d, nd_name(r));
	return read_stream(d, r, false);
}
