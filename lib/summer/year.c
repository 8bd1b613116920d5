/* archive-appointments: a year's appointments archived per school, each
 * file merged with an earlier run, written under a temporary name, synced
 * and read back, then the manifest; all renamed into place (the manifest
 * last), and only then the plan that deletes exactly them. */
#include "summer_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

#include "arena.h"
#include "clock.h"
#include "crash.h"
#include "csvw.h"
#include "err.h"
#include "idset.h"
#include "input.h"
#include "outdir.h"
#include "planw.h"
#include "record.h"
#include "sha256.h"
#include "xalloc.h"

/* ---- one school's archive ---------------------------------------------- */

static int fill_school(void *ctx, gzFile gz, FILE *plain)
{
	struct school *s = ctx;
	(void)plain;
	for (size_t i = 0; i < s->n; i++)
		if (gzwrite(gz, s->v[i].text, (unsigned)s->v[i].len) !=
			    (int)s->v[i].len ||
		    gzputc(gz, '\n') != '\n')
			return -1;
	return 0;
}


/* ---- archive_year ------------------------------------------------------ */

/* "s2" before "s10": store ids compare by length, then by text. */
static int id_cmp(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	return la != lb ? (la < lb ? -1 : 1) : strcmp(a, b);
}

static int cmp_school(const void *a, const void *b)
{
	return id_cmp(((const struct school *)a)->id, ((const struct school *)b)->id);
}

struct year_run {
	const char *year;
	char dir[PATH_MAX];
	struct school *schools;
	size_t n, cap;
	long long base;
	char store[33]; /* the state's store, from its snapshot header */
	bool base_seen;
	bool renamed; /* commit has renamed an archive into place */
};

static struct school *school_of(struct year_run *y, const char *id)
{
	for (size_t i = 0; i < y->n; i++)
		if (strcmp(y->schools[i].id, id) == 0)
			return &y->schools[i];
	if (y->n == y->cap) {
		y->cap = y->cap ? y->cap * 2 : 16;
		y->schools = xrealloc(y->schools, y->cap * sizeof *y->schools);
	}
	struct school *s = &y->schools[y->n++];
	memset(s, 0, sizeof *s);
	s->id = xstrdup(id);
	s->ids = idset_new();
	return s;
}

/* The school year of an appointment: its own, or the one its start opens
 * (from July on, the year that ends the next summer). */
static void year_of(const rec *a, char out[16])
{
	const char *y = rec_str(a, A_SCHOOL_YEAR), *s = rec_str(a, A_STARTS_AT);
	out[0] = '\0';
	if (y)
		snprintf(out, 16, "%s", y);
	else if (s && strlen(s) >= 7) {
		int year = atoi(s), month = atoi(s + 5);
		int end = month >= 7 ? year + 1 : year;
		snprintf(out, 16, "%04d-%04d", (end - 1) % 10000, end % 10000);
	}
}

/* A school id names a file in the year's folder: it must be a school's
 * store id ("s" and a number) or "no-school", never a path (`../x`, `/x`,
 * `a/b`, empty). */
static bool valid_school_id(const char *id)
{
	if (strcmp(id, "no-school") == 0)
		return true;
	if (id[0] != 's' || id[1] < '1' || id[1] > '9')
		return false;
	size_t n = 2;
	while (id[n] >= '0' && id[n] <= '9')
		n++;
	return id[n] == '\0' && n <= 20;
}

bool archive_valid_year(const char *y)
{
	for (int i = 0; i < 9; i++)
		if (i == 4 ? y[i] != '-' : (y[i] < '0' || y[i] > '9'))
			return false;
	return y[9] == '\0' && atoi(y + 5) == atoi(y) + 1;
}

