#include "apply.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "summer/archive.h"
#include "clock.h"
#include "crash.h"
#include "err.h"
#include "idset.h"
#include "plan.h"
#include "packrec.h"
#include "xalloc.h"

/* ---- one operation ----------------------------------------------------- */

enum op_kind { OP_CREATE, OP_UPDATE, OP_SET, OP_LINK, OP_SOFT_DELETE,
	       OP_RESTORE, OP_HARD_DELETE, OP_DELETE, OP_COUNT };

static const char *const op_names[OP_COUNT] = {
	"create", "update", "set", "link", "soft_delete", "restore",
	"hard_delete", "delete",
};

struct op {
	enum op_kind kind;
	const struct rec_entity *ent;
	const char *id; /* NULL for create */
	long long n;
	const cJSON *data, *set, *was, *ids;
	const char *archive, *archive_sha; /* a deleted appointment's backup */
	const rec *rec; /* a create's data, read from the spool (or NULL) */
};

/* Everything about the plan being applied. */
struct run {
	store *s;
	const struct apply_opts *o;
	const char *file;
	long line;	     /* of the operation being looked at */
	long long base;	     /* base_version */
	long long version;   /* the version this plan writes */
	int verdict;	     /* worst exit status found so far */
	rp_arena *arena;
	nd_writer *mem;	     /* before-images */
	idset *created;	     /* entity, source, source_id of this plan's creates */
	idset *resolved;     /* references already resolved: hash -> n */
	bool executing;	     /* in the applying pass */
	signed char empty[6]; /* entity table empty at the check: 0 unknown, 1, 2 no */
	long counts[OP_COUNT][6];
	struct archive_seen {
		char *path;
		char sha[65]; /* empty when unreadable */
		idset *ids;
	} *archives;
	size_t narchives;
	struct school_count {
		char *id;
		long soft, hard, ops;
	} *schools;
	size_t nschools, schools_cap;
	idset *school_index; /* hash of a school id -> its index in schools */
};

