#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

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
	sqlite3_stmt *save, *insert, *load, *remove, *by_source, *exists, *any;
	sqlite3_stmt *side_clear[REC_MAX_FIELDS], *side_add[REC_MAX_FIELDS],
		*side_load[REC_MAX_FIELDS];
};

struct store {
	sqlite3 *db;
	struct table tables[NENT];
	sqlite3_stmt *meta_get, *meta_set, *user_by_id_type, *journal_op;
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
		 sqlite3_errmsg(s->db));
	return -1;
}

static int exec(store *s, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) == SQLITE_OK)
		return 0;
	snprintf(s->err, sizeof s->err, "%s", msg ? msg : "error");
	sqlite3_free(msg);
	return -1;
}

static sqlite3_stmt *prepare(store *s, const char *sql)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st,
			       NULL) != SQLITE_OK) {
		fail(s, sql);
		return NULL;
	}
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

static char *schema_sql(void)
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
	return sql;
}

/* Forward migrations, one per schema version after the first. */
static const char *const migrations[] = {
	NULL, /* 1: the schema above */
};

static int schema_version(store *s)
{
	sqlite3_stmt *st;
	int v = -1;
	if (sqlite3_prepare_v2(s->db,
			       "SELECT value FROM meta WHERE key='schema_version'",
			       -1, &st, NULL) != SQLITE_OK)
		return 0; /* no meta table: a new file */
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

static int ensure_schema(store *s, bool create)
{
	int v = schema_version(s);
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
	if (exec(s, "BEGIN IMMEDIATE") != 0)
		return -1;
	if (v == 0) {
		char *sql = schema_sql();
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
		 "INSERT OR REPLACE INTO meta VALUES('schema_version', '%d')",
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
	char cols[1024] = "n, version", marks[256] = "?, ?", sql[2048];
	const struct rec_entity *e = t->ent;
	snprintf(t->name, sizeof t->name, "%ss", e->type);
	for (int f = 0; f < e->nfields; f++)
		if (is_column(&e->fields[f])) {
			strcat(cols, ", ");
			strcat(cols, e->fields[f].name);
			strcat(marks, ", ?");
		}
	snprintf(sql, sizeof sql, "INSERT OR REPLACE INTO %s(%s) VALUES(%s)",
		 t->name, cols, marks);
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
	sqlite3_finalize(t->save);
	sqlite3_finalize(t->insert);
	sqlite3_finalize(t->any);
	sqlite3_finalize(t->load);
	sqlite3_finalize(t->remove);
	sqlite3_finalize(t->by_source);
	sqlite3_finalize(t->exists);
	for (int f = 0; f < REC_MAX_FIELDS; f++) {
		sqlite3_finalize(t->side_clear[f]);
		sqlite3_finalize(t->side_add[f]);
		sqlite3_finalize(t->side_load[f]);
	}
}

store *store_open(const char *path, bool create)
{
	store *s = xcalloc(1, sizeof *s);
	/* Each store is used by one thread: no memory statistics (a global
	 * mutex taken on every allocation); a no-op once SQLite is in use. */
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	/* one thread per connection: no locking of the connection per call */
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX |
		    (create ? SQLITE_OPEN_CREATE : 0);
	if (sqlite3_open_v2(path, &s->db, flags, NULL) != SQLITE_OK) {
		rp_warnx("%s: %s", path, s->db ? sqlite3_errmsg(s->db)
					       : "cannot open");
		store_close(s);
		return NULL;
	}
	sqlite3_busy_timeout(s->db, 60000);
	/* a 64 MB page cache: a district's indexes stay in memory while a
	 * plan of a million operations is applied */
	if (exec(s, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
		    " PRAGMA foreign_keys=OFF; PRAGMA cache_size=-65536;"
		    " PRAGMA temp_store=MEMORY;") != 0 ||
	    ensure_schema(s, create) != 0)
		goto failed;
	for (int i = 0; i < NENT; i++) {
		s->tables[i].ent = entities[i];
		if (prepare_table(s, &s->tables[i]) != 0)
			goto failed;
	}
	if (!(s->meta_get = prepare(s, "SELECT value FROM meta WHERE key = ?")) ||
	    !(s->meta_set = prepare(s, "INSERT OR REPLACE INTO meta VALUES(?, ?)")) ||
	    !(s->user_by_id_type = prepare(s,
			"SELECT n FROM user_ids WHERE value = ? AND key = ?"
			" ORDER BY n LIMIT 1")) ||
	    !(s->journal_op = prepare(s,
			"INSERT INTO journal_ops(plan_id, n, op, entity, record_id,"
			" before) VALUES(?, ?, ?, ?, ?, ?)")))
		goto failed;
	return s;
failed:
	rp_warnx("%s: %s", path, s->err);
	store_close(s);
	return NULL;
}

void store_close(store *s)
{
	if (!s)
		return;
	for (int i = 0; i < NENT; i++)
		finalize_table(&s->tables[i]);
	sqlite3_finalize(s->meta_get);
	sqlite3_finalize(s->meta_set);
	sqlite3_finalize(s->user_by_id_type);
	sqlite3_finalize(s->journal_op);
	forget_deferred(s);
	sqlite3_close(s->db);
	free(s);
}

static struct table *table_of(store *s, const struct rec_entity *e);
static int flush_counters(store *s);
static void forget_counters(store *s);
static int restore_indexes(store *s);

int store_begin(store *s)
{
	forget_counters(s);
	return exec(s, "BEGIN IMMEDIATE");
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
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db,
			       "SELECT name, sql FROM sqlite_master WHERE type = 'index'"
			       " AND tbl_name = ? AND sql IS NOT NULL ORDER BY rowid",
			       -1, &st, NULL) != SQLITE_OK)
		return fail(s, "sqlite_master");
	sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
	char drop[16][128];
	size_t ndrop = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && ndrop < 16) {
		s->deferred = xrealloc(s->deferred,
				       (s->ndeferred + 1) * sizeof *s->deferred);
		s->deferred[s->ndeferred++] =
			xstrdup((const char *)sqlite3_column_text(st, 1));
		/* index names come from the schema (schema_sql), not from data */
		snprintf(drop[ndrop++], sizeof drop[0], "DROP INDEX \"%s\"",
			 sqlite3_column_text(st, 0));
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return fail(s, "sqlite_master");
	/* dropped once the statement reading the schema is done */
	for (size_t i = 0; i < ndrop; i++)
		if (exec(s, drop[i]) != 0)
			return -1;
	return 0;
}

