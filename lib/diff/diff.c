#include "diff_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "clock.h"
#include "codes.h"
#include "err.h"
#include "idset.h"
#include "packrec.h"
#include "csvr.h"
#include "csvw.h"
#include "planw.h"
#include "record.h"
#include "strtab.h"
#include "xalloc.h"

/* ---- index ------------------------------------------------------------- */

static void index_free(struct index *ix)
{
	idset_free(ix->heads);
	free(ix->nodes);
	memset(ix, 0, sizeof *ix);
}

static const char *joined(diff *d, const char *a, char sep, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	char *k = arena_bytes(d->keep, la + lb + 2);
	memcpy(k, a, la);
	k[la] = sep;
	memcpy(k + la + 1, b, lb + 1);
	return k;
}

/* How a plan names a record it creates: SOURCE:SOURCE_ID. */
static const char *ref_form(diff *d, const char *source, const char *sid)
{
	return joined(d, source, ':', sid);
}

/* ---- setup ------------------------------------------------------------- */

diff *diff_new(const struct diff_opts *o)
{
	diff *d = xcalloc(1, sizeof *d);
	d->o = *o;
	d->keep = arena_new();
	d->scratch = arena_new();
	d->vals = strtab_new();
	d->sec_refs = strtab_new();
	d->user_refs = strtab_new();
	d->last_source = d->last_role = NONE;
	char *list = arena_strdup(d->keep, o->match ? o->match : "sis_id,email");
	for (char *save, *f = strtok_r(list, ",", &save); f;
	     f = strtok_r(NULL, ",", &save)) {
		if (d->nmatch == MAX_MATCH)
			rp_die(RP_EXIT_USAGE, "--match: at most %d identifiers",
			       MAX_MATCH);
		bool known = strncmp(f, "ids.", 4) == 0 && f[4];
		int fi = rec_field_index(&REC_USER, f);
		if (fi > 0 && REC_USER.fields[fi].kind == K_STR &&
		    !(REC_USER.fields[fi].flags & RF_STATE))
			known = true;
		if (!known)
			rp_die(RP_EXIT_USAGE,
			       "--match: \"%s\" is not a user field or ids.TYPE", f);
		d->match[d->nmatch++] = f;
	}
	return d;
}

void diff_free(diff *d)
{
	if (!d)
		return;
	for (int e = 0; e < EN; e++) {
		free(d->state[e].v);
		free(d->in[e].v);
		index_free(&d->by_source[0][e]);
		index_free(&d->by_source[1][e]);
		index_free(&d->by_id[e]);
	}
	free(d->est.v);
	free(d->ein.v);
	for (int i = 0; i < MAX_MATCH; i++)
		index_free(&d->by_key[i]);
	index_free(&d->in_sections);
	strtab_free(d->vals);
	strtab_free(d->sec_refs);
	strtab_free(d->user_refs);
	free(d->enr_state.slots);
	free(d->sec_school);
	free(d->sec_known);
	free(d->links);
	arena_free(d->keep);
	arena_free(d->scratch);
	free(d);
}

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

/* ---- packed records ---------------------------------------------------- */

/* Keeps r packed (packrec.h) in the run's arena; k gets it unpacked. */
static const char *pack(diff *d, const rec *r, rec *k)
{
	char *p = arena_bytes(d->keep, pr_size(r));
	pr_pack(p, r, k, d->scratch);
	return p;
}

/* The value of --match identifier m in a user record, folded like the
 * canonical form (emails trimmed and lower-cased): a string of r, or a
 * folded copy in arena a. */
static const char *match_value(diff *d, const rec *r, int m, rp_arena *a)
{
	const char *field = d->match[m], *v;
	if (strncmp(field, "ids.", 4) == 0)
		v = rec_map_get(r, U_IDS, field + 4);
	else
		v = rec_str(r, rec_field_index(&REC_USER, field));
	if (!v || !*v)
		return NULL;
	if (strcmp(field, "email") != 0)
		return v;
	char *copy = arena_strdup(d->scratch, v);
	email_fold(copy);
	return strcmp(copy, v) == 0 ? v : a == d->scratch ? copy
							   : keep_str(d, copy);
}

static void read_error(const char *file, long line, const char *msg)
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
	it->fp = fingerprint(r, e, false);
	it->fp_ids = fingerprint(r, e, true);
	it->source = rec_str(&k, 1);
	it->source_id = rec_str(&k, 2); /* source and source_id come first */
	const char *status = rec_str(r, 3);
	it->tobedeleted = !state && status && strcmp(status, "tobedeleted") == 0;
	if (state) {
		it->id = rec_str(&k, 0);
		if (!it->id) {
			read_error(file, line, "id: a state record needs its store id");
			s->n--;
			return;
		}
		it->key = it->id;
		if (e == ES || e == EC)
			index_add(&d->by_id[e], it->id, NULL, idx);
	} else if (!it->source || !it->source_id) {
		read_error(file, line, "a record needs source and source_id");
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

/* Whether s is one of the n strings of v. */
static bool one_of(const char *s, const char *const *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i], s) == 0)
			return true;
	return false;
}

