#ifndef RP_CLOCK_H
#define RP_CLOCK_H

#include <time.h>

/* "Now", or SOURCE_DATE_EPOCH when it is set, so that runs replayed in CI
 * give the same bytes. */
time_t rp_now(void);
/* rp_now() as RFC 3339 UTC, "2026-08-01T12:00:00Z", into out[21]. */
void rp_now_utc(char out[21]);
void rp_format_utc(time_t t, char out[21]);

#endif
