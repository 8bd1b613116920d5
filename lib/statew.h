#ifndef RP_STATEW_H
#define RP_STATEW_H

#include "ndjson.h"
#include "record.h"

/*
 * The state as snapshot writes it: a header {"type":"snapshot","version":N,
 * "store":ID,"created":...[,"school":ID]} ("store" left out for a store
 * without its tables yet), then each state record. The two functions
 * fit store_read's reader (store/store.h), with a struct state_writer as
 * its context; they never stop the reading.
 */
struct state_writer {
	nd_writer *w;
	const char *school; /* named in the header when set */
};

int state_write_header(void *ctx, long long version, const char *store_id);
int state_write_record(void *ctx, const rec *r);

#endif
