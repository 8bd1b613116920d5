/* Records in the store: meta values and id counters, save, load, remove,
 * look-ups by source id, and the counts the delete guard needs. */
#include "store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

/* ---- meta -------------------------------------------------------------- */

int store_meta_get(store *s, const char *key, char **value)
{
	*value = NULL;
	db_bind_text(s->meta_get, 1, key);
	int rc = db_step(s->meta_get);
	if (rc == DB_ROW && db_column_text(s->meta_get, 0))
		*value = xstrdup(db_column_text(s->meta_get, 0));
	db_reset(s->meta_get);
	return rc == DB_ROW || rc == DB_DONE ? 0 : st_fail(s, "meta");
}

int store_meta_set(store *s, const char *key, const char *value)
{
	db_bind_text(s->meta_set, 1, key);
	if (value)
		db_bind_text(s->meta_set, 2, value);
	else
		db_bind_null(s->meta_set, 2);
	int rc = db_step(s->meta_set);
	db_reset(s->meta_set);
	return rc == DB_DONE ? 0 : st_fail(s, "meta");
}

/* A number in meta: 0 when absent, -1 when it cannot be read. */
static long long meta_int(store *s, const char *key)
{
	char *v;
	if (store_meta_get(s, key, &v) != 0)
		return -1;
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

long long store_version(store *s) { return s->empty ? 0 : meta_int(s, "version"); }

long long store_bump_version(store *s)
{
	long long v = store_version(s);
	return v >= 0 && meta_set_int(s, "version", v + 1) == 0 ? v + 1 : -1;
}

/* Id counters are read once a transaction and written back at its commit:
 * a million creates must not be two million meta statements. */
long long store_next_n(store *s, const struct rec_entity *e)
{
	int i = entity_index(e);
	if (!s->next_loaded[i]) {
		char key[64];
		snprintf(key, sizeof key, "next_%s", e->type);
		if ((s->next[i] = meta_int(s, key)) < 0)
			return -1;
		s->next_loaded[i] = true;
	}
	s->next_dirty[i] = true;
	return ++s->next[i];
}

int st_flush_counters(store *s)
{
	for (int i = 0; i < NENT; i++) {
		if (!s->next_dirty[i])
			continue;
		char key[64];
		snprintf(key, sizeof key, "next_%s", st_entities[i]->type);
		if (meta_set_int(s, key, s->next[i]) != 0)
			return -1;
		s->next_dirty[i] = false;
	}
	return 0;
}

void st_forget_counters(store *s)
{
	for (int i = 0; i < NENT; i++)
		s->next_loaded[i] = s->next_dirty[i] = false;
}

int store_exists(store *s, const struct rec_entity *e, long long n)
{
	struct table *t = &s->tables[entity_index(e)];
	int known = s->ahead ? st_ahead_exists(s, e, n) : -1;
	if (known >= 0)
		return known;
	db_bind_int(t->exists, 1, n);
	int rc = db_step(t->exists);
	db_reset(t->exists);
	return rc == DB_ROW ? 1 : rc == DB_DONE ? 0 : st_fail(s, t->name);
}

/* ---- records ----------------------------------------------------------- */

/* Removes the side-table rows (lists, maps) of record n. */
static int clear_sides(store *s, struct table *t, long long n)
{
	for (int f = 0; f < t->ent->nfields; f++) {
		if (!is_side(&t->ent->fields[f]))
			continue;
		db_bind_int(t->side_clear[f], 1, n);
		int rc = db_step(t->side_clear[f]);
		db_reset(t->side_clear[f]);
		if (rc != DB_DONE)
			return st_fail(s, t->name);
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
	int rc = db_step(t->any);
	db_reset(t->any);
	return rc == DB_DONE ? 1 : rc == DB_ROW ? 0 : st_fail(s, t->name);
}

static int save(store *s, const rec *r, long long n, long long version,
		bool fresh, const rec *was);

int store_save(store *s, const rec *r, long long n, long long version)
{
	return save(s, r, n, version, false, NULL);
}

int store_update(store *s, const rec *r, const rec *was, long long n,
		 long long version)
{
	return save(s, r, n, version, false, was);
}

int store_insert(store *s, const rec *r, long long n, long long version)
{
	return save(s, r, n, version, true, NULL);
}

/* The side rows of field f of record n (cleared first unless fresh). */
static int save_side(store *s, struct table *t, const rec *r, int f,
		     long long n, bool fresh)
{
	if (!fresh) {
		db_bind_int(t->side_clear[f], 1, n);
		int rc = db_step(t->side_clear[f]);
		db_reset(t->side_clear[f]);
		if (rc != DB_DONE)
			return st_fail(s, t->name);
	}
	const struct rec_val *v = &r->v[f];
	bool map = r->ent->fields[f].kind == K_MAP;
	for (size_t i = 0; i < v->n; i++) {
		db_stmt *add = fresh ? t->side_fresh[f] : t->side_add[f];
		db_bind_int(add, 1, n);
		db_bind_int(add, 2, (long long)i);
		if (map)
			db_bind_text(add, 3, v->items[2 * i]);
		else
			db_bind_null(add, 3);
		db_bind_text(add, 4, v->items[map ? 2 * i + 1 : i]);
		int rc = db_step(add);
		db_reset(add);
		if (rc != DB_DONE)
			return st_fail(s, t->name);
	}
	return 0;
}

static int save(store *s, const rec *r, long long n, long long version,
		bool fresh, const rec *was)
{
	struct table *t = table_of(s, r->ent);
	db_stmt *st = fresh ? t->insert : t->save;
	st_ahead_wrote(s, r->ent, n);
	int col = 1;
	db_bind_int(st, col++, n);
	db_bind_int(st, col++, version);
	for (int f = 0; f < r->ent->nfields; f++) {
		const struct rec_field *fd = &r->ent->fields[f];
		if (!is_column(fd))
			continue;
		if (fd->kind == K_BOOL)
			db_bind_int(st, col++, r->v[f].b >= 0 ? r->v[f].b
								   : bool_default(fd));
		else if (r->v[f].s)
			db_bind_text(st, col++, r->v[f].s);
		else
			db_bind_null(st, col++);
	}
	int rc = db_step(st);
	db_reset(st);
	db_clear_bindings(st);
	if (rc != DB_DONE)
		return st_fail(s, t->name);
	for (int f = 0; f < r->ent->nfields; f++)
		/* a list or map as it was stays as its rows are */
		if (is_side(&r->ent->fields[f]) &&
		    !(was && rec_field_equal(r, was, f)) &&
		    save_side(s, t, r, f, n, fresh) != 0)
			return -1;
	return 0;
}

/* Fills the fields of r from a row whose first columns are n, version. */
void st_columns_to_rec(db_stmt *st, rec *r, long long n)
{
	char id[32];
	snprintf(id, sizeof id, "%c%lld", store_id_letter(r->ent), n);
	rec_set_copy(r, 0, id);
	int col = 2;
	for (int f = 0; f < r->ent->nfields; f++) {
		const struct rec_field *fd = &r->ent->fields[f];
		if (!is_column(fd))
			continue;
		if (db_column_null(st, col))
			;
		else if (fd->kind == K_BOOL)
			rec_set_bool(r, f, db_column_int(st, col));
		else
			rec_set_copy(r, f, db_column_text(st, col));
		col++;
	}
}

int store_load(store *s, const struct rec_entity *e, long long n, rec *r,
	       long long *version)
{
	struct table *t = table_of(s, e);
	int known = s->ahead ? st_ahead_load(s, e, n, r, version) : -1;
	if (known >= 0)
		return known;
	rec_init(r, e, r->arena);
	db_bind_int(t->load, 1, n);
	int rc = db_step(t->load);
	if (rc == DB_ROW) {
		st_columns_to_rec(t->load, r, n);
		if (version)
			*version = db_column_int(t->load, 1);
	}
	db_reset(t->load);
	if (rc == DB_DONE)
		return 0;
	if (rc != DB_ROW)
		return st_fail(s, t->name);
	for (int f = 0; f < e->nfields; f++) {
		if (!is_side(&e->fields[f]))
			continue;
		db_stmt *st = t->side_load[f];
		rec_list_add(r, f, NULL); /* present, maybe empty */
		db_bind_int(st, 1, n);
		while ((rc = db_step(st)) == DB_ROW) {
			const char *value = db_column_text(st, 1);
			if (e->fields[f].kind == K_MAP)
				rec_map_put(r, f, db_column_text(st, 0),
					    value);
			else
				rec_list_add(r, f, value);
		}
		db_reset(st);
		if (rc != DB_DONE)
			return st_fail(s, t->name);
	}
	return 1;
}

int store_remove(store *s, const struct rec_entity *e, long long n)
{
	struct table *t = table_of(s, e);
	st_ahead_wrote(s, e, n);
	db_bind_int(t->remove, 1, n);
	int rc = db_step(t->remove);
	db_reset(t->remove);
	if (rc != DB_DONE)
		return st_fail(s, t->name);
	return clear_sides(s, t, n);
}

/* The first row's n, 0 when there is none, -1 on an error. */
static long long first_n(store *s, db_stmt *st)
{
	int rc = db_step(st);
	long long n = rc == DB_ROW ? db_column_int(st, 0) : 0;
	db_reset(st);
	return rc == DB_ROW || rc == DB_DONE ? n : st_fail(s, "look-up");
}

long long store_find_source(store *s, const struct rec_entity *e,
			    const char *source, const char *source_id)
{
	struct table *t = table_of(s, e);
	if (!t->by_source)
		return 0;
	long long known = s->ahead ? st_ahead_source(s, e, source, source_id) : -1;
	if (known >= 0)
		return known;
	db_bind_text(t->by_source, 1, source);
	db_bind_text(t->by_source, 2, source_id);
	long long n = first_n(s, t->by_source);
	if (n || e != &REC_USER)
		return n;
	/* a user linked to this source keeps its id among its identifiers */
	db_bind_text(s->user_by_id_type, 1, source_id);
	db_bind_text(s->user_by_id_type, 2, source);
	return first_n(s, s->user_by_id_type);
}

int store_enrollments_of(store *s, int field, const char *id, long long **ns,
			 size_t *count)
{
	db_stmt *st;
	const char *sql = field == E_USER_ID
				  ? "SELECT n FROM enrollments WHERE user_id = ? ORDER BY n"
				  : "SELECT n FROM enrollments WHERE section_id = ? ORDER BY n";
	if (!(st = db_prepare(s->db, sql)))
		return st_fail(s, "enrollments");
	db_bind_text(st, 1, id);
	size_t cap = 0;
	*ns = NULL;
	*count = 0;
	int rc;
	while ((rc = db_step(st)) == DB_ROW) {
		if (*count == cap) {
			cap = cap ? cap * 2 : 16;
			*ns = xrealloc(*ns, cap * sizeof **ns);
		}
		(*ns)[(*count)++] = db_column_int(st, 0);
	}
	db_finalize(st);
	return rc == DB_DONE ? 0 : st_fail(s, "enrollments");
}

/* One count(*) query with the school bound when it has a placeholder. */
static int count_one(store *s, const char *sql, const char *school,
		     long long *out)
{
	db_stmt *st;
	if (!(st = db_prepare(s->db, sql)))
		return st_fail(s, "counts");
	if (strchr(sql, '?'))
		db_bind_text(st, 1, school);
	int rc = db_step(st);
	if (rc == DB_ROW)
		*out = db_column_int(st, 0);
	db_finalize(st);
	return rc == DB_ROW ? 0 : st_fail(s, "counts");
}

int store_count_school(store *s, const char *school,
		       struct store_school_counts *c)
{
	static const char *const with[4] = {
		"SELECT count(*) FROM users WHERE deleted_at IS NULL AND n IN"
		" (SELECT n FROM user_school_ids WHERE value = ?)",
		"SELECT count(*) FROM users WHERE n IN"
		" (SELECT n FROM user_school_ids WHERE value = ?)",
		"SELECT count(*) FROM sections WHERE school_id = ?",
		"SELECT count(*) FROM enrollments WHERE section_id IN"
		" (SELECT 'c' || n FROM sections WHERE school_id = ?)",
	};
	static const char *const without[4] = {
		"SELECT count(*) FROM users WHERE deleted_at IS NULL AND n NOT IN"
		" (SELECT n FROM user_school_ids)",
		"SELECT count(*) FROM users WHERE n NOT IN"
		" (SELECT n FROM user_school_ids)",
		"SELECT count(*) FROM sections WHERE school_id IS NULL",
		"SELECT count(*) FROM enrollments WHERE section_id IN"
		" (SELECT 'c' || n FROM sections WHERE school_id IS NULL)",
	};
	long long *out[4] = {&c->active, &c->users, &c->sections,
			     &c->enrollments};
	for (int i = 0; i < 4; i++)
		if (count_one(s, school ? with[i] : without[i], school, out[i]) != 0)
			return -1;
	return 0;
}

int store_referrers(store *s, const char *id,
		    int (*fn)(void *ctx, const char *referrer), void *ctx)
{
	/* every reference field of the schema, by the entity it names */
	static const struct {
		char target;
		const char *sql;
	} refs[] = {
		{'s', "SELECT 'c' || n FROM sections WHERE school_id = ?1"},
		{'s', "SELECT 'u' || n FROM user_school_ids WHERE value = ?1"},
		{'s', "SELECT 'a' || n FROM appointments WHERE school_id = ?1"},
		{'t', "SELECT 'c' || n FROM section_term_ids WHERE value = ?1"},
		{'c', "SELECT 'e' || n FROM enrollments WHERE section_id = ?1"},
		{'u', "SELECT 'e' || n FROM enrollments WHERE user_id = ?1"},
		{'u', "SELECT 'a' || n FROM appointments WHERE user_id = ?1"
		      " OR staff_id = ?1"},
	};
	for (size_t i = 0; i < sizeof refs / sizeof *refs; i++) {
		if (refs[i].target != id[0])
			continue;
		db_stmt *st;
		if (!(st = db_prepare(s->db, refs[i].sql)))
			return st_fail(s, "references");
		db_bind_text(st, 1, id);
		int rc, stop = 0;
		while (!stop && (rc = db_step(st)) == DB_ROW)
			stop = fn(ctx, db_column_text(st, 0));
		db_finalize(st);
		if (stop)
			return stop;
		if (rc != DB_DONE)
			return st_fail(s, "references");
	}
	return 0;
}
