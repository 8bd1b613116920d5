/* apply's checking pass: each operation against the store as it is, before
 * anything is written (stale records, archives of deleted appointments,
 * creates already there), counting what each school would lose. */
#include "apply_int.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "idset.h"
#include "summer/summer.h"
#include "xalloc.h"

/* ---- checking pass ----------------------------------------------------- */

struct school_count *ap_school_count(struct run *r, const char *id)
{
	uint64_t key = id_hash_str(id);
	uint32_t at;
	if (!r->school_index)
		r->school_index = idset_new();
	if (idset_get(r->school_index, key, &at) &&
	    strcmp(r->schools[at].id, id) == 0)
		return &r->schools[at];
	for (size_t i = 0; i < r->nschools; i++) /* a hash collision */
		if (strcmp(r->schools[i].id, id) == 0)
			return &r->schools[i];
	if (r->nschools == r->schools_cap) {
		r->schools_cap = r->schools_cap ? r->schools_cap * 2 : 16;
		r->schools = xrealloc(r->schools,
				      r->schools_cap * sizeof *r->schools);
	}
	struct school_count *c = &r->schools[r->nschools++];
	memset(c, 0, sizeof *c);
	c->id = xstrdup(id);
	idset_put(r->school_index, key, (uint32_t)(r->nschools - 1), NULL);
	return c;
}

/* Counts an operation against every school the user belongs to. */
static void count_for_schools(struct run *r, const rec *user, enum op_kind k)
{
	const struct rec_val *v = &user->v[U_SCHOOL_IDS];
	for (size_t i = 0; i < (v->n ? v->n : 1); i++) {
		struct school_count *c = ap_school_count(r, v->n ? v->items[i] : "-");
		c->ops++;
		c->taken.soft += k == OP_SOFT_DELETE;
		c->taken.hard += k == OP_HARD_DELETE;
	}
}

/*
 * The school of a section, and whether every term it runs in ended before
 * the plan's date (a rollover removes last year's classes by design: those
 * do not count against the guard). Read once a section.
 */
static struct school_count *section_school(struct run *r, const char *section,
					   bool *ended)
{
	long long n;
	uint32_t known;
	*ended = false;
	if (store_entity_of_id(section, &n) != &REC_SECTION)
		return NULL;
	if (!r->section_school)
		r->section_school = idset_new();
	if (idset_get(r->section_school, (uint64_t)n, &known)) {
		*ended = known & 1;
		return &r->schools[known >> 1];
	}
	rec sec = {.arena = r->arena}, term = {.arena = r->arena};
	if (store_load(r->s, &REC_SECTION, n, &sec, NULL) != 1)
		return NULL; /* reported by the operation's own check */
	const struct rec_val *terms = &sec.v[C_TERM_IDS];
	*ended = terms->n > 0;
	for (size_t i = 0; i < terms->n && *ended; i++) {
		long long t;
		const char *end = NULL;
		if (store_entity_of_id(terms->items[i], &t) == &REC_TERM &&
		    store_load(r->s, &REC_TERM, t, &term, NULL) == 1)
			end = rec_str(&term, T_END_DATE);
		*ended = end && strcmp(end, r->today) < 0;
	}
	const char *school = rec_str(&sec, C_SCHOOL_ID);
	struct school_count *c = ap_school_count(r, school ? school : "-");
	idset_put(r->section_school, (uint64_t)n,
		  (uint32_t)((c - r->schools) * 2 + *ended), NULL);
	return c;
}