int store_defer_indexes(store *s, const struct rec_entity *e)
{
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
	sqlite3_bind_text(s->meta_get, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(s->meta_get) == SQLITE_ROW &&
	    sqlite3_column_text(s->meta_get, 0))
		v = xstrdup((const char *)sqlite3_column_text(s->meta_get, 0));
	sqlite3_reset(s->meta_get);
	return v;
}

int store_meta_set(store *s, const char *key, const char *value)
{
	sqlite3_bind_text(s->meta_set, 1, key, -1, SQLITE_STATIC);
	if (value)
		sqlite3_bind_text(s->meta_set, 2, value, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s->meta_set, 2);
	int rc = sqlite3_step(s->meta_set);
	sqlite3_reset(s->meta_set);
	return rc == SQLITE_DONE ? 0 : fail(s, "meta");
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

long long store_version(store *s) { return meta_int(s, "version"); }

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
	sqlite3_bind_int64(t->exists, 1, n);
	int rc = sqlite3_step(t->exists);
	sqlite3_reset(t->exists);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : fail(s, t->name);
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
		sqlite3_bind_int64(t->side_clear[f], 1, n);
		int rc = sqlite3_step(t->side_clear[f]);
		sqlite3_reset(t->side_clear[f]);
		if (rc != SQLITE_DONE)
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
	int rc = sqlite3_step(t->any);
	sqlite3_reset(t->any);
	return rc == SQLITE_DONE ? 1 : rc == SQLITE_ROW ? 0 : fail(s, t->name);
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
	sqlite3_stmt *st = fresh ? t->insert : t->save;
	int col = 1;
	sqlite3_bind_int64(st, col++, n);
	sqlite3_bind_int64(st, col++, version);
	for (int f = 0; f < r->ent->nfields; f++) {
		const struct rec_field *fd = &r->ent->fields[f];
		if (!is_column(fd))
			continue;
		if (fd->kind == K_BOOL)
			sqlite3_bind_int(st, col++, r->v[f].b >= 0 ? r->v[f].b
								   : bool_default(fd));
		else if (r->v[f].s)
			sqlite3_bind_text(st, col++, r->v[f].s, -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(st, col++);
	}
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE || (!fresh && clear_sides(s, t, n) != 0))
		return fail(s, t->name);
	for (int f = 0; f < r->ent->nfields; f++) {
		if (!is_side(&r->ent->fields[f]))
			continue;
		const struct rec_val *v = &r->v[f];
		bool map = r->ent->fields[f].kind == K_MAP;
		for (size_t i = 0; i < v->n; i++) {
			sqlite3_stmt *add = t->side_add[f];
			sqlite3_bind_int64(add, 1, n);
			sqlite3_bind_int64(add, 2, (long long)i);
			if (map)
				sqlite3_bind_text(add, 3, v->items[2 * i], -1,
						  SQLITE_STATIC);
			else
				sqlite3_bind_null(add, 3);
			sqlite3_bind_text(add, 4, v->items[map ? 2 * i + 1 : i],
					  -1, SQLITE_STATIC);
			rc = sqlite3_step(add);
			sqlite3_reset(add);
			if (rc != SQLITE_DONE)
				return fail(s, t->name);
		}
	}
	return 0;
}

