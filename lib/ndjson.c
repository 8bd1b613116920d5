#define _GNU_SOURCE /* F_SETPIPE_SZ: Linux's, not POSIX's */
#include "ndjson.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "jsonarena.h"
#include "jsonesc.h"
#include "utf8.h"
#include "xalloc.h"

/* ---- reading ---------------------------------------------------------- */

struct nd_reader {
	rp_input *in;
	ja_parser *json; /* owns the tree nd_next hands out */
	const char *text;
	size_t text_len;
	bool io_failed;
};

nd_reader *nd_reader_new(rp_input *in)
{
	nd_reader *r = xcalloc(1, sizeof *r);
	r->in = in;
	r->json = ja_new();
	return r;
}

nd_reader *nd_reader_open(const char *path)
{
	rp_input *in = rp_input_open(path);
	return in ? nd_reader_new(in) : NULL;
}

void nd_reader_free(nd_reader *r)
{
	if (!r)
		return;
	ja_free(r->json);
	rp_input_close(r->in);
	free(r);
}

static int bad_line(nd_reader *r, const char *code, const char *msg)
{
	struct rp_loc loc = {.file = rp_input_name(r->in),
			     .line = rp_input_lineno(r->in),
			     .code = code};
	rp_error(&loc, "%s", msg);
	return -1;
}

int nd_next(nd_reader *r, cJSON **obj)
{
	for (;;) {
		const char *line;
		ssize_t n = rp_input_getline(r->in, &line);
		if (n < 0) {
			if (rp_input_io_failure(r->in)) {
				r->io_failed = true;
				rp_warnx("%s: %s", rp_input_name(r->in),
					 rp_input_strerror(r->in));
			} else {
				struct rp_loc loc = {
					.file = rp_input_name(r->in),
					.line = rp_input_lineno(r->in) + 1,
					.code = "truncated"};
				rp_error(&loc, "%s", rp_input_strerror(r->in));
			}
			return -2;
		}
		if (n == 0)
			return 0;
		size_t len = (size_t)n;
		if (line[len - 1] == '\n')
			len--;
		if (len && line[len - 1] == '\r')
			len--;
		r->text = line;
		r->text_len = len;
		size_t skip = 0;
		while (skip < len && (line[skip] == ' ' || line[skip] == '\t'))
			skip++;
		if (skip == len)
			continue;
		if (utf8_check(line, len) != UTF8_VALID)
			return bad_line(r, "invalid_utf8",
					memchr(line, 0, len)
						? "NUL byte in line"
						: "invalid UTF-8");
		const char *end = NULL;
		/* parsed as cJSON_ParseWithLengthOpts(line, len, &end, 0)
		 * would, into the reader's arena (see jsonarena.h) */
		cJSON *o = ja_parse(r->json, line, len, &end);
		if (!o)
			return bad_line(r, "bad_json", "not valid JSON");
		while (end < line + len && (*end == ' ' || *end == '\t'))
			end++;
		if (end != line + len)
			return bad_line(r, "bad_json",
					"more than one JSON value on the line");
		if (!cJSON_IsObject(o))
			return bad_line(r, "not_object",
					"not a JSON object");
		if (!nd_get_str(o, "type"))
			return bad_line(r, "no_type",
					"record has no \"type\" string");
		*obj = o;
		return 1;
	}
}

const char *nd_text(const nd_reader *r, size_t *len)
{
	*len = r->text_len;
	return r->text;
}

bool nd_io_failed(const nd_reader *r) { return r->io_failed; }

long nd_line(const nd_reader *r) { return rp_input_lineno(r->in); }

const char *nd_name(const nd_reader *r) { return rp_input_name(r->in); }

const cJSON *nd_member(const cJSON *obj, const char *key)
{
	if (!obj || !key)
		return NULL;
	/* most members differ from the key in their first two bytes: strcmp
	 * only when those agree (s[1] is there when s[0] equals a key[0] that
	 * is not NUL); like cJSON, stop at a member without a name */
	for (const cJSON *m = obj->child; m && m->string; m = m->next) {
		const char *s = m->string;
		if (s[0] == key[0] && (!key[0] || s[1] == key[1]) &&
		    strcmp(s, key) == 0)
			return m;
	}
	return NULL;
}

