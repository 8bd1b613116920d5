/* Archive files: reading them back (checksums, every line), the folder's
 * manifest, and durable writes (temporary files, fsync, then renames). */
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

struct entry *sm_manifest_find(struct manifest *m, const char *file)
{
	for (size_t i = 0; i < m->n; i++)
		if (strcmp(m->v[i].file, file) == 0)
			return &m->v[i];
	return NULL;
}

struct entry *sm_manifest_add(struct manifest *m, const char *school,
				  const char *file)
{
	struct entry *e = sm_manifest_find(m, file);
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

void sm_manifest_free(struct manifest *m)
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

/* Reads DIR/NAME into m: 1 read, 0 none there, -1 unreadable (reported
 * when report is set). */
static int manifest_read(const char *dir, const char *name, struct manifest *m,
			 bool report)
{
	char path[PATH_BUF];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "r");
	if (!f)
		return errno == ENOENT ? 0 : (report ? rp_warn("%s", path) : (void)0, -1);
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
		if (report)
			rp_warnx("%s: not an archive manifest", path);
		cJSON_Delete(o);
		return -1;
	}
	cJSON_ArrayForEach(a, list) {
		const char *school = nd_get_str(a, "school_id"),
			   *file = nd_get_str(a, "file"), *sha = nd_get_str(a, "sha256");
		long long count = nd_get_int(a, "count", -1);
		/* a file name only, in this folder */
		if (!school || !file || !sha || strlen(sha) != 64 || count < 0 ||
		    strchr(file, '/') || file[0] == '.' || !file[0]) {
			if (report)
				rp_warnx("%s: an archive entry lacks school_id, file, count or sha256",
					 path);
			cJSON_Delete(o);
			sm_manifest_free(m);
			return -1;
		}
		struct entry *e = sm_manifest_add(m, school, file);
		memcpy(e->sha, sha, 65);
		e->count = (long)count;
		free(e->first);
		free(e->last);
		e->first = nd_get_str(a, "first") ? xstrdup(nd_get_str(a, "first")) : NULL;
		e->last = nd_get_str(a, "last") ? xstrdup(nd_get_str(a, "last")) : NULL;
	}
	cJSON_Delete(o);
	return 1;
}

int sm_manifest_read(const char *dir, struct manifest *m)
{
	return manifest_read(dir, "manifest.json", m, true);
}

int sm_manifest_read_pending(const char *dir, struct manifest *m)
{
	return manifest_read(dir, SM_PENDING_MANIFEST, m, false) > 0;
}

/* ---- writing, durably -------------------------------------------------- */

int sm_sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return -1;
	int rc = fsync(fd);
	close(fd);
	return rc;
}

void sm_tmp_path(const char *dir, const char *name, char *out, size_t size)
{
	snprintf(out, size, "%s/" SM_TMP_PREFIX "%s" SM_TMP_SUFFIX, dir, name);
}

int sm_write_tmp(const char *dir, const char *name, bool gzip,
		 int (*fill)(void *ctx, gzFile gz, FILE *plain), void *ctx)
{
	char tmp[PATH_BUF];
	sm_tmp_path(dir, name, tmp, sizeof tmp);
	/* our own name: a leftover of a run cut short, or a link planted
	 * there, is removed, and the file is made new */
	if (unlink(tmp) != 0 && errno != ENOENT)
		return rp_warn("%s", tmp), -1;
	int fd = rp_create_new(tmp);
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
	return 0;
}

int sm_commit(const char *dir, const char *name)
{
	char tmp[PATH_BUF], path[PATH_BUF];
	sm_tmp_path(dir, name, tmp, sizeof tmp);
	snprintf(path, sizeof path, "%s/%s", dir, name);
	if (rename(tmp, path) != 0)
		return rp_warn("%s", path), -1;
	return 0;
}

void sm_discard(const char *dir, const char *name)
{
	char tmp[PATH_BUF];
	sm_tmp_path(dir, name, tmp, sizeof tmp);
	unlink(tmp);
}

/* ---- one school's lines, and reading an archive back -------------------- */

void sm_school_add(struct school *s, const char *text, size_t len,
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
	idset_put(s->ids, id_hash_str(id), (uint32_t)(s->n - 1), NULL);
}

int sm_read_back_line(void *ctx, const char *line, size_t len)
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
		sm_school_add(b->into, line, len, id, starts, false);
	cJSON_Delete(o);
	return 0;
}
