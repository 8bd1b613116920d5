#include "csvr.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "memsrc.h"
#include "input.h"
#include "xalloc.h"

static csvr *open_src(const char *data, size_t len, int fail_at_end)
{
	return csvr_new(mem_input("mem.csv", data, len, 7, fail_at_end, NULL));
}

/* String literals may hold NUL bytes: take their size, not strlen. */
#define OPEN(lit) open_src(lit, sizeof(lit) - 1, 0)

static void test_header_by_name(void)
{
	csvr *r = OPEN("sourcedId,givenName,grades\n"
		       "u1,Ann,05\n");
	CHECK(csvr_header(r) == 1, "header: read");
	CHECK(csvr_ncols(r) == 3, "header: three columns");
	CHECK_STR(csvr_colname(r, 1), "givenName", "header: column name");
	CHECK(csvr_colname(r, 3) == NULL, "header: no column past the end");
	CHECK(csvr_line(r) == 1 && csvr_record(r) == 0,
	      "header: line 1, record 0");
	CHECK(csvr_col(r, "grades") == 2, "header: column by name");
	CHECK(csvr_next(r) == 1, "header: a record");
	CHECK_STR(csvr_field(r, (size_t)csvr_col(r, "givenName")), "Ann",
		  "header: field by column name");
	CHECK(csvr_line(r) == 2 && csvr_record(r) == 1,
	      "header: record 1 on line 2");
	CHECK_STR(csvr_field(r, 3), "", "field past the end is \"\"");
	CHECK(csvr_fieldlen(r, 3) == 0, "field past the end has length 0");
	CHECK(csvr_next(r) == 0, "header: end");
	CHECK(csvr_next(r) == 0, "end stays the end");
	CHECK_STR(csvr_name(r), "mem.csv", "name of the input");
	csvr_free(r);
}

static void test_bom(void)
{
	csvr *r = OPEN("\xef\xbb\xbf"
		       "sourcedId,x\n1,2\n");
	CHECK(csvr_header(r) == 1, "bom: header");
	CHECK_STR(csvr_colname(r, 0), "sourcedId", "bom: stripped");
	CHECK(csvr_col(r, "sourcedId") == 0, "bom: found by name");
	csvr_free(r);

	r = OPEN("\xef\xbb\xbf\"sourcedId\",x\n1,2\n");
	csvr_header(r);
	CHECK_STR(csvr_colname(r, 0), "sourcedId",
		  "bom: stripped before a quoted first name");
	csvr_free(r);

	r = OPEN("\xef\xbb\xbf\xef\xbb\xbf"
		 "id\n1\n");
	csvr_header(r);
	CHECK_STR(csvr_colname(r, 0),
		  "\xef\xbb\xbf"
		  "id",
		  "bom: only one stripped");
	csvr_free(r);

	r = OPEN("a,b\n\xef\xbb\xbf"
		 "1,2\n");
	csvr_header(r);
	csvr_next(r);
	CHECK_STR(csvr_field(r, 0),
		  "\xef\xbb\xbf"
		  "1",
		  "bom: kept after the start of the file");
	csvr_free(r);
}

static void test_crlf(void)
{
	csvr *r = OPEN("a,b\r\n1,2\r\n3,\"x\r\ny\"\r\n5,6\r\n");
	CHECK(csvr_header(r) == 1, "crlf: header");
	CHECK_STR(csvr_colname(r, 1), "b", "crlf: no CR in last name");
	CHECK(csvr_next(r) == 1, "crlf: record 1");
	CHECK_STR(csvr_field(r, 1), "2", "crlf: no CR in last field");
	CHECK(csvr_line(r) == 2, "crlf: record 1 on line 2");
	CHECK(csvr_next(r) == 1 && csvr_record(r) == 2,
	      "crlf: record 2, no empty record for the LF");
	CHECK_STR(csvr_field(r, 1), "x\r\ny", "crlf: kept inside quotes");
	CHECK(csvr_line(r) == 3, "crlf: record 2 on line 3");
	CHECK(csvr_next(r) == 1 && csvr_line(r) == 5 && csvr_record(r) == 3,
	      "crlf: record 3 on line 5");
	CHECK(csvr_next(r) == 0, "crlf: end");
	csvr_free(r);
}

