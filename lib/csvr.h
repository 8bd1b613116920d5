#ifndef RP_CSVR_H
#define RP_CSVR_H

#include <stddef.h>

#include "input.h"

/*
 * RFC 4180 CSV on libcsv (CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL),
 * read as a header row and then records, with the physical line where each
 * record starts. Copes with one leading UTF-8 BOM, CRLF / LF / CR line ends,
 * no final newline, blank lines, quoted fields holding commas, quotes and
 * newlines, and empty trailing header cells. Fields are kept exactly as
 * written (no trimming).
 */
typedef struct csvr csvr;

/* Takes ownership of in. */
csvr *csvr_new(rp_input *in);
void csvr_free(csvr *r);

/* Reads the header row. Returns 1, 0 for an empty file (no header at all),
 * -1 on a bad header (see csvr_errmsg). Empty names that end the header
 * (`role,,,`, as real exporters write) are unnamed columns: not among
 * csvr_ncols(), but counted in the width rows are held to (see csvr_next).
 * An empty name before a named column, or a repeated name, is an error. */
int csvr_header(csvr *r);
size_t csvr_ncols(const csvr *r);
const char *csvr_colname(const csvr *r, size_t i);
/* Column index by name: exact match first, then ASCII case-insensitive; -1. */
int csvr_col(const csvr *r, const char *name);

/*
 * Next record. Returns 1 with a record, 0 at the end, -1 for a bad record
 * that was skipped (ragged row, invalid UTF-8 or NUL byte in a field): the
 * next call goes on with the following record; -2 when the file cannot be
 * read further (unterminated quote, malformed quoting, read error).
 * A record has a field for each named column and at most one for each
 * header cell: fewer or more fields are a ragged-row error, even when the
 * extra fields are empty (an unquoted comma shifts every later value).
 * Fields under the header's unnamed columns may be there or not; they must
 * be empty, and are dropped. csvr_field() then serves csvr_ncols() fields.
 */
int csvr_next(csvr *r);
const char *csvr_field(const csvr *r, size_t i); /* NUL-terminated */
size_t csvr_fieldlen(const csvr *r, size_t i);

/* Physical line (1-based) where the current record, or the record in
 * error, starts; and its record number (1-based, the header not counted). */
long csvr_line(const csvr *r);
long csvr_record(const csvr *r);

/* After -1 or -2: what is wrong, and the column name at fault or NULL. */
const char *csvr_errmsg(const csvr *r);
const char *csvr_errcol(const csvr *r);

const char *csvr_name(const csvr *r);

#endif
