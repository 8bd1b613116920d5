/* What the next operations of a plan will read from the store, asked for
 * in one go (store_read_ahead): on PostgreSQL a round trip for a chunk of
 * operations instead of one for each. The checking pass reads each
 * changed record, looks a create's source id up and resolves references;
 * the applying pass reads each changed record again (references are
 * resolved by then, in run.resolved). */
#include "apply_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "packrec.h"
#include "xalloc.h"

struct wants {
	struct store_want *v;
	size_t n, cap;
};

static void want(struct wants *w, struct store_want x)
{
	if (w->n == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 256;
		w->v = xrealloc(w->v, w->cap * sizeof *w->v);
	}
	w->v[w->n++] = x;
}

static void want_load(struct wants *w, const struct rec_entity *e,
		      const char *id)
{
	long long n;
	if (e && id && store_entity_of_id(id, &n) == e)
		want(w, (struct store_want){STORE_WANT_LOAD, e, n, NULL, NULL});
}

/* The references of a record to be created that are not resolved yet. */
static void want_refs(struct run *r, struct wants *w, const rec *rr,
		      rp_arena *a)
{
	for (int f = 0; f < rr->ent->nfields; f++) {
		const struct rec_entity *target = rec_ref_target(rr->ent, f);
		if (!target)
			continue;
		const struct rec_val *v = &rr->v[f];
		bool list = rr->ent->fields[f].kind == K_LIST;
		const char *const *items = list ? v->items : &v->s;
		size_t count = list ? v->n : v->s != NULL;
		for (size_t i = 0; i < count; i++) {
			const char *ref = items[i], *colon = strchr(ref, ':');
			long long n;
			if (idset_get(r->resolved, ap_ref_key(target, ref), NULL))
				continue;
			if (!colon) {
				if (store_entity_of_id(ref, &n) == target)
					want(w, (struct store_want){STORE_WANT_EXISTS,
								    target, n, NULL, NULL});
				continue;
			}
			char *source = arena_strndup(a, ref, (size_t)(colon - ref));
			if (!idset_get(r->created, ap_source_key(target, source, colon + 1),
				       NULL))
				want(w, (struct store_want){STORE_WANT_SOURCE, target, 0,
							    source, colon + 1});
		}
	}
}

/* A create in the checking pass: its own source id, unless its table was
 * empty, and its references. */
static void want_create(struct run *r, struct wants *w, const struct spooled *s,
			rp_arena *a)
{
	const struct rec_entity *e = ap_slot_entity[(unsigned char)s->data[0] % 6];
	rec rr;
	if (pr_unpack_checked(s->data + 1, s->len - 1, e, &rr, a) != s->len - 1)
		return; /* reported when the operation is read */
	int f_sid = rec_field_index(e, "source_id");
	const char *source = rec_str(&rr, 1);
	const char *sid = f_sid >= 0 ? rec_str(&rr, f_sid) : NULL;
	if (source && sid && e != &REC_APPOINTMENT && !ap_table_empty(r, e))
		want(w, (struct store_want){STORE_WANT_SOURCE, e, 0, source, sid});
	want_refs(r, w, &rr, a);
}

/* The checking pass counts a deleted enrollment against its section's
 * school, unless the section's terms have ended (check.c, section_school):
 * the sections of the chunk's deleted enrollments not seen yet, then their
 * terms, each kind in one more go. */
static int want_sections(struct run *r, const struct spooled *ops,
			 size_t count, rp_arena *a)
{
	struct wants w = {0};
	int rc = 0;
	for (int round = 0; round < 2 && rc == 0; round++) {
		w.n = 0;
		for (size_t i = 0; i < count; i++) {
			const struct spooled *s = &ops[i];
			long long n;
			if (s->tag != 'S' || s->len < 3 || s->data[0] != OP_DELETE ||
			    s->data[s->len - 1] != '\0')
				continue;
			const struct rec_entity *e = ap_slot_entity[(unsigned char)s->data[1] % 6];
			const char *section = NULL;
			rec rr = {.arena = a};
			if (e == &REC_SECTION)
				section = s->data + 2;
			else if (e == &REC_ENROLLMENT &&
				 store_entity_of_id(s->data + 2, &n) == e &&
				 store_load(r->s, e, n, &rr, NULL) == 1)
				section = rec_str(&rr, E_SECTION_ID);
			if (!section || store_entity_of_id(section, &n) != &REC_SECTION ||
			    (r->section_school &&
			     idset_get(r->section_school, (uint64_t)n, NULL)))
				continue;
			if (round == 0) {
				want_load(&w, &REC_SECTION, section);
				continue;
			}
			rec sec = {.arena = a};
			if (store_load(r->s, &REC_SECTION, n, &sec, NULL) != 1)
				continue;
			for (size_t t = 0; t < sec.v[C_TERM_IDS].n; t++)
				want_load(&w, &REC_TERM, sec.v[C_TERM_IDS].items[t]);
		}
		if (w.n)
			rc = store_read_ahead(r->s, w.v, w.n);
	}
	free(w.v);
	return rc;
}

int ap_read_ahead(struct run *r, const struct spooled *ops, size_t count)
{
	struct wants w = {0};
	rp_arena *a = arena_new();
	for (size_t i = 0; i < count; i++) {
		const struct spooled *s = &ops[i];
		if (s->tag == 'C') {
			if (!r->executing && s->len > 1)
				want_create(r, &w, s, a);
		} else if (s->tag == 'S') {
			if (s->len > 2 && s->data[s->len - 1] == '\0')
				want_load(&w, ap_slot_entity[(unsigned char)s->data[1] % 6],
					  s->data + 2);
		} else if (s->len > 0) {
			cJSON *o = cJSON_ParseWithLength(s->data, s->len - 1);
			const char *entity = o ? nd_get_str(o, "entity") : NULL;
			if (entity)
				want_load(&w, rec_entity_of(entity), nd_get_str(o, "id"));
			cJSON_Delete(o);
		}
	}
	int rc = w.n ? store_read_ahead(r->s, w.v, w.n) : 0;
	if (rc == 0 && !r->executing)
		rc = want_sections(r, ops, count, a);
	if (rc != 0)
		ap_bad(r, RP_EXIT_IO, "%s", store_errmsg(r->s));
	free(w.v);
	arena_free(a);
	return rc;
}
