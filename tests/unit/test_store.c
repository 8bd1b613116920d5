/*
 * The store (store.h) on temporary SQLite files: opening and creating,
 * versions, saving and loading every entity, ids never reused, look-ups,
 * meta values, the journal, snapshots and backups. Plain checks: these are
 * calls and their answers rather than data in, data out.
 */
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "arena.h"
#include "err.h"
#include "harness.h"
#include "cases.h"
#include "ndjson.h"
#include "record.h"
#include "state.h"

static char dir[64];

static const char *path_of(const char *name)
{
	static char path[4][4096];
	static int k;
	k = (k + 1) % 4;
	snprintf(path[k], sizeof path[k], "%s/%s", dir, name);
	return path[k];
}

static void remove_db(const char *name)
{
	char p[4200];
	snprintf(p, sizeof p, "%s", path_of(name));
	unlink(p);
	strcat(p, "-wal");
	unlink(p);
	p[strlen(p) - 4] = '\0';
	strcat(p, "-shm");
	unlink(p);
}

/* A record from its JSON text (the tree is kept: rec_from_json stores the
 * strings as they are). */
static cJSON *trees[64];
static int ntrees;

static rec from_json(rp_arena *a, const char *json)
{
	rec r;
	cJSON *o = cJSON_Parse(json);
	const char *type = o ? nd_get_str(o, "type") : NULL;
	const struct rec_entity *e = type ? rec_entity_of(type) : NULL;
	if (!e || ntrees == 64)
		cases_die("test_store: bad test record %s", json);
	rec_init(&r, e, a);
	const char *why = rec_from_json(&r, o);
	if (why)
		cases_die("test_store: %s: %s", json, why);
	trees[ntrees++] = o;
	return r;
}

static void free_trees(void)
{
	while (ntrees)
		cJSON_Delete(trees[--ntrees]);
}

/* What a writer call wrote, as a string (caller frees). */
static char *written_rec(const rec *r)
{
	int fd = cases_tmpfd();
	nd_writer *w = nd_writer_new(fd);
	rec_write(w, r);
	nd_writer_close(w);
	char *text = cases_slurp_fd(fd);
	close(fd);
	return text;
}

static char *snapshot_of(store *s, const char *entities, const char *school)
{
	int fd = cases_tmpfd();
	nd_writer *w = nd_writer_new(fd);
	int rc = state_write(s, w, entities, school);
	nd_writer_close(w);
	char *text = cases_slurp_fd(fd);
	close(fd);
	if (rc != 0) {
		free(text);
		return cases_strdup("(snapshot failed)");
	}
	return text;
}

/* Inserts a record as n (a fresh id), in its own transaction. */
static void insert(store *s, rp_arena *a, const char *json, long long version)
{
	rec r = from_json(a, json);
	store_begin(s);
	long long n = store_next_n(s, r.ent);
	char id[32];
	snprintf(id, sizeof id, "%c%lld", store_id_letter(r.ent), n);
	rec_set_copy(&r, 0, id);
	if (store_insert(s, &r, n, version) != 0 || store_commit(s) != 0)
		cases_die("test_store: insert %s: %s", json, store_errmsg(s));
}

/* ---- opening ------------------------------------------------------------- */

static int open_missing(void *ctx, int out_fd)
{
	(void)out_fd;
	rp_setprog("test_store");
	store *s = store_open(ctx, false);
	store_close(s);
	return s ? 0 : 4;
}

static void test_open(void)
{
	const char *missing = path_of("missing.db");
	struct case_result res;
	case_run(open_missing, (void *)missing, &res);
	CHECK(res.status == 4, "open: a missing store without create is refused");
	char want[4200];
	snprintf(want, sizeof want, "test_store: %s: unable to open database file\n", missing);
	CHECK_STR(res.err, want, "open: the message names the path");
	case_result_free(&res);
	CHECK(access(missing, F_OK) != 0, "open: a refused open creates no file");

	store *s = store_open(path_of("new.db"), true);
	CHECK(s != NULL, "open: create makes a new store");
	CHECK(store_version(s) == 0, "open: a new store is at version 0");
	CHECK(!store_has_no_tables(s), "open: a new SQLite store has its tables");
	CHECK(store_is_empty(s, &REC_USER) == 1 && store_is_empty(s, &REC_SCHOOL) == 1,
	      "open: a new store has no records");
	CHECK(store_bump_version(s) == 1 && store_bump_version(s) == 2 &&
		      store_version(s) == 2,
	      "version: each bump adds one");
	store_close(s);
	s = store_open(path_of("new.db"), false);
	CHECK(s && store_version(s) == 2, "version: kept when the store is opened again");
	store_close(s);
	remove_db("new.db");
	remove_db("missing.db");
}

