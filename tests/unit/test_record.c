#include "record.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "arena.h"
#include "harness.h"
#include "ndjson.h"
#include "xalloc.h"

/* ---- helpers ------------------------------------------------------------ */

/* A writer on a temporary file whose bytes are read back afterwards. */
struct sink {
	char path[64];
	int fd;
};

static nd_writer *sink_open(struct sink *s)
{
	strcpy(s->path, "/tmp/test_record.XXXXXX");
	s->fd = mkstemp(s->path);
	return nd_writer_new(s->fd);
}

/* Closes w and returns the bytes written (owned by the caller). */
static char *sink_close(struct sink *s, nd_writer *w)
{
	nd_writer_close(w);
	off_t size = lseek(s->fd, 0, SEEK_END);
	char *buf = xmalloc((size_t)size + 1);
	ssize_t n = pread(s->fd, buf, (size_t)size, 0);
	buf[n > 0 ? n : 0] = '\0';
	close(s->fd);
	unlink(s->path);
	return buf;
}

/* rec_write of r as a string (owned by the caller). */
static char *written(const rec *r)
{
	struct sink s;
	nd_writer *w = sink_open(&s);
	rec_write(w, r);
	return sink_close(&s, w);
}

/* rec_from_json of the JSON text into r; the message, or NULL. The parsed
 * tree is kept in *tree, since rec_set stores its strings as they are. */
static const char *from_text(rec *r, const char *json, cJSON **tree)
{
	*tree = cJSON_Parse(json);
	return *tree ? rec_from_json(r, *tree) : "unparsable test input";
}

/* ---- schema ------------------------------------------------------------- */

static void test_schema(void)
{
	CHECK(rec_entity_of("user") == &REC_USER, "entity: user");
	CHECK(rec_entity_of("school") == &REC_SCHOOL &&
		      rec_entity_of("term") == &REC_TERM &&
		      rec_entity_of("section") == &REC_SECTION &&
		      rec_entity_of("enrollment") == &REC_ENROLLMENT &&
		      rec_entity_of("appointment") == &REC_APPOINTMENT,
	      "entity: every type by name");
	CHECK(rec_entity_of("User") == NULL, "entity: case-sensitive");
	CHECK(rec_entity_of("course") == NULL, "entity: unknown is NULL");
	CHECK(rec_entity_of("") == NULL, "entity: empty is NULL");

	CHECK(rec_field_index(&REC_USER, "email") == U_EMAIL,
	      "field index: user email");
	CHECK(rec_field_index(&REC_USER, "id") == U_ID, "field index: user id");
	CHECK(rec_field_index(&REC_USER, "manual") == U_MANUAL &&
		      REC_USER.nfields == U_MANUAL + 1,
	      "field index: manual is the last user field");
	CHECK(rec_field_index(&REC_USER, "nope") == -1,
	      "field index: unknown is -1");
	CHECK(rec_field_index(&REC_USER, "Email") == -1,
	      "field index: case-sensitive");

	/* the enums agree with the tables */
	CHECK(REC_SCHOOL.nfields == S_AUTOMATION_ENABLED + 1 &&
		      rec_field_index(&REC_SCHOOL, "high_grade") == S_HIGH_GRADE &&
		      REC_SCHOOL.fields[S_IMPORT_ENABLED].kind == K_BOOL,
	      "schema: school enum matches its table");
	CHECK(REC_TERM.nfields == T_SCHOOL_YEAR + 1 &&
		      rec_field_index(&REC_TERM, "start_date") == T_START_DATE,
	      "schema: term enum matches its table");
	CHECK(REC_SECTION.nfields == C_SUBJECT + 1 &&
		      rec_field_index(&REC_SECTION, "term_ids") == C_TERM_IDS &&
		      REC_SECTION.fields[C_TERM_IDS].kind == K_LIST,
	      "schema: section enum matches its table");
	CHECK(REC_ENROLLMENT.nfields == E_ROLE + 1 &&
		      rec_field_index(&REC_ENROLLMENT, "user_id") == E_USER_ID,
	      "schema: enrollment enum matches its table");
	CHECK(REC_APPOINTMENT.nfields == A_CREATED + 1 &&
		      rec_field_index(&REC_APPOINTMENT, "title") == A_TITLE,
	      "schema: appointment enum matches its table");
	CHECK(rec_field_index(&REC_USER, "school_ids") == U_SCHOOL_IDS &&
		      REC_USER.fields[U_SCHOOL_IDS].kind == K_LIST &&
		      rec_field_index(&REC_USER, "ids") == U_IDS &&
		      REC_USER.fields[U_IDS].kind == K_MAP &&
		      rec_field_index(&REC_USER, "birth_date") == U_BIRTH_DATE &&
		      rec_field_index(&REC_USER, "deleted_at") == U_DELETED_AT,
	      "schema: user enum matches its table");
	CHECK(REC_USER.fields[U_DELETED_AT].flags == RF_STATE &&
		      REC_USER.fields[U_MODIFIED].flags == RF_NODIFF,
	      "schema: user flags");

	const struct rec_entity *all[] = {&REC_SCHOOL, &REC_TERM,
					  &REC_SECTION, &REC_ENROLLMENT,
					  &REC_USER, &REC_APPOINTMENT};
	int fits = 1;
	for (size_t i = 0; i < sizeof all / sizeof *all; i++)
		if (all[i]->nfields > REC_MAX_FIELDS)
			fits = 0;
	CHECK(fits, "schema: every entity fits REC_MAX_FIELDS");
}

