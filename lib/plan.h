#ifndef RP_PLAN_H
#define RP_PLAN_H

#include <stddef.h>

#include "sha256.h"

/*
 * A plan's id is the SHA-256 of its base version and its operation lines,
 * byte for byte: the same plan always has the same id, and apply can tell
 * a plan it has applied already, or one edited after it was made.
 */
typedef struct plan_hash {
	sha256 ctx;
} plan_hash;

void plan_hash_init(plan_hash *h, long long base_version);
/* One operation line, without its newline. */
void plan_hash_op(plan_hash *h, const char *line, size_t len);
void plan_hash_hex(plan_hash *h, char out[65]);

/* The plan's date (YYYY-MM-DD), before which a term has ended (the guard's
 * rollover rule): its header's created, never later than now (created is
 * not part of the id, so an edited header must not make this year's
 * classes look ended); now when it has none. */
void plan_date(const char *created, char out[11]);

#endif