/* A run that made a store and applied nothing removes it (store_unmake),
 * and never with another run's plan in it: the version is checked, and the
 * file removed, under the writer's lock; a writer that opened the file
 * before it went finds it gone once it holds the lock. */
static void test_unmake(void)
{
	const char *path = path_of("made.db");
	store *made = store_open(path, true), *other = store_open(path, true);
	CHECK(made && other && store_made_now(made) && !store_made_now(other),
	      "unmake: the first open made the store, the second found it");
	CHECK(store_unmake(other, false) == 0 && access(path, F_OK) == 0,
	      "unmake: a file the caller did not make is kept");
	CHECK(store_unmake(made, true) == 1, "unmake: an empty store this run made is removed");
	CHECK(access(path, F_OK) != 0, "unmake: its file is gone");
	CHECK(store_begin(other) != 0, "unmake: a writer whose file went cannot begin");
	CHECK(strstr(store_errmsg(other), "removed or replaced while this run waited") != NULL,
	      "unmake: and says why");
	store_close(made);
	store_close(other);
	remove_db("made.db");

	made = store_open(path, true);
	other = store_open(path, true);
	CHECK(store_begin(other) == 0 && store_bump_version(other) == 1 &&
		      store_commit(other) == 0,
	      "unmake: another run applies a plan to the store this run made");
	CHECK(store_unmake(made, true) == 0, "unmake: then it is kept");
	CHECK(access(path, F_OK) == 0 && store_version(made) == 1,
	      "unmake: with the other run's plan in it");
	store_close(made);
	store_close(other);
	remove_db("made.db");

	/* replaced by a new file at the same name: not the store it opened */
	other = store_open(path, true);
	remove_db("made.db");
	made = store_open(path, true);
	CHECK(store_begin(other) != 0, "unmake: a writer whose file was replaced cannot begin");
	store_close(made);
	store_close(other);
	remove_db("made.db");
}

static void test_ids(void)
{
	long long n = 0;
	CHECK(store_entity_of_id("u17", &n) == &REC_USER && n == 17, "id: u17 is user 17");
	CHECK(store_entity_of_id("s1", &n) == &REC_SCHOOL && n == 1 &&
		      store_entity_of_id("t2", &n) == &REC_TERM &&
		      store_entity_of_id("c3", &n) == &REC_SECTION &&
		      store_entity_of_id("e4", &n) == &REC_ENROLLMENT &&
		      store_entity_of_id("a5", &n) == &REC_APPOINTMENT && n == 5,
	      "id: a letter per entity (s t c e u a)");
	CHECK(store_entity_of_id("u0", &n) == NULL && store_entity_of_id("u01", &n) == NULL &&
		      store_entity_of_id("u1x", &n) == NULL &&
		      store_entity_of_id("x1", &n) == NULL &&
		      store_entity_of_id("u", &n) == NULL &&
		      store_entity_of_id("U1", &n) == NULL,
	      "id: u0, u01, u1x, x1, u, U1 are not ids");
	CHECK(store_id_letter(&REC_USER) == 'u' && store_id_letter(&REC_SECTION) == 'c' &&
		      store_id_letter(&REC_APPOINTMENT) == 'a',
	      "id: letters of entities");
}

/* ---- records ------------------------------------------------------------- */

