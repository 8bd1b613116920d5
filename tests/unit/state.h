#ifndef RP_TEST_STATE_H
#define RP_TEST_STATE_H

/* The store as snapshot writes it (a header, then the state records), for
 * the unit tests that compare a store with expected lines. */
#include "clock.h"
#include "ndjson.h"
#include "store/store.h"

struct state_out {
	nd_writer *w;
	const char *school;
};

static int state_header(void *ctx, long long version)
{
	struct state_out *o = ctx;
	char now[21];
	rp_now_utc(now);
	nd_begin(o->w);
	nd_str(o->w, "type", "snapshot");
	nd_int(o->w, "version", version);
	nd_str(o->w, "created", now);
	if (o->school)
		nd_str(o->w, "school", o->school);
	nd_end(o->w);
	return 0;
}

static int state_record(void *ctx, const rec *r)
{
	rec_write(((struct state_out *)ctx)->w, r);
	return 0;
}

static int state_write(store *s, nd_writer *w, const char *entities,
		       const char *school)
{
	struct state_out out = {w, school};
	struct store_reader rd = {state_header, state_record, &out};
	return store_read(s, entities, school, &rd);
}

#endif
