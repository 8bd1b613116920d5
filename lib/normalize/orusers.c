/* OneRoster users: 1.1 (role and orgSourcedIds on the row), 1.2 (roles.csv
 * rows, or a REST user's roles array), userIds; users held back for
 * demographics. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "codes.h"
#include "err.h"
#include "input.h"
#include "norm_int.h"
#include "xalloc.h"

#define required(n, d, col) norm_required(n, d, col)

/* ---- roles.csv (1.2) ------------------------------------------------------ */

/* Index of a role's org id in the small table of distinct ones. */
static uint32_t intern_org(norm *n, const char *org)
{
	uint32_t idx;
	if (idset_get(n->role_org_index, id_hash_str(org), &idx))
		return idx;
	if (n->nrole_orgs == n->role_orgs_cap) {
		n->role_orgs_cap = n->role_orgs_cap ? n->role_orgs_cap * 2 : 16;
		n->role_orgs = xrealloc(n->role_orgs,
					n->role_orgs_cap * sizeof *n->role_orgs);
	}
	n->role_orgs[n->nrole_orgs] = xstrdup(org);
	idset_put(n->role_org_index, id_hash_str(org), (uint32_t)n->nrole_orgs,
		  NULL);
	return (uint32_t)n->nrole_orgs++;
}

/* One role a source states (a roles.csv row, an item of a REST user's
 * roles): checked; its canonical role (ROLE_*), or -1 when it is wrong. */
static int check_role(norm *n, const char *field_role, const char *field_type,
		      const char *field_org, const char *role, const char *type,
		      const char *org)
{
	const char *canon = role ? role_code(role) : NULL;
	if (role && !canon)
		norm_bad(n, field_role, "bad_role", "unknown role \"%s\"", role);
	if (type && strcasecmp(type, "primary") != 0 &&
	    strcasecmp(type, "secondary") != 0)
		norm_bad(n, field_type, "bad_role_type",
			 "\"%s\" is not primary or secondary", type);
	if (org)
		norm_ref(n, NE_ORG, field_org, org);
	return canon ? norm_role_index(canon) : -1;
}

void or_map_role(norm *n, const cJSON *d)
{
	n->what = "role";
	const char *id = or_row_id(n, d, NE_ROLE);
	const char *user = required(n, d, "userSourcedId");
	const char *org = required(n, d, "orgSourcedId");
	const char *role = required(n, d, "role");
	const char *type = required(n, d, "roleType");
	int r = check_role(n, "role", "roleType", "orgSourcedId", role, type, org);
	norm_opt_date(n, "beginDate", norm_get(n, d, "beginDate"), false);
	norm_opt_date(n, "endDate", norm_get(n, d, "endDate"), false);
	if (!user || n->duplicate)
		return; /* no user to hold; a repeated row: its first stands */
	if (n->nroles == n->roles_cap) {
		n->roles_cap = n->roles_cap ? n->roles_cap * 2 : 256;
		n->roles = xrealloc(n->roles, n->roles_cap * sizeof *n->roles);
	}
	/* a row in error is kept too: its user is held, not mapped without it */
	n->roles[n->nroles++] = (struct role_row){
		.user = id_hash_str(user),
		.org = intern_org(n, org ? org : ""),
		.line = (uint32_t)n->line,
		.role = (uint8_t)(r < 0 ? 0 : r),
		.primary = type && strcasecmp(type, "primary") == 0,
		.rejected = !id || n->record_errors || n->dropped || r < 0,
	};
	n->roles_sorted = false;
}

static int cmp_role(const void *a, const void *b)
{
	const struct role_row *x = a, *y = b;
	if (x->user != y->user)
		return x->user < y->user ? -1 : 1;
	return x->line < y->line ? -1 : x->line > y->line;
}

static void add_school(norm *n, const char *org)
{
	const char *school = org && *org ? or_school_of(n, org) : NULL;
	if (school)
		rec_list_add(&n->r, U_SCHOOL_IDS, school);
}

/* 1.2: role, roles and schools from the user's roles.csv rows. */
static void roles_csv(norm *n, const char *id, const char *primary_org)
{
	if (!n->roles_sorted) {
		if (n->nroles > 1)
			qsort(n->roles, n->nroles, sizeof *n->roles, cmp_role);
		n->roles_sorted = true;
	}
	uint64_t user = id_hash_str(id);
	struct role_row *lo = n->roles, *hi = n->roles + n->nroles;
	while (lo < hi) { /* the user's first row */
		struct role_row *mid = lo + (hi - lo) / 2;
		if (mid->user < user)
			lo = mid + 1;
		else
			hi = mid;
	}
	size_t count = 0;
	for (struct role_row *r = lo; r < n->roles + n->nroles && r->user == user;
	     r++)
		count++;
	struct role_pick *picks = arena_alloc(n->arena, (count + 1) * sizeof *picks);
	size_t npicks = 0;
	for (struct role_row *r = lo; r < lo + count; r++) {
		r->used = 1;
		if (r->rejected) {
			if (!n->dropped)
				norm_drop(n, "role", "user",
					  "its roles.csv row at line %u was "
					  "rejected", r->line);
			continue;
		}
		const char *org = n->role_orgs[r->org];
		picks[npicks++] = (struct role_pick){
			.role = r->role, .primary = r->primary, .org = org,
			.line = r->line};
		add_school(n, org);
	}
	if (n->dropped)
		return;
	if (!norm_set_roles(n, picks, npicks, primary_org, "roles.csv"))
		norm_bad(n, "role", "missing_role", "no role in roles.csv");
}