static const char *const one_of_each[] = {
	"{\"type\":\"school\",\"id\":\"s1\",\"source\":\"oneroster\",\"source_id\":\"sch-1\",\"name\":\"Oak\",\"school_number\":\"0001\",\"low_grade\":\"KG\",\"high_grade\":\"05\",\"import_enabled\":false,\"automation_enabled\":true}\n",
	"{\"type\":\"term\",\"id\":\"t1\",\"source\":\"oneroster\",\"source_id\":\"t-1\",\"name\":\"Fall\",\"kind\":\"semester\",\"start_date\":\"2026-08-20\",\"end_date\":\"2026-12-20\",\"school_year\":\"2026-2027\"}\n",
	"{\"type\":\"section\",\"id\":\"c1\",\"source\":\"oneroster\",\"source_id\":\"cls-1\",\"school_id\":\"s1\",\"term_ids\":[\"t1\",\"t2\"],\"name\":\"Math 3\",\"course\":\"Mathematics\",\"period\":\"1,2\",\"subject\":\"Math\"}\n",
	"{\"type\":\"enrollment\",\"id\":\"e1\",\"source\":\"oneroster\",\"section_id\":\"c1\",\"user_id\":\"u1\",\"role\":\"student\"}\n",
	"{\"type\":\"user\",\"id\":\"u1\",\"source\":\"oneroster\",\"source_id\":\"stu-1\",\"role\":\"student\",\"school_ids\":[\"s1\",\"s2\"],\"given_name\":\"Ana\",\"middle_name\":\"Jos\xc3\xa9\",\"family_name\":\"Reyes\",\"email\":\"ana@x.example\",\"username\":\"areyes\",\"sis_id\":\"1001\",\"state_id\":\"ST-1\",\"student_number\":\"1001\",\"grade\":\"03\",\"birth_date\":\"2017-03-04\",\"ids\":{\"google\":\"g-1\",\"oneroster\":\"stu-1\",\"sis\":\"1001\"},\"modified\":\"2026-06-01T00:00:00Z\",\"deleted_at\":\"2026-07-01T00:00:00Z\",\"ignore_on_import\":true,\"manual\":false}\n",
	"{\"type\":\"appointment\",\"id\":\"a1\",\"school_id\":\"s1\",\"user_id\":\"u1\",\"staff_id\":\"u2\",\"starts_at\":\"2026-03-01T10:00:00Z\",\"ends_at\":\"2026-03-01T10:30:00Z\",\"school_year\":\"2025-2026\",\"title\":\"Check-in\",\"created\":\"2026-02-01T00:00:00Z\"}\n",
};

static void test_round_trip(void)
{
	store *s = store_open(path_of("rt.db"), true);
	rp_arena *a = arena_new();
	for (size_t i = 0; i < sizeof one_of_each / sizeof *one_of_each; i++) {
		rec r = from_json(a, one_of_each[i]), back = {.arena = a};
		long long version = -1;
		char what[96];
		store_begin(s);
		CHECK(store_next_n(s, r.ent) == 1, "save: the first id of an entity is 1");
		int saved = store_save(s, &r, 1, 7);
		store_commit(s);
		snprintf(what, sizeof what, "save and load: a %s, every field, same bytes",
			 r.ent->type);
		CHECK(saved == 0 && store_load(s, r.ent, 1, &back, &version) == 1, what);
		char *text = written_rec(&back);
		CHECK_STR(text, one_of_each[i], what);
		free(text);
		snprintf(what, sizeof what, "load: a %s's row version", r.ent->type);
		CHECK(version == 7, what);
		CHECK(store_load(s, r.ent, 2, &back, NULL) == 0 && store_exists(s, r.ent, 2) == 0 &&
			      store_exists(s, r.ent, 1) == 1,
		      "load: a record that is not there is 0");
	}

	/* a save replaces: side rows of the old record go */
	rec u = from_json(a, "{\"type\":\"user\",\"id\":\"u1\",\"source\":\"oneroster\",\"source_id\":\"stu-1\",\"role\":\"student\",\"school_ids\":[\"s2\"],\"given_name\":\"Ana\",\"family_name\":\"Reyes\",\"ids\":{\"oneroster\":\"stu-1\"}}");
	rec back = {.arena = a};
	store_begin(s);
	store_save(s, &u, 1, 8);
	store_commit(s);
	store_load(s, &REC_USER, 1, &back, NULL);
	char *text = written_rec(&back);
	CHECK_STR(text,
		  "{\"type\":\"user\",\"id\":\"u1\",\"source\":\"oneroster\",\"source_id\":\"stu-1\",\"role\":\"student\",\"school_ids\":[\"s2\"],\"given_name\":\"Ana\",\"family_name\":\"Reyes\",\"ids\":{\"oneroster\":\"stu-1\"},\"ignore_on_import\":false,\"manual\":false}\n",
		  "save: replacing a user clears the old values, lists and ids; absent flags read false");
	free(text);

	/* a school saved without its flags gets them on (import, automation) */
	rec sc = from_json(a, "{\"type\":\"school\",\"id\":\"s2\",\"source\":\"x\",\"source_id\":\"y\",\"name\":\"Elm\"}");
	store_begin(s);
	store_insert(s, &sc, 2, 8);
	store_commit(s);
	store_load(s, &REC_SCHOOL, 2, &back, NULL);
	text = written_rec(&back);
	CHECK_STR(text,
		  "{\"type\":\"school\",\"id\":\"s2\",\"source\":\"x\",\"source_id\":\"y\",\"name\":\"Elm\",\"import_enabled\":true,\"automation_enabled\":true}\n",
		  "insert: a school without its flags has import and automation enabled");
	free(text);
	arena_free(a);
	free_trees();
	store_close(s);
	remove_db("rt.db");
}

