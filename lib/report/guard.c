/*
 * apply's delete guard, on the state instead of the store: the same rule
 * (lib/guardrule.c) over the same "of" (active users, users, sections,
 * enrollments the school holds). apply reads the store when it runs; the
 * state is the store at the plan's base version, so the two agree unless
 * the store moved on, and then apply refuses the plan as stale anyway.
 * tests/plan-report.bats holds the two to the same verdicts and figures.
 */
#include "report_int.h"

size_t rpt_losses(const struct school *s, struct guard_loss out[GUARD_MAX_LOSSES])
{
	const struct guard_held held = {s->active, s->users, s->sections, s->enrollments};
	return guard_losses(&s->taken, &held, out);
}

void rpt_judge(rpt *r)
{
	struct guard_loss l[GUARD_MAX_LOSSES];
	for (size_t i = 0; i < r->schools.n; i++) {
		struct school *s = &r->schools.v[i];
		size_t n = rpt_losses(s, l);
		s->refused = 0;
		for (size_t k = 0; k < n; k++)
			s->refused += guard_over(&r->o.guard, &l[k]);
	}
}
