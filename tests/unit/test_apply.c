/*
 * apply's checks and changes (apply.h) on a temporary SQLite store, driven
 * by the cases in tests/unit/cases/apply.test: setup plans, then the step
 * under test (a plan, an undo, a freeze or a thaw), then its exit status,
 * its messages and the store's snapshot. See cases.h for the file format
 * and where the file is found; `test_apply --record [FILE]` prints the file
 * with the expected sections as the code gives them now.
 *
 * A case is one child: it runs the setups (snapshotting the store after
 * each), then the step under test (then snapshots the store and reads the
 * journal), opening the store anew for each as apply would. One fork a
 * case, because under ASan the child's leak check at exit is most of what
 * a case costs.
 */
#include "apply/apply.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "err.h"
#include "harness.h"
#include "cases.h"
#include "memsrc.h"
#include "ndjson.h"
#include "state.h"

static const char *const sections[] = {
	"setup", "setup-freeze", "setup-undo", "options", "plan", "undo",
	"freeze", "thaw", "exit", "stderr", "store", "records-as-after-setup",
	"journal", NULL};
static const char *const expected[] = {"exit", "stderr", "store", "journal",
				       NULL};

#define MAX_SETUP 16

/* What the children of a case share: the store and where to write. */
struct job {
	const struct tcase *c;
	const char *db;
	int setup_snap[MAX_SETUP]; /* the snapshot after each [setup] */
	int before, after, journal; /* snapshots around the step; journal */
	int ids;		    /* the plan id each [setup] applied */
	int split;		    /* the setups' status, where the step's
				       messages start */
};

static void parse_options(const char *value, struct apply_opts *o)
{
	int argc;
	char **argv = case_words(value, &argc);
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : "";
		if (strcmp(a, "--dry-run") == 0)
			o->dry_run = true;
		else if (strcmp(a, "--force") == 0)
			o->force = true;
		else if (strcmp(a, "--during-freeze") == 0)
			o->during_freeze = true;
		else if (strcmp(a, "--max-delete-ratio") == 0 && ++i)
			o->guard.max_ratio = atof(v);
		else if (strcmp(a, "--max-delete-count") == 0 && ++i)
			o->guard.max_count = atoll(v);
		else if (strcmp(a, "--guard-floor") == 0 && ++i)
			o->guard.floor = atoll(v);
		else
			rp_die(2, "test: unknown option %s", a);
	}
	case_words_free(argv, argc);
}

/* A plan stream of the case, applied as apply does it. */
static int apply_plan(store *s, const struct case_section *plan,
		      const struct apply_opts *o)
{
	char *text = case_text(plan);
	nd_reader *r = nd_reader_new(mem_input("plan", text, strlen(text), 4096,
					       0, NULL));
	int rc = apply_stream(s, r, o);
	nd_reader_free(r);
	free(text);
	return rc;
}

static void snapshot_to(store *s, int fd)
{
	nd_writer *w = nd_writer_new(fd);
	if (state_write(s, w, NULL, NULL) != 0)
		fprintf(stderr, "test: snapshot failed: %s\n", store_errmsg(s));
	nd_writer_close(w);
}

/* The journal, one line a plan: id (12 characters), producer, versions,
 * forced, and the undo links. */
static void journal_to(const char *db, int fd)
{
	sqlite3 *h;
	sqlite3_stmt *st;
	FILE *f = fdopen(dup(fd), "w");
	if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(h, "SELECT substr(plan_id, 1, 12), producer,"
			       " base_version, version, forced,"
			       " substr(undoes, 1, 12), substr(undone_by, 1, 17)"
			       " FROM journal ORDER BY seq", -1, &st, NULL) != SQLITE_OK) {
		fprintf(f, "(no journal: %s)\n", sqlite3_errmsg(h));
	} else {
		while (sqlite3_step(st) == SQLITE_ROW) {
			fprintf(f, "%s %s base=%lld version=%lld forced=%d",
				sqlite3_column_text(st, 0), sqlite3_column_text(st, 1),
				sqlite3_column_int64(st, 2), sqlite3_column_int64(st, 3),
				sqlite3_column_int(st, 4));
			if (sqlite3_column_text(st, 5))
				fprintf(f, " undoes=%s", sqlite3_column_text(st, 5));
			if (sqlite3_column_text(st, 6))
				fprintf(f, " undone_by=%s", sqlite3_column_text(st, 6));
			fputc('\n', f);
		}
		sqlite3_finalize(st);
	}
	sqlite3_close(h);
	fclose(f);
}