/* ---- values ------------------------------------------------------------- */

static void test_values(void)
{
	rp_arena *a = arena_new();
	rec r;
	rec_init(&r, &REC_USER, a);

	CHECK(rec_str(&r, U_EMAIL) == NULL, "init: strings absent");
	CHECK(r.v[U_MANUAL].b == -1, "init: bools absent");
	rec_set(&r, U_GIVEN_NAME, "");
	CHECK(rec_str(&r, U_GIVEN_NAME) == NULL, "rec_set: \"\" stays absent");
	rec_set(&r, U_GIVEN_NAME, NULL);
	CHECK(rec_str(&r, U_GIVEN_NAME) == NULL, "rec_set: NULL stays absent");
	rec_set(&r, U_GIVEN_NAME, "Ana");
	CHECK_STR(rec_str(&r, U_GIVEN_NAME), "Ana", "rec_set: value");
	rec_set(&r, U_GIVEN_NAME, "");
	CHECK(rec_str(&r, U_GIVEN_NAME) == NULL, "rec_set: \"\" clears a value");

	char buf[] = "ana@x.example";
	rec_set_copy(&r, U_EMAIL, buf);
	buf[0] = 'X';
	CHECK_STR(rec_str(&r, U_EMAIL), "ana@x.example",
		  "rec_set_copy: a copy, not the caller's buffer");
	rec_set_copy(&r, U_USERNAME, "");
	CHECK(rec_str(&r, U_USERNAME) == NULL, "rec_set_copy: \"\" is absent");

	const char *in[] = {"s2", "s1", "s3", "s1", "s2", "s2"};
	for (size_t i = 0; i < 6; i++)
		rec_list_add(&r, U_SCHOOL_IDS, in[i]);
	rec_list_sort_unique(&r, U_SCHOOL_IDS);
	const struct rec_val *l = &r.v[U_SCHOOL_IDS];
	CHECK(l->n == 3 && strcmp(l->items[0], "s1") == 0 &&
		      strcmp(l->items[1], "s2") == 0 &&
		      strcmp(l->items[2], "s3") == 0,
	      "list: sorted, duplicates removed");
	for (int i = 0; i < 40; i++) {
		char id[16];
		snprintf(id, sizeof id, "x%02d", 39 - i);
		rec_list_add(&r, U_SCHOOL_IDS, id);
	}
	rec_list_sort_unique(&r, U_SCHOOL_IDS);
	CHECK(l->n == 43 && strcmp(l->items[3], "x00") == 0 &&
		      strcmp(l->items[42], "x39") == 0,
	      "list: grows past its first allocation");

	rec_map_put(&r, U_IDS, "sis", "S1");
	rec_map_put(&r, U_IDS, "clever", "c9");
	rec_map_put(&r, U_IDS, "ad", "a1");
	rec_map_put(&r, U_IDS, "sis", "S2");
	CHECK(r.v[U_IDS].n == 3, "map: a key put twice is one pair");
	CHECK_STR(rec_map_get(&r, U_IDS, "sis"), "S2",
		  "map: second put replaces the value");
	CHECK(rec_map_get(&r, U_IDS, "nope") == NULL, "map: missing key NULL");
	rec_map_sort(&r, U_IDS);
	const struct rec_val *m = &r.v[U_IDS];
	CHECK(strcmp(m->items[0], "ad") == 0 && strcmp(m->items[1], "a1") == 0 &&
		      strcmp(m->items[2], "clever") == 0 &&
		      strcmp(m->items[3], "c9") == 0 &&
		      strcmp(m->items[4], "sis") == 0 &&
		      strcmp(m->items[5], "S2") == 0,
	      "map: sorted by key, values with their keys");
	CHECK_STR(rec_map_get(&r, U_IDS, "clever"), "c9",
		  "map: get after sorting");

	rec_set_bool(&r, U_MANUAL, false);
	CHECK(r.v[U_MANUAL].b == 0, "bool: false is 0, present");
	arena_free(a);
}