static int read_state(struct year_run *y, char **inputs, int ninputs)
{
	rp_arena *arena = arena_new();
	nd_writer *mem = nd_writer_mem();
	int rc = RP_EXIT_OK;
	for (int i = 0; i < (ninputs ? ninputs : 1) && rc == RP_EXIT_OK; i++) {
		nd_reader *r = nd_reader_open(ninputs ? inputs[i] : NULL);
		if (!r) {
			rp_warn("%s", inputs[i]);
			rc = RP_EXIT_IO;
			break;
		}
		cJSON *o;
		int got;
		while ((got = nd_next(r, &o)) != 0) {
			if (got == -2) {
				rc = nd_io_failed(r) ? RP_EXIT_IO : RP_EXIT_DATA;
				break;
			}
			if (got < 0)
				continue;
			const char *type = nd_get_str(o, "type");
			if (strcmp(type, "snapshot") == 0 && !y->base_seen) {
				y->base = nd_get_int(o, "version", 0);
				const char *id = nd_get_str(o, "store");
				snprintf(y->store, sizeof y->store, "%s", id ? id : "");
				y->base_seen = true;
			}
			if (strcmp(type, "appointment") != 0)
				continue;
			rec a;
			arena_reset(arena);
			rec_init(&a, &REC_APPOINTMENT, arena);
			const char *why = rec_from_json(&a, o);
			if (!why && !rec_str(&a, A_ID))
				why = "id: a state appointment needs its id";
			if (why) {
				struct rp_loc loc = {.file = nd_name(r), .line = nd_line(r),
						     .code = "bad_record"};
				rp_error(&loc, "%s", why);
				continue;
			}
			/* names from the data become file names: checked, as
			 * written (an empty value would read as absent), before
			 * anything is written */
			const char *sid = nd_get_str(o, "school_id"),
				   *sy = nd_get_str(o, "school_year");
			bool bad_school = sid && !valid_school_id(sid);
			if (bad_school || (sy && !archive_valid_year(sy))) {
				struct rp_loc loc = {.file = nd_name(r), .line = nd_line(r),
						     .field = bad_school ? "school_id" : "school_year",
						     .code = "bad_name",
						     .source_id = rec_str(&a, A_ID)};
				rp_error(&loc, "%s", bad_school
					 ? "not a school's store id (s1, s2, ...) or no-school: "
					   "it would name a file"
					 : "not a school year (YYYY-YYYY): it would name a folder");
				continue;
			}
			char year[16];
			year_of(&a, year);
			if (strcmp(year, y->year) != 0)
				continue; /* another year: passed over */
			size_t len;
			nd_mem_reset(mem);
			rec_write(mem, &a);
			const char *text = nd_current(mem, &len);
			const char *school = rec_str(&a, A_SCHOOL_ID);
			sm_school_add(school_of(y, school ? school : "no-school"), text,
				   len - 1, rec_str(&a, A_ID), rec_str(&a, A_STARTS_AT),
				   true);
		}
		nd_reader_free(r);
	}
	nd_writer_close(mem);
	arena_free(arena);
	return rc != RP_EXIT_OK ? rc : rp_error_count() ? RP_EXIT_DATA : RP_EXIT_OK;
}

/* Merges what an earlier run archived for this school, so that no archive
 * ever loses an appointment. A file its manifest does not vouch for (a run
 * killed between the rename and the manifest) is merged too when it reads
 * whole: keeping its appointments loses nothing; one that does not read is
 * left alone and the run stops. An appointment the archive holds already
 * must be the same, line for line: one with other values under its id
 * (another store's archive in the same folder, or the appointment changed
 * since it was archived) would be deleted with its data in no archive.
 * Returns 0 (no earlier archive), 1 (nothing to add to it), 2
 * (appointments added), -1 (an I/O failure), -2 (refused, said). */
static int merge_existing(struct year_run *y, struct school *s,
			  struct manifest *m, const char *name)
{
	char path[PATH_BUF], why[256], sha[65];
	snprintf(path, sizeof path, "%s/%s", y->dir, name);
	/* only a file of ours is an earlier archive: a link planted under its
	 * name, or another user's file, stops the run */
	int own = rp_own_file(path);
	if (own <= 0)
		return own;
	struct entry *e = sm_manifest_find(m, name);
	if (!e || archive_sha256(path, sha) != 0 || strcmp(sha, e->sha) != 0)
		rp_warnx("%s: an earlier archive its manifest does not vouch for "
			 "(a run cut short?): its appointments are kept if it reads "
			 "whole", path);
	/* earlier lines first, in their order, then this run's new ones */
	struct school old = {.id = s->id, .ids = idset_new()};
	struct readback b = {.into = &old};
	if (archive_each_line(path, sm_read_back_line, &b, why) != 0 || b.bad) {
		rp_warnx("%s: %s", path, b.bad ? b.bad : why);
		idset_free(old.ids);
		return -1;
	}
	/* this run's appointments are "fresh" (its plan deletes them), those
	 * the archive holds already as well as the new ones */
	size_t appended = 0;
	for (size_t i = 0; i < old.n; i++)
		old.v[i].fresh = idset_get(s->ids, id_hash_str(old.v[i].id), NULL);
	for (size_t i = 0; i < s->n; i++) {
		uint32_t j;
		const struct line *in = &s->v[i];
		if (!idset_get(old.ids, id_hash_str(in->id), &j))
			continue;
		const struct line *was = &old.v[j];
		if (strcmp(was->id, in->id) != 0 || was->len != in->len ||
		    memcmp(was->text, in->text, in->len) != 0) {
			rp_errx("refused", "%s: appointment %s is archived there already with "
				 "other values (another store's archive in the same folder, or "
				 "changed since it was archived): nothing is deleted; archive "
				 "this store's year into a folder of its own", path, in->id);
			for (size_t k = 0; k < old.n; k++) {
				free(old.v[k].text);
				free(old.v[k].id);
			}
			free(old.v);
			idset_free(old.ids);
			return -2;
		}
	}
	for (size_t i = 0; i < s->n; i++) {
		if (!idset_get(old.ids, id_hash_str(s->v[i].id), NULL)) {
			sm_school_add(&old, s->v[i].text, s->v[i].len, s->v[i].id,
				   s->v[i].date, true);
			appended++;
		}
		free(s->v[i].text);
		free(s->v[i].id);
	}
	free(s->v);
	idset_free(s->ids);
	s->v = old.v;
	s->n = old.n;
	s->cap = old.cap;
	s->ids = old.ids;
	return appended ? 2 : 1;
}

