/* apply's guard: a plan that would take too large a share of what a school
 * holds (its users, sections, enrollments, a field of its users, its users
 * themselves by moving them out) is refused as a whole, unless forced. */
#include "apply_int.h"

#include <stdio.h>
#include <string.h>

#include "err.h"

/* One kind of loss for one school: how many, of how many, said how. */
struct loss {
	long n;
	long long of;
	const char *what; /* "soft-delete %ld of %lld active users" */
	const char *field; /* the field cleared, for "clear %s on" */
	bool roster;	   /* sections or enrollments, not users */
};

static void judge(struct run *r, const struct school_count *c,
		  const struct loss *l)
{
	const struct apply_opts *o = r->o;
	double ratio = l->of ? (double)l->n / (double)l->of : 1.0;
	bool by_ratio = l->of >= o->guard_floor && ratio > o->max_ratio;
	bool by_count = o->max_count >= 0 && l->n > o->max_count;
	if (!by_ratio && !by_count)
		return;
	bool none = strcmp(c->id, "-") == 0;
	char what[160], count[48] = "";
	snprintf(what, sizeof what, l->what, l->field ? l->field : "", l->n, l->of);
	if (o->max_count >= 0)
		snprintf(count, sizeof count, ", --max-delete-count %lld", o->max_count);
	(o->force ? rp_note : rp_errx)("guard",
		 "%s %s: plan would %s (%.1f%%; limit %.1f%% of groups of %lld or more%s)%s",
		 none ? (l->roster ? "sections with" : "users with") : "school",
		 none ? "no school" : c->id,
		 what, 100.0 * ratio, 100.0 * o->max_ratio, o->guard_floor, count,
		 o->force ? "; forced" : "");
	if (!o->force && r->verdict == 0)
		r->verdict = RP_EXIT_GUARD;
}

void ap_guard(struct run *r)
{
	for (size_t i = 0; i < r->nschools; i++) {
		const struct school_count *c = &r->schools[i];
		bool any = c->soft || c->hard || c->sections || c->enrollments ||
			   c->moved_out;
		for (int f = 0; f < REC_USER.nfields && !any; f++)
			any = c->cleared[f] != 0;
		if (!any)
			continue;
		struct store_school_counts has;
		bool none = strcmp(c->id, "-") == 0;
		if (store_count_school(r->s, none ? NULL : c->id, &has) != 0) {
			ap_bad(r, RP_EXIT_IO, "%s", store_errmsg(r->s));
			return;
		}
		/* classes replaced in the same plan are not lost */
		long sections = c->sections - c->sections_created;
		long enrollments = c->enrollments - c->enrollments_created;
		const struct loss losses[] = {
			{c->soft, has.active, "soft-delete %s%ld of %lld active users",
			 NULL, false},
			{c->hard, has.users, "hard-delete %s%ld of %lld users", NULL,
			 false},
			{sections, has.sections, "delete %s%ld of %lld sections",
			 NULL, true},
			{enrollments, has.enrollments,
			 "delete %s%ld of %lld enrollments", NULL, true},
			{c->moved_out, has.users, "take %s%ld of %lld users out of it",
			 NULL, false},
		};
		for (size_t k = 0; k < sizeof losses / sizeof *losses; k++)
			if (losses[k].n > 0)
				judge(r, c, &losses[k]);
		for (int f = 0; f < REC_USER.nfields; f++)
			if (c->cleared[f])
				judge(r, c, &(struct loss){c->cleared[f], has.users,
					      "clear %s on %ld of %lld users",
					      REC_USER.fields[f].name, false});
	}
}
