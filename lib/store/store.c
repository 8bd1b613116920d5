#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"

#include "clock.h"
#include "err.h"
#include "xalloc.h"

#define SCHEMA_VERSION 1
#define NENT 6

static const struct rec_entity *const entities[NENT] = {
	&REC_SCHOOL, &REC_TERM, &REC_SECTION,
	&REC_ENROLLMENT, &REC_USER, &REC_APPOINTMENT,
};
static const char letters[NENT] = {'s', 't', 'c', 'e', 'u', 'a'};

/* Prepared statements of one entity. */
struct table {
	const struct rec_entity *ent;
	char name[32];
	db_stmt *save, *insert, *load, *remove, *by_source, *exists, *any;
	db_stmt *side_clear[REC_MAX_FIELDS], *side_add[REC_MAX_FIELDS],
		*side_load[REC_MAX_FIELDS];
};

struct store {
	db *db;
	bool pg; /* PostgreSQL, else SQLite */
	bool empty; /* a PostgreSQL database without the store's tables, read */
	struct table tables[NENT];
	db_stmt *meta_get, *meta_set, *user_by_id_type, *journal_op;
	char **deferred; /* CREATE INDEX statements of indexes dropped for now */
	size_t ndeferred;
	long long next[NENT]; /* id counters of the transaction */
	bool next_loaded[NENT], next_dirty[NENT];
	char err[4096];
};

static int entity_index(const struct rec_entity *e)
{
	for (int i = 0; i < NENT; i++)
		if (entities[i] == e)
			return i;
	return -1;
}

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
			return entities[i];
		}
	return NULL;
}

const char *store_errmsg(store *s) { return s->err; }

static int fail(store *s, const char *what)
{
	snprintf(s->err, sizeof s->err, "%.200s: %.1000s", what,
		 db_errmsg(s->db));
	return -1;
}

static int exec(store *s, const char *sql)
{
	if (db_exec(s->db, sql) == 0)
		return 0;
	snprintf(s->err, sizeof s->err, "%s", db_errmsg(s->db));
	return -1;
}

static db_stmt *prepare(store *s, const char *sql)
{
	db_stmt *st = db_prepare(s->db, sql);
	if (!st)
		snprintf(s->err, sizeof s->err, "%s", db_errmsg(s->db));
	return st;
}

static void forget_deferred(store *s);

static bool is_column(const struct rec_field *f)
{
	return (f->kind == K_STR || f->kind == K_BOOL) && strcmp(f->name, "id") != 0;
}

static bool is_side(const struct rec_field *f)
{
	return f->kind == K_LIST || f->kind == K_MAP;
}

/* Side table of a list or map field: user.ids -> user_ids. */
static void side_name(const struct table *t, const struct rec_field *f,
		      char *out, size_t size)
{
	snprintf(out, size, "%s_%s", t->ent->type, f->name);
}

/* ---- schema ------------------------------------------------------------ */

static void append(char **buf, size_t *len, size_t *cap, const char *s)
{
	size_t n = strlen(s);
	if (*len + n + 1 > *cap) {
		*cap = (*len + n + 1) * 2;
		*buf = xrealloc(*buf, *cap);
	}
	memcpy(*buf + *len, s, n + 1);
	*len += n;
}

/* Every occurrence of from in *sql replaced by to. */
static void replace_all(char **sql, const char *from, const char *to)
{
	size_t nf = strlen(from), nt = strlen(to), count = 0;
	for (const char *p = *sql; (p = strstr(p, from)); p += nf)
		count++;
	char *out = xmalloc(strlen(*sql) + count * nt + 1), *o = out;
	const char *p = *sql, *hit;
	while ((hit = strstr(p, from))) {
		memcpy(o, p, (size_t)(hit - p));
		o += hit - p;
		memcpy(o, to, nt);
		o += nt;
		p = hit + nf;
	}
	strcpy(o, p);
	free(*sql);
	*sql = out;
}

/* The schema in SQLite's words; PostgreSQL gets 64-bit integers, and
 * sequences where SQLite numbers rows itself (journal order, rule ids). */
