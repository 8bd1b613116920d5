#ifndef RP_JSONDOC_H
#define RP_JSONDOC_H

#include <cjson/cJSON.h>

#include "input.h"

/*
 * JSON documents one after another in a stream, each spread over any
 * number of lines (API pages as saved by curl, pretty-printed or not,
 * concatenated on standard input). Each is handed over parsed.
 */
typedef struct jd_reader jd_reader;

/* path NULL or "-" is standard input; NULL (errno set) if it won't open. */
jd_reader *jd_open(const char *path);
void jd_free(jd_reader *r);

/*
 * The next document, owned by the reader until the next call. Returns 1,
 * 0 at the end, -1 for a bad document (reported through rp_error with the
 * line where it starts: invalid UTF-8, not JSON, cut short), -2 when the
 * stream cannot be read further (reported).
 */
int jd_next(jd_reader *r, cJSON **doc);
long jd_line(const jd_reader *r); /* where the current document starts */
/* The current document's text, from its first byte to its last, as read
 * (its newlines kept); valid until the next jd_next. */
const char *jd_text(const jd_reader *r, size_t *len);
const char *jd_name(const jd_reader *r);
bool jd_io_failed(const jd_reader *r);

/*
 * Where the elements of an array member start, without parsing again: in
 * text (one JSON document, an object), the value of the first member named
 * key that is an array. Returns how many elements it has, their byte
 * offsets in (*offs)[0..n) (the buffer grown as getline does), or -1 when
 * there is no such member or the text is not a well-formed object. One
 * pass over the text: strings (with their escapes) and nested values are
 * stepped over by depth. Member names are compared as written, escapes and
 * all.
 */
long jd_array_offsets(const char *text, size_t len, const char *key,
		      size_t **offs, size_t *cap);

#endif