/* ---- writing and reading ------------------------------------------------ */

static const char user_line[] =
	"{\"type\":\"user\",\"id\":\"u1\",\"source\":\"sis\",\"source_id\":\"S1\","
	"\"status\":\"active\",\"role\":\"student\",\"school_ids\":[\"s1\",\"s2\"],"
	"\"middle_name\":\"Jos\xc3\xa9 \\\"J\\\"\",\"family_name\":\"Reyes\","
	"\"email\":\"ana@x.example\",\"grade\":\"09\","
	"\"ids\":{\"clever\":\"c9\",\"sis\":\"S1\"},\"manual\":false}\n";

static void make_user(rec *r, rp_arena *a)
{
	rec_init(r, &REC_USER, a);
	rec_set(r, U_ID, "u1");
	rec_set(r, U_SOURCE, "sis");
	rec_set(r, U_SOURCE_ID, "S1");
	rec_set(r, U_STATUS, "active");
	rec_set(r, U_ROLE, "student");
	rec_list_add(r, U_SCHOOL_IDS, "s2");
	rec_list_add(r, U_SCHOOL_IDS, "s1");
	rec_list_add(r, U_SCHOOL_IDS, "s2");
	rec_list_sort_unique(r, U_SCHOOL_IDS);
	rec_set(r, U_GIVEN_NAME, "");
	rec_set(r, U_MIDDLE_NAME, "Jos\xc3\xa9 \"J\"");
	rec_set(r, U_FAMILY_NAME, "Reyes");
	rec_set_copy(r, U_EMAIL, "ana@x.example");
	rec_set(r, U_GRADE, "09");
	rec_map_put(r, U_IDS, "sis", "S1");
	rec_map_put(r, U_IDS, "clever", "c9");
	rec_map_sort(r, U_IDS);
	rec_set_bool(r, U_MANUAL, false);
}

static void test_write(void)
{
	rp_arena *a = arena_new();
	rec r;
	make_user(&r, a);
	char *got = written(&r);
	CHECK_STR(got, user_line,
		  "rec_write: user in schema order, absent fields omitted");
	free(got);

	/* a list present but empty is [], a map present but empty is {} */
	rec s;
	rec_init(&s, &REC_USER, a);
	rec_set(&s, U_ID, "u2");
	rec_list_add(&s, U_SCHOOL_IDS, NULL);
	rec_set_bool(&s, U_IGNORE_ON_IMPORT, true);
	got = written(&s);
	CHECK_STR(got,
		  "{\"type\":\"user\",\"id\":\"u2\",\"school_ids\":[],"
		  "\"ignore_on_import\":true}\n",
		  "rec_write: empty list as [], absent map omitted");
	free(got);

	rec e;
	rec_init(&e, &REC_ENROLLMENT, a);
	got = written(&e);
	CHECK_STR(got, "{\"type\":\"enrollment\"}\n",
		  "rec_write: a record with nothing set");
	free(got);

	/* rec_write_field: null when absent */
	struct sink sk;
	nd_writer *w = sink_open(&sk);
	nd_begin(w);
	rec_write_field(w, &r, U_GIVEN_NAME);
	rec_write_field(w, &r, U_FAMILY_NAME);
	rec_write_field(w, &r, U_SCHOOL_IDS);
	rec_write_field(w, &r, U_IDS);
	rec_write_field(w, &r, U_MANUAL);
	rec_write_field(w, &r, U_IGNORE_ON_IMPORT);
	rec_write_field(w, &s, U_IDS);
	nd_end(w);
	got = sink_close(&sk, w);
	CHECK_STR(got,
		  "{\"given_name\":null,\"family_name\":\"Reyes\","
		  "\"school_ids\":[\"s1\",\"s2\"],"
		  "\"ids\":{\"clever\":\"c9\",\"sis\":\"S1\"},\"manual\":false,"
		  "\"ignore_on_import\":null,\"ids\":null}\n",
		  "rec_write_field: values, and null when absent");
	free(got);
	arena_free(a);
}