/* Fills the fields of r from a row whose first columns are n, version. */
static void columns_to_rec(sqlite3_stmt *st, rec *r, long long n)
{
	char id[32];
	snprintf(id, sizeof id, "%c%lld", store_id_letter(r->ent), n);
	rec_set_copy(r, 0, id);
	int col = 2;
	for (int f = 0; f < r->ent->nfields; f++) {
		const struct rec_field *fd = &r->ent->fields[f];
		if (!is_column(fd))
			continue;
		if (sqlite3_column_type(st, col) == SQLITE_NULL)
			;
		else if (fd->kind == K_BOOL)
			rec_set_bool(r, f, sqlite3_column_int(st, col));
		else
			rec_set_copy(r, f, (const char *)sqlite3_column_text(st, col));
		col++;
	}
}

int store_load(store *s, const struct rec_entity *e, long long n, rec *r,
	       long long *version)
{
	struct table *t = table_of(s, e);
	rec_init(r, e, r->arena);
	sqlite3_bind_int64(t->load, 1, n);
	int rc = sqlite3_step(t->load);
	if (rc == SQLITE_ROW) {
		columns_to_rec(t->load, r, n);
		if (version)
			*version = sqlite3_column_int64(t->load, 1);
	}
	sqlite3_reset(t->load);
	if (rc == SQLITE_DONE)
		return 0;
	if (rc != SQLITE_ROW)
		return fail(s, t->name);
	for (int f = 0; f < e->nfields; f++) {
		if (!is_side(&e->fields[f]))
			continue;
		sqlite3_stmt *st = t->side_load[f];
		rec_list_add(r, f, NULL); /* present, maybe empty */
		sqlite3_bind_int64(st, 1, n);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			const char *value = (const char *)sqlite3_column_text(st, 1);
			if (e->fields[f].kind == K_MAP)
				rec_map_put(r, f, (const char *)sqlite3_column_text(st, 0),
					    value);
			else
				rec_list_add(r, f, value);
		}
		sqlite3_reset(st);
		if (rc != SQLITE_DONE)
			return fail(s, t->name);
	}
	return 1;
}

int store_remove(store *s, const struct rec_entity *e, long long n)
{
	struct table *t = table_of(s, e);
	sqlite3_bind_int64(t->remove, 1, n);
	int rc = sqlite3_step(t->remove);
	sqlite3_reset(t->remove);
	if (rc != SQLITE_DONE)
		return fail(s, t->name);
	return clear_sides(s, t, n);
}

static long long first_n(sqlite3_stmt *st)
{
	long long n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0)
						     : 0;
	sqlite3_reset(st);
	return n;
}

long long store_find_source(store *s, const struct rec_entity *e,
			    const char *source, const char *source_id)
{
	struct table *t = table_of(s, e);
	if (!t->by_source)
		return 0;
	sqlite3_bind_text(t->by_source, 1, source, -1, SQLITE_STATIC);
	sqlite3_bind_text(t->by_source, 2, source_id, -1, SQLITE_STATIC);
	long long n = first_n(t->by_source);
	if (n || e != &REC_USER)
		return n;
	/* a user linked to this source keeps its id among its identifiers */
	sqlite3_bind_text(s->user_by_id_type, 1, source_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s->user_by_id_type, 2, source, -1, SQLITE_STATIC);
	return first_n(s->user_by_id_type);
}

int store_enrollments_of(store *s, int field, const char *id, long long **ns,
			 size_t *count)
{
	sqlite3_stmt *st;
	const char *sql = field == E_USER_ID
				  ? "SELECT n FROM enrollments WHERE user_id = ? ORDER BY n"
				  : "SELECT n FROM enrollments WHERE section_id = ? ORDER BY n";
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return fail(s, "enrollments");
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	size_t cap = 0;
	*ns = NULL;
	*count = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*count == cap) {
			cap = cap ? cap * 2 : 16;
			*ns = xrealloc(*ns, cap * sizeof **ns);
		}
		(*ns)[(*count)++] = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : fail(s, "enrollments");
}

