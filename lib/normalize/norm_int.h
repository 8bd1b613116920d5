#ifndef RP_NORM_INT_H
#define RP_NORM_INT_H

/* Private to lib/normalize: the state of a run, the value rules every
 * source uses (fields.c), rejected records and what refers to them
 * (held.c), users' roles (roles.c), and the table of sources (sources.c). */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "arena.h"
#include "idset.h"
#include "ndjson.h"
#include "normalize.h"
#include "record.h"


enum norm_entity { NE_ORG, NE_TERM, NE_COURSE, NE_SECTION, NE_ROLE, NE_USER,
		   NE_ENROLLMENT, NE_DEMOGRAPHIC, NE_COUNT };

enum org_type { ORG_OTHER = 1, ORG_SCHOOL, ORG_DISTRICT, ORG_DEPARTMENT };

/* The canonical roles, in the order of precedence that picks a user's
 * primary role when the source does not say (roles.c). */
enum { ROLE_STUDENT, ROLE_TEACHER, ROLE_ADMINISTRATOR, ROLE_STAFF, ROLE_AIDE,
       ROLE_GUARDIAN, ROLE_COUNT };
extern const char *const norm_role_names[ROLE_COUNT];

/* One roles.csv row (1.2), kept until its user's row comes. */
struct role_row {
	uint64_t user;
	uint32_t org; /* index into role_orgs */
	uint32_t line;
	uint8_t role; /* ROLE_* */
	uint8_t primary;
	uint8_t used;
	uint8_t rejected; /* the row was rejected: its user is held */
};

struct norm {
	nd_writer *w;
	rp_arena *arena; /* per record */
	rec r;
	/* the record being mapped, for messages */
	const char *file;
	long line;
	long item;	/* its position in an API page (0: none) */
	bool api;	/* a record of an API page: messages name its id */
	const char *source_id;
	int record_errors;
	/* the canonical record being built (norm_begin .. norm_emit) */
	int errors_at;	/* record_errors when it began */
	bool dropped;	/* it refers to a rejected record */
	bool duplicate; /* its id repeats an earlier record's */
	const char *what; /* the record's kind, for messages ("enrollment") */
	const cJSON *rest_obj; /* a REST object as served (NULL for CSV) */

	bool have_feed;
	const char *source; /* of the feed, or of the first raw record */
	char source_buf[32];
	char version[8];
	bool bulk[NE_COUNT]; /* referential checks only against bulk files */
	bool present[NE_COUNT];

	idset *ids[NE_COUNT];	   /* id hash -> line (orgs: org_type) */
	idset *rejected[NE_COUNT]; /* ids of rejected records -> line */
	char **course_title;	   /* by idset value for NE_COURSE */
	size_t ncourses, course_cap;
	idset *dept_index;	   /* department id hash -> index */
	char **dept_parent;	   /* its parentSourcedId (or NULL) */
	size_t ndepts, dept_cap;
	struct role_row *roles;
	size_t nroles, roles_cap;
	bool roles_sorted;
	char **role_orgs; /* the distinct org ids roles name */
	size_t nrole_orgs, role_orgs_cap;
	idset *role_org_index;
	idset *birth;		 /* user id hash -> YYYYMMDD */
	FILE *spool;		 /* canonical users held back for demographics */
	nd_writer *spool_w;
	const char *school_year; /* --school-year: the year to look for */
	bool quiet;
	idset *year_terms, *year_ready;
	char **schools; /* each an id, a NUL, then how messages name it */
	size_t nschools, schools_cap;
};

/* ---- fields.c ---------------------------------------------------------- */

/* Reports a data error on the record being mapped: it is rejected. */
void norm_bad(norm *n, const char *field, const char *code, const char *fmt,
	      ...) __attribute__((format(printf, 4, 5)));
/* Reports a warning on the record being mapped (a value dropped, the
 * record kept); with --strict an error that rejects it. */
void norm_warn(norm *n, const char *field, const char *code, const char *fmt,
	       ...) __attribute__((format(printf, 4, 5)));

/* A column's value trimmed, NULL when missing, null or empty. */
const char *norm_get(norm *n, const cJSON *data, const char *key);
/* A column that must have a value: reported (missing_value) when empty. */
const char *norm_required(norm *n, const cJSON *data, const char *key);
/* A value the source may leave null: absent or null is said nothing of;
 * a string empty once trimmed is a warning. The value or NULL. */
const char *norm_nullable(norm *n, const cJSON *data, const char *key,
			  const char *field);
/* v when it is a real YYYY-MM-DD date (or NULL); otherwise reported, NULL.
 * A personal value (a birth date) is not quoted in the message.
 * norm_date: an error (a value the record needs); norm_opt_date: a
 * warning, the value dropped. */
const char *norm_date(norm *n, const char *field, const char *v, bool personal);
const char *norm_opt_date(norm *n, const char *field, const char *v,
			  bool personal);
/* A date-time as YYYY-MM-DDTHH:MM:SSZ (copied into the arena), or NULL:
 * a value that does not parse is a warning and dropped. */
const char *norm_opt_datetime(norm *n, const char *field, const char *v);
/* An email folded (trimmed, lower-cased), or NULL: one that is not an
 * address is a warning and dropped (not quoted: personal data). */
const char *norm_email(norm *n, const char *field, const char *v);
/* A CEDS grade code, or NULL: an unknown grade is a warning, dropped. */
const char *norm_grade(norm *n, const char *field, const char *g);
/* Records id as seen for entity e; reports a duplicate. Returns false then. */
bool norm_new_id(norm *n, enum norm_entity e, const char *field,
		 const char *id);
