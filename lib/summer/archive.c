#include "summer.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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
#include "planw.h"
#include "record.h"
#include "sha256.h"
#include "xalloc.h"

/* a folder, a slash and a file name */
#define PATH_BUF (PATH_MAX + 512)

/* ---- reading ----------------------------------------------------------- */

int archive_sha256(const char *path, char hex[65])
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	sha256 ctx;
	char buf[65536];
	ssize_t n;
	sha256_init(&ctx);
	while ((n = read(fd, buf, sizeof buf)) > 0)
		sha256_update(&ctx, buf, (size_t)n);
	int saved = errno;
	close(fd);
	if (n < 0) {
		errno = saved;
		return -1;
	}
	sha256_hex(&ctx, hex);
	return 0;
}

int archive_each_line(const char *path,
		      int (*fn)(void *ctx, const char *line, size_t len),
		      void *ctx, char *why)
{
	unsigned char magic[2] = {0, 0};
	int fd = open(path, O_RDONLY);
	if (fd < 0 || read(fd, magic, 2) != 2 || magic[0] != 0x1f ||
	    magic[1] != 0x8b) {
		snprintf(why, 256, "%s", fd < 0 ? strerror(errno) : "not a gzip file");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	rp_input *in = rp_input_open(path);
	if (!in) {
		snprintf(why, 256, "%s", strerror(errno));
		return -1;
	}
	const char *line;
	ssize_t n;
	int rc = 0;
	while ((n = rp_input_getline(in, &line)) > 0) {
		size_t len = (size_t)n;
		if (line[len - 1] != '\n') {
			snprintf(why, 256, "last line cut short");
			rc = -1;
			break;
		}
		if (fn(ctx, line, len - 1) != 0)
			break;
	}
	if (n < 0) {
		snprintf(why, 256, "%s", rp_input_strerror(in));
		rc = -1;
	}
	rp_input_close(in);
	return rc;
}

/* ---- manifest ---------------------------------------------------------- */

struct entry {
	char *school, *file, *first, *last;
	char sha[65];
	long count;
};

struct manifest {
	struct entry *v;
	size_t n, cap;
};

static struct entry *manifest_find(struct manifest *m, const char *file)
{
	for (size_t i = 0; i < m->n; i++)
		if (strcmp(m->v[i].file, file) == 0)
			return &m->v[i];
	return NULL;
}

static struct entry *manifest_add(struct manifest *m, const char *school,
				  const char *file)
{
	struct entry *e = manifest_find(m, file);
	if (e)
		return e;
	if (m->n == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 16;
		m->v = xrealloc(m->v, m->cap * sizeof *m->v);
	}
	e = &m->v[m->n++];
	memset(e, 0, sizeof *e);
	e->school = xstrdup(school);
	e->file = xstrdup(file);
	return e;
}

static void manifest_free(struct manifest *m)
{
	for (size_t i = 0; i < m->n; i++) {
		free(m->v[i].school);
		free(m->v[i].file);
		free(m->v[i].first);
		free(m->v[i].last);
	}
	free(m->v);
	memset(m, 0, sizeof *m);
}

/* Reads DIR/manifest.json: 1 read, 0 none there, -1 unreadable (reported). */
static int manifest_read(const char *dir, struct manifest *m)
{
	char path[PATH_BUF];
	snprintf(path, sizeof path, "%s/manifest.json", dir);
	FILE *f = fopen(path, "r");
	if (!f)
		return errno == ENOENT ? 0 : (rp_warn("%s", path), -1);
	char *text = NULL;
	size_t len = 0, cap = 0, got;
	char buf[65536];
	while ((got = fread(buf, 1, sizeof buf, f)) > 0) {
		if (len + got + 1 > cap) {
			cap = (len + got + 1) * 2;
			text = xrealloc(text, cap);
		}
		memcpy(text + len, buf, got);
		len += got;
	}
	fclose(f);
	cJSON *o = text ? cJSON_ParseWithLength(text, len) : NULL;
	free(text);
	const cJSON *list = o ? nd_get_arr(o, "archives") : NULL, *a;
	if (!list) {
		rp_warnx("%s: not an archive manifest", path);
		cJSON_Delete(o);
		return -1;
	}
	cJSON_ArrayForEach(a, list) {
		const char *school = nd_get_str(a, "school_id"),
			   *file = nd_get_str(a, "file"), *sha = nd_get_str(a, "sha256");
		long long count = nd_get_int(a, "count", -1);
		if (!school || !file || !sha || strlen(sha) != 64 || count < 0 ||
		    strchr(file, '/')) {
			rp_warnx("%s: an archive entry lacks school_id, file, count or sha256",
				 path);
			cJSON_Delete(o);
			return -1;
		}
		struct entry *e = manifest_add(m, school, file);
		memcpy(e->sha, sha, 65);
		e->count = (long)count;
		e->first = nd_get_str(a, "first") ? xstrdup(nd_get_str(a, "first")) : NULL;
		e->last = nd_get_str(a, "last") ? xstrdup(nd_get_str(a, "last")) : NULL;
	}
	cJSON_Delete(o);
	return 1;
}

/* ---- writing, durably -------------------------------------------------- */

static int sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return -1;
	int rc = fsync(fd);
	close(fd);
	return rc;
}

