/*
 * PostgreSQL inside a write transaction (db_pipeline): writes are sent in
 * libpq's pipeline mode without waiting for their answers, and the rows of
 * bulk statements (db_prepare_bulk: fresh records, the journal) are kept
 * in a buffer per statement and sent with COPY. Before anything else runs
 * on the connection (a read, a prepare, a plain command), pg_idle waits
 * for every answer and sends every buffer, so that a read sees every write
 * made before it, in order. The first error of a pipelined write or a COPY
 * is kept: that call fails, and every call after it, until the pipeline
 * is turned off; the transaction can then only roll back.
 */
#include "db_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

/* Answers waited for after this many commands, so that neither side's
 * buffers grow without end. */
#define PIPE_DEPTH 4096
/* A bulk buffer is sent when it holds this much. */
#define BULK_BYTES (4u << 20)

struct db_bulk {
	db_stmt *st;
	bool del;   /* DELETE FROM t WHERE n = $1: the ns, one DELETE for all */
	char *copy; /* COPY table(columns) FROM STDIN, or that DELETE */
	char *buf;  /* rows to copy, or the ns as "1,2,3" */
	size_t len, cap;
	struct db_bulk *next;
};

/* The first error only: later ones follow from it. */
static void fail(db *d, const char *msg)
{
	if (d->failed)
		return;
	d->failed = true;
	if (!msg || !*msg)
		msg = "PostgreSQL error";
	if (strncmp(msg, "ERROR:  ", 8) == 0)
		msg += 8;
	size_t n = strcspn(msg, "\n");
	snprintf(d->err, sizeof d->err, "%.*s (a write sent earlier in the transaction)",
		 (int)(n < 900 ? n : 900), msg);
}

/* Reads the answers of every command sent, up to a sync. */
static int drain(db *d)
{
	if (PQpipelineSync(d->pg) != 1) {
		fail(d, PQerrorMessage(d->pg));
		return -1;
	}
	int empty = 0;
	for (;;) {
		PGresult *res = PQgetResult(d->pg);
		if (!res) {
			/* one NULL ends each command's answers; more in a row
			 * means the connection has nothing more to give */
			if (++empty > 2 || PQstatus(d->pg) == CONNECTION_BAD) {
				fail(d, PQerrorMessage(d->pg));
				break;
			}
			continue;
		}
		empty = 0;
		ExecStatusType s = PQresultStatus(res);
		if (s == PGRES_FATAL_ERROR || s == PGRES_BAD_RESPONSE ||
		    s == PGRES_NONFATAL_ERROR)
			fail(d, PQresultErrorMessage(res));
		PQclear(res);
		if (s == PGRES_PIPELINE_SYNC)
			break;
	}
	d->queued = 0;
	return d->failed ? -1 : 0;
}

/* Out of pipeline mode, every answer read. */
static int leave_pipe(db *d)
{
	if (!d->in_pipe)
		return 0;
	int rc = d->queued ? drain(d) : 0;
	if (PQexitPipelineMode(d->pg) != 1 && rc == 0) {
		fail(d, PQerrorMessage(d->pg));
		rc = -1;
	}
	d->in_pipe = false;
	return rc;
}

static int enter_pipe(db *d)
{
	if (!d->in_pipe) {
		if (PQenterPipelineMode(d->pg) != 1) {
			fail(d, PQerrorMessage(d->pg));
			return -1;
		}
		d->in_pipe = true;
	}
	return 0;
}

/* A command sent in the pipeline. */
static int sent(db *d, int ok)
{
	if (ok != 1) {
		fail(d, PQerrorMessage(d->pg));
		return -1;
	}
	/* read what has come so far, so the server never waits on us */
	if (++d->queued % 64 == 0 && PQconsumeInput(d->pg) != 1) {
		fail(d, PQerrorMessage(d->pg));
		return -1;
	}
	return d->queued >= PIPE_DEPTH ? drain(d) : 0;
}

/* The ns of a deleting bulk statement, as one DELETE in the pipeline. */
static int send_deletes(db *d, struct db_bulk *b)
{
	if (!b->len || d->failed)
		return d->failed ? -1 : 0;
	if (enter_pipe(d) != 0)
		return -1;
	char *ns = xmalloc(b->len + 3);
	snprintf(ns, b->len + 3, "{%.*s}", (int)b->len, b->buf);
	const char *values[1] = {ns};
	b->len = 0;
	int rc = sent(d, PQsendQueryParams(d->pg, b->copy, 1, NULL, values, NULL,
					   NULL, 0));
	free(ns);
	return rc;
}

/* One buffer through COPY (out of pipeline mode). */
static int send_bulk(db *d, struct db_bulk *b)
{
	if (b->del)
		return 0; /* sent before leaving the pipeline */
	if (!b->len || d->failed)
		return d->failed ? -1 : 0;
	PGresult *res = PQexec(d->pg, b->copy);
	bool ok = PQresultStatus(res) == PGRES_COPY_IN;
	if (!ok)
		fail(d, res ? PQresultErrorMessage(res) : PQerrorMessage(d->pg));
	PQclear(res);
	if (ok && (PQputCopyData(d->pg, b->buf, (int)b->len) != 1 ||
		   PQputCopyEnd(d->pg, NULL) != 1)) {
		fail(d, PQerrorMessage(d->pg));
		ok = false;
	}
	/* the COPY's own answer, then the end of its answers */
	while ((res = PQgetResult(d->pg))) {
		if (PQresultStatus(res) != PGRES_COMMAND_OK)
			fail(d, PQresultErrorMessage(res));
		PQclear(res);
	}
	b->len = 0;
	return d->failed ? -1 : 0;
}

