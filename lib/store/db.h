#ifndef RP_DB_H
#define RP_DB_H

#include <stdbool.h>
#include <stddef.h>

/*
 * The few SQL calls the store makes, on SQLite or on PostgreSQL (libpq),
 * so that lib/store.c is written once. Statements use '?' or '?N'
 * placeholders (rewritten to $N for PostgreSQL); values go as text or
 * integers, columns come back as text or integers. SQL that the two
 * dialects spell differently is chosen by the caller from db_kind().
 *
 * A statement is run by its first db_step after binding; db_reset keeps
 * the bindings (the SQLite model). On PostgreSQL a statement prepared
 * with db_prepare_scan reads its rows through a cursor in batches (inside
 * a transaction), so a million-row scan is not held in memory at once.
 */

enum db_kind { DB_SQLITE, DB_POSTGRES };
enum { DB_ERROR = -1, DB_DONE = 0, DB_ROW = 1 };

typedef struct db db;
typedef struct db_stmt db_stmt;

/* True when target names a PostgreSQL database (postgresql:// or
 * postgres:// URI, libpq's syntax). */
bool db_is_postgres(const char *target);

/* "postgresql://...", "sqlite:FILE" or FILE. A SQLite file is created when
 * create is set. NULL with the reason in err when it will not open. */
db *db_open(const char *target, bool create, char *err, size_t errsize);
void db_close(db *d);
enum db_kind db_kind(const db *d);
/* The last error of the connection, one line. */
const char *db_errmsg(db *d);

/* One or more statements without parameters or results. 0 or -1. */
int db_exec(db *d, const char *sql);
/* 1 when the table exists, 0 when not, -1 on error. */
int db_table_exists(db *d, const char *table);

db_stmt *db_prepare(db *d, const char *sql);
db_stmt *db_prepare_scan(db *d, const char *sql);
/* "INSERT INTO t(c1, ...) VALUES(?, ...)" of rows that nothing reads back
 * before the next read or the commit (fresh records, the journal): inside
 * db_pipeline on PostgreSQL they are gathered and sent with COPY. */
db_stmt *db_prepare_bulk(db *d, const char *sql);
void db_finalize(db_stmt *st);
/* A statement that writes records by their n, records there before the
 * transaction (or found by a read since): never the rows a bulk statement
 * still holds, so on PostgreSQL it need not wait for them to be copied. */
void db_set_keyed(db_stmt *st);

/*
 * PostgreSQL, inside a write transaction: with on, a statement that writes
 * (INSERT, UPDATE, DELETE) is sent without waiting for its answer (libpq's
 * pipeline mode), and the rows of a bulk statement wait in a buffer to go
 * by COPY. The next statement that reads, or any other call, first waits
 * for every answer and sends the buffers, so that what it reads is what
 * was written before it. A write that failed fails that next call (with
 * the first error: db_errmsg), and every one after it, up to db_pipeline
 * off, which also waits for every answer: 0, or -1 when something failed
 * (the transaction can then only roll back). SQLite: nothing, 0.
 */
int db_pipeline(db *d, bool on);

/* i counts from 1. NULL text binds SQL NULL. */
void db_bind_text(db_stmt *st, int i, const char *value);
void db_bind_int(db_stmt *st, int i, long long value);
void db_bind_null(db_stmt *st, int i);
void db_clear_bindings(db_stmt *st);

/* DB_ROW, DB_DONE or DB_ERROR (db_errmsg says why). */
int db_step(db_stmt *st);
void db_reset(db_stmt *st);

/* c counts from 0. */
bool db_column_null(db_stmt *st, int c);
long long db_column_int(db_stmt *st, int c);
const char *db_column_text(db_stmt *st, int c); /* NULL for SQL NULL */
/* PostgreSQL: a statement that is not a scan holds all its rows once
 * stepped; db_rows counts them and db_seek makes row i (from 0) the one
 * the columns read, in any order. */
int db_rows(db_stmt *st);
void db_seek(db_stmt *st, int row);

/* A consistent copy of a SQLite store in a new file (the online backup),
 * checked with PRAGMA integrity_check; refused for PostgreSQL. 0 or -1. */
int db_backup(db *d, const char *path);

/* target for messages: a PostgreSQL URI without its password. */
void db_display_name(const char *target, char *out, size_t size);

#endif