static void test_lone_cr(void)
{
	csvr *r = OPEN("a,b\r1,2\r\r3,\"x\ry\"\r5,6\r");
	CHECK(csvr_header(r) == 1 && csvr_ncols(r) == 2, "cr: header");
	CHECK(csvr_next(r) == 1 && csvr_line(r) == 2, "cr: record on line 2");
	CHECK_STR(csvr_field(r, 1), "2", "cr: no CR in last field");
	CHECK(csvr_next(r) == 1 && csvr_line(r) == 4 && csvr_record(r) == 2,
	      "cr: blank line 3 skipped");
	CHECK_STR(csvr_field(r, 1), "x\ry", "cr: kept inside quotes");
	CHECK(csvr_next(r) == 1 && csvr_line(r) == 6,
	      "cr: CR inside quotes counts as a line");
	CHECK(csvr_next(r) == 0, "cr: end");
	csvr_free(r);
}

static void test_no_final_newline(void)
{
	csvr *r = OPEN("a,b\n1,2");
	csvr_header(r);
	CHECK(csvr_next(r) == 1, "no final newline: last record read");
	CHECK_STR(csvr_field(r, 1), "2", "no final newline: last field");
	CHECK(csvr_next(r) == 0, "no final newline: end");
	csvr_free(r);

	r = OPEN("a,b\n1,");
	csvr_header(r);
	CHECK(csvr_next(r) == 1 && csvr_fieldlen(r, 1) == 0,
	      "no final newline: empty last field");
	csvr_free(r);

	r = OPEN("a,b\r\n1,\"q\"");
	csvr_header(r);
	CHECK(csvr_next(r) == 1, "no final newline: quoted last field");
	CHECK_STR(csvr_field(r, 1), "q", "no final newline: quotes removed");
	csvr_free(r);
}

static void test_blank_lines(void)
{
	csvr *r = OPEN("\n\na,b\n\n1,2\n\r\n\n3,4\n\n\n");
	CHECK(csvr_header(r) == 1 && csvr_line(r) == 3,
	      "blank: header after blank lines on line 3");
	CHECK(csvr_next(r) == 1 && csvr_line(r) == 5 && csvr_record(r) == 1,
	      "blank: record 1 on line 5");
	CHECK(csvr_next(r) == 1 && csvr_line(r) == 8 && csvr_record(r) == 2,
	      "blank: record 2 on line 8");
	CHECK_STR(csvr_field(r, 0), "3", "blank: record 2 content");
	CHECK(csvr_next(r) == 0, "blank: trailing blank lines are no record");
	csvr_free(r);
}

static void test_quoting(void)
{
	csvr *r = OPEN("a,b,c\n"
		       "\"x,y\",\"say \"\"hi\"\"\",\"two\nlines\"\n"
		       "p,\"\",r\n");
	csvr_header(r);
	CHECK(csvr_next(r) == 1, "quoting: record");
	CHECK_STR(csvr_field(r, 0), "x,y", "quoting: comma");
	CHECK_STR(csvr_field(r, 1), "say \"hi\"", "quoting: doubled quote");
	CHECK_STR(csvr_field(r, 2), "two\nlines", "quoting: newline");
	CHECK(csvr_line(r) == 2, "quoting: record on lines 2-3 is at line 2");
	CHECK(csvr_next(r) == 1 && csvr_line(r) == 4,
	      "quoting: next record at line 4");
	CHECK(csvr_fieldlen(r, 1) == 0, "quoting: empty quoted field");
	csvr_free(r);
}

static void test_kept_as_written(void)
{
	csvr *r = OPEN("a,b,c\n  x , y\t,\" z \"\n");
	csvr_header(r);
	csvr_next(r);
	CHECK_STR(csvr_field(r, 0), "  x ", "spaces: kept around a field");
	CHECK_STR(csvr_field(r, 1), " y\t", "spaces: tab kept");
	CHECK_STR(csvr_field(r, 2), " z ", "spaces: kept inside quotes");
	csvr_free(r);
}

static void test_trailing_empty(void)
{
	csvr *r = OPEN("a,b,,\n1,2,,\n3,4\n5,6,\n7,8,,,\n9,10,,x\n11,12\n");
	CHECK(csvr_header(r) == 1 && csvr_ncols(r) == 2,
	      "trailing: empty header names are not named columns");
	CHECK_STR(csvr_colname(r, 1), "b", "trailing: last named column");
	CHECK(csvr_colname(r, 2) == NULL, "trailing: no name past the named");
	CHECK(csvr_next(r) == 1 && csvr_fieldlen(r, 2) == 0,
	      "trailing: empty fields under the unnamed columns accepted");
	CHECK(csvr_next(r) == 1, "trailing: row without them accepted");
	CHECK(csvr_next(r) == 1, "trailing: one of them accepted");
	CHECK(csvr_next(r) == -1, "trailing: one field past the header");
	CHECK_STR(csvr_errmsg(r), "ragged row: 5 fields, header has 4 (2 named)",
		  "trailing: too many fields, message");
	CHECK(csvr_line(r) == 5, "trailing: too many fields, line");
	CHECK(csvr_next(r) == -1, "trailing: a value in an unnamed column");
	CHECK_STR(csvr_errmsg(r),
		  "value in column 4, which has no name in the header",
		  "trailing: value in an unnamed column, message");
	CHECK(csvr_line(r) == 6, "trailing: value in an unnamed column, line");
	CHECK(csvr_next(r) == 1 && csvr_line(r) == 7,
	      "trailing: reading goes on");
	csvr_free(r);

	r = OPEN("a,b,,\n1\n");
	csvr_header(r);
	CHECK(csvr_next(r) == -1, "trailing: short of the named columns");
	CHECK_STR(csvr_errmsg(r), "ragged row: 1 fields, header has 4 (2 named)",
		  "trailing: short row message");
	csvr_free(r);
}

