/* A whole plan: read once (hashed into its plan_id, spooled compactly),
 * checked, guarded, then executed in one transaction; the summary. */
#include "apply_int.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crash.h"
#include "err.h"
#include "idset.h"
#include "packrec.h"
#include "plan.h"
#include "progress.h"
#include "xalloc.h"

/* ---- a whole plan ------------------------------------------------------ */

struct plan {
	bool header;
	char id_given[65];
	char producer[64];
	char created[21]; /* the header's time, or empty */
	char store[33];   /* the store the plan was made against, or empty */
	char held[160];   /* the header's held counts, as "user 3, enrollment 2" */
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
	ap_check_op(r, op);
	r->counts[op->kind][ap_entity_slot(op->ent)]++;
	return 0;
}

static int execute_fn(struct run *r, const struct op *op, long n,
		      const char *plan_id)
{
	int rc = ap_execute_op(r, plan_id, n, op);
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
			p->buf[p->len++] = (char)ap_entity_slot(e);
			pr_pack(p->buf + p->len, &r, NULL, NULL);
			p->len += size;
			goto write;
		}
	}
	int k = name ? ap_op_kind(name) : -1;
	const char *id = nd_get_str(o, "id");
	long long n;
	if ((k == OP_DELETE || k == OP_SOFT_DELETE || k == OP_RESTORE ||
	     k == OP_HARD_DELETE) && e && ap_allowed((enum op_kind)k, e) && id &&
	    strlen(id) < 32 && store_entity_of_id(id, &n) == e &&
	    !cJSON_GetObjectItemCaseSensitive(o, "set") &&
	    !cJSON_GetObjectItemCaseSensitive(o, "was") &&
	    !cJSON_GetObjectItemCaseSensitive(o, "ids") &&
	    !cJSON_GetObjectItemCaseSensitive(o, "archive") &&
	    !cJSON_GetObjectItemCaseSensitive(o, "archive_sha256")) {
		p->buf[0] = 'S';
		p->buf[p->len++] = (char)k;
		p->buf[p->len++] = (char)ap_entity_slot(e);
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

/* Operations read back from the spool at a time: on PostgreSQL what they
 * will read is asked for in one go first (ap_read_ahead). */
#define CHUNK 512

struct chunk {
	struct spooled op[CHUNK];
	char *buf;
	size_t cap;
};

/* Up to CHUNK spooled operations from the spool's position. */
static size_t read_chunk(struct plan *p, struct chunk *c, long from)
{
	size_t count = 0, used = 0;
	size_t offs[CHUNK];
	for (long n = from; n < p->nops && count < CHUNK; n++) {
		char head[1 + sizeof(uint32_t)];
		uint32_t len;
		if (fread(head, 1, sizeof head, p->spool) != sizeof head)
			rp_die(RP_EXIT_IO, "temporary file: short read");
		memcpy(&len, head + 1, sizeof len);
		if (used + len + (size_t)1 > c->cap) {
			c->cap = (used + len + (size_t)1) * 2;
			c->buf = xrealloc(c->buf, c->cap);
		}
		if (fread(c->buf + used, 1, len, p->spool) != len)
			rp_die(RP_EXIT_IO, "temporary file: short read");
		c->op[count] = (struct spooled){.tag = head[0], .len = len};
		offs[count++] = used;
		used += len + (size_t)1;
	}
	for (size_t i = 0; i < count; i++) /* the buffer has moved as it grew */
		c->op[i].data = c->buf + offs[i];
	return count;
}

/* Reads the spooled operations back, calling fn on each. */
static int each_op(struct run *r, struct plan *p, op_fn fn, const char *plan_id)
{
	if (fflush(p->spool) != 0 || fseek(p->spool, 0, SEEK_SET) != 0)
		rp_die(RP_EXIT_IO, "temporary file: %s", strerror(errno));
	struct chunk *c = xcalloc(1, sizeof *c);
	int rc = 0;
	for (long n = 0; rc == 0 && n < p->nops;) {
		size_t count = read_chunk(p, c, n);
		if (store_reads_ahead(r->s) && ap_read_ahead(r, c->op, count) != 0)
			rc = -1;
		for (size_t i = 0; rc == 0 && i < count; i++, n++) {
			char *buf = (char *)c->op[i].data;
			uint32_t len = c->op[i].len;
			arena_reset(r->arena);
			r->line = p->lines[n];
			PROGRESS_TICK(1);
			struct op op;
			if (c->op[i].tag == 'C') {
				rec packed;
				memset(&op, 0, sizeof op);
				op.kind = OP_CREATE;
				op.ent = ap_slot_entity[(unsigned char)buf[0] % 6];
				if (pr_unpack_checked(buf + 1, len - 1, op.ent, &packed,
						      r->arena) != len - 1)
					rp_die(RP_EXIT_IO, "temporary file: a bad record");
				op.rec = &packed;
				rc = fn(r, &op, n, plan_id);
				continue;
			}
			if (c->op[i].tag == 'S') {
				memset(&op, 0, sizeof op);
				op.kind = (enum op_kind)buf[0];
				op.ent = ap_slot_entity[(unsigned char)buf[1] % 6];
				op.id = buf + 2;
				if (len < 3 || buf[len - 1] != '\0' ||
				    store_entity_of_id(op.id, &op.n) != op.ent)
					rp_die(RP_EXIT_IO, "temporary file: a bad record");
				rc = fn(r, &op, n, plan_id);
				continue;
			}
			cJSON *o = cJSON_ParseWithLength(buf, len - 1);
			if (o && ap_parse_op(r, o, &op))
				rc = fn(r, &op, n, plan_id);
			cJSON_Delete(o);
		}
	}
	free(c->buf);
	free(c);
	return rc;
}

static void summary(struct run *r, const struct plan *p, const char *plan_id,
		    const char *what)
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
							 ap_op_names[k], ents[e],
							 r->counts[k][e]);
	rp_note("summary", "plan %.12s: %s%s%s", plan_id, what, used ? ": " : "",
		used ? list : " (no operations)");
	for (size_t i = 0; i < r->nschools && !rp_policy.quiet; i++) {
		struct school_count *c = &r->schools[i];
		if (!c->ops)
			continue; /* counted for the guard only */
		rp_note("summary", "  %s %s: %ld user operation%s%s",
			 strcmp(c->id, "-") ? "school" : "users with",
			 strcmp(c->id, "-") ? c->id : "no school", c->ops,
			 c->ops == 1 ? "" : "s",
			 c->taken.soft || c->taken.hard ? " (deletes included)" : "");
	}
	if (p->held[0])
		rp_note("held", "  held as stored (rejected in the feed, not deleted): %s",
			 p->held);
}