static void test_next_ids(void)
{
	store *s = store_open(path_of("ids.db"), true);
	rp_arena *a = arena_new();
	insert(s, a, "{\"type\":\"user\",\"source\":\"x\",\"source_id\":\"1\"}", 1);
	insert(s, a, "{\"type\":\"user\",\"source\":\"x\",\"source_id\":\"2\"}", 1);
	store_begin(s);
	CHECK(store_remove(s, &REC_USER, 2) == 0, "remove: a record");
	store_commit(s);
	CHECK(store_exists(s, &REC_USER, 2) == 0, "remove: it is gone");
	store_begin(s);
	CHECK(store_next_n(s, &REC_USER) == 3, "next id: a removed record's id is not handed out again");
	CHECK(store_next_n(s, &REC_SCHOOL) == 1, "next id: counted per entity");
	store_rollback(s);
	store_begin(s);
	CHECK(store_next_n(s, &REC_USER) == 3,
	      "next id: a rolled-back transaction's ids were never used");
	store_commit(s);
	store_close(s);
	s = store_open(path_of("ids.db"), false);
	store_begin(s);
	CHECK(store_next_n(s, &REC_USER) == 4, "next id: the counter is kept in the store");
	store_rollback(s);
	arena_free(a);
	free_trees();
	store_close(s);
	remove_db("ids.db");
}

/* ---- look-ups ------------------------------------------------------------ */

static const char *const district[] = {
	"{\"type\":\"school\",\"source\":\"oneroster\",\"source_id\":\"sch-1\",\"name\":\"Oak\"}",
	"{\"type\":\"school\",\"source\":\"oneroster\",\"source_id\":\"sch-2\",\"name\":\"Elm\"}",
	"{\"type\":\"term\",\"source\":\"oneroster\",\"source_id\":\"t-1\",\"name\":\"Fall\"}",
	"{\"type\":\"section\",\"source\":\"oneroster\",\"source_id\":\"cls-1\",\"school_id\":\"s1\",\"term_ids\":[\"t1\"],\"name\":\"Math\"}",
	"{\"type\":\"section\",\"source\":\"oneroster\",\"source_id\":\"cls-2\",\"school_id\":\"s2\",\"term_ids\":[\"t1\"],\"name\":\"Art\"}",
	"{\"type\":\"user\",\"source\":\"oneroster\",\"source_id\":\"stu-1\",\"role\":\"student\",\"school_ids\":[\"s1\"],\"ids\":{\"oneroster\":\"stu-1\"}}",
	"{\"type\":\"user\",\"source\":\"clever\",\"source_id\":\"c-2\",\"role\":\"student\",\"school_ids\":[\"s1\"],\"ids\":{\"clever\":\"c-2\",\"oneroster\":\"stu-2\"}}",
	"{\"type\":\"user\",\"source\":\"oneroster\",\"source_id\":\"tch-3\",\"role\":\"teacher\",\"school_ids\":[\"s1\",\"s2\"],\"deleted_at\":\"2026-07-01T00:00:00Z\"}",
	"{\"type\":\"user\",\"source\":\"oneroster\",\"source_id\":\"adm-4\",\"role\":\"administrator\",\"school_ids\":[]}",
	"{\"type\":\"enrollment\",\"source\":\"oneroster\",\"section_id\":\"c1\",\"user_id\":\"u1\",\"role\":\"student\"}",
	"{\"type\":\"enrollment\",\"source\":\"oneroster\",\"section_id\":\"c1\",\"user_id\":\"u3\",\"role\":\"teacher\"}",
	"{\"type\":\"enrollment\",\"source\":\"oneroster\",\"section_id\":\"c2\",\"user_id\":\"u3\",\"role\":\"teacher\"}",
};