static void test_ragged(void)
{
	csvr *r = OPEN("a,b,c\n1,2\n4,5,6\n7,8,9,10\n11,12,13,,\n"
		       "14,15,16,,x\n17,18,19\n\"20\",21,\"22\n\",\n23,24,25\n");
	csvr_header(r);
	CHECK(csvr_next(r) == -1, "ragged: short row");
	CHECK_STR(csvr_errmsg(r), "ragged row: 2 fields, header has 3",
		  "ragged: short message");
	CHECK(csvr_line(r) == 2 && csvr_record(r) == 1,
	      "ragged: short row line and record");
	CHECK(csvr_errcol(r) == NULL, "ragged: no column");
	CHECK_STR(csvr_field(r, 0), "1", "ragged: fields of the bad row kept");
	CHECK(csvr_next(r) == 1 && csvr_line(r) == 3 && csvr_record(r) == 2,
	      "ragged: next record read after a short row");
	CHECK_STR(csvr_field(r, 2), "6", "ragged: next record content");
	CHECK(csvr_next(r) == -1, "ragged: long row");
	CHECK_STR(csvr_errmsg(r), "ragged row: 4 fields, header has 3",
		  "ragged: long message");
	CHECK(csvr_line(r) == 4, "ragged: long row line");
	CHECK(csvr_next(r) == -1, "ragged: empty extra fields are an error too");
	CHECK_STR(csvr_errmsg(r), "ragged row: 5 fields, header has 3",
		  "ragged: empty extra fields counted");
	CHECK(csvr_line(r) == 5 && csvr_record(r) == 4,
	      "ragged: empty extra fields, line and record");
	CHECK(csvr_next(r) == -1, "ragged: non-empty extra after empty ones");
	CHECK_STR(csvr_errmsg(r), "ragged row: 5 fields, header has 3",
		  "ragged: every field counted");
	CHECK(csvr_next(r) == 1 && csvr_line(r) == 7 && csvr_record(r) == 6,
	      "ragged: reading goes on");
	CHECK(csvr_next(r) == -1, "ragged: one empty field too many");
	CHECK_STR(csvr_errmsg(r), "ragged row: 4 fields, header has 3",
		  "ragged: a trailing comma is one field too many");
	CHECK(csvr_line(r) == 8 && csvr_record(r) == 7,
	      "ragged: a row spanning lines is at the line where it starts");
	CHECK(csvr_next(r) == 1 && csvr_line(r) == 10,
	      "ragged: the row after a spanning one");
	csvr_free(r);
}

static void test_utf8(void)
{
	csvr *r = OPEN("id,name\n1,Jos\xc3\xa9\n2,Jos\xe9\n3,ok\n"
		       "4,\"a\nb\xff\"\n5,x\n");
	csvr_header(r);
	CHECK(csvr_next(r) == 1, "utf8: valid UTF-8 accepted");
	CHECK(csvr_next(r) == -1, "utf8: invalid UTF-8 rejected");
	CHECK_STR(csvr_errmsg(r), "invalid UTF-8", "utf8: message");
	CHECK_STR(csvr_errcol(r), "name", "utf8: column");
	CHECK(csvr_line(r) == 3 && csvr_record(r) == 2,
	      "utf8: line and record");
	CHECK(csvr_next(r) == 1 && csvr_errcol(r) == NULL,
	      "utf8: next record read, column cleared");
	CHECK(csvr_next(r) == -1 && csvr_line(r) == 5,
	      "utf8: second line of a quoted field");
	CHECK(csvr_next(r) == 1 && csvr_line(r) == 7,
	      "utf8: reading goes on after a multi-line record");
	csvr_free(r);

	r = OPEN("id,n\xff\n");
	CHECK(csvr_header(r) == -1, "utf8: in header");
	CHECK_STR(csvr_errmsg(r), "invalid UTF-8 in header (column 2)",
		  "utf8: header message");
	csvr_free(r);
}

