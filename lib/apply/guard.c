/* apply's delete guard: a plan that would take too large a share of a
 * school's users is refused as a whole, unless forced. */
#include "apply_int.h"

#include <stdio.h>
#include <string.h>

#include "err.h"

/* ---- the guard --------------------------------------------------------- */

void ap_guard(struct run *r)
{
	for (size_t i = 0; i < r->nschools; i++) {
		struct school_count *c = &r->schools[i];
		if (!c->soft && !c->hard)
			continue;
		long long active, all;
		bool none = strcmp(c->id, "-") == 0;
		if (store_count_users(r->s, none ? NULL : c->id, &active, &all) != 0) {
			ap_bad(r, RP_EXIT_IO, "%s", store_errmsg(r->s));
			return;
		}
		const char *what[2] = {"soft-delete", "hard-delete"};
		long n[2] = {c->soft, c->hard};
		long long of[2] = {active, all};
		for (int k = 0; k < 2; k++) {
			if (!n[k])
				continue;
			double ratio = of[k] ? (double)n[k] / (double)of[k] : 1.0;
			bool too_many = ratio > r->o->max_ratio ||
					(r->o->max_count >= 0 && n[k] > r->o->max_count);
			if (!too_many)
				continue;
			rp_warnx("%s %s: plan would %s %ld of %lld %susers "
				 "(%.1f%%; limit %.1f%%%s)%s",
				 none ? "users with" : "school",
				 none ? "no school" : c->id, what[k], n[k], of[k],
				 k ? "" : "active ", 100.0 * ratio,
				 100.0 * r->o->max_ratio,
				 r->o->max_count >= 0 ? ", --max-delete-count" : "",
				 r->o->force ? "; forced" : "");
			if (!r->o->force && r->verdict == 0)
				r->verdict = RP_EXIT_GUARD;
		}
	}
}
