/* OneRoster 1.1 / 1.2 rows (CSV columns; REST objects flattened the same
 * way by extract-oneroster --rest) -> canonical records. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "codes.h"
#include "err.h"
#include "norm_int.h"
#include "xalloc.h"

static const char *const role_names[] = {
	"student", "teacher", "staff", "administrator", "aide", "guardian",
};

static int role_index(const char *canon)
{
	for (int i = 0; i < 6; i++)
		if (strcmp(role_names[i], canon) == 0)
			return i;
	return 0;
}

/* Status and modification time, common to every OneRoster row. */
static bool map_common(norm *n, const cJSON *d, int f_status, int f_modified)
{
	const char *status = norm_get(n, d, "status");
	if (status) {
		if (strcasecmp(status, "tobedeleted") == 0 ||
		    strcasecmp(status, "inactive") == 0)
			rec_set(&n->r, f_status, "tobedeleted");
		else if (strcasecmp(status, "active") != 0)
			norm_bad(n, "status", "bad_status",
				 "\"%s\" is not active or tobedeleted", status);
	}
	const char *modified = norm_get(n, d, "dateLastModified");
	if (modified) {
		char utc[21];
		if (!utc_datetime(modified, utc))
			norm_bad(n, "dateLastModified", "bad_datetime",
				 "not an ISO 8601 date-time: \"%s\"", modified);
		else if (f_modified >= 0)
			rec_set_copy(&n->r, f_modified, utc);
	}
	return true;
}

/* The row's sourcedId, required; registered as seen unless replaying. */
static const char *row_id(norm *n, const cJSON *d, enum norm_entity e)
{
	const char *id = norm_get(n, d, "sourcedId");
	n->source_id = id;
	if (!id) {
		norm_bad(n, "sourcedId", "missing_value", "required value is empty");
		return NULL;
	}
	if (!n->replaying && !norm_new_id(n, e, "sourcedId", id))
		return NULL;
	return id;
}

#define required(n, d, col) norm_required(n, d, col)

static const char *date_col(norm *n, const cJSON *d, const char *col,
			    bool personal)
{
	return norm_date(n, col, norm_get(n, d, col), personal);
}

static void map_org(norm *n, const cJSON *d)
{
	const char *id = norm_get(n, d, "sourcedId");
	const char *type = required(n, d, "type");
	const char *name = required(n, d, "name");
	static const char *const types[] = {"school", "district", "department",
					    "local", "state", "national"};
	enum org_type t = ORG_OTHER;
	if (type) {
		size_t i = 0;
		while (i < 6 && strcasecmp(type, types[i]) != 0)
			i++;
		if (i == 6)
			norm_bad(n, "type", "bad_org_type",
				 "unknown org type \"%s\"", type);
		t = i == 0 ? ORG_SCHOOL : i == 1 ? ORG_DISTRICT : ORG_OTHER;
	}
	n->source_id = id;
	if (!id) {
		norm_bad(n, "sourcedId", "missing_value", "required value is empty");
		return;
	}
	uint32_t first;
	if (!idset_put(n->ids[NE_ORG], id_hash_str(id), t, &first)) {
		norm_bad(n, "sourcedId", "duplicate_id", "duplicate id");
		return;
	}
	rec_init(&n->r, &REC_SCHOOL, n->arena);
	map_common(n, d, S_STATUS, -1);
	if (t != ORG_SCHOOL)
		return; /* districts and the like give no canonical record */
	rec_set(&n->r, S_SOURCE, "oneroster");
	rec_set(&n->r, S_SOURCE_ID, id);
	rec_set(&n->r, S_NAME, name);
	rec_set(&n->r, S_SCHOOL_NUMBER, norm_get(n, d, "identifier"));
	norm_emit(n);
}