static void test_nul(void)
{
	csvr *r = OPEN("a,b\n1,x\0y\n2,3\n");
	csvr_header(r);
	CHECK(csvr_next(r) == -1, "nul: rejected");
	CHECK_STR(csvr_errmsg(r), "NUL byte", "nul: message");
	CHECK_STR(csvr_errcol(r), "b", "nul: column");
	CHECK(csvr_next(r) == 1 && csvr_line(r) == 3, "nul: next record read");
	csvr_free(r);
}

static void test_unterminated(void)
{
	csvr *r = OPEN("a,b\n1,2\n3,\"open\nmore\n");
	csvr_header(r);
	CHECK(csvr_next(r) == 1, "unterminated: record before");
	CHECK(csvr_next(r) == -2, "unterminated: -2 at the end");
	CHECK_STR(csvr_errmsg(r), "unterminated quoted field",
		  "unterminated: message");
	CHECK(csvr_line(r) == 3 && csvr_record(r) == 2,
	      "unterminated: line where the record starts");
	CHECK(csvr_next(r) == -2, "unterminated: stays -2");
	csvr_free(r);

	r = OPEN("a\n\"");
	csvr_header(r);
	CHECK(csvr_next(r) == -2, "unterminated: a lone quote at the end");
	csvr_free(r);
}

static void test_malformed(void)
{
	csvr *r = OPEN("a,b\n1,x\"y\n2,3\n");
	csvr_header(r);
	CHECK(csvr_next(r) == -2, "malformed: stray quote in unquoted field");
	CHECK_STR(csvr_errmsg(r), "malformed quoting", "malformed: message");
	CHECK(csvr_line(r) == 2, "malformed: line");
	CHECK(csvr_next(r) == -2, "malformed: stays -2");
	csvr_free(r);

	r = OPEN("a,b\n1,2\n\"x\ny\"z,1\n");
	csvr_header(r);
	csvr_next(r);
	CHECK(csvr_next(r) == -2 && csvr_line(r) == 3,
	      "malformed: text after closing quote, at the record's start");
	csvr_free(r);

	r = OPEN("a,\"b\n");
	CHECK(csvr_header(r) == -1, "malformed: in the header");
	CHECK_STR(csvr_errmsg(r), "unterminated quoted field",
		  "malformed: header message");
	CHECK(csvr_next(r) == -2, "malformed: no records after a bad header");
	csvr_free(r);
}

static void test_empty(void)
{
	csvr *r = OPEN("");
	CHECK(csvr_header(r) == 0, "empty: no header");
	CHECK(csvr_next(r) == 0, "empty: no records");
	csvr_free(r);

	r = OPEN("\xef\xbb\xbf");
	CHECK(csvr_header(r) == 0, "empty: a BOM alone");
	csvr_free(r);

	r = OPEN("\r\n\n");
	CHECK(csvr_header(r) == 0, "empty: blank lines only");
	csvr_free(r);
}

static void test_header_only(void)
{
	csvr *r = OPEN("a,b\n");
	CHECK(csvr_header(r) == 1, "header only: header");
	CHECK(csvr_next(r) == 0, "header only: no records");
	csvr_free(r);

	r = OPEN("a,b");
	CHECK(csvr_header(r) == 1 && csvr_ncols(r) == 2,
	      "header only: no final newline");
	CHECK(csvr_next(r) == 0, "header only: no final newline, no records");
	csvr_free(r);
}

static void test_bad_header(void)
{
	csvr *r = OPEN("a,b,a\n1,2,3\n");
	CHECK(csvr_header(r) == -1, "bad header: duplicate name");
	CHECK_STR(csvr_errmsg(r), "duplicate column \"a\" in header",
		  "bad header: duplicate message");
	csvr_free(r);

	r = OPEN("x,b,c,b,x\n");
	csvr_header(r);
	CHECK_STR(csvr_errmsg(r), "duplicate column \"b\" in header",
		  "bad header: first repeat in file order");
	csvr_free(r);

	char longdup[700];
	memset(longdup, 'n', 300);
	sprintf(longdup + 300, ",x,");
	memset(longdup + 303, 'n', 300);
	sprintf(longdup + 603, "\n");
	r = open_src(longdup, strlen(longdup), 0);
	CHECK(csvr_header(r) == -1, "bad header: long duplicate name");
	/* the first 100 bytes of the name (NAME_SHOWN_MAX in lib/csvr.c) */
	char want[200];
	snprintf(want, sizeof want, "duplicate column \"%.100s...\" in header",
		 longdup);
	CHECK_STR(csvr_errmsg(r), want,
		  "bad header: long duplicate name shortened to 100 bytes");
	csvr_free(r);

	r = OPEN("a,,b\n");
	CHECK(csvr_header(r) == -1, "bad header: empty name");
	CHECK_STR(csvr_errmsg(r), "empty column name in header (column 2)",
		  "bad header: empty name message");
	csvr_free(r);

	r = OPEN(",,\n");
	CHECK(csvr_header(r) == -1, "bad header: all names empty");
	CHECK_STR(csvr_errmsg(r), "empty column name in header (column 1)",
		  "bad header: all names empty message");
	csvr_free(r);
}

