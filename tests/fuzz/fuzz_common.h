/*
 * Helpers shared by the libFuzzer targets in tests/fuzz/ (header only: each
 * target is one .c file compiled with the library's sources, see
 * run-fuzz).
 *
 *   fuzz_init()        keep rp_error() from exiting, quiet the library
 *   fuzz_mem_input()   an rp_input over the fuzz input, read in short,
 *                      varying pieces so lines cross refill boundaries
 *   fuzz_path()        the fuzz input as a file path, for the APIs that
 *                      take one (memfd, or an unlinked file in /tmp)
 *   fuzz_out_open() / fuzz_out_read()
 *                      a scratch file for an nd_writer's output, read back
 *   fuzz_fd_mark() / fuzz_fd_check()
 *                      abort when a run leaves a file descriptor open
 *   fuzz_check_ndjson()
 *                      abort unless a writer's output is NDJSON: every line
 *                      valid UTF-8 and one JSON object
 *
 * Include it before anything else: it defines _GNU_SOURCE.
 *
 * FUZZ_VERBOSE=1 in the environment keeps the library's messages on stderr.
 * Sanitizer and libFuzzer reports always go to the real standard error.
 */
#ifndef RP_FUZZ_COMMON_H
#define RP_FUZZ_COMMON_H

#define _GNU_SOURCE /* memfd_create */

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "err.h"
#include "input.h"
#include "ndjson.h"
#include "utf8.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static inline void fuzz_init(void)
{
	rp_setprog("fuzz");
	rp_policy.keep_going = true; /* rp_error() must not exit() */
	rp_policy.max_errors = 1;    /* and prints no more than one message */
	const char *v = getenv("FUZZ_VERBOSE");
	if (!v || !*v || strcmp(v, "0") == 0) {
		/* glibc's stderr is an ordinary variable: the library's stdio
		 * messages go to /dev/null while fd 2, where the sanitizers and
		 * libFuzzer write, stays as it was. */
		FILE *null = fopen("/dev/null", "w");
		if (null)
			stderr = null;
	}
}

/* ---- the input as a stream -------------------------------------------- */

struct fuzz_mem {
	const uint8_t *data;
	size_t size, pos;
	uint32_t seed; /* picks the size of each piece */
};

static inline ssize_t fuzz_mem_read(void *ctx, char *buf, size_t cap)
{
	struct fuzz_mem *m = ctx;
	size_t n = m->size - m->pos;
	/* short reads of 1..4096 bytes, decided by the input itself so that a
	 * reproducer replays the same way */
	m->seed = m->seed * 1103515245u + 12345u;
	size_t piece = 1 + (m->seed >> 16) % 4096;
	if (n > piece)
		n = piece;
	if (n > cap)
		n = cap;
	memcpy(buf, m->data + m->pos, n);
	m->pos += n;
	return (ssize_t)n;
}

static inline const char *fuzz_mem_strerror(void *ctx)
{
	(void)ctx;
	return "fuzz read error";
}

static inline void fuzz_mem_close(void *ctx) { free(ctx); }

static inline rp_input *fuzz_mem_input(const char *name,
				       const uint8_t *data, size_t size)
{
	struct fuzz_mem *m = calloc(1, sizeof *m);
	if (!m)
		abort();
	m->data = data;
	m->size = size;
	m->seed = (uint32_t)size;
	for (size_t i = 0; i < size && i < 16; i++)
		m->seed = m->seed * 31u + data[i];
	return rp_input_new(name, fuzz_mem_read, fuzz_mem_strerror,
			    fuzz_mem_close, m);
}

/* ---- the input as a file ---------------------------------------------- */

static int fuzz_file_fd = -1;
static char fuzz_file_path[64];

/* An anonymous file: a memfd, or an unlinked file in /tmp. */
static inline int fuzz_anon_file(void)
{
	int fd = memfd_create("rp-fuzz", MFD_CLOEXEC);
	if (fd < 0) {
		char tmpl[] = "/tmp/rp-fuzz-XXXXXX";
		fd = mkstemp(tmpl);
		if (fd < 0) {
			perror("fuzz: mkstemp");
			abort();
		}
		unlink(tmpl);
	}
	return fd;
}

/* A path whose file holds exactly data[0..size). Opening it gives a fresh
 * file offset each time (/proc/self/fd/N reopens the file). */
