#include "statew.h"

#include "clock.h"

int state_write_header(void *ctx, long long version, const char *store_id)
{
	const struct state_writer *o = ctx;
	char now[21];
	rp_now_utc(now);
	nd_begin(o->w);
	nd_str(o->w, "type", "snapshot");
	nd_int(o->w, "version", version);
	if (store_id && *store_id)
		nd_str(o->w, "store", store_id);
	nd_str(o->w, "created", now);
	if (o->school)
		nd_str(o->w, "school", o->school);
	nd_end(o->w);
	return 0;
}

int state_write_record(void *ctx, const rec *r)
{
	rec_write(((const struct state_writer *)ctx)->w, r);
	return 0;
}
