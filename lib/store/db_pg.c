/* The PostgreSQL side of lib/db.h, on libpq. */
#include "db_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "err.h"
#include "xalloc.h"

/* Rows fetched from a scan's cursor at a time. */
#define SCAN_BATCH 20000

/* libpq's messages: the first line, without "ERROR:  ". */
static void set_err(db *d, const char *msg)
{
	if (!msg || !*msg)
		msg = "PostgreSQL error";
	if (strncmp(msg, "ERROR:  ", 8) == 0)
		msg += 8;
	size_t n = strcspn(msg, "\n");
	snprintf(d->err, sizeof d->err, "%.*s", (int)(n < 1000 ? n : 1000), msg);
}

static void no_notices(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

db *pg_open(const char *uri, char *err, size_t errsize)
{
	db *d = xcalloc(1, sizeof *d);
	d->kind = DB_POSTGRES;
	/* the program's name shows in pg_stat_activity unless the URI names one */
	const char *keys[] = {"dbname", "fallback_application_name", NULL};
	const char *values[] = {uri, rp_prog ? rp_prog : "rosterpipe", NULL};
	d->pg = PQconnectdbParams(keys, values, 1);
	if (PQstatus(d->pg) != CONNECTION_OK) {
		set_err(d, PQerrorMessage(d->pg));
		snprintf(err, errsize, "%s", d->err);
		pg_close(d);
		free(d);
		return NULL;
	}
	PQsetNoticeProcessor(d->pg, no_notices, NULL);
	if (pg_exec(d, "SET client_encoding = 'UTF8'; SET client_min_messages = warning") != 0) {
		snprintf(err, errsize, "%s", d->err);
		pg_close(d);
		free(d);
		return NULL;
	}
	return d;
}

void pg_close(db *d) { PQfinish(d->pg); }

static int result_ok(db *d, PGresult *res)
{
	ExecStatusType s = PQresultStatus(res);
	if (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK)
		return 0;
	set_err(d, res ? PQresultErrorMessage(res) : PQerrorMessage(d->pg));
	return -1;
}

int pg_exec(db *d, const char *sql)
{
	if (pg_idle(d) != 0)
		return -1;
	PGresult *res = PQexec(d->pg, sql);
	int rc = result_ok(d, res);
	PQclear(res);
	return rc;
}

int pg_table_exists(db *d, const char *table)
{
	const char *values[1] = {table};
	if (pg_idle(d) != 0)
		return -1;
	PGresult *res = PQexecParams(d->pg, "SELECT to_regclass($1) IS NOT NULL",
				     1, NULL, values, NULL, NULL, 0);
	int rc = result_ok(d, res);
	if (rc == 0)
		rc = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	return rc;
}

/* '?' and '?N' outside string literals become $N. */
static char *placeholders(const char *sql, int *nparams)
{
	char *out = xmalloc(strlen(sql) * 3 + 1), *o = out;
	int next = 0, max = 0;
	bool quoted = false;
	for (const char *p = sql; *p; p++) {
		if (*p == '\'')
			quoted = !quoted;
		if (quoted || *p != '?') {
			*o++ = *p;
			continue;
		}
		int n;
		if (p[1] >= '0' && p[1] <= '9') {
			n = (int)strtol(p + 1, (char **)&p, 10);
			p--;
		} else {
			n = ++next;
		}
		if (n > max)
			max = n;
		o += sprintf(o, "$%d", n);
	}
	*o = 0;
	*nparams = max;
	return out;
}

/* An INSERT, UPDATE or DELETE (without RETURNING): the table it writes. */
static bool writes(const char *sql, char *table, size_t size)
{
	static const char *const verbs[] = {"INSERT INTO ", "UPDATE ",
					    "DELETE FROM "};
	for (int i = 0; i < 3; i++) {
		size_t n = strlen(verbs[i]);
		if (strncasecmp(sql, verbs[i], n) != 0)
			continue;
		if (strstr(sql, "RETURNING") || strstr(sql, "returning"))
			return false;
		size_t len = strcspn(sql + n, " (");
		snprintf(table, size, "%.*s", (int)len, sql + n);
		return len > 0 && len < size;
	}
	return false;
}

db_stmt *pg_prepare(db *d, const char *sql, bool scan)
{
	if (pg_idle(d) != 0)
		return NULL;
	db_stmt *st = xcalloc(1, sizeof *st);
	st->d = d;
	st->scan = scan;
	st->write = !scan && writes(sql, st->table, sizeof st->table);
	st->sql = placeholders(sql, &st->nparams);
	st->values = xcalloc((size_t)st->nparams + 1, sizeof *st->values);
	snprintf(st->name, sizeof st->name, "rp%lu", ++d->statements);
	if (!scan) {
		PGresult *res = PQprepare(d->pg, st->name, st->sql, 0, NULL);
		int rc = result_ok(d, res);
		PQclear(res);
		if (rc != 0) {
			char why[sizeof d->err];
			snprintf(why, sizeof why, "%s", d->err);
			snprintf(d->err, sizeof d->err, "%.200s: %.700s", sql, why);
			st->name[0] = 0;
			pg_finalize(st);
			return NULL;
		}
	}
	return st;
}

void pg_reset(db_stmt *st)
{
	PQclear(st->res);
	st->res = NULL;
	st->started = st->last_batch = false;
	st->row = st->rows = 0;
	if (st->cursor_open && pg_idle(st->d) == 0 &&
	    PQtransactionStatus(st->d->pg) == PQTRANS_INTRANS) {
		char sql[64];
		snprintf(sql, sizeof sql, "CLOSE %s", st->name);
		PQclear(PQexec(st->d->pg, sql));
	}
	st->cursor_open = false;
}

void pg_finalize(db_stmt *st)
{
	pg_reset(st);
	pg_bulk_detach(st); /* its rows sent first */
	/* a prepared statement lives as long as the session: give it back,
	 * unless the transaction has failed and would refuse the command */
	if (!st->scan && st->name[0] && pg_idle(st->d) == 0 &&
	    PQtransactionStatus(st->d->pg) != PQTRANS_INERROR) {
		char sql[64];
		snprintf(sql, sizeof sql, "DEALLOCATE %s", st->name);
		PQclear(PQexec(st->d->pg, sql));
	}
	for (int i = 0; i < st->nparams; i++)
		free(st->values[i]);
	free(st->values);
	free(st->sql);
	free(st);
}

void pg_bind(db_stmt *st, int i, const char *text)
{
	if (i < 1 || i > st->nparams)
		return;
	free(st->values[i - 1]);
	st->values[i - 1] = text ? xstrdup(text) : NULL;
}

static int fetch(db_stmt *st)
{
	if (pg_idle(st->d) != 0)
		return DB_ERROR;
	char sql[64];
	snprintf(sql, sizeof sql, "FETCH %d FROM %s", SCAN_BATCH, st->name);
	PQclear(st->res);
	st->res = PQexec(st->d->pg, sql);
	if (result_ok(st->d, st->res) != 0)
		return DB_ERROR;
	st->rows = PQntuples(st->res);
	st->row = -1;
	st->last_batch = st->rows < SCAN_BATCH;
	return DB_DONE;
}

static int start(db_stmt *st)
{
	const char *const *values = (const char *const *)st->values;
	st->started = true;
	if (st->d->pipe_on && (st->bulk || st->write)) {
		/* nothing to read back: not waited for */
		st->rows = 0;
		st->row = -1;
		st->last_batch = true;
		if ((st->bulk ? pg_bulk_add(st) : pg_pipe_write(st)) != 0)
			return DB_ERROR;
		return DB_DONE;
	}
	if (pg_idle(st->d) != 0)
		return DB_ERROR;
	if (!st->scan) {
		st->res = PQexecPrepared(st->d->pg, st->name, st->nparams, values,
					 NULL, NULL, 0);
		if (result_ok(st->d, st->res) != 0)
			return DB_ERROR;
		st->rows = PQresultStatus(st->res) == PGRES_TUPLES_OK
				   ? PQntuples(st->res) : 0;
		st->row = -1;
		st->last_batch = true;
		return DB_DONE;
	}
	size_t len = strlen(st->sql) + 64;
	char *declare = xmalloc(len);
	snprintf(declare, len, "DECLARE %s NO SCROLL CURSOR FOR %s", st->name,
		 st->sql);
	PGresult *res = PQexecParams(st->d->pg, declare, st->nparams, NULL,
				     values, NULL, NULL, 0);
	free(declare);
	int rc = result_ok(st->d, res);
	PQclear(res);
	if (rc != 0)
		return DB_ERROR;
	st->cursor_open = true;
	return fetch(st);
}

int pg_step(db_stmt *st)
{
	if (!st->started && start(st) != DB_DONE)
		return DB_ERROR;
	if (++st->row < st->rows)
		return DB_ROW;
	if (st->last_batch)
		return DB_DONE;
	if (fetch(st) != DB_DONE)
		return DB_ERROR;
	return ++st->row < st->rows ? DB_ROW : DB_DONE;
}

int pg_rows(db_stmt *st) { return st->res ? st->rows : 0; }

void pg_seek(db_stmt *st, int row)
{
	if (st->res && row >= 0 && row < st->rows)
		st->row = row;
}
