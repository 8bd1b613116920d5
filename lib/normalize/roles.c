/*
 * A user's roles. A user may hold several (Clever role objects; OneRoster
 * 1.2 roles, per org): `role` is the primary one, `roles` all of them,
 * sorted, written when there are several. Where the source names no
 * primary role, precedence picks one: student, teacher, administrator,
 * staff, aide, guardian (the role that carries most of what the source
 * says about the person first: a student's grade and birth date, a
 * teacher's classes; a guardian's link to a student last).
 */
#include "norm_int.h"

#include <string.h>

const char *const norm_role_names[ROLE_COUNT] = {
	"student", "teacher", "administrator", "staff", "aide", "guardian",
};

int norm_role_index(const char *canon)
{
	for (int i = 0; canon && i < ROLE_COUNT; i++)
		if (strcmp(norm_role_names[i], canon) == 0)
			return i;
	return -1;
}

/* The first role by precedence in a set of bits. */
static int first_role(unsigned set)
{
	for (int i = 0; i < ROLE_COUNT; i++)
		if (set & 1u << i)
			return i;
	return -1;
}

bool norm_set_roles(norm *n, const struct role_pick *picks, size_t npicks,
		    const char *primary_org, const char *what)
{
	unsigned all = 0, primaries = 0;
	int at_primary_org = -1;
	for (size_t i = 0; i < npicks; i++) {
		const struct role_pick *p = &picks[i];
		all |= 1u << p->role;
		if (!p->primary)
			continue;
		primaries |= 1u << p->role;
		if (primary_org && p->org && at_primary_org < 0 &&
		    strcmp(p->org, primary_org) == 0)
			at_primary_org = p->role;
		/* one org, two primary roles: which is meant cannot be told */
		for (size_t j = 0; j < i; j++) {
			const struct role_pick *q = &picks[j];
			if (q->primary && q->org && p->org && q->role != p->role &&
			    strcmp(q->org, p->org) == 0) {
				norm_bad(n, "role", "conflicting_roles",
					 "primary roles %s and %s at org \"%s\" in %s",
					 norm_role_names[q->role],
					 norm_role_names[p->role], p->org, what);
				break;
			}
		}
	}
	if (!all)
		return false;
	int role = at_primary_org >= 0 ? at_primary_org
		   : primaries	       ? first_role(primaries)
					: first_role(all);
	rec_set(&n->r, U_ROLE, norm_role_names[role]);
	if (all & (all - 1)) { /* more than one */
		for (int i = 0; i < ROLE_COUNT; i++)
			if (all & 1u << i)
				rec_list_add(&n->r, U_ROLES, norm_role_names[i]);
		rec_list_sort_unique(&n->r, U_ROLES);
	}
	return true;
}
