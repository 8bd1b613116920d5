#define _GNU_SOURCE /* F_GETPIPE_SZ */
#include "ndjson.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "err.h"
#include "harness.h"
#include "memsrc.h"
#include "input.h"
#include "jsonesc.h"
#include "xalloc.h"

/* ---- helpers ------------------------------------------------------------ */

/* Standard error into a temporary file, to compare what was reported. */
static FILE *cap_file;
static int cap_saved = -1;

static void capture_start(void)
{
	fflush(stderr);
	cap_file = tmpfile();
	cap_saved = dup(STDERR_FILENO);
	dup2(fileno(cap_file), STDERR_FILENO);
}

/* What was written since capture_start; a static buffer. */
static const char *capture_end(void)
{
	static char text[8192];
	fflush(stderr);
	dup2(cap_saved, STDERR_FILENO);
	close(cap_saved);
	rewind(cap_file);
	size_t n = fread(text, 1, sizeof text - 1, cap_file);
	text[n] = '\0';
	fclose(cap_file);
	return text;
}

/* A writer on a temporary file whose bytes are read back afterwards. */
struct sink {
	char path[64];
	int fd;
};

static nd_writer *sink_open(struct sink *s)
{
	strcpy(s->path, "/tmp/test_ndjson.XXXXXX");
	s->fd = mkstemp(s->path);
	return nd_writer_new(s->fd);
}

/* Closes w and returns the bytes written (owned by the caller). */
static char *sink_close(struct sink *s, nd_writer *w, size_t *n)
{
	nd_writer_close(w);
	off_t size = lseek(s->fd, 0, SEEK_END);
	char *buf = xmalloc((size_t)size + 1);
	*n = (size_t)pread(s->fd, buf, (size_t)size, 0);
	buf[*n] = '\0';
	close(s->fd);
	unlink(s->path);
	return buf;
}

static nd_reader *open_mem(const char *data, size_t len, size_t step,
			   int fail_at_end)
{
	return nd_reader_new(
		mem_input("mem.ndjson", data, len, step, fail_at_end, NULL));
}

/* ---- jsonesc ------------------------------------------------------------ */

static const char *esc(const char *s, size_t n)
{
	static char out[256];
	*jsonesc(out, s, n) = '\0';
	return out;
}

#define ESC(lit) esc(lit, sizeof(lit) - 1)

static void test_jsonesc(void)
{
	CHECK_STR(ESC(""), "\"\"", "jsonesc: empty string");
	CHECK_STR(ESC("plain"), "\"plain\"", "jsonesc: plain text quoted");
	CHECK_STR(ESC("say \"hi\""), "\"say \\\"hi\\\"\"", "jsonesc: quote");
	CHECK_STR(ESC("a\\b"), "\"a\\\\b\"", "jsonesc: backslash");
	CHECK_STR(ESC("a\nb"), "\"a\\nb\"", "jsonesc: newline as \\n");
	CHECK_STR(ESC("a\tb"), "\"a\\tb\"", "jsonesc: tab as \\t");
	CHECK_STR(ESC("\r\b\f"), "\"\\r\\b\\f\"", "jsonesc: \\r \\b \\f");
	CHECK_STR(ESC("\x01"), "\"\\u0001\"", "jsonesc: 0x01 as \\u0001");
	CHECK_STR(ESC("\x1f\x0b"), "\"\\u001f\\u000b\"",
		  "jsonesc: 0x1f and 0x0b as \\u00XX");
	CHECK_STR(ESC("a\0b") + 0, "\"a\\u0000b\"", "jsonesc: NUL as \\u0000");
	CHECK_STR(ESC("/\x7f"), "\"/\x7f\"", "jsonesc: slash and DEL kept");
	CHECK_STR(ESC("Jos\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"),
		  "\"Jos\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"",
		  "jsonesc: UTF-8 passes through");

	char worst[JSONESC_MAX(4) + 1];
	char *end = jsonesc(worst, "\x01\x02\x03\x04", 4);
	CHECK(end - worst == JSONESC_MAX(4),
	      "jsonesc: worst case fills JSONESC_MAX exactly");

	/* the eight-bytes-at-a-time path: long runs, and each escaped byte at
	 * every position of a word */
	CHECK_STR(ESC("abcdefghijklmnopqrstuvwxyz0123456789"),
		  "\"abcdefghijklmnopqrstuvwxyz0123456789\"",
		  "jsonesc: a long plain run");
	int ok = 1;
	for (int pos = 0; pos < 20; pos++) {
		for (const char *c = "\"\\\n\x1f"; *c; c++) {
			char in[21], want[64], got[JSONESC_MAX(20) + 1];
			memset(in, 'x', 20);
			in[20] = '\0';
			in[pos] = *c;
			const char *e = *c == '"' ? "\\\"" : *c == '\\' ? "\\\\"
				      : *c == '\n' ? "\\n" : "\\u001f";
			snprintf(want, sizeof want, "\"%.*s%s%s\"", pos, in, e,
				 in + pos + 1);
			*jsonesc(got, in, 20) = '\0';
			ok &= strcmp(got, want) == 0;
		}
	}
	CHECK(ok, "jsonesc: an escaped byte at each of 20 positions");
	CHECK_STR(ESC("Jos\xc3\xa9 Jos\xc3\xa9 Jos\xc3\xa9 \xf0\x9f\x98\x80!"),
		  "\"Jos\xc3\xa9 Jos\xc3\xa9 Jos\xc3\xa9 \xf0\x9f\x98\x80!\"",
		  "jsonesc: long UTF-8 passes through");

	capture_start();
	jsonesc_fputs("x\"\n", stderr);
	CHECK_STR(capture_end(), "\"x\\\"\\n\"", "jsonesc_fputs: escaped");
}

