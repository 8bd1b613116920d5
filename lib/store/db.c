#include "db_impl.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "progress.h"
#include "xalloc.h"

bool db_is_postgres(const char *target)
{
	return strncmp(target, "postgresql://", 13) == 0 ||
	       strncmp(target, "postgres://", 11) == 0;
}

static int lite_fail(db *d)
{
	snprintf(d->err, sizeof d->err, "%s", sqlite3_errmsg(d->lite));
	return -1;
}

db *db_open(const char *target, bool create, char *err, size_t errsize)
{
	if (db_is_postgres(target))
		return pg_open(target, err, errsize);
	const char *path = strncmp(target, "sqlite:", 7) == 0 ? target + 7 : target;
	db *d = xcalloc(1, sizeof *d);
	d->kind = DB_SQLITE;
	/* Each store is used by one thread: no memory statistics (a global
	 * mutex taken on every allocation); a no-op once SQLite is in use. */
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	/* one thread per connection: no locking of the connection per call */
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX |
		    (create ? SQLITE_OPEN_CREATE : 0);
	if (sqlite3_open_v2(path, &d->lite, flags, NULL) != SQLITE_OK) {
		snprintf(err, errsize, "%s", d->lite ? sqlite3_errmsg(d->lite)
						     : "cannot open");
		db_close(d);
		return NULL;
	}
	sqlite3_busy_timeout(d->lite, 60000);
	return d;
}

void db_close(db *d)
{
	if (!d)
		return;
	if (d->kind == DB_POSTGRES)
		pg_close(d);
	else
		sqlite3_close(d->lite);
	free(d);
}

enum db_kind db_kind(const db *d) { return d->kind; }
const char *db_errmsg(db *d) { return d->err; }

int db_exec(db *d, const char *sql)
{
	if (d->kind == DB_POSTGRES)
		return pg_exec(d, sql);
	char *msg = NULL;
	if (sqlite3_exec(d->lite, sql, NULL, NULL, &msg) == SQLITE_OK)
		return 0;
	snprintf(d->err, sizeof d->err, "%s", msg ? msg : "error");
	sqlite3_free(msg);
	return -1;
}