/* Writes the bytes or gzip stream given by fill into path through a
 * temporary file, fsync and rename, so that path is either the old file or
 * the whole new one. */
static int write_file(const char *dir, const char *name, bool gzip,
		      int (*fill)(void *ctx, gzFile gz, FILE *plain), void *ctx)
{
	char tmp[PATH_BUF], path[PATH_BUF];
	snprintf(tmp, sizeof tmp, "%s/.%s.tmp", dir, name);
	snprintf(path, sizeof path, "%s/%s", dir, name);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return rp_warn("%s", tmp), -1;
	int rc = 0;
	if (gzip) {
		gzFile gz = gzdopen(dup(fd), "wb6");
		/* gzip headers carry no time unless asked: same input, same bytes */
		rc = !gz || fill(ctx, gz, NULL) != 0;
		if (gz && gzclose_w(gz) != Z_OK)
			rc = -1;
	} else {
		FILE *f = fdopen(dup(fd), "w");
		rc = !f || fill(ctx, NULL, f) != 0;
		if (f && fclose(f) != 0)
			rc = -1;
	}
	crash_point("RP_CRASH_AFTER_WRITES");
	if (rc != 0 || fsync(fd) != 0) {
		rp_warn("%s", tmp);
		close(fd);
		unlink(tmp);
		return -1;
	}
	close(fd);
	crash_point("RP_CRASH_AFTER_WRITES");
	if (rename(tmp, path) != 0 || sync_dir(dir) != 0) {
		rp_warn("%s", path);
		unlink(tmp);
		return -1;
	}
	crash_point("RP_CRASH_AFTER_WRITES");
	return 0;
}

/* ---- one school's archive ---------------------------------------------- */

struct line {
	char *text; /* the state record, as written */
	size_t len;
	char *id;
	char date[11]; /* starts_at's date */
	bool fresh;    /* from this run's input */
};

struct school {
	char *id;
	struct line *v;
	size_t n, cap;
	idset *ids;
};

static void school_add(struct school *s, const char *text, size_t len,
		       const char *id, const char *starts, bool fresh)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 64;
		s->v = xrealloc(s->v, s->cap * sizeof *s->v);
	}
	struct line *l = &s->v[s->n++];
	l->text = xstrndup(text, len);
	l->len = len;
	l->id = xstrdup(id);
	snprintf(l->date, sizeof l->date, "%.10s", starts ? starts : "");
	l->fresh = fresh;
	idset_put(s->ids, id_hash_str(id), 0, NULL);
}

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

/* What reading an archive back found. */
struct readback {
	idset *ids;
	long count;
	struct school *into; /* when merging: lines go here */
	char first[11], last[11];
	const char *bad;
};

