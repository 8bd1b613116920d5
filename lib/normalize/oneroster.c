/* OneRoster 1.1 / 1.2 rows (CSV columns; REST objects flattened the same
 * way, rest.c) -> canonical records: orgs, sessions, courses, classes,
 * enrollments, demographics. Users and 1.2 roles: orusers.c. */
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

void or_map_common(norm *n, const cJSON *d, int f_status, int f_modified)
{
	const char *status = norm_get(n, d, "status");
	if (status) {
		if (strcasecmp(status, "tobedeleted") == 0 ||
		    strcasecmp(status, "inactive") == 0) {
			if (f_status >= 0)
				rec_set(&n->r, f_status, "tobedeleted");
		}
		else if (strcasecmp(status, "active") != 0)
			norm_bad(n, "status", "bad_status",
				 "\"%s\" is not active or tobedeleted", status);
	}
	const char *modified = norm_opt_datetime(n, "dateLastModified",
						 norm_get(n, d, "dateLastModified"));
	if (modified && f_modified >= 0)
		rec_set(&n->r, f_modified, modified);
}

const char *or_row_id(norm *n, const cJSON *d, enum norm_entity e)
{
	return norm_record_id(n, e, "sourcedId", norm_get(n, d, "sourcedId"));
}

#define required(n, d, col) norm_required(n, d, col)

/* ---- orgs and departments ---------------------------------------------- */

static void note_department(norm *n, const char *id, const char *parent)
{
	if (n->ndepts == n->dept_cap) {
		n->dept_cap = n->dept_cap ? n->dept_cap * 2 : 16;
		n->dept_parent = xrealloc(n->dept_parent,
					  n->dept_cap * sizeof *n->dept_parent);
	}
	idset_set(n->dept_index, id_hash_str(id), (uint32_t)n->ndepts);
	n->dept_parent[n->ndepts++] = parent ? xstrdup(parent) : NULL;
}

static const char *dept_parent(const norm *n, const char *id)
{
	uint32_t i;
	return idset_get(n->dept_index, id_hash_str(id), &i) ? n->dept_parent[i]
							     : NULL;
}

const char *or_school_of(norm *n, const char *org)
{
	uint32_t type;
	if (!idset_get(n->ids[NE_ORG], id_hash_str(org), &type))
		return n->bulk[NE_ORG] ? NULL : org;
	/* a department stands for its school (through departments of
	 * departments, a few levels) */
	for (int depth = 0; type == ORG_DEPARTMENT && depth < 8; depth++) {
		org = dept_parent(n, org);
		if (!org || !idset_get(n->ids[NE_ORG], id_hash_str(org), &type))
			return NULL;
	}
	return type == ORG_SCHOOL ? org : NULL;
}

const char *or_school_ref(norm *n, const char *field, const char *id)
{
	uint32_t type;
	if (norm_was_rejected(n, NE_ORG, id)) {
		if (!n->dropped)
			norm_drop(n, field, n->what, "orgs id \"%s\" was rejected",
				  id);
		return NULL;
	}
	if (!n->bulk[NE_ORG])
		return id;
	if (!idset_get(n->ids[NE_ORG], id_hash_str(id), &type)) {
		norm_bad(n, field, "unknown_ref", "unknown org id \"%s\"", id);
		return NULL;
	}
	if (type == ORG_SCHOOL)
		return id;
	if (type != ORG_DEPARTMENT) {
		norm_bad(n, field, "not_a_school", "org \"%s\" is not a school",
			 id);
		return NULL;
	}
	const char *school = or_school_of(n, id), *parent = dept_parent(n, id);
	if (school && norm_was_rejected(n, NE_ORG, school)) {
		if (!n->dropped)
			norm_drop(n, field, n->what, "orgs id \"%s\" (the school "
				  "of department \"%s\") was rejected", school, id);
		return NULL;
	}
	if (school)
		return school;
	if (parent)
		norm_bad(n, field, "not_a_school",
			 "org \"%s\" is a department whose parent \"%s\" is "
			 "not a school of the feed", id, parent);
	else
		norm_bad(n, field, "not_a_school",
			 "org \"%s\" is a department without a parent school",
			 id);
	return NULL;
}

