#ifndef RP_APIPAGE_H
#define RP_APIPAGE_H

#include <cjson/cJSON.h>

#include "pagespool.h"

/*
 * Pages of the two rostering APIs, turned into raw records: the Clever Data
 * API v3.0 ({"data":[{"data":{...},"uri":...}],"links":[...]}) and OneRoster
 * 1.1 REST ({"users":[...]}, {"orgs":[...]}, ...). Each raw record names the
 * page file and the line where the page starts.
 */

/* Clever entities, in the order their records are written: every entity
 * before those that refer to it (users before the sections naming them). */
extern const char *const clever_entities[];
/* OneRoster REST collections, in the same order as the CSV files. */
extern const char *const rest_entities[];

/* The path of a Clever page's "next" link, or NULL on the last page. */
const char *clever_next(const cJSON *page);

/* Writes the page's records; bad pages and items are located errors.
 * entity (may be NULL) overrides what the page's uris say. */
void clever_page(pagespool *ps, const cJSON *page, const char *file, long line,
		 const char *entity);
void rest_page(pagespool *ps, const cJSON *page, const char *file, long line);

/* Reads the pages of each file (NULL or "-": standard input), several
 * documents a file, calling page on each. Returns 0, or 4 when a file could
 * not be read; bad pages are counted as data errors. */
int api_read_pages(char **paths, int npaths, pagespool *ps,
		   void (*page)(pagespool *ps, const cJSON *doc, const char *file,
				long line, void *ctx),
		   void *ctx);

#endif