/* A school id a record refers to: known, and a school, when orgs are bulk. */
static bool school_ref(norm *n, const char *field, const char *id)
{
	uint32_t type;
	if (!n->bulk[NE_ORG])
		return true;
	if (!idset_get(n->ids[NE_ORG], id_hash_str(id), &type)) {
		norm_bad(n, field, "unknown_ref", "unknown org id \"%s\"", id);
		return false;
	}
	if (type != ORG_SCHOOL) {
		norm_bad(n, field, "not_a_school", "org \"%s\" is not a school",
			 id);
		return false;
	}
	return true;
}

static void map_session(norm *n, const cJSON *d)
{
	const char *id = row_id(n, d, NE_TERM);
	rec_init(&n->r, &REC_TERM, n->arena);
	map_common(n, d, T_STATUS, -1);
	const char *type = required(n, d, "type");
	static const char *const kinds[] = {"schoolYear", "semester", "term",
					    "gradingPeriod"};
	if (type) {
		size_t i = 0;
		while (i < 4 && strcasecmp(type, kinds[i]) != 0)
			i++;
		if (i == 4)
			norm_bad(n, "type", "bad_session_type",
				 "unknown academicSession type \"%s\"", type);
		else
			rec_set(&n->r, T_KIND, kinds[i]);
	}
	const char *start = date_col(n, d, "startDate", false);
	const char *end = date_col(n, d, "endDate", false);
	if (start && end && strcmp(start, end) > 0)
		norm_bad(n, "endDate", "bad_date_range",
			 "ends before it starts (%s > %s)", start, end);
	char year[16];
	const char *sy = norm_get(n, d, "schoolYear");
	if (sy) {
		if (strlen(sy) != 4 || strspn(sy, "0123456789") != 4)
			norm_bad(n, "schoolYear", "bad_school_year",
				 "not a four-digit year: \"%s\"", sy);
		else
			school_year_ending(atoi(sy), year);
	} else if (start) {
		/* a year that starts from July on ends the next calendar year */
		int y = atoi(start), m = atoi(start + 5);
		school_year_ending(m >= 7 ? y + 1 : y, year);
	}
	if (!id)
		return;
	rec_set(&n->r, T_SOURCE, "oneroster");
	rec_set(&n->r, T_SOURCE_ID, id);
	rec_set(&n->r, T_NAME, required(n, d, "title"));
	rec_set(&n->r, T_START_DATE, start);
	rec_set(&n->r, T_END_DATE, end);
	if (sy || start)
		rec_set_copy(&n->r, T_SCHOOL_YEAR, year);
	norm_emit(n);
}

static void map_course(norm *n, const cJSON *d)
{
	const char *id = norm_get(n, d, "sourcedId");
	const char *title = required(n, d, "title");
	n->source_id = id;
	if (!id) {
		norm_bad(n, "sourcedId", "missing_value", "required value is empty");
		return;
	}
	uint32_t first;
	if (!idset_put(n->ids[NE_COURSE], id_hash_str(id), (uint32_t)n->ncourses,
		       &first)) {
		norm_bad(n, "sourcedId", "duplicate_id", "duplicate id");
		return;
	}
	if (n->ncourses == n->course_cap) {
		n->course_cap = n->course_cap ? n->course_cap * 2 : 64;
		n->course_title = xrealloc(n->course_title,
					   n->course_cap * sizeof *n->course_title);
	}
	n->course_title[n->ncourses++] = title ? xstrdup(title) : NULL;
}

static void add_term(norm *n, const char *term, void *ctx)
{
	(void)ctx;
	if (norm_ref(n, NE_TERM, "termSourcedIds", term))
		rec_list_add(&n->r, C_TERM_IDS, term);
}

static void add_token(norm *n, const char *item, void *ctx)
{
	char **joined = ctx;
	size_t len = *joined ? strlen(*joined) : 0;
	char *s = arena_alloc(n->arena, len + strlen(item) + 2);
	sprintf(s, "%s%s%s", len ? *joined : "", len ? "," : "", item);
	*joined = s;
}

/* A list cell with its items trimmed: "1, 2" -> "1,2". */
static const char *list_cell(norm *n, const cJSON *d, const char *col)
{
	char *joined = NULL;
	norm_split(n, norm_get(n, d, col), add_token, &joined);
	return joined;
}

