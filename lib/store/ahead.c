/* Reading ahead (store_read_ahead): on PostgreSQL the records and look-ups
 * the next operations of a plan need, one query for each kind and entity,
 * instead of a round trip for each record. */
#include "store_int.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "idset.h"
#include "xalloc.h"

struct source_answer {
	char *source, *sid;
	long long n; /* 0: none */
};

struct ahead {
	/* the statements, prepared when first needed */
	db_stmt *rows_q, *side_q[REC_MAX_FIELDS], *exists_q, *source_q, *ids_q;
	/* records read: n -> row + 1 (0: asked, absent); side rows: n -> first
	 * row + 1; written: records changed since (read again) */
	idset *row_of, *side_of[REC_MAX_FIELDS], *written;
	idset *exists;	/* n -> 1 present, 0 absent */
	idset *source;	/* hash of source and id -> index in answers */
	struct source_answer *answers;
	size_t nanswers;
};

bool store_reads_ahead(const store *s) { return s->pg && !s->empty; }

static void forget_sources(struct ahead *a)
{
	idset_free(a->source);
	a->source = NULL;
	for (size_t i = 0; i < a->nanswers; i++) {
		free(a->answers[i].source);
		free(a->answers[i].sid);
	}
	free(a->answers);
	a->answers = NULL;
	a->nanswers = 0;
}

static void forget_lookups(struct ahead *a)
{
	idset_free(a->exists);
	a->exists = NULL;
	forget_sources(a);
}

static void forget_rows(struct ahead *a)
{
	idset_free(a->row_of);
	idset_free(a->written);
	a->row_of = a->written = NULL;
	if (a->rows_q)
		db_reset(a->rows_q);
	for (int f = 0; f < REC_MAX_FIELDS; f++) {
		idset_free(a->side_of[f]);
		a->side_of[f] = NULL;
		if (a->side_q[f])
			db_reset(a->side_q[f]);
	}
}

static void forget(struct ahead *a)
{
	forget_lookups(a);
	forget_rows(a);
}

void st_ahead_forget(store *s)
{
	for (int i = 0; s->ahead && i < NENT; i++)
		forget(&s->ahead[i]);
}

void st_ahead_free(store *s)
{
	if (!s->ahead)
		return;
	for (int i = 0; i < NENT; i++) {
		struct ahead *a = &s->ahead[i];
		forget(a);
		db_finalize(a->rows_q);
		db_finalize(a->exists_q);
		db_finalize(a->source_q);
		db_finalize(a->ids_q);
		for (int f = 0; f < REC_MAX_FIELDS; f++)
			db_finalize(a->side_q[f]);
	}
	free(s->ahead);
	s->ahead = NULL;
}

void st_ahead_wrote(store *s, const struct rec_entity *e, long long n)
{
	if (!s->ahead)
		return;
	struct ahead *a = &s->ahead[entity_index(e)];
	if (a->row_of) {
		if (!a->written)
			a->written = idset_new();
		idset_set(a->written, (uint64_t)n, 1);
	}
	/* a user's identifiers answer look-ups by source too */
	for (int i = 0; i < NENT; i++)
		if (s->ahead[i].exists || s->ahead[i].source)
			forget_lookups(&s->ahead[i]);
}

/* ---- the queries ------------------------------------------------------- */

static void grow(char **buf, size_t *len, size_t *cap, size_t more)
{
	if (*len + more + 1 > *cap) {
		*cap = (*len + more + 1) * 2;
		*buf = xrealloc(*buf, *cap);
	}
}

static void add_num(char **buf, size_t *len, size_t *cap, long long n)
{
	grow(buf, len, cap, 24);
	*len += (size_t)snprintf(*buf + *len, 24, "%s%lld", *len > 1 ? "," : "", n);
}

