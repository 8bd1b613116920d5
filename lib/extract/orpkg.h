#ifndef RP_ORPKG_H
#define RP_ORPKG_H

#include <stdbool.h>

#include "csvr.h"
#include "ndjson.h"

/*
 * A OneRoster CSV package, a folder or a .zip: its manifest and its files.
 * File names are matched case-insensitively (producers write
 * "userprofiles.csv" for "userProfiles.csv").
 */
typedef struct orpkg orpkg;

enum or_mode { OR_ABSENT, OR_BULK, OR_DELTA };

/* Opens the package and checks its manifest: every problem is a located
 * error through rp_error. Returns NULL when it cannot be used at all. */
orpkg *orpkg_open(const char *path);
void orpkg_close(orpkg *p);

enum or_mode orpkg_mode(const orpkg *p, const char *base);

/* The files extract-oneroster emits, in order, NULL-terminated: those
 * the rostering needs, referenced ones before the ones that refer. */
extern const char *const orpkg_emitted[];

/*
 * Writes the feed header record (version and every emitted file's mode),
 * then one raw record per row of each present file. Bad rows and missing
 * columns are located errors. Returns 0, or -1 when a file could not be read
 * to its end.
 */
int orpkg_extract(orpkg *p, nd_writer *w);

const char *or_mode_name(enum or_mode m);

#endif
