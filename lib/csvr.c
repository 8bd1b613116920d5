#include "csvr.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <csv.h>

#include "utf8.h"
#include "xalloc.h"

#define BOM "\xef\xbb\xbf"
#define NAME_SHOWN_MAX 100 /* bytes of a column name quoted in a message */

enum header_state { HEADER_UNREAD, HEADER_OK, HEADER_NONE, HEADER_BAD };

struct span {
	size_t off, len; /* into the arena: offsets survive its reallocation */
};

struct csvr {
	rp_input *in;
	struct csv_parser parser;

	/*
	 * What is left of the last line rp_input returned. It only holds more
	 * than one piece when lone CRs end lines, and is valid until the next
	 * rp_input_getline.
	 */
	const char *rest;
	size_t restlen;
	long lineno;	 /* physical lines handed to libcsv or skipped */
	int bom_checked; /* the first line has been looked at */
	int at_eof;	 /* csv_fini has run */
	int failed;	 /* -2 was returned: every later call returns it */

	/* The record being read: every field NUL-terminated in one arena. */
	char *arena;
	size_t arena_len, arena_cap;
	struct span *fields;
	size_t nfields, fields_cap;
	int in_record;	  /* a piece of it has been fed to libcsv */
	int record_done;  /* libcsv reported its end */
	int utf8_suspect; /* one of its lines is not valid UTF-8 */
	long line;	  /* where it starts */
	long recno;	  /* 0 for the header */

	enum header_state header;
	char *names; /* the header's arena, kept */
	const char **cols;
	size_t ncols; /* named columns */
	size_t width; /* header cells, with the unnamed ones that end it */

	const char *errcol;
	char errmsg[256];
};

/* Fields are kept exactly as written: libcsv trims spaces and tabs unless
 * told that nothing is a space. */
static int no_space(unsigned char c)
{
	(void)c;
	return 0;
}

csvr *csvr_new(rp_input *in)
{
	csvr *r = xcalloc(1, sizeof *r);
	r->in = in;
	csv_init(&r->parser, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL);
	csv_set_space_func(&r->parser, no_space);
	/* Running out of memory is fatal everywhere else too; this way libcsv
	 * never reports CSV_ENOMEM halfway through a field. */
	csv_set_realloc_func(&r->parser, xrealloc);
	r->recno = -1;
	return r;
}

void csvr_free(csvr *r)
{
	if (!r)
		return;
	csv_free(&r->parser);
	rp_input_close(r->in);
	free(r->arena);
	free(r->fields);
	free(r->names);
	free(r->cols);
	free(r);
}

static void set_error(csvr *r, const char *col, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_error(csvr *r, const char *col, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->errmsg, sizeof r->errmsg, fmt, ap);
	va_end(ap);
	r->errcol = col;
}

/* libcsv callback: one field of the current record. */
static void add_field(void *s, size_t len, void *data)
{
	csvr *r = data;
	if (r->nfields == r->fields_cap) {
		r->fields_cap = r->fields_cap ? r->fields_cap * 2 : 32;
		r->fields =
			xrealloc(r->fields, r->fields_cap * sizeof *r->fields);
	}
	if (r->arena_cap - r->arena_len < len + 1) {
		size_t need = r->arena_len + len + 1;
		r->arena_cap = r->arena_cap ? r->arena_cap : 1024;
		while (r->arena_cap < need)
			r->arena_cap *= 2;
		r->arena = xrealloc(r->arena, r->arena_cap);
	}
	/* CSV_APPEND_NULL put a NUL at s[len]: copy it along. */
	memcpy(r->arena + r->arena_len, s, len + 1);
	r->fields[r->nfields].off = r->arena_len;
	r->fields[r->nfields].len = len;
	r->nfields++;
	r->arena_len += len + 1;
}

/* libcsv callback: the record is complete (c is its terminator, or -1 from
 * csv_fini). */
static void end_record(int c, void *data)
{
	(void)c;
	((csvr *)data)->record_done = 1;
}

/*
 * The next physical line of r->rest. rp_input splits on '\n' only, so a lone
 * CR (not followed by '\n') ends a line here, so that CR-only files get
 * line numbers. A lone CR inside a quoted field counts as a line end too: the
 * line ending of a file is not known up front, and this rule needs no
 * guessing.
 */
static size_t next_piece(csvr *r, const char **piece)
{
	const char *cr = memchr(r->rest, '\r', r->restlen);
	size_t len = r->restlen;
	if (cr) {
		size_t after = (size_t)(cr - r->rest) + 1;
		if (after == r->restlen || cr[1] != '\n')
			len = after;
	}
	*piece = r->rest;
	r->rest += len;
	r->restlen -= len;
	return len;
}

/* Excel's "CSV UTF-8" export starts the file with a BOM, which would
 * otherwise become part of the first column name. */