static void map_class(norm *n, const cJSON *d)
{
	const char *id = row_id(n, d, NE_SECTION);
	rec_init(&n->r, &REC_SECTION, n->arena);
	map_common(n, d, C_STATUS, -1);
	const char *school = required(n, d, "schoolSourcedId");
	if (school && school_ref(n, "schoolSourcedId", school))
		rec_set(&n->r, C_SCHOOL_ID, school);
	const char *course = required(n, d, "courseSourcedId");
	uint32_t ci;
	if (course && idset_get(n->ids[NE_COURSE], id_hash_str(course), &ci))
		rec_set(&n->r, C_COURSE, n->course_title[ci]);
	else if (course)
		norm_ref(n, NE_COURSE, "courseSourcedId", course);
	const char *type = required(n, d, "classType");
	if (type && strcasecmp(type, "scheduled") != 0 &&
	    strcasecmp(type, "homeroom") != 0)
		norm_bad(n, "classType", "bad_class_type",
			 "\"%s\" is not homeroom or scheduled", type);
	norm_split(n, required(n, d, "termSourcedIds"), add_term, NULL);
	rec_list_sort_unique(&n->r, C_TERM_IDS);
	if (!id)
		return;
	rec_set(&n->r, C_SOURCE, "oneroster");
	rec_set(&n->r, C_SOURCE_ID, id);
	rec_set(&n->r, C_NAME, required(n, d, "title"));
	rec_set(&n->r, C_PERIOD, list_cell(n, d, "periods"));
	rec_set(&n->r, C_SUBJECT, list_cell(n, d, "subjects"));
	norm_emit(n);
}

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