/* 1.2 REST: the user's roles array ({roleType, role, org, beginDate,
 * endDate} items). */
static void roles_rest(norm *n, const cJSON *roles, const char *primary_org)
{
	size_t count = (size_t)cJSON_GetArraySize(roles);
	struct role_pick *picks = arena_alloc(n->arena, (count + 1) * sizeof *picks);
	size_t npicks = 0;
	const cJSON *item;
	cJSON_ArrayForEach(item, roles) {
		const char *role = norm_get(n, item, "role");
		const char *type = norm_get(n, item, "roleType");
		const cJSON *ref = nd_get_obj(item, "org");
		const char *org = ref ? norm_get(n, ref, "sourcedId") : NULL;
		if (!role || !type || !org) {
			norm_bad(n, "roles", "missing_value",
				 "a role lacks %s", !role ? "role"
						    : !type ? "roleType" : "org");
			continue;
		}
		int errors = n->record_errors;
		int r = check_role(n, "roles", "roles", "roles", role, type, org);
		norm_opt_date(n, "roles", norm_get(n, item, "beginDate"), false);
		norm_opt_date(n, "roles", norm_get(n, item, "endDate"), false);
		if (r < 0 || n->record_errors > errors || n->dropped)
			continue;
		picks[npicks++] = (struct role_pick){
			.role = r, .primary = strcasecmp(type, "primary") == 0,
			.org = org, .line = n->line};
		add_school(n, org);
	}
	if (!npicks && !n->dropped && n->record_errors == n->errors_at)
		norm_bad(n, "roles", "missing_role", "no role");
	else if (npicks)
		norm_set_roles(n, picks, npicks, primary_org, "roles");
}

/* Rows of roles.csv whose user users.csv does not hold (at the end). */
void or_unused_roles(norm *n)
{
	if (!n->bulk[NE_USER])
		return;
	for (size_t i = 0; i < n->nroles; i++)
		if (!n->roles[i].used) {
			n->file = "roles.csv";
			n->line = n->roles[i].line;
			n->item = 0;
			n->api = false;
			n->source_id = NULL;
			norm_bad(n, "userSourcedId", "unknown_ref",
				 "names a user that users.csv does not hold");
		}
}

/* ---- users ----------------------------------------------------------------- */

/* school_ids from the orgs named in a 1.1 orgSourcedIds cell. */
static void add_org(norm *n, const char *org, void *ctx)
{
	(void)ctx;
	uint32_t type;
	if (norm_was_rejected(n, NE_ORG, org)) {
		if (!n->dropped)
			norm_drop(n, "orgSourcedIds", "user",
				  "orgs id \"%s\" was rejected", org);
		return;
	}
	if (n->bulk[NE_ORG] &&
	    !idset_get(n->ids[NE_ORG], id_hash_str(org), &type)) {
		norm_bad(n, "orgSourcedIds", "unknown_ref",
			 "unknown org id \"%s\"", org);
		return;
	}
	add_school(n, org);
}

static void add_user_id(norm *n, const char *item, void *ctx)
{
	int *entry = ctx;
	++*entry;
	/* {Type:identifier}; the braces are optional in real files */
	size_t len = strlen(item);
	if (item[0] == '{' && item[len - 1] == '}') {
		item++;
		len -= 2;
	}
	const char *colon = memchr(item, ':', len);
	if (!colon || colon == item || colon == item + len - 1) {
		norm_bad(n, "userIds", "bad_user_ids",
			 "entry %d is not {type:identifier}", *entry);
		return;
	}
	char *type = arena_strndup(n->arena, item, (size_t)(colon - item));
	for (char *p = type; *p; p++)
		*p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
	const char *value = arena_strndup(n->arena, colon + 1,
					  (size_t)(item + len - colon - 1));
	const char *had = rec_map_get(&n->r, U_IDS, type);
	if (had && strcmp(had, value) != 0)
		norm_bad(n, "userIds", "conflicting_ids",
			 "two different %s identifiers", type);
	else
		rec_map_put(&n->r, U_IDS, type, value);
}

