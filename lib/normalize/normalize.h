#ifndef RP_NORMALIZE_H
#define RP_NORMALIZE_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "ndjson.h"

/*
 * normalize: raw records of any source -> canonical records, validated.
 * Streaming; what it keeps is a set of id hashes per entity (for duplicate
 * and referential checks) and a few small tables (orgs, course titles,
 * 1.2 roles). Each source's rules live in a file of their own
 * (oneroster.c, clever.c), found through the table in sources.c.
 */
typedef struct norm norm;

struct norm_opts {
	const char *school_year; /* --school-year: the year to look for */
	bool quiet;
};

norm *norm_new(nd_writer *w, const struct norm_opts *o);
void norm_free(norm *n);

/* A record read by normalize: feed headers and raw records are mapped,
 * canonical records are passed on, anything else is an error. `text` is
 * the line as read. */
void norm_record(norm *n, const cJSON *o, const char *text, size_t len,
		 const char *file, long line);

/* Writes what was held back and runs the checks that need the whole feed.
 * Returns 0, or -1 on an I/O failure of its spool. */
int norm_finish(norm *n);

/* With school_year set: reports each school that has no section in a term
 * of that year; returns how many. */
int norm_year_check(norm *n);

#endif
