#include "record.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N(a) ((int)(sizeof a / sizeof *a))

static const struct rec_field school_fields[] = {
	{"id", K_STR, RF_STATE | RF_ID},
	{"source", K_STR, 0},
	{"source_id", K_STR, 0},
	{"status", K_STR, RF_NODIFF},
	{"name", K_STR, 0},
	{"school_number", K_STR, 0},
	{"low_grade", K_STR, 0},
	{"high_grade", K_STR, 0},
	{"import_enabled", K_BOOL, RF_STATE},
	{"automation_enabled", K_BOOL, RF_STATE},
};
static const struct rec_field term_fields[] = {
	{"id", K_STR, RF_STATE | RF_ID},
	{"source", K_STR, 0},
	{"source_id", K_STR, 0},
	{"status", K_STR, RF_NODIFF},
	{"name", K_STR, 0},
	{"kind", K_STR, 0},
	{"start_date", K_STR, 0},
	{"end_date", K_STR, 0},
	{"school_year", K_STR, 0},
};
static const struct rec_field section_fields[] = {
	{"id", K_STR, RF_STATE | RF_ID},
	{"source", K_STR, 0},
	{"source_id", K_STR, 0},
	{"status", K_STR, RF_NODIFF},
	{"school_id", K_STR, 0},
	{"term_ids", K_LIST, 0},
	{"name", K_STR, 0},
	{"course", K_STR, 0},
	{"period", K_STR, 0},
	{"subject", K_STR, 0},
};
static const struct rec_field enrollment_fields[] = {
	{"id", K_STR, RF_STATE | RF_ID},
	{"source", K_STR, 0},
	{"status", K_STR, RF_NODIFF},
	{"section_id", K_STR, 0},
	{"user_id", K_STR, 0},
	{"role", K_STR, 0},
};
static const struct rec_field user_fields[] = {
	{"id", K_STR, RF_STATE | RF_ID},
	{"source", K_STR, 0},
	{"source_id", K_STR, 0},
	{"status", K_STR, RF_NODIFF},
	{"role", K_STR, 0},
	/* every canonical role of a user who holds several (role is the
	 * primary one), sorted */
	{"roles", K_LIST, RF_SPARSE},
	{"school_ids", K_LIST, 0},
	{"given_name", K_STR, 0},
	{"middle_name", K_STR, 0},
	{"family_name", K_STR, 0},
	{"email", K_STR, 0},
	{"username", K_STR, 0},
	{"sis_id", K_STR, 0},
	{"state_id", K_STR, 0},
	{"student_number", K_STR, 0},
	{"grade", K_STR, 0},
	{"birth_date", K_STR, 0},
	{"ids", K_MAP, 0},
	{"modified", K_STR, RF_NODIFF},
	{"deleted_at", K_STR, RF_STATE},
	{"ignore_on_import", K_BOOL, RF_STATE},
	{"manual", K_BOOL, RF_STATE},
};
static const struct rec_field appointment_fields[] = {
	{"id", K_STR, RF_STATE | RF_ID},
	{"school_id", K_STR, 0},
	{"user_id", K_STR, 0},
	{"staff_id", K_STR, 0},
	{"starts_at", K_STR, 0},
	{"ends_at", K_STR, 0},
	{"school_year", K_STR, 0},
	{"title", K_STR, 0},
	{"created", K_STR, 0},
};

const struct rec_entity REC_SCHOOL = {"school", school_fields, N(school_fields)};
const struct rec_entity REC_TERM = {"term", term_fields, N(term_fields)};
const struct rec_entity REC_SECTION = {"section", section_fields,
				       N(section_fields)};
const struct rec_entity REC_ENROLLMENT = {"enrollment", enrollment_fields,
					  N(enrollment_fields)};
const struct rec_entity REC_USER = {"user", user_fields, N(user_fields)};
const struct rec_entity REC_APPOINTMENT = {"appointment", appointment_fields,
					   N(appointment_fields)};

static const struct rec_entity *const entities[] = {
	&REC_SCHOOL, &REC_TERM, &REC_SECTION,
	&REC_ENROLLMENT, &REC_USER, &REC_APPOINTMENT,
};

const struct rec_entity *rec_entity_of(const char *type)
{
	for (int i = 0; i < N(entities); i++)
		if (strcmp(entities[i]->type, type) == 0)
			return entities[i];
	return NULL;
}

