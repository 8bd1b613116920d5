/*
 * The plan, in the order apply can take it: creates and updates of a record
 * before those of records naming it, removals the other way round. A pair
 * whose fingerprints agree is passed over without being unpacked.
 */
#include "diff_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "planw.h"
#include "record.h"
#include "xalloc.h"

static const char *const op_names[8] = {
	"create", "update", "link", "restore", "soft_delete", "delete",
	"conflict", NULL,
};
enum { C_CREATE, C_UPDATE, C_LINK, C_RESTORE, C_SOFT_DELETE, C_DELETE,
       C_CONFLICT };

struct out {
	diff *d;
	plan_writer *pw;
	nd_writer *w; /* the operation being written */
};

/* Counts an operation for the header: for user u's schools; "-" for a
 * user without one and for an update of another entity; else no school. */
static void count(struct out *o, int c, const struct item *u)
{
	static const char *const none[] = {"-"};
	if (!u)
		pw_count(o->pw, op_names[c], NULL, 0);
	else if (u->nrefs)
		pw_count(o->pw, op_names[c], u->refs, u->nrefs);
	else
		pw_count(o->pw, op_names[c], none, 1);
}

static void op_begin(struct out *o, const char *op, int e, const char *id)
{
	o->w = pw_begin(o->pw, op, ents[e]->type, id);
}

static void op_end(struct out *o) { pw_end(o->pw); }

/* An incoming record as a plan writes it: references translated. */
static void incoming_rec(diff *d, const struct item *it, int e, rec *r)
{
	unpack(d, it->rec, ents[e], r);
	if (e == EU) {
		rec_clear(r, U_SCHOOL_IDS);
		rec_list_add(r, U_SCHOOL_IDS, NULL);
		for (size_t k = 0; k < it->nrefs; k++)
			rec_list_add(r, U_SCHOOL_IDS, it->refs[k]);
		rec_list_sort_unique(r, U_SCHOOL_IDS);
	} else if (e == EC) {
		rec_set(r, C_SCHOOL_ID, it->school);
		struct rec_val old = r->v[C_TERM_IDS];
		rec_clear(r, C_TERM_IDS);
		rec_list_add(r, C_TERM_IDS, NULL);
		for (size_t k = 0; k < old.n; k++)
			rec_list_add(r, C_TERM_IDS,
				     dr_translate(d, ET, it->source, old.items[k]));
		rec_list_sort_unique(r, C_TERM_IDS);
	}
}

/* An enrollment as a rec; the incoming one with its references translated. */
static void enr_rec(diff *d, const struct enr *en, rec *r)
{
	rec_init(r, &REC_ENROLLMENT, d->scratch);
	if (en->id)
		rec_set(r, E_ID, en->id);
	if (en->source != NONE)
		rec_set(r, E_SOURCE, strtab_str(d->vals, en->source));
	if (en->section != NONE)
		rec_set(r, E_SECTION_ID, strtab_str(d->sec_refs, en->section));
	if (en->user != NONE)
		rec_set(r, E_USER_ID, strtab_str(d->user_refs, en->user));
	if (en->role != NONE)
		rec_set(r, E_ROLE, strtab_str(d->vals, en->role));
}

static bool compared(const struct rec_entity *e, int f)
{
	return !(e->fields[f].flags & (RF_STATE | RF_NODIFF | RF_ID));
}

/* The ids a link or update must add: incoming pairs the stored user lacks
 * or holds with another value. Stored identifiers are never removed. */
static bool ids_to_add(const rec *st, const rec *in, rec *add)
{
	const struct rec_val *v = &in->v[U_IDS];
	bool any = false;
	for (size_t i = 0; i < v->n; i++) {
		const char *type = v->items[2 * i], *value = v->items[2 * i + 1];
		const char *had = rec_map_get(st, U_IDS, type);
		if (had && strcmp(had, value) == 0)
			continue;
		rec_map_put(add, U_IDS, type, value);
		if (had && !strstr(type, ".previous")) {
			/* a new id of a type replaces the old, which is kept:
			 * a sign-in or a record elsewhere may still use it */
			char prev[128];
			snprintf(prev, sizeof prev, "%s.previous", type);
			rec_map_put(add, U_IDS, prev, had);
		}
		any = true;
	}
	return any;
}

