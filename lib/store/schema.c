/* The store's schema, generated from the record tables (lib/record.c), its
 * version and forward migrations, the writer's lock, and the indexes a
 * first import drops and builds again. */
#include "store_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "xalloc.h"

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
		const struct rec_entity *e = st_entities[i];
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

/* A new store's identity: 128 random bits as hex. */
static int new_store_id(store *s, char out[33])
{
	unsigned char b[16];
	if (getrandom(b, sizeof b, 0) != (ssize_t)sizeof b) {
		snprintf(s->err, sizeof s->err, "no random bytes for the store's id");
		return -1;
	}
	for (int i = 0; i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
	return 0;
}

/*
 * 2: the store gets its identity (snapshot headers name it, plans carry
 * it, apply refuses a plan made against another store), a record's source
 * and source id are unique per table, in the store itself, and a user's
 * roles have their side table (a store made at schema 1 lacks it; one made
 * now has it from the record tables already).
 */
static int migrate_2(store *s)
{
	char id[33], sql[256];
	if (st_exec(s, "CREATE TABLE IF NOT EXISTS user_roles(n INTEGER NOT NULL,"
		       " pos INTEGER NOT NULL, key TEXT, value TEXT NOT NULL,"
		       " PRIMARY KEY(n, pos));"
		       "CREATE INDEX IF NOT EXISTS user_roles_value ON"
		       " user_roles(value, key)") != 0)
		return -1;
	if (new_store_id(s, id) != 0)
		return -1;
	snprintf(sql, sizeof sql, "INSERT INTO meta VALUES('store_id', '%s')", id);
	if (st_exec(s, sql) != 0)
		return -1;
	for (int i = 0; i < NENT; i++) {
		const char *type = st_entities[i]->type;
		if (rec_field_index(st_entities[i], "source_id") < 0)
			continue;
		snprintf(sql, sizeof sql,
			 "DROP INDEX %ss_source; CREATE UNIQUE INDEX %ss_source"
			 " ON %ss(source, source_id)", type, type, type);
		if (st_exec(s, sql) != 0) {
			char why[1024];
			snprintf(why, sizeof why, "%.1000s", s->err);
			snprintf(s->err, sizeof s->err,
				 "cannot bring the store to schema 2: two %ss share a"
				 " source and source id (%.900s); remove one, then open"
				 " it again", type, why);
			return -1;
		}
	}
	return 0;
}

/* Whether the journal has column name: 1, 0, or -1 (the store failed). */
static int journal_has_column(store *s, const char *name)
{
	db_stmt *st = st_prepare(s, s->pg ? "SELECT 1 FROM information_schema.columns"
					    " WHERE table_schema = current_schema()"
					    " AND table_name = 'journal' AND column_name = ?"
					  : "SELECT 1 FROM pragma_table_info('journal') WHERE name = ?");
	if (!st)
		return -1;
	db_bind_text(st, 1, name);
	int rc = db_step(st);
	db_finalize(st);
	if (rc == DB_ERROR)
		return st_fail(s, "journal");
	return rc == DB_ROW;
}

/* Schema 3: the journal keeps each plan's counts per operation and
 * entity (JSON), which outlive the before-images prune erases, for
 * apply --history. Plans journalled before have none: history counts
 * their journal rows while they are there. */
static int migrate_3(store *s)
{
	/* pruned_at came with schema 2 in some builds of this round, after
	 * stores of schema 2 without it were out: added here when missing */
	int has = journal_has_column(s, "pruned_at");
	if (has < 0 ||
	    (!has && st_exec(s, "ALTER TABLE journal ADD COLUMN pruned_at TEXT") != 0))
		return -1;
	return st_exec(s, "ALTER TABLE journal ADD COLUMN counts TEXT");
}

/* Forward migrations: migrations[v] brings schema v to v + 1. */
static int (*const migrations[])(store *s) = {
	NULL,	   /* 0 -> 1: the schema above */
	migrate_2, /* 1 -> 2 */
	migrate_3, /* 2 -> 3 */
};
_Static_assert(sizeof migrations / sizeof *migrations == SCHEMA_VERSION,
	       "one migration a schema version");

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
 * that two applies to one store never interleave (docs/scaling.md). On
 * SQLite, once the lock is held, the path must still name the file that
 * was opened: a run that made the store and applied nothing removes it
 * under this lock (store_unmake), and a writer that waited for the lock
 * meanwhile would otherwise write into a file no name reaches any more,
 * and exit 0 having lost its plan. */
int st_begin_write(store *s)
{
	if (st_exec(s, s->pg ? "BEGIN; SELECT pg_advisory_xact_lock("
				"hashtext('rosterpipe store ' || current_database()"
				" || '.' || current_schema()))"
			      : "BEGIN IMMEDIATE") != 0)
		return -1;
	struct stat st;
	if (s->path && (stat(s->path, &st) != 0 || st.st_dev != s->dev || st.st_ino != s->ino)) {
		db_exec(s->db, "ROLLBACK");
		snprintf(s->err, sizeof s->err,
			 "the store's file was removed or replaced while this run waited "
			 "for it; nothing written");
		return -1;
	}
	return 0;
}

int st_ensure_schema(store *s, bool create)
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
	if (st_begin_write(s) != 0)
		return -1;
	v = schema_version(s); /* another process may have made it meanwhile */
	if (v < 0 || v > SCHEMA_VERSION) {
		snprintf(s->err, sizeof s->err, "not a rosterpipe store (schema %d)", v);
		goto failed;
	}
	if (v == 0) {
		char *sql = schema_sql(s->pg);
		int rc = st_exec(s, sql);
		free(sql);
		if (rc != 0)
			goto failed;
		v = 1;
		s->made = true;
	}
	for (; v < SCHEMA_VERSION; v++)
		if (migrations[v](s) != 0)
			goto failed;
	char set[128];
	snprintf(set, sizeof set,
		 "INSERT INTO meta VALUES('schema_version', '%d') ON CONFLICT(key)"
		 " DO UPDATE SET value = excluded.value",
		 SCHEMA_VERSION);
	if (st_exec(s, set) != 0 || st_exec(s, "COMMIT") != 0)
		goto failed;
	return 0;
failed:
	db_exec(s->db, "ROLLBACK"); /* the first error is the one to tell */
	return -1;
}

