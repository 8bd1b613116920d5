/* Undo of an applied plan from its journal, and the store's freeze flag. */
#include "apply_int.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "crash.h"
#include "progress.h"
#include "err.h"
#include "idset.h"

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
	PROGRESS_TICK(1);
	if (!e)
		return ap_bad(r, RP_EXIT_IO, "journal names \"%s\"", record_id), -1;
	crash_point("RP_CRASH_AFTER_OPS");
	int had = store_load(r->s, e, n, &cur, NULL);
	struct op op = {.kind = before ? OP_UPDATE : OP_DELETE, .ent = e};
	if (had < 0 || ap_journal(r, u->undo_id, u->n++, &op, record_id,
			       had ? ap_image(r, &cur) : NULL) != 0)
		return -1;
	if (!before)
		return store_remove(r->s, e, n) == 0
			       ? 0
			       : (ap_bad(r, RP_EXIT_IO, "%s", store_errmsg(r->s)), -1);
	cJSON *o = cJSON_Parse(before);
	rec old = {.arena = r->arena};
	rec_init(&old, e, r->arena);
	const char *why = o ? rec_from_json(&old, o) : "unreadable";
	int rc = why ? -1 : store_save(r->s, &old, n, r->version);
	cJSON_Delete(o);
	if (rc != 0)
		ap_bad(r, RP_EXIT_IO, "before-image of %s: %s", record_id,
		    why ? why : store_errmsg(r->s));
	return rc;
}

/*
 * Before an undo: what it would remove (records the plan created) and put
 * back (records the plan deleted), so that it can be refused when either
 * would leave the store wrong: a removed record that a later plan's record
 * names (an enrollment of a created user), a record put back whose source
 * id a later plan gave to a new one, or whose references are gone.
 */
struct undo_check {
	store *s;
	rp_arena *arena;
	idset *restored;	   /* record id hashes */
	idset *touched;		   /* every record the undo puts back */
	char why[512];
	bool second; /* the pass that checks, after the one that gathers */
	bool refused;
};

static int refers(void *ctx, const char *referrer)
{
	struct undo_check *c = ctx;
	if (idset_get(c->touched, id_hash_str(referrer), NULL))
		return 0; /* put back by the same undo, to what named none of it */
	snprintf(c->why + strlen(c->why), sizeof c->why - strlen(c->why),
		 " is named by %s, which a later plan made", referrer);
	return c->refused = true;
}

static int restore_conflict(struct undo_check *c, const struct rec_entity *e,
			    const rec *old);

static int check_record(void *ctx, const char *record_id, const char *before)
{
	struct undo_check *c = ctx;
	long long n;
	const struct rec_entity *e = store_entity_of_id(record_id, &n);
	if (!e)
		return 0; /* reported when the undo runs */
	if (!c->second) {
		idset_put(c->touched, id_hash_str(record_id), 0, NULL);
		if (before && store_exists(c->s, e, n) == 0)
			idset_put(c->restored, id_hash_str(record_id), 0, NULL);
		return 0;
	}
	snprintf(c->why, sizeof c->why, "%s %s", e->type, record_id);
	if (!before)
		return store_referrers(c->s, record_id, refers, c);
	if (!idset_get(c->restored, id_hash_str(record_id), NULL))
		return 0;
	arena_reset(c->arena);
	cJSON *o = cJSON_Parse(before);
	rec old = {.arena = c->arena};
	rec_init(&old, e, c->arena);
	if (!o || rec_from_json(&old, o)) {
		cJSON_Delete(o);
		return 0; /* reported when the undo runs */
	}
	int refused = restore_conflict(c, e, &old); /* old's strings are in o */
	cJSON_Delete(o);
	return refused;
}

/* Why a record put back by an undo would not fit the store as it is. */
static int restore_conflict(struct undo_check *c, const struct rec_entity *e,
			    const rec *old)
{
	int f_sid = rec_field_index(e, "source_id");
	const char *source = rec_str(old, 1), *sid = f_sid > 0 ? rec_str(old, f_sid) : NULL;
	long long again = source && sid ? store_find_source(c->s, e, source, sid) : 0;
	if (again != 0) {
		snprintf(c->why + strlen(c->why), sizeof c->why - strlen(c->why),
			 again > 0 ? " (%s:%s) is in the store again as %c%lld"
				   : " (%s:%s) cannot be looked up",
			 source, sid, store_id_letter(e), again);
		return c->refused = true;
	}
	for (int f = 0; f < e->nfields; f++) {
		const struct rec_entity *target = rec_ref_target(e, f);
		const struct rec_val *v = &old->v[f];
		size_t count = e->fields[f].kind == K_LIST ? v->n : v->s != NULL;
		for (size_t i = 0; target && i < count; i++) {
			const char *ref = e->fields[f].kind == K_LIST ? v->items[i] : v->s;
			long long t;
			if (store_entity_of_id(ref, &t) != target ||
			    idset_get(c->restored, id_hash_str(ref), NULL) ||
			    store_exists(c->s, target, t) == 1)
				continue;
			snprintf(c->why + strlen(c->why), sizeof c->why - strlen(c->why),
				 " names %s %s, which a later plan removed", target->type,
				 ref);
			return c->refused = true;
		}
	}
	return 0;
}

/* 0 when the undo may run; 1 refused (why said); -1 a store failure. */
static int undo_allowed(store *s, const char *plan_id, char *why, size_t size)
{
	struct undo_check c = {.s = s, .arena = arena_new(),
			       .restored = idset_new(), .touched = idset_new()};
	int rc = store_journal_each_reverse(s, plan_id, check_record, &c);
	if (rc == 0) {
		c.second = true;
		rc = store_journal_each_reverse(s, plan_id, check_record, &c);
	}
	snprintf(why, size, "%s", c.why);
	arena_free(c.arena);
	idset_free(c.restored);
	idset_free(c.touched);
	/* each_reverse says -1 when a callback stopped it, as on a failure */
	return c.refused ? 1 : rc == 0 ? 0 : -1;
}

