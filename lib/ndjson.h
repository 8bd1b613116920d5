#ifndef RP_NDJSON_H
#define RP_NDJSON_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "input.h"

/* ---- reading ---------------------------------------------------------- */

typedef struct nd_reader nd_reader;

/* path NULL or "-" is standard input. NULL (errno set) when it won't open. */
nd_reader *nd_reader_open(const char *path);
/* Takes ownership of in. */
nd_reader *nd_reader_new(rp_input *in);
void nd_reader_free(nd_reader *r);

/*
 * The next record, parsed; *obj is owned by the reader until the next call
 * (it lives in the reader's arena, see jsonarena.h: read it, never
 * cJSON_Delete it or add, detach or replace its items).
 * Returns 1, 0 at the end, -1 for a bad line that was reported through
 * rp_error (invalid UTF-8, NUL byte, not JSON, not an object, no "type"):
 * the caller carries on with the next line; -2 when the input cannot be
 * read further (reported: truncated or corrupt gzip data as a data error,
 * a failing system as an I/O error, see nd_io_failed).
 * Blank lines are skipped.
 */
int nd_next(nd_reader *r, cJSON **obj);

/*
 * Calls fn on each record of the files named (none: standard input, as
 * "-" is), in order; fn gets the reader for the record's text and place,
 * and returns 0 to go on. A file that will not open is reported and
 * skipped. Returns the worst status: 0; 1 when a file ended in data that
 * could not be read (reported); 4 on an I/O failure; or what fn returned
 * when it stopped.
 */
int nd_each_record(char **paths, int npaths,
		   int (*fn)(void *ctx, nd_reader *r, cJSON *o), void *ctx);

/* The current line, as read (without its '\n'): for passing records on. */
const char *nd_text(const nd_reader *r, size_t *len);
long nd_line(const nd_reader *r);
bool nd_io_failed(const nd_reader *r);
const char *nd_name(const nd_reader *r);

/* The first member named key, as cJSON_GetObjectItemCaseSensitive gives
 * it (NULL when obj or key is NULL or there is none), but faster: normalize
 * looks up about ten keys a record. */
const cJSON *nd_member(const cJSON *obj, const char *key);

/* Helpers over cJSON objects: NULL when missing or not of that type. */
const char *nd_get_str(const cJSON *obj, const char *key);
const cJSON *nd_get_obj(const cJSON *obj, const char *key);
/* A member that is a whole number within +-9e15, or dflt. */
long long nd_get_int(const cJSON *obj, const char *key, long long dflt);
const cJSON *nd_get_arr(const cJSON *obj, const char *key);

/* ---- writing ---------------------------------------------------------- */

typedef struct nd_writer nd_writer;

/* Buffered writer on a file descriptor. */
nd_writer *nd_writer_new(int fd);
/* A writer that keeps everything in memory: nd_current gives the last
 * record, nd_mem_reset forgets what was written. */
nd_writer *nd_writer_mem(void);
void nd_mem_reset(nd_writer *w);
/* Flushes; returns 0, or -1 when a write failed (errno set). Frees w. */
int nd_writer_close(nd_writer *w);
int nd_flush(nd_writer *w);
/* Closes a program's standard output writer: rc, or 4 (reported) when
 * the output could not be written whole. */
int nd_finish_stdout(nd_writer *w, int rc);

/*
 * One record: nd_begin, members, nd_end (writes the '\n'). Nested values
 * with nd_obj/nd_arr ... nd_close. A NULL value is omitted (absent values
 * are omitted, not null); nd_null writes an explicit null.
 */
void nd_begin(nd_writer *w);
void nd_end(nd_writer *w);
void nd_str(nd_writer *w, const char *key, const char *val);
void nd_strn(nd_writer *w, const char *key, const char *val, size_t n);
void nd_int(nd_writer *w, const char *key, long long val);
void nd_bool(nd_writer *w, const char *key, bool val);
void nd_null(nd_writer *w, const char *key);
void nd_obj(nd_writer *w, const char *key);
void nd_arr(nd_writer *w, const char *key);
void nd_close(nd_writer *w);
/* Any cJSON value, written compactly with object members in their order. */
void nd_json(nd_writer *w, const char *key, const cJSON *val);
/* Raw bytes, e.g. a record passed on unchanged (must be one JSON line). */
void nd_raw(nd_writer *w, const char *bytes, size_t n);

/* The bytes of the record being written since nd_begin, for hashing. */
const char *nd_current(const nd_writer *w, size_t *len);

#endif
