/* The store: opening it (schema checked, statements prepared), its
 * transactions, and the store ids of records ("u17"). */
#include "store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "xalloc.h"

const struct rec_entity *const st_entities[NENT] = {
	&REC_SCHOOL, &REC_TERM, &REC_SECTION,
	&REC_ENROLLMENT, &REC_USER, &REC_APPOINTMENT,
};
static const char letters[NENT] = {'s', 't', 'c', 'e', 'u', 'a'};

char store_id_letter(const struct rec_entity *e) { return letters[entity_index(e)]; }

const struct rec_entity *store_entity_of_id(const char *id, long long *n)
{
	for (int i = 0; i < NENT; i++)
		if (id[0] == letters[i] && id[1] >= '1' && id[1] <= '9') {
			char *end;
			long long v = strtoll(id + 1, &end, 10);
			if (*end || v <= 0)
				return NULL;
			*n = v;
			return st_entities[i];
		}
	return NULL;
}

bool store_missing(const char *path)
{
	return !db_is_postgres(path) && access(path, F_OK) != 0;
}

void store_file_name(const char *path, int i, char *buf, size_t size)
{
	static const char *const suffix[STORE_NFILES] = {"", "-wal", "-shm", "-journal"};
	snprintf(buf, size, "%s%s", path, suffix[i]);
}

const char *store_id(const store *s) { return s->id; }

const char *store_errmsg(store *s) { return s->err; }

int st_fail(store *s, const char *what)
{
	snprintf(s->err, sizeof s->err, "%.200s: %.1000s", what,
		 db_errmsg(s->db));
	return -1;
}

int st_exec(store *s, const char *sql)
{
	if (db_exec(s->db, sql) == 0)
		return 0;
	snprintf(s->err, sizeof s->err, "%s", db_errmsg(s->db));
	return -1;
}

db_stmt *st_prepare(store *s, const char *sql)
{
	db_stmt *st = db_prepare(s->db, sql);
	if (!st)
		snprintf(s->err, sizeof s->err, "%s", db_errmsg(s->db));
	return st;
}

/* A statement of rows that nothing reads back within the transaction
 * (COPY on PostgreSQL: db_prepare_bulk). */
static db_stmt *st_prepare_bulk(store *s, const char *sql)
{
	db_stmt *st = db_prepare_bulk(s->db, sql);
	if (!st)
		snprintf(s->err, sizeof s->err, "%s", db_errmsg(s->db));
	return st;
}

/* ---- statements -------------------------------------------------------- */

static int prepare_table(store *s, struct table *t)
{
	char cols[1024] = "n, version", marks[256] = "?, ?",
	     sets[2048] = "version = excluded.version", sql[4096];
	const struct rec_entity *e = t->ent;
	snprintf(t->name, sizeof t->name, "%ss", e->type);
	for (int f = 0; f < e->nfields; f++)
		if (is_column(&e->fields[f])) {
			const char *name = e->fields[f].name;
			strcat(cols, ", ");
			strcat(cols, name);
			strcat(marks, ", ?");
			snprintf(sets + strlen(sets), sizeof sets - strlen(sets),
				 ", %s = excluded.%s", name, name);
		}
	/* an upsert both dialects speak */
	snprintf(sql, sizeof sql,
		 "INSERT INTO %s(%s) VALUES(%s) ON CONFLICT(n) DO UPDATE SET %s",
		 t->name, cols, marks, sets);
	if (!(t->save = st_prepare(s, sql)))
		return -1;
	snprintf(sql, sizeof sql, "INSERT INTO %s(%s) VALUES(%s)", t->name, cols,
		 marks);
	if (!(t->insert = st_prepare_bulk(s, sql)))
		return -1;
	snprintf(sql, sizeof sql, "SELECT 1 FROM %s LIMIT 1", t->name);
	if (!(t->any = st_prepare(s, sql)))
		return -1;
	snprintf(sql, sizeof sql, "SELECT %s FROM %s WHERE n = ?", cols, t->name);
	if (!(t->load = st_prepare(s, sql)))
		return -1;
	snprintf(sql, sizeof sql, "DELETE FROM %s WHERE n = ?", t->name);
	if (!(t->remove = st_prepare_bulk(s, sql)))
		return -1;
	/* saves and removes are of records there before the transaction:
	 * they need not wait for the fresh records still to be copied */
	db_set_keyed(t->save);
	db_set_keyed(t->remove);
	snprintf(sql, sizeof sql, "SELECT 1 FROM %s WHERE n = ?", t->name);
	if (!(t->exists = st_prepare(s, sql)))
		return -1;
	if (rec_field_index(e, "source_id") >= 0) {
		snprintf(sql, sizeof sql,
			 "SELECT n FROM %s WHERE source = ? AND source_id = ?"
			 " ORDER BY n LIMIT 1", t->name);
		if (!(t->by_source = st_prepare(s, sql)))
			return -1;
	}
	for (int f = 0; f < e->nfields; f++) {
		if (!is_side(&e->fields[f]))
			continue;
		char side[64];
		side_name(t, &e->fields[f], side, sizeof side);
		snprintf(sql, sizeof sql, "DELETE FROM %s WHERE n = ?", side);
		if (!(t->side_clear[f] = st_prepare_bulk(s, sql)))
			return -1;
		snprintf(sql, sizeof sql,
			 "INSERT INTO %s(n, pos, key, value) VALUES(?, ?, ?, ?)",
			 side);
		if (!(t->side_add[f] = st_prepare(s, sql)) ||
		    !(t->side_fresh[f] = st_prepare_bulk(s, sql)))
			return -1;
		db_set_keyed(t->side_clear[f]);
		db_set_keyed(t->side_add[f]);
		snprintf(sql, sizeof sql,
			 "SELECT key, value FROM %s WHERE n = ? ORDER BY pos", side);
		if (!(t->side_load[f] = st_prepare(s, sql)))
			return -1;
	}
	return 0;
}