static store *district_store(const char *name, rp_arena *a)
{
	store *s = store_open(path_of(name), true);
	for (size_t i = 0; i < sizeof district / sizeof *district; i++)
		insert(s, a, district[i], 1);
	return s;
}

static void test_lookups(void)
{
	rp_arena *a = arena_new();
	store *s = district_store("look.db", a);
	CHECK(store_find_source(s, &REC_SCHOOL, "oneroster", "sch-2") == 2,
	      "find: a school by source and source id");
	CHECK(store_find_source(s, &REC_USER, "oneroster", "stu-1") == 1,
	      "find: a user by source and source id");
	CHECK(store_find_source(s, &REC_USER, "oneroster", "stu-2") == 2,
	      "find: a user by an identifier of that source (a linked user)");
	CHECK(store_find_source(s, &REC_USER, "clever", "stu-1") == 0 &&
		      store_find_source(s, &REC_SCHOOL, "oneroster", "sch-9") == 0,
	      "find: 0 when nothing has it");

	long long *ns = NULL;
	size_t count = 0;
	CHECK(store_enrollments_of(s, E_USER_ID, "u3", &ns, &count) == 0 && count == 2 &&
		      ns[0] == 2 && ns[1] == 3,
	      "enrollments_of: a user's, in id order");
	free(ns);
	CHECK(store_enrollments_of(s, E_SECTION_ID, "c1", &ns, &count) == 0 && count == 2 &&
		      ns[0] == 1 && ns[1] == 2,
	      "enrollments_of: a section's");
	free(ns);
	CHECK(store_enrollments_of(s, E_USER_ID, "u4", &ns, &count) == 0 && count == 0,
	      "enrollments_of: none");
	free(ns);

	struct store_school_counts k = {-1, -1, -1, -1};
	CHECK(store_count_school(s, "s1", &k) == 0 && k.active == 2 && k.users == 3,
	      "count_school: a school's active and all users (soft-deleted ones in all only)");
	CHECK(k.sections == 1 && k.enrollments == 2,
	      "count_school: a school's sections and their enrollments");
	CHECK(store_count_school(s, "s2", &k) == 0 && k.active == 0 && k.users == 1 &&
		      k.sections == 1 && k.enrollments == 1,
	      "count_school: another school");
	CHECK(store_count_school(s, NULL, &k) == 0 && k.active == 1 && k.users == 1,
	      "count_school: NULL counts the users with no school");
	arena_free(a);
	free_trees();
	store_close(s);
	remove_db("look.db");
}

/* ---- meta and journal ---------------------------------------------------- */

/* The store holds a source and source id once per table, whatever a plan
 * says. */
static void test_unique_source(void)
{
	rp_arena *a = arena_new();
	store *s = district_store("uniq.db", a);
	rec r;
	rec_init(&r, &REC_USER, a);
	cJSON *o = cJSON_Parse("{\"type\":\"user\",\"source\":\"oneroster\","
			       "\"source_id\":\"stu-1\",\"role\":\"student\"}");
	rec_from_json(&r, o);
	store_begin(s);
	long long n = store_next_n(s, &REC_USER);
	char id[32];
	snprintf(id, sizeof id, "u%lld", n);
	rec_set_copy(&r, 0, id);
	CHECK(store_insert(s, &r, n, 2) != 0 && strstr(store_errmsg(s), "UNIQUE"),
	      "unique: a second user of one source and source id is refused by the store");
	store_rollback(s);
	cJSON_Delete(o);
	store_close(s);
	remove_db("uniq.db");
	arena_free(a);
}

