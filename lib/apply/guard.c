/* apply's guard: a plan that would take too large a share of what a school
 * holds (its users, sections, enrollments, a field of its users, its users
 * themselves by moving them out) is refused as a whole, unless forced. The
 * rule and its words are lib/guardrule.c's, shared with plan-report. */
#include "apply_int.h"

#include <string.h>

#include "err.h"
#include "guardrule.h"

void ap_guard(struct run *r)
{
	const struct apply_opts *o = r->o;
	for (size_t i = 0; i < r->nschools; i++) {
		const struct school_count *c = &r->schools[i];
		if (!guard_takes_any(&c->taken))
			continue;
		struct store_school_counts has;
		bool none = strcmp(c->id, "-") == 0;
		if (store_count_school(r->s, none ? NULL : c->id, &has) != 0) {
			ap_bad(r, RP_EXIT_IO, "%s", store_errmsg(r->s));
			return;
		}
		const struct guard_held held = {has.active, has.users, has.sections,
						has.enrollments};
		struct guard_loss losses[GUARD_MAX_LOSSES];
		size_t n = guard_losses(&c->taken, &held, losses);
		for (size_t k = 0; k < n; k++) {
			if (!guard_over(&o->guard, &losses[k]))
				continue;
			char text[256];
			guard_loss_text(&o->guard, &losses[k], text, sizeof text);
			(o->force ? rp_note : rp_errx)(
				"guard", "%s %s: plan would %s%s",
				none ? (guard_is_roster(&losses[k]) ? "sections with"
								    : "users with")
				     : "school",
				none ? "no school" : c->id, text, o->force ? "; forced" : "");
			if (!o->force && r->verdict == 0)
				r->verdict = RP_EXIT_GUARD;
		}
	}
}