int pg_idle(db *d)
{
	if (!d->pipe_on && !d->in_pipe)
		return 0;
	int rc = 0;
	for (struct db_bulk *b = d->bulks; b && rc == 0; b = b->next)
		if (b->del)
			rc = send_deletes(d, b);
	if (leave_pipe(d) != 0)
		rc = -1;
	for (struct db_bulk *b = d->bulks; b && rc == 0; b = b->next)
		rc = send_bulk(d, b);
	return d->failed ? -1 : rc;
}

/* A write to a table whose buffered rows or deletes are still to be sent
 * waits for them (but for the statement's own): it may be about them. A
 * keyed statement never is about rows to copy (db_set_keyed). */
static int bulks_of(db *d, const db_stmt *st)
{
	for (struct db_bulk *b = d->bulks; b; b = b->next) {
		if (!b->len || b == st->bulk || strcmp(b->st->table, st->table) != 0)
			continue;
		if (!b->del) {
			if (st->keyed)
				continue;
			return pg_idle(d);
		}
		if (send_deletes(d, b) != 0)
			return -1;
	}
	return 0;
}

int pg_pipe_write(db_stmt *st)
{
	db *d = st->d;
	if (d->failed || bulks_of(d, st) != 0 || enter_pipe(d) != 0)
		return -1;
	return sent(d, PQsendQueryPrepared(d->pg, st->name, st->nparams,
					   (const char *const *)st->values,
					   NULL, NULL, 0));
}

void pg_bulk_attach(db_stmt *st)
{
	/* INSERT INTO t(columns) VALUES($1, ...) -> COPY t(columns) FROM STDIN;
	 * DELETE FROM t WHERE n = $1 -> DELETE FROM t WHERE n = ANY($1) */
	const char *into = st->sql + strlen("INSERT INTO ");
	const char *values = strstr(st->sql, " VALUES(");
	char where[96];
	snprintf(where, sizeof where, "DELETE FROM %s WHERE n = $1", st->table);
	struct db_bulk *b;
	if (st->write && strcmp(st->sql, where) == 0) {
		b = xcalloc(1, sizeof *b);
		b->del = true;
		size_t n = strlen(st->sql) + 32;
		b->copy = xmalloc(n);
		snprintf(b->copy, n, "DELETE FROM %s WHERE n = ANY($1::bigint[])",
			 st->table);
	} else if (st->write && strncmp(st->sql, "INSERT INTO ", 12) == 0 &&
		   values && !strstr(values, "ON CONFLICT")) {
		b = xcalloc(1, sizeof *b);
		size_t n = (size_t)(values - into) + 32;
		b->copy = xmalloc(n);
		snprintf(b->copy, n, "COPY %.*s FROM STDIN", (int)(values - into),
			 into);
	} else {
		return;
	}
	b->st = st;
	b->next = st->d->bulks;
	st->d->bulks = b;
	st->bulk = b;
}

void pg_bulk_detach(db_stmt *st)
{
	struct db_bulk *b = st->bulk;
	if (!b)
		return;
	if (b->len && st->d->pipe_on)
		pg_idle(st->d);
	for (struct db_bulk **p = &st->d->bulks; *p; p = &(*p)->next)
		if (*p == b) {
			*p = b->next;
			break;
		}
	free(b->copy);
	free(b->buf);
	free(b);
	st->bulk = NULL;
}

/* COPY's text format: tab between columns, \N for NULL, and backslash,
 * tab, newline and carriage return escaped. */
static void put(struct db_bulk *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->buf = xrealloc(b->buf, b->cap);
	}
	memcpy(b->buf + b->len, s, n);
	b->len += n;
}

int pg_bulk_add(db_stmt *st)
{
	db *d = st->d;
	struct db_bulk *b = st->bulk;
	if (d->failed || bulks_of(d, st) != 0)
		return -1;
	if (b->del) {
		const char *n = st->values[0] ? st->values[0] : "NULL";
		if (b->len)
			put(b, ",", 1);
		put(b, n, strlen(n));
		return b->len >= BULK_BYTES ? send_deletes(d, b) : 0;
	}
	for (int i = 0; i < st->nparams; i++) {
		const char *v = st->values[i];
		if (i)
			put(b, "\t", 1);
		if (!v) {
			put(b, "\\N", 2);
			continue;
		}
		for (;;) {
			size_t plain = strcspn(v, "\\\t\n\r");
			put(b, v, plain);
			v += plain;
			if (!*v)
				break;
			char esc[2] = {'\\', *v == '\t' ? 't' : *v == '\n' ? 'n'
					    : *v == '\r' ? 'r' : '\\'};
			put(b, esc, 2);
			v++;
		}
	}
	put(b, "\n", 1);
	return b->len >= BULK_BYTES ? pg_idle(d) : 0;
}

int pg_pipeline(db *d, bool on)
{
	if (on) {
		d->pipe_on = true;
		d->failed = false;
		return 0;
	}
	int rc = pg_idle(d);
	for (struct db_bulk *b = d->bulks; b; b = b->next)
		b->len = 0; /* not sent after a failure: the transaction is lost */
	d->pipe_on = false;
	d->failed = false;
	return rc;
}