/* The plan's counts per operation and entity, for the journal (apply
 * --history): {"create":{"school":2,"user":24},"update":{...}}. */
static void counts_json(const struct run *r, char *out, size_t size)
{
	static const char *const ents[6] = {"school", "term", "section",
					    "enrollment", "user", "appointment"};
	size_t used = (size_t)snprintf(out, size, "{");
	for (int k = 0; k < OP_COUNT; k++) {
		bool first = true;
		for (int e = 0; e < 6; e++) {
			if (!r->counts[k][e] || used >= size - 64)
				continue;
			if (first) /* the operation's object, the one before closed */
				used += (size_t)snprintf(out + used, size - used,
							 "%s\"%s\":{", used > 1 ? "}," : "",
							 ap_op_names[k]);
			used += (size_t)snprintf(out + used, size - used, "%s\"%s\":%ld",
						 first ? "" : ",", ents[e], r->counts[k][e]);
			first = false;
		}
	}
	snprintf(out + used, size - used, "%s}", used > 1 ? "}" : "");
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
	long creates = 0;
	for (int e = 0; e < 6; e++) {
		creates += r->counts[OP_CREATE][e];
		if (r->counts[OP_CREATE][e] < DEFER_INDEXES_AT)
			continue;
		int empty = store_is_empty(r->s, ap_slot_entity[e]);
		if (empty < 0 || (empty && store_defer_indexes(r->s, ap_slot_entity[e]) != 0))
			return ap_bad(r, RP_EXIT_IO, "%s", store_errmsg(r->s)), -1;
	}
	/* a journal row each: an empty journal's indexes too */
	if (creates >= DEFER_INDEXES_AT && store_defer_journal_indexes(r->s) != 0)
		return ap_bad(r, RP_EXIT_IO, "%s", store_errmsg(r->s)), -1;
	return 0;
}

/* What Ctrl-C does with the store this run made (file), and says. While
 * this run's transaction holds it, still empty, no other run can have
 * applied to it: it is removed. Outside that transaction another run may
 * have applied a plan to it meanwhile, so it is left, empty at worst.
 * Returns removes. */
static bool removed_by_ctrl_c(const char *file, bool removes)
{
	interrupt_unlink(NULL);
	for (int i = 0; removes && i < STORE_NFILES; i++) {
		char name[4096];
		store_file_name(file, i, name, sizeof name);
		interrupt_unlink(name);
	}
	if (removes)
		interrupt_message("interrupted: nothing applied, the store is as before "
				  "(it did not exist: the file is removed)");
	else
		interrupt_message("interrupted: nothing applied; %s", APPLY_MADE_FILE_LEFT);
	return removes;
}