/* An element of a text array literal: quoted, with " and \ escaped. */
static void add_text(char **buf, size_t *len, size_t *cap, const char *v)
{
	grow(buf, len, cap, 2 * strlen(v) + 4);
	char *o = *buf + *len;
	if (*len > 1)
		*o++ = ',';
	*o++ = '"';
	for (; *v; v++) {
		if (*v == '"' || *v == '\\')
			*o++ = '\\';
		*o++ = *v;
	}
	*o++ = '"';
	*o = '\0';
	*len = (size_t)(o - *buf);
}

static db_stmt *prepared(store *s, db_stmt **st, const char *sql)
{
	if (!*st)
		*st = st_prepare(s, sql);
	return *st;
}

/* The rows of records ns (an array literal) and of their side tables. */
static int read_rows(store *s, struct table *t, struct ahead *a,
		     const char *ns, const long long *want, size_t count)
{
	const struct rec_entity *e = t->ent;
	char sql[1024], cols[768] = "n, version";
	for (int f = 0; f < e->nfields; f++)
		if (is_column(&e->fields[f])) {
			strcat(cols, ", ");
			strcat(cols, e->fields[f].name);
		}
	snprintf(sql, sizeof sql, "SELECT %s FROM %s WHERE n = ANY(?::bigint[])",
		 cols, t->name);
	if (!prepared(s, &a->rows_q, sql))
		return -1;
	db_bind_text(a->rows_q, 1, ns);
	a->row_of = idset_new();
	int rc;
	for (uint32_t row = 1; (rc = db_step(a->rows_q)) == DB_ROW; row++)
		idset_set(a->row_of, (uint64_t)db_column_int(a->rows_q, 0), row);
	if (rc != DB_DONE)
		return st_fail(s, t->name);
	for (size_t i = 0; i < count; i++) /* asked and absent */
		idset_put(a->row_of, (uint64_t)want[i], 0, NULL);
	for (int f = 0; f < e->nfields; f++) {
		if (!is_side(&e->fields[f]))
			continue;
		char side[64];
		side_name(t, &e->fields[f], side, sizeof side);
		snprintf(sql, sizeof sql, "SELECT n, key, value FROM %s"
			 " WHERE n = ANY(?::bigint[]) ORDER BY n, pos", side);
		if (!prepared(s, &a->side_q[f], sql))
			return -1;
		db_bind_text(a->side_q[f], 1, ns);
		a->side_of[f] = idset_new();
		for (uint32_t row = 1; (rc = db_step(a->side_q[f])) == DB_ROW; row++)
			idset_put(a->side_of[f],
				  (uint64_t)db_column_int(a->side_q[f], 0), row, NULL);
		if (rc != DB_DONE)
			return st_fail(s, side);
	}
	return 0;
}

static int read_exists(store *s, struct table *t, struct ahead *a,
		       const char *ns, const long long *want, size_t count)
{
	char sql[256];
	snprintf(sql, sizeof sql, "SELECT n FROM %s WHERE n = ANY(?::bigint[])",
		 t->name);
	if (!prepared(s, &a->exists_q, sql))
		return -1;
	db_bind_text(a->exists_q, 1, ns);
	a->exists = idset_new();
	int rc;
	while ((rc = db_step(a->exists_q)) == DB_ROW)
		idset_set(a->exists, (uint64_t)db_column_int(a->exists_q, 0), 1);
	db_reset(a->exists_q);
	if (rc != DB_DONE)
		return st_fail(s, t->name);
	for (size_t i = 0; i < count; i++)
		idset_put(a->exists, (uint64_t)want[i], 0, NULL);
	return 0;
}

static uint64_t source_key(const char *source, const char *sid)
{
	return id_hash_finish(id_hash_str(source) * 31 + id_hash_str(sid));
}

static struct source_answer *answer_of(struct ahead *a, const char *source,
				       const char *sid)
{
	uint32_t i;
	if (!a->source || !idset_get(a->source, source_key(source, sid), &i))
		return NULL;
	struct source_answer *x = &a->answers[i];
	/* a hash shared by two keys: not known, asked again */
	return strcmp(x->source, source) == 0 && strcmp(x->sid, sid) == 0 ? x
									  : NULL;
}