/* An update with only the changed fields and what they were. */
/* u: the incoming user, whose schools count it; NULL for other entities. */
static void emit_update(struct out *o, int e, const char *id, rec *st,
			rec *in, bool ids_done, const struct item *u)
{
	int changed[REC_MAX_FIELDS], n = 0;
	rec merged;
	rec_init(&merged, ents[e], o->d->scratch);
	for (int f = 0; f < ents[e]->nfields; f++) {
		if (!compared(ents[e], f) ||
		    (e != EE && !(o->d->carried[e] & (1u << f))))
			continue;
		if (ents[e]->fields[f].kind == K_LIST) {
			rec_list_sort_unique(st, f);
			rec_list_sort_unique(in, f);
		}
		if (ents[e]->fields[f].kind == K_MAP) {
			if (ids_done)
				continue;
			rec add;
			rec_init(&add, ents[e], o->d->scratch);
			if (!ids_to_add(st, in, &add))
				continue;
			merged.v[f] = st->v[f];
			merged.v[f].items = NULL;
			merged.v[f].n = merged.v[f].cap = 0;
			for (size_t i = 0; i < st->v[f].n; i++)
				rec_map_put(&merged, f, st->v[f].items[2 * i],
					    st->v[f].items[2 * i + 1]);
			for (size_t i = 0; i < add.v[f].n; i++)
				rec_map_put(&merged, f, add.v[f].items[2 * i],
					    add.v[f].items[2 * i + 1]);
			rec_map_sort(&merged, f);
			changed[n++] = f;
			continue;
		}
		if (!rec_field_equal(st, in, f)) {
			merged.v[f] = in->v[f];
			changed[n++] = f;
		}
	}
	if (n == 0)
		return;
	op_begin(o, "update", e, id);
	nd_writer *w = o->w;
	nd_obj(w, "set");
	for (int i = 0; i < n; i++)
		rec_write_field(w, &merged, changed[i]);
	nd_close(w);
	nd_obj(w, "was");
	for (int i = 0; i < n; i++)
		rec_write_field(w, st, changed[i]);
	nd_close(w);
	op_end(o);
	if (u)
		count(o, C_UPDATE, u);
	else
		pw_count(o->pw, "update", (const char *const[]){"-"}, 1);
}

static void write_create(struct out *o, int e, rec *in, const struct item *u)
{
	rec_clear(in, rec_field_index(ents[e], "status"));
	op_begin(o, "create", e, NULL);
	nd_obj(o->w, "data");
	rec_write_members(o->w, in, RF_STATE);
	nd_close(o->w);
	op_end(o);
	count(o, C_CREATE, u);
}

static void emit_create(struct out *o, int e, const struct item *it)
{
	rec in;
	arena_reset(o->d->scratch);
	incoming_rec(o->d, it, e, &in);
	write_create(o, e, &in, e == EU ? it : NULL);
}

static void emit_removal(struct out *o, int e, const char *id,
			 const char *reason, const struct item *u)
{
	op_begin(o, e == EU ? "soft_delete" : "delete", e, id);
	nd_str(o->w, "reason", reason);
	op_end(o);
	count(o, e == EU ? C_SOFT_DELETE : C_DELETE, u);
}

static int cmp_strp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static bool same_set(const char **a, size_t na, const char **b, size_t nb)
{
	if (na != nb)
		return false;
	if (na == 1)
		return strcmp(a[0], b[0]) == 0;
	const char **x = xmalloc((na + 1) * sizeof *x), **y = xmalloc((nb + 1) * sizeof *y);
	memcpy(x, a, na * sizeof *x);
	memcpy(y, b, nb * sizeof *y);
	if (na > 1) {
		qsort(x, na, sizeof *x, cmp_strp);
		qsort(y, nb, sizeof *y, cmp_strp);
	}
	bool same = true;
	for (size_t i = 0; i < na && same; i++)
		same = strcmp(x[i], y[i]) == 0;
	free(x);
	free(y);
	return same;
}