/* A section, or an enrollment in a section, that a plan deletes. */
static void count_roster_delete(struct run *r, const struct op *op,
				const rec *cur)
{
	bool ended;
	const char *section = op->ent == &REC_SECTION ? op->id
						       : rec_str(cur, E_SECTION_ID);
	struct school_count *c = section ? section_school(r, section, &ended)
					 : ap_school_count(r, "-");
	if (!c || (section && ended))
		return;
	if (!r->enrollments_lost)
		r->enrollments_lost = idset_new();
	if (op->ent == &REC_ENROLLMENT) {
		c->taken.enrollments_deleted +=
			idset_put(r->enrollments_lost, (uint64_t)op->n, 0, NULL);
		return;
	}
	c->taken.sections_deleted++;
	/* enrollments the plan created in it go with it: they offset nothing */
	uint32_t made;
	if (r->made_in_section && idset_get(r->made_in_section, (uint64_t)op->n, &made)) {
		c->taken.enrollments_created -= made;
		idset_set(r->made_in_section, (uint64_t)op->n, 0);
	}
	/* its enrollments go with it (execute.c removes them): those the plan
	 * has not deleted one by one count as deleted too */
	long long *ns;
	size_t count;
	if (store_enrollments_of(r->s, E_SECTION_ID, op->id, &ns, &count) != 0) {
		ap_bad(r, RP_EXIT_IO, "%s", store_errmsg(r->s));
		return;
	}
	for (size_t i = 0; i < count; i++)
		c->taken.enrollments_deleted +=
			idset_put(r->enrollments_lost, (uint64_t)ns[i], 0, NULL);
	free(ns);
}

/*
 * A section or enrollment the plan creates, counted against the losses of
 * its school: a migration retires the old source's classes and creates the
 * new source's in one plan, and loses nothing. The school of a section the
 * plan creates is remembered by how the plan names it (SOURCE:SOURCE_ID).
 */
static void count_roster_create(struct run *r, const struct op *op,
				const rec *next)
{
	struct school_count *c = NULL;
	if (op->ent == &REC_SECTION) {
		const char *school = rec_str(next, C_SCHOOL_ID);
		c = ap_school_count(r, school ? school : "-");
		c->taken.sections_created++;
		const char *source = rec_str(next, C_SOURCE), *sid = rec_str(next, C_SOURCE_ID);
		if (source && sid) {
			char ref[512];
			snprintf(ref, sizeof ref, "%s:%s", source, sid);
			if (!r->created_sections)
				r->created_sections = idset_new();
			idset_set(r->created_sections, id_hash_str(ref),
				  (uint32_t)(c - r->schools));
		}
		return;
	}
	const char *section = rec_str(next, E_SECTION_ID), *user = rec_str(next, E_USER_ID);
	uint32_t at;
	bool ended = false; /* a section the plan creates has not ended */
	if (!section || !user)
		return;
	if (strchr(section, ':') && r->created_sections &&
	    idset_get(r->created_sections, id_hash_str(section), &at))
		c = &r->schools[at];
	else if (!strchr(section, ':'))
		c = section_school(r, section, &ended);
	/* a class whose terms all ended counts neither way: its enrollments
	 * deleted are no loss, so those created offset none */
	if (!c || ended)
		return;
	/* one user in one section offsets one loss, however often created */
	if (!r->enrollments_made)
		r->enrollments_made = idset_new();
	if (!idset_put(r->enrollments_made, guard_enrollment_key(section, user), 0, NULL))
		return;
	c->taken.enrollments_created++;
	long long n;
	if (store_entity_of_id(section, &n) == &REC_SECTION) {
		/* taken back if the plan deletes the section too */
		uint32_t made = 0;
		if (!r->made_in_section)
			r->made_in_section = idset_new();
		idset_get(r->made_in_section, (uint64_t)n, &made);
		idset_set(r->made_in_section, (uint64_t)n, made + 1);
	}
}

static bool has_item(const struct rec_val *v, const char *s)
{
	for (size_t i = 0; i < v->n; i++)
		if (strcmp(v->items[i], s) == 0)
			return true;
	return false;
}