static inline const char *fuzz_path(const uint8_t *data, size_t size)
{
	if (fuzz_file_fd < 0) {
		fuzz_file_fd = fuzz_anon_file();
		snprintf(fuzz_file_path, sizeof fuzz_file_path,
			 "/proc/self/fd/%d", fuzz_file_fd);
	}
	if (ftruncate(fuzz_file_fd, 0) != 0) {
		perror("fuzz: ftruncate");
		abort();
	}
	size_t off = 0;
	while (off < size) {
		ssize_t n = pwrite(fuzz_file_fd, data + off, size - off, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			perror("fuzz: pwrite");
			abort();
		}
		off += (size_t)n;
	}
	return fuzz_file_path;
}

/* An output file for an nd_writer, emptied: see fuzz_out_read. */
static int fuzz_out_fd = -1;

static inline int fuzz_out_open(void)
{
	if (fuzz_out_fd < 0)
		fuzz_out_fd = fuzz_anon_file();
	if (ftruncate(fuzz_out_fd, 0) != 0 || lseek(fuzz_out_fd, 0, SEEK_SET) != 0) {
		perror("fuzz: output file");
		abort();
	}
	return fuzz_out_fd;
}

/* What was written to the output file, malloc'd; *len its size. */
static inline char *fuzz_out_read(size_t *len)
{
	off_t end = lseek(fuzz_out_fd, 0, SEEK_END);
	if (end < 0) {
		perror("fuzz: output file");
		abort();
	}
	char *buf = malloc((size_t)end + 1);
	if (!buf)
		abort();
	size_t off = 0;
	while (off < (size_t)end) {
		ssize_t n = pread(fuzz_out_fd, buf + off, (size_t)end - off, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			perror("fuzz: output file");
			abort();
		}
		off += (size_t)n;
	}
	*len = off;
	return buf;
}

/* ---- checks ----------------------------------------------------------- */

/* The lowest free descriptor: it moves up when a run leaks one. */
static inline int fuzz_lowest_fd(void)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		perror("fuzz: /dev/null");
		abort();
	}
	close(fd);
	return fd;
}

static inline int fuzz_fd_mark(void)
{
	/* the scratch files are made once, not to count them as leaks */
	if (fuzz_file_fd < 0)
		fuzz_path(NULL, 0);
	if (fuzz_out_fd < 0)
		fuzz_out_open();
	return fuzz_lowest_fd();
}

static inline void fuzz_fd_check(int mark)
{
	int now = fuzz_lowest_fd();
	if (now != mark) {
		fprintf(stdout, "fuzz: file descriptor leak: lowest free fd was "
				"%d before the input, %d after\n", mark, now);
		fflush(stdout);
		abort();
	}
}

/* A failed check of a target: "fuzz: WHAT: WHY: line "..."" on stdout,
 * then abort(), which libFuzzer reports as a crash with the input. */
static inline void fuzz_fail(const char *what, const char *why,
			     const char *line, size_t len)
{
	fprintf(stdout, "fuzz: %s: %s: line \"", what, why);
	fwrite(line, 1, len > 300 ? 300 : len, stdout);
	fprintf(stdout, "%s\"\n", len > 300 ? "..." : "");
	fflush(stdout);
	abort();
}

/* Each line of buf[0..len) must be valid UTF-8 and exactly one JSON object,
 * the last ending in '\n'. */
static inline void fuzz_check_ndjson(const char *what, const char *buf,
				     size_t len)
{
	size_t pos = 0;
	while (pos < len) {
		const char *line = buf + pos;
		const char *nl = memchr(line, '\n', len - pos);
		if (!nl)
			fuzz_fail(what, "output does not end in a newline", line,
				  len - pos);
		size_t n = (size_t)(nl - line);
		if (utf8_check(line, n) != UTF8_VALID)
			fuzz_fail(what, "output line is not valid UTF-8", line, n);
		const char *end = NULL;
		cJSON *o = cJSON_ParseWithLengthOpts(line, n, &end, 0);
		if (!o)
			fuzz_fail(what, "output line is not valid JSON", line, n);
		bool whole = end == line + n;
		bool obj = cJSON_IsObject(o);
		cJSON_Delete(o);
		if (!whole)
			fuzz_fail(what, "output line holds more than one JSON value",
				  line, n);
		if (!obj)
			fuzz_fail(what, "output line is not a JSON object", line, n);
		pos += n + 1;
	}
}

#endif