static void map_role(norm *n, const cJSON *d)
{
	const char *id = row_id(n, d, NE_ROLE);
	const char *user = required(n, d, "userSourcedId");
	const char *org = required(n, d, "orgSourcedId");
	const char *role = required(n, d, "role");
	const char *type = required(n, d, "roleType");
	const char *canon = role ? role_code(role) : NULL;
	if (role && !canon)
		norm_bad(n, "role", "bad_role", "unknown role \"%s\"", role);
	if (type && strcasecmp(type, "primary") != 0 &&
	    strcasecmp(type, "secondary") != 0)
		norm_bad(n, "roleType", "bad_role_type",
			 "\"%s\" is not primary or secondary", type);
	if (org)
		norm_ref(n, NE_ORG, "orgSourcedId", org);
	date_col(n, d, "beginDate", false);
	date_col(n, d, "endDate", false);
	if (!id || n->record_errors)
		return;
	if (n->nroles == n->roles_cap) {
		n->roles_cap = n->roles_cap ? n->roles_cap * 2 : 256;
		n->roles = xrealloc(n->roles, n->roles_cap * sizeof *n->roles);
	}
	n->roles[n->nroles++] = (struct role_row){
		.user = id_hash_str(user),
		.org = intern_org(n, org),
		.line = (uint32_t)n->line,
		.role = (uint8_t)role_index(canon),
		.primary = strcasecmp(type, "primary") == 0,
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

/* school_ids from the orgs named in a 1.1 orgSourcedIds cell. */
static void add_org(norm *n, const char *org, void *ctx)
{
	(void)ctx;
	uint32_t type = ORG_SCHOOL;
	if (n->bulk[NE_ORG] &&
	    !idset_get(n->ids[NE_ORG], id_hash_str(org), &type)) {
		norm_bad(n, "orgSourcedIds", "unknown_ref",
			 "unknown org id \"%s\"", org);
		return;
	}
	if (type == ORG_SCHOOL)
		rec_list_add(&n->r, U_SCHOOL_IDS, org);
}

/* 1.2: role and schools from roles.csv; the role is the primary one. */
static void roles_of_user(norm *n, const char *id)
{
	if (!n->roles_sorted) {
		if (n->nroles > 1)
			qsort(n->roles, n->nroles, sizeof *n->roles, cmp_role);
		n->roles_sorted = true;
	}
	uint64_t user = id_hash_str(id);
	if (n->nroles == 0) { /* no roles.csv rows at all */
		norm_bad(n, "role", "missing_role", "no role in roles.csv");
		return;
	}
	struct role_row *lo = n->roles, *hi = n->roles + n->nroles;
	while (lo < hi) { /* the user's first row */
		struct role_row *mid = lo + (hi - lo) / 2;
		if (mid->user < user)
			lo = mid + 1;
		else
			hi = mid;
	}
	int primary = -1, any = -1;
	rec_list_add(&n->r, U_SCHOOL_IDS, NULL);
	for (struct role_row *r = lo; r < n->roles + n->nroles && r->user == user;
	     r++) {
		r->used = 1;
		if (any < 0)
			any = r->role;
		if (r->primary && primary >= 0 && primary != r->role)
			norm_bad(n, "role", "conflicting_roles",
				 "primary roles %s and %s in roles.csv",
				 role_names[primary], role_names[r->role]);
		else if (r->primary)
			primary = r->role;
		const char *org = n->role_orgs[r->org];
		uint32_t type = ORG_SCHOOL;
		idset_get(n->ids[NE_ORG], id_hash_str(org), &type);
		if (type == ORG_SCHOOL)
			rec_list_add(&n->r, U_SCHOOL_IDS, org);
	}
	if (any < 0)
		norm_bad(n, "role", "missing_role", "no role in roles.csv");
	else
		rec_set(&n->r, U_ROLE, role_names[primary >= 0 ? primary : any]);
}

static void add_user_id(norm *n, const char *item, void *ctx)
{
	(void)ctx;
	/* {Type:identifier}; the braces are optional in real files */
	size_t len = strlen(item);
	if (item[0] == '{' && item[len - 1] == '}') {
		item++;
		len -= 2;
	}
	const char *colon = memchr(item, ':', len);
	if (!colon || colon == item || colon == item + len - 1) {
		norm_bad(n, "userIds", "bad_user_ids",
			 "not {type:identifier}: item %zu", len);
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

static void map_user(norm *n, const cJSON *d)
{
	const char *id = row_id(n, d, NE_USER);
	rec_init(&n->r, &REC_USER, n->arena);
	map_common(n, d, U_STATUS, U_MODIFIED);
	if (!id)
		return;
	rec_set(&n->r, U_SOURCE, "oneroster");
	rec_set(&n->r, U_SOURCE_ID, id);
	if (nd_member(d, "role")) { /* 1.1 */
		const char *role = required(n, d, "role");
		const char *canon = role ? role_code(role) : NULL;
		if (role && !canon)
			norm_bad(n, "role", "bad_role", "unknown role \"%s\"", role);
		rec_set(&n->r, U_ROLE, canon);
		rec_list_add(&n->r, U_SCHOOL_IDS, NULL);
		norm_split(n, norm_get(n, d, "orgSourcedIds"), add_org, NULL);
	} else {
		roles_of_user(n, id);
	}
	rec_list_sort_unique(&n->r, U_SCHOOL_IDS);

	rec_set(&n->r, U_GIVEN_NAME, required(n, d, "givenName"));
	rec_set(&n->r, U_FAMILY_NAME, required(n, d, "familyName"));
	rec_set(&n->r, U_MIDDLE_NAME, norm_get(n, d, "middleName"));
	rec_set(&n->r, U_USERNAME, norm_get(n, d, "username"));
	const char *email = norm_get(n, d, "email");
	if (email) {
		char *folded = email_fold(arena_strdup(n->arena, email));
		if (!valid_email(folded))
			norm_bad(n, "email", "bad_email", "not a valid email address");
		rec_set(&n->r, U_EMAIL, folded);
	}
	const char *enabled = norm_get(n, d, "enabledUser");
	if (enabled && parse_bool(enabled) < 0)
		norm_bad(n, "enabledUser", "bad_bool",
			 "\"%s\" is not true or false", enabled);

	rec_map_put(&n->r, U_IDS, "oneroster", id);
	norm_split(n, norm_get(n, d, "userIds"), add_user_id, NULL);
	const char *sis = rec_map_get(&n->r, U_IDS, "sis");
	if (!sis && (sis = norm_get(n, d, "identifier")))
		rec_map_put(&n->r, U_IDS, "sis", sis);
	rec_set(&n->r, U_SIS_ID, sis);
	const char *state = rec_map_get(&n->r, U_IDS, "stateid");
	rec_set(&n->r, U_STATE_ID,
		state ? state : rec_map_get(&n->r, U_IDS, "state_id"));
	rec_map_sort(&n->r, U_IDS);

	const char *grades = norm_get(n, d, "grades");
	if (grades && n->r.v[U_ROLE].s && strcmp(n->r.v[U_ROLE].s, "student") == 0) {
		const char *comma = strchr(grades, ',');
		char *first = arena_strndup(n->arena, grades,
					    comma ? (size_t)(comma - grades)
						  : strlen(grades));
		const char *code = grade_code(first);
		if (!code)
			norm_bad(n, "grades", "bad_grade", "unknown grade \"%s\"",
				 first);
		rec_set(&n->r, U_GRADE, code);
	}
	uint32_t born;
	if (idset_get(n->birth, id_hash_str(id), &born)) {
		char *date = arena_alloc(n->arena, 32);
		snprintf(date, 32, "%04u-%02u-%02u", born / 10000 % 10000,
			 born / 100 % 100, born % 100);
		rec_set(&n->r, U_BIRTH_DATE, date);
	}
	norm_emit(n);
}

static void map_enrollment(norm *n, const cJSON *d)
{
	const char *id = norm_get(n, d, "sourcedId");
	n->source_id = id;
	if (!id)
		norm_bad(n, "sourcedId", "missing_value", "required value is empty");
	rec_init(&n->r, &REC_ENROLLMENT, n->arena);
	map_common(n, d, E_STATUS, -1);
	const char *section = required(n, d, "classSourcedId");
	const char *user = required(n, d, "userSourcedId");
	const char *school = required(n, d, "schoolSourcedId");
	const char *role = required(n, d, "role");
	const char *canon = role ? role_code(role) : NULL;
	if (role && !canon)
		norm_bad(n, "role", "bad_role", "unknown role \"%s\"", role);
	if (section)
		norm_ref(n, NE_SECTION, "classSourcedId", section);
	if (user)
		norm_ref(n, NE_USER, "userSourcedId", user);
	if (school)
		school_ref(n, "schoolSourcedId", school);
	date_col(n, d, "beginDate", false);
	date_col(n, d, "endDate", false);
	rec_set(&n->r, E_SOURCE, "oneroster");
	rec_set(&n->r, E_SECTION_ID, section);
	rec_set(&n->r, E_USER_ID, user);
	rec_set(&n->r, E_ROLE, canon);
	norm_emit(n);
}

static void map_demographic(norm *n, const cJSON *d)
{
	const char *id = row_id(n, d, NE_DEMOGRAPHIC);
	map_common(n, d, -1, -1);
	const char *born = date_col(n, d, "birthDate", true);
	if (!id)
		return;
	if (n->bulk[NE_USER] && !idset_get(n->ids[NE_USER], id_hash_str(id), NULL)) {
		norm_bad(n, "sourcedId", "unknown_ref", "unknown users id \"%s\"",
			 id);
		return;
	}
	if (born && !n->record_errors) {
		uint32_t packed = (uint32_t)(atoi(born) * 10000 +
					     atoi(born + 5) * 100 + atoi(born + 8));
		idset_put(n->birth, id_hash_str(id), packed, NULL);
	}
}

static void oneroster_map(norm *n, const char *entity, const cJSON *d)
{
	static const struct {
		const char *entity;
		void (*map)(norm *n, const cJSON *d);
	} mappers[] = {
		{"orgs", map_org},	       {"academicSessions", map_session},
		{"courses", map_course},       {"classes", map_class},
		{"roles", map_role},	       {"users", map_user},
		{"enrollments", map_enrollment}, {"demographics", map_demographic},
	};
	for (size_t i = 0; i < sizeof mappers / sizeof *mappers; i++)
		if (strcmp(mappers[i].entity, entity) == 0) {
			mappers[i].map(n, d);
			return;
		}
	norm_bad(n, "entity", "bad_entity", "unknown OneRoster entity \"%s\"",
		 entity);
}

static void unused_roles(norm *n)
{
	if (!n->bulk[NE_USER])
		return;
	for (size_t i = 0; i < n->nroles; i++)
		if (!n->roles[i].used) {
			n->file = "roles.csv";
			n->line = n->roles[i].line;
			n->source_id = NULL;
			norm_bad(n, "userSourcedId", "unknown_ref",
				 "names a user that users.csv does not hold");
		}
}

/* ---- users held back for demographics ---------------------------------- */

/*
 * birth_date comes from demographics.csv, which comes last: when the feed
 * has it, raw users wait in a temporary file (their ids recorded now, for
 * the enrollments) and are mapped at the end.
 */
static void spool_user(norm *n, const char *text, size_t len)
{
	if (!n->spool && !(n->spool = tmpfile()))
		rp_die(RP_EXIT_IO, "cannot create a temporary file: %s",
		       strerror(errno));
	if (fwrite(text, 1, len, n->spool) != len || fputc('\n', n->spool) == EOF)
		rp_die(RP_EXIT_IO, "temporary file: %s", strerror(errno));
}

/* A raw OneRoster record: a CSV row, or a REST object read as one. */
static void oneroster_raw(norm *n, const cJSON *o, const char *entity,
			  const cJSON *data, const char *text, size_t len)
{
	if (strcmp(entity, "users") == 0 && n->present[NE_DEMOGRAPHIC]) {
		const char *id = norm_get(n, data, "sourcedId");
		if (id && norm_new_id(n, NE_USER, "sourcedId", id))
			spool_user(n, text, len);
		return;
	}
	const char *format = nd_get_str(o, "format");
	if (format && strcmp(format, "rest") == 0) {
		cJSON *columns = rest_columns(data);
		oneroster_map(n, entity, columns);
		cJSON_Delete(columns);
		return;
	}
	oneroster_map(n, entity, data);
}

static int oneroster_finish(norm *n)
{
	if (n->spool) {
		int fd;
		if (fflush(n->spool) != 0 || (fd = dup(fileno(n->spool))) < 0)
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
		n->replaying = true;
		while ((rc = nd_next(r, &o)) > 0) {
			arena_reset(n->arena);
			n->record_errors = 0;
			n->source_id = NULL;
			n->file = nd_get_str(o, "file");
			n->line = (long)nd_get_int(o, "line", 0);
			const char *format = nd_get_str(o, "format");
			if (format && strcmp(format, "rest") == 0) {
				cJSON *columns = rest_columns(nd_get_obj(o, "data"));
				oneroster_map(n, "users", columns);
				cJSON_Delete(columns);
			} else {
				oneroster_map(n, "users", nd_get_obj(o, "data"));
			}
		}
		nd_reader_free(r);
		if (rc < 0)
			return -1;
	}
	unused_roles(n);
	return 0;
}

const struct norm_source norm_oneroster = {
	.name = "oneroster",
	.raw = {[NE_ORG] = "orgs", [NE_TERM] = "academicSessions",
		[NE_COURSE] = "courses", [NE_SECTION] = "classes",
		[NE_ROLE] = "roles", [NE_USER] = "users",
		[NE_ENROLLMENT] = "enrollments", [NE_DEMOGRAPHIC] = "demographics"},
	.map = oneroster_raw,
	.finish = oneroster_finish,
};
