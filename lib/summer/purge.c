#include "summer.h"

#include <string.h>

static bool in_schools(const rec *u, const char *const *schools, size_t nschools)
{
	const struct rec_val *v = &u->v[U_SCHOOL_IDS];
	for (size_t i = 0; i < v->n; i++)
		for (size_t k = 0; k < nschools; k++)
			if (strcmp(v->items[i], schools[k]) == 0)
				return true;
	return false;
}

bool purge_kept(const rec *u)
{
	return rec_str(u, U_DELETED_AT) &&
	       (u->v[U_IGNORE_ON_IMPORT].b == 1 || u->v[U_MANUAL].b == 1);
}

bool purge_candidate(const rec *u, const char *before, const char *const *schools,
		     size_t nschools)
{
	const char *deleted = rec_str(u, U_DELETED_AT);
	if (!deleted || purge_kept(u))
		return false;
	/* RFC 3339 UTC times of one form compare as strings */
	if (before && strcmp(deleted, before) >= 0)
		return false;
	return !nschools || in_schools(u, schools, nschools);
}