static void bad(struct run *r, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void bad(struct run *r, int status, const char *fmt, ...)
{
	struct rp_loc loc = {.file = r->file, .line = r->line,
			     .code = status == RP_EXIT_GUARD ? "stale" : "bad_plan"};
	va_list ap;
	va_start(ap, fmt);
	if (status == RP_EXIT_DATA) {
		rp_verror(&loc, fmt, ap);
	} else {
		char msg[512];
		vsnprintf(msg, sizeof msg, fmt, ap);
		rp_warnx("%s:%ld: %s", r->file, r->line, msg);
	}
	va_end(ap);
	/* bad data outranks a refusal: the plan must be mended either way */
	if (r->verdict == 0 || status == RP_EXIT_DATA)
		r->verdict = status;
}

static int op_kind_of(const char *name)
{
	for (int k = 0; k < OP_COUNT; k++)
		if (strcmp(op_names[k], name) == 0)
			return k;
	return -1;
}

static int entity_slot(const struct rec_entity *e)
{
	const struct rec_entity *all[] = {&REC_SCHOOL, &REC_TERM, &REC_SECTION,
					  &REC_ENROLLMENT, &REC_USER,
					  &REC_APPOINTMENT};
	for (int i = 0; i < 6; i++)
		if (all[i] == e)
			return i;
	return 0;
}

static bool allowed(enum op_kind k, const struct rec_entity *e)
{
	switch (k) {
	case OP_LINK:
	case OP_SOFT_DELETE:
	case OP_RESTORE:
	case OP_HARD_DELETE:
		return e == &REC_USER;
	case OP_DELETE:
		return e != &REC_SCHOOL && e != &REC_USER;
	default:
		return true;
	}
}

static bool parse_op(struct run *r, const cJSON *o, struct op *op)
{
	const char *name = nd_get_str(o, "op"), *entity = nd_get_str(o, "entity");
	int k = name ? op_kind_of(name) : -1;
	memset(op, 0, sizeof *op);
	if (k < 0) {
		bad(r, RP_EXIT_DATA, "op: unknown operation \"%s\"", name ? name : "");
		return false;
	}
	op->kind = (enum op_kind)k;
	op->ent = entity ? rec_entity_of(entity) : NULL;
	if (!op->ent) {
		bad(r, RP_EXIT_DATA, "entity: unknown entity \"%s\"",
		    entity ? entity : "");
		return false;
	}
	if (!allowed(op->kind, op->ent)) {
		bad(r, RP_EXIT_DATA, "op: %s does not apply to a %s", name, entity);
		return false;
	}
	op->data = nd_get_obj(o, "data");
	op->set = nd_get_obj(o, "set");
	op->was = nd_get_obj(o, "was");
	op->ids = nd_get_obj(o, "ids");
	op->archive = nd_get_str(o, "archive");
	op->archive_sha = nd_get_str(o, "archive_sha256");
	if (op->kind == OP_CREATE) {
		if (!op->data) {
			bad(r, RP_EXIT_DATA, "data: a create needs a data object");
			return false;
		}
		return true;
	}
	op->id = nd_get_str(o, "id");
	if (!op->id || store_entity_of_id(op->id, &op->n) != op->ent) {
		bad(r, RP_EXIT_DATA, "id: not a %s id: \"%s\"", entity,
		    op->id ? op->id : "");
		return false;
	}
	if ((op->kind == OP_UPDATE || op->kind == OP_SET) && !op->set) {
		bad(r, RP_EXIT_DATA, "set: an %s needs a set object", name);
		return false;
	}
	if (op->kind == OP_LINK && !op->ids) {
		bad(r, RP_EXIT_DATA, "ids: a link needs an ids object");
		return false;
	}
	return true;
}

/* ---- references -------------------------------------------------------- */

static uint64_t source_key(const struct rec_entity *e, const char *source,
			   const char *source_id)
{
	char buf[512];
	int n = snprintf(buf, sizeof buf, "%s\x1f%s\x1f%s", e->type, source,
			 source_id);
	return id_hash(buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
}

/*
 * A reference is a store id ("s1") or SOURCE:SOURCE_ID, the form diff-roster
 * writes for a record created earlier in the same plan. Writes the store id
 * into out; returns 1, 0 when it names nothing (yet: *pending set when it
 * names a record this plan creates), -1 when it is not a reference at all.
 */
static int resolve(struct run *r, const struct rec_entity *target,
		   const char *ref, char out[32], bool *pending)
{
	long long n;
	const char *colon = strchr(ref, ':');
	uint32_t known;
	*pending = false;
	/* a plan names the same schools and sections again and again; 0
	 * stands for a record this plan creates, in the checking pass */
	uint64_t key = (id_hash_str(ref) ^ (uint64_t)(uintptr_t)target) | 1;
	if (idset_get(r->resolved, key, &known)) {
		if (known) {
			snprintf(out, 32, "%c%u", store_id_letter(target), known);
			return 1;
		}
		if (!r->executing) {
			*pending = true;
			return 0;
		}
	}
	if (!colon) {
		if (store_entity_of_id(ref, &n) != target)
			return -1;
		if (store_exists(r->s, target, n) != 1)
			return 0;
		snprintf(out, 32, "%s", ref);
		if (n <= UINT32_MAX)
			idset_set(r->resolved, key, (uint32_t)n);
		return 1;
	}
	char source[64];
	snprintf(source, sizeof source, "%.*s", (int)(colon - ref), ref);
	/* a record this plan creates: its create was checked against the
	 * store already, so no look-up (the applying pass finds it cached) */
	if (!r->executing &&
	    idset_get(r->created, source_key(target, source, colon + 1), NULL)) {
		*pending = true;
		idset_put(r->resolved, key, 0, NULL);
		return 0;
	}
	n = store_find_source(r->s, target, source, colon + 1);
	if (n) {
		snprintf(out, 32, "%c%lld", store_id_letter(target), n);
		if (n <= UINT32_MAX)
			idset_set(r->resolved, key, (uint32_t)n);
		return 1;
	}
	*pending = idset_get(r->created, source_key(target, source, colon + 1),
			     NULL);
	return 0;
}

/* Rewrites the reference fields of rec to store ids. In the checking pass
 * (execute false) a reference to a record this plan creates is accepted. */
static bool resolve_refs(struct run *x, rec *rr, bool execute)
{
	for (int f = 0; f < rr->ent->nfields; f++) {
		const struct rec_entity *target = rec_ref_target(rr->ent, f);
		if (!target)
			continue;
		struct rec_val *v = &rr->v[f];
		const char **items = rr->ent->fields[f].kind == K_LIST ? v->items
									: &v->s;
		size_t count = rr->ent->fields[f].kind == K_LIST ? v->n : v->s != NULL;
		for (size_t i = 0; i < count; i++) {
			char id[32];
			bool pending;
			int got = resolve(x, target, items[i], id, &pending);
			if (got == 1) {
				items[i] = arena_strdup(rr->arena, id);
			} else if (!(got == 0 && pending && !execute)) {
				bad(x, RP_EXIT_DATA, "%s: %s \"%s\" is not in the store",
				    rr->ent->fields[f].name, target->type, items[i]);
				return false;
			}
		}
	}
	return true;
}

/* ---- checking pass ----------------------------------------------------- */

static struct school_count *school_count(struct run *r, const char *id)
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
		struct school_count *c = school_count(r, v->n ? v->items[i] : "-");
		c->ops++;
		c->soft += k == OP_SOFT_DELETE;
		c->hard += k == OP_HARD_DELETE;
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

/* Applies a set object to rr; false (reported) on an unknown or ill-typed
 * field. */
static bool apply_set(struct run *r, rec *rr, const cJSON *set)
{
	for (const cJSON *j = set->child; j; j = j->next) {
		int f = rec_field_index(rr->ent, j->string);
		if (f <= 0) { /* 0 is the id */
			bad(r, RP_EXIT_DATA, "set: %s has no field \"%s\"",
			    rr->ent->type, j->string);
			return false;
		}
		const char *why = rec_field_from_json(rr, f, j);
		if (why) {
			bad(r, RP_EXIT_DATA, "set: %s", why);
			return false;
		}
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
		bad(r, RP_EXIT_DATA, "archive: deleting an appointment takes its "
				     "archive and archive_sha256");
		return;
	}
	const struct archive_seen *a = archive_seen(r, op->archive);
	if (!a->sha[0])
		bad(r, RP_EXIT_GUARD, "archive %s is missing or unreadable; "
				      "appointment %s not deleted", op->archive, op->id);
	else if (strcmp(a->sha, op->archive_sha) != 0)
		bad(r, RP_EXIT_GUARD, "archive %s does not match its archive_sha256 "
				      "(corrupted or replaced)", op->archive);
	else if (!idset_get(a->ids, id_hash_str(op->id), NULL))
		bad(r, RP_EXIT_GUARD, "appointment %s is not in archive %s", op->id,
		    op->archive);
}

/* Whether the entity's table was empty when first asked in this run: a
 * plan creating a whole district then needs no look-up per record. */
static bool table_empty(struct run *r, const struct rec_entity *e)
{
	signed char *known = &r->empty[entity_slot(e)];
	if (*known == 0) {
		int got = store_is_empty(r->s, e);
		if (got < 0)
			bad(r, RP_EXIT_IO, "%s", store_errmsg(r->s));
		*known = got == 1 ? 1 : 2;
	}
	return *known == 1;
}

static void check_op(struct run *r, const struct op *op)
{
	rec cur = {.arena = r->arena}, next = {.arena = r->arena};
	if (op->kind == OP_CREATE) {
		rec_init(&next, op->ent, r->arena);
		const char *why = op->rec ? NULL : rec_from_json(&next, op->data);
		if (op->rec)
			next = *op->rec;
		if (why) {
			bad(r, RP_EXIT_DATA, "data: %s", why);
			return;
		}
		const char *source = rec_str(&next, 1), *sid = NULL;
		int f_sid = rec_field_index(op->ent, "source_id");
		if (f_sid >= 0)
			sid = rec_str(&next, f_sid);
		if (source && sid && op->ent != &REC_APPOINTMENT) {
			long long n = table_empty(r, op->ent)
					      ? 0
					      : store_find_source(r->s, op->ent,
								  source, sid);
			if (n)
				bad(r, RP_EXIT_GUARD,
				    "%s %s:%s is already in the store as %c%lld",
				    op->ent->type, source, sid,
				    store_id_letter(op->ent), n);
			idset_put(r->created, source_key(op->ent, source, sid), 0,
				  NULL);
		}
		resolve_refs(r, &next, false);
		if (op->ent == &REC_USER)
			count_for_schools(r, &next, op->kind);
		return;
	}
	long long version;
	int got = store_load(r->s, op->ent, op->n, &cur, &version);
	if (got < 0) {
		bad(r, RP_EXIT_IO, "%s", store_errmsg(r->s));
		return;
	}
	if (got == 0) {
		bad(r, RP_EXIT_GUARD, "%s %s is no longer in the store",
		    op->ent->type, op->id);
		return;
	}
	if (version > r->base) {
		bad(r, RP_EXIT_GUARD,
		    "%s %s changed at version %lld, after the plan's base version %lld",
		    op->ent->type, op->id, version, r->base);
		return;
	}
	if (op->kind == OP_DELETE && op->ent == &REC_APPOINTMENT)
		check_archive(r, op);
	rec scratch = {.arena = r->arena};
	if (op->was && !same_as_was(&cur, op->was, &scratch)) {
		bad(r, RP_EXIT_GUARD, "%s %s no longer holds the plan's \"was\" values",
		    op->ent->type, op->id);
		return;
	}
	if (op->set) {
		next = cur;
		if (apply_set(r, &next, op->set))
			resolve_refs(r, &next, false);
	}
	if (op->ids)
		for (const cJSON *j = op->ids->child; j; j = j->next)
			if (!cJSON_IsString(j))
				bad(r, RP_EXIT_DATA, "ids: %s must be a string",
				    j->string);
	if (op->ent == &REC_USER)
		count_for_schools(r, &cur, op->kind);
}

/* ---- the guard --------------------------------------------------------- */

static void guard(struct run *r)
{
	for (size_t i = 0; i < r->nschools; i++) {
		struct school_count *c = &r->schools[i];
		if (!c->soft && !c->hard)
			continue;
		long long active, all;
		bool none = strcmp(c->id, "-") == 0;
		if (store_count_users(r->s, none ? NULL : c->id, &active, &all) != 0) {
			bad(r, RP_EXIT_IO, "%s", store_errmsg(r->s));
			return;
		}
		const char *what[2] = {"soft-delete", "hard-delete"};
		long n[2] = {c->soft, c->hard};
		long long of[2] = {active, all};
		for (int k = 0; k < 2; k++) {
			if (!n[k])
				continue;
			double ratio = of[k] ? (double)n[k] / (double)of[k] : 1.0;
			bool too_many = ratio > r->o->max_ratio ||
					(r->o->max_count >= 0 && n[k] > r->o->max_count);
			if (!too_many)
				continue;
			rp_warnx("%s %s: plan would %s %ld of %lld %susers "
				 "(%.1f%%; limit %.1f%%%s)%s",
				 none ? "users with" : "school",
				 none ? "no school" : c->id, what[k], n[k], of[k],
				 k ? "" : "active ", 100.0 * ratio,
				 100.0 * r->o->max_ratio,
				 r->o->max_count >= 0 ? ", --max-delete-count" : "",
				 r->o->force ? "; forced" : "");
			if (!r->o->force && r->verdict == 0)
				r->verdict = RP_EXIT_GUARD;
		}
	}
}

/* ---- executing pass ---------------------------------------------------- */

static char *image(struct run *r, const rec *rr)
{
	size_t len;
	nd_mem_reset(r->mem);
	rec_write(r->mem, rr);
	const char *text = nd_current(r->mem, &len);
	return arena_strndup(r->arena, text, len - 1);
}

static int journal(struct run *r, const char *plan_id, long n,
		   const struct op *op, const char *record_id, const char *before)
{
	if (store_journal_op(r->s, plan_id, n, op_names[op->kind], op->ent->type,
			     record_id, before) != 0) {
		bad(r, RP_EXIT_IO, "%s", store_errmsg(r->s));
		return -1;
	}
	return 0;
}

/* Removes a record and, first, the enrollments that hang off it. */
static int remove_with_enrollments(struct run *r, const char *plan_id, long n,
				   const struct op *op, const rec *cur)
{
	if (op->ent == &REC_USER || op->ent == &REC_SECTION) {
		long long *ns;
		size_t count;
		if (store_enrollments_of(r->s, op->ent == &REC_USER ? E_USER_ID
								    : E_SECTION_ID,
					 op->id, &ns, &count) != 0)
			return bad(r, RP_EXIT_IO, "%s", store_errmsg(r->s)), -1;
		for (size_t i = 0; i < count; i++) {
			rec e = {.arena = r->arena};
			char id[32];
			snprintf(id, sizeof id, "e%lld", ns[i]);
			if (store_load(r->s, &REC_ENROLLMENT, ns[i], &e, NULL) != 1 ||
			    journal(r, plan_id, n, op, id, image(r, &e)) != 0 ||
			    store_remove(r->s, &REC_ENROLLMENT, ns[i]) != 0) {
				free(ns);
				return bad(r, RP_EXIT_IO, "%s", store_errmsg(r->s)), -1;
			}
		}
		free(ns);
	}
	if (journal(r, plan_id, n, op, op->id, image(r, cur)) != 0 ||
	    store_remove(r->s, op->ent, op->n) != 0)
		return bad(r, RP_EXIT_IO, "%s", store_errmsg(r->s)), -1;
	return 0;
}

/* Caches the reference SOURCE:SOURCE_ID of a record just created, so the
 * plan's later references to it (a user's enrollments) need no look-up. */
static void remember_created(struct run *r, const rec *cur, long long n)
{
	int f_sid = rec_field_index(cur->ent, "source_id");
	const char *source = rec_str(cur, 1);
	const char *sid = f_sid >= 0 ? rec_str(cur, f_sid) : NULL;
	char ref[512];
	if (!source || !sid || cur->ent == &REC_APPOINTMENT || n > UINT32_MAX ||
	    (size_t)snprintf(ref, sizeof ref, "%s:%s", source, sid) >= sizeof ref ||
	    strlen(source) >= 64 || strchr(source, ':'))
		return;
	uint64_t key = (id_hash_str(ref) ^ (uint64_t)(uintptr_t)cur->ent) | 1;
	idset_set(r->resolved, key, (uint32_t)n);
}

static int execute_op(struct run *r, const char *plan_id, long n,
		      const struct op *op)
{
	rec cur = {.arena = r->arena};
	char id[32], now[21];
	if (op->kind == OP_CREATE) {
		rec_init(&cur, op->ent, r->arena);
		if (op->rec)
			cur = *op->rec;
		else
			rec_from_json(&cur, op->data);
		if (!resolve_refs(r, &cur, true))
			return -1;
		long long fresh = store_next_n(r->s, op->ent);
		snprintf(id, sizeof id, "%c%lld", store_id_letter(op->ent), fresh);
		rec_set_copy(&cur, 0, id);
		if (store_insert(r->s, &cur, fresh, r->version) != 0)
			return bad(r, RP_EXIT_IO, "%s", store_errmsg(r->s)), -1;
		remember_created(r, &cur, fresh);
		return journal(r, plan_id, n, op, id, NULL);
	}
	if (store_load(r->s, op->ent, op->n, &cur, NULL) != 1)
		return bad(r, RP_EXIT_IO, "%s %s vanished", op->ent->type, op->id),
		       -1;
	const char *before = image(r, &cur);
	if (op->kind == OP_HARD_DELETE || op->kind == OP_DELETE)
		return remove_with_enrollments(r, plan_id, n, op, &cur);
	switch (op->kind) {
	case OP_UPDATE:
	case OP_SET:
		if (!apply_set(r, &cur, op->set) || !resolve_refs(r, &cur, true))
			return -1;
		break;
	case OP_LINK:
		for (const cJSON *j = op->ids->child; j; j = j->next)
			rec_map_put(&cur, U_IDS, j->string, j->valuestring);
		rec_map_sort(&cur, U_IDS);
		break;
	case OP_SOFT_DELETE:
		if (!rec_str(&cur, U_DELETED_AT)) {
			rp_now_utc(now);
			rec_set(&cur, U_DELETED_AT, now);
		}
		break;
	case OP_RESTORE:
		rec_clear(&cur, U_DELETED_AT);
		break;
	default:
		break;
	}
	if (store_save(r->s, &cur, op->n, r->version) != 0)
		return bad(r, RP_EXIT_IO, "%s", store_errmsg(r->s)), -1;
	return journal(r, plan_id, n, op, op->id, before);
}

/* ---- a whole plan ------------------------------------------------------ */

struct plan {
	bool header;
	char id_given[65];
	char producer[64];
	long long base;
	FILE *spool; /* the operations, as spool records (below) */
	long *lines; /* their input line numbers */
	rp_arena *arena; /* for packing a create */
	char *buf;	 /* a spool record being written */
	size_t len, bufcap;
	long nops, cap;
	plan_hash hash;
	long conflicts;
};

typedef int (*op_fn)(struct run *r, const struct op *op, long n,
		     const char *plan_id);

static int check_fn(struct run *r, const struct op *op, long n,
		    const char *plan_id)
{
	(void)n;
	(void)plan_id;
	check_op(r, op);
	r->counts[op->kind][entity_slot(op->ent)]++;
	return 0;
}

static int execute_fn(struct run *r, const struct op *op, long n,
		      const char *plan_id)
{
	int rc = execute_op(r, plan_id, n, op);
	crash_point("RP_CRASH_AFTER_OPS");
	return rc;
}

/*
 * The spool holds each operation once, as a record: a tag byte, a 32-bit
 * length and the payload. 'C' is a well-formed create, already parsed: the
 * entity's slot and the record packed (packrec.h), so neither pass parses
 * JSON again. 'S' is a well-formed operation that is only a verb and an
 * id (delete, soft_delete, restore, hard_delete with no was, ids or
 * archive): the verb, the entity's slot and the id with a NUL. 'J' is any
 * other operation: its JSON text and a NUL, parsed in each pass (and
 * reported there when bad, as before).
 */
static const struct rec_entity *const slot_entity[6] = {
	&REC_SCHOOL, &REC_TERM, &REC_SECTION, &REC_ENROLLMENT, &REC_USER,
	&REC_APPOINTMENT,
};

static void spool_op(struct plan *p, const cJSON *o, const char *text,
		     size_t textlen)
{
	const char *name = nd_get_str(o, "op"), *entity = nd_get_str(o, "entity");
	const cJSON *data = nd_get_obj(o, "data");
	const struct rec_entity *e = entity ? rec_entity_of(entity) : NULL;
	uint32_t len;
	p->len = 1 + sizeof len;
	if (name && strcmp(name, "create") == 0 && e && data) {
		rec r;
		arena_reset(p->arena);
		rec_init(&r, e, p->arena);
		if (!rec_from_json(&r, data)) {
			size_t size = pr_size(&r);
			while (p->len + 1 + size > p->bufcap) {
				p->bufcap *= 2;
				p->buf = xrealloc(p->buf, p->bufcap);
			}
			p->buf[0] = 'C';
			p->buf[p->len++] = (char)entity_slot(e);
			pr_pack(p->buf + p->len, &r, NULL, NULL);
			p->len += size;
			goto write;
		}
	}
	int k = name ? op_kind_of(name) : -1;
	const char *id = nd_get_str(o, "id");
	long long n;
	if ((k == OP_DELETE || k == OP_SOFT_DELETE || k == OP_RESTORE ||
	     k == OP_HARD_DELETE) && e && allowed((enum op_kind)k, e) && id &&
	    strlen(id) < 32 && store_entity_of_id(id, &n) == e &&
	    !cJSON_GetObjectItemCaseSensitive(o, "set") &&
	    !cJSON_GetObjectItemCaseSensitive(o, "was") &&
	    !cJSON_GetObjectItemCaseSensitive(o, "ids") &&
	    !cJSON_GetObjectItemCaseSensitive(o, "archive") &&
	    !cJSON_GetObjectItemCaseSensitive(o, "archive_sha256")) {
		p->buf[0] = 'S';
		p->buf[p->len++] = (char)k;
		p->buf[p->len++] = (char)entity_slot(e);
		memcpy(p->buf + p->len, id, strlen(id) + 1);
		p->len += strlen(id) + 1;
		goto write;
	}
	p->buf[0] = 'J';
	while (p->len + textlen + 1 > p->bufcap) {
		p->bufcap *= 2;
		p->buf = xrealloc(p->buf, p->bufcap);
	}
	memcpy(p->buf + p->len, text, textlen);
	p->len += textlen;
	p->buf[p->len++] = '\0';
write:
	if (p->len - 1 - sizeof len > UINT32_MAX)
		rp_die(RP_EXIT_DATA, "an operation of more than 4 GB");
	len = (uint32_t)(p->len - 1 - sizeof len);
	memcpy(p->buf + 1, &len, sizeof len);
	if (fwrite(p->buf, 1, p->len, p->spool) != p->len)
		rp_die(RP_EXIT_IO, "temporary file: %s", strerror(errno));
}

/* Reads the spooled operations back, calling fn on each. */
static int each_op(struct run *r, struct plan *p, op_fn fn, const char *plan_id)
{
	if (fflush(p->spool) != 0 || fseek(p->spool, 0, SEEK_SET) != 0)
		rp_die(RP_EXIT_IO, "temporary file: %s", strerror(errno));
	char head[1 + sizeof(uint32_t)], *buf = NULL;
	size_t cap = 0;
	uint32_t len;
	int rc = 0;
	for (long n = 0; rc == 0 && n < p->nops; n++) {
		if (fread(head, 1, sizeof head, p->spool) != sizeof head)
			rp_die(RP_EXIT_IO, "temporary file: short read");
		memcpy(&len, head + 1, sizeof len);
		if (len + (size_t)1 > cap) {
			cap = len + (size_t)1;
			buf = xrealloc(buf, cap);
		}
		if (fread(buf, 1, len, p->spool) != len)
			rp_die(RP_EXIT_IO, "temporary file: short read");
		arena_reset(r->arena);
		r->line = p->lines[n];
		struct op op;
		if (head[0] == 'C') {
			rec packed;
			memset(&op, 0, sizeof op);
			op.kind = OP_CREATE;
			op.ent = slot_entity[(unsigned char)buf[0] % 6];
			if (pr_unpack_checked(buf + 1, len - 1, op.ent, &packed,
					      r->arena) != len - 1)
				rp_die(RP_EXIT_IO, "temporary file: a bad record");
			op.rec = &packed;
			rc = fn(r, &op, n, plan_id);
			continue;
		}
		if (head[0] == 'S') {
			memset(&op, 0, sizeof op);
			op.kind = (enum op_kind)buf[0];
			op.ent = slot_entity[(unsigned char)buf[1] % 6];
			op.id = buf + 2;
			if (len < 3 || buf[len - 1] != '\0' ||
			    store_entity_of_id(op.id, &op.n) != op.ent)
				rp_die(RP_EXIT_IO, "temporary file: a bad record");
			rc = fn(r, &op, n, plan_id);
			continue;
		}
		cJSON *o = cJSON_ParseWithLength(buf, len - 1);
		if (o && parse_op(r, o, &op))
			rc = fn(r, &op, n, plan_id);
		cJSON_Delete(o);
	}
	free(buf);
	return rc;
}

static void summary(struct run *r, const char *plan_id, const char *what)
{
	static const char *const ents[6] = {"school", "term", "section",
					    "enrollment", "user", "appointment"};
	char list[1024] = "";
	size_t used = 0;
	for (int k = 0; k < OP_COUNT; k++)
		for (int e = 0; e < 6; e++)
			if (r->counts[k][e] && used < sizeof list - 64)
				used += (size_t)snprintf(list + used, sizeof list - used,
							 "%s%s %s %ld", used ? ", " : "",
							 op_names[k], ents[e],
							 r->counts[k][e]);
	rp_warnx("plan %.12s: %s%s%s", plan_id, what, used ? ": " : "",
		 used ? list : " (no operations)");
	for (size_t i = 0; i < r->nschools; i++) {
		struct school_count *c = &r->schools[i];
		rp_warnx("  %s %s: %ld user operation%s%s", 
			 strcmp(c->id, "-") ? "school" : "users with",
			 strcmp(c->id, "-") ? c->id : "no school", c->ops,
			 c->ops == 1 ? "" : "s",
			 c->soft || c->hard ? " (deletes included)" : "");
	}
}

/*
 * A plan of creates only that fills an empty table with many records (a
 * district's first import) builds that table's indexes after the inserts,
 * in the same transaction, rather than inserting into them row by row:
 * store_defer_indexes. Nothing looks a created record up through those
 * indexes meanwhile (references to them are cached as they are created).
 */
#define DEFER_INDEXES_AT 10000

static int defer_indexes(struct run *r)
{
	for (int k = 0; k < OP_COUNT; k++)
		for (int e = 0; k != OP_CREATE && e < 6; e++)
			if (r->counts[k][e])
				return 0;
	for (int e = 0; e < 6; e++) {
		if (r->counts[OP_CREATE][e] < DEFER_INDEXES_AT)
			continue;
		int empty = store_is_empty(r->s, slot_entity[e]);
		if (empty < 0 || (empty && store_defer_indexes(r->s, slot_entity[e]) != 0))
			return bad(r, RP_EXIT_IO, "%s", store_errmsg(r->s)), -1;
	}
	return 0;
}

static int run_plan(store *s, const struct apply_opts *o, struct plan *p,
		    const char *file)
{
	char plan_id[65];
	plan_hash_hex(&p->hash, plan_id);
	struct run r = {.s = s, .o = o, .file = file, .base = p->base,
			.arena = arena_new(), .mem = nd_writer_mem(),
			.created = idset_new(), .resolved = idset_new()};
	int rc = RP_EXIT_OK;
	bool locked = false; /* inside the store's write transaction */
	if (p->header && p->id_given[0] && strcmp(p->id_given, plan_id) != 0) {
		rp_warnx("%s: plan %.12s: plan_id does not match its operations "
			 "(edited after it was made?); nothing changed",
			 file, p->id_given);
		rc = RP_EXIT_DATA;
		goto done;
	}
	if (p->nops == 0) {
		rp_warnx("plan %.12s has no operations; nothing to do", plan_id);
		goto done;
	}
	/* The writer lock first: what is checked is what is changed, even
	 * when another apply on the same store was waiting for it too. */
	if (!o->dry_run) {
		if (store_begin(s) != 0) {
			rp_warnx("%s", store_errmsg(s));
			rc = RP_EXIT_IO;
			goto done;
		}
		locked = true;
	}
	if (store_plan_applied(s, plan_id)) {
		rp_warnx("plan %.12s was applied already; skipped", plan_id);
		goto done;
	}
	char *frozen = store_meta_get(s, "frozen");
	if (frozen && !o->during_freeze) {
		rp_warnx("the store is frozen (%s): plan %.12s refused; "
			 "nothing changed", frozen, plan_id);
		free(frozen);
		rc = RP_EXIT_GUARD;
		goto done;
	}
	free(frozen);
	if (p->conflicts)
		rp_warnx("plan %.12s: %ld conflict%s left for a person to decide",
			 plan_id, p->conflicts, p->conflicts == 1 ? "" : "s");

	each_op(&r, p, check_fn, plan_id);
	if (r.verdict == 0)
		guard(&r);
	if (r.verdict != 0) {
		rp_warnx("plan %.12s refused; nothing changed", plan_id);
		rc = r.verdict;
		goto done;
	}
	if (o->dry_run) {
		summary(&r, plan_id, "dry run, nothing changed");
		goto done;
	}
	r.executing = true;
	if ((r.version = store_bump_version(s)) < 0) {
		rp_warnx("%s", store_errmsg(s));
		rc = RP_EXIT_IO;
		goto done;
	}
	if (defer_indexes(&r) != 0 || each_op(&r, p, execute_fn, plan_id) != 0 ||
	    store_journal_plan(s, plan_id, p->producer[0] ? p->producer : "hand",
			       p->base, r.version, o->force, NULL) != 0 ||
	    store_commit(s) != 0) {
		locked = false;
		store_rollback(s);
		rp_warnx("plan %.12s not applied: %s", plan_id, store_errmsg(s));
		rc = r.verdict ? r.verdict : RP_EXIT_IO;
		goto done;
	}
	locked = false;
	char what[64];
	snprintf(what, sizeof what, "applied as store version %lld", r.version);
	summary(&r, plan_id, what);
done:
	if (locked)
		store_rollback(s); /* refused: let go of the lock, nothing written */
	arena_free(r.arena);
	nd_writer_close(r.mem);
	idset_free(r.created);
	idset_free(r.resolved);
	for (size_t i = 0; i < r.nschools; i++)
		free(r.schools[i].id);
	free(r.schools);
	idset_free(r.school_index);
	for (size_t i = 0; i < r.narchives; i++) {
		free(r.archives[i].path);
		idset_free(r.archives[i].ids);
	}
	free(r.archives);
	return rc;
}

static void plan_reset(struct plan *p)
{
	if (p->spool)
		fclose(p->spool);
	free(p->lines);
	arena_free(p->arena);
	free(p->buf);
	memset(p, 0, sizeof *p);
}

static void plan_start(store *s, struct plan *p, const cJSON *header)
{
	plan_reset(p);
	if (!(p->spool = tmpfile()))
		rp_die(RP_EXIT_IO, "cannot create a temporary file: %s",
		       strerror(errno));
	p->header = header != NULL;
	p->base = store_version(s);
	p->arena = arena_new();
	p->bufcap = 4096;
	p->buf = xmalloc(p->bufcap);
	if (header) {
		const char *id = nd_get_str(header, "plan_id");
		const char *producer = nd_get_str(header, "producer");
		p->base = nd_get_int(header, "base_version", p->base);
		snprintf(p->id_given, sizeof p->id_given, "%s", id ? id : "");
		snprintf(p->producer, sizeof p->producer, "%s",
			 producer ? producer : "");
	}
	plan_hash_init(&p->hash, p->base);
}

int apply_stream(store *s, nd_reader *in, const struct apply_opts *o)
{
	struct plan p = {0};
	bool open = false;
	int rc = RP_EXIT_OK, got;
	cJSON *obj;
	while ((got = nd_next(in, &obj)) != 0) {
		if (got == -2)
			return plan_reset(&p), nd_io_failed(in) ? RP_EXIT_IO
								: RP_EXIT_DATA;
		if (got < 0)
			return plan_reset(&p), RP_EXIT_DATA;
		const char *type = nd_get_str(obj, "type");
		if (strcmp(type, "plan") == 0) {
			if (open && (rc = run_plan(s, o, &p, nd_name(in))) != 0)
				break;
			plan_start(s, &p, obj);
			open = true;
		} else if (strcmp(type, "op") == 0) {
			if (!open) {
				plan_start(s, &p, NULL);
				open = true;
			}
			size_t len;
			const char *text = nd_text(in, &len);
			plan_hash_op(&p.hash, text, len);
			spool_op(&p, obj, text, len);
			if (p.nops == p.cap) {
				p.cap = p.cap ? p.cap * 2 : 1024;
				p.lines = xrealloc(p.lines, (size_t)p.cap * sizeof *p.lines);
			}
			p.lines[p.nops++] = nd_line(in);
		} else if (strcmp(type, "conflict") == 0) {
			const char *sid = nd_get_str(obj, "source_id");
			const char *on = nd_get_str(obj, "matched_on");
			rp_warnx("%s:%ld: conflict: incoming %s %s fits several stored "
				 "records%s%s; skipped", nd_name(in), nd_line(in),
				 nd_get_str(obj, "entity") ? nd_get_str(obj, "entity") : "record",
				 sid ? sid : "?", on ? " on " : "", on ? on : "");
			if (!open) {
				plan_start(s, &p, NULL);
				open = true;
			}
			p.conflicts++;
		} else {
			struct rp_loc loc = {.file = nd_name(in), .line = nd_line(in),
					     .field = "type", .code = "bad_plan"};
			rp_error(&loc, "\"%s\" is not a plan, op or conflict record",
				 type);
			plan_reset(&p);
			return RP_EXIT_DATA;
		}
	}
	if (open && rc == 0)
		rc = run_plan(s, o, &p, nd_name(in));
	plan_reset(&p);
	return rc;
}

/* ---- undo -------------------------------------------------------------- */

struct undo {
	struct run *r;
	const char *undo_id;
	long n;
};

/* Puts one record back as its before-image says, or removes it when the
 * plan created it; journalled in turn, so the undo is itself on record. */
static int undo_record(void *ctx, const char *record_id, const char *before)
{
	struct undo *u = ctx;
	struct run *r = u->r;
	long long n;
	const struct rec_entity *e = store_entity_of_id(record_id, &n);
	rec cur = {.arena = r->arena};
	arena_reset(r->arena);
	if (!e)
		return bad(r, RP_EXIT_IO, "journal names \"%s\"", record_id), -1;
	crash_point("RP_CRASH_AFTER_OPS");
	int had = store_load(r->s, e, n, &cur, NULL);
	struct op op = {.kind = before ? OP_UPDATE : OP_DELETE, .ent = e};
	if (had < 0 || journal(r, u->undo_id, u->n++, &op, record_id,
			       had ? image(r, &cur) : NULL) != 0)
		return -1;
	if (!before)
		return store_remove(r->s, e, n) == 0
			       ? 0
			       : (bad(r, RP_EXIT_IO, "%s", store_errmsg(r->s)), -1);
	cJSON *o = cJSON_Parse(before);
	rec old = {.arena = r->arena};
	rec_init(&old, e, r->arena);
	const char *why = o ? rec_from_json(&old, o) : "unreadable";
	int rc = why ? -1 : store_save(r->s, &old, n, r->version);
	cJSON_Delete(o);
	if (rc != 0)
		bad(r, RP_EXIT_IO, "before-image of %s: %s", record_id,
		    why ? why : store_errmsg(r->s));
	return rc;
}

int apply_undo(store *s, const char *plan_id, const struct apply_opts *o)
{
	char full[65], later[65], undo_id[80];
	long long seq;
	bool undone;
	int found = store_journal_find(s, plan_id, full, &seq, &undone);
	if (found <= 0) {
		rp_warnx("undo: %s", store_errmsg(s));
		return found < 0 ? RP_EXIT_IO : RP_EXIT_DATA;
	}
	if (undone) {
		rp_warnx("plan %.12s was undone already; nothing to do", full);
		return RP_EXIT_OK;
	}
	int touched = store_journal_later(s, full, seq, later);
	if (touched != 0) {
		if (touched > 0)
			rp_warnx("undo of plan %.12s refused: later plan %.12s changed "
				 "the same records (undo that one first); nothing changed",
				 full, later);
		else
			rp_warnx("%s", store_errmsg(s));
		return touched > 0 ? RP_EXIT_GUARD : RP_EXIT_IO;
	}
	if (o->dry_run) {
		rp_warnx("plan %.12s can be undone (dry run, nothing changed)", full);
		return RP_EXIT_OK;
	}
	snprintf(undo_id, sizeof undo_id, "undo:%s", full);
	struct run r = {.s = s, .o = o, .file = "undo", .arena = arena_new(),
			.mem = nd_writer_mem()};
	struct undo u = {.r = &r, .undo_id = undo_id};
	int rc = RP_EXIT_OK;
	if (store_begin(s) != 0 || (r.version = store_bump_version(s)) < 0 ||
	    store_journal_each_reverse(s, full, undo_record, &u) != 0 ||
	    store_journal_plan(s, undo_id, "undo", r.version - 1, r.version,
			       false, full) != 0 ||
	    store_journal_mark_undone(s, full, undo_id) != 0 ||
	    store_commit(s) != 0) {
		store_rollback(s);
		rp_warnx("undo of plan %.12s failed, nothing changed: %s", full,
			 store_errmsg(s));
		rc = r.verdict ? r.verdict : RP_EXIT_IO;
	} else {
		rp_warnx("plan %.12s undone: %ld record%s put back, store version %lld",
			 full, u.n, u.n == 1 ? "" : "s", r.version);
	}
	arena_free(r.arena);
	nd_writer_close(r.mem);
	return rc;
}

int apply_freeze(store *s, const char *reason, const struct apply_opts *o)
{
	char *was = store_meta_get(s, "frozen");
	char value[512], now[21];
	int rc = RP_EXIT_OK;
	rp_now_utc(now);
	if (reason)
		snprintf(value, sizeof value, "%s, since %s", reason, now);
	if (!reason && !was)
		rp_warnx("the store is not frozen; nothing to do");
	else if (o->dry_run)
		rp_warnx("dry run: the store would be %s", reason ? "frozen" : "thawed");
	else if (store_meta_set(s, "frozen", reason ? value : NULL) != 0)
		rc = RP_EXIT_IO;
	else
		rp_warnx(reason ? "store frozen (%s): plans are refused but with "
				  "--during-freeze" : "store thawed%s",
			 reason ? value : "");
	if (rc)
		rp_warnx("%s", store_errmsg(s));
	free(was);
	return rc;
}
