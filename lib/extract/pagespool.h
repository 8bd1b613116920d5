#ifndef RP_PAGESPOOL_H
#define RP_PAGESPOOL_H

#include <stdbool.h>

#include "ndjson.h"

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
/* Where raw records of entity i are written; marks it as present. */
nd_writer *ps_writer(pagespool *p, int i);

/*
 * Writes {"type":"feed","source":S[,"version":V][,"format":F],"files":{...}}
 * with "bulk" for each entity some page held and "absent" for the others,
 * then the records in entity order. Returns 0 or -1 (errno set).
 */
int ps_finish(pagespool *p, nd_writer *out, const char *source,
	      const char *version, const char *format);

#endif