/* Whether a matched pair is the same record, known without unpacking it:
 * same fingerprints, same references, nothing to link or restore. */
static bool unchanged(int e, const struct item *in, const struct item *st)
{
	if (in->fp != st->fp || in->fp_ids != st->fp_ids || st->deleted ||
	    (e == EU && strcmp(in->matched_on, "source_id") != 0))
		return false;
	if (e == EU)
		return same_set(in->refs, in->nrefs, st->refs, st->nrefs);
	if (e == EC)
		return ((!in->school && !st->school) ||
			(in->school && st->school && strcmp(in->school, st->school) == 0)) &&
		       same_set(in->refs, in->nrefs, st->refs, st->nrefs);
	return true; /* schools and terms have no references */
}

/* Creates, updates, links and restores of one entity, in incoming order. */
static void emit_changes(struct out *o, int e)
{
	diff *d = o->d;
	for (uint32_t i = 0; i < d->in[e].n; i++) {
		const struct item *it = &d->in[e].v[i];
		const struct item *st = it->match != NONE ? &d->state[e].v[it->match]
							  : NULL;
		if (it->conflict || it->tobedeleted || it->dropped ||
		    !dr_in_scope(d, e, it, st))
			continue;
		if (!st) {
			emit_create(o, e, it);
			continue;
		}
		if (st->hands_off || unchanged(e, it, st))
			continue;
		arena_reset(d->scratch);
		rec srec, irec;
		unpack(d, st->rec, ents[e], &srec);
		incoming_rec(d, it, e, &irec);
		bool linked = false;
		rec add;
		if (e == EU && strcmp(it->matched_on, "source_id") != 0 &&
		    (rec_init(&add, &REC_USER, d->scratch),
		     ids_to_add(&srec, &irec, &add))) {
			/* a link only where identifiers are new: a second run
			 * with the same mapping table changes nothing */
			op_begin(o, "link", e, st->id);
			rec_write_field(o->w, &add, U_IDS);
			nd_str(o->w, "matched_on", it->matched_on);
			op_end(o);
			count(o, C_LINK, it);
			linked = true;
		}
		if (e == EU && st->deleted) {
			op_begin(o, "restore", e, st->id);
			op_end(o);
			count(o, C_RESTORE, it);
		}
		emit_update(o, e, st->id, &srec, &irec, linked,
			    e == EU ? it : NULL);
	}
}

/* Enrollments: creates and (role or source) updates, in incoming order. */
static void emit_enrollment_changes(struct out *o)
{
	diff *d = o->d;
	for (uint32_t i = 0; i < d->ein.n; i++) {
		const struct enr *it = &d->ein.v[i];
		const struct enr *st = it->match != NONE ? &d->est.v[it->match] : NULL;
		if (it->tobedeleted || it->dropped || !dr_enr_in_scope(d, it, st))
			continue;
		/* matched on section and user, so the rest is these two */
		if (st && it->source == st->source && it->role == st->role)
			continue;
		arena_reset(d->scratch);
		rec irec, srec;
		enr_rec(d, it, &irec);
		if (!st) {
			write_create(o, EE, &irec, NULL);
			continue;
		}
		enr_rec(d, st, &srec);
		emit_update(o, EE, st->id, &srec, &irec, false, NULL);
	}
}

/* Whether the feed is a full one for entity e: absent records are gone. */
static bool full_feed(diff *d, int e)
{
	return d->mode_known[e] ? d->bulk[e] : in_count(d, e) > 0;
}

/* The feed's source: the header's, or that of its first record of e. */
static const char *feed_source(diff *d, int e)
{
	if (d->in_source)
		return d->in_source;
	if (e == EE)
		return d->ein.n && d->ein.v[0].source != NONE
			       ? strtab_str(d->vals, d->ein.v[0].source) : NULL;
	return d->in[e].n ? d->in[e].v[0].source : NULL;
}