static int archive_school(struct year_run *y, struct school *s,
			  struct manifest *m)
{
	char name[256], path[PATH_BUF], why[256];
	snprintf(name, sizeof name, "%s.ndjson.gz", s->id);
	snprintf(path, sizeof path, "%s/%s", y->dir, name);
	int had = merge_existing(y, s, m, name);
	if (had < 0)
		return had == -2 ? RP_EXIT_GUARD : RP_EXIT_IO;
	if (had != 1) {
		/* the new file under its temporary name: renamed into place
		 * only when every school's and the manifest are written */
		if (sm_write_tmp(y->dir, name, true, fill_school, s) != 0)
			return RP_EXIT_IO;
		s->pending = true;
		sm_tmp_path(y->dir, name, path, sizeof path);
	}
	/* read it back: every appointment of this run must be in it */
	struct readback b = {.ids = idset_new()};
	int rc = archive_each_line(path, sm_read_back_line, &b, why);
	bool whole = rc == 0 && !b.bad && b.count == (long)s->n;
	for (size_t i = 0; whole && i < s->n; i++)
		whole = idset_get(b.ids, id_hash_str(s->v[i].id), NULL);
	idset_free(b.ids);
	struct entry *e = sm_manifest_add(m, s->id, name);
	if (!whole || archive_sha256(path, e->sha) != 0) {
		rp_warnx("%s: reading the archive back failed: %s", path,
			 rc ? why : b.bad ? b.bad : "appointments missing");
		return RP_EXIT_IO;
	}
	e->count = b.count;
	free(e->first);
	free(e->last);
	e->first = b.first[0] ? xstrdup(b.first) : NULL;
	e->last = b.last[0] ? xstrdup(b.last) : NULL;
	return RP_EXIT_OK;
}

static int cmp_entry(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	return id_cmp(x->school, y->school);
}

struct manifest_out {
	struct manifest *m;
	const char *year;
};

static int fill_manifest(void *ctx, gzFile gz, FILE *f)
{
	struct manifest_out *mo = ctx;
	char now[21];
	(void)gz;
	rp_now_utc(now);
	nd_writer *w = nd_writer_mem();
	nd_begin(w);
	nd_str(w, "type", "archive_manifest");
	nd_str(w, "school_year", mo->year);
	nd_str(w, "updated", now);
	nd_arr(w, "archives");
	for (size_t i = 0; i < mo->m->n; i++) {
		const struct entry *e = &mo->m->v[i];
		nd_obj(w, NULL);
		nd_str(w, "school_id", e->school);
		nd_str(w, "file", e->file);
		nd_int(w, "count", e->count);
		nd_str(w, "first", e->first);
		nd_str(w, "last", e->last);
		nd_str(w, "sha256", e->sha);
		nd_close(w);
	}
	nd_close(w);
	nd_end(w);
	size_t len;
	const char *text = nd_current(w, &len);
	int rc = fwrite(text, 1, len, f) == len ? 0 : -1;
	nd_writer_close(w);
	return rc;
}

static void free_schools(struct year_run *y)
{
	for (size_t i = 0; i < y->n; i++) {
		struct school *s = &y->schools[i];
		for (size_t k = 0; k < s->n; k++) {
			free(s->v[k].text);
			free(s->v[k].id);
		}
		free(s->v);
		free(s->id);
		idset_free(s->ids);
	}
	free(y->schools);
}