int rec_field_index(const struct rec_entity *e, const char *name)
{
	for (int i = 0; i < e->nfields; i++)
		if (strcmp(e->fields[i].name, name) == 0)
			return i;
	return -1;
}

void rec_init(rec *r, const struct rec_entity *e, rp_arena *a)
{
	r->ent = e;
	r->arena = a;
	memset(r->v, 0, sizeof r->v);
	for (int i = 0; i < REC_MAX_FIELDS; i++)
		r->v[i].b = -1;
}

void rec_set(rec *r, int f, const char *s) { r->v[f].s = s && *s ? s : NULL; }

void rec_set_copy(rec *r, int f, const char *s)
{
	r->v[f].s = s && *s ? arena_strdup(r->arena, s) : NULL;
}

void rec_set_bool(rec *r, int f, bool b) { r->v[f].b = b; }

const char *rec_str(const rec *r, int f) { return r->v[f].s; }

/* Room for `more` items in v, growing inside the arena. */
static void reserve_items(rec *r, struct rec_val *v, size_t more)
{
	v->set = true;
	if (v->n * 2 + more <= v->cap)
		return;
	size_t cap = v->cap ? v->cap * 2 : 8;
	while (cap < v->n * 2 + more)
		cap *= 2;
	const char **items = arena_alloc(r->arena, cap * sizeof *items);
	if (v->items)
		memcpy(items, v->items, v->cap * sizeof *items);
	v->items = items;
	v->cap = cap;
}

