#ifndef RP_TEST_STATE_H
#define RP_TEST_STATE_H

/* The store as snapshot writes it, for the unit tests that compare a store
 * with expected lines. */
#include "ndjson.h"
#include "statew.h"
#include "store/store.h"

static int state_write(store *s, nd_writer *w, const char *entities,
		       const char *school)
{
	struct state_writer out = {w, school};
	struct store_reader rd = {state_write_header, state_write_record, &out};
	return store_read(s, entities, school, &rd);
}

#endif
