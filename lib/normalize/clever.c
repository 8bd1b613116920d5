/* Clever Data API v3.0 and v3.1 records -> canonical records. v3.1 adds
 * student demographics (gifted, 504, disability, home language, FRL
 * "Other") and preferred names, which the canonical user has no place
 * for: they are read past, and both versions map alike. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codes.h"
#include "norm_int.h"
#include "xalloc.h"

/* A string member of an object, NULL when missing, null or empty. */
static const char *str(norm *n, const cJSON *o, const char *key)
{
	return o ? norm_get(n, o, key) : NULL;
}

/* The record's id, required; registered as seen for e. */
static const char *clever_id(norm *n, const cJSON *d, enum norm_entity e)
{
	return norm_record_id(n, e, "id", str(n, d, "id"));
}

/* Clever's dates are YYYY-MM-DD, but some endpoints serve a term's as a
 * date-time (/schools/{id}/terms: 2013-06-01T00:00:00.000Z): its UTC
 * date. Anything else is a warning, and dropped. */
static const char *day(norm *n, const char *field, const char *v)
{
	char utc[21];
	if (v && !valid_date(v) && utc_datetime(v, utc))
		return arena_strndup(n->arena, utc, 10);
	return norm_opt_date(n, field, v, false);
}

static void map_school(norm *n, const cJSON *d)
{
	norm_begin(n, &REC_SCHOOL);
	const char *id = str(n, d, "id");
	n->source_id = id;
	if (!id) {
		norm_bad(n, "id", "missing_value", "required value is empty");
		return;
	}
	if (!idset_put(n->ids[NE_ORG], id_hash_str(id), ORG_SCHOOL, NULL)) {
		norm_bad(n, "id", "duplicate_id", "duplicate id");
		n->duplicate = true;
		return;
	}
	rec_set(&n->r, S_SOURCE, "clever");
	rec_set(&n->r, S_SOURCE_ID, id);
	rec_set(&n->r, S_NAME, norm_required(n, d, "name"));
	rec_set(&n->r, S_SCHOOL_NUMBER, str(n, d, "school_number"));
	rec_set(&n->r, S_LOW_GRADE, norm_grade(n, "low_grade", str(n, d, "low_grade")));
	rec_set(&n->r, S_HIGH_GRADE, norm_grade(n, "high_grade", str(n, d, "high_grade")));
	norm_emit(n);
}

static void map_term(norm *n, const cJSON *d)
{
	norm_begin(n, &REC_TERM);
	const char *id = clever_id(n, d, NE_TERM);
	if (!id)
		return;
	rec_set(&n->r, T_SOURCE, "clever");
	rec_set(&n->r, T_SOURCE_ID, id);
	const char *start = day(n, "start_date", str(n, d, "start_date"));
	const char *end = day(n, "end_date", str(n, d, "end_date"));
	if (start && end && strcmp(start, end) > 0)
		norm_bad(n, "end_date", "bad_date_range",
			 "ends before it starts (%s > %s)", start, end);
	rec_set(&n->r, T_NAME, norm_nullable(n, d, "name", "name"));
	rec_set(&n->r, T_KIND, "term");
	rec_set(&n->r, T_START_DATE, start);
	rec_set(&n->r, T_END_DATE, end);
	if (start) {
		/* a year that starts from July on ends the next calendar year */
		char year[16];
		int y = atoi(start), m = atoi(start + 5);
		school_year_ending(m >= 7 ? y + 1 : y, year);
		rec_set_copy(&n->r, T_SCHOOL_YEAR, year);
	}
	norm_emit(n);
}

static void map_course(norm *n, const cJSON *d)
{
	n->what = "course";
	const char *id = clever_id(n, d, NE_COURSE);
	const char *name = str(n, d, "name");
	if (!id)
		return;
	if (n->ncourses == n->course_cap) {
		n->course_cap = n->course_cap ? n->course_cap * 2 : 64;
		n->course_title = xrealloc(n->course_title,
					   n->course_cap * sizeof *n->course_title);
	}
	/* the id set holds the line; point it at the title instead */
	idset_set(n->ids[NE_COURSE], id_hash_str(id), (uint32_t)n->ncourses);
	n->course_title[n->ncourses++] = name ? xstrdup(name) : NULL;
}

/* Clever has no enrollment objects: a section lists its students and
 * teachers, and each becomes an enrollment. */
static void enroll_one(norm *n, const char *section, const char *user,
		       const char *field, const char *role)
{
	norm_begin(n, &REC_ENROLLMENT);
	rec_set(&n->r, E_SOURCE, "clever");
	rec_set(&n->r, E_SECTION_ID, section);
	rec_set(&n->r, E_USER_ID, user);
	rec_set(&n->r, E_ROLE, role);
	norm_ref(n, NE_USER, field, user);
	norm_emit(n);
}