int apply_undo(store *s, const char *plan_id, const struct apply_opts *o)
{
	char full[65], later[65], undo_id[80], why[512];
	long long seq;
	bool undone;
	/* the writer's lock first: what is checked is what is undone */
	if (!o->dry_run && store_begin(s) != 0) {
		rp_warnx("%s", store_errmsg(s));
		return RP_EXIT_IO;
	}
	int rc = RP_EXIT_OK;
	int found = store_journal_find(s, plan_id, full, &seq, &undone);
	if (found <= 0) {
		rp_warnx("undo: %s", store_errmsg(s));
		rc = found < 0 ? RP_EXIT_IO : RP_EXIT_DATA;
		goto done;
	}
	if (undone) {
		rp_warnx("plan %.12s was undone already; nothing to do", full);
		goto done;
	}
	char pruned_at[21];
	int pruned = store_journal_pruned(s, full, pruned_at);
	if (pruned != 0) {
		if (pruned > 0)
			rp_warnx("undo of plan %.12s refused: its undo window ended at "
				 "%s (prune), its before-images are gone; nothing changed",
				 full, pruned_at);
		else
			rp_warnx("%s", store_errmsg(s));
		rc = pruned > 0 ? RP_EXIT_GUARD : RP_EXIT_IO;
		goto done;
	}
	int touched = store_journal_later(s, full, seq, later);
	if (touched != 0) {
		if (touched > 0)
			rp_warnx("undo of plan %.12s refused: later plan %.12s changed "
				 "the same records (undo that one first); nothing changed",
				 full, later);
		else
			rp_warnx("%s", store_errmsg(s));
		rc = touched > 0 ? RP_EXIT_GUARD : RP_EXIT_IO;
		goto done;
	}
	int allowed = undo_allowed(s, full, why, sizeof why);
	if (allowed != 0) {
		if (allowed > 0)
			rp_warnx("undo of plan %.12s refused: %s; nothing changed", full,
				 why);
		else
			rp_warnx("%s", store_errmsg(s));
		rc = allowed > 0 ? RP_EXIT_GUARD : RP_EXIT_IO;
		goto done;
	}
	if (o->dry_run) {
		rp_warnx("plan %.12s can be undone (dry run, nothing changed)", full);
		goto done;
	}
	snprintf(undo_id, sizeof undo_id, "undo:%s", full);
	struct run r = {.s = s, .o = o, .file = "undo", .arena = arena_new(),
			.mem = nd_writer_mem()};
	struct undo u = {.r = &r, .undo_id = undo_id};
	progress_begin("undoing", -1, "records"); /* a plain count */
	if ((r.version = store_bump_version(s)) < 0 ||
	    store_journal_each_reverse(s, full, undo_record, &u) != 0 ||
	    (progress_end(), 0) ||
	    store_journal_plan(s, undo_id, "undo", r.version - 1, r.version,
			       false, full) != 0 ||
	    store_journal_mark_undone(s, full, undo_id) != 0 ||
	    (interrupt_hold(), store_commit(s)) != 0) {
		interrupt_release();
		progress_end();
		rp_warnx("undo of plan %.12s failed, nothing changed: %s", full,
			 store_errmsg(s));
		rc = r.verdict ? r.verdict : RP_EXIT_IO;
	} else {
		interrupt_message("interrupted: plan %.12s was undone", full);
		interrupt_release();
		rp_note("summary", "plan %.12s undone: %ld record%s put back, store version %lld",
			full, u.n, u.n == 1 ? "" : "s", r.version);
		rc = -1; /* committed: nothing to roll back */
	}
	arena_free(r.arena);
	nd_writer_close(r.mem);
	if (rc == -1)
		return RP_EXIT_OK;
done:
	if (!o->dry_run)
		store_rollback(s);
	return rc;
}

int apply_freeze(store *s, const char *reason, const struct apply_opts *o)
{
	char *was, value[512], now[21];
	int rc = RP_EXIT_OK;
	if (store_meta_get(s, "frozen", &was) != 0) {
		rp_warnx("%s", store_errmsg(s));
		return RP_EXIT_IO;
	}
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

int apply_prune(store *s, long long days, const struct apply_opts *o)
{
	char cutoff[21];
	rp_format_utc(rp_now() - (time_t)days * 86400, cutoff);
	long long plans, records;
	if (store_begin(s) != 0 ||
	    store_journal_prune(s, cutoff, &plans, &records) != 0) {
		rp_warnx("prune: %s", store_errmsg(s));
		store_rollback(s);
		return RP_EXIT_IO;
	}
	if (o->dry_run) {
		store_rollback(s);
		rp_warnx("dry run, nothing changed: %lld plan%s applied at or before %s "
			 "would lose their undo (%lld before-image%s)", plans,
			 plans == 1 ? "" : "s", cutoff, records, records == 1 ? "" : "s");
		return RP_EXIT_OK;
	}
	if (store_commit(s) != 0 || store_erase_freed(s) != 0) {
		rp_warnx("prune: %s", store_errmsg(s));
		return RP_EXIT_IO;
	}
	rp_warnx("%lld plan%s applied at or before %s can no longer be undone: "
		 "%lld before-image%s erased, and what deleted records left in "
		 "the store's files", plans, plans == 1 ? "" : "s", cutoff, records,
		 records == 1 ? "" : "s");
	return RP_EXIT_OK;
}
