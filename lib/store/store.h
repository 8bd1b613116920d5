#ifndef RP_STORE_H
#define RP_STORE_H

#include <stdbool.h>

#include "record.h"

/*
 * The product's store on SQLite: one table per canonical entity (a column
 * per string or bool field, keyed by an integer n; the id is a letter and n,
 * "u17"), a side table per list or map field (user_school_ids,
 * section_term_ids, user_ids: every identifier of a user, indexed by type
 * and value), automation rules, and the journal of applied plans with each
 * operation's before-image. Every statement is prepared; SQL is built from
 * the schema tables, never from data.
 *
 * Every row carries the store version that last changed it; the store's
 * version goes up by one with every applied plan.
 */
typedef struct store store;

/* Opens (creating it with its schema when create is set and the file is
 * new) and migrates the schema forward. NULL with a message on failure. */
/* Whether there is no store at path: a SQLite file that does not exist (a
 * PostgreSQL database is made by its administrator, never missing here). */
bool store_missing(const char *path);

/* The files a SQLite store at path is made of: the file itself and the
 * side files SQLite keeps beside it (-wal, -shm, -journal), i from 0 to
 * STORE_NFILES - 1; the i-th's name into buf. What removes a store, or a
 * copy of one, removes them all. */
enum { STORE_NFILES = 4 };
void store_file_name(const char *path, int i, char *buf, size_t size);

store *store_open(const char *path, bool create);
void store_close(store *s);
/* Whether this store_open made the store's tables (a new file, or a
 * PostgreSQL database that held none). */
bool store_made_now(const store *s);
/* Undoes what this run made when nothing was applied since: on
 * PostgreSQL drops the tables this open made; on SQLite, with
 * remove_file (the caller made the file), removes the file and its side
 * files. The version is checked under the writer's lock, and the removal
 * done under it, so that another writer's plan is never removed with it.
 * 1: removed; 0: kept (another run has applied to it, or nothing to
 * undo); -1: failed (store_errmsg). */
int store_unmake(store *s, bool remove_file);
/* A PostgreSQL database without the store's tables, opened without
 * create: it reads as an empty store at version 0. */
bool store_has_no_tables(const store *s);

/* The store's version (0 for an empty one), or -1 when it cannot be read. */
long long store_version(store *s);
/* The store's identity, made when it was created and kept by copies and
 * backups (32 hex digits); "" for a database without the store's tables. */
const char *store_id(const store *s);
const char *store_errmsg(store *s);

/* Transactions: BEGIN IMMEDIATE so two writers queue instead of failing. */
int store_begin(store *s);
int store_commit(store *s);
void store_rollback(store *s);

/* Drops the indexes of e's table and side tables until store_commit, which
 * builds them again before it commits (a rollback keeps them as they
 * were). For a transaction filling an empty table with many records: a
 * look-up through one of those indexes meanwhile scans the table. */
int store_defer_indexes(store *s, const struct rec_entity *e);
/* The same for the journal's operations, when there are none yet (a
 * store's first import): nothing reads them before the commit. */
int store_defer_journal_indexes(store *s);

/* The letter of an entity's ids and the entity of an id ("u17" -> user). */
char store_id_letter(const struct rec_entity *e);
const struct rec_entity *store_entity_of_id(const char *id, long long *n);

/* Reads record n of entity e into r (strings in r's arena). 1, 0 if absent,
 * -1 on error. *version (if not NULL) gets the row's version. */
int store_load(store *s, const struct rec_entity *e, long long n, rec *r,
	       long long *version);
/* Writes r as record n (insert or replace), stamped with version. */
int store_save(store *s, const rec *r, long long n, long long version);
/* store_save of record n as it was loaded into was and then changed into
 * r: the rows of the lists and maps that did not change are left as they
 * are (an update of a user's grade writes one row, not a row per
 * identifier and school too). */
int store_update(store *s, const rec *r, const rec *was, long long n,
		 long long version);
/* The same for a record n that has never existed (a fresh store_next_n):
 * a plain insert, with no side rows to clear first. */
int store_insert(store *s, const rec *r, long long n, long long version);
/* 1 when entity e has no records, 0 when it has, -1 on error. */
int store_is_empty(store *s, const struct rec_entity *e);
int store_remove(store *s, const struct rec_entity *e, long long n);
/* 1 when record n of e exists, 0 when not, -1 on error. */
int store_exists(store *s, const struct rec_entity *e, long long n);
/* A fresh n for a new record of e (never reused); counted in memory and
 * written at store_commit. -1 when the counter cannot be read. */
long long store_next_n(store *s, const struct rec_entity *e);
/* The n of the record of e with this source and source id; for users also
 * any stored identifier of type source. 0 when there is none, -1 when the
 * store cannot be read. */
long long store_find_source(store *s, const struct rec_entity *e,
			    const char *source, const char *source_id);
/* The n of every enrollment of a user or a section (field E_USER_ID or
 * E_SECTION_ID equal to id). Caller frees *ns. */
int store_enrollments_of(store *s, int field, const char *id, long long **ns,
			 size_t *count);

/* Calls fn with the id of each record that names record id (an enrollment
 * naming a user, a section naming a term...); fn returns non-zero to stop,
 * and that is returned. 0 when done, -1 on an error. */
int store_referrers(store *s, const char *id,
		    int (*fn)(void *ctx, const char *referrer), void *ctx);

/* What a school holds, for the guard: its users (active, and all), its
 * sections and their enrollments. school NULL: users with no school and
 * sections with none. */
