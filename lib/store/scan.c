/* Reading the whole store (or one school of it) as state records, in id
 * order, from one version: what snapshot writes. */
#include "store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"

/* The rows of one side table, walked in step with the main table. */
struct side_cursor {
	db_stmt *st;
	int field;
	bool more;
	bool failed; /* a failed step is no end: the read fails */
};

static void side_step(struct side_cursor *c)
{
	int rc = db_step(c->st);
	c->more = rc == DB_ROW;
	c->failed |= rc != DB_ROW && rc != DB_DONE;
}

static int read_entity(store *s, const struct store_reader *rd,
		       const struct rec_entity *e,
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
		return st_fail(s, t->name);
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
		c->failed = false;
		if (!(c->st = db_prepare(s->db, sql))) {
			st_fail(s, side);
			for (int i = 0; i < nsides - 1; i++)
				db_finalize(sides[i].st);
			db_finalize(st);
			return -1;
		}
		side_step(c);
	}

	int rc;
	bool stopped = false; /* the reader asked to stop */
	rec r;
	while ((rc = db_step(st)) == DB_ROW) {
		long long n = db_column_int(st, 0);
		arena_reset(arena);
		rec_init(&r, e, arena);
		st_columns_to_rec(st, &r, n);
		for (int i = 0; i < nsides; i++) {
			struct side_cursor *c = &sides[i];
			rec_list_add(&r, c->field, NULL);
			while (c->more && db_column_int(c->st, 0) < n)
				side_step(c);
			while (c->more && db_column_int(c->st, 0) == n) {
				const char *v = db_column_text(c->st, 2);
				if (e->fields[c->field].kind == K_MAP)
					rec_map_put(&r, c->field,
						    db_column_text(c->st, 1), v);
				else
					rec_list_add(&r, c->field, v);
				side_step(c);
			}
		}
		bool cut = false; /* a side table that failed: no record half read */
		for (int i = 0; i < nsides; i++)
			cut |= sides[i].failed;
		if (cut) {
			rc = DB_DONE;
			break;
		}
		if (rd->record(rd->ctx, &r) != 0) {
			rc = DB_DONE;
			stopped = true;
			break;
		}
	}
	bool side_failed = false;
	for (int i = 0; i < nsides; i++) {
		if (sides[i].failed && !side_failed) {
			side_failed = true;
			st_fail(s, t->name);
		}
		db_finalize(sides[i].st);
	}
	db_finalize(st);
	if (stopped || side_failed)
		return -1;
	return rc == DB_DONE ? 0 : st_fail(s, t->name);
}

/* Whether entity type is in the comma-separated list wanted (NULL: all). */
static bool wanted(const char *list, const char *type)
{
	if (!list)
		return true;
	size_t len = strlen(type);
	for (const char *p = list; (p = strstr(p, type)); p += len)
		if ((p == list || p[-1] == ',') && (!p[len] || p[len] == ','))
			return true;
	return false;
}

const char *store_unknown_entity(const char *list)
{
	static char bad[64];
	for (const char *p = list; *p; ) {
		size_t n = strcspn(p, ",");
		bool known = false;
		for (int i = 0; i < NENT && !known; i++)
			known = strlen(st_entities[i]->type) == n &&
				strncmp(st_entities[i]->type, p, n) == 0;
		if (!known) {
			snprintf(bad, sizeof bad, "%.*s", (int)(n < 60 ? n : 60), p);
			return bad;
		}
		p += n + (p[n] == ',');
	}
	return NULL;
}

long long store_count_records(store *s, const char *entities_wanted)
{
	long long sum = 0;
	for (int i = 0; i < NENT && !s->empty; i++) {
		if (!wanted(entities_wanted, st_entities[i]->type))
			continue;
		char sql[128];
		snprintf(sql, sizeof sql, "SELECT count(*) FROM %s",
			 table_of(s, st_entities[i])->name);
		db_stmt *st = db_prepare(s->db, sql);
		if (!st)
			return st_fail(s, sql);
		int rc = db_step(st);
		long long n = rc == DB_ROW ? db_column_int(st, 0) : -1;
		db_finalize(st);
		if (n < 0)
			return st_fail(s, table_of(s, st_entities[i])->name);
		sum += n;
	}
	return sum;
}

int store_read(store *s, const char *entities_wanted, const char *school,
	       const struct store_reader *rd)
{
	/* one read transaction: every record from the same version */
	if (st_exec(s, s->pg ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
			     : "BEGIN") != 0)
		return -1;
	long long version = store_version(s);
	int rc = version < 0 ? -1
		 : rd->begin ? rd->begin(rd->ctx, version, s->id) : 0;
	rp_arena *arena = arena_new();
	for (int i = 0; i < NENT && rc == 0 && !s->empty; i++) {
		if (!wanted(entities_wanted, st_entities[i]->type))
			continue;
		rc = read_entity(s, rd, st_entities[i], school, arena);
	}
	arena_free(arena);
	st_exec(s, rc == 0 ? "COMMIT" : "ROLLBACK");
	return rc;
}
