#include "input.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <zlib.h>

#include "harness.h"
#include "memsrc.h"
#include "xalloc.h"

#define CHUNK (128 * 1024) /* rp_input's read size */

static rp_input *open_mem(const char *data, size_t len, size_t step,
			  int fail_at_end, int *closed)
{
	return mem_input("mem", data, len, step, fail_at_end, closed);
}

/* Whether the next line is exactly want[0..n). */
static int next_is(rp_input *in, const char *want, size_t n)
{
	const char *line = NULL;
	ssize_t got = rp_input_getline(in, &line);
	return got == (ssize_t)n && (n == 0 || memcmp(line, want, n) == 0);
}

#define NEXT_IS(in, lit) next_is(in, lit, sizeof(lit) - 1)

static char *tmpfile_path(void)
{
	static char path[64];
	strcpy(path, "/tmp/test_input.XXXXXX");
	int fd = mkstemp(path);
	if (fd >= 0)
		close(fd);
	return path;
}

static int write_file(const char *path, const char *data, size_t n)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		return 0;
	int ok = fwrite(data, 1, n, f) == n;
	return fclose(f) == 0 && ok;
}

static int write_gz(const char *path, const char *data, size_t n)
{
	gzFile gz = gzopen(path, "wb");
	if (!gz)
		return 0;
	int ok = gzwrite(gz, data, (unsigned)n) == (int)n;
	return gzclose(gz) == Z_OK && ok;
}

static char *read_all(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	char *buf = xmalloc(8 * 1024 * 1024);
	*n = f ? fread(buf, 1, 8 * 1024 * 1024, f) : 0;
	if (f)
		fclose(f);
	return buf;
}

/*
 * Data with lines of every awkward length: short ones, one longer than two
 * chunks, one ending exactly at a chunk boundary, one crossing it, and a
 * last line without a newline. Lengths are with the '\n'.
 */
static const size_t shape[] = {2, 300000, 1, 5, 0 /* fills to a boundary */,
			       CHUNK + 1, 10, 7};
#define NSHAPE (sizeof shape / sizeof *shape)

static char *make_lines(size_t *lens, size_t *total)
{
	size_t n = 0;
	for (size_t i = 0; i < NSHAPE; i++) {
		lens[i] = shape[i] ? shape[i] : 3 * (size_t)CHUNK - n;
		n += lens[i];
	}
	char *data = xmalloc(n);
	size_t pos = 0;
	for (size_t i = 0; i < NSHAPE; i++) {
		for (size_t k = 0; k + 1 < lens[i]; k++)
			data[pos + k] = (char)('a' + (i + k) % 26);
		data[pos + lens[i] - 1] = '\n';
		pos += lens[i];
	}
	lens[NSHAPE - 1]--; /* no final newline */
	*total = n - 1;
	return data;
}

/* Reads the make_lines data from in; 1 when every line came back whole. */
static int lines_match(rp_input *in, const char *data, const size_t *lens)
{
	size_t pos = 0;
	for (size_t i = 0; i < NSHAPE; i++) {
		if (!next_is(in, data + pos, lens[i]) ||
		    rp_input_lineno(in) != (long)i + 1)
			return 0;
		pos += lens[i];
	}
	return NEXT_IS(in, "") && rp_input_lineno(in) == (long)NSHAPE;
}

static void test_chunks(void)
{
	size_t lens[NSHAPE], total;
	char *data = make_lines(lens, &total);
	static const size_t steps[] = {CHUNK, 4096, 7, 100000};
	for (size_t s = 0; s < sizeof steps / sizeof *steps; s++) {
		char what[80];
		snprintf(what, sizeof what,
			 "chunks: long lines whole, reads of %zu bytes",
			 steps[s]);
		rp_input *in = open_mem(data, total, steps[s], 0, NULL);
		CHECK(lines_match(in, data, lens), what);
		rp_input_close(in);
	}
	free(data);
}