static void test_round_trip(void)
{
	rp_arena *a = arena_new();
	rec r;
	cJSON *tree;
	rec_init(&r, &REC_USER, a);
	const char *why = from_text(&r, user_line, &tree);
	CHECK(why == NULL, "rec_from_json: the written user line is accepted");
	char *again = written(&r);
	CHECK_STR(again, user_line, "rec_from_json: round trip, same bytes");
	free(again);
	CHECK_STR(rec_str(&r, U_MIDDLE_NAME), "Jos\xc3\xa9 \"J\"",
		  "rec_from_json: escapes decoded");
	CHECK(r.v[U_MANUAL].b == 0 && r.v[U_IGNORE_ON_IMPORT].b == -1,
	      "rec_from_json: false is 0, missing bool absent");
	cJSON_Delete(tree);

	arena_reset(a);
	rec_init(&r, &REC_SECTION, a);
	why = from_text(&r,
			"{\"type\":\"section\",\"id\":\"c1\",\"term_ids\":[],"
			"\"name\":\"\",\"course\":null,\"extra\":[1,2],"
			"\"period\":\"3\"}",
			&tree);
	CHECK(why == NULL, "rec_from_json: null and unknown members accepted");
	again = written(&r);
	CHECK_STR(again,
		  "{\"type\":\"section\",\"id\":\"c1\",\"term_ids\":[],"
		  "\"period\":\"3\"}\n",
		  "rec_from_json: [] kept, \"\" and null absent, unknown dropped");
	free(again);
	cJSON_Delete(tree);

	arena_reset(a);
	rec_init(&r, &REC_USER, a);
	why = from_text(&r, "{\"type\":\"user\",\"ids\":{}}", &tree);
	again = written(&r);
	CHECK(why == NULL, "rec_from_json: empty map accepted");
	CHECK_STR(again, "{\"type\":\"user\",\"ids\":{}}\n",
		  "rec_from_json: empty map kept as {}");
	free(again);
	cJSON_Delete(tree);
	arena_free(a);
}

static void test_wrong_types(void)
{
	static const struct {
		const char *json, *why;
	} cases[] = {
		{"{\"email\":5}", "email: must be a string"},
		{"{\"email\":true}", "email: must be a string"},
		{"{\"manual\":\"yes\"}", "manual: must be true or false"},
		{"{\"manual\":1}", "manual: must be true or false"},
		{"{\"school_ids\":\"s1\"}",
		 "school_ids: must be an array of strings"},
		{"{\"school_ids\":[\"s1\",2]}",
		 "school_ids: must be an array of strings"},
		{"{\"ids\":[]}", "ids: must be an object of strings"},
		{"{\"ids\":{\"a\":\"1\",\"b\":2}}",
		 "ids: must be an object of strings"},
		{"{\"id\":{},\"email\":5}", "id: must be a string"},
	};
	rp_arena *a = arena_new();
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		rec r;
		cJSON *tree;
		char what[128];
		rec_init(&r, &REC_USER, a);
		snprintf(what, sizeof what, "rec_from_json: %s", cases[i].json);
		CHECK_STR(from_text(&r, cases[i].json, &tree), cases[i].why,
			  what);
		cJSON_Delete(tree);
	}
	arena_free(a);
}

