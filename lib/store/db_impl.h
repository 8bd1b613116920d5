#ifndef RP_DB_IMPL_H
#define RP_DB_IMPL_H

/* Shared by db.c (SQLite and the dispatch) and db_pg.c (libpq). */

#include <libpq-fe.h>
#include <sqlite3.h>

#include "db.h"

struct db_bulk;

struct db {
	enum db_kind kind;
	sqlite3 *lite;
	PGconn *pg;
	unsigned long statements; /* names PostgreSQL's prepared statements */
	char err[1024];
	/* PostgreSQL inside a write transaction (db_pipeline, db_pgpipe.c) */
	bool pipe_on;	/* writes are pipelined, bulk inserts copied */
	bool in_pipe;	/* libpq is in pipeline mode now */
	long queued;	/* commands sent whose results are not read yet */
	bool failed;	/* a pipelined command or a COPY failed: err says
			   why, and the transaction can only roll back */
	struct db_bulk *bulks; /* the bulk statements' buffers */
};

struct db_stmt {
	db *d;
	sqlite3_stmt *lite;
	/* PostgreSQL */
	char name[32];
	char *sql;	/* with $N placeholders */
	int nparams;
	char **values; /* bound values as text, NULL for SQL NULL */
	bool scan;	/* read through a cursor */
	bool write;	/* INSERT, UPDATE or DELETE: no rows to read */
	char table[64]; /* the table it writes */
	struct db_bulk *bulk; /* db_prepare_bulk's: rows go by COPY */
	bool keyed;	/* db_set_keyed: need not wait for copied rows */
	bool started, cursor_open, last_batch;
	PGresult *res;
	int row, rows;
};

db *pg_open(const char *uri, char *err, size_t errsize);
void pg_close(db *d);
int pg_exec(db *d, const char *sql);
int pg_table_exists(db *d, const char *table);
db_stmt *pg_prepare(db *d, const char *sql, bool scan);
void pg_finalize(db_stmt *st);
void pg_bind(db_stmt *st, int i, const char *text);
int pg_step(db_stmt *st);
void pg_reset(db_stmt *st);
void pg_seek(db_stmt *st, int row);
int pg_rows(db_stmt *st);

/* db_pgpipe.c: pipelined writes and COPY, for db_pg.c */
int pg_idle(db *d);		   /* every command answered, copies sent */
int pg_pipe_write(db_stmt *st);	   /* a write sent, not waited for */
void pg_bulk_attach(db_stmt *st);  /* an INSERT ... VALUES that may be copied */
int pg_bulk_add(db_stmt *st);	   /* its bound values as a row to copy */
void pg_bulk_detach(db_stmt *st);
int pg_pipeline(db *d, bool on);

#endif