/* The id of the last plan applied, from the summary lines written to our
 * own standard error (a file) since offset from: "apply: plan ID: applied
 * as store version N". */
static void applied_id(off_t from, char id[16])
{
	fflush(stderr);
	off_t end = lseek(STDERR_FILENO, 0, SEEK_END);
	char *text = calloc(1, (size_t)(end - from) + 1);
	if (end > from && pread(STDERR_FILENO, text, (size_t)(end - from), from) < 0)
		text[0] = '\0';
	id[0] = '\0';
	for (const char *p = text; (p = strstr(p, "apply: plan ")) != NULL;) {
		p += strlen("apply: plan ");
		if (strncmp(p + 12, ": applied as", 12) == 0)
			snprintf(id, 16, "%.12s", p);
	}
	free(text);
}

/* An undo's value: N, the plan the Nth [setup] applied; else a plan id. */
static const char *plan_ref(const char *value, char ids[MAX_SETUP][16],
			    int nsetup)
{
	if (strlen(value) > 2 || !isdigit((unsigned char)value[0]))
		return value;
	int k = atoi(value);
	if (k < 1 || k > nsetup || !ids[k - 1][0])
		rp_die(2, "test: undo %s: no such setup plan", value);
	return ids[k - 1];
}

/* The setups of the case, in order, each its own apply; stops at the first
 * that fails. */
static int run_setups(void *ctx, int out_fd)
{
	struct job *j = ctx;
	const struct tcase *c = j->c;
	char ids[MAX_SETUP][16] = {{0}};
	int nsetup = 0, rc = 0;
	(void)out_fd;
	rp_setprog("apply");
	store *s = store_open(j->db, true);
	if (!s)
		return RP_EXIT_IO;
	for (size_t i = 0; i < c->ns && rc == 0; i++) {
		const struct case_section *sec = &c->s[i];
		struct apply_opts o = {.guard = GUARD_LIMITS_DEFAULT};
		fflush(stderr);
		off_t from = lseek(STDERR_FILENO, 0, SEEK_END);
		if (strcmp(sec->name, "setup") == 0) {
			if (nsetup == MAX_SETUP)
				rp_die(2, "test: more than %d setups", MAX_SETUP);
			parse_options(sec->value, &o);
			rc = apply_plan(s, sec, &o);
			applied_id(from, ids[nsetup]);
			snapshot_to(s, j->setup_snap[nsetup]);
			nsetup++;
		} else if (strcmp(sec->name, "setup-freeze") == 0) {
			rc = apply_freeze(s, sec->value, &o);
		} else if (strcmp(sec->name, "setup-undo") == 0) {
			rc = apply_undo(s, plan_ref(sec->value, ids, nsetup), &o);
		} else {
			continue;
		}
		if (rc)
			fprintf(stderr, "test: [%s] at line %ld: exit %d\n",
				sec->name, sec->line, rc);
	}
	snapshot_to(s, j->before);
	for (int i = 0; i < nsetup; i++)
		if (dprintf(j->ids, "%s\n", ids[i]) < 0)
			rc = RP_EXIT_IO;
	store_close(s);
	return rc;
}