static void test_basic(void)
{
	static const char data[] = "one\ntwo\r\n\nlast";
	int closed = 0;
	rp_input *in = open_mem(data, sizeof data - 1, CHUNK, 0, &closed);
	CHECK_STR(rp_input_name(in), "mem", "basic: name");
	CHECK(rp_input_lineno(in) == 0, "basic: line 0 before reading");
	CHECK(NEXT_IS(in, "one\n"), "basic: line with its newline");
	CHECK(rp_input_lineno(in) == 1, "basic: line 1");
	CHECK(NEXT_IS(in, "two\r\n"), "basic: CR kept");
	CHECK(NEXT_IS(in, "\n"), "basic: empty line is \"\\n\"");
	CHECK(NEXT_IS(in, "last"), "basic: last line without newline");
	CHECK(rp_input_lineno(in) == 4, "basic: line 4");
	CHECK(NEXT_IS(in, ""), "basic: 0 at the end");
	CHECK(NEXT_IS(in, ""), "basic: 0 again after the end");
	CHECK(rp_input_lineno(in) == 4, "basic: line count stays at 4");
	rp_input_close(in);
	CHECK(closed, "basic: close function called");
	CHECK_RUNS(rp_input_close(NULL), "basic: rp_input_close(NULL) is a no-op");

	in = open_mem("", 0, CHUNK, 0, NULL);
	CHECK(NEXT_IS(in, "") && rp_input_lineno(in) == 0,
	      "empty input: 0 at once");
	rp_input_close(in);

	/* A last line without newline that crossed a chunk boundary. */
	in = open_mem("abcdefghij", 10, 3, 0, NULL);
	CHECK(NEXT_IS(in, "abcdefghij"),
	      "no final newline: gathered over reads");
	CHECK(NEXT_IS(in, ""), "no final newline: then the end");
	rp_input_close(in);
}

static void test_read_error(void)
{
	static const char data[] = "a\nb\nc";
	rp_input *in = open_mem(data, sizeof data - 1, 2, 1, NULL);
	CHECK(NEXT_IS(in, "a\n") && NEXT_IS(in, "b\n"),
	      "read error: lines before it");
	const char *line;
	CHECK(rp_input_getline(in, &line) == -1, "read error: -1");
	CHECK_STR(rp_input_strerror(in), "disk on fire",
		  "read error: the source's message");
	rp_input_close(in);
}

static void test_plain_file(void)
{
	size_t lens[NSHAPE], total;
	char *data = make_lines(lens, &total);
	char *path = tmpfile_path();
	CHECK(write_file(path, data, total), "plain file: written");
	rp_input *in = rp_input_open(path);
	CHECK(in != NULL, "plain file: opened");
	if (in) {
		CHECK_STR(rp_input_name(in), path, "plain file: name is the path");
		CHECK(lines_match(in, data, lens), "plain file: lines whole");
		rp_input_close(in);
	}
	unlink(path);
	free(data);

	errno = 0;
	CHECK(rp_input_open("/nonexistent/dir/x.ndjson") == NULL &&
		      errno == ENOENT,
	      "missing file: NULL with errno ENOENT");
}

