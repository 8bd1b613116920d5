#ifndef RP_STORE_INT_H
#define RP_STORE_INT_H

/* Private to lib/store: the open store, its prepared statements, and what
 * the files of the engine share. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#include "db.h"
#include "record.h"
#include "store.h"

#define SCHEMA_VERSION 3
#define NENT 6

extern const struct rec_entity *const st_entities[NENT];

/* Prepared statements of one entity. */
struct table {
	const struct rec_entity *ent;
	char name[32];
	db_stmt *save, *insert, *load, *remove, *by_source, *exists, *any;
	db_stmt *side_clear[REC_MAX_FIELDS], *side_add[REC_MAX_FIELDS],
		*side_load[REC_MAX_FIELDS];
	db_stmt *side_fresh[REC_MAX_FIELDS]; /* side_add for a fresh record */
};

struct store {
	db *db;
	bool pg; /* PostgreSQL, else SQLite */
	bool empty; /* a PostgreSQL database without the store's tables, read */
	bool made;  /* this open made the store's tables (store_made_now) */
	/* SQLite: the file's path and identity when it was opened; a writer
	 * checks it still names that file once it holds the lock (st_begin_write) */
	char *path;
	dev_t dev;
	ino_t ino;
	struct table tables[NENT];
	db_stmt *meta_get, *meta_set, *user_by_id_type, *journal_op;
	char **deferred; /* CREATE INDEX statements of indexes dropped for now */
	size_t ndeferred;
	long long next[NENT]; /* id counters of the transaction */
	bool next_loaded[NENT], next_dirty[NENT];
	char id[33]; /* meta store_id; empty for a database without the tables */
	struct ahead *ahead; /* store_read_ahead's answers, per entity */
	char err[4096];
};

static inline int entity_index(const struct rec_entity *e)
{
	for (int i = 0; i < NENT; i++)
		if (st_entities[i] == e)
			return i;
	return -1;
}

static inline struct table *table_of(store *s, const struct rec_entity *e)
{
	return &s->tables[entity_index(e)];
}

static inline bool is_column(const struct rec_field *f)
{
	return (f->kind == K_STR || f->kind == K_BOOL) && strcmp(f->name, "id") != 0;
}

static inline bool is_side(const struct rec_field *f)
{
	return f->kind == K_LIST || f->kind == K_MAP;
}

/* Side table of a list or map field: user.ids -> user_ids. */
static inline void side_name(const struct table *t, const struct rec_field *f,
			     char *out, size_t size)
{
	snprintf(out, size, "%s_%s", t->ent->type, f->name);
}

/* store.c */
int st_fail(store *s, const char *what);
int st_exec(store *s, const char *sql);
db_stmt *st_prepare(store *s, const char *sql);

/* schema.c */
int st_begin_write(store *s);
int st_ensure_schema(store *s, bool create);
void st_forget_deferred(store *s);
int st_restore_indexes(store *s);

/* ahead.c: store_read_ahead's answers. st_ahead_load: 1 with the record
 * in r, 0 when it is known absent, -1 when not known; st_ahead_exists and
 * st_ahead_source likewise (the n, 0 when absent, -1 when not known). */
int st_ahead_load(store *s, const struct rec_entity *e, long long n, rec *r,
		  long long *version);
int st_ahead_exists(store *s, const struct rec_entity *e, long long n);
long long st_ahead_source(store *s, const struct rec_entity *e,
			  const char *source, const char *sid);
void st_ahead_wrote(store *s, const struct rec_entity *e, long long n);
void st_ahead_forget(store *s);
void st_ahead_free(store *s);

/* records.c */
int st_flush_counters(store *s);
void st_forget_counters(store *s);
void st_columns_to_rec(db_stmt *st, rec *r, long long n);

#endif
