/* Clever Data API v3.0 records -> canonical records. */
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

static const char *clever_id(norm *n, const cJSON *d, enum norm_entity e)
{
	const char *id = str(n, d, "id");
	n->source_id = id;
	if (!id) {
		norm_bad(n, "id", "missing_value", "required value is empty");
		return NULL;
	}
	return norm_new_id(n, e, "id", id) ? id : NULL;
}

static void modified(norm *n, const cJSON *d, int field)
{
	const char *m = str(n, d, "last_modified");
	char utc[21];
	if (m && !utc_datetime(m, utc))
		norm_bad(n, "last_modified", "bad_datetime",
			 "not an ISO 8601 date-time: \"%s\"", m);
	else if (m)
		rec_set_copy(&n->r, field, utc);
}

static const char *grade(norm *n, const char *field, const char *g)
{
	const char *code = g ? grade_code(g) : NULL;
	if (g && !code)
		norm_bad(n, field, "bad_grade", "unknown grade \"%s\"", g);
	return code;
}

static void map_school(norm *n, const cJSON *d)
{
	const char *id = str(n, d, "id");
	n->source_id = id;
	if (!id) {
		norm_bad(n, "id", "missing_value", "required value is empty");
		return;
	}
	if (!idset_put(n->ids[NE_ORG], id_hash_str(id), ORG_SCHOOL, NULL)) {
		norm_bad(n, "id", "duplicate_id", "duplicate id");
		return;
	}
	rec_init(&n->r, &REC_SCHOOL, n->arena);
	rec_set(&n->r, S_SOURCE, "clever");
	rec_set(&n->r, S_SOURCE_ID, id);
	rec_set(&n->r, S_NAME, norm_required(n, d, "name"));
	rec_set(&n->r, S_SCHOOL_NUMBER, str(n, d, "school_number"));
	rec_set(&n->r, S_LOW_GRADE, grade(n, "low_grade", str(n, d, "low_grade")));
	rec_set(&n->r, S_HIGH_GRADE, grade(n, "high_grade", str(n, d, "high_grade")));
	norm_emit(n);
}

static void map_term(norm *n, const cJSON *d)
{
	const char *id = clever_id(n, d, NE_TERM);
	rec_init(&n->r, &REC_TERM, n->arena);
	const char *start = norm_date(n, "start_date", str(n, d, "start_date"), false);
	const char *end = norm_date(n, "end_date", str(n, d, "end_date"), false);
	if (start && end && strcmp(start, end) > 0)
		norm_bad(n, "end_date", "bad_date_range",
			 "ends before it starts (%s > %s)", start, end);
	if (!id)
		return;
	rec_set(&n->r, T_SOURCE, "clever");
	rec_set(&n->r, T_SOURCE_ID, id);
	rec_set(&n->r, T_NAME, norm_required(n, d, "name"));
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
	const char *id = clever_id(n, d, NE_COURSE);
	const char *name = str(n, d, "name");
	if (!id)
		return;
	uint32_t index;
	idset_get(n->ids[NE_COURSE], id_hash_str(id), &index);
	if (n->ncourses == n->course_cap) {
		n->course_cap = n->course_cap ? n->course_cap * 2 : 64;
		n->course_title = xrealloc(n->course_title,
					   n->course_cap * sizeof *n->course_title);
	}
	/* the id set holds the line; point it at the title instead */
	idset_set(n->ids[NE_COURSE], id_hash_str(id), (uint32_t)n->ncourses);
	n->course_title[n->ncourses++] = name ? xstrdup(name) : NULL;
}

static bool school_known(norm *n, const char *field, const char *school)
{
	if (!n->bulk[NE_ORG] ||
	    idset_get(n->ids[NE_ORG], id_hash_str(school), NULL))
		return true;
	norm_bad(n, field, "unknown_ref", "unknown schools id \"%s\"", school);
	return false;
}

/* Clever has no enrollment objects: a section lists its students and
 * teachers, and each becomes an enrollment. */
static void enroll(norm *n, const char *section, const cJSON *ids,
		   const char *field, const char *role, const char *also)
{
	const cJSON *u;
	int listed = 0;
	cJSON_ArrayForEach(u, ids) {
		if (!cJSON_IsString(u) || !*u->valuestring) {
			norm_bad(n, field, "bad_value", "not a list of user ids");
			continue;
		}
		if (also && strcmp(also, u->valuestring) == 0)
			listed = 1;
		if (!norm_ref(n, NE_USER, field, u->valuestring))
			continue;
		rec_init(&n->r, &REC_ENROLLMENT, n->arena);
		rec_set(&n->r, E_SOURCE, "clever");
		rec_set(&n->r, E_SECTION_ID, section);
		rec_set(&n->r, E_USER_ID, u->valuestring);
		rec_set(&n->r, E_ROLE, role);
		norm_emit(n);
	}
	if (also && !listed && norm_ref(n, NE_USER, "teacher", also)) {
		rec_init(&n->r, &REC_ENROLLMENT, n->arena);
		rec_set(&n->r, E_SOURCE, "clever");
		rec_set(&n->r, E_SECTION_ID, section);
		rec_set(&n->r, E_USER_ID, also);
		rec_set(&n->r, E_ROLE, role);
		norm_emit(n);
	}
}