static void skip_bom(csvr *r)
{
	r->bom_checked = 1;
	if (r->restlen >= 3 && memcmp(r->rest, BOM, 3) == 0) {
		r->rest += 3;
		r->restlen -= 3;
	}
}

static int is_blank(const char *s, size_t n)
{
	return (n == 1 && (s[0] == '\n' || s[0] == '\r')) ||
	       (n == 2 && s[0] == '\r' && s[1] == '\n');
}

static int fail(csvr *r, const char *msg)
{
	r->failed = 1;
	set_error(r, NULL, "%s", msg);
	return -2;
}

/* End of input: csv_fini flushes a last record that has no line end. */
static int finish(csvr *r)
{
	r->at_eof = 1;
	if (csv_fini(&r->parser, add_field, end_record, r) != 0)
		return fail(r, "unterminated quoted field");
	return r->record_done;
}

/* libcsv grows its field buffer by a fixed block: a 100 MB field would be
 * copied a million times. Fed in slices, with the block raised to the
 * buffer's size in between, the buffer doubles instead. */
static int feed(csvr *r, const char *piece, size_t len)
{
	const size_t slice = 64 * 1024;
	for (size_t off = 0; off < len; off += slice) {
		size_t n = len - off < slice ? len - off : slice;
		if (r->parser.entry_size > r->parser.blk_size)
			csv_set_blk_size(&r->parser, r->parser.entry_size);
		if (csv_parse(&r->parser, piece + off, n, add_field, end_record, r) != n)
			return -1;
	}
	return 0;
}

/*
 * Reads one record into the arena: 1, 0 at the end, -2 (r->failed) when
 * nothing more can be read. A record always ends at the end of a piece, as a
 * line end outside quotes is the only thing that ends one (the '\n' of a CRLF
 * comes after it, and libcsv skips it as an empty row), so pieces never hold
 * the start of the next record.
 */
static int read_record(csvr *r)
{
	if (r->failed)
		return -2;
	r->arena_len = 0;
	r->nfields = 0;
	r->in_record = r->record_done = r->utf8_suspect = 0;
	r->errcol = NULL;
	r->errmsg[0] = '\0';
	if (r->at_eof)
		return 0;
	for (;;) {
		if (r->restlen == 0) {
			ssize_t n = rp_input_getline(r->in, &r->rest);
			if (n < 0) {
				if (!r->in_record)
					r->line = r->lineno + 1;
				return fail(r, rp_input_strerror(r->in));
			}
			if (n == 0)
				return finish(r);
			r->restlen = (size_t)n;
			if (!r->bom_checked)
				skip_bom(r);
			if (r->restlen == 0)
				continue; /* the file was a BOM and no more */
		}
		const char *piece;
		size_t len = next_piece(r, &piece);
		r->lineno++;
		if (!r->in_record) {
			if (is_blank(piece, len))
				continue;
			r->in_record = 1;
			r->line = r->lineno;
			r->recno++;
		}
		/* One check per line is much cheaper than one per field, and
		 * agrees with it: lines are only cut at ASCII bytes. */
		if (utf8_check(piece, len) != UTF8_VALID)
			r->utf8_suspect = 1;
		if (feed(r, piece, len) != 0) {
			int status = csv_error(&r->parser);
			return fail(r, status == CSV_EPARSE
					       ? "malformed quoting"
					       : csv_strerror(status));
		}
		if (r->record_done)
			return 1;
	}
}

static const char *utf8_problem(const char *s, size_t off)
{
	return s[off] == '\0' ? "NUL byte" : "invalid UTF-8";
}

/* Length of the first at most max bytes of the valid UTF-8 string s, not
 * cutting a character in two. */
static size_t utf8_prefix(const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n <= max)
		return n;
	n = max;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return n;
}

/* Column names sorted with their positions, to find a repeated name without
 * comparing every pair. */
static int cmp_names(const void *a, const void *b)
{
	const char *const *x = a, *const *y = b;
	int c = strcmp(*x, *y);
	if (c != 0)
		return c;
	return *x < *y ? -1 : *x > *y; /* names lie in header order */
}

/* The repeated name whose second occurrence comes first, or NULL. */
static const char *first_duplicate(const char **cols, size_t n)
{
	const char **sorted = xmalloc(n * sizeof *sorted);
	memcpy(sorted, cols, n * sizeof *sorted);
	qsort(sorted, n, sizeof *sorted, cmp_names);
	const char *dup = NULL;
	for (size_t i = 1; i < n; i++)
		if (strcmp(sorted[i - 1], sorted[i]) == 0 &&
		    (!dup || sorted[i] < dup))
			dup = sorted[i];
	free(sorted);
	return dup;
}