/* ---- writer ------------------------------------------------------------- */

static void test_writer_record(void)
{
	struct sink s;
	nd_writer *w = sink_open(&s);
	cJSON *j = cJSON_Parse("{\"a\":1,\"b\":-2.5,\"c\":[true,false,null,"
			       "\"s\\n\"],\"d\":{},\"e\":[],"
			       "\"big\":12345678901234,\"exp\":1e3,"
			       "\"neg\":-7,\"zero\":0}");
	size_t n;

	nd_begin(w);
	nd_str(w, "type", "user");
	const char *cur = nd_current(w, &n);
	CHECK(n == 14 && memcmp(cur, "{\"type\":\"user\"", 14) == 0,
	      "nd_current: the record so far");
	nd_str(w, "skip", NULL);
	nd_strn(w, "sn", "abcdef", 3);
	nd_strn(w, "skipn", NULL, 3);
	nd_null(w, "n");
	nd_bool(w, "t", true);
	nd_bool(w, "f", false);
	nd_int(w, "i", -42);
	nd_int(w, "min", LLONG_MIN);
	nd_obj(w, "o");
	nd_str(w, "k", "v");
	nd_arr(w, "a");
	nd_int(w, NULL, 1);
	nd_str(w, NULL, "x");
	nd_str(w, NULL, NULL);
	nd_obj(w, NULL);
	nd_close(w);
	nd_arr(w, NULL);
	nd_close(w);
	nd_close(w);
	nd_close(w);
	nd_arr(w, "e");
	nd_close(w);
	nd_str(w, "k\"ey", "v\n");
	nd_json(w, "j", j);
	nd_end(w);

	static const char want[] =
		"{\"type\":\"user\",\"sn\":\"abc\",\"n\":null,\"t\":true,"
		"\"f\":false,\"i\":-42,\"min\":-9223372036854775808,"
		"\"o\":{\"k\":\"v\",\"a\":[1,\"x\",{},[]]},\"e\":[],"
		"\"k\\\"ey\":\"v\\n\","
		"\"j\":{\"a\":1,\"b\":-2.5,\"c\":[true,false,null,\"s\\n\"],"
		"\"d\":{},\"e\":[],\"big\":12345678901234,\"exp\":1000,"
		"\"neg\":-7,\"zero\":0}}\n";
	cur = nd_current(w, &n);
	CHECK(n == sizeof want - 1 && memcmp(cur, want, n) == 0,
	      "nd_current: the whole record with its newline");

	/* a second record: nd_current covers it alone */
	nd_begin(w);
	nd_str(w, "type", "x");
	nd_json(w, "s", cJSON_GetObjectItem(j, "c"));
	cur = nd_current(w, &n);
	static const char second[] =
		"{\"type\":\"x\",\"s\":[true,false,null,\"s\\n\"]";
	CHECK(n == sizeof second - 1 && memcmp(cur, second, n) == 0,
	      "nd_current: only the record being written");
	nd_end(w);
	nd_begin(w);
	nd_raw(w, "\"raw\":1", 7);
	nd_end(w);

	char *got = sink_close(&s, w, &n);
	static const char want2[] =
		"{\"type\":\"x\",\"s\":[true,false,null,\"s\\n\"]}\n"
		"{\"raw\":1}\n";
	CHECK(n == sizeof want - 1 + sizeof want2 - 1 &&
		      memcmp(got, want, sizeof want - 1) == 0 &&
		      memcmp(got + sizeof want - 1, want2, sizeof want2 - 1) == 0,
	      "writer: exact bytes of nested record, omitted NULLs, nd_json");
	if (memcmp(got, want, sizeof want - 1) != 0)
		printf("#   got  %s#   want %s", got, want);
	free(got);
	cJSON_Delete(j);
}

