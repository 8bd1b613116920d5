#ifndef RP_DB_IMPL_H
#define RP_DB_IMPL_H

/* Shared by db.c (SQLite and the dispatch) and db_pg.c (libpq). */

#include <libpq-fe.h>
#include <sqlite3.h>

#include "db.h"

struct db {
	enum db_kind kind;
	sqlite3 *lite;
	PGconn *pg;
	unsigned long statements; /* names PostgreSQL's prepared statements */
	char err[1024];
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

#endif
