/* The journal of applied plans, each operation's before-image (undo reads
 * them back), and online backups. */
#include "store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "xalloc.h"

/* ---- journal ----------------------------------------------------------- */

int store_plan_applied(store *s, const char *plan_id, long long *undone_at)
{
	db_stmt *st;
	*undone_at = 0;
	if (!(st = db_prepare(s->db, "SELECT 1 FROM journal WHERE plan_id = ?")))
		return st_fail(s, "journal");
	db_bind_text(st, 1, plan_id);
	int rc = db_step(st);
	db_finalize(st);
	if (rc == DB_ROW)
		return 1;
	if (rc != DB_DONE)
		return st_fail(s, "journal");
	/* undone before: its rows carry the name PLAN_ID~SEQ (see
	 * store_journal_mark_undone); the latest undo's version */
	if (!(st = db_prepare(s->db, "SELECT u.version FROM journal j"
			       " JOIN journal u ON u.plan_id = j.undone_by"
			       " WHERE substr(j.plan_id, 1, 65) = ?1 || '~'"
			       " ORDER BY u.seq DESC LIMIT 1")))
		return st_fail(s, "journal");
	db_bind_text(st, 1, plan_id);
	rc = db_step(st);
	if (rc == DB_ROW)
		*undone_at = db_column_int(st, 0);
	db_finalize(st);
	return rc == DB_ROW || rc == DB_DONE ? 0 : st_fail(s, "journal");
}

int store_journal_plan(store *s, const char *plan_id, const char *producer,
		       long long base_version, long long version, bool forced,
		       const char *undoes)
{
	db_stmt *st;
	char now[21];
	rp_now_utc(now);
	if (!(st = db_prepare(s->db, "INSERT INTO journal(plan_id, producer, applied_at,"
			       " base_version, version, forced, undoes)"
			       " VALUES(?, ?, ?, ?, ?, ?, ?)")))
		return st_fail(s, "journal");
	db_bind_text(st, 1, plan_id);
	db_bind_text(st, 2, producer);
	db_bind_text(st, 3, now);
	db_bind_int(st, 4, base_version);
	db_bind_int(st, 5, version);
	db_bind_int(st, 6, forced);
	if (undoes)
		db_bind_text(st, 7, undoes);
	int rc = db_step(st);
	db_finalize(st);
	return rc == DB_DONE ? 0 : st_fail(s, "journal");
}

int store_journal_counts(store *s, const char *plan_id, const char *counts)
{
	db_stmt *st;
	if (!(st = db_prepare(s->db, "UPDATE journal SET counts = ? WHERE plan_id = ?")))
		return st_fail(s, "journal");
	db_bind_text(st, 1, counts);
	db_bind_text(st, 2, plan_id);
	int rc = db_step(st);
	db_finalize(st);
	return rc == DB_DONE ? 0 : st_fail(s, "journal");
}

/* The counts of a plan journalled before schema 3, from its journal rows
 * (one operation is one n; a hard delete's enrollments share its n), as
 * the JSON store_journal_counts keeps: {"OP":{"ENTITY":N,...},...}. */
static char *counts_from_ops(store *s, const char *plan_id)
{
	db_stmt *st;
	if (!(st = db_prepare(s->db, "SELECT op, entity, count(DISTINCT n) FROM journal_ops"
			       " WHERE plan_id = ? GROUP BY op, entity ORDER BY op, entity")))
		return NULL;
	db_bind_text(st, 1, plan_id);
	size_t cap = 256, len = 0;
	char *out = xmalloc(cap), last[32] = "";
	out[len++] = '{';
	int rc;
	while ((rc = db_step(st)) == DB_ROW) {
		const char *op = db_column_text(st, 0), *ent = db_column_text(st, 1);
		char item[160];
		int n;
		if (strcmp(last, op) == 0) /* the same operation: one more entity */
			n = snprintf(item, sizeof item, ",\"%.30s\":%lld", ent,
				     db_column_int(st, 2));
		else /* the next operation (the one before closed) */
			n = snprintf(item, sizeof item, "%s\"%.30s\":{\"%.30s\":%lld",
				     len > 1 ? "}," : "", op, ent, db_column_int(st, 2));
		snprintf(last, sizeof last, "%s", op);
		while (len + (size_t)n + 3 > cap)
			out = xrealloc(out, cap *= 2);
		memcpy(out + len, item, (size_t)n);
		len += (size_t)n;
	}
	db_finalize(st);
	if (rc != DB_DONE) {
		free(out);
		return NULL;
	}
	if (len > 1)
		out[len++] = '}';
	out[len++] = '}';
	out[len] = '\0';
	return out;
}

