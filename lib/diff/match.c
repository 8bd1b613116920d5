/*
 * Matching: which stored record each incoming one is, by source id, then
 * school number or the --match identifiers; then the keys and references
 * a plan writes, which depend on what matched. Two candidates are always a
 * conflict for a person, never a guess.
 */
#include "diff_int.h"

#include <stdlib.h>
#include <string.h>

#include "codes.h"
#include "err.h"
#include "xalloc.h"

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
			dr_read_error(d->in_name, in->line,
				   "the same record twice in the incoming feed");
			in->dropped = true;
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

/* student, staff (teachers, staff, administrators, aides), guardian: a
 * match never carries a person from one to another. */
static int role_class(const char *role)
{
	if (!role)
		return 0;
	return strcmp(role, "student") == 0 ? 1 : strcmp(role, "guardian") == 0 ? 3 : 2;
}

/*
 * Why a pair matched on a secondary identifier is two people after all:
 * another identifier both carry with different values (a SIS, state or
 * Google id: never the sources' own ids, which a move to a new source or a
 * new export changes), or a role of another class (a new teacher with a
 * departed student's SIS number). NULL when nothing tells them apart.
 */
static const char *contradiction(diff *d, const struct item *u,
				 const struct item *s)
{
	rec in, st;
	unpack(d, u->rec, &REC_USER, &in);
	unpack(d, s->rec, &REC_USER, &st);
	static const int typed[] = {U_SIS_ID, U_STATE_ID};
	for (size_t i = 0; i < sizeof typed / sizeof *typed; i++) {
		const char *a = rec_str(&in, typed[i]), *b = rec_str(&st, typed[i]);
		if (a && b && strcmp(a, b) != 0)
			return REC_USER.fields[typed[i]].name;
	}
	const struct rec_val *ids = &in.v[U_IDS];
	for (size_t i = 0; i < ids->n; i++) {
		const char *type = ids->items[2 * i], *v = ids->items[2 * i + 1];
		if ((u->source && strcmp(type, u->source) == 0) ||
		    (s->source && strcmp(type, s->source) == 0))
			continue;
		const char *had = rec_map_get(&st, U_IDS, type);
		if (had && strcmp(had, v) != 0)
			return joined(d, "ids", '.', type);
	}
	int a = role_class(rec_str(&in, U_ROLE)), b = role_class(rec_str(&st, U_ROLE));
	return a && b && a != b ? "role" : NULL;
}

/* Users: by any stored identifier of the incoming source first, then by the
 * --match identifiers in order. Two candidates are a conflict, never a
 * guess; so is one stored user claimed by two incoming ones. */
static void match_users(diff *d)
{
	struct side *in = &d->in[EU], *st = &d->state[EU];
	struct index *ix = &d->by_source[0][EU];
	for (size_t l = 0; l < d->nlinks; l++) {
		/* an incoming id another stored user holds: linking it would
		 * give two users one id */
		const struct item *u = &in->v[d->links[l].in];
		INDEX_EACH(ix, u->source, u->source_id, n) {
			if (ix->nodes[n].item == d->links[l].state)
				continue;
			struct rp_loc loc = {.file = d->links_path, .line = d->links[l].row,
					     .field = "source_id", .code = "bad_mapping"};
			rp_error(&loc, "stored user %s holds incoming id \"%s\" already: "
				 "linking it to %s would give two users one id",
				 st->v[ix->nodes[n].item].id, u->source_id,
				 st->v[d->links[l].state].id);
			break;
		}
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
				dr_read_error(d->in_name, u->line,
					   "the same user twice in the incoming feed");
				u->dropped = true;
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
				if ((u->contradicts = contradiction(d, u, &st->v[found]))) {
					st->v[found].protect = true;
					u->conflict = true;
					d->conflicts++;
				} else {
					claims[found]++;
				}
			}
		}
	}
	for (uint32_t i = 0; i < in->n; i++) {
		struct item *u = &in->v[i];
		if (u->match == NONE || u->conflict ||
		    strcmp(u->matched_on, "source_id") == 0)
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