/* What nd_json writes for the JSON text `in`, as a member "v". */
static const char *json_out(const char *in)
{
	static char out[256];
	struct sink s;
	nd_writer *w = sink_open(&s);
	cJSON *j = cJSON_Parse(in);
	nd_begin(w);
	nd_json(w, "v", j);
	nd_end(w);
	size_t n;
	char *got = sink_close(&s, w, &n);
	snprintf(out, sizeof out, "%s", got);
	free(got);
	cJSON_Delete(j);
	return out;
}

static void test_writer_numbers(void)
{
	CHECK_STR(json_out("1"), "{\"v\":1}\n", "nd_json: 1");
	CHECK_STR(json_out("-0"), "{\"v\":-0}\n", "nd_json: -0");
	CHECK_STR(json_out("1.0"), "{\"v\":1}\n", "nd_json: 1.0 is integral");
	CHECK_STR(json_out("1e3"), "{\"v\":1000}\n", "nd_json: 1e3 is 1000");
	CHECK_STR(json_out("4503599627370497"), "{\"v\":4503599627370497}\n",
		  "nd_json: large integer kept whole");
	CHECK_STR(json_out("1.5"), "{\"v\":1.5}\n", "nd_json: 1.5");
	CHECK_STR(json_out("-2.25"), "{\"v\":-2.25}\n", "nd_json: -2.25");
	CHECK_STR(json_out("0.1"), "{\"v\":0.1}\n",
		  "nd_json: 0.1 written as 0.1 (shortest form)");
	CHECK_STR(json_out("\"caf\\u00e9\""), "{\"v\":\"caf\xc3\xa9\"}\n",
		  "nd_json: string as UTF-8");
	CHECK_STR(json_out("null"), "{\"v\":null}\n", "nd_json: null");
	CHECK_STR(json_out("[[],{\"a\":[{}]}]"), "{\"v\":[[],{\"a\":[{}]}]}\n",
		  "nd_json: nested empty containers");
}

static void test_writer_large(void)
{
	struct sink s;
	nd_writer *w = sink_open(&s);
	enum { RECORDS = 4000 };
	char val[200];
	memset(val, 'v', sizeof val - 1);
	val[sizeof val - 1] = '\0';
	size_t one = strlen("{\"type\":\"t\",\"n\":,\"v\":\"\"}\n") +
		     sizeof val - 1;
	char *want = xmalloc(RECORDS * (one + 8) + 800 * 1024);
	size_t len = 0;
	for (int i = 0; i < RECORDS; i++) {
		nd_begin(w);
		nd_str(w, "type", "t");
		nd_int(w, "n", i);
		nd_str(w, "v", val);
		nd_end(w);
		len += (size_t)sprintf(want + len,
				       "{\"type\":\"t\",\"n\":%d,\"v\":\"%s\"}\n",
				       i, val);
	}
	/* one record bigger than the whole buffer */
	size_t big = 700 * 1024;
	char *huge = xmalloc(big + 1);
	memset(huge, 'h', big);
	huge[big] = '\0';
	nd_begin(w);
	nd_str(w, "type", "huge");
	nd_str(w, "s", huge);
	size_t n;
	nd_current(w, &n);
	CHECK(n == strlen("{\"type\":\"huge\",\"s\":\"\"") + big,
	      "writer large: nd_current of a 700 KiB record");
	nd_end(w);
	len += (size_t)sprintf(want + len, "{\"type\":\"huge\",\"s\":\"%s\"}\n",
			       huge);

	/* 1.6 MB: past 256 KiB at a record's end the writer flushes by itself */
	off_t flushed = lseek(s.fd, 0, SEEK_CUR);
	CHECK(flushed == (off_t)len,
	      "writer large: every record written before close, by its own flushes");
	char *got = sink_close(&s, w, &n);
	CHECK(n == len && memcmp(got, want, len) == 0,
	      "writer large: every byte in order across flushes");
	free(got);
	free(want);
	free(huge);
}