struct store_school_counts {
	long long active, users, sections, enrollments;
};
int store_count_school(store *s, const char *school,
		       struct store_school_counts *c);

/*
 * Reading ahead: what the next operations of a plan will ask, asked in one
 * go. On PostgreSQL each kind is one query for all of them, and
 * store_load, store_exists and store_find_source then answer from what it
 * read, until the same kind is asked again for that entity, or the end of
 * the transaction; a record written meanwhile is read again, and any write
 * forgets the answers about existence and source ids. On SQLite, where a read is a
 * call and not a round trip, nothing is done. 0, or -1 (store_errmsg).
 */
enum store_want_kind { STORE_WANT_LOAD, STORE_WANT_EXISTS, STORE_WANT_SOURCE };
struct store_want {
	enum store_want_kind kind;
	const struct rec_entity *e;
	long long n;		    /* LOAD, EXISTS */
	const char *source, *sid;   /* SOURCE */
};
bool store_reads_ahead(const store *s);
int store_read_ahead(store *s, const struct store_want *w, size_t count);

/* What reads the store: begin (may be NULL) gets the version every record
 * is read from and the store's identity; record gets each state record (borrowed until it returns).
 * A non-zero return stops the reading. */
struct store_reader {
	int (*begin)(void *ctx, long long version, const char *store_id);
	int (*record)(void *ctx, const rec *r);
	void *ctx;
};

/* The first name of a comma-separated list that is no entity of the
 * store (school, term, section, enrollment, user, appointment), or NULL
 * when every name is one. */
const char *store_unknown_entity(const char *list);
/* How many records the entities selected hold (NULL: all): a total for
 * snapshot's progress. -1 on error. */
long long store_count_records(store *s, const char *entities);

/* The state records of the entities selected (a comma list; NULL = all),
 * limited to one school when school is set, in entity then id order, all
 * from one version of the store. 0, or -1 (store_errmsg, unless a reader
 * callback stopped it). */
int store_read(store *s, const char *entities, const char *school,
	       const struct store_reader *rd);

/* Journal. */
/* 1 when the plan is in the journal and stands, 0 when not (*undone_at: the
 * version of its latest undo when it was applied and undone, else 0), -1
 * when the journal cannot be read. */
int store_plan_applied(store *s, const char *plan_id, long long *undone_at);
int store_journal_plan(store *s, const char *plan_id, const char *producer,
		       long long base_version, long long version, bool forced,
		       const char *undoes);
int store_journal_op(store *s, const char *plan_id, long n, const char *op,
		     const char *entity, const char *record_id,
		     const char *before);
/* The applied plan whose id starts with plan_id (8 characters at least):
 * 1 with its full id, journal sequence and whether it was undone; 0 when
 * none or several match (store_errmsg says which); -1 on error. */
int store_journal_find(store *s, const char *plan_id, char found[65],
		       long long *seq, bool *undone);
/* 1 with the id of the first later plan, still standing, that touched a
 * record this plan touched; 0 when there is none. */
int store_journal_later(store *s, const char *plan_id, long long seq,
			char later[65]);
/* Calls fn for each journalled record change of a plan, newest first;
 * before is NULL for a record the plan created. */
int store_journal_each_reverse(store *s, const char *plan_id,
			       int (*fn)(void *ctx, const char *record_id,
					 const char *before),
			       void *ctx);
int store_journal_mark_undone(store *s, const char *plan_id,
			      const char *undo_id);
/* The plan's counts per operation and entity, as JSON
 * ({"create":{"user":3},...}), kept in its journal row (apply --history). */
int store_journal_counts(store *s, const char *plan_id, const char *counts);
/* One journalled plan (or undo, "undo:PLAN_ID"), as apply --history
 * lists it; strings are NULL when absent, borrowed until fn returns.
 * counts: as kept, or counted from the journal rows for a plan kept
 * before there were counts (NULL once pruned). */
struct store_history {
	long long seq, base_version, version;
	const char *plan_id, *producer, *applied_at, *undoes, *undone_by,
		*pruned_at, *counts;
	bool forced;
};
/* Calls fn for each plan of the journal, oldest first; fn returns
 * non-zero to stop. 0, or -1 (store_errmsg). */
int store_journal_history(store *s,
			  int (*fn)(void *ctx, const struct store_history *h),
			  void *ctx);
/* Bumps the store version: the version the plan being applied writes. */
long long store_bump_version(store *s);

/* Ends the undo window of the plans (and undos) applied at or before
 * cutoff (RFC 3339): their before-images are deleted, and the journal
 * says when (pruned_at). Counts what it pruned. In a transaction. */
int store_journal_prune(store *s, const char *cutoff, long long *plans,
			long long *records);
/* 1 with the time when the plan's undo window ended, 0 when it has not,
 * -1 on error. */
int store_journal_pruned(store *s, const char *plan_id, char when[21]);
/* Erases from the store's files what deleted rows left behind (SQLite:
 * VACUUM with secure_delete, the log emptied; PostgreSQL: VACUUM FULL of
 * the tables that held people). Outside a transaction. */
int store_erase_freed(store *s);

/* Meta values (freeze flag and the like). */
/* A meta value into *value (malloc'd; NULL when there is none): 0, or -1
 * when the store could not be read (never taken for "none"). */
int store_meta_get(store *s, const char *key, char **value);
int store_meta_set(store *s, const char *key, const char *value);

/* A consistent copy of the store in a new file (SQLite's online backup),
 * checked with PRAGMA integrity_check. 0 or -1 (store_errmsg). */
int store_backup(store *s, const char *path);


#endif