/* The step under test, then the store after it. */
static int run_step(void *ctx, int out_fd)
{
	struct job *j = ctx;
	const struct tcase *c = j->c;
	const struct case_section *sec;
	struct apply_opts o = {.guard = GUARD_LIMITS_DEFAULT};
	(void)out_fd;
	rp_setprog("apply");
	if ((sec = case_get(c, "options")))
		parse_options(sec->value, &o);
	store *s = store_open(j->db, true);
	if (!s)
		return RP_EXIT_IO;
	int rc;
	if ((sec = case_get(c, "plan"))) {
		rc = apply_plan(s, sec, &o);
	} else if ((sec = case_get(c, "undo"))) {
		char ids[MAX_SETUP][16] = {{0}}, *text = cases_slurp_fd(j->ids);
		int n = 0;
		for (char *save, *l = strtok_r(text, "\n", &save);
		     l && n < MAX_SETUP; l = strtok_r(NULL, "\n", &save))
			snprintf(ids[n++], 16, "%s", l);
		free(text);
		rc = apply_undo(s, plan_ref(sec->value, ids, n), &o);
	} else if ((sec = case_get(c, "freeze"))) {
		rc = apply_freeze(s, sec->value, &o);
	} else if (case_get(c, "thaw")) {
		rc = apply_freeze(s, NULL, &o);
	} else {
		rp_die(2, "test: no [plan], [undo], [freeze] or [thaw]");
	}
	snapshot_to(s, j->after);
	store_close(s);
	journal_to(j->db, j->journal);
	return rc;
}

/* A case in one child: the setups, then, when they all succeeded, the
 * step, each opening the store anew as the program would. Writes the
 * setups' status and the offset in standard error where the step's
 * messages start. */
static int run_all(void *ctx, int out_fd)
{
	struct job *j = ctx;
	int rc = run_setups(ctx, out_fd);
	fflush(stderr);
	long long split = (long long)lseek(STDERR_FILENO, 0, SEEK_END);
	if (dprintf(j->split, "%d %lld\n", rc, split) < 0)
		return RP_EXIT_IO;
	return rc ? rc : run_step(ctx, out_fd);
}

/* The records of a snapshot: all but its header line. */
static const char *records(const char *snap)
{
	const char *nl = snap ? strchr(snap, '\n') : NULL;
	return nl ? nl + 1 : "";
}

static void remove_store(const char *dir)
{
	static const char *const files[] = {"store.db", "store.db-wal",
					    "store.db-shm"};
	char path[4096];
	for (size_t i = 0; i < 3; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, files[i]);
		unlink(path);
	}
	rmdir(dir);
}

struct outcome {
	struct case_result res;
	char *before, *after, *journal;
	char *setup_records[MAX_SETUP];
	bool setup_ok;
};

static void run_case(const struct tcase *c, struct outcome *out)
{
	char dir[64], db[4096];
	snprintf(dir, sizeof dir, "%s/rp-apply.XXXXXX", cases_tmpdir());
	memset(out, 0, sizeof *out);
	if (!mkdtemp(dir))
		cases_die("mkdtemp: %s", strerror(errno));
	snprintf(db, sizeof db, "%s/store.db", dir);
	struct job j = {.c = c, .db = db, .before = cases_tmpfd(),
			.after = cases_tmpfd(), .journal = cases_tmpfd(),
			.ids = cases_tmpfd(), .split = cases_tmpfd()};
	for (int i = 0; i < MAX_SETUP; i++)
		j.setup_snap[i] = cases_tmpfd();

	struct case_result res;
	case_run(run_all, &j, &res);
	char *split = cases_slurp_fd(j.split);
	int setup_rc = -1;
	long long at = 0;
	out->setup_ok = sscanf(split, "%d %lld", &setup_rc, &at) == 2 &&
			setup_rc == 0 && at >= 0 && (size_t)at <= strlen(res.err);
	free(split);
	if (!out->setup_ok) {
		fprintf(cases_diag(), "#   a setup failed (exit %d):\n", res.status);
		char *copy = cases_strdup(res.err);
		size_t n;
		char **l = cases_lines(copy, &n);
		for (size_t k = 0; k < n; k++)
			fprintf(cases_diag(), "#     %s\n", l[k]);
		free(l);
		free(copy);
		case_result_free(&res);
		out->res.status = -1;
	} else {
		/* the step's messages only */
		out->res = res;
		out->res.err = cases_strdup(res.err + at);
		free(res.err);
		out->before = cases_slurp_fd(j.before);
		for (int i = 0; i < MAX_SETUP; i++) {
			out->setup_records[i] = cases_slurp_fd(j.setup_snap[i]);
			if (!*out->setup_records[i]) {
				free(out->setup_records[i]);
				out->setup_records[i] = NULL;
			}
		}
		out->after = cases_slurp_fd(j.after);
		out->journal = cases_slurp_fd(j.journal);
	}
	close(j.before);
	close(j.after);
	close(j.journal);
	close(j.ids);
	close(j.split);
	for (int i = 0; i < MAX_SETUP; i++)
		close(j.setup_snap[i]);
	remove_store(dir);
}