int store_journal_history(store *s,
			  int (*fn)(void *ctx, const struct store_history *h),
			  void *ctx)
{
	if (s->empty)
		return 0;
	db_stmt *st;
	if (!(st = db_prepare(s->db, "SELECT seq, plan_id, producer, applied_at,"
			       " base_version, version, forced, undoes, undone_by,"
			       " pruned_at, counts FROM journal ORDER BY seq")))
		return st_fail(s, "journal");
	int rc, stop = 0;
	while (!stop && (rc = db_step(st)) == DB_ROW) {
		struct store_history h = {
			.seq = db_column_int(st, 0),
			.plan_id = db_column_text(st, 1),
			.producer = db_column_text(st, 2),
			.applied_at = db_column_text(st, 3),
			.base_version = db_column_null(st, 4) ? -1 : db_column_int(st, 4),
			.version = db_column_int(st, 5),
			.forced = db_column_int(st, 6) != 0,
			.undoes = db_column_text(st, 7),
			.undone_by = db_column_text(st, 8),
			.pruned_at = db_column_text(st, 9),
			.counts = db_column_text(st, 10),
		};
		char *made = NULL;
		if (!h.counts && !h.pruned_at && !h.undoes) {
			/* a statement of its own while this one steps: SQLite and
			 * libpq (whose rows are all read) both allow it */
			if (!(made = counts_from_ops(s, h.plan_id))) {
				db_finalize(st);
				return st_fail(s, "journal_ops");
			}
			h.counts = made;
		}
		stop = fn(ctx, &h);
		free(made);
	}
	db_finalize(st);
	if (stop)
		return 0;
	return rc == DB_DONE ? 0 : st_fail(s, "journal");
}

int store_journal_op(store *s, const char *plan_id, long n, const char *op,
		     const char *entity, const char *record_id,
		     const char *before)
{
	db_stmt *st = s->journal_op;
	db_bind_text(st, 1, plan_id);
	db_bind_int(st, 2, n);
	db_bind_text(st, 3, op);
	db_bind_text(st, 4, entity);
	db_bind_text(st, 5, record_id);
	if (before)
		db_bind_text(st, 6, before);
	else
		db_bind_null(st, 6);
	int rc = db_step(st);
	db_reset(st);
	return rc == DB_DONE ? 0 : st_fail(s, "journal_ops");
}

int store_journal_find(store *s, const char *plan_id, char found[65],
		       long long *seq, bool *undone)
{
	db_stmt *st;
	/* a unique prefix of at least 8 characters will do */
	if (strlen(plan_id) < 8 || strlen(plan_id) > 64 || strchr(plan_id, '~')) {
		snprintf(s->err, sizeof s->err, "not a plan id: %s", plan_id);
		return 0;
	}
	/* plans as applied first, then undone ones (PLAN_ID~SEQ), newest first */
	if (!(st = db_prepare(s->db, "SELECT plan_id, seq, undone_by IS NOT NULL FROM journal"
			       " WHERE substr(plan_id, 1, length(CAST(?1 AS TEXT))) = CAST(?1 AS TEXT)"
			       " AND plan_id NOT LIKE 'undo:%'"
			       " ORDER BY CASE WHEN plan_id LIKE '%~%' THEN 1 ELSE 0 END, seq DESC")))
		return st_fail(s, "journal");
	db_bind_text(st, 1, plan_id);
	int rows = 0, rc;
	bool several = false;
	while ((rc = db_step(st)) == DB_ROW) {
		char id[65];
		snprintf(id, sizeof id, "%.*s", (int)strcspn(db_column_text(st, 0), "~"),
			 db_column_text(st, 0));
		if (rows++ == 0) {
			snprintf(found, 65, "%s", id);
			*seq = db_column_int(st, 1);
			*undone = db_column_int(st, 2);
		} else if (strcmp(id, found) != 0) {
			several = true;
		}
	}
	db_finalize(st);
	if (rc != DB_DONE)
		return st_fail(s, "journal");
	if (rows == 0 || several)
		snprintf(s->err, sizeof s->err, "%s: %s", plan_id,
			 several ? "more than one plan has this prefix"
				 : "no such plan in the journal");
	return rows > 0 && !several;
}