static bool from_feed_source(diff *d, const struct item *st, int e)
{
	const char *src = feed_source(d, e);
	if (!src)
		return false;
	if (st->source && strcmp(st->source, src) == 0)
		return true;
	if (e != EU)
		return false;
	/* a user linked to the feed's source holds an identifier of it */
	arena_reset(d->scratch);
	rec r;
	unpack(d, st->rec, &REC_USER, &r);
	return rec_map_get(&r, U_IDS, src) != NULL;
}

/* Whether a stored school is one the feed holds (its incoming counterpart
 * matched it). */
static bool school_taken_over(diff *d, const char *school)
{
	const struct item *s = school ? dr_state_of(d, ES, school) : NULL;
	return s && s->match != NONE;
}

/*
 * --migrate: a record of another source in a school the feed holds is the
 * feed's source's to keep or retire: the migration finishes in one plan,
 * and a sync after it finds nothing of the old source there. A user is
 * taken over when every school of theirs is, a term when every stored
 * section naming it is (terms_taken_over).
 */
static bool taken_over(diff *d, const struct item *st, int e)
{
	if (!d->o.migrate)
		return false;
	if (e == EC)
		return school_taken_over(d, st->school);
	if (e == EU) {
		/* every school of the user's: one the old source still serves
		 * keeps the user it has there */
		for (uint32_t k = 0; k < st->nrefs; k++)
			if (!school_taken_over(d, st->refs[k]))
				return false;
		return st->nrefs > 0;
	}
	return false;
}

/* What decides whether a stored term is taken over, gathered in one pass
 * over the stored sections (not one a term: 5,000 terms and 50,000
 * sections made 250 million steps): the terms a section outside the
 * schools taken over names (by hash: a collision keeps a term, never
 * deletes one), and the sources of the sections taken over. */
struct terms_taken {
	idset *named_outside;
	const char **sources;
	size_t nsources;
};

static void terms_taken_over(diff *d, struct terms_taken *t)
{
	*t = (struct terms_taken){.named_outside = idset_new()};
	for (uint32_t i = 0; i < d->state[EC].n; i++) {
		const struct item *sec = &d->state[EC].v[i];
		if (!taken_over(d, sec, EC)) {
			for (uint32_t k = 0; k < sec->nrefs; k++)
				idset_put(t->named_outside, id_hash_str(sec->refs[k]), 0, NULL);
			continue;
		}
		if (!sec->source)
			continue;
		size_t j = 0;
		while (j < t->nsources && strcmp(t->sources[j], sec->source) != 0)
			j++;
		if (j == t->nsources) {
			t->sources = xrealloc(t->sources, (j + 1) * sizeof *t->sources);
			t->sources[t->nsources++] = sec->source;
		}
	}
}

/* A term no section outside the schools taken over names, of a source
 * that some taken-over section was of. */
static bool term_taken_over(const struct terms_taken *t, const struct item *term)
{
	if (!term->source || idset_get(t->named_outside, id_hash_str(term->id), NULL))
		return false;
	for (size_t j = 0; j < t->nsources; j++)
		if (strcmp(t->sources[j], term->source) == 0)
			return true;
	return false;
}

/* Records the feed no longer holds (full feeds) or marks tobedeleted. */
static void emit_removals(struct out *o, int e)
{
	diff *d = o->d;
	for (uint32_t i = 0; i < d->in[e].n; i++) {
		const struct item *it = &d->in[e].v[i];
		const struct item *st = it->match != NONE ? &d->state[e].v[it->match]
							  : NULL;
		if (it->tobedeleted && st && !st->deleted && !st->hands_off &&
		    dr_in_scope(d, e, it, st))
			emit_removal(o, e, st->id, "tobedeleted", e == EU ? st : NULL);
	}
	if (!full_feed(d, e) || (d->o.school && e == ET))
		return;
	struct terms_taken terms = {0};
	if (e == ET && d->o.migrate)
		terms_taken_over(d, &terms);
	for (uint32_t i = 0; i < d->state[e].n; i++) {
		const struct item *st = &d->state[e].v[i];
		if (st->match != NONE || st->deleted || st->hands_off ||
		    st->protect || !dr_in_scope(d, e, NULL, st))
			continue;
		bool over = e == ET ? d->o.migrate && term_taken_over(&terms, st)
				    : taken_over(d, st, e);
		if (!from_feed_source(d, st, e) && !over)
			continue;
		emit_removal(o, e, st->id, "absent_from_source",
			     e == EU ? st : NULL);
	}
	idset_free(terms.named_outside);
	free(terms.sources);
}

