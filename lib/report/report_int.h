#ifndef RP_REPORT_INT_H
#define RP_REPORT_INT_H

/* Private to lib/report: the model the state and the plan are read into,
 * the guard's figures, and the writer of tables in Markdown or HTML. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "report.h"

#include "arena.h"
#include "docout.h"
#include "idset.h"
#include "plan.h"
#include "record.h"
#include "xalloc.h"

#define RPT_NONE UINT32_MAX

/* Entities, in the order reports list them. */
enum { RE_SCHOOL, RE_TERM, RE_SECTION, RE_ENROLLMENT, RE_USER,
       RE_APPOINTMENT, RE_N };
extern const struct rec_entity *const rpt_entities[RE_N];

/* Operations (and conflicts), in the order reports list them. */
enum { RO_CREATE, RO_UPDATE, RO_SET, RO_LINK, RO_RESTORE, RO_SOFT_DELETE,
       RO_HARD_DELETE, RO_DELETE, RO_CONFLICT, RO_N };
extern const char *const rpt_op_names[RO_N];

/* The people an operation concerns, listed under a school. */
enum { W_SOFT, W_HARD, W_RESTORE, W_LINK, W_CONFLICT, W_LEAVING, W_JOINING,
       W_N };

struct person_row {
	int who;
	uint32_t user;	/* in r->users; RPT_NONE: not in the state */
	const char *id; /* the user's store id; a conflict: the incoming user */
	const char *a, *b; /* what the list shows besides (see write.c) */
};

#define RPT_EXAMPLES 3

/* One field of one entity changed in a school: how often, a few examples
 * (the first by name). */
struct change {
	int ent, field;
	long changed, cleared;
	struct example {
		const char *label, *id, *was, *now;
	} ex[RPT_EXAMPLES];
	int nex;
};

struct school {
	const char *id;		  /* store id; SOURCE:SOURCE_ID when the plan
				     creates it; "-" for the records with none */
	const char *name, *number; /* NULL when the state does not say */
	bool created, in_state;
	/* what the state holds (the guard's "of") */
	long long active, users, sections, enrollments;
	/* what the plan takes, counted as apply counts it */
	struct guard_taken taken;
	long counts[RO_N][RE_N];
	long ops;
	struct person_row *rows;
	size_t nrows, caprows;
	struct change *changes;
	size_t nchanges;
	int refused; /* the guard's losses over a limit (guard.c) */
};

struct user {
	const char *id, *label; /* "Family, Given Middle" */
	const char *role, *grade, *deleted_at;
	uint32_t *schools; /* in r->schools */
	uint32_t nschools;
	uint32_t present; /* bit f: string field f holds a value */
};

struct term {
	const char *id, *name, *end;
};

struct section {
	const char *id, *name;
	uint32_t school; /* in r->schools; 0 is "-" */
	const char **terms;
	uint32_t nterms;
	signed char ended; /* every term ended before the plan: -1 not known yet */
	/* its enrollments in the state, and those the plan deletes one by
	 * one: deleting the section takes the rest (apply's guard counts
	 * them) */
	uint32_t enrollments, enrollments_deleted;
	uint32_t made; /* enrollments the plan creates in it, counted */
	bool deleted;
};

/* A growable array of T. */
#define VEC(T)                                                               \
	struct {                                                             \
		T *v;                                                        \
		size_t n, cap;                                               \
	}

/* Room for one more in a VEC. */
#define GROW(vec)                                                            \
	do {                                                                 \
		if ((vec).n == (vec).cap) {                                  \
			(vec).cap = (vec).cap ? (vec).cap * 2 : 64;          \
			(vec).v = xrealloc((vec).v, (vec).cap * sizeof *(vec).v); \
		}                                                            \
	} while (0)

struct rpt {
	struct rpt_opts o;
	rp_arena *keep; /* every string kept lives here */
	rp_arena *scratch;
	VEC(struct school) schools; /* [0] is "-", the records with no school */
	VEC(struct user) users;
	VEC(struct term) terms;
	VEC(struct section) sections;
	/* by id (store ids, and SOURCE:SOURCE_ID of what the plan creates):
	 * the index of a school, term, section or user; for an enrollment the
	 * index of its section + 1 (0: none), for an appointment its school's */
	idset *by_id[RE_N];
	idset *enrollments_made; /* section and user of each enrollment created
				    and counted against the deletes, as apply */
	struct pending {
		const char *enrollment, *section;
	} *pending; /* enrollments read before their section */
	size_t npending;
	/* the state */
	bool state_header;
	long long state_version;
	long state_records;
	const char *state_store;
	/* the plan */
	bool header, plan_open;
	const char *plan_id, *producer, *created, *store, *held;
	long long base;
	plan_hash hash;	  /* of the operations, as apply computes the id */
	bool id_mismatch; /* the header's plan_id is not that: edited */
	char today[11]; /* terms that ended before it: a rollover */
	long nops, unknown;
	long counts[RO_N][RE_N];
};

/* report.c */
uint32_t rpt_school(rpt *r, const char *id);
uint32_t rpt_find(const rpt *r, int ent, const char *id);
const char *rpt_keep(rpt *r, const char *s);
void rpt_add_row(struct school *s, int who, uint32_t user, const char *id,
		 const char *a, const char *b);
const char *rpt_school_label(const struct school *s);
bool rpt_section_ended(rpt *r, struct section *c);

/* read.c: the plan's operations, counted into the schools */
void rpt_count_op(rpt *r, const cJSON *o, const char *file, long line);
void rpt_count_conflict(rpt *r, const cJSON *o);

/* guard.c: apply's guard (lib/guardrule.h), on the state's figures */
size_t rpt_losses(const struct school *s, struct guard_loss out[GUARD_MAX_LOSSES]);
void rpt_judge(rpt *r);


#endif
