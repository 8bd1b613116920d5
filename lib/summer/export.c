/* An archive read back for a person (--export, with filters, as NDJSON or
 * spreadsheet-safe CSV) or checked against its manifest (--verify). */
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
#include "planw.h"
#include "record.h"
#include "sha256.h"
#include "xalloc.h"

/* ---- export and verify ------------------------------------------------- */

/* The archives to read: each file with the manifest entry vouching for it. */
struct found {
	char path[PATH_BUF];
	char sha[65]; /* empty: no manifest names it */
	long count;
	/* what the pending manifest of a run killed between its renames
	 * says of the file (empty: nothing) */
	char pending_sha[65];
	long pending_count;
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
	f->pending_sha[0] = '\0';
	f->pending_count = -1;
}

/* Adds the archives a manifest in dir names; 1, 0 (no manifest), -1. */
static int add_manifest(struct found_list *l, const char *dir, const char *only)
{
	struct manifest m = {0}, pending = {0};
	int got = sm_manifest_read(dir, &m);
	if (got > 0)
		sm_manifest_read_pending(dir, &pending);
	for (size_t i = 0; got > 0 && i < m.n; i++) {
		char path[PATH_BUF];
		snprintf(path, sizeof path, "%s/%s", dir, m.v[i].file);
		if (only && strcmp(only, m.v[i].file) != 0)
			continue;
		found_add(l, path, m.v[i].sha, m.v[i].count);
		const struct entry *p = sm_manifest_find(&pending, m.v[i].file);
		if (p) {
			memcpy(l->v[l->n - 1].pending_sha, p->sha, 65);
			l->v[l->n - 1].pending_count = p->count;
		}
	}
	/* a year's folder: an archive its manifests name neither (one taken
	 * out of the manifest by hand) would be left out of --verify and
	 * --export without a word */
	DIR *d = got > 0 && !only ? opendir(dir) : NULL;
	for (struct dirent *e; d && (e = readdir(d));) {
		size_t len = strlen(e->d_name);
		if (e->d_name[0] == '.' || len < 10 || strcmp(e->d_name + len - 10, ".ndjson.gz") != 0 ||
		    sm_manifest_find(&m, e->d_name) || sm_manifest_find(&pending, e->d_name))
			continue;
		rp_errx("bad_data", "%s/%s: an archive its manifest does not name (taken "
			 "out of it by hand?)", dir, e->d_name);
		got = -1;
	}
	if (d)
		closedir(d);
	sm_manifest_free(&m);
	sm_manifest_free(&pending);
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
	long want = f->count;
	if (f->sha[0]) {
		if (archive_sha256(f->path, sha) != 0) {
			rp_warn("%s", f->path);
			return -1;
		}
		/* a run killed between renaming its archives and its manifest:
		 * the pending manifest, written whole first, vouches for it */
		if (strcmp(sha, f->sha) != 0 && f->pending_sha[0] &&
		    strcmp(sha, f->pending_sha) == 0)
			want = f->pending_count;
		else if (strcmp(sha, f->sha) != 0) {
			rp_warnx("%s: does not match the SHA-256 its manifest gives: "
				 "corrupted or replaced", f->path);
			return -1;
		}
	}
	struct readback b = {0};
	if (archive_each_line(f->path, sm_read_back_line, &b, why) != 0 || b.bad) {
		rp_warnx("%s: %s", f->path, b.bad ? b.bad : why);
		return -1;
	}
	if (want >= 0 && b.count != want) {
		rp_warnx("%s: %ld appointments, its manifest says %ld", f->path,
			 b.count, want);
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