bool store_made_now(const store *s) { return s->made; }

int store_unmake(store *s, bool remove_file)
{
	if (s->pg ? !s->made : !remove_file || !s->path)
		return 0;
	if (st_begin_write(s) != 0)
		return -1;
	long long v = store_version(s);
	if (v != 0) { /* another apply wrote to it meanwhile: it stays */
		db_exec(s->db, "ROLLBACK");
		return v < 0 ? -1 : 0;
	}
	if (!s->pg) {
		/* removed while the lock is held: no writer commits into it
		 * between the check and the removal, and one waiting for the
		 * lock finds it gone (st_begin_write) */
		for (int i = 0; i < STORE_NFILES; i++) {
			char name[4096];
			store_file_name(s->path, i, name, sizeof name);
			if (unlink(name) != 0 && errno != ENOENT && i == 0) {
				snprintf(s->err, sizeof s->err, "%s: %s", s->path, strerror(errno));
				db_exec(s->db, "ROLLBACK");
				return -1;
			}
		}
		db_exec(s->db, "ROLLBACK");
		s->made = false;
		return 1;
	}
	/* every table the schema makes (their indexes and sequences go with
	 * them), by the names in its own SQL */
	char *sql = schema_sql(true), drop[160];
	int rc = 0;
	for (const char *p = sql; rc == 0 && (p = strstr(p, "CREATE TABLE ")); ) {
		p += strlen("CREATE TABLE ");
		size_t n = strcspn(p, "(");
		snprintf(drop, sizeof drop, "DROP TABLE IF EXISTS %.*s CASCADE", (int)n, p);
		rc = st_exec(s, drop);
	}
	free(sql);
	if (rc == 0) /* made by migrate_2 */
		rc = st_exec(s, "DROP TABLE IF EXISTS user_roles CASCADE");
	if (rc == 0 && st_exec(s, "COMMIT") == 0) {
		s->made = false;
		return 1;
	}
	db_exec(s->db, "ROLLBACK");
	return -1;
}

/* ---- deferred indexes -------------------------------------------------- */

static int drop_indexes_of(store *s, const char *table)
{
	db_stmt *st;
	/* the indexes of the schema, not those of primary keys (SQLite's
	 * have no SQL; PostgreSQL's belong to a constraint) */
	if (!(st = st_prepare(s, s->pg ? "SELECT i.indexname, i.indexdef FROM pg_indexes i"
				      " WHERE i.schemaname = current_schema() AND i.tablename = ?"
				      " AND NOT EXISTS (SELECT 1 FROM pg_constraint c"
				      "  WHERE c.conname = i.indexname"
				      "  AND c.connamespace = to_regnamespace(i.schemaname))"
				      " ORDER BY i.indexname"
				    : "SELECT name, sql FROM sqlite_master WHERE type = 'index'"
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
		return st_fail(s, "sqlite_master");
	/* dropped once the statement reading the schema is done */
	for (size_t i = 0; i < ndrop; i++)
		if (st_exec(s, drop[i]) != 0)
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

int store_defer_journal_indexes(store *s)
{
	db_stmt *st;
	if (!(st = st_prepare(s, "SELECT 1 FROM journal_ops LIMIT 1")))
		return -1;
	int rc = db_step(st);
	db_finalize(st);
	if (rc == DB_ERROR)
		return st_fail(s, "journal_ops");
	return rc == DB_ROW ? 0 : drop_indexes_of(s, "journal_ops");
}

void st_forget_deferred(store *s)
{
	for (size_t i = 0; i < s->ndeferred; i++)
		free(s->deferred[i]);
	free(s->deferred);
	s->deferred = NULL;
	s->ndeferred = 0;
}

/* Builds the dropped indexes again (each one sort of its table, instead of
 * one random insert per row), in the transaction that dropped them. */
int st_restore_indexes(store *s)
{
	for (size_t i = 0; i < s->ndeferred; i++)
		if (st_exec(s, s->deferred[i]) != 0)
			return -1;
	st_forget_deferred(s);
	return 0;
}
