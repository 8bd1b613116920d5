#ifndef RP_SUMMER_H
#define RP_SUMMER_H

/* The summer rollover: appointment archives (archive.c) and which users the
 * purge removes (purge.c). */

#include <stdbool.h>
#include <stddef.h>

#include "ndjson.h"
#include "record.h"

/*
 * Appointment archives: one gzip NDJSON file per school and school year,
 * DIR/YEAR/SCHOOL.ndjson.gz (mode 0600), with DIR/YEAR/manifest.json giving
 * each file's count, first and last date and SHA-256. Readers accept an
 * archive that its manifest vouches for, or (after a run killed between
 * its renames) the pending manifest a run wrote whole before renaming.
 */

/* SHA-256 of a file's bytes as hex; 0, or -1 (errno set). */
int archive_sha256(const char *path, char hex[65]);

/* Calls fn for each line of a gzip NDJSON archive; stops when fn returns
 * non-zero. 0 when the whole file was read (gzip CRC included), -1 with a
 * message in why (at least 256 bytes) when it is corrupt, cut short or
 * unreadable. */
int archive_each_line(const char *path,
		      int (*fn)(void *ctx, const char *line, size_t len),
		      void *ctx, char *why);

/* archive-appointments: reads state appointments, archives those of year
 * (writing, syncing and reading back each file under a temporary name,
 * then renaming them all into place, the manifest last), and only then
 * writes the plan deleting exactly them. dir (and dir/year) is made 0700,
 * or used only when it is the user's and no one else can write to it.
 * School ids and years from the data must be store ids of schools (or
 * no-school) and YYYY-YYYY: anything else is a located data error, and no
 * file is written. Returns the exit status. */
int archive_year(char **inputs, int ninputs, const char *year,
		 const char *dir, nd_writer *plan);

/* Whether y is a school year, YYYY-YYYY with the second year the next. */
bool archive_valid_year(const char *y);

struct export_filter {
	const char *school, *user, *from, *to; /* NULL: any */
	bool csv;
};

/* --export: the appointments of an archive file or folder (checked against
 * its manifest first), filtered, as NDJSON or CSV. Exit status. */
int archive_export(const char *path, const struct export_filter *f,
		   nd_writer *out);

/* --verify: every archive under DIR against its manifest. Exit status. */
int archive_verify(const char *dir);

/* ---- the purge ---------------------------------------------------------- */

/*
 * Whether a state user is to be hard-deleted by the purge: soft-deleted
 * (before `before`, an RFC 3339 time, when given), in one of the nschools
 * schools when any are given, and neither ignore_on_import nor manual:
 * those the school manages itself, and the purge never touches them.
 */
bool purge_candidate(const rec *user, const char *before, const char *const *schools,
		     size_t nschools);

/* Whether the user is soft-deleted but kept for being hands-off. */
bool purge_kept(const rec *user);

#endif