static int write_plan(struct year_run *y, nd_writer *out)
{
	static const char *const ops[] = {"delete", NULL};
	plan_writer *pw = pw_new(y->base, "archive-appointments", ops);
	pw_set_store(pw, y->store);
	for (size_t i = 0; i < y->n; i++) {
		struct school *s = &y->schools[i];
		char path[PATH_BUF], full[PATH_MAX], sha[65];
		snprintf(path, sizeof path, "%s/%s.ndjson.gz", y->dir, s->id);
		if (!realpath(path, full) || archive_sha256(full, sha) != 0) {
			rp_warn("%s", path);
			pw_discard(pw);
			return RP_EXIT_IO;
		}
		const char *school = s->id;
		for (size_t k = 0; k < s->n; k++) {
			if (!s->v[k].fresh)
				continue; /* archived by an earlier run */
			nd_writer *w = pw_begin(pw, "delete", "appointment", s->v[k].id);
			nd_str(w, "archive", full);
			nd_str(w, "archive_sha256", sha);
			pw_end(pw);
			pw_count(pw, "delete", &school, 1);
		}
	}
	return pw_finish(pw, out) == 0 ? RP_EXIT_OK : RP_EXIT_IO;
}

/* Every file written, synced and read back: the archives renamed into
 * place, synced, then the manifest. A failure here (rare: a rename in a
 * folder of ours) or a kill in between leaves archives that the pending
 * manifest vouches for; readers accept them, the next run merges them. */
static int commit(struct year_run *y)
{
	for (size_t i = 0; i < y->n; i++) {
		struct school *s = &y->schools[i];
		if (!s->pending)
			continue;
		char name[256];
		snprintf(name, sizeof name, "%s.ndjson.gz", s->id);
		if (sm_commit(y->dir, name) != 0)
			return RP_EXIT_IO;
		s->pending = false;
		y->renamed = true;
		crash_point("RP_CRASH_AFTER_WRITES");
	}
	if (sm_sync_dir(y->dir) != 0)
		return rp_warn("%s", y->dir), RP_EXIT_IO;
	if (sm_commit(y->dir, "manifest.json") != 0)
		return RP_EXIT_IO;
	if (sm_sync_dir(y->dir) != 0)
		return rp_warn("%s", y->dir), RP_EXIT_IO;
	crash_point("RP_CRASH_AFTER_WRITES");
	return RP_EXIT_OK;
}

int archive_year(char **inputs, int ninputs, const char *year,
		 const char *dir, nd_writer *plan)
{
	struct year_run y = {.year = year};
	/* a full disk or a file size limit is an error to report, not a
	 * signal to die of half-way */
	int rc = read_state(&y, inputs, ninputs);
	if (rc != RP_EXIT_OK) {
		free_schools(&y);
		return rc;
	}
	snprintf(y.dir, sizeof y.dir, "%s/%s", dir, year);
	if (rp_private_dir(dir) != 0 || rp_private_dir(y.dir) != 0) {
		free_schools(&y);
		return RP_EXIT_IO;
	}
	if (y.n > 1)
		qsort(y.schools, y.n, sizeof *y.schools, cmp_school);
	struct manifest m = {0};
	if (sm_manifest_read(y.dir, &m) < 0)
		rc = RP_EXIT_IO;
	for (size_t i = 0; i < y.n && rc == RP_EXIT_OK; i++)
		rc = archive_school(&y, &y.schools[i], &m);
	bool manifest_written = false;
	if (rc == RP_EXIT_OK && y.n) {
		if (m.n > 1)
			qsort(m.v, m.n, sizeof *m.v, cmp_entry);
		struct manifest_out mo = {&m, year};
		if (sm_write_tmp(y.dir, "manifest.json", false, fill_manifest, &mo) != 0)
			rc = RP_EXIT_IO;
		else
			manifest_written = true;
	}
	if (rc == RP_EXIT_OK && manifest_written)
		rc = commit(&y);
	if (rc != RP_EXIT_OK) {
		/* the files not renamed go; the earlier archives and manifest
		 * stand. Once an archive is in place, the pending manifest that
		 * vouches for it stays, for readers and the next run. */
		for (size_t i = 0; i < y.n; i++)
			if (y.schools[i].pending) {
				char name[256];
				snprintf(name, sizeof name, "%s.ndjson.gz", y.schools[i].id);
				sm_discard(y.dir, name);
			}
		if (!y.renamed)
			sm_discard(y.dir, "manifest.json");
	}
	/* the plan only now: every archive written, synced and read back */
	if (rc == RP_EXIT_OK)
		rc = write_plan(&y, plan);
	sm_manifest_free(&m);
	free_schools(&y);
	return rc;
}