/*
 * The stored users by source and source id: a user can be found by every
 * identifier it holds (a link adds those of the new source). Only the
 * identifiers of the incoming sources are ever asked for (an incoming
 * user's own, an enrollment's user), so only those are indexed: one entry
 * a user instead of one per identifier.
 */
static void index_state_users(diff *d)
{
	const char **src = NULL;
	size_t nsrc = 0;
	for (size_t i = 0; i < d->in[EU].n + d->ein.n; i++) {
		const char *s = i < d->in[EU].n ? d->in[EU].v[i].source
			: d->ein.v[i - d->in[EU].n].source != NONE
				? strtab_str(d->vals, d->ein.v[i - d->in[EU].n].source)
				: NULL;
		if (s && !one_of(s, src, nsrc)) {
			src = xrealloc(src, (nsrc + 1) * sizeof *src);
			src[nsrc++] = s;
		}
	}
	struct index *ix = &d->by_source[0][EU];
	for (uint32_t j = 0; j < d->state[EU].n && nsrc; j++) {
		const struct item *it = &d->state[EU].v[j];
		arena_reset(d->scratch);
		rec k;
		unpack(d, it->rec, &REC_USER, &k);
		const struct rec_val *ids = &k.v[U_IDS];
		bool again = false;
		for (size_t i = 0; i < ids->n; i++) {
			const char *type = ids->items[2 * i], *v = ids->items[2 * i + 1];
			if (!one_of(type, src, nsrc))
				continue;
			index_add(ix, type, v, j);
			again |= it->source && it->source_id &&
				 strcmp(type, it->source) == 0 &&
				 strcmp(v, it->source_id) == 0;
		}
		if (it->source && it->source_id && !again &&
		    one_of(it->source, src, nsrc))
			index_add(ix, it->source, it->source_id, j);
	}
	free(src);
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
		read_error(file, line, "id: a state record needs its store id");
		return;
	}
	if (!state && (!source || !section || !user)) {
		read_error(file, line, "an enrollment needs source, section_id "
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
				read_error(nd_name(r), nd_line(r), why);
			else
				keep_enrollment(d, state, v, nd_name(r), nd_line(r));
		} else if (e >= 0) {
			rec rr;
			arena_reset(d->scratch);
			rec_init(&rr, ents[e], d->scratch);
			const char *why = fill_rec(&rr, o);
			if (why)
				read_error(nd_name(r), nd_line(r), why);
			else
				keep_record(d, state, e, &rr, nd_name(r), nd_line(r));
		} else if (state && strcmp(type, "snapshot") == 0) {
			d->base_version = nd_get_int(o, "version", 0);
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
			read_error(nd_name(r), nd_line(r),
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

/* ---- matching ---------------------------------------------------------- */

/* Schools, terms and sections: by source and source id. */
static void match_by_source(diff *d, int e)
{
	struct index *ix = &d->by_source[0][e];
	for (uint32_t i = 0; i < d->in[e].n; i++) {
		struct item *in = &d->in[e].v[i];
		uint32_t n = index_first(ix, in->source, in->source_id);
		if (n == NONE)
			continue;
		struct item *st = &d->state[e].v[ix->nodes[n].item];
		if (st->match != NONE) {
			read_error(d->in_name, in->line,
				   "the same record twice in the incoming feed");
			continue;
		}
		in->match = ix->nodes[n].item;
		st->match = i;
	}
}

/* A school the feed names by a new id (a move to another source) is still
 * the stored school with the same school number, when exactly one is. */
static void match_schools_by_number(diff *d)
{
	for (uint32_t i = 0; i < d->in[ES].n; i++) {
		struct item *in = &d->in[ES].v[i];
		if (in->match != NONE || !in->school)
			continue;
		uint32_t found = NONE, count = 0;
		for (uint32_t j = 0; j < d->state[ES].n; j++) {
			const struct item *st = &d->state[ES].v[j];
			if (st->match == NONE && st->school &&
			    strcmp(st->school, in->school) == 0) {
				found = j;
				count++;
			}
		}
		if (count == 1) {
			in->match = found;
			in->matched_on = "school_number";
			d->state[ES].v[found].match = i;
		}
	}
}

static void conflict_on(diff *d, struct item *in, const char *on)
{
	in->conflict = true;
	in->matched_on = on;
	in->match = NONE;
	d->conflicts++;
}

/*
 * The --match index of the stored users, built only when some incoming
 * user is left to match by them, and only with the values such users
 * have (a filter of their hashes): a re-sync of the same district matches
 * everyone by source id and builds nothing.
 */
static void index_match_keys(diff *d)
{
	struct side *in = &d->in[EU], *st = &d->state[EU];
	idset *want[MAX_MATCH];
	bool any = false;
	for (int m = 0; m < d->nmatch; m++)
		want[m] = idset_new();
	for (uint32_t i = 0; i < in->n; i++) {
		const struct item *u = &in->v[i];
		if (u->match != NONE && !u->conflict)
			continue;
		arena_reset(d->scratch);
		rec r;
		unpack(d, u->rec, &REC_USER, &r);
		for (int m = 0; m < d->nmatch; m++) {
			const char *v = match_value(d, &r, m, d->scratch);
			if (v) {
				idset_set(want[m], key_hash(v, NULL), 0);
				any = true;
			}
		}
	}
	for (uint32_t j = 0; j < st->n && any; j++) {
		arena_reset(d->scratch);
		rec r;
		unpack(d, st->v[j].rec, &REC_USER, &r);
		for (int m = 0; m < d->nmatch; m++) {
			const char *v = match_value(d, &r, m, d->keep);
			if (v && idset_get(want[m], key_hash(v, NULL), NULL))
				index_add(&d->by_key[m], v, NULL, j);
		}
	}
	for (int m = 0; m < d->nmatch; m++)
		idset_free(want[m]);
}

/* An incoming user's value of --match identifier m, in the scratch arena. */
static const char *in_match_value(diff *d, const struct item *u, int m)
{
	rec r;
	unpack(d, u->rec, &REC_USER, &r);
	return match_value(d, &r, m, d->scratch);
}

/* Users: by any stored identifier of the incoming source first, then by the
 * --match identifiers in order. Two candidates are a conflict, never a
 * guess; so is one stored user claimed by two incoming ones. */
static void match_users(diff *d)
{
	struct side *in = &d->in[EU], *st = &d->state[EU];
	struct index *ix = &d->by_source[0][EU];
	for (size_t l = 0; l < d->nlinks; l++) {
		in->v[d->links[l].in].match = d->links[l].state;
		in->v[d->links[l].in].matched_on = "mapping";
		st->v[d->links[l].state].match = d->links[l].in;
	}
	for (uint32_t i = 0; i < in->n; i++) {
		struct item *u = &in->v[i];
		if (u->match != NONE)
			continue; /* the reviewed table said so */
		uint32_t found = NONE, count = 0;
		INDEX_EACH(ix, u->source, u->source_id, n) {
			if (ix->nodes[n].item != found)
				count++;
			found = ix->nodes[n].item;
		}
		if (count > 1) {
			INDEX_EACH(ix, u->source, u->source_id, n)
				st->v[ix->nodes[n].item].protect = true;
			conflict_on(d, u, "source_id");
		} else if (count == 1) {
			if (st->v[found].match != NONE && d->nlinks) {
				/* the table gave that user to another incoming one */
				st->v[found].protect = true;
				u->match = found;
				u->conflict = true;
				u->matched_on = "source_id";
				d->conflicts++;
				continue;
			}
			if (st->v[found].match != NONE) {
				read_error(d->in_name, u->line,
					   "the same user twice in the incoming feed");
				continue;
			}
			u->match = found;
			u->matched_on = "source_id";
			st->v[found].match = i;
		}
	}
	/* secondary identifiers, for those not found by their source id */
	index_match_keys(d);
	uint32_t *claims = xcalloc(st->n + 1, sizeof *claims);
	for (uint32_t i = 0; i < in->n; i++) {
		struct item *u = &in->v[i];
		if (u->match != NONE || u->conflict)
			continue;
		arena_reset(d->scratch);
		for (int m = 0; m < d->nmatch && u->match == NONE && !u->conflict;
		     m++) {
			const char *mk = in_match_value(d, u, m);
			if (!mk)
				continue;
			struct index *kx = &d->by_key[m];
			uint32_t found = NONE, count = 0;
			INDEX_EACH(kx, mk, NULL, n) {
				uint32_t j = kx->nodes[n].item;
				if (st->v[j].match != NONE && st->v[j].match != i)
					continue; /* taken by its own source id */
				if (j != found)
					count++;
				found = j;
			}
			if (count > 1) {
				INDEX_EACH(kx, mk, NULL, n)
					st->v[kx->nodes[n].item].protect = true;
				conflict_on(d, u, d->match[m]);
			} else if (count == 1) {
				u->match = found;
				u->matched_on = d->match[m];
				claims[found]++;
			}
		}
	}
	for (uint32_t i = 0; i < in->n; i++) {
		struct item *u = &in->v[i];
		if (u->match == NONE || strcmp(u->matched_on, "source_id") == 0)
			continue;
		if (claims[u->match] > 1) {
			st->v[u->match].protect = true;
			u->conflict = true;
			d->conflicts++;
		} else {
			st->v[u->match].match = i;
		}
	}
	free(claims);
}

/* How a plan names an incoming record's reference to a record of entity e
 * from the same source: the matched store id, or SOURCE:SOURCE_ID. */
const char *dr_translate(diff *d, int e, const char *source,
			 const char *sid)
{
	uint32_t n = index_first(&d->by_source[1][e], source, sid);
	if (n != NONE)
		return d->in[e].v[d->by_source[1][e].nodes[n].item].key;
	n = index_first(&d->by_source[0][e], source, sid);
	if (n != NONE)
		return d->state[e].v[d->by_source[0][e].nodes[n].item].id;
	return ref_form(d, source, sid);
}

static void assign_keys(diff *d, int e)
{
	for (uint32_t i = 0; i < d->in[e].n; i++) {
		struct item *it = &d->in[e].v[i];
		it->key = it->match != NONE ? d->state[e].v[it->match].id
					    : ref_form(d, it->source, it->source_id);
		if (e == EC) /* enrollments ask for their section's school */
			index_add(&d->in_sections, it->key, NULL, i);
	}
}

/* An enrollment's reference as the plan writes it, once per distinct
 * (source, reference): memo maps the pair to the translated number. */
static uint32_t translate_ref(diff *d, int e, idset *memo, uint32_t source,
			      uint32_t raw)
{
	strtab *t = e == EC ? d->sec_refs : d->user_refs;
	uint64_t key = ((uint64_t)source + 1) << 32 | raw;
	uint32_t to;
	if (idset_get(memo, key, &to))
		return to;
	const char *s = dr_translate(d, e, strtab_str(d->vals, source),
				  strtab_str(t, raw));
	to = strtab_intern(t, s, strlen(s));
	idset_put(memo, key, to, NULL);
	return to;
}

static void translate_refs(diff *d)
{
	for (uint32_t i = 0; i < d->in[EC].n; i++) {
		struct item *c = &d->in[EC].v[i];
		if (c->school)
			c->school = dr_translate(d, ES, c->source, c->school);
		for (size_t k = 0; k < c->nrefs; k++)
			c->refs[k] = dr_translate(d, ET, c->source, c->refs[k]);
	}
	for (uint32_t i = 0; i < d->in[EU].n; i++) {
		struct item *u = &d->in[EU].v[i];
		for (size_t k = 0; k < u->nrefs; k++)
			u->refs[k] = dr_translate(d, ES, u->source, u->refs[k]);
	}
	idset *sec = idset_new(), *user = idset_new();
	for (size_t i = 0; i < d->ein.n; i++) {
		struct enr *en = &d->ein.v[i];
		en->section = translate_ref(d, EC, sec, en->source, en->section);
		en->user = translate_ref(d, EU, user, en->source, en->user);
	}
	idset_free(sec);
	idset_free(user);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* The stored users an incoming user in conflict could be, in state order. */
uint32_t *dr_candidates(diff *d, const struct item *u, size_t *count)
{
	uint32_t *cand = NULL;
	size_t nc = 0;
	if (u->match != NONE) { /* two incoming users, one stored */
		cand = xmalloc(sizeof *cand);
		cand[nc++] = u->match;
		*count = nc;
		return cand;
	}
	const char *on = u->matched_on ? u->matched_on : "source_id";
	int m = 0;
	while (m < d->nmatch && strcmp(d->match[m], on) != 0)
		m++;
	struct index *ix = m < d->nmatch ? &d->by_key[m] : &d->by_source[0][EU];
	const char *a = m < d->nmatch ? in_match_value(d, u, m) : u->source;
	const char *b = m < d->nmatch ? NULL : u->source_id;
	if (a)
		INDEX_EACH(ix, a, b, n) {
			cand = xrealloc(cand, (nc + 1) * sizeof *cand);
			cand[nc++] = ix->nodes[n].item;
		}
	if (nc > 1)
		qsort(cand, nc, sizeof *cand, cmp_u32);
	size_t out = 0;
	for (size_t c = 0; c < nc; c++)
		if (out == 0 || cand[c] != cand[out - 1])
			cand[out++] = cand[c];
	*count = out;
	return cand;
}

void dr_match_all(diff *d)
{
	for (int e = 0; e < EN; e++)
		if (e != EU && e != EE)
			match_by_source(d, e);
	match_schools_by_number(d);
	index_state_users(d);
	match_users(d);
	assign_keys(d, ES);
	assign_keys(d, ET);
	assign_keys(d, EC);
	assign_keys(d, EU);
	translate_refs(d);
	dr_match_enrollments(d);
}