static void test_fd_and_stdin(void)
{
	int p[2];
	CHECK(pipe(p) == 0, "pipe: made");
	static const char data[] = "x\ny\n";
	CHECK(write(p[1], data, sizeof data - 1) == (ssize_t)(sizeof data - 1),
	      "pipe: written");
	close(p[1]);
	rp_input *in = rp_input_fdopen(p[0], "pipe-in");
	CHECK_STR(rp_input_name(in), "pipe-in", "fdopen: name");
	CHECK(NEXT_IS(in, "x\n") && NEXT_IS(in, "y\n") && NEXT_IS(in, ""),
	      "fdopen: lines from a pipe");
	rp_input_close(in);
	CHECK(fcntl(p[0], F_GETFD) == -1 && errno == EBADF,
	      "fdopen: fd closed by rp_input_close");

	char *path = tmpfile_path();
	write_file(path, "from stdin\n", 11);
	int saved = dup(STDIN_FILENO);
	int fd = open(path, O_RDONLY);
	dup2(fd, STDIN_FILENO);
	close(fd);
	in = rp_input_open("-");
	CHECK_STR(rp_input_name(in), "<stdin>", "stdin: \"-\" named <stdin>");
	CHECK(NEXT_IS(in, "from stdin\n"), "stdin: line read");
	rp_input_close(in);
	in = rp_input_open(NULL);
	CHECK_STR(rp_input_name(in), "<stdin>", "stdin: NULL named <stdin>");
	rp_input_close(in);
	dup2(saved, STDIN_FILENO);
	close(saved);
	unlink(path);
}

static void test_gzip(void)
{
	size_t lens[NSHAPE], total;
	char *data = make_lines(lens, &total);
	char *path = tmpfile_path();
	CHECK(write_gz(path, data, total), "gzip: written with gzopen");
	rp_input *in = rp_input_open(path);
	CHECK(in && lines_match(in, data, lens),
	      "gzip: lines whole, recognised by magic");
	rp_input_close(in);

	/* Two gzip members one after the other read as one stream. */
	size_t n1, n2;
	write_gz(path, "first\nsec", 9);
	char *m1 = read_all(path, &n1);
	write_gz(path, "ond\nthird\n", 10);
	char *m2 = read_all(path, &n2);
	memcpy(m1 + n1, m2, n2);
	write_file(path, m1, n1 + n2);
	in = rp_input_open(path);
	CHECK(NEXT_IS(in, "first\n") && NEXT_IS(in, "second\n") &&
		      NEXT_IS(in, "third\n") && NEXT_IS(in, ""),
	      "gzip: concatenated members");
	rp_input_close(in);
	free(m1);
	free(m2);

	unlink(path);
	free(data);
}

/* Reads to the end or the first error: the last getline result. */
static ssize_t drain(rp_input *in)
{
	const char *line;
	ssize_t n;
	while ((n = rp_input_getline(in, &line)) > 0)
		;
	return n;
}

static void test_gzip_bad(void)
{
	/* Data that does not compress to nothing: a pseudo-random text. */
	size_t total = 400000;
	char *data = xmalloc(total);
	unsigned x = 12345;
	for (size_t i = 0; i < total; i++) {
		x = x * 1103515245 + 12345;
		data[i] = (x >> 16) % 40 == 0 ? '\n' : (char)('a' + (x >> 16) % 26);
	}
	char *path = tmpfile_path();
	write_gz(path, data, total);
	size_t n;
	char *gz = read_all(path, &n);
	CHECK(n > 1000, "gzip bad: compressed file of some size");

	/* cut in the middle of the deflate stream */
	write_file(path, gz, n / 2);
	rp_input *in = rp_input_open(path);
	CHECK(drain(in) == -1, "truncated gzip: read error, not the end");
	CHECK_STR(rp_input_strerror(in), "truncated gzip data",
		  "truncated gzip: message");
	CHECK(!rp_input_io_failure(in),
	      "truncated gzip: a data error, not an I/O failure");
	rp_input_close(in);

	/* only the 8-byte trailer (CRC and length) missing */
	write_file(path, gz, n - 8);
	in = rp_input_open(path);
	CHECK(drain(in) == -1, "gzip without trailer: read error");
	CHECK_STR(rp_input_strerror(in), "truncated gzip data",
		  "gzip without trailer: message");
	CHECK(!rp_input_io_failure(in),
	      "gzip without trailer: not an I/O failure");
	rp_input_close(in);

	/* a corrupted CRC: the data error zlib reports */
	gz[n - 8] ^= 0x55;
	write_file(path, gz, n);
	in = rp_input_open(path);
	CHECK(drain(in) == -1, "gzip with bad CRC: read error");
	CHECK(!rp_input_io_failure(in), "gzip with bad CRC: not an I/O failure");
	CHECK_STR(rp_input_strerror(in), "incorrect data check",
		  "gzip with bad CRC: zlib's message, without its name for the file");
	rp_input_close(in);

	unlink(path);
	free(gz);
	free(data);

	/* a directory opens but cannot be read: the system failed */
	in = rp_input_open("/");
	CHECK(in != NULL, "directory: opens");
	if (in) {
		CHECK(drain(in) == -1, "directory: read error");
		CHECK(rp_input_io_failure(in), "directory: an I/O failure");
		CHECK_STR(rp_input_strerror(in), strerror(EISDIR),
			  "directory: strerror message");
		rp_input_close(in);
	}
}