/* What an update takes from a user: values cleared, schools left. */
static void count_losses(struct run *r, const rec *cur, const rec *next)
{
	const struct rec_val *was = &cur->v[U_SCHOOL_IDS];
	for (size_t i = 0; i < was->n; i++)
		if (!has_item(&next->v[U_SCHOOL_IDS], was->items[i]))
			ap_school_count(r, was->items[i])->taken.moved_out++;
	for (int f = 0; f < REC_USER.nfields; f++) {
		enum rec_kind kind = REC_USER.fields[f].kind;
		bool cleared = kind == K_STR ? rec_str(cur, f) && !rec_str(next, f)
			       /* a list or map emptied: every identifier */
			       : (kind == K_LIST || kind == K_MAP) && f != U_SCHOOL_IDS &&
					 cur->v[f].n > 0 && next->v[f].n == 0;
		if (!cleared)
			continue;
		for (size_t i = 0; i < (was->n ? was->n : 1); i++)
			ap_school_count(r, was->n ? was->items[i] : "-")->taken.cleared[f]++;
	}
}

static bool same_as_was(const rec *cur, const cJSON *was, rec *scratch)
{
	for (const cJSON *j = was ? was->child : NULL; j; j = j->next) {
		int f = rec_field_index(cur->ent, j->string);
		if (f < 0)
			continue;
		rec_init(scratch, cur->ent, scratch->arena);
		if (rec_field_from_json(scratch, f, j) ||
		    !rec_field_equal(cur, scratch, f))
			return false;
	}
	return true;
}

static int collect_id(void *ctx, const char *line, size_t len)
{
	cJSON *o = cJSON_ParseWithLength(line, len);
	const char *id = o ? nd_get_str(o, "id") : NULL;
	if (id)
		idset_put(ctx, id_hash_str(id), 0, NULL);
	cJSON_Delete(o);
	return 0;
}

/* An archive as it is on disk now: read once per plan. */
static const struct archive_seen *archive_seen(struct run *r, const char *path)
{
	for (size_t i = 0; i < r->narchives; i++)
		if (strcmp(r->archives[i].path, path) == 0)
			return &r->archives[i];
	r->archives = xrealloc(r->archives,
			       (r->narchives + 1) * sizeof *r->archives);
	struct archive_seen *a = &r->archives[r->narchives++];
	char why[256];
	a->path = xstrdup(path);
	a->ids = idset_new();
	if (archive_sha256(path, a->sha) != 0 ||
	    archive_each_line(path, collect_id, a->ids, why) != 0)
		a->sha[0] = '\0';
	return a;
}

/* A deleted appointment must be in an archive that is there and whole. */
static void check_archive(struct run *r, const struct op *op)
{
	if (!op->archive || !op->archive_sha) {
		ap_bad(r, RP_EXIT_DATA, "archive: deleting an appointment takes its "
				     "archive and archive_sha256");
		return;
	}
	const struct archive_seen *a = archive_seen(r, op->archive);
	if (!a->sha[0])
		ap_bad(r, RP_EXIT_GUARD, "archive %s is missing or unreadable; "
				      "appointment %s not deleted", op->archive, op->id);
	else if (strcmp(a->sha, op->archive_sha) != 0)
		ap_bad(r, RP_EXIT_GUARD, "archive %s does not match its archive_sha256 "
				      "(corrupted or replaced)", op->archive);
	else if (!idset_get(a->ids, id_hash_str(op->id), NULL))
		ap_bad(r, RP_EXIT_GUARD, "appointment %s is not in archive %s", op->id,
		    op->archive);
}

/* Whether the entity's table was empty when first asked in this run: a
 * plan creating a whole district then needs no look-up per record. */
bool ap_table_empty(struct run *r, const struct rec_entity *e)
{
	signed char *known = &r->empty[ap_entity_slot(e)];
	if (*known == 0) {
		int got = store_is_empty(r->s, e);
		if (got < 0)
			ap_bad(r, RP_EXIT_IO, "%s", store_errmsg(r->s));
		*known = got == 1 ? 1 : 2;
	}
	return *known == 1;
}

/* The key of a stored record in r->gone. */
static uint64_t gone_key(const struct rec_entity *e, long long n)
{
	return ((uint64_t)n << 3) | (uint64_t)ap_entity_slot(e);
}