/* The rows of st (n, source, id) lower the answers' n to the first. */
static int take_sources(store *s, struct ahead *a, db_stmt *st)
{
	int rc;
	while ((rc = db_step(st)) == DB_ROW) {
		struct source_answer *x = answer_of(a, db_column_text(st, 1),
						    db_column_text(st, 2));
		long long n = db_column_int(st, 0);
		if (x && (!x->n || n < x->n))
			x->n = n;
	}
	db_reset(st);
	return rc == DB_DONE ? 0 : st_fail(s, "look-up");
}

static int read_sources(store *s, struct table *t, struct ahead *a,
			const struct store_want *w, size_t count)
{
	char sql[512], *srcs = xstrdup("{"), *sids = xstrdup("{");
	size_t ls = 1, cs = 2, li = 1, ci = 2;
	a->source = idset_new();
	a->answers = xcalloc(count, sizeof *a->answers);
	for (size_t i = 0; i < count; i++) {
		if (answer_of(a, w[i].source, w[i].sid))
			continue;
		uint32_t at = (uint32_t)a->nanswers;
		if (!idset_put(a->source, source_key(w[i].source, w[i].sid), at, NULL))
			continue; /* the hash of another key: asked when needed */
		a->answers[a->nanswers++] = (struct source_answer){
			xstrdup(w[i].source), xstrdup(w[i].sid), 0};
		add_text(&srcs, &ls, &cs, w[i].source);
		add_text(&sids, &li, &ci, w[i].sid);
	}
	grow(&srcs, &ls, &cs, 1);
	grow(&sids, &li, &ci, 1);
	strcpy(srcs + ls, "}");
	strcpy(sids + li, "}");
	snprintf(sql, sizeof sql, "SELECT t.n, t.source, t.source_id FROM %s t"
		 " JOIN unnest(?::text[], ?::text[]) AS k(a, b)"
		 " ON t.source = k.a AND t.source_id = k.b", t->name);
	int rc = -1;
	if (prepared(s, &a->source_q, sql)) {
		db_bind_text(a->source_q, 1, srcs);
		db_bind_text(a->source_q, 2, sids);
		rc = take_sources(s, a, a->source_q);
	}
	/* users: any stored identifier of the source, when none by source id
	 * (store_find_source); asked for all, used where the first found none */
	if (rc == 0 && t->ent == &REC_USER) {
		struct ahead ids = {.source = a->source, .answers = xcalloc(
			a->nanswers ? a->nanswers : 1, sizeof *a->answers)};
		for (size_t i = 0; i < a->nanswers; i++)
			ids.answers[i] = (struct source_answer){
				a->answers[i].source, a->answers[i].sid, 0};
		ids.nanswers = a->nanswers;
		rc = -1;
		if (prepared(s, &a->ids_q, "SELECT u.n, u.key, u.value FROM user_ids u"
			     " JOIN unnest(?::text[], ?::text[]) AS k(a, b)"
			     " ON u.key = k.a AND u.value = k.b")) {
			db_bind_text(a->ids_q, 1, srcs);
			db_bind_text(a->ids_q, 2, sids);
			rc = take_sources(s, &ids, a->ids_q);
		}
		for (size_t i = 0; i < a->nanswers; i++)
			if (!a->answers[i].n)
				a->answers[i].n = ids.answers[i].n;
		free(ids.answers);
	}
	free(srcs);
	free(sids);
	return rc;
}

