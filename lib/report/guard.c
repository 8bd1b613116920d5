/*
 * apply's delete guard (lib/apply/guard.c), on the state instead of the
 * store: the same losses per school, the same "of" (active users, users,
 * sections, enrollments the school holds), the same limits and floor,
 * the same words. apply reads the store when it runs; the state is the
 * store at the plan's base version, so the two agree unless the store
 * moved on, and then apply refuses the plan as stale anyway. tests/
 * plan-report.bats holds the two to the same verdicts and figures.
 */
#include "report_int.h"

#include <string.h>

size_t rpt_losses(const rpt *r, const struct school *s, struct loss *out,
		  size_t max)
{
	(void)r;
	/* classes replaced in the same plan are not lost */
	long sections = s->sec_deleted - s->sec_created;
	long enrollments = s->enr_deleted - s->enr_created;
	const struct loss kinds[] = {
		{s->soft, s->active, "soft-delete %s%ld of %lld active users", NULL, false},
		{s->hard, s->users, "hard-delete %s%ld of %lld users", NULL, false},
		{sections, s->sections, "delete %s%ld of %lld sections", NULL, true},
		{enrollments, s->enrollments, "delete %s%ld of %lld enrollments", NULL, true},
		{s->moved_out, s->users, "take %s%ld of %lld users out of it", NULL, false},
	};
	size_t n = 0;
	for (size_t k = 0; k < sizeof kinds / sizeof *kinds && n < max; k++)
		if (kinds[k].n > 0)
			out[n++] = kinds[k];
	for (int f = 0; f < REC_USER.nfields && n < max; f++)
		if (s->cleared[f] > 0)
			out[n++] = (struct loss){s->cleared[f], s->users,
						 "clear %s on %ld of %lld users",
						 REC_USER.fields[f].name, false};
	return n;
}

bool rpt_loss_refused(const rpt *r, const struct loss *l)
{
	double ratio = l->of ? (double)l->n / (double)l->of : 1.0;
	bool by_ratio = l->of >= r->o.guard_floor && ratio > r->o.max_ratio;
	bool by_count = r->o.max_count >= 0 && l->n > r->o.max_count;
	return by_ratio || by_count;
}

/* The loss in apply's words: "soft-delete 5 of 12 active users (41.7%;
 * limit 20.0% of groups of 5 or more)". */
void rpt_loss_text(const rpt *r, const struct school *s, const struct loss *l,
		   char *buf, size_t size)
{
	(void)s;
	double ratio = l->of ? (double)l->n / (double)l->of : 1.0;
	char what[160], count[48] = "";
	snprintf(what, sizeof what, l->what, l->field ? l->field : "", l->n, l->of);
	if (r->o.max_count >= 0)
		snprintf(count, sizeof count, ", --max-delete-count %lld", r->o.max_count);
	snprintf(buf, size, "%s (%.1f%%; limit %.1f%% of groups of %lld or more%s)", what,
		 100.0 * ratio, 100.0 * r->o.max_ratio, r->o.guard_floor, count);
}

void rpt_judge(rpt *r)
{
	struct loss l[8 + REC_MAX_FIELDS];
	for (size_t i = 0; i < r->schools.n; i++) {
		struct school *s = &r->schools.v[i];
		size_t n = rpt_losses(r, s, l, sizeof l / sizeof *l);
		s->refused = 0;
		for (size_t k = 0; k < n; k++)
			s->refused += rpt_loss_refused(r, &l[k]);
	}
}