static void test_writer_fail(void)
{
	int p[2];
	signal(SIGPIPE, SIG_IGN);
	CHECK(pipe(p) == 0, "writer fail: pipe");
	close(p[0]);
	nd_writer *w = nd_writer_new(p[1]);
	nd_begin(w);
	nd_str(w, "type", "x");
	nd_end(w);
	CHECK(nd_flush(w) == -1 && errno == EPIPE,
	      "writer fail: nd_flush -1 with EPIPE on a closed pipe");
	errno = 0;
	CHECK(nd_writer_close(w) == -1 && errno == EPIPE,
	      "writer fail: nd_writer_close keeps reporting the failure");
	close(p[1]);
	signal(SIGPIPE, SIG_DFL);
}

/* ---- reader ------------------------------------------------------------- */

static void test_reader(void)
{
	size_t big = 1024 * 1024;
	const char *lines[] = {
		"{\"type\":\"user\",\"id\":\"1\"}\n",     /* 1 */
		" \t \n",                                   /* 2 blank */
		"[1]\n",                                    /* 3 */
		"{\n",                                      /* 4 */
		"{\"id\":\"x\"}\n",                         /* 5 */
		"{\"type\":\"user\",\"n\":\"Jos\xe9\"}\n",  /* 6 */
		"{\"type\":\"a\"} {\"type\":\"b\"}\n",      /* 7 */
		"{\"type\":\"user\",\"id\":\"2\"}\r\n",   /* 8 */
		"{\"type\":1}\n",                           /* 9 */
		"{\"type\":\"a\",\"n\":\"x\0y\"}\n",        /* 10 NUL */
		"\r\n",                                     /* 11 blank CRLF */
		"  {\"type\":\"sp\"} \t\n",                 /* 12 */
		NULL,                                       /* 13 1 MB */
		"{\"type\":\"last\"}",                      /* 14 no newline */
	};
	size_t nlines = sizeof lines / sizeof *lines;
	char *data = xmalloc(big + 4096);
	size_t len = 0;
	for (size_t i = 0; i < nlines; i++) {
		if (!lines[i]) {
			len += (size_t)sprintf(data + len,
					       "{\"type\":\"big\",\"s\":\"");
			memset(data + len, 'b', big);
			len += big;
			len += (size_t)sprintf(data + len, "\"}\n");
		} else if (i == 9) {
			static const char nul[] = "{\"type\":\"a\",\"n\":\"x\0y\"}\n";
			memcpy(data + len, nul, sizeof nul - 1);
			len += sizeof nul - 1;
		} else {
			len += (size_t)sprintf(data + len, "%s", lines[i]);
		}
	}

	static char argv0[] = "/usr/bin/nd-test"; /* argv[0] is writable */
	rp_setprog(argv0);
	rp_policy.max_errors = 1000;
	rp_policy.keep_going = false;
	long errors_before = rp_error_count();

	nd_reader *r = open_mem(data, len, 65536, 0);
	cJSON *o = NULL;
	size_t n;
	const char *text;
	capture_start();
	int r1 = nd_next(r, &o);
	int ok1 = r1 == 1 && nd_line(r) == 1 &&
		  strcmp(nd_get_str(o, "id"), "1") == 0;
	text = nd_text(r, &n);
	int text1 = n == strlen(lines[0]) - 1 && memcmp(text, lines[0], n) == 0;
	int r3 = nd_next(r, &o);
	long l3 = nd_line(r);
	int r4 = nd_next(r, &o);
	int r5 = nd_next(r, &o);
	int r6 = nd_next(r, &o);
	int r7 = nd_next(r, &o);
	int r8 = nd_next(r, &o);
	int ok8 = r8 == 1 && nd_line(r) == 8 &&
		  strcmp(nd_get_str(o, "id"), "2") == 0;
	text = nd_text(r, &n);
	int text8 = n == strlen(lines[7]) - 2 && memcmp(text, lines[7], n) == 0;
	int r9 = nd_next(r, &o);
	int r10 = nd_next(r, &o);
	int r12 = nd_next(r, &o);
	int ok12 = r12 == 1 && nd_line(r) == 12 &&
		   strcmp(nd_get_str(o, "type"), "sp") == 0;
	int r13 = nd_next(r, &o);
	const char *s = r13 == 1 ? nd_get_str(o, "s") : NULL;
	int ok13 = r13 == 1 && nd_line(r) == 13 && s && strlen(s) == big &&
		   strspn(s, "b") == big;
	text = nd_text(r, &n);
	int text13 = n == strlen("{\"type\":\"big\",\"s\":\"\"}") + big &&
		     text[n - 1] == '}';
	int r14 = nd_next(r, &o);
	int ok14 = r14 == 1 && nd_line(r) == 14 &&
		   strcmp(nd_get_str(o, "type"), "last") == 0;
	int r_end = nd_next(r, &o);
	const char *err = capture_end();

	CHECK(ok1, "reader: valid object on line 1");
	CHECK(text1, "reader: nd_text is the line without its newline");
	CHECK(r3 == -1 && l3 == 3, "reader: blank line 2 skipped, [1] is -1");
	CHECK(r4 == -1, "reader: \"{\" is -1");
	CHECK(r5 == -1, "reader: object without type is -1");
	CHECK(r6 == -1, "reader: invalid UTF-8 is -1");
	CHECK(r7 == -1, "reader: two values on a line is -1");
	CHECK(ok8, "reader: valid CRLF line read after bad lines");
	CHECK(text8, "reader: nd_text of a CRLF line has no CR");
	CHECK(r9 == -1, "reader: non-string type is -1");
	CHECK(r10 == -1, "reader: NUL byte is -1");
	CHECK(ok12, "reader: blank CRLF line skipped, spaces around object");
	CHECK(ok13, "reader: 1 MB line on line 13");
	CHECK(text13, "reader: nd_text of the 1 MB line");
	CHECK(ok14, "reader: last line without newline");
	CHECK(r_end == 0, "reader: 0 at the end");
	CHECK(nd_next(r, &o) == 0, "reader: 0 again after the end");
	CHECK_STR(err,
		  "nd-test: mem.ndjson:3: not a JSON object\n"
		  "nd-test: mem.ndjson:4: not valid JSON\n"
		  "nd-test: mem.ndjson:5: record has no \"type\" string\n"
		  "nd-test: mem.ndjson:6: invalid UTF-8\n"
		  "nd-test: mem.ndjson:7: more than one JSON value on the line\n"
		  "nd-test: mem.ndjson:9: record has no \"type\" string\n"
		  "nd-test: mem.ndjson:10: NUL byte in line\n",
		  "reader: each bad line reported with file and line");
	CHECK(rp_error_count() - errors_before == 7,
	      "reader: seven errors counted");
	CHECK_STR(nd_name(r), "mem.ndjson", "reader: nd_name");
	nd_reader_free(r);
	nd_reader_free(NULL);
	free(data);
}