static void map_org(norm *n, const cJSON *d)
{
	norm_begin(n, &REC_SCHOOL);
	const char *id = norm_get(n, d, "sourcedId");
	const char *type = required(n, d, "type");
	const char *name = required(n, d, "name");
	static const char *const types[] = {"school", "district", "department",
					    "local", "state", "national"};
	static const enum org_type codes[] = {ORG_SCHOOL, ORG_DISTRICT,
					      ORG_DEPARTMENT, ORG_OTHER,
					      ORG_OTHER, ORG_OTHER};
	enum org_type t = ORG_OTHER;
	if (type) {
		size_t i = 0;
		while (i < 6 && strcasecmp(type, types[i]) != 0)
			i++;
		if (i == 6)
			norm_bad(n, "type", "bad_org_type",
				 "unknown org type \"%s\"", type);
		else
			t = codes[i];
	}
	n->source_id = id;
	if (!id) {
		norm_bad(n, "sourcedId", "missing_value", "required value is empty");
		return;
	}
	uint32_t first;
	if (!idset_put(n->ids[NE_ORG], id_hash_str(id), t, &first)) {
		norm_bad(n, "sourcedId", "duplicate_id", "duplicate id");
		n->duplicate = true;
		return;
	}
	if (t == ORG_DEPARTMENT)
		note_department(n, id, norm_get(n, d, "parentSourcedId"));
	or_map_common(n, d, S_STATUS, -1);
	rec_set(&n->r, S_SOURCE, "oneroster");
	rec_set(&n->r, S_SOURCE_ID, id);
	if (t != ORG_SCHOOL) {
		/* districts and the like give no canonical record */
		if (n->record_errors > n->errors_at)
			norm_reject_id(n, NE_ORG, id);
		return;
	}
	rec_set(&n->r, S_NAME, name);
	rec_set(&n->r, S_SCHOOL_NUMBER, norm_get(n, d, "identifier"));
	norm_emit(n);
}

/* ---- academic sessions --------------------------------------------------- */

/* The school year a term belongs to, as its ending year: schoolYear when
 * it is a year that the dates agree with; else the start date's (from
 * July on, the year that ends next summer). Producers differ on what
 * schoolYear names (most the year a school year ends, as here; 1EdTech's
 * own DataGen sample the year it starts), while dates cannot be read two
 * ways: when the term lies wholly outside July to June of schoolYear, the
 * dates win, with a warning. A schoolYear that is not a year is a warning
 * too. 0: none. */
static int term_year(norm *n, const char *sy, const char *start,
		     const char *end)
{
	int year = 0, from_dates = 0;
	if (start) {
		int y = atoi(start), m = atoi(start + 5);
		from_dates = m >= 7 ? y + 1 : y;
	}
	if (sy && strlen(sy) == 4 && strspn(sy, "0123456789") == 4 &&
	    atoi(sy) >= 1901 && atoi(sy) <= 2200)
		year = atoi(sy);
	else if (sy)
		norm_warn(n, "schoolYear", "bad_school_year",
			  "not a four-digit year: \"%s\": the school year is "
			  "taken from the start date", sy);
	if (year && start) {
		char from[32], to[32];
		snprintf(from, sizeof from, "%04d-07-01", year - 1);
		snprintf(to, sizeof to, "%04d-06-30", year);
		const char *last = end ? end : start;
		if (strcmp(last, from) < 0 || strcmp(start, to) > 0) {
			norm_warn(n, "schoolYear", "school_year_dates",
				  "%d disagrees with the dates (%s to %s): "
				  "school_year %d-%d from the start date", year,
				  start, end ? end : "open", from_dates - 1,
				  from_dates);
			year = 0;
		}
	}
	return year ? year : from_dates;
}

static void map_session(norm *n, const cJSON *d)
{
	norm_begin(n, &REC_TERM);
	const char *id = or_row_id(n, d, NE_TERM);
	rec_set(&n->r, T_SOURCE, "oneroster");
	rec_set(&n->r, T_SOURCE_ID, id);
	or_map_common(n, d, T_STATUS, -1);
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
	const char *start = norm_date(n, "startDate", norm_get(n, d, "startDate"),
				      false);
	const char *end = norm_date(n, "endDate", norm_get(n, d, "endDate"), false);
	if (start && end && strcmp(start, end) > 0)
		norm_bad(n, "endDate", "bad_date_range",
			 "ends before it starts (%s > %s)", start, end);
	int year = term_year(n, norm_get(n, d, "schoolYear"), start, end);
	if (!id)
		return;
	rec_set(&n->r, T_NAME, required(n, d, "title"));
	rec_set(&n->r, T_START_DATE, start);
	rec_set(&n->r, T_END_DATE, end);
	if (year) {
		char buf[16];
		school_year_ending(year, buf);
		rec_set_copy(&n->r, T_SCHOOL_YEAR, buf);
	}
	norm_emit(n);
}

/* ---- courses and classes ------------------------------------------------ */

