#ifndef RP_TEST_STATE_H
#define RP_TEST_STATE_H

/* The store as snapshot writes it, for the unit tests that compare a store
 * with expected lines. */
#include "ndjson.h"
#include "statew.h"
#include "store/store.h"

/* The header with the store's identity as "STORE": a new store gets a
 * random one, and expected lines must not depend on it. */
static int state_header_fixed(void *ctx, long long version, const char *id)
{
	return state_write_header(ctx, version, id && *id ? "STORE" : NULL);
}

static int state_write(store *s, nd_writer *w, const char *entities,
		       const char *school)
{
	struct state_writer out = {w, school};
	struct store_reader rd = {state_header_fixed, state_write_record, &out};
	return store_read(s, entities, school, &rd);
}

#endif