static char *schema_sql(bool pg)
{
	char *sql = NULL, line[512];
	size_t len = 0, cap = 0;
	append(&sql, &len, &cap,
	       "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT);\n");
	for (int i = 0; i < NENT; i++) {
		const struct rec_entity *e = entities[i];
		snprintf(line, sizeof line,
			 "CREATE TABLE %ss(n INTEGER PRIMARY KEY, version INTEGER NOT NULL",
			 e->type);
		append(&sql, &len, &cap, line);
		for (int f = 0; f < e->nfields; f++) {
			if (!is_column(&e->fields[f]))
				continue;
			snprintf(line, sizeof line, ", %s %s", e->fields[f].name,
				 e->fields[f].kind == K_BOOL ? "INTEGER" : "TEXT");
			append(&sql, &len, &cap, line);
		}
		append(&sql, &len, &cap, ");\n");
		for (int f = 0; f < e->nfields; f++) {
			if (!is_side(&e->fields[f]))
				continue;
			snprintf(line, sizeof line,
				 "CREATE TABLE %s_%s(n INTEGER NOT NULL, pos INTEGER NOT NULL,"
				 " key TEXT, value TEXT NOT NULL, PRIMARY KEY(n, pos));\n"
				 "CREATE INDEX %s_%s_value ON %s_%s(value, key);\n",
				 e->type, e->fields[f].name, e->type,
				 e->fields[f].name, e->type, e->fields[f].name);
			append(&sql, &len, &cap, line);
		}
		if (rec_field_index(e, "source_id") >= 0) {
			snprintf(line, sizeof line,
				 "CREATE INDEX %ss_source ON %ss(source, source_id);\n",
				 e->type, e->type);
			append(&sql, &len, &cap, line);
		}
	}
	append(&sql, &len, &cap,
	       "CREATE INDEX enrollments_section ON enrollments(section_id);\n"
	       "CREATE INDEX enrollments_user ON enrollments(user_id);\n"
	       "CREATE INDEX sections_school ON sections(school_id);\n"
	       "CREATE INDEX appointments_year ON appointments(school_year);\n"
	       /* the product's automation, paused with its school's flag */
	       "CREATE TABLE automation_rules(n INTEGER PRIMARY KEY,"
	       " school_id TEXT NOT NULL, name TEXT NOT NULL,"
	       " enabled INTEGER NOT NULL DEFAULT 1);\n"
	       "CREATE TABLE journal(seq INTEGER PRIMARY KEY,"
	       " plan_id TEXT NOT NULL UNIQUE, producer TEXT, applied_at TEXT NOT NULL,"
	       " base_version INTEGER, version INTEGER NOT NULL,"
	       " forced INTEGER NOT NULL DEFAULT 0, undoes TEXT, undone_by TEXT);\n"
	       "CREATE TABLE journal_ops(plan_id TEXT NOT NULL, n INTEGER NOT NULL,"
	       " op TEXT NOT NULL, entity TEXT NOT NULL, record_id TEXT NOT NULL,"
	       " before TEXT);\n"
	       "CREATE INDEX journal_ops_plan ON journal_ops(plan_id, n);\n"
	       "CREATE INDEX journal_ops_record ON journal_ops(record_id);\n"
	       "INSERT INTO meta VALUES('version', '0');\n");
	if (pg) {
		replace_all(&sql, "journal(seq INTEGER PRIMARY KEY", "journal(seq BIGSERIAL PRIMARY KEY");
		replace_all(&sql, "automation_rules(n INTEGER PRIMARY KEY",
			    "automation_rules(n BIGSERIAL PRIMARY KEY");
		replace_all(&sql, "TABLE journal_ops(plan_id", "TABLE journal_ops(seq BIGSERIAL, plan_id");
		replace_all(&sql, "INTEGER", "BIGINT");
	}
	return sql;
}

/* Forward migrations, one per schema version after the first. */
static const char *const migrations[] = {
	NULL, /* 1: the schema above */
};

static int schema_version(store *s)
{
	db_stmt *st;
	int v = -1;
	if (db_table_exists(s->db, "meta") != 1)
		return 0; /* no meta table: a new store */
	if (!(st = db_prepare(s->db, "SELECT value FROM meta WHERE key='schema_version'")))
		return -1;
	if (db_step(st) == DB_ROW)
		v = db_column_int(st, 0);
	db_finalize(st);
	return v;
}

/* One writer at a time: SQLite's write lock taken at BEGIN; on PostgreSQL
 * a transaction-scoped advisory lock per store (database and schema), so
 * that two applies to one store never interleave (docs/scaling.md). */
static int begin_write(store *s)
{
	return exec(s, s->pg ? "BEGIN; SELECT pg_advisory_xact_lock("
			       "hashtext('rosterpipe store ' || current_database()"
			       " || '.' || current_schema()))"
			     : "BEGIN IMMEDIATE");
}

