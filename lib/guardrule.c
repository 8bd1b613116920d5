#include "guardrule.h"

#include <stdio.h>

#include "idset.h"

bool guard_takes_any(const struct guard_taken *t)
{
	if (t->soft || t->hard || t->moved_out || t->sections_deleted ||
	    t->enrollments_deleted)
		return true;
	for (int f = 0; f < REC_USER.nfields; f++)
		if (t->cleared[f])
			return true;
	return false;
}

size_t guard_losses(const struct guard_taken *t, const struct guard_held *h,
		    struct guard_loss out[GUARD_MAX_LOSSES])
{
	const struct guard_loss kinds[] = {
		{GUARD_SOFT, t->soft, h->active, NULL},
		{GUARD_HARD, t->hard, h->users, NULL},
		{GUARD_SECTIONS, t->sections_deleted - t->sections_created, h->sections, NULL},
		{GUARD_ENROLLMENTS, t->enrollments_deleted - t->enrollments_created,
		 h->enrollments, NULL},
		{GUARD_MOVED_OUT, t->moved_out, h->users, NULL},
	};
	size_t n = 0;
	for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++)
		if (kinds[k].n > 0)
			out[n++] = kinds[k];
	for (int f = 0; f < REC_USER.nfields; f++)
		if (t->cleared[f] > 0)
			out[n++] = (struct guard_loss){GUARD_CLEARED, t->cleared[f], h->users,
						       REC_USER.fields[f].name};
	return n;
}

uint64_t guard_enrollment_key(const char *section, const char *user)
{
	return id_hash_finish(id_hash_str(section) * 31 + id_hash_str(user));
}

double guard_share(const struct guard_loss *l)
{
	return l->of ? (double)l->n / (double)l->of : 1.0;
}

bool guard_small_group(const struct guard_limits *lim, const struct guard_loss *l)
{
	return l->of < lim->floor;
}

bool guard_over(const struct guard_limits *lim, const struct guard_loss *l)
{
	bool by_ratio = !guard_small_group(lim, l) && guard_share(l) > lim->max_ratio;
	bool by_count = lim->max_count >= 0 && l->n > lim->max_count;
	return by_ratio || by_count;
}

bool guard_is_roster(const struct guard_loss *l)
{
	return l->kind == GUARD_SECTIONS || l->kind == GUARD_ENROLLMENTS;
}

void guard_loss_text(const struct guard_limits *lim, const struct guard_loss *l,
		     char *buf, size_t size)
{
	static const char *const said[] = {
		[GUARD_SOFT] = "soft-delete %ld of %lld active users",
		[GUARD_HARD] = "hard-delete %ld of %lld users",
		[GUARD_SECTIONS] = "delete %ld of %lld sections",
		[GUARD_ENROLLMENTS] = "delete %ld of %lld enrollments",
		[GUARD_MOVED_OUT] = "take %ld of %lld users out of it",
	};
	char what[160], count[48] = "";
	if (l->kind == GUARD_CLEARED)
		snprintf(what, sizeof what, "clear %s on %ld of %lld users", l->field, l->n, l->of);
	else
		snprintf(what, sizeof what, said[l->kind], l->n, l->of);
	if (lim->max_count >= 0)
		snprintf(count, sizeof count, ", --max-delete-count %lld", lim->max_count);
	snprintf(buf, size, "%s (%.1f%%; limit %.1f%% of groups of %lld or more%s)", what,
		 100.0 * guard_share(l), 100.0 * lim->max_ratio, lim->floor, count);
}