static void test_col_case(void)
{
	csvr *r = OPEN("sourcedId,SourcedID,Email\n");
	csvr_header(r);
	CHECK(csvr_col(r, "SourcedID") == 1, "col: exact match first");
	CHECK(csvr_col(r, "sourcedid") == 0,
	      "col: first case-insensitive match");
	CHECK(csvr_col(r, "EMAIL") == 2, "col: case-insensitive");
	CHECK(csvr_col(r, "mail") == -1, "col: missing is -1");
	CHECK(csvr_col(r, "Emai") == -1, "col: no prefix match");
	csvr_free(r);
}

static void test_big_field(void)
{
	size_t big = 1024 * 1024;
	size_t len = 0;
	char *data = xmalloc(2 * big + 64);
	len += (size_t)sprintf(data, "a,b\n1,");
	memset(data + len, 'y', big);
	len += big;
	len += (size_t)sprintf(data + len, "\n\"");
	for (size_t i = 0; i < big; i++)
		data[len++] = i % 1000 == 999 ? '\n' : 'z';
	len += (size_t)sprintf(data + len, "\",2\n3,4\n");

	csvr *r = open_src(data, len, 0);
	csvr_header(r);
	CHECK(csvr_next(r) == 1 && csvr_fieldlen(r, 1) == big &&
		      strspn(csvr_field(r, 1), "y") == big,
	      "big: 1 MB field");
	CHECK(csvr_next(r) == 1 && csvr_fieldlen(r, 0) == big &&
		      csvr_line(r) == 3,
	      "big: 1 MB quoted field over lines");
	CHECK(csvr_next(r) == 1 && csvr_line(r) == 3 + (long)(big / 1000) + 1,
	      "big: line count after it");
	csvr_free(r);
	free(data);
}

static void test_read_error(void)
{
	static const char data[] = "a,b\n1,2\n3,";
	csvr *r = open_src(data, sizeof data - 1, 1);
	csvr_header(r);
	CHECK(csvr_next(r) == 1, "read error: records before it");
	CHECK(csvr_next(r) == -2, "read error: -2");
	CHECK_STR(csvr_errmsg(r), "disk on fire", "read error: message");
	csvr_free(r);
}

static void test_file(void)
{
	char path[] = "/tmp/test_csv.XXXXXX";
	int fd = mkstemp(path);
	static const char data[] = "\xef\xbb\xbf"
				   "id,name\r\n\r\n1,\"Ann\r\nLee\"\r\n2,Bo";
	CHECK(fd >= 0 && write(fd, data, sizeof data - 1) ==
				 (ssize_t)(sizeof data - 1),
	      "file: written");
	close(fd);
	csvr *r = csvr_new(rp_input_open(path));
	CHECK(csvr_header(r) == 1 && csvr_col(r, "id") == 0, "file: header");
	CHECK(csvr_next(r) == 1 && csvr_line(r) == 3, "file: record 1");
	CHECK_STR(csvr_field(r, 1), "Ann\r\nLee", "file: record 1 content");
	CHECK(csvr_next(r) == 1 && csvr_line(r) == 5, "file: record 2");
	CHECK(csvr_next(r) == 0, "file: end");
	CHECK_STR(csvr_name(r), path, "file: name");
	csvr_free(r);
	unlink(path);
}

int main(void)
{
	test_header_by_name();
	test_bom();
	test_crlf();
	test_lone_cr();
	test_no_final_newline();
	test_blank_lines();
	test_quoting();
	test_kept_as_written();
	test_trailing_empty();
	test_ragged();
	test_utf8();
	test_nul();
	test_unterminated();
	test_malformed();
	test_empty();
	test_header_only();
	test_bad_header();
	test_col_case();
	test_big_field();
	test_read_error();
	test_file();
	TEST_END();
}