static void map_section(norm *n, const cJSON *d)
{
	const char *id = clever_id(n, d, NE_SECTION);
	rec_init(&n->r, &REC_SECTION, n->arena);
	const char *school = norm_required(n, d, "school");
	if (school && school_known(n, "school", school))
		rec_set(&n->r, C_SCHOOL_ID, school);
	const char *course = str(n, d, "course");
	uint32_t ci;
	if (course && idset_get(n->ids[NE_COURSE], id_hash_str(course), &ci))
		rec_set(&n->r, C_COURSE, n->course_title[ci]);
	else if (course)
		norm_ref(n, NE_COURSE, "course", course);
	rec_list_add(&n->r, C_TERM_IDS, NULL);
	const char *term = str(n, d, "term_id");
	if (term && norm_ref(n, NE_TERM, "term_id", term))
		rec_list_add(&n->r, C_TERM_IDS, term);
	if (!id)
		return;
	rec_set(&n->r, C_SOURCE, "clever");
	rec_set(&n->r, C_SOURCE_ID, id);
	rec_set(&n->r, C_NAME, norm_required(n, d, "name"));
	rec_set(&n->r, C_PERIOD, str(n, d, "period"));
	rec_set(&n->r, C_SUBJECT, str(n, d, "subject"));
	int errors = n->record_errors;
	norm_emit(n);
	if (errors)
		return;
	enroll(n, id, cJSON_GetObjectItemCaseSensitive(d, "students"), "students",
	       "student", NULL);
	enroll(n, id, cJSON_GetObjectItemCaseSensitive(d, "teachers"), "teachers",
	       "teacher", str(n, d, "teacher"));
}

/* Clever's role objects and the canonical role each stands for. */
static const struct {
	const char *key, *role;
} clever_roles[] = {
	{"student", "student"},	     {"teacher", "teacher"},
	{"staff", "staff"},	     {"district_admin", "administrator"},
	{"contact", "guardian"},
};

static void add_school(norm *n, const char *school)
{
	if (school_known(n, "roles.schools", school))
		rec_list_add(&n->r, U_SCHOOL_IDS, school);
}

static void map_user(norm *n, const cJSON *d)
{
	const char *id = clever_id(n, d, NE_USER);
	rec_init(&n->r, &REC_USER, n->arena);
	const cJSON *roles = nd_get_obj(d, "roles"), *role = NULL;
	const char *canon = NULL, *names[5];
	int count = 0;
	for (size_t i = 0; i < 5; i++) {
		const cJSON *r = roles ? nd_get_obj(roles, clever_roles[i].key) : NULL;
		if (r) {
			names[count++] = clever_roles[i].key;
			role = r;
			canon = clever_roles[i].role;
		}
	}
	if (count == 0) {
		norm_bad(n, "roles", "missing_role", "no role");
	} else if (count > 1) {
		/* one person, two records' worth of rules: a person decides */
		norm_bad(n, "roles", "several_roles",
			 "several roles (%s, %s%s): not mapped", names[0], names[1],
			 count > 2 ? ", ..." : "");
		return;
	}
	if (!id)
		return;
	rec_set(&n->r, U_SOURCE, "clever");
	rec_set(&n->r, U_SOURCE_ID, id);
	rec_set(&n->r, U_ROLE, canon);
	modified(n, d, U_MODIFIED);

	const cJSON *name = nd_get_obj(d, "name");
	if (!str(n, name, "first"))
		norm_bad(n, "name.first", "missing_value", "required value is empty");
	if (!str(n, name, "last"))
		norm_bad(n, "name.last", "missing_value", "required value is empty");
	rec_set(&n->r, U_GIVEN_NAME, str(n, name, "first"));
	rec_set(&n->r, U_MIDDLE_NAME, str(n, name, "middle"));
	rec_set(&n->r, U_FAMILY_NAME, str(n, name, "last"));
	const char *email = str(n, d, "email");
	if (email) {
		char *folded = email_fold(arena_strdup(n->arena, email));
		if (!valid_email(folded))
			norm_bad(n, "email", "bad_email", "not a valid email address");
		rec_set(&n->r, U_EMAIL, folded);
	}

	rec_list_add(&n->r, U_SCHOOL_IDS, NULL);
	const cJSON *s, *schools = NULL;
	if (role)
		schools = cJSON_GetObjectItemCaseSensitive(role, "schools");
	cJSON_ArrayForEach(s, schools)
		if (cJSON_IsString(s) && *s->valuestring)
			add_school(n, s->valuestring);
	if (str(n, role, "school"))
		add_school(n, str(n, role, "school"));
	rec_list_sort_unique(&n->r, U_SCHOOL_IDS);

	const char *sis = str(n, role, "sis_id");
	if (!sis && role && canon && strcmp(canon, "staff") == 0)
		sis = str(n, role, "staff_id");
	rec_set(&n->r, U_SIS_ID, sis);
	rec_set(&n->r, U_STATE_ID, str(n, role, "state_id"));
	const cJSON *cred = role ? nd_get_obj(role, "credentials") : NULL;
	rec_set(&n->r, U_USERNAME, str(n, cred, "district_username"));
	if (canon && strcmp(canon, "student") == 0) {
		rec_set(&n->r, U_STUDENT_NUMBER, str(n, role, "student_number"));
		rec_set(&n->r, U_GRADE, grade(n, "roles.student.grade",
					      str(n, role, "grade")));
		const char *dob = str(n, role, "dob");
		char *date = arena_alloc(n->arena, 11);
		if (dob && !us_date(dob, date))
			norm_bad(n, "roles.student.dob", "bad_date",
				 "not a valid date (M/D/YYYY)");
		else if (dob)
			rec_set(&n->r, U_BIRTH_DATE, date);
	}
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
