#ifndef RP_APPLY_INT_H
#define RP_APPLY_INT_H

/* Private to lib/apply: one operation, the run of one plan, and what the
 * files of the engine share. */
#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "apply.h"
#include "arena.h"
#include "idset.h"
#include "ndjson.h"
#include "record.h"

enum op_kind { OP_CREATE, OP_UPDATE, OP_SET, OP_LINK, OP_SOFT_DELETE,
	       OP_RESTORE, OP_HARD_DELETE, OP_DELETE, OP_COUNT };


extern const char *const ap_op_names[OP_COUNT];
extern const struct rec_entity *const ap_slot_entity[6];

struct op {
	enum op_kind kind;
	const struct rec_entity *ent;
	const char *id; /* NULL for create */
	long long n;
	const cJSON *data, *set, *was, *ids;
	const char *archive, *archive_sha; /* a deleted appointment's backup */
	const rec *rec; /* a create's data, read from the spool (or NULL) */
};

/* Everything about the plan being applied. */
struct run {
	store *s;
	const struct apply_opts *o;
	const char *file;
	long line;	     /* of the operation being looked at */
	long long base;	     /* base_version */
	long long undone_at;  /* this plan was undone at that version: records
				it left as the undo put them are not stale */
	long long version;   /* the version this plan writes */
	int verdict;	     /* worst exit status found so far */
	bool stale;	     /* an operation found the store moved on: exit 3 */
	rp_arena *arena;
	nd_writer *mem;	     /* before-images */
	idset *created;	     /* entity, source, source_id of this plan's creates -> line */
	idset *gone;	     /* entity slot and n of records this plan deletes -> line */
	idset *resolved;     /* references already resolved: hash -> n */
	bool executing;	     /* in the applying pass */
	signed char empty[6]; /* entity table empty at the check: 0 unknown, 1, 2 no */
	long counts[OP_COUNT][6];
	struct archive_seen {
		char *path;
		char sha[65]; /* empty when unreadable */
		idset *ids;
	} *archives;
	size_t narchives;
	struct school_count *schools;
	size_t nschools, schools_cap;
	idset *school_index; /* hash of a school id -> its index in schools */
	idset *section_school; /* section n -> its school's index * 2 + ended */
	idset *created_sections; /* SOURCE:SOURCE_ID -> its school's index */
	idset *enrollments_lost; /* enrollment n counted as deleted, one by one
				    or with its section */
	idset *enrollments_made; /* section and user of each enrollment created
				    and counted against the deletes */
	idset *made_in_section; /* stored section n -> enrollments created in
				   it and counted */
	const char **removed; /* ids of the schools, terms, sections and users
				 the plan removed (ap_check_dangling) */
	size_t nremoved, removed_cap;
	char today[11];	      /* the plan's date: a term ended before it is over */
};

/* What a plan would take from one school ("-": users and sections with no
 * school), counted in the checking pass for the guard. */
struct school_count {
	char *id;
	long ops;		  /* user operations, for the summary */
	struct guard_taken taken; /* for the guard */
};

/* ops.c */
void ap_bad(struct run *r, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A refusal because the store moved on since the plan was made: exit 3,
 * whatever else is wrong with the plan. */
void ap_stale(struct run *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int ap_op_kind(const char *name);
int ap_entity_slot(const struct rec_entity *e);
bool ap_allowed(enum op_kind k, const struct rec_entity *e);
bool ap_parse_op(struct run *r, const cJSON *o, struct op *op);
uint64_t ap_source_key(const struct rec_entity *e, const char *source,
		       const char *source_id);
bool ap_resolve_refs(struct run *x, rec *rr, bool execute);
/* The key of a reference in run.resolved. */
uint64_t ap_ref_key(const struct rec_entity *target, const char *ref);
bool ap_apply_set(struct run *r, rec *rr, const cJSON *set);

/* check.c */
void ap_check_op(struct run *r, const struct op *op);
/* Whether e's table was empty when first asked in this run. */
bool ap_table_empty(struct run *r, const struct rec_entity *e);
struct school_count *ap_school_count(struct run *r, const char *id);

/* guard.c */
void ap_guard(struct run *r);

/* ahead.c: an operation as spooled (run.c), and what the next ones will
 * read from the store, asked for in one go (store_read_ahead). 0, or -1
 * with the error reported. */
struct spooled {
	char tag;	  /* 'C', 'S' or 'J' (run.c) */
	const char *data; /* the payload */
	uint32_t len;
};
int ap_read_ahead(struct run *r, const struct spooled *ops, size_t count);

/* execute.c */
/* After the plan's operations: no record left refers to one the plan
 * removed (a section naming a deleted term, an enrollment created for a
 * user deleted before it). 0, or -1 with the verdict set (exit 1). */
int ap_check_dangling(struct run *r);
char *ap_image(struct run *r, const rec *rr);
int ap_journal(struct run *r, const char *plan_id, long n,
	       const struct op *op, const char *record_id, const char *before);
int ap_execute_op(struct run *r, const char *plan_id, long n,
		  const struct op *op);

#endif