static int read_back_line(void *ctx, const char *line, size_t len)
{
	struct readback *b = ctx;
	cJSON *o = cJSON_ParseWithLength(line, len);
	const char *id = o ? nd_get_str(o, "id") : NULL;
	const char *starts = o ? nd_get_str(o, "starts_at") : NULL;
	if (!id) {
		b->bad = "a line is not an appointment record";
		cJSON_Delete(o);
		return 1;
	}
	b->count++;
	if (b->ids)
		idset_put(b->ids, id_hash_str(id), 0, NULL);
	if (starts && strlen(starts) >= 10) {
		if (!b->first[0] || strncmp(starts, b->first, 10) < 0)
			snprintf(b->first, 11, "%.10s", starts);
		if (!b->last[0] || strncmp(starts, b->last, 10) > 0)
			snprintf(b->last, 11, "%.10s", starts);
	}
	if (b->into && !idset_get(b->into->ids, id_hash_str(id), NULL))
		school_add(b->into, line, len, id, starts, false);
	cJSON_Delete(o);
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
	bool base_seen;
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
			char year[16];
			year_of(&a, year);
			if (strcmp(year, y->year) != 0)
				continue; /* another year: passed over */
			size_t len;
			nd_mem_reset(mem);
			rec_write(mem, &a);
			const char *text = nd_current(mem, &len);
			const char *school = rec_str(&a, A_SCHOOL_ID);
			school_add(school_of(y, school ? school : "no-school"), text,
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
 * left alone and the run stops. Returns 0 (no earlier archive), 1 (nothing
 * to add to it), 2 (appointments added), -1. */
static int merge_existing(struct year_run *y, struct school *s,
			  struct manifest *m, const char *name)
{
	char path[PATH_BUF], why[256], sha[65];
	snprintf(path, sizeof path, "%s/%s", y->dir, name);
	if (access(path, F_OK) != 0)
		return 0;
	struct entry *e = manifest_find(m, name);
	if (!e || archive_sha256(path, sha) != 0 || strcmp(sha, e->sha) != 0)
		rp_warnx("%s: an earlier archive its manifest does not vouch for "
			 "(a run cut short?): its appointments are kept if it reads "
			 "whole", path);
	/* earlier lines first, in their order, then this run's new ones */
	struct school old = {.id = s->id, .ids = idset_new()};
	struct readback b = {.into = &old};
	if (archive_each_line(path, read_back_line, &b, why) != 0 || b.bad) {
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
		if (!idset_get(old.ids, id_hash_str(s->v[i].id), NULL)) {
			school_add(&old, s->v[i].text, s->v[i].len, s->v[i].id,
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
		return RP_EXIT_IO;
	if (had != 1 && write_file(y->dir, name, true, fill_school, s) != 0)
		return RP_EXIT_IO;
	/* read it back: every appointment of this run must be in it */
	struct readback b = {.ids = idset_new()};
	int rc = archive_each_line(path, read_back_line, &b, why);
	bool whole = rc == 0 && !b.bad && b.count == (long)s->n;
	for (size_t i = 0; whole && i < s->n; i++)
		whole = idset_get(b.ids, id_hash_str(s->v[i].id), NULL);
	idset_free(b.ids);
	struct entry *e = manifest_add(m, s->id, name);
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

int archive_year(char **inputs, int ninputs, const char *year,
		 const char *dir, nd_writer *plan)
{
	struct year_run y = {.year = year};
	/* a full disk or a file size limit is an error to report, not a
	 * signal to die of half-way */
	signal(SIGXFSZ, SIG_IGN);
	int rc = read_state(&y, inputs, ninputs);
	if (rc != RP_EXIT_OK) {
		free_schools(&y);
		return rc;
	}
	snprintf(y.dir, sizeof y.dir, "%s/%s", dir, year);
	if ((mkdir(dir, 0700) != 0 && errno != EEXIST) ||
	    (mkdir(y.dir, 0700) != 0 && errno != EEXIST)) {
		rp_warn("%s", y.dir);
		free_schools(&y);
		return RP_EXIT_IO;
	}
	if (y.n > 1)
		qsort(y.schools, y.n, sizeof *y.schools, cmp_school);
	struct manifest m = {0};
	if (manifest_read(y.dir, &m) < 0)
		rc = RP_EXIT_IO;
	for (size_t i = 0; i < y.n && rc == RP_EXIT_OK; i++)
		rc = archive_school(&y, &y.schools[i], &m);
	if (rc == RP_EXIT_OK && y.n) {
		if (m.n > 1)
			qsort(m.v, m.n, sizeof *m.v, cmp_entry);
		struct manifest_out mo = {&m, year};
		if (write_file(y.dir, "manifest.json", false, fill_manifest, &mo) != 0)
			rc = RP_EXIT_IO;
	}
	/* the plan only now: every archive written, synced and read back */
	if (rc == RP_EXIT_OK)
		rc = write_plan(&y, plan);
	manifest_free(&m);
	free_schools(&y);
	return rc;
}

/* ---- export and verify ------------------------------------------------- */

/* The archives to read: each file with the manifest entry vouching for it. */
struct found {
	char path[PATH_BUF];
	char sha[65]; /* empty: no manifest names it */
	long count;
};

struct found_list {
	struct found *v;
	size_t n, cap;
};

static void found_add(struct found_list *l, const char *path, const char *sha,
		      long count)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->v = xrealloc(l->v, l->cap * sizeof *l->v);
	}
	struct found *f = &l->v[l->n++];
	snprintf(f->path, sizeof f->path, "%s", path);
	snprintf(f->sha, sizeof f->sha, "%s", sha ? sha : "");
	f->count = count;
}

/* Adds the archives a manifest in dir names; 1, 0 (no manifest), -1. */
static int add_manifest(struct found_list *l, const char *dir, const char *only)
{
	struct manifest m = {0};
	int got = manifest_read(dir, &m);
	for (size_t i = 0; got > 0 && i < m.n; i++) {
		char path[PATH_BUF];
		snprintf(path, sizeof path, "%s/%s", dir, m.v[i].file);
		if (!only || strcmp(only, m.v[i].file) == 0)
			found_add(l, path, m.v[i].sha, m.v[i].count);
	}
	manifest_free(&m);
	return got;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* An archive file, a year's folder, or the folder of all years. */
static int find_archives(const char *path, struct found_list *l)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return rp_warn("%s", path), -1;
	if (!S_ISDIR(st.st_mode)) {
		char dir[PATH_BUF];
		snprintf(dir, sizeof dir, "%s", path);
		char *slash = strrchr(dir, '/');
		const char *base = slash ? slash + 1 : path;
		if (slash)
			*slash = '\0';
		else
			snprintf(dir, sizeof dir, ".");
		size_t before = l->n;
		if (add_manifest(l, dir, base) < 0)
			return -1;
		if (l->n == before)
			found_add(l, path, NULL, -1);
		return 0;
	}
	int got = add_manifest(l, path, NULL);
	if (got != 0)
		return got < 0 ? -1 : 0;
	DIR *d = opendir(path);
	if (!d)
		return rp_warn("%s", path), -1;
	char **names = NULL;
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.') {
			names = xrealloc(names, (n + 1) * sizeof *names);
			names[n++] = xstrdup(e->d_name);
		}
	closedir(d);
	if (n > 1)
		qsort(names, n, sizeof *names, cmp_name);
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		char sub[PATH_BUF];
		snprintf(sub, sizeof sub, "%s/%s", path, names[i]);
		if (stat(sub, &st) == 0 && S_ISDIR(st.st_mode) &&
		    add_manifest(l, sub, NULL) < 0)
			rc = -1;
		free(names[i]);
	}
	free(names);
	return rc;
}

/* Checks one archive before anything of it is written out. */
static int check_archive(const struct found *f, long *count)
{
	char sha[65], why[256];
	if (f->sha[0]) {
		if (archive_sha256(f->path, sha) != 0) {
			rp_warn("%s", f->path);
			return -1;
		}
		if (strcmp(sha, f->sha) != 0) {
			rp_warnx("%s: does not match the SHA-256 its manifest gives: "
				 "corrupted or replaced", f->path);
			return -1;
		}
	}
	struct readback b = {0};
	if (archive_each_line(f->path, read_back_line, &b, why) != 0 || b.bad) {
		rp_warnx("%s: %s", f->path, b.bad ? b.bad : why);
		return -1;
	}
	if (f->count >= 0 && b.count != f->count) {
		rp_warnx("%s: %ld appointments, its manifest says %ld", f->path,
			 b.count, f->count);
		return -1;
	}
	*count = b.count;
	return 0;
}

struct exporter {
	const struct export_filter *f;
	nd_writer *out;
	long written;
};

static int export_line(void *ctx, const char *line, size_t len)
{
	struct exporter *x = ctx;
	const struct export_filter *f = x->f;
	cJSON *o = cJSON_ParseWithLength(line, len);
	const char *school = nd_get_str(o, "school_id"), *user = nd_get_str(o, "user_id"),
		   *staff = nd_get_str(o, "staff_id"), *starts = nd_get_str(o, "starts_at");
	bool keep = (!f->school || (school && strcmp(school, f->school) == 0)) &&
		    (!f->user || (user && strcmp(user, f->user) == 0) ||
		     (staff && strcmp(staff, f->user) == 0)) &&
		    (!f->from || (starts && strncmp(starts, f->from, 10) >= 0)) &&
		    (!f->to || (starts && strncmp(starts, f->to, 10) <= 0));
	if (keep && f->csv) {
		for (int i = 0; i < REC_APPOINTMENT.nfields; i++)
			csvw_cell(x->out, nd_get_str(o, REC_APPOINTMENT.fields[i].name),
				 i == REC_APPOINTMENT.nfields - 1);
	} else if (keep) {
		nd_raw(x->out, line, len);
		nd_raw(x->out, "\n", 1);
	}
	x->written += keep;
	cJSON_Delete(o);
	return 0;
}

int archive_export(const char *path, const struct export_filter *f,
		   nd_writer *out)
{
	struct found_list l = {0};
	int rc = find_archives(path, &l) == 0 ? RP_EXIT_OK : RP_EXIT_DATA;
	/* every archive is checked whole before a line of it goes out: a
	 * corrupted one is an error, never a short export */
	for (size_t i = 0; i < l.n && rc == RP_EXIT_OK; i++) {
		long count;
		if (check_archive(&l.v[i], &count) != 0)
			rc = RP_EXIT_DATA;
	}
	if (rc == RP_EXIT_OK && l.n == 0) {
		rp_warnx("%s: no archives there", path);
		rc = RP_EXIT_DATA;
	}
	if (rc == RP_EXIT_OK) {
		struct exporter x = {.f = f, .out = out};
		if (f->csv)
			for (int i = 0; i < REC_APPOINTMENT.nfields; i++)
				csvw_cell(out, REC_APPOINTMENT.fields[i].name,
					 i == REC_APPOINTMENT.nfields - 1);
		char why[256];
		for (size_t i = 0; i < l.n && rc == RP_EXIT_OK; i++)
			if (archive_each_line(l.v[i].path, export_line, &x, why) != 0) {
				rp_warnx("%s: %s", l.v[i].path, why);
				rc = RP_EXIT_DATA;
			}
		if (!rp_policy.quiet)
			rp_warnx("%ld appointment%s exported from %zu archive%s",
				 x.written, x.written == 1 ? "" : "s", l.n,
				 l.n == 1 ? "" : "s");
	}
	free(l.v);
	return rc;
}

int archive_verify(const char *dir)
{
	struct found_list l = {0};
	int rc = find_archives(dir, &l) == 0 ? RP_EXIT_OK : RP_EXIT_DATA;
	for (size_t i = 0; i < l.n; i++) {
		long count;
		if (!l.v[i].sha[0]) {
			rp_warnx("%s: no manifest names it", l.v[i].path);
			rc = RP_EXIT_DATA;
		} else if (check_archive(&l.v[i], &count) != 0) {
			rc = RP_EXIT_DATA;
		} else if (!rp_policy.quiet) {
			rp_warnx("%s: ok, %ld appointment%s", l.v[i].path, count,
				 count == 1 ? "" : "s");
		}
	}
	if (l.n == 0) {
		rp_warnx("%s: no archive manifest there", dir);
		rc = RP_EXIT_DATA;
	}
	free(l.v);
	return rc;
}
