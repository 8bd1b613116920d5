#include "jsondoc.h"

#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "utf8.h"
#include "xalloc.h"

struct jd_reader {
	rp_input *in;
	const char *line; /* what is left of the current line */
	size_t left;
	char *doc; /* the document being gathered */
	size_t len, cap;
	long start;
	int depth;
	bool in_string, escaped;
	cJSON *parsed;
	bool io_failed;
};

jd_reader *jd_open(const char *path)
{
	rp_input *in = rp_input_open(path);
	if (!in)
		return NULL;
	jd_reader *r = xcalloc(1, sizeof *r);
	r->in = in;
	return r;
}

void jd_free(jd_reader *r)
{
	if (!r)
		return;
	cJSON_Delete(r->parsed);
	rp_input_close(r->in);
	free(r->doc);
	free(r);
}

long jd_line(const jd_reader *r) { return r->start; }

const char *jd_text(const jd_reader *r, size_t *len)
{
	*len = r->len;
	return r->doc;
}
const char *jd_name(const jd_reader *r) { return rp_input_name(r->in); }
bool jd_io_failed(const jd_reader *r) { return r->io_failed; }

static void gather(jd_reader *r, const char *s, size_t n)
{
	if (r->len + n + 1 > r->cap) {
		r->cap = (r->len + n + 1) * 2;
		r->doc = xrealloc(r->doc, r->cap);
	}
	memcpy(r->doc + r->len, s, n);
	r->len += n;
	r->doc[r->len] = '\0';
}

static int bad(jd_reader *r, const char *msg)
{
	struct rp_loc loc = {.file = rp_input_name(r->in), .line = r->start,
			     .code = "bad_json"};
	rp_error(&loc, "%s", msg);
	return -1;
}

/* Scans the rest of the line; true when a document is complete, with the
 * line's remainder kept for the next call. */
static bool scan(jd_reader *r)
{
	size_t i = 0;
	const char *s = r->line;
	if (r->depth == 0) {
		while (i < r->left && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' ||
				       s[i] == '\n'))
			i++;
		if (i == r->left) {
			r->left = 0;
			return false;
		}
		r->start = rp_input_lineno(r->in);
		r->len = 0;
	}
	size_t from = i;
	for (; i < r->left; i++) {
		char c = s[i];
		if (r->in_string) {
			if (r->escaped)
				r->escaped = false;
			else if (c == '\\')
				r->escaped = true;
			else if (c == '"')
				r->in_string = false;
		} else if (c == '"') {
			r->in_string = true;
		} else if (c == '{' || c == '[') {
			r->depth++;
		} else if (c == '}' || c == ']') {
			if (--r->depth <= 0) {
				i++;
				break;
			}
		} else if (r->depth == 0) {
			/* a scalar at the top: take the rest of the line as one */
			i = r->left;
			r->depth = -1;
			break;
		}
	}
	gather(r, s + from, i - from);
	r->line += i;
	r->left -= i;
	if (r->depth <= 0) {
		r->depth = 0;
		return true;
	}
	return false;
}

int jd_next(jd_reader *r, cJSON **doc)
{
	cJSON_Delete(r->parsed);
	r->parsed = NULL;
	for (;;) {
		while (r->left == 0) {
			ssize_t n = rp_input_getline(r->in, &r->line);
			if (n < 0) {
				if (rp_input_io_failure(r->in)) {
					r->io_failed = true;
					rp_warnx("%s: %s", rp_input_name(r->in),
						 rp_input_strerror(r->in));
				} else {
					bad(r, rp_input_strerror(r->in));
				}
				return -2;
			}
			if (n == 0) {
				if (r->depth == 0)
					return 0;
				r->depth = 0;
				r->in_string = r->escaped = false;
				return bad(r, "JSON document cut short at the end of the input");
			}
			r->left = (size_t)n;
		}
		if (!scan(r))
			continue;
		if (utf8_check(r->doc, r->len) != UTF8_VALID)
			return bad(r, memchr(r->doc, 0, r->len) ? "NUL byte in document"
								 : "invalid UTF-8");
		r->parsed = cJSON_ParseWithLength(r->doc, r->len);
		if (!r->parsed)
			return bad(r, "not valid JSON");
		*doc = r->parsed;
		return 1;
	}
}

static void push_offset(size_t **offs, size_t *cap, size_t n, size_t off)
{
	if (n == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		*offs = xrealloc(*offs, *cap * sizeof **offs);
	}
	(*offs)[n] = off;
}

long jd_array_offsets(const char *t, size_t len, const char *key,
		      size_t **offs, size_t *cap)
{
	size_t klen = strlen(key), n = 0, i = 0;
	int depth = 0;
	/* at depth 1: a member name comes next / the last name was key;
	 * in the array: an element starts at the next value */
	bool want_name = false, matched = false, in_array = false, want_elem = false;
	while (i < len && (t[i] == ' ' || t[i] == '\t' || t[i] == '\r' || t[i] == '\n'))
		i++;
	if (i == len || t[i] != '{')
		return -1;
	for (; i < len; i++) {
		char c = t[i];
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ':')
			continue;
		if (in_array && depth == 2 && want_elem && c != ']') {
			push_offset(offs, cap, n++, i);
			want_elem = false;
		}
		if (c == '"') {
			size_t from = ++i;
			while (i < len && t[i] != '"')
				i += t[i] == '\\' ? 2 : 1;
			if (i >= len)
				return -1;
			if (depth == 1 && want_name) {
				matched = i - from == klen && memcmp(t + from, key, klen) == 0;
				want_name = false;
			} else if (depth == 1) {
				matched = false; /* a string value */
			}
		} else if (c == '{' || c == '[') {
			if (depth == 0)
				want_name = true;
			else if (depth == 1 && c == '[' && matched) {
				in_array = want_elem = true;
			}
			if (depth == 1)
				matched = false;
			depth++;
		} else if (c == '}' || c == ']') {
			if (--depth == 1 && in_array)
				return (long)n;
			if (depth <= 0)
				return -1;
		} else if (c == ',') {
			if (depth == 1)
				want_name = true;
			else if (depth == 2 && in_array)
				want_elem = true;
		} else if (depth == 1) {
			matched = false; /* a number, true, false or null */
		}
	}
	return -1;
}