/* A line is handed on as soon as the pipe holds it, the writer still
 * writing: gzread waited for a whole buffer, so a reader and the writer
 * before it took turns. alarm() turns a wait into a failure. */
static void test_pipe_partial(void)
{
	int p[2];
	CHECK(pipe(p) == 0, "pipe: made");
	CHECK(write(p[1], "one\ntw", 6) == 6, "pipe: first bytes written");
	rp_input *in = rp_input_fdopen(p[0], "pipe");
	alarm(10);
	CHECK(NEXT_IS(in, "one\n"), "pipe: a whole line read while the writer is still open");
	CHECK(write(p[1], "o\n", 2) == 2, "pipe: the rest written");
	CHECK(NEXT_IS(in, "two\n"), "pipe: the line that crossed two writes");
	alarm(0);
	close(p[1]);
	CHECK(NEXT_IS(in, ""), "pipe: the end when the writer closes");
	rp_input_close(in);

	/* gzip through a pipe, its magic arriving a byte at a time */
	char *path = tmpfile_path();
	write_gz(path, "zipped\n", 7);
	size_t n;
	char *gz = read_all(path, &n);
	CHECK(pipe(p) == 0, "gzip pipe: made");
	CHECK(write(p[1], gz, 1) == 1, "gzip pipe: one byte");
	in = rp_input_fdopen(p[0], "gzip pipe");
	pid_t pid = fork();
	if (pid == 0) {
		usleep(100000);
		_exit(write(p[1], gz + 1, n - 1) == (ssize_t)(n - 1) ? 0 : 1);
	}
	close(p[1]);
	alarm(10);
	CHECK(NEXT_IS(in, "zipped\n") && NEXT_IS(in, ""),
	      "gzip pipe: recognised when its magic comes in two reads");
	alarm(0);
	rp_input_close(in);
	int status;
	CHECK(waitpid(pid, &status, 0) == pid && status == 0, "gzip pipe: the writer ended well");
	free(gz);
	unlink(path);
}

/* What follows the last gzip member must be another member: zlib's gzread
 * dropped anything else without a word. */
static void test_gzip_trailing(void)
{
	char *path = tmpfile_path();
	write_gz(path, "kept\n", 5);
	size_t n;
	char *gz = read_all(path, &n);
	gz = xrealloc(gz, n + 6);
	memcpy(gz + n, "lost\n", 6);
	write_file(path, gz, n + 6);
	rp_input *in = rp_input_open(path);
	CHECK(NEXT_IS(in, "kept\n"), "gzip trailing: the member's line");
	CHECK(drain(in) == -1, "gzip trailing: an error, not the end");
	CHECK_STR(rp_input_strerror(in), "data after the end of the gzip stream",
		  "gzip trailing: message");
	CHECK(!rp_input_io_failure(in), "gzip trailing: a data error");
	rp_input_close(in);
	free(gz);
	unlink(path);
}

int main(void)
{
	test_basic();
	test_chunks();
	test_read_error();
	test_plain_file();
	test_fd_and_stdin();
	test_gzip();
	test_gzip_bad();
	test_pipe_partial();
	test_gzip_trailing();
	TEST_END();
}