static bool gone(struct run *r, const struct rec_entity *e, const char *id,
		 uint32_t *line)
{
	long long n;
	return id && r->gone && store_entity_of_id(id, &n) == e &&
	       idset_get(r->gone, gone_key(e, n), line);
}

/*
 * An operation on a record that an earlier operation of the same plan
 * deletes (an enrollment whose section or user it deletes, too) is a
 * mistake in the plan, found before anything is written. Records that this
 * operation deletes are noted for the ones after it.
 */
static bool deleted_before(struct run *r, const struct op *op, const rec *cur)
{
	uint32_t line;
	const char *why = NULL;
	if (gone(r, op->ent, op->id, &line))
		why = op->id;
	else if (op->ent == &REC_ENROLLMENT &&
		 (gone(r, &REC_SECTION, rec_str(cur, E_SECTION_ID), &line) ||
		  gone(r, &REC_USER, rec_str(cur, E_USER_ID), &line)))
		why = "its section or user";
	if (why) {
		ap_bad(r, RP_EXIT_DATA, "id: %s %s: the operation at line %u of this "
					"plan deletes %s already",
		       op->ent->type, op->id, line, why);
		return true;
	}
	if (op->kind == OP_DELETE || op->kind == OP_HARD_DELETE) {
		if (!r->gone)
			r->gone = idset_new();
		idset_put(r->gone, gone_key(op->ent, op->n), (uint32_t)r->line, NULL);
	}
	return false;
}

/* update changes a record's values, never its state (deleted_at, the
 * flags): deletions go through soft_delete and restore, flags through set;
 * set changes flags only. */
static bool fields_allowed(struct run *r, const struct op *op)
{
	for (const cJSON *j = op->set->child; j; j = j->next) {
		int f = rec_field_index(op->ent, j->string);
		if (f <= 0)
			continue; /* reported by ap_apply_set */
		const struct rec_field *fd = &op->ent->fields[f];
		bool flag = (fd->flags & RF_STATE) && fd->kind == K_BOOL;
		if (op->kind == OP_UPDATE && (fd->flags & RF_STATE)) {
			ap_bad(r, RP_EXIT_DATA, "set: %s is state, not a value an update "
						"changes (%s)", fd->name,
			       flag ? "set changes flags" : "soft_delete and restore");
			return false;
		}
		if (op->kind == OP_SET && !flag) {
			ap_bad(r, RP_EXIT_DATA, "set: %s is not a flag; set changes only "
						"flags, update changes values", fd->name);
			return false;
		}
	}
	return true;
}

/* What identifies a record, and what it refers to: a record is created
 * with them and no update clears them (SPEC: a record whose identity, role
 * or references are wrong is rejected). A user made by hand (manual) comes
 * from no source, and needs none; cur is NULL for a create. */
static bool has_required(struct run *r, const struct op *op, const rec *cur,
			 const rec *next)
{
	if (!cur && op->ent == &REC_USER && next->v[U_MANUAL].b == 1)
		return true;
	static const struct {
		const struct rec_entity *ent;
		const char *fields[4];
	} required[] = {
		{&REC_SCHOOL, {"source", "source_id"}},
		{&REC_TERM, {"source", "source_id"}},
		{&REC_SECTION, {"source", "source_id"}},
		{&REC_ENROLLMENT, {"source", "section_id", "user_id", "role"}},
		{&REC_USER, {"source", "source_id", "role"}},
	};
	for (size_t i = 0; i < sizeof required / sizeof *required; i++) {
		if (required[i].ent != op->ent)
			continue;
		for (int k = 0; k < 4 && required[i].fields[k]; k++) {
			const char *field = required[i].fields[k];
			int f = rec_field_index(op->ent, field);
			const char *v = rec_str(next, f), *had = cur ? rec_str(cur, f) : NULL;
			if ((v && *v) || (cur && !(had && *had)))
				continue; /* there, or an update that clears nothing */
			if (op->kind == OP_CREATE)
				ap_bad(r, RP_EXIT_DATA, "data: a new %s needs its %s",
				       op->ent->type, field);
			else
				ap_bad(r, RP_EXIT_DATA, "set: %s of %s %s cannot be cleared",
				       field, op->ent->type, op->id);
			return false;
		}
	}
	return true;
}