int store_count_users(store *s, const char *school, long long *active,
		      long long *all)
{
	sqlite3_stmt *st;
	const char *sql =
		school ? "SELECT count(*), count(*) FILTER (WHERE deleted_at IS NULL)"
			 " FROM users WHERE n IN"
			 " (SELECT n FROM user_school_ids WHERE value = ?)"
		       : "SELECT count(*), count(*) FILTER (WHERE deleted_at IS NULL)"
			 " FROM users WHERE n NOT IN (SELECT n FROM user_school_ids)";
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return fail(s, "users");
	if (school)
		sqlite3_bind_text(st, 1, school, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*all = sqlite3_column_int64(st, 0);
		*active = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : fail(s, "users");
}

/* ---- snapshot ---------------------------------------------------------- */

/* The rows of one side table, walked in step with the main table. */
struct side_cursor {
	sqlite3_stmt *st;
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
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return fail(s, t->name);
	if (strstr(sql, "?1"))
		sqlite3_bind_text(st, 1, school, -1, SQLITE_STATIC);

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
		if (sqlite3_prepare_v2(s->db, sql, -1, &c->st, NULL) != SQLITE_OK)
			return fail(s, side);
		c->more = sqlite3_step(c->st) == SQLITE_ROW;
	}

	int rc;
	rec r;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		long long n = sqlite3_column_int64(st, 0);
		arena_reset(arena);
		rec_init(&r, e, arena);
		columns_to_rec(st, &r, n);
		for (int i = 0; i < nsides; i++) {
			struct side_cursor *c = &sides[i];
			rec_list_add(&r, c->field, NULL);
			while (c->more && sqlite3_column_int64(c->st, 0) < n)
				c->more = sqlite3_step(c->st) == SQLITE_ROW;
			while (c->more && sqlite3_column_int64(c->st, 0) == n) {
				const char *v = (const char *)sqlite3_column_text(c->st, 2);
				if (e->fields[c->field].kind == K_MAP)
					rec_map_put(&r, c->field,
						    (const char *)sqlite3_column_text(c->st, 1), v);
				else
					rec_list_add(&r, c->field, v);
				c->more = sqlite3_step(c->st) == SQLITE_ROW;
			}
		}
		rec_write(w, &r);
	}
	for (int i = 0; i < nsides; i++)
		sqlite3_finalize(sides[i].st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : fail(s, t->name);
}

int store_snapshot(store *s, nd_writer *w, const char *entities_wanted,
		   const char *school)
{
	/* one read transaction: every record from the same version */
	if (exec(s, "BEGIN") != 0)
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
	for (int i = 0; i < NENT && rc == 0; i++) {
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
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db, "SELECT 1 FROM journal WHERE plan_id = ?",
			       -1, &st, NULL) != SQLITE_OK)
		return false;
	sqlite3_bind_text(st, 1, plan_id, -1, SQLITE_STATIC);
	bool found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return found;
}

int store_journal_plan(store *s, const char *plan_id, const char *producer,
		       long long base_version, long long version, bool forced,
		       const char *undoes)
{
	sqlite3_stmt *st;
	char now[21];
	rp_now_utc(now);
	if (sqlite3_prepare_v2(s->db,
			       "INSERT INTO journal(plan_id, producer, applied_at,"
			       " base_version, version, forced, undoes)"
			       " VALUES(?, ?, ?, ?, ?, ?, ?)",
			       -1, &st, NULL) != SQLITE_OK)
		return fail(s, "journal");
	sqlite3_bind_text(st, 1, plan_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, producer, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, now, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, base_version);
	sqlite3_bind_int64(st, 5, version);
	sqlite3_bind_int(st, 6, forced);
	if (undoes)
		sqlite3_bind_text(st, 7, undoes, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : fail(s, "journal");
}

int store_journal_op(store *s, const char *plan_id, long n, const char *op,
		     const char *entity, const char *record_id,
		     const char *before)
{
	sqlite3_stmt *st = s->journal_op;
	sqlite3_bind_text(st, 1, plan_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, n);
	sqlite3_bind_text(st, 3, op, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, entity, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, record_id, -1, SQLITE_STATIC);
	if (before)
		sqlite3_bind_text(st, 6, before, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 6);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : fail(s, "journal_ops");
}

int store_journal_find(store *s, const char *plan_id, char found[65],
		       long long *seq, bool *undone)
{
	sqlite3_stmt *st;
	/* a unique prefix of at least 8 characters will do */
	if (strlen(plan_id) < 8 || strlen(plan_id) > 64) {
		snprintf(s->err, sizeof s->err, "not a plan id: %s", plan_id);
		return 0;
	}
	if (sqlite3_prepare_v2(s->db,
			       "SELECT plan_id, seq, undone_by IS NOT NULL FROM journal"
			       " WHERE substr(plan_id, 1, length(?1)) = ?1 LIMIT 2",
			       -1, &st, NULL) != SQLITE_OK)
		return fail(s, "journal");
	sqlite3_bind_text(st, 1, plan_id, -1, SQLITE_STATIC);
	int rows = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (rows++ == 0) {
			snprintf(found, 65, "%s", sqlite3_column_text(st, 0));
			*seq = sqlite3_column_int64(st, 1);
			*undone = sqlite3_column_int(st, 2);
		}
	}
	sqlite3_finalize(st);
	if (rows != 1)
		snprintf(s->err, sizeof s->err, "%s: %s", plan_id,
			 rows ? "more than one plan has this prefix"
			      : "no such plan in the journal");
	return rows == 1;
}