/* The enrollments of a section's list of user ids (and of also, the
 * section's own teacher, when the list leaves it out). A section that is
 * not written (held: rejected) takes them with it: each is held, as
 * stored, and a bad value in the list says nothing more. */
static void enroll(norm *n, const char *section, const cJSON *ids,
		   const char *field, const char *role, const char *also, bool held)
{
	const cJSON *u;
	int listed = 0;
	cJSON_ArrayForEach(u, ids) {
		if (!cJSON_IsString(u) || !*u->valuestring) {
			if (held)
				continue;
			n->what = "enrollment";
			norm_bad(n, field, "bad_value", "not a list of user ids");
			continue;
		}
		if (also && strcmp(also, u->valuestring) == 0)
			listed = 1;
		if (held)
			norm_hold_enrollment(n, "clever", section, u->valuestring);
		else
			enroll_one(n, section, u->valuestring, field, role);
	}
	if (also && !listed) {
		if (held)
			norm_hold_enrollment(n, "clever", section, also);
		else
			enroll_one(n, section, also, "teacher", role);
	}
}

static void map_section(norm *n, const cJSON *d)
{
	norm_begin(n, &REC_SECTION);
	const char *id = clever_id(n, d, NE_SECTION);
	if (!id)
		return;
	rec_set(&n->r, C_SOURCE, "clever");
	rec_set(&n->r, C_SOURCE_ID, id);
	const char *school = norm_required(n, d, "school");
	if (school && norm_ref(n, NE_ORG, "school", school))
		rec_set(&n->r, C_SCHOOL_ID, school);
	const char *course = str(n, d, "course");
	uint32_t ci;
	if (course && norm_ref(n, NE_COURSE, "course", course) &&
	    idset_get(n->ids[NE_COURSE], id_hash_str(course), &ci))
		rec_set(&n->r, C_COURSE, n->course_title[ci]);
	rec_list_add(&n->r, C_TERM_IDS, NULL);
	const char *term = str(n, d, "term_id");
	if (term && norm_ref(n, NE_TERM, "term_id", term))
		rec_list_add(&n->r, C_TERM_IDS, term);
	rec_set(&n->r, C_NAME, norm_required(n, d, "name"));
	rec_set(&n->r, C_PERIOD, str(n, d, "period"));
	rec_set(&n->r, C_SUBJECT, str(n, d, "subject"));
	bool rejected = n->record_errors > n->errors_at || n->dropped;
	norm_emit(n);
	enroll(n, id, cJSON_GetObjectItemCaseSensitive(d, "students"), "students",
	       "student", NULL, rejected);
	enroll(n, id, cJSON_GetObjectItemCaseSensitive(d, "teachers"), "teachers",
	       "teacher", str(n, d, "teacher"), rejected);
}

/* Clever's role objects and the canonical role each stands for. */
static const struct {
	const char *key;
	int role;
} clever_roles[] = {
	{"student", ROLE_STUDENT},	   {"teacher", ROLE_TEACHER},
	{"staff", ROLE_STAFF},		   {"district_admin", ROLE_ADMINISTRATOR},
	{"contact", ROLE_GUARDIAN},
};
enum { NCLEVER_ROLES = sizeof clever_roles / sizeof *clever_roles };

static void add_schools(norm *n, const cJSON *role)
{
	const cJSON *s;
	cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(role, "schools"))
		if (cJSON_IsString(s) && *s->valuestring &&
		    norm_ref(n, NE_ORG, "roles.schools", s->valuestring))
			rec_list_add(&n->r, U_SCHOOL_IDS, s->valuestring);
	const char *school = str(n, role, "school");
	if (school && norm_ref(n, NE_ORG, "roles.schools", school))
		rec_list_add(&n->r, U_SCHOOL_IDS, school);
}

/* A value of the user's role objects: the primary role's, else the first
 * other one's that has it (objs in that order). */
static const char *role_value(norm *n, const cJSON *const *objs, size_t nobjs,
			      const char *sub, const char *key)
{
	for (size_t i = 0; i < nobjs; i++) {
		const cJSON *o = sub ? nd_get_obj(objs[i], sub) : objs[i];
		const char *v = str(n, o, key);
		if (!v && !sub && strcmp(key, "sis_id") == 0)
			v = str(n, objs[i], "staff_id"); /* staff's SIS id */
		if (v)
			return v;
	}
	return NULL;
}