static int take_header(csvr *r)
{
	size_t n = r->nfields;
	while (n > 0 && r->fields[n - 1].len == 0)
		n--;
	if (n == 0) {
		set_error(r, NULL, "empty column name in header (column 1)");
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		if (r->fields[i].len == 0) {
			set_error(r, NULL,
				  "empty column name in header (column %zu)",
				  i + 1);
			return -1;
		}
		const char *name = r->arena + r->fields[i].off;
		size_t bad = utf8_check(name, r->fields[i].len);
		if (bad != UTF8_VALID) {
			set_error(r, NULL, "%s in header (column %zu)",
				  utf8_problem(name, bad), i + 1);
			return -1;
		}
	}
	r->names = xmalloc(r->arena_len);
	memcpy(r->names, r->arena, r->arena_len);
	r->cols = xmalloc(n * sizeof *r->cols);
	for (size_t i = 0; i < n; i++)
		r->cols[i] = r->names + r->fields[i].off;
	r->ncols = n;
	r->width = r->nfields;
	const char *dup = first_duplicate(r->cols, n);
	if (dup) {
		size_t shown = utf8_prefix(dup, NAME_SHOWN_MAX);
		set_error(r, NULL, "duplicate column \"%.*s%s\" in header",
			  (int)shown, dup, dup[shown] ? "..." : "");
		return -1;
	}
	return 1;
}

int csvr_header(csvr *r)
{
	/* Called again: the same answer, not the first record as a header. */
	if (r->header == HEADER_OK)
		return 1;
	if (r->header == HEADER_NONE)
		return 0;
	if (r->header == HEADER_BAD)
		return -1;
	int rc = read_record(r);
	if (rc == 1)
		rc = take_header(r);
	else if (rc < 0)
		rc = -1;
	r->header = rc == 1 ? HEADER_OK : rc == 0 ? HEADER_NONE : HEADER_BAD;
	return rc;
}

size_t csvr_ncols(const csvr *r) { return r->ncols; }

const char *csvr_colname(const csvr *r, size_t i)
{
	return i < r->ncols ? r->cols[i] : NULL;
}

static int ascii_lower(int c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }

/* Not strcasecmp: that one follows the locale. */
static int ascii_caseeq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++)
		if (ascii_lower((unsigned char)*a) !=
		    ascii_lower((unsigned char)*b))
			return 0;
	return *a == *b;
}

int csvr_col(const csvr *r, const char *name)
{
	for (size_t i = 0; i < r->ncols; i++)
		if (strcmp(r->cols[i], name) == 0)
			return (int)i;
	for (size_t i = 0; i < r->ncols; i++)
		if (ascii_caseeq(r->cols[i], name))
			return (int)i;
	return -1;
}

/* "header has 18", or "header has 10 (7 named)" when unnamed cells end it. */
static void ragged(csvr *r, size_t n)
{
	if (r->width == r->ncols)
		set_error(r, NULL, "ragged row: %zu fields, header has %zu", n,
			  r->width);
	else
		set_error(r, NULL,
			  "ragged row: %zu fields, header has %zu (%zu named)",
			  n, r->width, r->ncols);
}

/*
 * A row has a field for every named column and at most one for each header
 * cell. More fields than that is an error even when the extra ones are
 * empty: an unquoted comma shifts every later value one column on. The
 * unnamed cells that may end a header (`role,,,`) are columns too, so rows
 * may fill them, with empty values only (a value there has no name to be
 * kept under), or leave them out.
 */
static int check_record(csvr *r)
{
	size_t n = r->nfields;
	if (n < r->ncols || n > r->width) {
		ragged(r, n);
		return -1;
	}
	for (size_t i = r->ncols; i < n; i++)
		if (r->fields[i].len != 0) {
			set_error(r, NULL,
				  "value in column %zu, which has no name in the header",
				  i + 1);
			return -1;
		}
	r->nfields = r->ncols;
	if (!r->utf8_suspect)
		return 1;
	for (size_t i = 0; i < r->ncols; i++) {
		const char *s = r->arena + r->fields[i].off;
		size_t bad = utf8_check(s, r->fields[i].len);
		if (bad != UTF8_VALID) {
			set_error(r, r->cols[i], "%s", utf8_problem(s, bad));
			return -1;
		}
	}
	return 1;
}

int csvr_next(csvr *r)
{
	if (r->header == HEADER_NONE)
		return 0;
	if (r->header != HEADER_OK) {
		if (r->header == HEADER_UNREAD)
			set_error(r, NULL, "csvr_next before csvr_header");
		return -2;
	}
	int rc = read_record(r);
	return rc == 1 ? check_record(r) : rc;
}

const char *csvr_field(const csvr *r, size_t i)
{
	return i < r->nfields ? r->arena + r->fields[i].off : "";
}

size_t csvr_fieldlen(const csvr *r, size_t i)
{
	return i < r->nfields ? r->fields[i].len : 0;
}

long csvr_line(const csvr *r) { return r->line; }

long csvr_record(const csvr *r) { return r->recno; }

const char *csvr_errmsg(const csvr *r) { return r->errmsg; }

const char *csvr_errcol(const csvr *r) { return r->errcol; }

const char *csvr_name(const csvr *r) { return rp_input_name(r->in); }
