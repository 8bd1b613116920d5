#ifndef RP_EXTRACT_H
#define RP_EXTRACT_H

#include <stdbool.h>

#include <cjson/cJSON.h>

#include "csvr.h"
#include "ndjson.h"

/*
 * Extraction: a source as raw records, the rows or objects as the source
 * wrote them. A OneRoster CSV package (orpkg.c); API pages of Clever and
 * OneRoster REST (apipage.c), which may come in any order and are put in
 * dependency order through a spool (pagespool.c).
 */

/* ---- a OneRoster CSV package (orpkg.c) --------------------------------- */

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

/* ---- API pages in any order (pagespool.c) ------------------------------ */

/*
 * API pages may come in any order; raw records must come out with every
 * referenced entity before the ones that refer to it, after a feed header
 * that names the entities the pages held. Raw records wait in one
 * temporary file per entity, and are written in order at the end.
 */
typedef struct pagespool pagespool;

/* entities: the output order, NULL-terminated. */
pagespool *ps_new(const char *const *entities);
void ps_free(pagespool *p);

/* The index of an entity name, or -1. */
int ps_entity(const pagespool *p, const char *name);
/* Where raw records of entity i are written; marks it as present, and as
 * read in full when the page listed the whole collection (full). */
nd_writer *ps_writer(pagespool *p, int i, bool full);

/* The API version of the pages: the first one a page names (true), and
 * every later one must be the same (false, nothing changed, when not).
 * Clever pages name theirs in their uris (3.0, 3.1); OneRoster REST pages
 * name 1.2 when a user holds a roles array. */
bool ps_agree_version(pagespool *p, const char *version);
/* That version, or NULL when no page named one. */
const char *ps_version(const pagespool *p);

/*
 * Writes {"type":"feed","source":S[,"version":V][,"format":F],"files":{...}}
 * with "bulk" for each entity some page listed in full, "delta" for one
 * that only scoped pages held (a school's terms, a section's users: some
 * of them, so their absence from the pages says nothing), "absent" for
 * the others; then the records in entity order. Returns 0 or -1 (errno
 * set).
 */
int ps_finish(pagespool *p, nd_writer *out, const char *source,
	      const char *version, const char *format);

/* ---- Clever and OneRoster REST pages (apipage.c) ----------------------- */

/*
 * Pages of the two rostering APIs, turned into raw records: the Clever Data
 * API v3.0 and v3.1 ({"data":[{"data":{...},"uri":...}],"links":[...]}) and
 * OneRoster 1.1 / 1.2 REST ({"users":[...]}, {"orgs":[...]}, ...). Each raw
 * record names the page file, the line where the item starts in it (the
 * page's line when the page is on one line) and the item's place in the
 * page, "item" counted from 1. A 1.2 user's "roles" array gives raw "roles"
 * records, as 1.2 CSV's roles.csv does, at the line and item of the user.
 */

/* One page as read: the parsed document, its text (for the items' lines;
 * NULL for none) and where it starts. */
struct api_page {
	const cJSON *doc;
	const char *text;
	size_t len;
	const char *file;
	long line;
};

/* Clever entities, in the order their records are written: every entity
 * before those that refer to it (users before the sections naming them). */
extern const char *const clever_entities[];
/* OneRoster REST collections, in the same order as the CSV files. */
extern const char *const rest_entities[];

/* The path of a Clever page's "next" link, or NULL on the last page. */
const char *clever_next(const cJSON *page);

/*
 * The URL to fetch for a Clever page's "next" link, checked against base
 * (the --base-url the first page came from): a path ("/v3.0/...", not
 * "//...") is appended to base; an absolute URL ("scheme://..." or
 * "//host...") is taken only on base's own scheme, host and port, and
 * without user information ("@"). Returns 1 with *out (owned) set, 0 on
 * the last page, -1 when the link is refused, with *why (static) saying
 * why. A link that sent requests elsewhere would hand the token to
 * another server.
 */
int clever_next_url(const cJSON *page, const char *base, char **out,
		    const char **why);

/* Writes the page's records; bad pages and items are located errors.
 * The entity is the one the page's self link lists (a relation such as
 * /schools/ID/terms lists terms), else its first item's uri; entity (may be
 * NULL) names it for pages that do not say. An item whose own uri names
 * another entity is an error. Pages of v3.0 and v3.1 are read alike; one
 * feed is of one version. */
void clever_page(pagespool *ps, const struct api_page *pg, const char *entity);
void rest_page(pagespool *ps, const struct api_page *pg);

/* Reads the pages of each file (NULL or "-": standard input), several
 * documents a file, calling page on each. Returns 0, or 4 when a file could
 * not be read; bad pages are counted as data errors. */
int api_read_pages(char **paths, int npaths, pagespool *ps,
		   void (*page)(pagespool *ps, const struct api_page *pg,
				void *ctx),
		   void *ctx);

#endif