static void test_meta(void)
{
	store *s = store_open(path_of("meta.db"), true);
	char *v = (char *)"unset";
	CHECK(store_meta_get(s, "frozen", &v) == 0 && v == NULL,
	      "meta: a key never set is NULL");
	CHECK(store_meta_set(s, "frozen", "moving") == 0, "meta: set");
	store_meta_get(s, "frozen", &v);
	CHECK_STR(v, "moving", "meta: get what was set");
	free(v);
	store_meta_set(s, "frozen", "again");
	store_meta_get(s, "frozen", &v);
	CHECK_STR(v, "again", "meta: a second set replaces");
	free(v);
	store_meta_set(s, "frozen", NULL);
	store_meta_get(s, "frozen", &v);
	CHECK(v == NULL, "meta: set to NULL clears");
	free(v);
	CHECK(strlen(store_id(s)) == 32 && strspn(store_id(s), "0123456789abcdef") == 32,
	      "id: a new store has an identity, 32 hex digits");
	char first[33];
	snprintf(first, sizeof first, "%s", store_id(s));
	store_close(s);
	s = store_open(path_of("meta.db"), false);
	CHECK_STR(store_id(s), first, "id: kept when the store is opened again");
	store *other = store_open(path_of("other.db"), true);
	CHECK(strcmp(store_id(other), first) != 0, "id: another store, another identity");
	store_close(other);
	remove_db("other.db");
	store_close(s);
	remove_db("meta.db");
}

static const char plan_a[] = "aaaaaaaa11111111111111111111111111111111111111111111111111111111";
static const char plan_b[] = "aaaaaaaa22222222222222222222222222222222222222222222222222222222";
static const char plan_c[] = "cccccccc33333333333333333333333333333333333333333333333333333333";

static int collect(void *ctx, const char *record_id, const char *before)
{
	char *out = ctx;
	size_t len = strlen(out);
	snprintf(out + len, 512 - len, "%s=%s;", record_id, before ? before : "(created)");
	return 0;
}

static void test_journal(void)
{
	store *s = store_open(path_of("journal.db"), true);
	store_begin(s);
	store_journal_plan(s, plan_a, "diff-roster", 0, 1, false, NULL);
	store_journal_op(s, plan_a, 0, "create", "user", "u1", NULL);
	store_journal_op(s, plan_a, 1, "update", "user", "u2", "{\"type\":\"user\",\"id\":\"u2\"}");
	store_journal_plan(s, plan_b, "hand", 1, 2, true, NULL);
	store_journal_op(s, plan_b, 0, "update", "user", "u2", "{\"type\":\"user\",\"id\":\"u2\",\"grade\":\"03\"}");
	store_journal_plan(s, plan_c, "hand", 2, 3, false, NULL);
	store_journal_op(s, plan_c, 0, "update", "school", "s1", "{\"type\":\"school\",\"id\":\"s1\"}");
	store_commit(s);

	long long undone_at = -1;
	CHECK(store_plan_applied(s, plan_a, &undone_at) == 1 &&
		      store_plan_applied(s, "aaaaaaaa", &undone_at) == 0 && undone_at == 0,
	      "journal: a plan applied is known by its whole id only");
	char found[65] = "";
	long long seq = 0;
	bool undone = true;
	CHECK(store_journal_find(s, "cccccccc", found, &seq, &undone) == 1 &&
		      strcmp(found, plan_c) == 0 && !undone,
	      "journal find: a unique prefix of 8 characters");
	CHECK(store_journal_find(s, "aaaaaaaa", found, &seq, &undone) == 0,
	      "journal find: a prefix two plans share finds none");
	CHECK_STR(store_errmsg(s), "aaaaaaaa: more than one plan has this prefix",
		  "journal find: and says so");
	CHECK(store_journal_find(s, "aaaaaaa", found, &seq, &undone) == 0,
	      "journal find: fewer than 8 characters is not a plan id");
	CHECK_STR(store_errmsg(s), "not a plan id: aaaaaaa", "journal find: and says so");
	CHECK(store_journal_find(s, "dddddddd", found, &seq, &undone) == 0,
	      "journal find: no such plan");
	CHECK_STR(store_errmsg(s), "dddddddd: no such plan in the journal",
		  "journal find: and says so");

	long long seq_a;
	store_journal_find(s, "aaaaaaaa1", found, &seq_a, &undone);
	char later[65] = "";
	CHECK(store_journal_later(s, plan_a, seq_a, later) == 1 && strcmp(later, plan_b) == 0,
	      "journal later: the later plan that touched the same record");
	long long seq_b;
	store_journal_find(s, "aaaaaaaa2", found, &seq_b, &undone);
	CHECK(store_journal_later(s, plan_b, seq_b, later) == 0,
	      "journal later: none after the last plan to touch it");

	char seen[512] = "";
	store_journal_each_reverse(s, plan_a, collect, seen);
	CHECK_STR(seen, "u2={\"type\":\"user\",\"id\":\"u2\"};u1=(created);",
		  "journal each_reverse: newest first, NULL before for a create");

	store_begin(s);
	store_journal_mark_undone(s, plan_b, "undo:b");
	store_commit(s);
	CHECK(store_journal_find(s, "aaaaaaaa2", found, &seq_b, &undone) == 1 && undone,
	      "journal mark_undone: the plan reads as undone");
	CHECK(store_journal_later(s, plan_a, seq_a, later) == 0,
	      "journal later: an undone later plan does not count");
	store_close(s);
	remove_db("journal.db");
}

