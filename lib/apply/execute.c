/* apply's executing pass: each operation written to the store, its
 * before-image to the journal (undo reads it back). */
#include "apply_int.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "err.h"
#include "idset.h"
#include "xalloc.h"

/* ---- executing pass ---------------------------------------------------- */

char *ap_image(struct run *r, const rec *rr)
{
	size_t len;
	nd_mem_reset(r->mem);
	rec_write(r->mem, rr);
	const char *text = nd_current(r->mem, &len);
	return arena_strndup(r->arena, text, len - 1);
}

int ap_journal(struct run *r, const char *plan_id, long n,
		   const struct op *op, const char *record_id, const char *before)
{
	if (store_journal_op(r->s, plan_id, n, ap_op_names[op->kind], op->ent->type,
			     record_id, before) != 0) {
		ap_bad(r, RP_EXIT_IO, "%s", store_errmsg(r->s));
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
			return ap_bad(r, RP_EXIT_IO, "%s", store_errmsg(r->s)), -1;
		for (size_t i = 0; i < count; i++) {
			rec e = {.arena = r->arena};
			char id[32];
			snprintf(id, sizeof id, "e%lld", ns[i]);
			if (store_load(r->s, &REC_ENROLLMENT, ns[i], &e, NULL) != 1 ||
			    ap_journal(r, plan_id, n, op, id, ap_image(r, &e)) != 0 ||
			    store_remove(r->s, &REC_ENROLLMENT, ns[i]) != 0) {
				free(ns);
				return ap_bad(r, RP_EXIT_IO, "%s", store_errmsg(r->s)), -1;
			}
		}
		free(ns);
	}
	if (ap_journal(r, plan_id, n, op, op->id, ap_image(r, cur)) != 0 ||
	    store_remove(r->s, op->ent, op->n) != 0)
		return ap_bad(r, RP_EXIT_IO, "%s", store_errmsg(r->s)), -1;
	if (op->ent != &REC_ENROLLMENT && op->ent != &REC_APPOINTMENT) {
		if (r->nremoved == r->removed_cap) {
			r->removed_cap = r->removed_cap ? r->removed_cap * 2 : 64;
			r->removed = xrealloc(r->removed, r->removed_cap * sizeof *r->removed);
		}
		r->removed[r->nremoved++] = arena_strdup(r->arena, op->id);
	}
	return 0;
}

static int first_referrer(void *ctx, const char *referrer)
{
	snprintf(ctx, 32, "%s", referrer);
	return 1;
}

int ap_check_dangling(struct run *r)
{
	for (size_t i = 0; i < r->nremoved; i++) {
		const char *id = r->removed[i];
		char by[32] = "";
		int rc;
		if (id[0] == 'u') {
			/* a user's enrollments (its appointments are the summer
			 * archive's: a store-wide scan a user, not done here) */
			long long *ns;
			size_t count;
			rc = store_enrollments_of(r->s, E_USER_ID, id, &ns, &count);
			if (rc == 0 && count)
				snprintf(by, sizeof by, "e%lld", ns[0]);
			if (rc == 0)
				free(ns);
		} else {
			rc = store_referrers(r->s, id, first_referrer, by);
			rc = rc > 0 ? 0 : rc;
		}
		if (rc != 0)
			return ap_bad(r, RP_EXIT_IO, "%s", store_errmsg(r->s)), -1;
		if (by[0]) {
			rp_errx("dangling", "%s still names %s, which this plan deletes: a plan "
				 "must not leave a reference to a record it deletes",
				 by, id);
			if (r->verdict == 0)
				r->verdict = RP_EXIT_DATA;
			return -1;
		}
	}
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

int ap_execute_op(struct run *r, const char *plan_id, long n,
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
		if (!ap_resolve_refs(r, &cur, true))
			return -1;
		long long fresh = store_next_n(r->s, op->ent);
		snprintf(id, sizeof id, "%c%lld", store_id_letter(op->ent), fresh);
		rec_set_copy(&cur, 0, id);
		if (store_insert(r->s, &cur, fresh, r->version) != 0)
			return ap_bad(r, RP_EXIT_IO, "%s", store_errmsg(r->s)), -1;
		remember_created(r, &cur, fresh);
		return ap_journal(r, plan_id, n, op, id, NULL);
	}
	int got = store_load(r->s, op->ent, op->n, &cur, NULL);
	if (got < 0) /* on PostgreSQL maybe an earlier write's error */
		return ap_bad(r, RP_EXIT_IO, "%s", store_errmsg(r->s)), -1;
	if (got == 0)
		return ap_bad(r, RP_EXIT_IO, "%s %s vanished", op->ent->type, op->id),
		       -1;
	const char *before = ap_image(r, &cur);
	if (op->kind == OP_HARD_DELETE || op->kind == OP_DELETE)
		return remove_with_enrollments(r, plan_id, n, op, &cur);
	/* the record as loaded, its lists' items apart from cur's (which the
	 * operation may change in place): store_update compares them */
	rec was = cur;
	for (int f = 0; f < cur.ent->nfields; f++) {
		struct rec_val *v = &was.v[f];
		size_t width = cur.ent->fields[f].kind == K_MAP ? 2 : 1;
		if (cur.ent->fields[f].kind != K_LIST && cur.ent->fields[f].kind != K_MAP)
			continue;
		const char **items = arena_alloc(r->arena, (v->n * width + 1) * sizeof *items);
		if (v->n)
			memcpy(items, v->items, v->n * width * sizeof *items);
		v->items = items;
	}
	switch (op->kind) {
	case OP_UPDATE:
	case OP_SET:
		if (!ap_apply_set(r, &cur, op->set) || !ap_resolve_refs(r, &cur, true))
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
	if (store_update(r->s, &cur, &was, op->n, r->version) != 0)
		return ap_bad(r, RP_EXIT_IO, "%s", store_errmsg(r->s)), -1;
	return ap_journal(r, plan_id, n, op, op->id, before);
}