void ap_check_op(struct run *r, const struct op *op)
{
	rec cur = {.arena = r->arena}, next = {.arena = r->arena};
	if (op->kind == OP_CREATE) {
		rec_init(&next, op->ent, r->arena);
		const char *why = op->rec ? NULL : rec_from_json(&next, op->data);
		if (op->rec)
			next = *op->rec;
		if (why) {
			ap_bad(r, RP_EXIT_DATA, "data: %s", why);
			return;
		}
		if (!has_required(r, op, NULL, &next))
			return;
		const char *source = rec_str(&next, 1), *sid = NULL;
		int f_sid = rec_field_index(op->ent, "source_id");
		if (f_sid >= 0)
			sid = rec_str(&next, f_sid);
		if (source && sid && op->ent != &REC_APPOINTMENT) {
			long long n = ap_table_empty(r, op->ent)
					      ? 0
					      : store_find_source(r->s, op->ent,
								  source, sid);
			if (n < 0)
				ap_bad(r, RP_EXIT_IO, "%s", store_errmsg(r->s));
			else if (n)
				ap_stale(r, "%s %s:%s is already in the store as %c%lld",
					 op->ent->type, source, sid,
					 store_id_letter(op->ent), n);
			uint32_t first;
			if (!idset_put(r->created, ap_source_key(op->ent, source, sid),
				       (uint32_t)r->line, &first))
				ap_bad(r, RP_EXIT_DATA,
				       "data: %s %s:%s is created twice in this plan "
				       "(first at line %u)",
				       op->ent->type, source, sid, first);
		}
		ap_resolve_refs(r, &next, false);
		if (op->ent == &REC_USER)
			count_for_schools(r, &next, op->kind);
		if (op->ent == &REC_SECTION || op->ent == &REC_ENROLLMENT)
			count_roster_create(r, op, &next);
		return;
	}
	long long version;
	int got = store_load(r->s, op->ent, op->n, &cur, &version);
	if (got < 0) {
		ap_bad(r, RP_EXIT_IO, "%s", store_errmsg(r->s));
		return;
	}
	if (got == 0) {
		ap_stale(r, "%s %s is no longer in the store", op->ent->type,
			 op->id);
		return;
	}
	if (version > r->base && !(r->undone_at && version == r->undone_at)) {
		ap_stale(r, "%s %s changed at version %lld, after the plan's base "
			    "version %lld",
			 op->ent->type, op->id, version, r->base);
		return;
	}
	if (deleted_before(r, op, &cur))
		return;
	if (op->set && !fields_allowed(r, op))
		return;
	if (op->kind == OP_DELETE && op->ent == &REC_APPOINTMENT)
		check_archive(r, op);
	rec scratch = {.arena = r->arena};
	if (op->was && !same_as_was(&cur, op->was, &scratch)) {
		ap_stale(r, "%s %s no longer holds the plan's \"was\" values",
			 op->ent->type, op->id);
		return;
	}
	if (op->set) {
		next = cur;
		if (ap_apply_set(r, &next, op->set) && has_required(r, op, &cur, &next) &&
		    ap_resolve_refs(r, &next, false) && op->ent == &REC_USER &&
		    op->kind == OP_UPDATE)
			count_losses(r, &cur, &next);
	}
	if (op->kind == OP_DELETE &&
	    (op->ent == &REC_SECTION || op->ent == &REC_ENROLLMENT))
		count_roster_delete(r, op, &cur);
	if (op->ids)
		for (const cJSON *j = op->ids->child; j; j = j->next)
			if (!cJSON_IsString(j))
				ap_bad(r, RP_EXIT_DATA, "ids: %s must be a string",
				    j->string);
	if (op->ent == &REC_USER)
		count_for_schools(r, &cur, op->kind);
}