static void test_member(void)
{
	cJSON *o = cJSON_Parse("{\"ab\":1,\"a\":2,\"a\":3,\"\":4,\"abc\":5}");
	CHECK(nd_member(o, "a")->valuedouble == 2,
	      "nd_member: the first of duplicate keys, as cJSON");
	CHECK(nd_member(o, "abc")->valuedouble == 5, "nd_member: a longer key");
	CHECK(nd_member(o, "")->valuedouble == 4, "nd_member: the empty key");
	CHECK(!nd_member(o, "b") && !nd_member(o, "abcd") && !nd_member(o, "A"),
	      "nd_member: missing keys, case-sensitive");
	CHECK(!nd_member(NULL, "a") && !nd_member(o, NULL),
	      "nd_member: NULL object or key");
	cJSON *a = cJSON_Parse("[1,2]");
	CHECK(!nd_member(a, "a"), "nd_member: an array has no members");
	cJSON_Delete(a);
	cJSON_Delete(o);
}

/* The one difference from cJSON (docs/reliability.md): a \u escape that is
 * not four hex digits makes the line invalid, where cJSON read U+0000. */
static void test_reader_bad_escape(void)
{
	static const char data[] = "{\"type\":\"a\",\"s\":\"\\uZZZZ\"}\n"
				   "{\"type\":\"b\",\"s\":\"\\u00e9\"}\n";
	nd_reader *r = open_mem(data, sizeof data - 1, 7, 0);
	cJSON *o;
	capture_start();
	int r1 = nd_next(r, &o), r2 = nd_next(r, &o);
	const char *err = capture_end();
	CHECK(r1 == -1 && r2 == 1 &&
		      strcmp(nd_get_str(o, "s"), "\xc3\xa9") == 0,
	      "reader: \\uZZZZ is -1, \\u00e9 is read");
	CHECK_STR(err, "nd-test: mem.ndjson:1: not valid JSON\n",
		  "reader: \\uZZZZ is \"not valid JSON\"");
	nd_reader_free(r);
}

