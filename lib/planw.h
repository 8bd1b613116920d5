#ifndef RP_PLANW_H
#define RP_PLANW_H

#include "ndjson.h"

/*
 * Writing a plan: operations are written to a temporary file and hashed as
 * they come; the header (plan_id, base_version, producer, created, counts
 * per operation and per school) is known only at the end, so it is written
 * then, followed by the operations.
 */
typedef struct plan_writer plan_writer;

/* ops: the operation names counted in the header, in order, NULL-ended. */
/* The store the plan is made against (from its snapshot's header; NULL or
 * "" for none): named in the header, so that apply refuses the plan on
 * another store. */
void pw_set_store(plan_writer *p, const char *store_id);

/* n records of entity that the feed held back (rejected by normalize, kept
 * as they are in the store): "held" in the header, when any. */
void pw_held(plan_writer *p, const char *entity, long n);

plan_writer *pw_new(long long base_version, const char *producer,
		    const char *const *ops);

/* Begins {"type":"op","op":OP,"entity":ENTITY[,"id":ID] on the returned
 * writer: add members, then pw_end. */
nd_writer *pw_begin(plan_writer *p, const char *op, const char *entity,
		    const char *id);
void pw_end(plan_writer *p);
/* Counts an operation (or a conflict) for the header, once for the plan and
 * once for each school named (NULL: none). */
void pw_count(plan_writer *p, const char *op, const char *const *schools,
	      size_t nschools);

/* Writes the header and the operations to out, and frees p. 0 or -1. */
int pw_finish(plan_writer *p, nd_writer *out);
/* Frees a plan that will not be written (the input was bad). */
void pw_discard(plan_writer *p);

#endif