void rec_list_add(rec *r, int f, const char *s)
{
	struct rec_val *v = &r->v[f];
	reserve_items(r, v, 1);
	if (!s)
		return;
	v->items[v->n++] = arena_strdup(r->arena, s);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

void rec_list_sort_unique(rec *r, int f)
{
	struct rec_val *v = &r->v[f];
	if (v->n < 2)
		return;
	qsort(v->items, v->n, sizeof *v->items, cmp_str);
	size_t out = 1;
	for (size_t i = 1; i < v->n; i++)
		if (strcmp(v->items[i], v->items[out - 1]) != 0)
			v->items[out++] = v->items[i];
	v->n = out;
}

void rec_map_put(rec *r, int f, const char *key, const char *val)
{
	struct rec_val *v = &r->v[f];
	for (size_t i = 0; i < v->n; i++)
		if (strcmp(v->items[2 * i], key) == 0) {
			v->items[2 * i + 1] = arena_strdup(r->arena, val);
			return;
		}
	reserve_items(r, v, 2);
	v->items[2 * v->n] = arena_strdup(r->arena, key);
	v->items[2 * v->n + 1] = arena_strdup(r->arena, val);
	v->n++;
}

static int cmp_pair(const void *a, const void *b)
{
	return strcmp(((const char *const *)a)[0], ((const char *const *)b)[0]);
}

void rec_map_sort(rec *r, int f)
{
	struct rec_val *v = &r->v[f];
	if (v->n > 1)
		qsort(v->items, v->n, 2 * sizeof *v->items, cmp_pair);
}

const char *rec_map_get(const rec *r, int f, const char *key)
{
	const struct rec_val *v = &r->v[f];
	for (size_t i = 0; i < v->n; i++)
		if (strcmp(v->items[2 * i], key) == 0)
			return v->items[2 * i + 1];
	return NULL;
}

static bool present(const rec *r, int f)
{
	const struct rec_val *v = &r->v[f];
	switch (r->ent->fields[f].kind) {
	case K_STR:
		return v->s != NULL;
	case K_BOOL:
		return v->b >= 0;
	default:
		return v->set && (v->n || !(r->ent->fields[f].flags & RF_SPARSE));
	}
}

static void write_value(nd_writer *w, const char *key, const rec *r, int f)
{
	const struct rec_val *v = &r->v[f];
	switch (r->ent->fields[f].kind) {
	case K_STR:
		nd_str(w, key, v->s);
		break;
	case K_BOOL:
		nd_bool(w, key, v->b);
		break;
	case K_LIST:
		nd_arr(w, key);
		for (size_t i = 0; i < v->n; i++)
			nd_str(w, NULL, v->items[i]);
		nd_close(w);
		break;
	case K_MAP:
		nd_obj(w, key);
		for (size_t i = 0; i < v->n; i++)
			nd_str(w, v->items[2 * i], v->items[2 * i + 1]);
		nd_close(w);
		break;
	}
}

void rec_write_field(nd_writer *w, const rec *r, int f)
{
	if (present(r, f))
		write_value(w, r->ent->fields[f].name, r, f);
	else
		nd_null(w, r->ent->fields[f].name);
}

void rec_write_members(nd_writer *w, const rec *r, unsigned skip)
{
	for (int f = 0; f < r->ent->nfields; f++)
		if (present(r, f) && !(r->ent->fields[f].flags & skip))
			write_value(w, r->ent->fields[f].name, r, f);
}

void rec_write(nd_writer *w, const rec *r)
{
	nd_begin(w);
	nd_str(w, "type", r->ent->type);
	rec_write_members(w, r, 0);
	nd_end(w);
}

void rec_clear(rec *r, int f)
{
	/* forget the items too: a copied rec may share them */
	memset(&r->v[f], 0, sizeof r->v[f]);
	r->v[f].b = -1;
}

const char *rec_field_from_json(rec *r, int f, const cJSON *j)
{
	static char why[128];
	const struct rec_field *fd = &r->ent->fields[f];
	const char *bad = NULL;
	rec_clear(r, f);
	if (!j || cJSON_IsNull(j))
		return NULL;
	switch (fd->kind) {
	case K_STR:
		if (!cJSON_IsString(j))
			bad = "a string";
		else
			rec_set(r, f, j->valuestring);
		break;
	case K_BOOL:
		if (!cJSON_IsBool(j))
			bad = "true or false";
		else
			rec_set_bool(r, f, cJSON_IsTrue(j));
		break;
	case K_LIST:
		if (!cJSON_IsArray(j)) {
			bad = "an array of strings";
			break;
		}
		reserve_items(r, &r->v[f], 0);
		for (const cJSON *c = j->child; c && !bad; c = c->next) {
			if (!cJSON_IsString(c))
				bad = "an array of strings";
			else
				rec_list_add(r, f, c->valuestring);
		}
		break;
	case K_MAP:
		if (!cJSON_IsObject(j)) {
			bad = "an object of strings";
			break;
		}
		reserve_items(r, &r->v[f], 0);
		for (const cJSON *c = j->child; c && !bad; c = c->next) {
			if (!cJSON_IsString(c))
				bad = "an object of strings";
			else
				rec_map_put(r, f, c->string, c->valuestring);
		}
		break;
	}
	if (!bad)
		return NULL;
	snprintf(why, sizeof why, "%s: must be %s", fd->name, bad);
	return why;
}

const char *rec_from_json(rec *r, const cJSON *o)
{
	for (int f = 0; f < r->ent->nfields; f++) {
		const cJSON *j = nd_member(o, r->ent->fields[f].name);
		const char *why = j ? rec_field_from_json(r, f, j) : NULL;
		if (why)
			return why;
	}
	return NULL;
}

const struct rec_entity *rec_ref_target(const struct rec_entity *e, int f)
{
	static const struct {
		const struct rec_entity *ent;
		int field;
		const struct rec_entity *target;
	} refs[] = {
		{&REC_USER, U_SCHOOL_IDS, &REC_SCHOOL},
		{&REC_SECTION, C_SCHOOL_ID, &REC_SCHOOL},
		{&REC_SECTION, C_TERM_IDS, &REC_TERM},
		{&REC_ENROLLMENT, E_SECTION_ID, &REC_SECTION},
		{&REC_ENROLLMENT, E_USER_ID, &REC_USER},
		{&REC_APPOINTMENT, A_SCHOOL_ID, &REC_SCHOOL},
		{&REC_APPOINTMENT, A_USER_ID, &REC_USER},
		{&REC_APPOINTMENT, A_STAFF_ID, &REC_USER},
	};
	for (size_t i = 0; i < sizeof refs / sizeof *refs; i++)
		if (refs[i].ent == e && refs[i].field == f)
			return refs[i].target;
	return NULL;
}

bool rec_field_equal(const rec *a, const rec *b, int f)
{
	const struct rec_val *x = &a->v[f], *y = &b->v[f];
	switch (a->ent->fields[f].kind) {
	case K_STR:
		return x->s && y->s ? strcmp(x->s, y->s) == 0 : x->s == y->s;
	case K_BOOL:
		return x->b == y->b;
	default: {
		size_t width = a->ent->fields[f].kind == K_MAP ? 2 : 1;
		if (x->n != y->n)
			return false;
		for (size_t i = 0; i < x->n * width; i++)
			if (strcmp(x->items[i], y->items[i]) != 0)
				return false;
		return true;
	}
	}
}