int store_journal_later(store *s, const char *plan_id, long long seq,
			char later[65])
{
	db_stmt *st;
	/* A later plan that touched the same records and still stands; an
	 * undo of a plan later than this one cancels out and does not count. */
	if (!(st = db_prepare(s->db, "SELECT j.plan_id FROM journal_ops a"
			       " JOIN journal_ops b ON b.record_id = a.record_id"
			       " JOIN journal j ON j.plan_id = b.plan_id"
			       " WHERE a.plan_id = ?1 AND j.seq > ?2"
			       " AND j.undone_by IS NULL"
			       " AND NOT (j.undoes IS NOT NULL AND (SELECT seq FROM journal"
			       "  WHERE plan_id = j.undoes) > ?2)"
			       " ORDER BY j.seq LIMIT 1")))
		return st_fail(s, "journal");
	db_bind_text(st, 1, plan_id);
	db_bind_int(st, 2, seq);
	int rc = db_step(st);
	if (rc == DB_ROW)
		snprintf(later, 65, "%s", db_column_text(st, 0));
	db_finalize(st);
	return rc == DB_ROW ? 1 : rc == DB_DONE ? 0 : st_fail(s, "journal");
}

int store_journal_each_reverse(store *s, const char *plan_id,
			       int (*fn)(void *ctx, const char *record_id,
					 const char *before),
			       void *ctx)
{
	db_stmt *st;
	/* newest first: SQLite's row order, PostgreSQL's sequence */
	if (!(st = db_prepare(s->db, s->pg ? "SELECT record_id, before FROM journal_ops"
					      " WHERE plan_id = ? ORDER BY seq DESC"
					    : "SELECT record_id, before FROM journal_ops"
					      " WHERE plan_id = ? ORDER BY rowid DESC")))
		return st_fail(s, "journal_ops");
	db_bind_text(st, 1, plan_id);
	int rc;
	while ((rc = db_step(st)) == DB_ROW) {
		char *id = xstrdup(db_column_text(st, 0));
		const char *before = db_column_text(st, 1);
		char *copy = before ? xstrdup((const char *)before) : NULL;
		int bad = fn(ctx, id, copy);
		free(id);
		free(copy);
		if (bad) {
			db_finalize(st);
			return -1;
		}
	}
	db_finalize(st);
	return rc == DB_DONE ? 0 : st_fail(s, "journal_ops");
}

/* Runs sql with the texts bound in order; 0 or -1. */
static int run(store *s, const char *sql, const char *a, const char *b)
{
	db_stmt *st;
	if (!(st = db_prepare(s->db, sql)))
		return st_fail(s, "journal");
	db_bind_text(st, 1, a);
	if (b)
		db_bind_text(st, 2, b);
	int rc = db_step(st);
	db_finalize(st);
	return rc == DB_DONE ? 0 : st_fail(s, "journal");
}

/*
 * An undone plan and its undo keep their journal rows under new names,
 * PLAN_ID~SEQ and undo:PLAN_ID~SEQ (SEQ: the plan's journal row), so that
 * the same plan may be applied again (its id is free) and undone again.
 */
int store_journal_mark_undone(store *s, const char *plan_id,
			      const char *undo_id)
{
	db_stmt *st;
	if (!(st = db_prepare(s->db, "SELECT seq FROM journal WHERE plan_id = ?")))
		return st_fail(s, "journal");
	db_bind_text(st, 1, plan_id);
	int rc = db_step(st);
	long long seq = rc == DB_ROW ? db_column_int(st, 0) : 0;
	db_finalize(st);
	if (rc != DB_ROW)
		return st_fail(s, "journal");
	char old_name[80], new_name[100], new_undo[120];
	snprintf(old_name, sizeof old_name, "%s", plan_id);
	snprintf(new_name, sizeof new_name, "%s~%lld", plan_id, seq);
	snprintf(new_undo, sizeof new_undo, "undo:%s", new_name);
	if (run(s, "UPDATE journal_ops SET plan_id = ?2 WHERE plan_id = ?1",
		old_name, new_name) != 0 ||
	    run(s, "UPDATE journal_ops SET plan_id = ?2 WHERE plan_id = ?1",
		undo_id, new_undo) != 0 ||
	    run(s, "UPDATE journal SET plan_id = ?2 WHERE plan_id = ?1", undo_id,
		new_undo) != 0 ||
	    run(s, "UPDATE journal SET plan_id = ?2 WHERE plan_id = ?1", old_name,
		new_name) != 0 ||
	    run(s, "UPDATE journal SET undone_by = ?2 WHERE plan_id = ?1", new_name,
		new_undo) != 0 ||
	    run(s, "UPDATE journal SET undoes = ?1 WHERE plan_id = ?2", new_name,
		new_undo) != 0)
		return -1;
	return 0;
}