static void finalize_table(struct table *t)
{
	db_finalize(t->save);
	db_finalize(t->insert);
	db_finalize(t->any);
	db_finalize(t->load);
	db_finalize(t->remove);
	db_finalize(t->by_source);
	db_finalize(t->exists);
	for (int f = 0; f < REC_MAX_FIELDS; f++) {
		db_finalize(t->side_clear[f]);
		db_finalize(t->side_add[f]);
		db_finalize(t->side_fresh[f]);
		db_finalize(t->side_load[f]);
	}
}

store *store_open(const char *path, bool create)
{
	store *s = xcalloc(1, sizeof *s);
	char name[1024], why[1024];
	db_display_name(path, name, sizeof name);
	if (!(s->db = db_open(path, create, why, sizeof why))) {
		rp_warnx("%s: %s", name, why);
		free(s);
		return NULL;
	}
	s->pg = db_kind(s->db) == DB_POSTGRES;
	if (!s->pg && strcmp(path, ":memory:") != 0) {
		struct stat st;
		if (stat(path, &st) != 0) {
			snprintf(s->err, sizeof s->err,
				 "the store's file was removed while it was being opened");
			goto failed;
		}
		s->path = xstrdup(path);
		s->dev = st.st_dev;
		s->ino = st.st_ino;
	}
	/* SQLite: a 64 MB page cache, so that a district's indexes stay in
	 * memory while a plan of a million operations is applied */
	if ((!s->pg && st_exec(s, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
			       " PRAGMA foreign_keys=OFF; PRAGMA cache_size=-65536;"
			       " PRAGMA temp_store=MEMORY;") != 0) ||
	    st_ensure_schema(s, create) != 0)
		goto failed;
	for (int i = 0; i < NENT; i++) {
		s->tables[i].ent = st_entities[i];
		if (!s->empty && prepare_table(s, &s->tables[i]) != 0)
			goto failed;
	}
	if (s->empty)
		return s;
	if (!(s->meta_get = st_prepare(s, "SELECT value FROM meta WHERE key = ?")) ||
	    !(s->meta_set = st_prepare(s, "INSERT INTO meta VALUES(?, ?) ON CONFLICT(key)"
				       " DO UPDATE SET value = excluded.value")) ||
	    !(s->user_by_id_type = st_prepare(s,
			"SELECT n FROM user_ids WHERE value = ? AND key = ?"
			" ORDER BY n LIMIT 1")) ||
	    !(s->journal_op = st_prepare_bulk(s,
			"INSERT INTO journal_ops(plan_id, n, op, entity, record_id,"
			" before) VALUES(?, ?, ?, ?, ?, ?)")))
		goto failed;
	char *id;
	if (store_meta_get(s, "store_id", &id) != 0)
		goto failed;
	snprintf(s->id, sizeof s->id, "%s", id ? id : "");
	free(id);
	return s;
failed:
	rp_warnx("%s: %s", name, s->err);
	store_close(s);
	return NULL;
}

bool store_has_no_tables(const store *s) { return s->empty; }

void store_close(store *s)
{
	if (!s)
		return;
	st_ahead_free(s);
	for (int i = 0; i < NENT; i++)
		finalize_table(&s->tables[i]);
	db_finalize(s->meta_get);
	db_finalize(s->meta_set);
	db_finalize(s->user_by_id_type);
	db_finalize(s->journal_op);
	st_forget_deferred(s);
	db_close(s->db);
	free(s->path);
	free(s);
}

int st_flush_counters(store *s);
int st_restore_indexes(store *s);

/* On PostgreSQL the writes of a transaction are pipelined, and fresh rows
 * copied (db_pipeline): an error shows at the next read or at the commit,
 * and the transaction rolls back whole as before. */
int store_begin(store *s)
{
	st_forget_counters(s);
	st_ahead_forget(s);
	if (st_begin_write(s) != 0)
		return -1;
	return db_pipeline(s->db, true) == 0 ? 0 : st_fail(s, "pipeline");
}

int store_commit(store *s)
{
	st_ahead_forget(s);
	if (st_restore_indexes(s) != 0 || st_flush_counters(s) != 0)
		return -1;
	if (db_pipeline(s->db, false) != 0)
		return st_fail(s, "write");
	return st_exec(s, "COMMIT");
}

void store_rollback(store *s)
{
	st_forget_counters(s);
	st_ahead_forget(s);
	st_forget_deferred(s); /* the rollback puts the dropped indexes back */
	db_pipeline(s->db, false); /* what is still pipelined is lost anyway */
	db_exec(s->db, "ROLLBACK"); /* keeps the error that led here */
}