static void map_course(norm *n, const cJSON *d)
{
	n->what = "course";
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
	if (n->record_errors) /* classes of a rejected course are held */
		norm_reject_id(n, NE_COURSE, id);
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
	norm_begin(n, &REC_SECTION);
	const char *id = or_row_id(n, d, NE_SECTION);
	rec_set(&n->r, C_SOURCE, "oneroster");
	rec_set(&n->r, C_SOURCE_ID, id);
	or_map_common(n, d, C_STATUS, -1);
	const char *school = required(n, d, "schoolSourcedId");
	if (school)
		rec_set(&n->r, C_SCHOOL_ID,
			or_school_ref(n, "schoolSourcedId", school));
	const char *course = required(n, d, "courseSourcedId");
	uint32_t ci;
	if (course && norm_ref(n, NE_COURSE, "courseSourcedId", course) &&
	    idset_get(n->ids[NE_COURSE], id_hash_str(course), &ci))
		rec_set(&n->r, C_COURSE, n->course_title[ci]);
	const char *type = required(n, d, "classType");
	if (type && strcasecmp(type, "scheduled") != 0 &&
	    strcasecmp(type, "homeroom") != 0)
		norm_bad(n, "classType", "bad_class_type",
			 "\"%s\" is not homeroom or scheduled", type);
	norm_split(n, required(n, d, "termSourcedIds"), add_term, NULL);
	rec_list_sort_unique(&n->r, C_TERM_IDS);
	if (!id)
		return;
	rec_set(&n->r, C_NAME, required(n, d, "title"));
	rec_set(&n->r, C_PERIOD, list_cell(n, d, "periods"));
	rec_set(&n->r, C_SUBJECT, list_cell(n, d, "subjects"));
	norm_emit(n);
}

/* ---- enrollments and demographics ---------------------------------------- */

static void map_enrollment(norm *n, const cJSON *d)
{
	norm_begin(n, &REC_ENROLLMENT);
	const char *id = norm_get(n, d, "sourcedId");
	n->source_id = id;
	if (!id)
		norm_bad(n, "sourcedId", "missing_value", "required value is empty");
	or_map_common(n, d, E_STATUS, -1);
	const char *section = required(n, d, "classSourcedId");
	const char *user = required(n, d, "userSourcedId");
	const char *school = required(n, d, "schoolSourcedId");
	const char *role = required(n, d, "role");
	rec_set(&n->r, E_SOURCE, "oneroster");
	rec_set(&n->r, E_SECTION_ID, section);
	rec_set(&n->r, E_USER_ID, user);
	const char *canon = role ? role_code(role) : NULL;
	if (role && !canon)
		norm_bad(n, "role", "bad_role", "unknown role \"%s\"", role);
	if (section)
		norm_ref(n, NE_SECTION, "classSourcedId", section);
	if (user)
		norm_ref(n, NE_USER, "userSourcedId", user);
	if (school)
		or_school_ref(n, "schoolSourcedId", school);
	norm_opt_date(n, "beginDate", norm_get(n, d, "beginDate"), false);
	norm_opt_date(n, "endDate", norm_get(n, d, "endDate"), false);
	rec_set(&n->r, E_ROLE, canon);
	norm_emit(n);
}

static void map_demographic(norm *n, const cJSON *d)
{
	n->what = "demographics row";
	const char *id = or_row_id(n, d, NE_DEMOGRAPHIC);
	or_map_common(n, d, -1, -1);
	const char *born = norm_opt_date(n, "birthDate",
					 norm_get(n, d, "birthDate"), true);
	if (!id || !norm_ref(n, NE_USER, "sourcedId", id))
		return;
	/* a row the source marks tobedeleted or inactive takes its values
	 * with it: the user's birth date is then one the feed does not give */
	const char *status = norm_get(n, d, "status");
	if (status && (strcasecmp(status, "tobedeleted") == 0 ||
		       strcasecmp(status, "inactive") == 0))
		return;
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
		{"roles", or_map_role},	       {"users", or_map_user},
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

/*
 * birth_date comes from demographics.csv, which comes last: when the feed
 * has it, users are mapped as they come (so that what refers to a rejected
 * one is known) but written to a temporary file, and written out at the
 * end with their birth dates.
 */
static void spool_users(norm *n)
{
	if (n->spool_w)
		return;
	if (!(n->spool = tmpfile()))
		rp_die(RP_EXIT_IO, "cannot create a temporary file: %s",
		       strerror(errno));
	n->spool_w = nd_writer_new(fileno(n->spool));
}

/* A raw OneRoster record: a CSV row, or a REST object read as one. */
static void oneroster_raw(norm *n, const cJSON *o, const char *entity,
			  const cJSON *data, const char *text, size_t len)
{
	(void)text;
	(void)len;
	if (strcmp(entity, "users") == 0 && n->present[NE_DEMOGRAPHIC])
		spool_users(n);
	const char *format = nd_get_str(o, "format");
	if (format && strcmp(format, "rest") == 0) {
		cJSON *columns = rest_columns(data);
		n->rest_obj = data;
		oneroster_map(n, entity, columns);
		n->rest_obj = NULL;
		cJSON_Delete(columns);
		return;
	}
	oneroster_map(n, entity, data);
}

static int oneroster_finish(norm *n)
{
	if (or_replay_users(n) != 0)
		return -1;
	or_unused_roles(n);
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