static void map_student(norm *n, const cJSON *student)
{
	rec_set(&n->r, U_STUDENT_NUMBER, str(n, student, "student_number"));
	rec_set(&n->r, U_GRADE, norm_grade(n, "roles.student.grade",
					   str(n, student, "grade")));
	/* Clever documents dob as M/D/YYYY: read as such, never as D/M */
	const char *dob = str(n, student, "dob");
	char *date = arena_alloc(n->arena, 11);
	if (dob && !us_date(dob, date))
		norm_warn(n, "roles.student.dob", "bad_date",
			  "not a valid date (M/D/YYYY)");
	else if (dob)
		rec_set(&n->r, U_BIRTH_DATE, date);
}

static void map_user(norm *n, const cJSON *d)
{
	norm_begin(n, &REC_USER);
	const char *id = clever_id(n, d, NE_USER);
	if (!id)
		return;
	rec_set(&n->r, U_SOURCE, "clever");
	rec_set(&n->r, U_SOURCE_ID, id);

	/* every role object the user holds; the primary one's values first */
	const cJSON *roles = nd_get_obj(d, "roles"), *objs[NCLEVER_ROLES];
	const cJSON *by_role[ROLE_COUNT] = {0};
	struct role_pick picks[NCLEVER_ROLES];
	size_t npicks = 0;
	for (size_t i = 0; i < NCLEVER_ROLES; i++) {
		const cJSON *r = roles ? nd_get_obj(roles, clever_roles[i].key) : NULL;
		if (r) {
			picks[npicks++] = (struct role_pick){.role = clever_roles[i].role};
			by_role[clever_roles[i].role] = r;
		}
	}
	if (!norm_set_roles(n, picks, npicks, NULL, "roles")) {
		norm_bad(n, "roles", "missing_role", "no role");
		norm_emit(n);
		return;
	}
	size_t nobjs = 0;
	int primary = norm_role_index(rec_str(&n->r, U_ROLE));
	objs[nobjs++] = by_role[primary];
	for (int r = 0; r < ROLE_COUNT; r++)
		if (by_role[r] && r != primary)
			objs[nobjs++] = by_role[r];

	rec_set(&n->r, U_MODIFIED,
		norm_opt_datetime(n, "last_modified", str(n, d, "last_modified")));
	const cJSON *name = nd_get_obj(d, "name");
	rec_set(&n->r, U_GIVEN_NAME, norm_nullable(n, name, "first", "name.first"));
	rec_set(&n->r, U_MIDDLE_NAME, norm_nullable(n, name, "middle", "name.middle"));
	/* Clever lets it be null, but a person needs a name to be shown */
	const char *last = str(n, name, "last");
	if (!last)
		norm_bad(n, "name.last", "missing_value", "required value is empty");
	rec_set(&n->r, U_FAMILY_NAME, last);
	rec_set(&n->r, U_EMAIL, norm_email(n, "email", str(n, d, "email")));

	rec_list_add(&n->r, U_SCHOOL_IDS, NULL);
	for (size_t i = 0; i < nobjs; i++)
		add_schools(n, objs[i]);
	rec_list_sort_unique(&n->r, U_SCHOOL_IDS);

	const char *sis = role_value(n, objs, nobjs, NULL, "sis_id");
	rec_set(&n->r, U_SIS_ID, sis);
	rec_set(&n->r, U_STATE_ID, role_value(n, objs, nobjs, NULL, "state_id"));
	rec_set(&n->r, U_USERNAME,
		role_value(n, objs, nobjs, "credentials", "district_username"));
	if (by_role[ROLE_STUDENT])
		map_student(n, by_role[ROLE_STUDENT]);
	rec_map_put(&n->r, U_IDS, "clever", id);
	if (sis)
		rec_map_put(&n->r, U_IDS, "sis", sis);
	rec_map_sort(&n->r, U_IDS);
	norm_emit(n);
}

static void clever_map(norm *n, const cJSON *o, const char *entity,
		       const cJSON *d, const char *text, size_t len)
{
	(void)o;
	(void)text;
	(void)len;
	static const struct {
		const char *entity;
		void (*map)(norm *n, const cJSON *d);
	} mappers[] = {
		{"schools", map_school}, {"terms", map_term},
		{"courses", map_course}, {"sections", map_section},
		{"users", map_user},
	};
	if (strcmp(entity, "districts") == 0)
		return; /* the district is the feed itself */
	for (size_t i = 0; i < sizeof mappers / sizeof *mappers; i++)
		if (strcmp(mappers[i].entity, entity) == 0) {
			mappers[i].map(n, d);
			return;
		}
	norm_bad(n, "entity", "bad_entity", "unknown Clever entity \"%s\"", entity);
}

/* Clever's enrollments live inside its sections. */
const struct norm_source norm_clever = {
	.name = "clever",
	.raw = {[NE_ORG] = "schools", [NE_TERM] = "terms",
		[NE_COURSE] = "courses", [NE_SECTION] = "sections",
		[NE_USER] = "users", [NE_ENROLLMENT] = "sections"},
	.map = clever_map,
};