static void test_reader_json_errors(void)
{
	static const char data[] = "{\"type\":\"a\"}\n\"str\"\n";
	nd_reader *r = open_mem(data, sizeof data - 1, 3, 0);
	cJSON *o;
	rp_policy.json = true;
	capture_start();
	int r1 = nd_next(r, &o), r2 = nd_next(r, &o);
	const char *err = capture_end();
	rp_policy.json = false;
	CHECK(r1 == 1 && r2 == -1, "reader json: a string line is -1");
	CHECK_STR(err,
		  "{\"program\":\"nd-test\",\"level\":\"error\",\"file\":\"mem.ndjson\","
		  "\"line\":2,\"code\":\"not_object\","
		  "\"message\":\"not a JSON object\"}\n",
		  "reader json: error as one JSON object");
	nd_reader_free(r);
}

static void test_reader_read_error(void)
{
	static const char data[] = "{\"type\":\"a\"}\n{\"type\":\"b\"}\n";
	nd_reader *r = open_mem(data, sizeof data - 1, 5, 1);
	cJSON *o;
	capture_start();
	int r1 = nd_next(r, &o), r2 = nd_next(r, &o), r3 = nd_next(r, &o);
	const char *err = capture_end();
	CHECK(r1 == 1 && r2 == 1 && r3 == -2, "read error: -2 after records");
	CHECK(!nd_io_failed(r), "read error: source error is no I/O failure");
	CHECK_STR(err, "nd-test: mem.ndjson:3: disk on fire\n",
		  "read error: reported at the next line");
	nd_reader_free(r);

	r = nd_reader_open("/");
	capture_start();
	r1 = nd_next(r, &o);
	err = capture_end();
	CHECK(r1 == -2 && nd_io_failed(r), "read error: directory is I/O");
	char want[128];
	snprintf(want, sizeof want, "nd-test: /: %s\n", strerror(EISDIR));
	CHECK_STR(err, want, "read error: I/O failure message");
	nd_reader_free(r);

	errno = 0;
	CHECK(nd_reader_open("/nonexistent/x.ndjson") == NULL && errno == ENOENT,
	      "reader: missing file is NULL with ENOENT");
}

static void test_reader_file(void)
{
	char path[] = "/tmp/test_ndjson.XXXXXX";
	int fd = mkstemp(path);
	static const char data[] = "{\"type\":\"f\",\"o\":{\"k\":\"v\"},"
				   "\"a\":[1],\"s\":\"t\"}\n";
	CHECK(write(fd, data, sizeof data - 1) == (ssize_t)(sizeof data - 1),
	      "reader file: written");
	close(fd);
	nd_reader *r = nd_reader_open(path);
	cJSON *o;
	CHECK(r && nd_next(r, &o) == 1, "reader file: record read");
	CHECK_STR(nd_name(r), path, "reader file: nd_name is the path");
	CHECK(nd_get_obj(o, "o") && !nd_get_obj(o, "a") && !nd_get_obj(o, "x"),
	      "nd_get_obj: object only");
	CHECK(nd_get_arr(o, "a") && !nd_get_arr(o, "o"),
	      "nd_get_arr: array only");
	CHECK_STR(nd_get_str(o, "s"), "t", "nd_get_str: string");
	CHECK(nd_get_str(o, "a") == NULL && nd_get_str(o, "S") == NULL,
	      "nd_get_str: NULL for other types and case-sensitive");
	CHECK(nd_next(r, &o) == 0, "reader file: end");
	nd_reader_free(r);
	unlink(path);
}

