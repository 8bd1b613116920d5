/* Undo of an applied plan from its journal, and the store's freeze flag. */
#include "apply_int.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "crash.h"
#include "err.h"

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
