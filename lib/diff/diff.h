#ifndef RP_DIFF_H
#define RP_DIFF_H

#include "ndjson.h"

/*
 * diff-roster: what must change in the store (state records, from
 * snapshot) so that it holds the incoming roster (canonical records).
 *
 * Records are matched by source and source id; users then by the
 * identifiers of --match in order (sis_id, email, ids.google, any canonical
 * field). A reference in a plan is a store id, or SOURCE:SOURCE_ID for a
 * record the same plan creates (apply resolves it).
 */
typedef struct diff diff;

struct diff_opts {
	const char *match;  /* "sis_id,email" */
	const char *school; /* only this school's records (a store id) */
	bool migrate;	    /* the feed's source takes over its schools */
};

diff *diff_new(const struct diff_opts *o);
void diff_free(diff *d);

/* Reads the state (snapshot output; empty = an empty store). Returns 0 or
 * -1 (reported). */
int diff_read_state(diff *d, nd_reader *r);
/* Whether the state read holds school id (a store id, "s1"). */
bool diff_state_has_school(diff *d, const char *school);
/* Reads incoming canonical records and feed headers. */
int diff_read_incoming(diff *d, nd_reader *r);

/* Reads a reviewed mapping table (CSV with stored_id, source, source_id
 * columns, or NDJSON objects with those members): each row with one stored
 * id and an incoming source id is a link, taken before any other matching.
 * Call after the state and the incoming records are read. Bad rows are
 * located errors (row number); returns -1 if there was one. */
int diff_read_links(diff *d, const char *path);

/* Matches and writes the plan: header, operations, conflicts. Returns 0,
 * or -1 on an I/O failure. */
int diff_write_plan(diff *d, nd_writer *w);

/* Matches users only and writes the mapping table for review (CSV), with
 * counts on stderr and, when report is set, an HTML (or, for a name ending
 * in .md, Markdown) report. Returns 0 or -1. */
int diff_write_mapping(diff *d, nd_writer *w, const char *report);

#endif