/* A record's own id (the field field of its source), now the record's
 * source_id: a missing one or a duplicate is reported, and NULL returned. */
const char *norm_record_id(norm *n, enum norm_entity e, const char *field,
			   const char *id);

/* Splits a list cell ("a, b,c") into trimmed non-empty tokens, calling fn. */
void norm_split(norm *n, const char *cell,
		void (*fn)(norm *n, const char *item, void *ctx), void *ctx);

/* Starts a canonical record of entity e (rec_init, and what norm_emit
 * needs to tell whether this record, not an earlier one of the same raw
 * record, was rejected). */
void norm_begin(norm *n, const struct rec_entity *e);
/* Writes the record begun, or, when it was rejected or dropped, holds it
 * (held.c). */
void norm_emit(norm *n);

/* The source's own name of an entity ("orgs", "schools"), for messages. */
const char *norm_raw_name(norm *n, enum norm_entity e);

/* ---- held.c ------------------------------------------------------------ */

/*
 * References. Checks that id names a record of entity e when e came as
 * bulk: an unknown id is an error. An id of a record that was rejected is
 * not: the record being built is dropped with a warning naming both, and
 * held like a rejected one. Returns whether the reference may be used.
 */
bool norm_ref(norm *n, enum norm_entity e, const char *field, const char *id);
/* Whether id names a record of e that was rejected (or dropped). */
bool norm_was_rejected(norm *n, enum norm_entity e, const char *id);
/* Drops the record being built with a warning: it refers to a rejected
 * record (what: its entity, e.g. "enrollment"). */
void norm_drop(norm *n, const char *field, const char *what, const char *fmt,
	       ...) __attribute__((format(printf, 4, 5)));
/* Notes id of entity e as rejected, so that what refers to it is dropped. */
void norm_reject_id(norm *n, enum norm_entity e, const char *id);
/* Whether r's own id was rejected already: a row of it that extract or
 * normalize refused (a roles or demographics row of a user). The record is
 * then held, not written without that row. */
bool norm_own_id_rejected(norm *n, const rec *r);
/* The record begun was rejected or dropped: notes its id, and with
 * --keep-going writes its "held" marker. */
void norm_hold(norm *n);
/* A held marker for an enrollment that is not written because its
 * section was rejected (Clever: the section's member lists). */
void norm_hold_enrollment(norm *n, const char *source, const char *section,
			  const char *user);

/* ---- roles.c ----------------------------------------------------------- */

/* ROLE_* of a canonical role name, or -1. */
int norm_role_index(const char *canon);

/* What a source says about one of a user's roles. */
struct role_pick {
	int role;	 /* ROLE_* */
	bool primary;	 /* OneRoster 1.2 roleType primary */
	const char *org; /* OneRoster 1.2: the org it is held at */
	long line;	 /* for messages: where it was said */
};

/*
 * Sets the user's role (the primary one) and roles (all of them, sorted,
 * when there are several) from picks. The primary: the primary role at
 * primary_org when it has one, else the first by precedence of the
 * primary ones, else of all. Two different primary roles at one org are
 * an error (what names the file they come from). False when there is no
 * role at all (nothing set, nothing said).
 */
bool norm_set_roles(norm *n, const struct role_pick *picks, size_t npicks,
		    const char *primary_org, const char *what);

/* ---- sources ----------------------------------------------------------- */

/* A source: its names for the entities, and how its raw records are
 * mapped. Listed in sources.c; norm.c names none of them. */
struct norm_source {
	const char *name;
	const char *raw[NE_COUNT]; /* the source's entity names */
	/* maps one raw record (o: the whole line, parsed; text: as read) */
	void (*map)(norm *n, const cJSON *o, const char *entity,
		    const cJSON *data, const char *text, size_t len);
	/* at the end of the feed: what was held back, checks over it all;
	 * -1 on an I/O failure. May be NULL. */
	int (*finish)(norm *n);
};

/* sources.c: the sources normalize knows, NULL-ended, and one by name. */
extern const struct norm_source *const norm_sources[];
const struct norm_source *norm_source_named(const char *name);

/* A OneRoster REST object as the CSV columns it stands for: GUIDRefs as
 * sourcedIds, arrays as comma lists, userIds as {type:id} items (rest.c). */
cJSON *rest_columns(const cJSON *obj);

/* ---- OneRoster (oneroster.c, orusers.c) -------------------------------- */

/* A school a record names: known, and a school (a department stands for
 * its parent school), when orgs are bulk. Returns the school's id to use,
 * or NULL (reported). */
const char *or_school_ref(norm *n, const char *field, const char *id);
/* The school an org of the feed stands for (itself, or a department's
 * parent), or NULL when it is not a school; orgs not in a bulk orgs file
 * count as schools. */
const char *or_school_of(norm *n, const char *org);
void or_map_role(norm *n, const cJSON *d);
void or_map_user(norm *n, const cJSON *d);
/* A OneRoster row's status and modification time (f < 0: not kept). */
void or_map_common(norm *n, const cJSON *d, int f_status, int f_modified);
/* The row's sourcedId, required; registered as seen for e. */
const char *or_row_id(norm *n, const cJSON *d, enum norm_entity e);
/* Users are written after demographics when the feed has them: the
 * canonical users wait in a temporary file (orusers.c). */
int or_replay_users(norm *n);
void or_unused_roles(norm *n);

#endif
