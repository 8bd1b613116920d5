#ifndef RP_RECORD_H
#define RP_RECORD_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "arena.h"
#include "ndjson.h"

/*
 * The canonical schema (SPEC.md "canonical"), as tables: each entity is a
 * list of fields, written in that order, so writing, reading, comparing
 * and storing records is one piece of code for every entity.
 */
enum rec_kind { K_STR, K_LIST, K_MAP, K_BOOL };

enum {
	RF_STATE = 1,  /* a state field: from the store, not from a source */
	RF_NODIFF = 2, /* not compared by diff-roster (changes every export) */
	RF_ID = 4,     /* the store's key */
	RF_SPARSE = 8, /* a list written only when it holds an item */
};

struct rec_field {
	const char *name;
	enum rec_kind kind;
	unsigned flags;
};

struct rec_entity {
	const char *type;
	const struct rec_field *fields;
	int nfields;
};

extern const struct rec_entity REC_SCHOOL, REC_TERM, REC_SECTION,
	REC_ENROLLMENT, REC_USER, REC_APPOINTMENT;

/* Field indices, in each entity's order. */
enum { S_ID, S_SOURCE, S_SOURCE_ID, S_STATUS, S_NAME, S_SCHOOL_NUMBER,
       S_LOW_GRADE, S_HIGH_GRADE, S_IMPORT_ENABLED, S_AUTOMATION_ENABLED };
enum { T_ID, T_SOURCE, T_SOURCE_ID, T_STATUS, T_NAME, T_KIND, T_START_DATE,
       T_END_DATE, T_SCHOOL_YEAR };
enum { C_ID, C_SOURCE, C_SOURCE_ID, C_STATUS, C_SCHOOL_ID, C_TERM_IDS,
       C_NAME, C_COURSE, C_PERIOD, C_SUBJECT };
enum { E_ID, E_SOURCE, E_STATUS, E_SECTION_ID, E_USER_ID, E_ROLE };
enum { U_ID, U_SOURCE, U_SOURCE_ID, U_STATUS, U_ROLE, U_ROLES, U_SCHOOL_IDS,
       U_GIVEN_NAME, U_MIDDLE_NAME, U_FAMILY_NAME, U_EMAIL, U_USERNAME,
       U_SIS_ID, U_STATE_ID, U_STUDENT_NUMBER, U_GRADE, U_BIRTH_DATE, U_IDS,
       U_MODIFIED, U_DELETED_AT, U_IGNORE_ON_IMPORT, U_MANUAL };
enum { A_ID, A_SCHOOL_ID, A_USER_ID, A_STAFF_ID, A_STARTS_AT, A_ENDS_AT,
       A_SCHOOL_YEAR, A_TITLE, A_CREATED };

#define REC_MAX_FIELDS 24

struct rec_val {
	const char *s;      /* K_STR; NULL = absent */
	const char **items; /* K_LIST items; K_MAP keys and values, alternating */
	size_t n;           /* K_LIST items; K_MAP pairs */
	size_t cap;
	signed char b;      /* K_BOOL: -1 absent, 0, 1 */
	bool set;           /* K_LIST / K_MAP present (maybe empty) */
};

typedef struct rec {
	const struct rec_entity *ent;
	rp_arena *arena; /* where copied strings and lists live */
	struct rec_val v[REC_MAX_FIELDS];
} rec;

const struct rec_entity *rec_entity_of(const char *type);
int rec_field_index(const struct rec_entity *e, const char *name);

void rec_init(rec *r, const struct rec_entity *e, rp_arena *a);

/* Stores s as is (the caller keeps it alive); NULL or "" leaves it absent. */
void rec_set(rec *r, int f, const char *s);
/* Copies s into the record's arena; NULL or "" leaves it absent. */
void rec_set_copy(rec *r, int f, const char *s);
void rec_set_bool(rec *r, int f, bool b);
void rec_list_add(rec *r, int f, const char *s); /* copies s */
void rec_list_sort_unique(rec *r, int f);
void rec_map_put(rec *r, int f, const char *key, const char *val); /* copies */
void rec_map_sort(rec *r, int f);
const char *rec_map_get(const rec *r, int f, const char *key);
const char *rec_str(const rec *r, int f);

/* {"type":...,fields in schema order}; absent fields are omitted. */
void rec_write(nd_writer *w, const rec *r);
/* The present fields, except those with a flag in skip, as members of the
 * object being written. */
void rec_write_members(nd_writer *w, const rec *r, unsigned skip);
/* One field's value as JSON (a "set"/"was" member in a plan). */
void rec_write_field(nd_writer *w, const rec *r, int f);

/* Fills r from a parsed record of r's entity (unknown members ignored).
 * Returns NULL, or a message naming the field whose type is wrong. */
const char *rec_from_json(rec *r, const cJSON *o);

/* Sets field f from a JSON value (null clears it); NULL or a message. */
const char *rec_field_from_json(rec *r, int f, const cJSON *j);
void rec_clear(rec *r, int f);

/* The entity a reference field points at (user.school_ids -> school), or
 * NULL when f is not a reference. */
const struct rec_entity *rec_ref_target(const struct rec_entity *e, int f);

/* Whether field f holds the same value in a and b. */
bool rec_field_equal(const rec *a, const rec *b, int f);

#endif
