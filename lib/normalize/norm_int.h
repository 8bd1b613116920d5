#ifndef RP_NORM_INT_H
#define RP_NORM_INT_H

/* Private to lib/normalize: the state of a run, the value rules every
 * source uses (fields.c), and the table of sources (sources.c). */
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

enum org_type { ORG_OTHER = 1, ORG_SCHOOL, ORG_DISTRICT };

struct role_row {
	uint64_t user;
	uint32_t org; /* index into role_orgs */
	uint32_t line;
	uint8_t role; /* index into norm_role_names */
	uint8_t primary;
	uint8_t used;
};

struct norm {
	nd_writer *w;
	rp_arena *arena; /* per record */
	rec r;
	/* the record being mapped, for messages */
	const char *file;
	long line;
	const char *source_id;
	int record_errors;

	bool have_feed;
	const char *source; /* of the feed, or of the first raw record */
	char source_buf[32];
	char version[8];
	bool bulk[NE_COUNT]; /* referential checks only against bulk files */
	bool present[NE_COUNT];

	idset *ids[NE_COUNT];	 /* id hash -> line (orgs: org_type) */
	char **course_title;	 /* by idset value for NE_COURSE */
	size_t ncourses, course_cap;
	struct role_row *roles;
	size_t nroles, roles_cap;
	bool roles_sorted;
	char **role_orgs; /* the distinct org ids roles name */
	size_t nrole_orgs, role_orgs_cap;
	idset *role_org_index;
	idset *birth;		 /* user id hash -> YYYYMMDD */
	FILE *spool;		 /* raw users held back for demographics */
	const char *school_year; /* --school-year: the year to look for */
	bool quiet;
	idset *year_terms, *year_ready;
	char **schools;
	size_t nschools, schools_cap;
	bool replaying;		 /* mapping the held-back users */
};

/* ---- fields.c ---------------------------------------------------------- */

/* Reports a data error on the record being mapped. */
void norm_bad(norm *n, const char *field, const char *code, const char *fmt,
	      ...) __attribute__((format(printf, 4, 5)));

/* A column's value trimmed, NULL when missing, null or empty. */
const char *norm_get(norm *n, const cJSON *data, const char *key);
/* A column that must have a value: reported (missing_value) when empty. */
const char *norm_required(norm *n, const cJSON *data, const char *key);
/* v when it is a real YYYY-MM-DD date (or NULL); otherwise reported, NULL.
 * A personal value (a birth date) is not quoted in the message. */
const char *norm_date(norm *n, const char *field, const char *v, bool personal);
/* Records id as seen for entity e; reports a duplicate. Returns false then. */
bool norm_new_id(norm *n, enum norm_entity e, const char *field,
		 const char *id);
/* Checks that id names a record of entity e when e came as bulk. */
bool norm_ref(norm *n, enum norm_entity e, const char *field, const char *id);

/* Splits a list cell ("a, b,c") into trimmed non-empty tokens, calling fn. */
void norm_split(norm *n, const char *cell,
		void (*fn)(norm *n, const char *item, void *ctx), void *ctx);

void norm_emit(norm *n);

/* The source's own name of an entity ("orgs", "schools"), for messages. */
const char *norm_raw_name(norm *n, enum norm_entity e);

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

#endif