static int run_plan(store *s, const struct apply_opts *o, struct plan *p,
		    const char *file)
{
	char plan_id[65];
	plan_hash_hex(&p->hash, plan_id);
	struct run r = {.s = s, .o = o, .file = file, .base = p->base,
			.arena = arena_new(), .mem = nd_writer_mem(),
			.created = idset_new(), .resolved = idset_new()};
	/* the plan's date: terms that ended before it do not count against
	 * the guard (a plan without a header is made now) */
	plan_date(p->created, r.today);
	int rc = RP_EXIT_OK;
	bool locked = false; /* inside the store's write transaction */
	bool removable = false; /* Ctrl-C removes the store this run made */
	if (p->header && p->id_given[0] && strcmp(p->id_given, plan_id) != 0) {
		rp_errx("bad_plan", "%s: plan %.12s: plan_id does not match its operations "
			 "(edited after it was made?); nothing changed",
			 file, p->id_given);
		rc = RP_EXIT_DATA;
		goto done;
	}
	if (p->nops == 0) {
		rp_note("nothing_to_do", "plan %.12s has no operations; nothing to do", plan_id);
		goto done;
	}
	/* The writer lock first: what is checked is what is changed, even
	 * when another apply on the same store was waiting for it too. */
	if (!o->dry_run) {
		if (store_begin(s) != 0) {
			rp_errx("io_error", "%s", store_errmsg(s));
			rc = RP_EXIT_IO;
			goto done;
		}
		locked = true;
	}
	long long at = store_version(s); /* under the lock, when there is one */
	if (at < 0)
		goto io_failed;
	if (locked && o->made_file && at == 0)
		removable = removed_by_ctrl_c(o->made_file, true);
	int applied = store_plan_applied(s, plan_id, &r.undone_at);
	if (applied < 0)
		goto io_failed;
	if (applied == 1) {
		rp_note("applied_already", "plan %.12s was applied already; skipped", plan_id);
		goto done;
	}
	/* a plan made against a later version than the store is at was made
	 * against another state (a store put back from a backup since, or
	 * a base_version written by hand): its records' versions prove
	 * nothing against it */
	if (p->base > at) {
		rp_errx("stale", "plan %.12s was made against version %lld, and the store is at "
			 "version %lld; refused, nothing changed", plan_id, p->base, at);
		rc = RP_EXIT_GUARD;
		goto done;
	}
	if (p->store[0] && strcmp(p->store, store_id(s)) != 0) {
		rp_errx("other_store", "plan %.12s was made for store %.12s, not this one (%.12s); "
			 "refused, nothing changed", plan_id, p->store,
			 *store_id(s) ? store_id(s) : "new");
		rc = RP_EXIT_GUARD;
		goto done;
	}
	char *frozen;
	if (store_meta_get(s, "frozen", &frozen) != 0)
		goto io_failed;
	if (frozen && !o->during_freeze) {
		rp_errx("frozen", "the store is frozen (%s): plan %.12s refused; "
			 "nothing changed", frozen, plan_id);
		free(frozen);
		rc = RP_EXIT_GUARD;
		goto done;
	}
	free(frozen);
	if (p->conflicts)
		rp_note("conflicts", "plan %.12s: %ld conflict%s left for a person to decide",
			 plan_id, p->conflicts, p->conflicts == 1 ? "" : "s");

	progress_begin("checking", p->nops, "ops");
	each_op(&r, p, check_fn, plan_id);
	progress_end();
	if (r.verdict == 0)
		ap_guard(&r);
	if (r.verdict != 0) {
		rp_errx(r.stale ? "stale" : r.verdict == RP_EXIT_GUARD ? "refused"
			: rp_exit_code_name(r.verdict),
			"plan %.12s refused; nothing changed", plan_id);
		rc = r.stale ? RP_EXIT_GUARD : r.verdict;
		goto done;
	}
	if (o->dry_run) {
		summary(&r, p, plan_id, "dry run, nothing changed");
		goto done;
	}
	r.executing = true;
	if ((r.version = store_bump_version(s)) < 0) {
		rp_errx("io_error", "%s", store_errmsg(s));
		rc = RP_EXIT_IO;
		goto done;
	}
	progress_begin("applying", p->nops, "ops");
	char counts[1024];
	counts_json(&r, counts, sizeof counts);
	if (defer_indexes(&r) != 0 || each_op(&r, p, execute_fn, plan_id) != 0 ||
	    (progress_end(), 0) || ap_check_dangling(&r) != 0 ||
	    store_journal_plan(s, plan_id, p->producer[0] ? p->producer : "hand",
			       p->base, r.version, o->force, NULL) != 0 ||
	    store_journal_counts(s, plan_id, counts) != 0 ||
	    (interrupt_hold(), store_commit(s)) != 0) {
		interrupt_release();
		progress_end();
		locked = false;
		store_rollback(s);
		if (removable)
			removable = removed_by_ctrl_c(o->made_file, false);
		if (r.verdict == RP_EXIT_DATA)
			rp_errx("bad_data", "plan %.12s refused; nothing changed", plan_id);
		else
			rp_errx("io_error", "plan %.12s not applied: %s", plan_id, store_errmsg(s));
		rc = r.verdict ? r.verdict : RP_EXIT_IO;
		goto done;
	}
	locked = false;
	/* Ctrl-C from here on finds this plan applied, and the store kept */
	removable = false;
	interrupt_unlink(NULL);
	interrupt_message("interrupted: plan %.12s was applied (store version %lld); "
			  "the plans after it in the input were not", plan_id, r.version);
	interrupt_release();
	char what[64];
	snprintf(what, sizeof what, "applied as store version %lld", r.version);
	summary(&r, p, plan_id, what);
	goto done;
io_failed:
	rp_errx("io_error", "%s", store_errmsg(s));
	rc = RP_EXIT_IO;
done:
	if (locked)
		store_rollback(s); /* refused: let go of the lock, nothing written */
	if (removable)
		removed_by_ctrl_c(o->made_file, false);
	arena_free(r.arena);
	nd_writer_close(r.mem);
	idset_free(r.created);
	idset_free(r.resolved);
	for (size_t i = 0; i < r.nschools; i++)
		free(r.schools[i].id);
	free(r.schools);
	idset_free(r.school_index);
	idset_free(r.section_school);
	idset_free(r.created_sections);
	idset_free(r.enrollments_lost);
	idset_free(r.enrollments_made);
	idset_free(r.made_in_section);
	free(r.removed);
	idset_free(r.gone);
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
	if ((p->base = store_version(s)) < 0)
		rp_die(RP_EXIT_IO, "%s", store_errmsg(s));
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
		const cJSON *held = nd_get_obj(header, "held");
		for (const cJSON *h = held ? held->child : NULL; h; h = h->next) {
			size_t used = strlen(p->held);
			if (h->string && cJSON_IsNumber(h) && used < sizeof p->held - 48)
				snprintf(p->held + used, sizeof p->held - used, "%s%.32s %.0f",
					 used ? ", " : "", h->string, h->valuedouble);
		}
		const char *for_store = nd_get_str(header, "store");
		snprintf(p->store, sizeof p->store, "%s", for_store ? for_store : "");
		const char *created = nd_get_str(header, "created");
		snprintf(p->created, sizeof p->created, "%s", created ? created : "");
	}
	plan_hash_init(&p->hash, p->base);
}