int store_read_ahead(store *s, const struct store_want *w, size_t count)
{
	if (!store_reads_ahead(s))
		return 0;
	if (!s->ahead)
		s->ahead = xcalloc(NENT, sizeof *s->ahead);
	int rc = 0;
	long long *ns = xmalloc((count + 1) * sizeof *ns);
	char *list = NULL;
	for (int i = 0; i < NENT && rc == 0; i++) {
		struct table *t = &s->tables[i];
		struct ahead *a = &s->ahead[i];
		for (int kind = STORE_WANT_LOAD; kind <= STORE_WANT_SOURCE && rc == 0;
		     kind++) {
			size_t n = 0, len = 1, cap = 2, first = count;
			list = xrealloc(list, cap);
			strcpy(list, "{");
			for (size_t k = 0; k < count; k++)
				if (w[k].e == t->ent && (int)w[k].kind == kind) {
					first = first < k ? first : k;
					ns[n++] = w[k].n;
					if (kind != STORE_WANT_SOURCE)
						add_num(&list, &len, &cap, w[k].n);
				}
			if (!n)
				continue;
			grow(&list, &len, &cap, 1);
			strcpy(list + len, "}");
			/* what was read before for this entity and kind goes */
			if (kind == STORE_WANT_LOAD) {
				forget_rows(a);
				rc = read_rows(s, t, a, list, ns, n);
			} else if (kind == STORE_WANT_EXISTS) {
				idset_free(a->exists);
				a->exists = NULL;
				rc = read_exists(s, t, a, list, ns, n);
			} else if (t->by_source) {
				forget_sources(a);
				/* the wants of this entity and kind, together */
				struct store_want *mine = xmalloc(n * sizeof *mine);
				size_t m = 0;
				for (size_t k = first; k < count; k++)
					if (w[k].e == t->ent && w[k].kind == STORE_WANT_SOURCE)
						mine[m++] = w[k];
				rc = read_sources(s, t, a, mine, m);
				free(mine);
			}
		}
	}
	free(ns);
	free(list);
	if (rc != 0)
		st_ahead_forget(s);
	return rc;
}

/* ---- the answers ------------------------------------------------------- */

int st_ahead_load(store *s, const struct rec_entity *e, long long n, rec *r,
		  long long *version)
{
	struct ahead *a = s->ahead ? &s->ahead[entity_index(e)] : NULL;
	uint32_t row;
	if (!a || !a->row_of || !idset_get(a->row_of, (uint64_t)n, &row) ||
	    (a->written && idset_get(a->written, (uint64_t)n, NULL)))
		return -1;
	if (!row)
		return 0;
	rec_init(r, e, r->arena);
	db_seek(a->rows_q, (int)row - 1);
	st_columns_to_rec(a->rows_q, r, n);
	if (version)
		*version = db_column_int(a->rows_q, 1);
	for (int f = 0; f < e->nfields; f++) {
		if (!is_side(&e->fields[f]))
			continue;
		db_stmt *st = a->side_q[f];
		rec_list_add(r, f, NULL); /* present, maybe empty */
		uint32_t first;
		if (!idset_get(a->side_of[f], (uint64_t)n, &first))
			continue;
		for (int i = (int)first - 1; i < db_rows(st); i++) {
			db_seek(st, i);
			if (db_column_int(st, 0) != n)
				break;
			if (e->fields[f].kind == K_MAP)
				rec_map_put(r, f, db_column_text(st, 1),
					    db_column_text(st, 2));
			else
				rec_list_add(r, f, db_column_text(st, 2));
		}
	}
	return 1;
}

int st_ahead_exists(store *s, const struct rec_entity *e, long long n)
{
	struct ahead *a = s->ahead ? &s->ahead[entity_index(e)] : NULL;
	uint32_t v;
	if (!a || (a->written && idset_get(a->written, (uint64_t)n, NULL)))
		return -1;
	if (a->exists && idset_get(a->exists, (uint64_t)n, &v))
		return v ? 1 : 0;
	if (a->row_of && idset_get(a->row_of, (uint64_t)n, &v))
		return v ? 1 : 0;
	return -1;
}

long long st_ahead_source(store *s, const struct rec_entity *e,
			  const char *source, const char *sid)
{
	struct ahead *a = s->ahead ? &s->ahead[entity_index(e)] : NULL;
	const struct source_answer *x = a ? answer_of(a, source, sid) : NULL;
	return x ? x->n : -1;
}