/* ---- snapshot and backup -------------------------------------------------- */

static void test_snapshot(void)
{
	rp_arena *a = arena_new();
	store *s = district_store("snap.db", a);
	store_bump_version(s);
	char *got = snapshot_of(s, "user", NULL);
	CHECK_STR(got,
		  "{\"type\":\"snapshot\",\"version\":1,\"store\":\"STORE\",\"created\":\"2026-08-01T12:00:00Z\"}\n"
		  "{\"type\":\"user\",\"id\":\"u1\",\"source\":\"oneroster\",\"source_id\":\"stu-1\",\"role\":\"student\",\"school_ids\":[\"s1\"],\"ids\":{\"oneroster\":\"stu-1\"},\"ignore_on_import\":false,\"manual\":false}\n"
		  "{\"type\":\"user\",\"id\":\"u2\",\"source\":\"clever\",\"source_id\":\"c-2\",\"role\":\"student\",\"school_ids\":[\"s1\"],\"ids\":{\"clever\":\"c-2\",\"oneroster\":\"stu-2\"},\"ignore_on_import\":false,\"manual\":false}\n"
		  "{\"type\":\"user\",\"id\":\"u3\",\"source\":\"oneroster\",\"source_id\":\"tch-3\",\"role\":\"teacher\",\"school_ids\":[\"s1\",\"s2\"],\"ids\":{},\"deleted_at\":\"2026-07-01T00:00:00Z\",\"ignore_on_import\":false,\"manual\":false}\n"
		  "{\"type\":\"user\",\"id\":\"u4\",\"source\":\"oneroster\",\"source_id\":\"adm-4\",\"role\":\"administrator\",\"school_ids\":[],\"ids\":{},\"ignore_on_import\":false,\"manual\":false}\n",
		  "snapshot: the header (version, SOURCE_DATE_EPOCH), one entity, in id order");
	free(got);
	got = snapshot_of(s, "section,school", "s2");
	CHECK_STR(got,
		  "{\"type\":\"snapshot\",\"version\":1,\"store\":\"STORE\",\"created\":\"2026-08-01T12:00:00Z\",\"school\":\"s2\"}\n"
		  "{\"type\":\"school\",\"id\":\"s2\",\"source\":\"oneroster\",\"source_id\":\"sch-2\",\"name\":\"Elm\",\"import_enabled\":true,\"automation_enabled\":true}\n"
		  "{\"type\":\"section\",\"id\":\"c2\",\"source\":\"oneroster\",\"source_id\":\"cls-2\",\"school_id\":\"s2\",\"term_ids\":[\"t1\"],\"name\":\"Art\"}\n",
		  "snapshot: a list of entities (in the store's order) and one school");
	free(got);
	got = snapshot_of(s, "enrollment,user,term", "s2");
	CHECK_STR(got,
		  "{\"type\":\"snapshot\",\"version\":1,\"store\":\"STORE\",\"created\":\"2026-08-01T12:00:00Z\",\"school\":\"s2\"}\n"
		  "{\"type\":\"term\",\"id\":\"t1\",\"source\":\"oneroster\",\"source_id\":\"t-1\",\"name\":\"Fall\"}\n"
		  "{\"type\":\"enrollment\",\"id\":\"e3\",\"source\":\"oneroster\",\"section_id\":\"c2\",\"user_id\":\"u3\",\"role\":\"teacher\"}\n"
		  "{\"type\":\"user\",\"id\":\"u3\",\"source\":\"oneroster\",\"source_id\":\"tch-3\",\"role\":\"teacher\",\"school_ids\":[\"s1\",\"s2\"],\"ids\":{},\"deleted_at\":\"2026-07-01T00:00:00Z\",\"ignore_on_import\":false,\"manual\":false}\n",
		  "snapshot: a school's enrollments (of its sections) and users; terms are not by school");
	free(got);
	got = snapshot_of(s, "users", NULL);
	CHECK_STR(got, "{\"type\":\"snapshot\",\"version\":1,\"store\":\"STORE\",\"created\":\"2026-08-01T12:00:00Z\"}\n",
		  "snapshot: entity names are exact (users is not user)");
	free(got);

	/* a backup is a store with the same snapshot */
	char *before = snapshot_of(s, NULL, NULL);
	CHECK(store_backup(s, path_of("backup.db")) == 0, "backup: made");
	store *b = store_open(path_of("backup.db"), false);
	char *copy = b ? snapshot_of(b, NULL, NULL) : cases_strdup("");
	CHECK_STR(copy, before, "backup: the same snapshot as the store");
	free(copy);
	free(before);
	store_close(b);
	arena_free(a);
	free_trees();
	store_close(s);
	remove_db("snap.db");
	remove_db("backup.db");
}