/* A refusal after plans of the same input were applied: the exit status
 * speaks of the plan refused, not of the store, which they changed. */
static int said_before(int rc, int done)
{
	if (rc != RP_EXIT_OK && done > 0)
		rp_note("earlier_plans", "%d plan%s before it in this input %s applied or "
			 "skipped, and stay%s so", done, done == 1 ? "" : "s",
			 done == 1 ? "was" : "were", done == 1 ? "s" : "");
	return rc;
}

int apply_stream(store *s, nd_reader *in, const struct apply_opts *o)
{
	struct plan p = {0};
	bool open = false;
	int rc = RP_EXIT_OK, got, done = 0;
	cJSON *obj;
	while ((got = nd_next(in, &obj)) != 0) {
		if (got == -2)
			return plan_reset(&p),
			       said_before(nd_io_failed(in) ? RP_EXIT_IO : RP_EXIT_DATA, done);
		if (got < 0)
			return plan_reset(&p), said_before(RP_EXIT_DATA, done);
		const char *type = nd_get_str(obj, "type");
		if (strcmp(type, "plan") == 0) {
			if (open && (rc = run_plan(s, o, &p, nd_name(in))) != 0)
				break;
			done += open;
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
			return said_before(RP_EXIT_DATA, done);
		}
	}
	if (open && rc == 0)
		rc = run_plan(s, o, &p, nd_name(in));
	plan_reset(&p);
	return said_before(rc, done);
}