/* ---- err ---------------------------------------------------------------- */

static void test_err_format(void)
{
	rp_setprog("nd-test");
	rp_policy.max_errors = 1000;
	rp_policy.keep_going = false;

	struct rp_loc full = {.file = "users.csv", .line = 3, .field = "email",
			      .code = "bad_email", .source_id = "u\"1"};
	struct rp_loc nofield = {.file = "users.csv", .line = 7};
	struct rp_loc noline = {.file = "users.csv", .field = "role"};
	struct rp_loc fieldonly = {.field = "grade"};
	struct rp_loc none = {0};

	capture_start();
	rp_error(&full, "not an address: %s", "x y");
	rp_error(&nofield, "ragged row");
	rp_error(&noline, "bad");
	rp_error(&fieldonly, "bad %d", 14);
	rp_error(&none, "plain");
	CHECK_STR(capture_end(),
		  "nd-test: users.csv:3: email: not an address: x y\n"
		  "nd-test: users.csv:7: ragged row\n"
		  "nd-test: users.csv: role: bad\n"
		  "nd-test: grade: bad 14\n"
		  "nd-test: plain\n",
		  "rp_error: prog: file:line: field: message");

	rp_policy.json = true;
	capture_start();
	rp_error(&full, "tab\there");
	rp_error(&none, "plain");
	CHECK_STR(capture_end(),
		  "{\"program\":\"nd-test\",\"level\":\"error\",\"file\":\"users.csv\","
		  "\"line\":3,\"field\":\"email\",\"code\":\"bad_email\","
		  "\"message\":\"tab\\there\",\"source_id\":\"u\\\"1\"}\n"
		  "{\"program\":\"nd-test\",\"level\":\"error\",\"message\":\"plain\"}\n",
		  "rp_error: JSON format, escaped, absent members left out");
	rp_policy.json = false;

	/* warnings: said as such, not counted; an API record by item and id */
	struct rp_loc api = {.file = "users.json", .line = 1, .item = 17,
			     .field = "name.first", .code = "empty_value",
			     .source_id = "5f3c", .named = true};
	long errors = rp_error_count(), warnings = rp_warning_count();
	capture_start();
	bool r1 = rp_warning(&full, "not an address");
	bool r2 = rp_warning(&api, "empty");
	rp_error(&api, "unknown school");
	CHECK_STR(capture_end(),
		  "nd-test: users.csv:3: email: warning: not an address\n"
		  "nd-test: users.json:1: item 17: id 5f3c: name.first: warning: empty\n"
		  "nd-test: users.json:1: item 17: id 5f3c: name.first: unknown school\n",
		  "rp_warning: FIELD: warning: message; API records named");
	CHECK(!r1 && !r2 && rp_error_count() == errors + 1 &&
		      rp_warning_count() == warnings + 2,
	      "rp_warning: counted apart from errors");
	rp_policy.json = true;
	capture_start();
	rp_warning(&api, "empty");
	CHECK_STR(capture_end(),
		  "{\"program\":\"nd-test\",\"level\":\"warning\",\"file\":\"users.json\","
		  "\"line\":1,\"item\":17,\"field\":\"name.first\","
		  "\"code\":\"empty_value\",\"message\":\"empty\",\"source_id\":\"5f3c\"}\n",
		  "rp_warning: JSON with level warning and item");
	rp_policy.json = false;
	rp_policy.strict = true;
	errors = rp_error_count();
	capture_start();
	bool r3 = rp_warning(&full, "not an address");
	CHECK_STR(capture_end(), "nd-test: users.csv:3: email: not an address\n",
		  "rp_warning --strict: an error");
	CHECK(r3 && rp_error_count() == errors + 1,
	      "rp_warning --strict: counted, the record to be rejected");
	rp_policy.strict = false;

	capture_start();
	rp_warnx("plain %s", "warning");
	errno = ENOENT;
	rp_warn("open %s", "x.csv");
	char want[128];
	snprintf(want, sizeof want,
		 "nd-test: plain warning\nnd-test: open x.csv: %s\n",
		 strerror(ENOENT));
	CHECK_STR(capture_end(), want, "rp_warnx and rp_warn with strerror");
}