int store_journal_later(store *s, const char *plan_id, long long seq,
			char later[65])
{
	sqlite3_stmt *st;
	/* A later plan that touched the same records and still stands; an
	 * undo of a plan later than this one cancels out and does not count. */
	if (sqlite3_prepare_v2(s->db,
			       "SELECT j.plan_id FROM journal_ops a"
			       " JOIN journal_ops b ON b.record_id = a.record_id"
			       " JOIN journal j ON j.plan_id = b.plan_id"
			       " WHERE a.plan_id = ?1 AND j.seq > ?2"
			       " AND j.undone_by IS NULL"
			       " AND NOT (j.undoes IS NOT NULL AND (SELECT seq FROM journal"
			       "  WHERE plan_id = j.undoes) > ?2)"
			       " ORDER BY j.seq LIMIT 1",
			       -1, &st, NULL) != SQLITE_OK)
		return fail(s, "journal");
	sqlite3_bind_text(st, 1, plan_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, seq);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		snprintf(later, 65, "%s", sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : fail(s, "journal");
}

int store_journal_each_reverse(store *s, const char *plan_id,
			       int (*fn)(void *ctx, const char *record_id,
					 const char *before),
			       void *ctx)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db,
			       "SELECT record_id, before FROM journal_ops"
			       " WHERE plan_id = ? ORDER BY rowid DESC",
			       -1, &st, NULL) != SQLITE_OK)
		return fail(s, "journal_ops");
	sqlite3_bind_text(st, 1, plan_id, -1, SQLITE_STATIC);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		char *id = xstrdup((const char *)sqlite3_column_text(st, 0));
		const unsigned char *before = sqlite3_column_text(st, 1);
		char *copy = before ? xstrdup((const char *)before) : NULL;
		int bad = fn(ctx, id, copy);
		free(id);
		free(copy);
		if (bad) {
			sqlite3_finalize(st);
			return -1;
		}
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : fail(s, "journal_ops");
}

int store_journal_mark_undone(store *s, const char *plan_id,
			      const char *undo_id)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db,
			       "UPDATE journal SET undone_by = ?2 WHERE plan_id = ?1",
			       -1, &st, NULL) != SQLITE_OK)
		return fail(s, "journal");
	sqlite3_bind_text(st, 1, plan_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, undo_id, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : fail(s, "journal");
}

int store_backup(store *s, const char *path)
{
	sqlite3 *copy = NULL;
	int rc = sqlite3_open_v2(path, &copy,
				 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
	if (rc == SQLITE_OK) {
		/* the online backup: a consistent copy while others may write */
		sqlite3_backup *b = sqlite3_backup_init(copy, "main", s->db, "main");
		if (b) {
			while ((rc = sqlite3_backup_step(b, 1024)) == SQLITE_OK ||
			       rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
				sqlite3_sleep(10);
			sqlite3_backup_finish(b);
		}
		rc = sqlite3_errcode(copy);
	}
	if (rc == SQLITE_OK) {
		sqlite3_stmt *st;
		rc = sqlite3_prepare_v2(copy, "PRAGMA integrity_check", -1, &st, NULL);
		if (rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW &&
		    strcmp((const char *)sqlite3_column_text(st, 0), "ok") != 0) {
			snprintf(s->err, sizeof s->err,
				 "%s: the copy fails its integrity check: %s", path,
				 sqlite3_column_text(st, 0));
			rc = SQLITE_CORRUPT;
		}
		sqlite3_finalize(st);
	} else {
		snprintf(s->err, sizeof s->err, "%s: %s", path,
			 copy ? sqlite3_errmsg(copy) : "cannot open");
	}
	sqlite3_close(copy);
	return rc == SQLITE_OK ? 0 : -1;
}