static void test_deferred_indexes(void)
{
	rp_arena *a = arena_new();
	store *s = store_open(path_of("defer.db"), true);
	store_begin(s);
	CHECK(store_defer_indexes(s, &REC_USER) == 0, "defer indexes: dropped for the transaction");
	rec r = from_json(a, "{\"type\":\"user\",\"id\":\"u1\",\"source\":\"x\",\"source_id\":\"1\",\"ids\":{\"x\":\"1\",\"google\":\"g\"}}");
	store_insert(s, &r, store_next_n(s, &REC_USER), 1);
	CHECK(store_commit(s) == 0, "defer indexes: built again at commit");
	CHECK(store_find_source(s, &REC_USER, "x", "1") == 1 &&
		      store_find_source(s, &REC_USER, "google", "g") == 1,
	      "defer indexes: look-ups work after the commit");
	store_begin(s);
	store_defer_indexes(s, &REC_USER);
	store_rollback(s);
	CHECK(store_find_source(s, &REC_USER, "x", "1") == 1,
	      "defer indexes: a rollback keeps them");
	arena_free(a);
	free_trees();
	store_close(s);
	remove_db("defer.db");
}

int main(void)
{
	setenv("SOURCE_DATE_EPOCH", "1785585600", 1); /* 2026-08-01T12:00:00Z */
	snprintf(dir, sizeof dir, "%s/rp-store.XXXXXX", cases_tmpdir());
	if (!mkdtemp(dir))
		cases_die("mkdtemp: %s", strerror(errno));
	test_open();
	test_unmake();
	test_ids();
	test_round_trip();
	test_next_ids();
	test_lookups();
	test_unique_source();
	test_meta();
	test_journal();
	test_snapshot();
	test_deferred_indexes();
	rmdir(dir);
	TEST_END();
}