/* Runs f in a child with stderr captured; its exit status. */
static int in_child(void (*f)(void), const char **err)
{
	fflush(stdout);
	capture_start();
	pid_t pid = fork();
	if (pid == 0) {
		f();
		_exit(99);
	}
	int status = 0;
	waitpid(pid, &status, 0);
	*err = capture_end();
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void stop_at_max(void)
{
	struct rp_loc loc = {.file = "f", .line = 1};
	rp_policy.max_errors = rp_error_count() + 2;
	rp_policy.keep_going = false;
	rp_error(&loc, "one");
	rp_error(&loc, "two");
	rp_error(&loc, "three");
}

static void keep_going_past_max(void)
{
	struct rp_loc loc = {.file = "f", .line = 1};
	rp_policy.max_errors = rp_error_count() + 1;
	rp_policy.keep_going = true;
	rp_error(&loc, "one");
	rp_error(&loc, "two");
	exit(rp_finish(0));
}

static void test_err_limits(void)
{
	const char *err;
	long count = rp_error_count();
	char want[256];

	int rc = in_child(stop_at_max, &err);
	CHECK(rc == RP_EXIT_DATA, "max errors: exit 1 at the limit");
	snprintf(want, sizeof want,
		 "nd-test: f:1: one\nnd-test: f:1: two\n"
		 "nd-test: stopping after %ld errors (--max-errors)\n",
		 count + 2);
	CHECK_STR(err, want, "max errors: stops after the limit's message");

	rc = in_child(keep_going_past_max, &err);
	CHECK(rc == RP_EXIT_DATA, "keep going: rp_finish is 1 after errors");
	snprintf(want, sizeof want,
		 "nd-test: f:1: one\nnd-test: %ld bad records skipped\n",
		 count + 2);
	CHECK_STR(err, want, "keep going: messages past the limit not written");

	rp_policy.keep_going = false;
	rp_policy.allow_rejects = false;
	CHECK(rp_finish(0) == RP_EXIT_DATA && rp_finish(4) == 4,
	      "rp_finish: data errors make 0 into 1, keep other codes");
	rp_policy.keep_going = true;
	rp_policy.allow_rejects = true;
	capture_start();
	rc = rp_finish(0);
	capture_end();
	CHECK(rc == 0, "rp_finish: allow_rejects exits 0");
	rp_policy.keep_going = false;
	rp_policy.allow_rejects = false;
}

/* A writer into a pipe widens it to four flushes (1 MiB), or to what the
 * system allows: with the default 64 KiB, the programs on its two ends
 * take turns instead of working side by side. */
static void test_writer_widens_pipe(void)
{
	int p[2];
	CHECK(pipe(p) == 0, "pipe: made");
	long want = 1024 * 1024;
	FILE *f = fopen("/proc/sys/fs/pipe-max-size", "r");
	long max;
	if (f && fscanf(f, "%ld", &max) == 1 && max < want)
		want = max;
	if (f)
		fclose(f);
	CHECK(fcntl(p[1], F_GETPIPE_SZ) < want, "pipe: narrower to begin with");
	nd_writer *w = nd_writer_new(p[1]);
	CHECK(fcntl(p[1], F_GETPIPE_SZ) >= want, "pipe: widened by the writer");
	nd_writer_close(w);
	close(p[0]);
	close(p[1]);
}

int main(void)
{
	test_jsonesc();
	test_writer_record();
	test_writer_numbers();
	test_writer_large();
	test_writer_fail();
	test_reader();
	test_member();
	test_reader_bad_escape();
	test_reader_json_errors();
	test_reader_read_error();
	test_reader_file();
	test_err_format();
	test_err_limits();
	test_writer_widens_pipe();
	TEST_END();
}