int store_journal_pruned(store *s, const char *plan_id, char when[21])
{
	db_stmt *st;
	when[0] = '\0';
	if (!(st = db_prepare(s->db, "SELECT pruned_at FROM journal WHERE plan_id = ?")))
		return st_fail(s, "journal");
	db_bind_text(st, 1, plan_id);
	int rc = db_step(st);
	if (rc == DB_ROW && db_column_text(st, 0))
		snprintf(when, 21, "%s", db_column_text(st, 0));
	db_finalize(st);
	return rc == DB_ROW || rc == DB_DONE ? (when[0] != '\0') : st_fail(s, "journal");
}

/* How many rows a statement counted (SELECT count(*) ...), -1 on error. */
static long long count_of(store *s, const char *sql, const char *arg)
{
	db_stmt *st;
	if (!(st = db_prepare(s->db, sql)))
		return st_fail(s, "journal");
	db_bind_text(st, 1, arg);
	int rc = db_step(st);
	long long n = rc == DB_ROW ? db_column_int(st, 0) : -1;
	db_finalize(st);
	return n >= 0 ? n : st_fail(s, "journal");
}

int store_journal_prune(store *s, const char *cutoff, long long *plans,
			long long *records)
{
	/* the plans applied (and the undos made) at or before the cutoff whose
	 * before-images are still kept */
	static const char *const select_plans =
		"FROM journal WHERE applied_at <= ?1 AND pruned_at IS NULL";
	char sql[256], now[21];
	rp_now_utc(now);
	snprintf(sql, sizeof sql, "SELECT count(*) %s", select_plans);
	if ((*plans = count_of(s, sql, cutoff)) < 0)
		return -1;
	snprintf(sql, sizeof sql,
		 "SELECT count(*) FROM journal_ops WHERE plan_id IN (SELECT plan_id %s)",
		 select_plans);
	if ((*records = count_of(s, sql, cutoff)) < 0)
		return -1;
	db_stmt *st;
	snprintf(sql, sizeof sql,
		 "DELETE FROM journal_ops WHERE plan_id IN (SELECT plan_id %s)",
		 select_plans);
	if (!(st = db_prepare(s->db, sql)))
		return st_fail(s, "journal_ops");
	db_bind_text(st, 1, cutoff);
	int rc = db_step(st);
	db_finalize(st);
	if (rc != DB_DONE)
		return st_fail(s, "journal_ops");
	snprintf(sql, sizeof sql, "UPDATE journal SET pruned_at = ?2 %s",
		 select_plans + strlen("FROM journal"));
	if (!(st = db_prepare(s->db, sql)))
		return st_fail(s, "journal");
	db_bind_text(st, 1, cutoff);
	db_bind_text(st, 2, now);
	rc = db_step(st);
	db_finalize(st);
	return rc == DB_DONE ? 0 : st_fail(s, "journal");
}

int store_erase_freed(store *s)
{
	/* SQLite: the file rebuilt without its free pages (where deleted rows
	 * linger), zeroing what it frees from now on, and the log emptied;
	 * PostgreSQL: the tables that held people rewritten, one statement
	 * each (VACUUM runs outside a transaction only) */
	if (!s->pg)
		return st_exec(s, "PRAGMA secure_delete = ON; VACUUM;"
				  " PRAGMA wal_checkpoint(TRUNCATE)");
	static const char *const tables[] = {
		"journal_ops", "users", "user_ids", "user_school_ids", "user_roles",
		"enrollments",
	};
	for (size_t i = 0; i < sizeof tables / sizeof *tables; i++) {
		char sql[64];
		snprintf(sql, sizeof sql, "VACUUM FULL %s", tables[i]);
		if (st_exec(s, sql) != 0)
			return -1;
	}
	return 0;
}

int store_backup(store *s, const char *path)
{
	if (db_backup(s->db, path) == 0)
		return 0;
	snprintf(s->err, sizeof s->err, "%s", db_errmsg(s->db));
	return -1;
}