const char *nd_get_str(const cJSON *obj, const char *key)
{
	const cJSON *v = nd_member(obj, key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

long long nd_get_int(const cJSON *obj, const char *key, long long dflt)
{
	const cJSON *v = nd_member(obj, key);
	/* a whole number a long long holds; anything else (1e999, -0.5,
	 * NaN) is not one, and converting it would be undefined */
	if (!cJSON_IsNumber(v) || !(v->valuedouble >= -9e15 && v->valuedouble <= 9e15) ||
	    v->valuedouble != floor(v->valuedouble))
		return dflt;
	return (long long)v->valuedouble;
}

const cJSON *nd_get_obj(const cJSON *obj, const char *key)
{
	const cJSON *v = nd_member(obj, key);
	return cJSON_IsObject(v) ? v : NULL;
}

const cJSON *nd_get_arr(const cJSON *obj, const char *key)
{
	const cJSON *v = nd_member(obj, key);
	return cJSON_IsArray(v) ? v : NULL;
}

/* ---- writing ---------------------------------------------------------- */

#define FLUSH_AT (256 * 1024)
#define MAX_DEPTH 1024 /* past cJSON's own nesting limit of 1000 */

struct nd_writer {
	int fd;
	int failed;
	char *buf;
	size_t len, cap;
	size_t record_start;
	int depth;
	unsigned char need_comma[MAX_DEPTH];
	char closer[MAX_DEPTH]; /* what ends each open level */
};

/* A pipe's buffer (64 KiB by default) smaller than a flush makes the
 * programs on its two ends take turns: the writer waits in write() until
 * the reader has taken nearly all of a flush. With room for a few flushes
 * the writer goes on while the reader works. Best effort: the system's
 * limit (/proc/sys/fs/pipe-max-size) may refuse it. */
static void widen_pipe(int fd)
{
#ifdef F_SETPIPE_SZ
	struct stat st;
	if (fd >= 0 && fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode))
		(void)fcntl(fd, F_SETPIPE_SZ, 4 * FLUSH_AT);
#else
	(void)fd;
#endif
}

nd_writer *nd_writer_new(int fd)
{
	widen_pipe(fd);
	nd_writer *w = xcalloc(1, sizeof *w);
	w->fd = fd;
	w->cap = FLUSH_AT * 2;
	w->buf = xmalloc(w->cap);
	return w;
}

static void reserve(nd_writer *w, size_t n)
{
	if (w->len + n <= w->cap)
		return;
	while (w->len + n > w->cap)
		w->cap *= 2;
	w->buf = xrealloc(w->buf, w->cap);
}

static void put(nd_writer *w, const char *s, size_t n)
{
	reserve(w, n);
	memcpy(w->buf + w->len, s, n);
	w->len += n;
}

static void put_c(nd_writer *w, char c)
{
	reserve(w, 1);
	w->buf[w->len++] = c;
}

nd_writer *nd_writer_mem(void) { return nd_writer_new(-1); }

void nd_mem_reset(nd_writer *w)
{
	w->len = 0;
	w->record_start = 0;
}

int nd_flush(nd_writer *w)
{
	size_t off = 0;
	if (w->fd < 0)
		return 0; /* a memory writer keeps what it was given */
	while (off < w->len && !w->failed) {
		ssize_t n = write(w->fd, w->buf + off, w->len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			w->failed = errno;
		else
			off += (size_t)n;
	}
	w->len = 0;
	w->record_start = 0;
	if (w->failed) {
		errno = w->failed;
		return -1;
	}
	return 0;
}

int nd_writer_close(nd_writer *w)
{
	int rc = nd_flush(w);
	int saved = errno;
	free(w->buf);
	free(w);
	errno = saved;
	return rc;
}

/* The separator and key before a member (key NULL inside arrays), with
 * room for `more` bytes after them: one reserve for the whole member. */
static void member_room(nd_writer *w, const char *key, size_t more)
{
	size_t klen = key ? strlen(key) : 0;
	reserve(w, 1 + (key ? JSONESC_MAX(klen) + 1 : 0) + more);
	char *d = w->buf + w->len;
	if (w->need_comma[w->depth])
		*d++ = ',';
	w->need_comma[w->depth] = 1;
	if (key) {
		d = jsonesc(d, key, klen);
		*d++ = ':';
	}
	w->len = (size_t)(d - w->buf);
}

static void member(nd_writer *w, const char *key)
{
	member_room(w, key, 0);
}

static void open_nested(nd_writer *w, char c)
{
	put_c(w, c);
	if (w->depth + 1 >= MAX_DEPTH)
		rp_die(RP_EXIT_DATA, "records nested deeper than %d levels",
		       MAX_DEPTH);
	w->need_comma[++w->depth] = 0;
	w->closer[w->depth] = c == '{' ? '}' : ']';
}

void nd_begin(nd_writer *w)
{
	w->record_start = w->len;
	w->depth = 0;
	w->need_comma[0] = 0;
	open_nested(w, '{');
}

void nd_end(nd_writer *w)
{
	put(w, "}\n", 2);
	w->depth = 0;
	if (w->len >= FLUSH_AT && w->fd >= 0)
		nd_flush(w);
}

void nd_strn(nd_writer *w, const char *key, const char *val, size_t n)
{
	if (!val)
		return;
	member_room(w, key, JSONESC_MAX(n));
	w->len = (size_t)(jsonesc(w->buf + w->len, val, n) - w->buf);
}

void nd_str(nd_writer *w, const char *key, const char *val)
{
	if (val)
		nd_strn(w, key, val, strlen(val));
}

void nd_int(nd_writer *w, const char *key, long long val)
{
	char num[32];
	member(w, key);
	put(w, num, (size_t)snprintf(num, sizeof num, "%lld", val));
}

void nd_bool(nd_writer *w, const char *key, bool val)
{
	member(w, key);
	put(w, val ? "true" : "false", val ? 4 : 5);
}

void nd_null(nd_writer *w, const char *key)
{
	member(w, key);
	put(w, "null", 4);
}

void nd_obj(nd_writer *w, const char *key)
{
	member(w, key);
	open_nested(w, '{');
}

void nd_arr(nd_writer *w, const char *key)
{
	member(w, key);
	open_nested(w, '[');
}

void nd_close(nd_writer *w)
{
	put_c(w, w->closer[w->depth]);
	w->depth--;
}

void nd_json(nd_writer *w, const char *key, const cJSON *v)
{
	if (cJSON_IsString(v)) {
		nd_str(w, key, v->valuestring);
	} else if (cJSON_IsNumber(v) && !isfinite(v->valuedouble)) {
		nd_null(w, key); /* JSON has no infinity: cJSON prints null too */
	} else if (cJSON_IsNumber(v)) {
		char num[40];
		double d = v->valuedouble;
		member(w, key);
		if (d == floor(d) && fabs(d) < 9e15)
			put(w, num, (size_t)snprintf(num, sizeof num, "%.0f", d));
		else {
			/* the shortest of 15 or 17 digits that reads back the same */
			int len = snprintf(num, sizeof num, "%.15g", d);
			if (strtod(num, NULL) != d)
				len = snprintf(num, sizeof num, "%.17g", d);
			put(w, num, (size_t)len);
		}
	} else if (cJSON_IsBool(v)) {
		nd_bool(w, key, cJSON_IsTrue(v));
	} else if (cJSON_IsNull(v)) {
		nd_null(w, key);
	} else if (cJSON_IsArray(v) || cJSON_IsObject(v)) {
		int is_obj = cJSON_IsObject(v);
		member(w, key);
		open_nested(w, is_obj ? '{' : '[');
		for (const cJSON *c = v->child; c; c = c->next)
			nd_json(w, is_obj ? c->string : NULL, c);
		nd_close(w);
	}
}

void nd_raw(nd_writer *w, const char *bytes, size_t n)
{
	put(w, bytes, n);
	if (w->len >= FLUSH_AT && w->fd >= 0)
		nd_flush(w);
}

const char *nd_current(const nd_writer *w, size_t *len)
{
	*len = w->len - w->record_start;
	return w->buf + w->record_start;
}

int nd_finish_stdout(nd_writer *w, int rc)
{
	if (nd_writer_close(w) == 0)
		return rc;
	rp_warn("standard output");
	return RP_EXIT_IO;
}

int nd_each_record(char **paths, int npaths,
		   int (*fn)(void *ctx, nd_reader *r, cJSON *o), void *ctx)
{
	int rc = RP_EXIT_OK;
	for (int i = 0; i < (npaths ? npaths : 1); i++) {
		nd_reader *r = nd_reader_open(npaths ? paths[i] : NULL);
		if (!r) {
			rp_warn("%s", paths[i]);
			rc = RP_EXIT_IO;
			continue;
		}
		cJSON *o;
		int got, stop = 0;
		while (!stop && (got = nd_next(r, &o)) != 0) {
			if (got == -2) {
				int why = nd_io_failed(r) ? RP_EXIT_IO : RP_EXIT_DATA;
				rc = rc > why ? rc : why;
				break;
			}
			if (got > 0)
				stop = fn(ctx, r, o);
		}
		nd_reader_free(r);
		if (stop)
			return stop;
	}
	return rc;
}