static void test_equal(void)
{
	rp_arena *a = arena_new();
	rec x, y;
	make_user(&x, a);
	make_user(&y, a);
	int all = 1;
	for (int f = 0; f < REC_USER.nfields; f++)
		if (!rec_field_equal(&x, &y, f))
			all = 0;
	CHECK(all, "equal: two identical records equal on every field");

	rec_set(&y, U_FAMILY_NAME, "Reyes-Diaz");
	CHECK(!rec_field_equal(&x, &y, U_FAMILY_NAME), "equal: strings differ");
	rec_set(&y, U_FAMILY_NAME, NULL);
	CHECK(!rec_field_equal(&x, &y, U_FAMILY_NAME) &&
		      !rec_field_equal(&y, &x, U_FAMILY_NAME),
	      "equal: absent and present string differ");
	char copy[] = "Reyes";
	rec_set(&y, U_FAMILY_NAME, copy);
	CHECK(rec_field_equal(&x, &y, U_FAMILY_NAME),
	      "equal: strings compared by value, not pointer");
	CHECK(rec_field_equal(&x, &y, U_USERNAME),
	      "equal: both absent strings equal");

	rec_list_add(&y, U_SCHOOL_IDS, "s3");
	CHECK(!rec_field_equal(&x, &y, U_SCHOOL_IDS),
	      "equal: list with an extra item differs");
	rec_init(&y, &REC_USER, a);
	rec_list_add(&y, U_SCHOOL_IDS, "s1");
	rec_list_add(&y, U_SCHOOL_IDS, "s9");
	CHECK(!rec_field_equal(&x, &y, U_SCHOOL_IDS),
	      "equal: list with a different item differs");

	rec_map_put(&y, U_IDS, "clever", "c9");
	rec_map_put(&y, U_IDS, "sis", "S9");
	CHECK(!rec_field_equal(&x, &y, U_IDS), "equal: map value differs");
	rec_init(&y, &REC_USER, a);
	rec_map_put(&y, U_IDS, "clever", "c9");
	rec_map_put(&y, U_IDS, "sjs", "S1");
	CHECK(!rec_field_equal(&x, &y, U_IDS), "equal: map key differs");
	rec_init(&y, &REC_USER, a);
	rec_map_put(&y, U_IDS, "sis", "S1");
	rec_map_put(&y, U_IDS, "clever", "c9");
	rec_map_sort(&y, U_IDS);
	CHECK(rec_field_equal(&x, &y, U_IDS),
	      "equal: maps with the same pairs, sorted");

	CHECK(!rec_field_equal(&x, &y, U_MANUAL),
	      "equal: false and absent bool differ");
	rec_set_bool(&y, U_MANUAL, true);
	CHECK(!rec_field_equal(&x, &y, U_MANUAL), "equal: false and true differ");
	rec_set_bool(&y, U_MANUAL, false);
	CHECK(rec_field_equal(&x, &y, U_MANUAL), "equal: false and false");
	CHECK(rec_field_equal(&x, &y, U_IGNORE_ON_IMPORT),
	      "equal: both absent bools equal");
	arena_free(a);
}

/*
 * Sorting an absent (never put) map or list must be a no-op. Run in a child
 * with its standard error in a file: a sanitizer build reports undefined
 * behaviour there (or aborts), which a plain build cannot see.
 */
static void sort_absent(void)
{
	FILE *f = tmpfile();
	dup2(fileno(f), STDERR_FILENO);
	rp_arena *a = arena_new();
	rec r;
	rec_init(&r, &REC_USER, a);
	rec_list_sort_unique(&r, U_SCHOOL_IDS);
	rec_map_sort(&r, U_IDS);
	int quiet = ftell(f) == 0 && lseek(STDERR_FILENO, 0, SEEK_END) == 0;
	arena_free(a);
	fclose(f);
	_exit(quiet ? 0 : 2);
}

static void test_sort_absent(void)
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0)
		sort_absent();
	int status = -1;
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "sort: absent list and map sort without undefined behaviour");
}

int main(void)
{
	test_schema();
	test_values();
	test_write();
	test_round_trip();
	test_wrong_types();
	test_equal();
	test_sort_absent();
	TEST_END();
}