static void outcome_free(struct outcome *o)
{
	case_result_free(&o->res);
	free(o->before);
	free(o->after);
	free(o->journal);
	for (int i = 0; i < MAX_SETUP; i++)
		free(o->setup_records[i]);
}

static bool check_store(const struct tcase *c, const struct outcome *o)
{
	const struct case_section *s = case_get(c, "store");
	bool ok = true;
	if (s && strcmp(s->value, "unchanged") == 0) {
		ok = strcmp(o->before, o->after) == 0;
		if (!ok) {
			char *copy = cases_strdup(o->before);
			size_t n;
			char **l = cases_lines(copy, &n);
			cases_same_lines("store (expected unchanged)", l, n, o->after);
			free(l);
			free(copy);
		}
	} else if (s) {
		ok = cases_same_lines("store", s->lines, s->n, o->after);
	}
	const struct case_section *as = case_get(c, "records-as-after-setup");
	if (as) {
		int k = atoi(as->value);
		if (k < 1 || k > MAX_SETUP || !o->setup_records[k - 1])
			cases_die("%s: [records-as-after-setup] %s: no such setup",
				  c->title, as->value);
		char *copy = cases_strdup(records(o->setup_records[k - 1]));
		size_t n;
		char **l = cases_lines(copy, &n);
		char what[64];
		snprintf(what, sizeof what, "records (expected as after setup %d)", k);
		ok &= cases_same_lines(what, l, n, records(o->after));
		free(l);
		free(copy);
	}
	return ok;
}

int main(int argc, char **argv)
{
	bool record = argc > 1 && strcmp(argv[1], "--record") == 0;
	if (record)
		argc--, argv++;
	setenv("SOURCE_DATE_EPOCH", "1785585600", 1); /* 2026-08-01T12:00:00Z */
	struct caseset cs;
	cases_load(&cs, cases_path(argc > 1 ? argv[1] : NULL, "apply.test"),
		   sections);
	long prev = 1;
	for (size_t i = 0; i < cs.n; i++) {
		const struct tcase *c = &cs.v[i];
		struct outcome o;
		run_case(c, &o);
		if (record) {
			char status[16];
			snprintf(status, sizeof status, "%d", o.res.status);
			const struct case_section *st = case_get(c, "store");
			bool unchanged = st && strcmp(st->value, "unchanged") == 0 &&
					 o.before && o.after &&
					 strcmp(o.before, o.after) == 0;
			struct case_actual act[] = {
				{"exit", o.res.status ? status : NULL, NULL, true},
				{"stderr", NULL, o.res.err, true},
				{"store", unchanged ? "unchanged" : NULL,
				 unchanged ? NULL : o.after, false},
				{"journal", NULL, o.journal, false},
			};
			cases_record_gap(&cs, prev, c->line);
			/* the journal only where the case looks at it */
			cases_record(&cs, c, expected, act,
				     case_get(c, "journal") ? 4 : 3);
			prev = c->end;
			if (!o.setup_ok)
				fprintf(stderr, "%s:%ld: a setup failed:\n", cs.name,
					c->line);
			cases_diag_flush_to(stderr);
		} else {
			char what[512];
			snprintf(what, sizeof what, "%s:%ld: %s", cs.name, c->line,
				 c->title);
			bool ok = o.setup_ok;
			if (ok) {
				ok &= cases_same_status(c, o.res.status);
				ok &= cases_same_section(c, "stderr", o.res.err);
				ok &= check_store(c, &o);
				if (case_get(c, "journal"))
					ok &= cases_same_section(c, "journal", o.journal);
			}
			CHECK(ok, what);
			cases_diag_flush();
		}
		outcome_free(&o);
	}
	if (record) {
		cases_record_gap(&cs, prev, (long)cs.nraw + 1);
		cases_free(&cs);
		return 0;
	}
	cases_free(&cs);
	TEST_END();
}
