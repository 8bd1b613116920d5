#include "plan.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"

void plan_hash_init(plan_hash *h, long long base_version)
{
	char head[64];
	int n = snprintf(head, sizeof head, "rosterpipe-plan-1\n%lld\n",
			 base_version);
	sha256_init(&h->ctx);
	sha256_update(&h->ctx, head, (size_t)n);
}

void plan_hash_op(plan_hash *h, const char *line, size_t len)
{
	sha256_update(&h->ctx, line, len);
	sha256_update(&h->ctx, "\n", 1);
}

void plan_hash_hex(plan_hash *h, char out[65]) { sha256_hex(&h->ctx, out); }

void plan_date(const char *created, char out[11])
{
	char now[21];
	rp_now_utc(now);
	bool earlier = created && strlen(created) >= 10 && strncmp(created, now, 10) < 0;
	snprintf(out, 11, "%.10s", earlier ? created : now);
}