static int ensure_schema(store *s, bool create)
{
	int v = schema_version(s);
	if (v == 0 && !create && s->pg) {
		s->empty = true; /* reads as a store at version 0 */
		return 0;
	}
	if (v == 0 && !create) {
		snprintf(s->err, sizeof s->err, "not a rosterpipe store");
		return -1;
	}
	if (v > SCHEMA_VERSION) {
		snprintf(s->err, sizeof s->err,
			 "store schema %d is newer than this program (%d)", v,
			 SCHEMA_VERSION);
		return -1;
	}
	if (v == SCHEMA_VERSION)
		return 0;
	if (begin_write(s) != 0)
		return -1;
	v = schema_version(s); /* another process may have made it meanwhile */
	if (v < 0 || v > SCHEMA_VERSION) {
		snprintf(s->err, sizeof s->err, "not a rosterpipe store (schema %d)", v);
		goto failed;
	}
	if (v == 0) {
		char *sql = schema_sql(s->pg);
		int rc = exec(s, sql);
		free(sql);
		if (rc != 0)
			goto failed;
		v = 1;
	}
	for (; v < SCHEMA_VERSION; v++)
		if (exec(s, migrations[v]) != 0)
			goto failed;
	char set[128];
	snprintf(set, sizeof set,
		 "INSERT INTO meta VALUES('schema_version', '%d') ON CONFLICT(key)"
		 " DO UPDATE SET value = excluded.value",
		 SCHEMA_VERSION);
	if (exec(s, set) != 0 || exec(s, "COMMIT") != 0)
		goto failed;
	return 0;
failed:
	exec(s, "ROLLBACK");
	return -1;
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
	if (!(t->save = prepare(s, sql)))
		return -1;
	snprintf(sql, sizeof sql, "INSERT INTO %s(%s) VALUES(%s)", t->name, cols,
		 marks);
	if (!(t->insert = prepare(s, sql)))
		return -1;
	snprintf(sql, sizeof sql, "SELECT 1 FROM %s LIMIT 1", t->name);
	if (!(t->any = prepare(s, sql)))
		return -1;
	snprintf(sql, sizeof sql, "SELECT %s FROM %s WHERE n = ?", cols, t->name);
	if (!(t->load = prepare(s, sql)))
		return -1;
	snprintf(sql, sizeof sql, "DELETE FROM %s WHERE n = ?", t->name);
	if (!(t->remove = prepare(s, sql)))
		return -1;
	snprintf(sql, sizeof sql, "SELECT 1 FROM %s WHERE n = ?", t->name);
	if (!(t->exists = prepare(s, sql)))
		return -1;
	if (rec_field_index(e, "source_id") >= 0) {
		snprintf(sql, sizeof sql,
			 "SELECT n FROM %s WHERE source = ? AND source_id = ?"
			 " ORDER BY n LIMIT 1", t->name);
		if (!(t->by_source = prepare(s, sql)))
			return -1;
	}
	for (int f = 0; f < e->nfields; f++) {
		if (!is_side(&e->fields[f]))
			continue;
		char side[64];
		side_name(t, &e->fields[f], side, sizeof side);
		snprintf(sql, sizeof sql, "DELETE FROM %s WHERE n = ?", side);
		if (!(t->side_clear[f] = prepare(s, sql)))
			return -1;
		snprintf(sql, sizeof sql,
			 "INSERT INTO %s(n, pos, key, value) VALUES(?, ?, ?, ?)",
			 side);
		if (!(t->side_add[f] = prepare(s, sql)))
			return -1;
		snprintf(sql, sizeof sql,
			 "SELECT key, value FROM %s WHERE n = ? ORDER BY pos", side);
		if (!(t->side_load[f] = prepare(s, sql)))
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
	/* SQLite: a 64 MB page cache, so that a district's indexes stay in
	 * memory while a plan of a million operations is applied */
	if ((!s->pg && exec(s, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
			       " PRAGMA foreign_keys=OFF; PRAGMA cache_size=-65536;"
			       " PRAGMA temp_store=MEMORY;") != 0) ||
	    ensure_schema(s, create) != 0)
		goto failed;
	for (int i = 0; i < NENT; i++) {
		s->tables[i].ent = entities[i];
		if (!s->empty && prepare_table(s, &s->tables[i]) != 0)
			goto failed;
	}
	if (s->empty)
		return s;
	if (!(s->meta_get = prepare(s, "SELECT value FROM meta WHERE key = ?")) ||
	    !(s->meta_set = prepare(s, "INSERT INTO meta VALUES(?, ?) ON CONFLICT(key)"
				       " DO UPDATE SET value = excluded.value")) ||
	    !(s->user_by_id_type = prepare(s,
			"SELECT n FROM user_ids WHERE value = ? AND key = ?"
			" ORDER BY n LIMIT 1")) ||
	    !(s->journal_op = prepare(s,
			"INSERT INTO journal_ops(plan_id, n, op, entity, record_id,"
			" before) VALUES(?, ?, ?, ?, ?, ?)")))
		goto failed;
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
	for (int i = 0; i < NENT; i++)
		finalize_table(&s->tables[i]);
	db_finalize(s->meta_get);
	db_finalize(s->meta_set);
	db_finalize(s->user_by_id_type);
	db_finalize(s->journal_op);
	forget_deferred(s);
	db_close(s->db);
	free(s);
}

static struct table *table_of(store *s, const struct rec_entity *e);
static int flush_counters(store *s);
static void forget_counters(store *s);
static int restore_indexes(store *s);

int store_begin(store *s)
{
	forget_counters(s);
	return begin_write(s);
}

int store_commit(store *s)
{
	if (restore_indexes(s) != 0 || flush_counters(s) != 0)
		return -1;
	return exec(s, "COMMIT");
}

void store_rollback(store *s)
{
	forget_counters(s);
	forget_deferred(s); /* the rollback puts the dropped indexes back */
	exec(s, "ROLLBACK");
}

/* ---- deferred indexes -------------------------------------------------- */

static int drop_indexes_of(store *s, const char *table)
{
	db_stmt *st;
	if (!(st = prepare(s, "SELECT name, sql FROM sqlite_master WHERE type = 'index'"
			      " AND tbl_name = ? AND sql IS NOT NULL ORDER BY rowid")))
		return -1;
	db_bind_text(st, 1, table);
	char drop[16][128];
	size_t ndrop = 0;
	int rc;
	while ((rc = db_step(st)) == DB_ROW && ndrop < 16) {
		s->deferred = xrealloc(s->deferred,
				       (s->ndeferred + 1) * sizeof *s->deferred);
		s->deferred[s->ndeferred++] = xstrdup(db_column_text(st, 1));
		/* index names come from the schema (schema_sql), not from data */
		snprintf(drop[ndrop++], sizeof drop[0], "DROP INDEX \"%s\"",
			 db_column_text(st, 0));
	}
	db_finalize(st);
	if (rc == DB_ERROR)
		return fail(s, "sqlite_master");
	/* dropped once the statement reading the schema is done */
	for (size_t i = 0; i < ndrop; i++)
		if (exec(s, drop[i]) != 0)
			return -1;
	return 0;
}

int store_defer_indexes(store *s, const struct rec_entity *e)
{
	if (s->pg)
		return 0; /* PostgreSQL builds its indexes as it goes; not measured */
	struct table *t = table_of(s, e);
	if (drop_indexes_of(s, t->name) != 0)
		return -1;
	for (int f = 0; f < e->nfields; f++) {
		char side[64];
		if (!is_side(&e->fields[f]))
			continue;
		side_name(t, &e->fields[f], side, sizeof side);
		if (drop_indexes_of(s, side) != 0)
			return -1;
	}
	return 0;
}

static void forget_deferred(store *s)
{
	for (size_t i = 0; i < s->ndeferred; i++)
		free(s->deferred[i]);
	free(s->deferred);
	s->deferred = NULL;
	s->ndeferred = 0;
}

/* Builds the dropped indexes again (each one sort of its table, instead of
 * one random insert per row), in the transaction that dropped them. */
static int restore_indexes(store *s)
{
	for (size_t i = 0; i < s->ndeferred; i++)
		if (exec(s, s->deferred[i]) != 0)
			return -1;
	forget_deferred(s);
	return 0;
}

/* ---- meta -------------------------------------------------------------- */

char *store_meta_get(store *s, const char *key)
{
	char *v = NULL;
	db_bind_text(s->meta_get, 1, key);
	if (db_step(s->meta_get) == DB_ROW &&
	    db_column_text(s->meta_get, 0))
		v = xstrdup(db_column_text(s->meta_get, 0));
	db_reset(s->meta_get);
	return v;
}

int store_meta_set(store *s, const char *key, const char *value)
{
	db_bind_text(s->meta_set, 1, key);
	if (value)
		db_bind_text(s->meta_set, 2, value);
	else
		db_bind_null(s->meta_set, 2);
	int rc = db_step(s->meta_set);
	db_reset(s->meta_set);
	return rc == DB_DONE ? 0 : fail(s, "meta");
}

static long long meta_int(store *s, const char *key)
{
	char *v = store_meta_get(s, key);
	long long n = v ? atoll(v) : 0;
	free(v);
	return n;
}

static int meta_set_int(store *s, const char *key, long long n)
{
	char v[32];
	snprintf(v, sizeof v, "%lld", n);
	return store_meta_set(s, key, v);
}

long long store_version(store *s) { return s->empty ? 0 : meta_int(s, "version"); }

long long store_bump_version(store *s)
{
	long long v = store_version(s) + 1;
	return meta_set_int(s, "version", v) == 0 ? v : -1;
}

/* Id counters are read once a transaction and written back at its commit:
 * a million creates must not be two million meta statements. */
long long store_next_n(store *s, const struct rec_entity *e)
{
	int i = entity_index(e);
	if (!s->next_loaded[i]) {
		char key[64];
		snprintf(key, sizeof key, "next_%s", e->type);
		s->next[i] = meta_int(s, key);
		s->next_loaded[i] = true;
	}
	s->next_dirty[i] = true;
	return ++s->next[i];
}

static int flush_counters(store *s)
{
	for (int i = 0; i < NENT; i++) {
		if (!s->next_dirty[i])
			continue;
		char key[64];
		snprintf(key, sizeof key, "next_%s", entities[i]->type);
		if (meta_set_int(s, key, s->next[i]) != 0)
			return -1;
		s->next_dirty[i] = false;
	}
	return 0;
}

static void forget_counters(store *s)
{
	for (int i = 0; i < NENT; i++)
		s->next_loaded[i] = s->next_dirty[i] = false;
}

int store_exists(store *s, const struct rec_entity *e, long long n)
{
	struct table *t = &s->tables[entity_index(e)];
	db_bind_int(t->exists, 1, n);
	int rc = db_step(t->exists);
	db_reset(t->exists);
	return rc == DB_ROW ? 1 : rc == DB_DONE ? 0 : fail(s, t->name);
}

/* ---- records ----------------------------------------------------------- */

static struct table *table_of(store *s, const struct rec_entity *e)
{
	return &s->tables[entity_index(e)];
}

/* Removes the side-table rows (lists, maps) of record n. */
static int clear_sides(store *s, struct table *t, long long n)
{
	for (int f = 0; f < t->ent->nfields; f++) {
		if (!is_side(&t->ent->fields[f]))
			continue;
		db_bind_int(t->side_clear[f], 1, n);
		int rc = db_step(t->side_clear[f]);
		db_reset(t->side_clear[f]);
		if (rc != DB_DONE)
			return fail(s, t->name);
	}
	return 0;
}

/* State flags have a value in the store even when a plan leaves them out. */
static int bool_default(const struct rec_field *f)
{
	return strcmp(f->name, "import_enabled") == 0 ||
	       strcmp(f->name, "automation_enabled") == 0;
}

int store_is_empty(store *s, const struct rec_entity *e)
{
	struct table *t = table_of(s, e);
	int rc = db_step(t->any);
	db_reset(t->any);
	return rc == DB_DONE ? 1 : rc == DB_ROW ? 0 : fail(s, t->name);
}

static int save(store *s, const rec *r, long long n, long long version,
		bool fresh);

int store_save(store *s, const rec *r, long long n, long long version)
{
	return save(s, r, n, version, false);
}

int store_insert(store *s, const rec *r, long long n, long long version)
{
	return save(s, r, n, version, true);
}

static int save(store *s, const rec *r, long long n, long long version,
		bool fresh)
{
	struct table *t = table_of(s, r->ent);
	db_stmt *st = fresh ? t->insert : t->save;
	int col = 1;
	db_bind_int(st, col++, n);
	db_bind_int(st, col++, version);
	for (int f = 0; f < r->ent->nfields; f++) {
		const struct rec_field *fd = &r->ent->fields[f];
		if (!is_column(fd))
			continue;
		if (fd->kind == K_BOOL)
			db_bind_int(st, col++, r->v[f].b >= 0 ? r->v[f].b
								   : bool_default(fd));
		else if (r->v[f].s)
			db_bind_text(st, col++, r->v[f].s);
		else
			db_bind_null(st, col++);
	}
	int rc = db_step(st);
	db_reset(st);
	db_clear_bindings(st);
	if (rc != DB_DONE || (!fresh && clear_sides(s, t, n) != 0))
		return fail(s, t->name);
	for (int f = 0; f < r->ent->nfields; f++) {
		if (!is_side(&r->ent->fields[f]))
			continue;
		const struct rec_val *v = &r->v[f];
		bool map = r->ent->fields[f].kind == K_MAP;
		for (size_t i = 0; i < v->n; i++) {
			db_stmt *add = t->side_add[f];
			db_bind_int(add, 1, n);
			db_bind_int(add, 2, (long long)i);
			if (map)
				db_bind_text(add, 3, v->items[2 * i]);
			else
				db_bind_null(add, 3);
			db_bind_text(add, 4, v->items[map ? 2 * i + 1 : i]);
			rc = db_step(add);
			db_reset(add);
			if (rc != DB_DONE)
				return fail(s, t->name);
		}
	}
	return 0;
}

/* Fills the fields of r from a row whose first columns are n, version. */
static void columns_to_rec(db_stmt *st, rec *r, long long n)
{
	char id[32];
	snprintf(id, sizeof id, "%c%lld", store_id_letter(r->ent), n);
	rec_set_copy(r, 0, id);
	int col = 2;
	for (int f = 0; f < r->ent->nfields; f++) {
		const struct rec_field *fd = &r->ent->fields[f];
		if (!is_column(fd))
			continue;
		if (db_column_null(st, col))
			;
		else if (fd->kind == K_BOOL)
			rec_set_bool(r, f, db_column_int(st, col));
		else
			rec_set_copy(r, f, db_column_text(st, col));
		col++;
	}
}

int store_load(store *s, const struct rec_entity *e, long long n, rec *r,
	       long long *version)
{
	struct table *t = table_of(s, e);
	rec_init(r, e, r->arena);
	db_bind_int(t->load, 1, n);
	int rc = db_step(t->load);
	if (rc == DB_ROW) {
		columns_to_rec(t->load, r, n);
		if (version)
			*version = db_column_int(t->load, 1);
	}
	db_reset(t->load);
	if (rc == DB_DONE)
		return 0;
	if (rc != DB_ROW)
		return fail(s, t->name);
	for (int f = 0; f < e->nfields; f++) {
		if (!is_side(&e->fields[f]))
			continue;
		db_stmt *st = t->side_load[f];
		rec_list_add(r, f, NULL); /* present, maybe empty */
		db_bind_int(st, 1, n);
		while ((rc = db_step(st)) == DB_ROW) {
			const char *value = db_column_text(st, 1);
			if (e->fields[f].kind == K_MAP)
				rec_map_put(r, f, db_column_text(st, 0),
					    value);
			else
				rec_list_add(r, f, value);
		}
		db_reset(st);
		if (rc != DB_DONE)
			return fail(s, t->name);
	}
	return 1;
}

int store_remove(store *s, const struct rec_entity *e, long long n)
{
	struct table *t = table_of(s, e);
	db_bind_int(t->remove, 1, n);
	int rc = db_step(t->remove);
	db_reset(t->remove);
	if (rc != DB_DONE)
		return fail(s, t->name);
	return clear_sides(s, t, n);
}

static long long first_n(db_stmt *st)
{
	long long n = db_step(st) == DB_ROW ? db_column_int(st, 0)
						     : 0;
	db_reset(st);
	return n;
}

long long store_find_source(store *s, const struct rec_entity *e,
			    const char *source, const char *source_id)
{
	struct table *t = table_of(s, e);
	if (!t->by_source)
		return 0;
	db_bind_text(t->by_source, 1, source);
	db_bind_text(t->by_source, 2, source_id);
	long long n = first_n(t->by_source);
	if (n || e != &REC_USER)
		return n;
	/* a user linked to this source keeps its id among its identifiers */
	db_bind_text(s->user_by_id_type, 1, source_id);
	db_bind_text(s->user_by_id_type, 2, source);
	return first_n(s->user_by_id_type);
}

int store_enrollments_of(store *s, int field, const char *id, long long **ns,
			 size_t *count)
{
	db_stmt *st;
	const char *sql = field == E_USER_ID
				  ? "SELECT n FROM enrollments WHERE user_id = ? ORDER BY n"
				  : "SELECT n FROM enrollments WHERE section_id = ? ORDER BY n";
	if (!(st = db_prepare(s->db, sql)))
		return fail(s, "enrollments");
	db_bind_text(st, 1, id);
	size_t cap = 0;
	*ns = NULL;
	*count = 0;
	int rc;
	while ((rc = db_step(st)) == DB_ROW) {
		if (*count == cap) {
			cap = cap ? cap * 2 : 16;
			*ns = xrealloc(*ns, cap * sizeof **ns);
		}
		(*ns)[(*count)++] = db_column_int(st, 0);
	}
	db_finalize(st);
	return rc == DB_DONE ? 0 : fail(s, "enrollments");
}

int store_count_users(store *s, const char *school, long long *active,
		      long long *all)
{
	db_stmt *st;
	const char *sql =
		school ? "SELECT count(*), count(*) FILTER (WHERE deleted_at IS NULL)"
			 " FROM users WHERE n IN"
			 " (SELECT n FROM user_school_ids WHERE value = ?)"
		       : "SELECT count(*), count(*) FILTER (WHERE deleted_at IS NULL)"
			 " FROM users WHERE n NOT IN (SELECT n FROM user_school_ids)";
	if (!(st = db_prepare(s->db, sql)))
		return fail(s, "users");
	if (school)
		db_bind_text(st, 1, school);
	int rc = db_step(st);
	if (rc == DB_ROW) {
		*all = db_column_int(st, 0);
		*active = db_column_int(st, 1);
	}
	db_finalize(st);
	return rc == DB_ROW ? 0 : fail(s, "users");
}

/* ---- snapshot ---------------------------------------------------------- */

/* The rows of one side table, walked in step with the main table. */
struct side_cursor {
	db_stmt *st;
	int field;
	bool more;
};

static int snapshot_entity(store *s, nd_writer *w, const struct rec_entity *e,
			   const char *school, rp_arena *arena)
{
	struct table *t = table_of(s, e);
	char sql[1024], cols[768] = "n, version";
	for (int f = 0; f < e->nfields; f++)
		if (is_column(&e->fields[f])) {
			strcat(cols, ", ");
			strcat(cols, e->fields[f].name);
		}
	/* which rows belong to a school */
	const char *where = "";
	if (school) {
		if (e == &REC_SCHOOL)
			where = " WHERE 's' || n = ?1";
		else if (e == &REC_SECTION || e == &REC_APPOINTMENT)
			where = " WHERE school_id = ?1";
		else if (e == &REC_ENROLLMENT)
			where = " WHERE section_id IN (SELECT 'c' || n FROM sections"
				" WHERE school_id = ?1)";
		else if (e == &REC_USER)
			where = " WHERE n IN (SELECT n FROM user_school_ids"
				" WHERE value = ?1)";
	}
	snprintf(sql, sizeof sql, "SELECT %s FROM %s%s ORDER BY n", cols,
		 t->name, where);
	db_stmt *st;
	if (!(st = db_prepare(s->db, sql)))
		return fail(s, t->name);
	if (strstr(sql, "?1"))
		db_bind_text(st, 1, school);

	struct side_cursor sides[4];
	int nsides = 0;
	for (int f = 0; f < e->nfields && nsides < 4; f++) {
		if (!is_side(&e->fields[f]))
			continue;
		char side[64];
		side_name(t, &e->fields[f], side, sizeof side);
		snprintf(sql, sizeof sql,
			 "SELECT n, key, value FROM %s ORDER BY n, pos", side);
		struct side_cursor *c = &sides[nsides++];
		c->field = f;
		if (!(c->st = db_prepare(s->db, sql)))
			return fail(s, side);
		c->more = db_step(c->st) == DB_ROW;
	}

	int rc;
	rec r;
	while ((rc = db_step(st)) == DB_ROW) {
		long long n = db_column_int(st, 0);
		arena_reset(arena);
		rec_init(&r, e, arena);
		columns_to_rec(st, &r, n);
		for (int i = 0; i < nsides; i++) {
			struct side_cursor *c = &sides[i];
			rec_list_add(&r, c->field, NULL);
			while (c->more && db_column_int(c->st, 0) < n)
				c->more = db_step(c->st) == DB_ROW;
			while (c->more && db_column_int(c->st, 0) == n) {
				const char *v = db_column_text(c->st, 2);
				if (e->fields[c->field].kind == K_MAP)
					rec_map_put(&r, c->field,
						    db_column_text(c->st, 1), v);
				else
					rec_list_add(&r, c->field, v);
				c->more = db_step(c->st) == DB_ROW;
			}
		}
		rec_write(w, &r);
	}
	for (int i = 0; i < nsides; i++)
		db_finalize(sides[i].st);
	db_finalize(st);
	return rc == DB_DONE ? 0 : fail(s, t->name);
}

int store_snapshot(store *s, nd_writer *w, const char *entities_wanted,
		   const char *school)
{
	/* one read transaction: every record from the same version */
	if (exec(s, s->pg ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
			  : "BEGIN") != 0)
		return -1;
	char now[21];
	rp_now_utc(now);
	nd_begin(w);
	nd_str(w, "type", "snapshot");
	nd_int(w, "version", store_version(s));
	nd_str(w, "created", now);
	if (school)
		nd_str(w, "school", school);
	nd_end(w);
	rp_arena *arena = arena_new();
	int rc = 0;
	for (int i = 0; i < NENT && rc == 0 && !s->empty; i++) {
		if (entities_wanted) {
			/* a comma-separated list of entity names */
			const char *p = strstr(entities_wanted, entities[i]->type);
			size_t len = strlen(entities[i]->type);
			if (!p || (p != entities_wanted && p[-1] != ',') ||
			    (p[len] && p[len] != ','))
				continue;
		}
		rc = snapshot_entity(s, w, entities[i], school, arena);
	}
	arena_free(arena);
	exec(s, rc == 0 ? "COMMIT" : "ROLLBACK");
	return rc;
}

/* ---- journal ----------------------------------------------------------- */

bool store_plan_applied(store *s, const char *plan_id)
{
	db_stmt *st;
	if (!(st = db_prepare(s->db, "SELECT 1 FROM journal WHERE plan_id = ?")))
		return false;
	db_bind_text(st, 1, plan_id);
	bool found = db_step(st) == DB_ROW;
	db_finalize(st);
	return found;
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
		return fail(s, "journal");
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
	return rc == DB_DONE ? 0 : fail(s, "journal");
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
	return rc == DB_DONE ? 0 : fail(s, "journal_ops");
}

int store_journal_find(store *s, const char *plan_id, char found[65],
		       long long *seq, bool *undone)
{
	db_stmt *st;
	/* a unique prefix of at least 8 characters will do */
	if (strlen(plan_id) < 8 || strlen(plan_id) > 64) {
		snprintf(s->err, sizeof s->err, "not a plan id: %s", plan_id);
		return 0;
	}
	if (!(st = db_prepare(s->db, "SELECT plan_id, seq, undone_by IS NOT NULL FROM journal"
			       " WHERE substr(plan_id, 1, length(CAST(?1 AS TEXT))) = CAST(?1 AS TEXT) LIMIT 2")))
		return fail(s, "journal");
	db_bind_text(st, 1, plan_id);
	int rows = 0;
	while (db_step(st) == DB_ROW) {
		if (rows++ == 0) {
			snprintf(found, 65, "%s", db_column_text(st, 0));
			*seq = db_column_int(st, 1);
			*undone = db_column_int(st, 2);
		}
	}
	db_finalize(st);
	if (rows != 1)
		snprintf(s->err, sizeof s->err, "%s: %s", plan_id,
			 rows ? "more than one plan has this prefix"
			      : "no such plan in the journal");
	return rows == 1;
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
		return fail(s, "journal");
	db_bind_text(st, 1, plan_id);
	db_bind_int(st, 2, seq);
	int rc = db_step(st);
	if (rc == DB_ROW)
		snprintf(later, 65, "%s", db_column_text(st, 0));
	db_finalize(st);
	return rc == DB_ROW ? 1 : rc == DB_DONE ? 0 : fail(s, "journal");
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
		return fail(s, "journal_ops");
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
	return rc == DB_DONE ? 0 : fail(s, "journal_ops");
}

int store_journal_mark_undone(store *s, const char *plan_id,
			      const char *undo_id)
{
	db_stmt *st;
	if (!(st = db_prepare(s->db, "UPDATE journal SET undone_by = ?2 WHERE plan_id = ?1")))
		return fail(s, "journal");
	db_bind_text(st, 1, plan_id);
	db_bind_text(st, 2, undo_id);
	int rc = db_step(st);
	db_finalize(st);
	return rc == DB_DONE ? 0 : fail(s, "journal");
}

int store_backup(store *s, const char *path)
{
	if (db_backup(s->db, path) == 0)
		return 0;
	snprintf(s->err, sizeof s->err, "%s", db_errmsg(s->db));
	return -1;
}