static void emit_enrollment_removals(struct out *o)
{
	diff *d = o->d;
	for (uint32_t i = 0; i < d->ein.n; i++) {
		const struct enr *it = &d->ein.v[i];
		const struct enr *st = it->match != NONE ? &d->est.v[it->match] : NULL;
		if (it->tobedeleted && st && dr_enr_in_scope(d, it, st))
			emit_removal(o, EE, st->id, "tobedeleted", NULL);
	}
	if (!full_feed(d, EE))
		return;
	const char *src = feed_source(d, EE);
	uint32_t s = src ? strtab_find(d->vals, src, strlen(src)) : NONE;
	if (s == NONE && !d->o.migrate)
		return; /* no stored enrollment is of the feed's source */
	for (uint32_t i = 0; i < d->est.n; i++) {
		const struct enr *st = &d->est.v[i];
		if (st->match != NONE || !dr_enr_in_scope(d, NULL, st) ||
		    dr_enr_held(d, st))
			continue;
		if (st->source != s) {
			const struct item *sec = d->o.migrate
				? dr_state_of(d, EC, strtab_str(d->sec_refs, st->section))
				: NULL;
			if (!sec || !taken_over(d, sec, EC))
				continue;
		}
		emit_removal(o, EE, st->id, "absent_from_source", NULL);
	}
}

static void emit_conflicts(diff *d, nd_writer *w)
{
	for (uint32_t i = 0; i < d->in[EU].n; i++) {
		const struct item *u = &d->in[EU].v[i];
		if (!u->conflict)
			continue;
		arena_reset(d->scratch);
		nd_begin(w);
		nd_str(w, "type", "conflict");
		nd_str(w, "entity", "user");
		nd_str(w, "source", u->source);
		nd_str(w, "source_id", u->source_id);
		nd_arr(w, "candidates");
		const char *on = u->matched_on ? u->matched_on : "source_id";
		size_t nc;
		uint32_t *cand = dr_candidates(d, u, &nc);
		for (size_t c = 0; c < nc; c++)
			nd_str(w, NULL, d->state[EU].v[cand[c]].id);
		free(cand);
		nd_close(w);
		nd_str(w, "matched_on", on);
		nd_str(w, "contradicts", u->contradicts);
		nd_end(w);
	}
}

int diff_write_plan(diff *d, nd_writer *w)
{
	dr_match_all(d);
	dr_report_paused(d);
	/* matching found bad records (a user twice in the feed): no plan at
	 * all, unless they are to be skipped (--keep-going) */
	if (rp_error_count() && !rp_policy.keep_going)
		return 0;

	static const char *const ops[] = {"create", "update", "link", "restore",
					  "soft_delete", "delete", "conflict",
					  NULL};
	struct out o = {.d = d, .pw = pw_new(d->base_version, "diff-roster", ops)};
	pw_set_store(o.pw, d->store_id);
	long held[EN] = {0};
	dr_apply_held(d, held);
	for (int e = 0; e < EN; e++)
		if (held[e])
			pw_held(o.pw, ents[e]->type, held[e]);
	emit_changes(&o, ES);
	emit_changes(&o, ET);
	emit_changes(&o, EC);
	emit_changes(&o, EU);
	emit_enrollment_changes(&o);
	emit_enrollment_removals(&o);
	emit_removals(&o, EC);
	emit_removals(&o, ET);
	emit_removals(&o, EU);
	for (long i = 0; i < d->conflicts; i++)
		pw_count(o.pw, "conflict", NULL, 0);
	int rc = pw_finish(o.pw, w);
	emit_conflicts(d, w);
	return rc;
}