int db_table_exists(db *d, const char *table)
{
	if (d->kind == DB_POSTGRES)
		return pg_table_exists(d, table);
	db_stmt *st = db_prepare(d, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?");
	if (!st)
		return -1;
	db_bind_text(st, 1, table);
	int rc = db_step(st);
	db_finalize(st);
	return rc == DB_ERROR ? -1 : rc == DB_ROW;
}

static db_stmt *prepare(db *d, const char *sql, bool scan)
{
	if (d->kind == DB_POSTGRES)
		return pg_prepare(d, sql, scan);
	db_stmt *st = xcalloc(1, sizeof *st);
	st->d = d;
	if (sqlite3_prepare_v3(d->lite, sql, -1, SQLITE_PREPARE_PERSISTENT,
			       &st->lite, NULL) != SQLITE_OK) {
		snprintf(d->err, sizeof d->err, "%.200s: %.700s", sql,
			 sqlite3_errmsg(d->lite));
		free(st);
		return NULL;
	}
	return st;
}

db_stmt *db_prepare(db *d, const char *sql) { return prepare(d, sql, false); }
db_stmt *db_prepare_scan(db *d, const char *sql) { return prepare(d, sql, true); }

db_stmt *db_prepare_bulk(db *d, const char *sql)
{
	db_stmt *st = prepare(d, sql, false);
	if (st && d->kind == DB_POSTGRES)
		pg_bulk_attach(st);
	return st;
}

void db_set_keyed(db_stmt *st)
{
	if (st)
		st->keyed = true;
}

int db_pipeline(db *d, bool on)
{
	return d->kind == DB_POSTGRES ? pg_pipeline(d, on) : 0;
}

int db_rows(db_stmt *st)
{
	return st->d->kind == DB_POSTGRES ? pg_rows(st) : 0;
}

void db_seek(db_stmt *st, int row)
{
	if (st->d->kind == DB_POSTGRES)
		pg_seek(st, row);
}

void db_finalize(db_stmt *st)
{
	if (!st)
		return;
	if (st->d->kind == DB_POSTGRES) {
		pg_finalize(st);
		return;
	}
	sqlite3_finalize(st->lite);
	free(st);
}

void db_bind_text(db_stmt *st, int i, const char *value)
{
	if (st->d->kind == DB_POSTGRES)
		pg_bind(st, i, value);
	else if (value)
		sqlite3_bind_text(st->lite, i, value, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st->lite, i);
}

void db_bind_int(db_stmt *st, int i, long long value)
{
	if (st->d->kind == DB_POSTGRES) {
		char text[24];
		snprintf(text, sizeof text, "%lld", value);
		pg_bind(st, i, text);
	} else {
		sqlite3_bind_int64(st->lite, i, value);
	}
}

void db_bind_null(db_stmt *st, int i) { db_bind_text(st, i, NULL); }

void db_clear_bindings(db_stmt *st)
{
	if (st->d->kind == DB_POSTGRES)
		for (int i = 1; i <= st->nparams; i++)
			pg_bind(st, i, NULL);
	else
		sqlite3_clear_bindings(st->lite);
}

int db_step(db_stmt *st)
{
	if (st->d->kind == DB_POSTGRES)
		return pg_step(st);
	int rc = sqlite3_step(st->lite);
	if (rc == SQLITE_ROW)
		return DB_ROW;
	if (rc == SQLITE_DONE)
		return DB_DONE;
	return lite_fail(st->d);
}

void db_reset(db_stmt *st)
{
	if (st->d->kind == DB_POSTGRES)
		pg_reset(st);
	else
		sqlite3_reset(st->lite);
}

bool db_column_null(db_stmt *st, int c)
{
	if (st->d->kind == DB_POSTGRES)
		return PQgetisnull(st->res, st->row, c);
	return sqlite3_column_type(st->lite, c) == SQLITE_NULL;
}

long long db_column_int(db_stmt *st, int c)
{
	if (st->d->kind != DB_POSTGRES)
		return sqlite3_column_int64(st->lite, c);
	const char *v = PQgetvalue(st->res, st->row, c);
	/* PostgreSQL's booleans come back as t and f */
	if (v[0] == 't' && !v[1])
		return 1;
	return strtoll(v, NULL, 10);
}

const char *db_column_text(db_stmt *st, int c)
{
	if (st->d->kind != DB_POSTGRES)
		return (const char *)sqlite3_column_text(st->lite, c);
	return PQgetisnull(st->res, st->row, c) ? NULL
						 : PQgetvalue(st->res, st->row, c);
}

int db_backup(db *d, const char *path)
{
	if (d->kind == DB_POSTGRES) {
		snprintf(d->err, sizeof d->err,
			 "a PostgreSQL store is backed up by the server's own tools (pg_dump)");
		return -1;
	}
	sqlite3 *copy = NULL;
	int rc = sqlite3_open_v2(path, &copy,
				 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
	if (rc == SQLITE_OK) {
		/* the online backup: a consistent copy while others may write */
		sqlite3_backup *b = sqlite3_backup_init(copy, "main", d->lite, "main");
		if (b) {
			progress_begin("copying", -1, "pages");
			while ((rc = sqlite3_backup_step(b, 1024)) == SQLITE_OK ||
			       rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
				long long all = sqlite3_backup_pagecount(b);
				progress_set_total(all);
				PROGRESS_TICK(all - sqlite3_backup_remaining(b) - rp_progress_done);
				sqlite3_sleep(10);
			}
			sqlite3_backup_finish(b);
			progress_end();
		}
		rc = sqlite3_errcode(copy);
	}
	if (rc == SQLITE_OK) {
		sqlite3_stmt *st;
		rc = sqlite3_prepare_v2(copy, "PRAGMA integrity_check", -1, &st, NULL);
		if (rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW &&
		    strcmp((const char *)sqlite3_column_text(st, 0), "ok") != 0) {
			snprintf(d->err, sizeof d->err,
				 "%s: the copy fails its integrity check: %s", path,
				 sqlite3_column_text(st, 0));
			rc = SQLITE_CORRUPT;
		}
		sqlite3_finalize(st);
	} else {
		snprintf(d->err, sizeof d->err, "%s: %s", path,
			 copy ? sqlite3_errmsg(copy) : "cannot open");
	}
	sqlite3_close(copy);
	return rc == SQLITE_OK ? 0 : -1;
}

/* A query parameter's name, percent-decoded as libpq decodes it, is
 * "password". */
static bool is_password_param(const char *p, size_t len)
{
	static const char want[] = "password";
	size_t k = 0;
	for (size_t i = 0; i < len; i++, k++) {
		int c = (unsigned char)p[i];
		if (c == '%' && i + 2 < len &&
		    isxdigit((unsigned char)p[i + 1]) && isxdigit((unsigned char)p[i + 2])) {
			char hex[3] = {p[i + 1], p[i + 2], '\0'};
			c = (int)strtol(hex, NULL, 16);
			i += 2;
		}
		if (k >= sizeof want - 1 || c != want[k])
			return false;
	}
	return k == sizeof want - 1;
}

void db_display_name(const char *target, char *out, size_t size)
{
	/* postgresql://user:secret@host/db -> postgresql://user@host/db, and
	 * ...?password=secret&sslmode=x -> ...?sslmode=x: a password never
	 * shows in a message */
	if (!db_is_postgres(target)) {
		snprintf(out, size, "%s", target);
		return;
	}
	const char *scheme = strstr(target, "://");
	size_t hlen = strcspn(scheme + 3, "/?#");
	const char *hend = scheme + 3 + hlen;
	const char *at = NULL, *colon = NULL;
	for (const char *p = scheme + 3; p < hend; p++)
		if (*p == '@')
			at = p;
	for (const char *p = scheme + 3; at && p < at; p++)
		if (*p == ':') {
			colon = p;
			break;
		}
	size_t n = 0;
	if (size == 0)
		return;
	out[0] = '\0';
#define PUT(s, len) \
	n += (size_t)snprintf(out + n, n < size ? size - n : 0, "%.*s", (int)(len), (s))
	if (colon) {
		PUT(target, colon - target);
		PUT(at, hend - at);
	} else {
		PUT(target, hend - target);
	}
	const char *q = strchr(hend, '?');
	PUT(hend, (q ? q : hend + strlen(hend)) - hend);
	if (q) {
		const char *p = q + 1;
		bool first = true;
		while (*p) {
			size_t len = strcspn(p, "&");
			size_t name = strcspn(p, "=&");
			if (len > 0 && !is_password_param(p, name < len ? name : len)) {
				PUT(first ? "?" : "&", 1);
				PUT(p, len);
				first = false;
			}
			p += len;
			if (*p == '&')
				p++;
		}
	}
#undef PUT
	if (n >= size && size > 0)
		out[size - 1] = '\0';
}