static void user_roles(norm *n, const cJSON *d, const char *id)
{
	rec_list_add(&n->r, U_SCHOOL_IDS, NULL);
	if (nd_member(d, "role")) { /* 1.1 */
		const char *role = required(n, d, "role");
		const char *canon = role ? role_code(role) : NULL;
		if (role && !canon)
			norm_bad(n, "role", "bad_role", "unknown role \"%s\"", role);
		rec_set(&n->r, U_ROLE, canon);
		norm_split(n, norm_get(n, d, "orgSourcedIds"), add_org, NULL);
	} else {
		const char *primary_org = norm_get(n, d, "primaryOrgSourcedId");
		/* extract-oneroster --rest writes a 1.2 user's roles array as
		 * roles records, as roles.csv rows are: those come first; the
		 * array itself serves REST users that come without them */
		if (n->rest_obj && n->nroles == 0)
			roles_rest(n, nd_get_arr(n->rest_obj, "roles"), primary_org);
		else if (n->nroles == 0) /* no roles.csv rows at all */
			norm_bad(n, "role", "missing_role", "no role in roles.csv");
		else
			roles_csv(n, id, primary_org);
	}
	rec_list_sort_unique(&n->r, U_SCHOOL_IDS);
}

void or_map_user(norm *n, const cJSON *d)
{
	norm_begin(n, &REC_USER);
	const char *id = or_row_id(n, d, NE_USER);
	or_map_common(n, d, U_STATUS, U_MODIFIED);
	if (!id)
		return;
	rec_set(&n->r, U_SOURCE, "oneroster");
	rec_set(&n->r, U_SOURCE_ID, id);
	user_roles(n, d, id);

	rec_set(&n->r, U_GIVEN_NAME, required(n, d, "givenName"));
	rec_set(&n->r, U_FAMILY_NAME, required(n, d, "familyName"));
	rec_set(&n->r, U_MIDDLE_NAME, norm_get(n, d, "middleName"));
	rec_set(&n->r, U_USERNAME, norm_get(n, d, "username"));
	rec_set(&n->r, U_EMAIL, norm_email(n, "email", norm_get(n, d, "email")));
	const char *enabled = norm_get(n, d, "enabledUser");
	if (enabled && parse_bool(enabled) < 0) /* not kept: said, no more */
		norm_warn(n, "enabledUser", "bad_bool",
			  "\"%s\" is not true or false", enabled);

	rec_map_put(&n->r, U_IDS, "oneroster", id);
	int entry = 0;
	norm_split(n, norm_get(n, d, "userIds"), add_user_id, &entry);
	const char *sis = rec_map_get(&n->r, U_IDS, "sis");
	if (!sis && (sis = norm_get(n, d, "identifier")))
		rec_map_put(&n->r, U_IDS, "sis", sis);
	rec_set(&n->r, U_SIS_ID, sis);
	const char *state = rec_map_get(&n->r, U_IDS, "stateid");
	rec_set(&n->r, U_STATE_ID,
		state ? state : rec_map_get(&n->r, U_IDS, "state_id"));
	rec_map_sort(&n->r, U_IDS);

	/* grades: a student's grade; a teacher's list what they teach */
	const char *grades = norm_get(n, d, "grades");
	const char *role = rec_str(&n->r, U_ROLE);
	if (grades && role && strcmp(role, "student") == 0) {
		const char *comma = strchr(grades, ',');
		rec_set(&n->r, U_GRADE,
			norm_grade(n, "grades",
				   arena_strndup(n->arena, grades,
						 comma ? (size_t)(comma - grades)
						       : strlen(grades))));
	}
	norm_emit(n);
}

/* ---- users held back for demographics ---------------------------------- */

int or_replay_users(norm *n)
{
	if (!n->spool_w)
		return 0;
	nd_writer *w = n->spool_w;
	n->spool_w = NULL;
	int fd;
	if (nd_writer_close(w) != 0 || fflush(n->spool) != 0 ||
	    (fd = dup(fileno(n->spool))) < 0)
		return -1;
	if (lseek(fd, 0, SEEK_SET) < 0) {
		close(fd);
		return -1;
	}
	rp_input *in = rp_input_fdopen(fd, "users spool");
	if (!in)
		return -1;
	nd_reader *r = nd_reader_new(in);
	cJSON *o;
	int rc;
	while ((rc = nd_next(r, &o)) > 0) {
		arena_reset(n->arena);
		rec_init(&n->r, &REC_USER, n->arena);
		if (rec_from_json(&n->r, o)) {
			rc = -1;
			break;
		}
		/* a demographics row of this user was rejected after the user
		 * was read: it is held (its marker is in the feed already), not
		 * written without its birth date */
		if (norm_own_id_rejected(n, &n->r))
			continue;
		uint32_t born;
		const char *id = rec_str(&n->r, U_SOURCE_ID);
		if (id && idset_get(n->birth, id_hash_str(id), &born)) {
			char *date = arena_alloc(n->arena, 32);
			snprintf(date, 32, "%04u-%02u-%02u", born / 10000 % 10000,
				 born / 100 % 100, born % 100);
			rec_set(&n->r, U_BIRTH_DATE, date);
		}
		rec_write(n->w, &n->r);
	}
	nd_reader_free(r);
	return rc < 0 ? -1 : 0;
}
