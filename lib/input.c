#include "input.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "progress.h"
#include "xalloc.h"

#define CHUNK (128 * 1024)

struct rp_input {
	char *name;
	rp_read_fn read_fn;
	rp_strerror_fn strerror_fn;
	rp_close_fn close_fn;
	void *ctx;
	char *buf; /* CHUNK bytes read ahead */
	size_t pos, end;
	char *line; /* a line that crossed a chunk boundary */
	size_t line_cap;
	long lineno;
	int eof, failed;
};

rp_input *rp_input_new(const char *name, rp_read_fn read_fn,
		       rp_strerror_fn strerror_fn, rp_close_fn close_fn,
		       void *ctx)
{
	rp_input *in = xcalloc(1, sizeof *in);
	in->name = xstrdup(name);
	in->read_fn = read_fn;
	in->strerror_fn = strerror_fn;
	in->close_fn = close_fn;
	in->ctx = ctx;
	in->buf = xmalloc(CHUNK);
	return in;
}

/*
 * A file descriptor read as it comes: a read returns what the pipe or file
 * has, so a program reading from a pipe works while the one before it
 * writes (zlib's gzread waits for a whole buffer, which made two programs
 * in a pipe take turns). Gzip is recognised by its magic on the first
 * read and inflated here, member after member.
 */
struct fd_stream {
	int fd;
	enum { FD_UNKNOWN, FD_PLAIN, FD_GZIP } kind;
	unsigned char *in; /* compressed bytes, or the first bytes of a plain file */
	size_t in_pos, in_len;
	bool in_eof, member_end, zinit;
	int sys_errno; /* the system's error, or 0 */
	const char *data_error; /* what is wrong with the data, or NULL */
	z_stream z;
};

/* Fills s->in from the file when it is empty: 1 bytes there, 0 the end,
 * -1 an error (sys_errno set). */
static int fd_fill(struct fd_stream *s)
{
	if (s->in_pos < s->in_len)
		return 1;
	if (s->in_eof)
		return 0;
	ssize_t n;
	do
		n = read(s->fd, s->in, CHUNK);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		s->sys_errno = errno;
		return -1;
	}
	s->in_pos = 0;
	s->in_len = (size_t)n;
	s->in_eof = n == 0;
	return n > 0;
}

static ssize_t fd_fail_data(struct fd_stream *s, const char *why)
{
	s->data_error = why;
	errno = EIO; /* not EINTR: the caller does not try again */
	return -1;
}

static ssize_t gz_inflate(struct fd_stream *s, char *buf, size_t cap)
{
	for (;;) {
		if (fd_fill(s) < 0)
			return -1;
		if (s->member_end) {
			if (s->in_pos == s->in_len)
				return 0; /* the last member ended with the file */
			if (s->in[s->in_pos] != 0x1f)
				return fd_fail_data(s, "data after the end of the gzip stream");
			if (inflateReset(&s->z) != Z_OK)
				return fd_fail_data(s, "cannot inflate");
			s->member_end = false;
		}
		s->z.next_in = s->in + s->in_pos;
		s->z.avail_in = (uInt)(s->in_len - s->in_pos);
		s->z.next_out = (Bytef *)buf;
		s->z.avail_out = (uInt)cap;
		int rc = inflate(&s->z, Z_NO_FLUSH);
		s->in_pos = s->in_len - s->z.avail_in;
		size_t got = cap - s->z.avail_out;
		if (rc == Z_STREAM_END)
			s->member_end = true;
		else if (rc == Z_MEM_ERROR) {
			s->sys_errno = ENOMEM;
			return -1;
		} else if (rc != Z_OK && rc != Z_BUF_ERROR)
			return fd_fail_data(s, s->z.msg ? s->z.msg : "corrupt gzip data");
		if (got > 0)
			return (ssize_t)got;
		if (!s->member_end && s->in_pos == s->in_len && s->in_eof)
			return fd_fail_data(s, "truncated gzip data");
	}
}

static ssize_t fd_read(void *ctx, char *buf, size_t cap)
{
	struct fd_stream *s = ctx;
	if (s->sys_errno || s->data_error) {
		errno = s->sys_errno ? s->sys_errno : EIO;
		return -1; /* a failed stream stays failed */
	}
	if (s->kind == FD_UNKNOWN) {
		/* the first two bytes decide; a pipe may give them one at a time */
		while (s->in_len < 2 && !s->in_eof) {
			ssize_t n = read(s->fd, s->in + s->in_len, CHUNK - s->in_len);
			if (n < 0) {
				if (errno == EINTR)
					continue;
				s->sys_errno = errno;
				return -1;
			}
			s->in_len += (size_t)n;
			s->in_eof = n == 0;
		}
		if (s->in_len >= 2 && s->in[0] == 0x1f && s->in[1] == 0x8b) {
			s->kind = FD_GZIP;
			if (inflateInit2(&s->z, 16 + MAX_WBITS) != Z_OK) {
				s->sys_errno = ENOMEM;
				return -1;
			}
			s->zinit = true;
			progress_input_inflates(); /* its bytes are not the file's size */
		} else
			s->kind = FD_PLAIN;
	}
	if (s->kind == FD_GZIP)
		return gz_inflate(s, buf, cap);
	if (s->in_pos < s->in_len) {
		size_t n = s->in_len - s->in_pos < cap ? s->in_len - s->in_pos : cap;
		memcpy(buf, s->in + s->in_pos, n);
		s->in_pos += n;
		return (ssize_t)n;
	}
	if (s->in_eof)
		return 0;
	ssize_t n = read(s->fd, buf, cap);
	if (n < 0 && errno != EINTR)
		s->sys_errno = errno;
	return n;
}

static const char *fd_strerror(void *ctx)
{
	struct fd_stream *s = ctx;
	if (s->data_error)
		return s->data_error;
	return strerror(s->sys_errno ? s->sys_errno : EIO);
}

static void fd_close(void *ctx)
{
	struct fd_stream *s = ctx;
	if (s->zinit)
		inflateEnd(&s->z);
	close(s->fd);
	free(s->in);
	free(s);
}

bool rp_input_io_failure(rp_input *in)
{
	return in->strerror_fn == fd_strerror &&
	       ((struct fd_stream *)in->ctx)->sys_errno != 0;
}

rp_input *rp_input_fdopen(int fd, const char *name)
{
	struct fd_stream *s = xcalloc(1, sizeof *s);
	s->fd = fd;
	s->in = xmalloc(CHUNK);
	return rp_input_new(name, fd_read, fd_strerror, fd_close, s);
}

rp_input *rp_input_open(const char *path)
{
	int stdin_named = !path || strcmp(path, "-") == 0;
	int fd = stdin_named ? dup(STDIN_FILENO) : open(path, O_RDONLY);
	if (fd < 0)
		return NULL;
	return rp_input_fdopen(fd, stdin_named ? "<stdin>" : path);
}

static int refill(rp_input *in)
{
	if (in->failed)
		return -1; /* a failed stream stays failed, never a short end */
	if (in->eof)
		return 0;
	ssize_t n;
	do
		n = in->read_fn(in->ctx, in->buf, CHUNK);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		in->failed = 1;
		return -1;
	}
	if (n == 0)
		in->eof = 1;
	in->pos = 0;
	in->end = (size_t)n;
	progress_input_bytes(n); /* once a chunk: nothing per line */
	return n > 0;
}

ssize_t rp_input_getline(rp_input *in, const char **line)
{
	size_t have = 0; /* bytes gathered in in->line */
	for (;;) {
		if (in->pos == in->end) {
			int r = refill(in);
			if (r < 0)
				return -1;
			if (r == 0) {
				if (have == 0)
					return 0;
				in->lineno++;
				*line = in->line;
				return (ssize_t)have;
			}
		}
		char *start = in->buf + in->pos;
		size_t avail = in->end - in->pos;
		char *nl = memchr(start, '\n', avail);
		size_t take = nl ? (size_t)(nl - start) + 1 : avail;
		in->pos += take;
		if (nl && have == 0) {
			/* the common case: the whole line is in the chunk */
			in->lineno++;
			*line = start;
			return (ssize_t)take;
		}
		if (have + take + 1 > in->line_cap) {
			in->line_cap = (have + take + 1) * 2;
			in->line = xrealloc(in->line, in->line_cap);
		}
		memcpy(in->line + have, start, take);
		have += take;
		if (nl) {
			in->lineno++;
			*line = in->line;
			return (ssize_t)have;
		}
	}
}

long rp_input_lineno(const rp_input *in) { return in->lineno; }

const char *rp_input_name(const rp_input *in) { return in->name; }

const char *rp_input_strerror(rp_input *in)
{
	return in->strerror_fn ? in->strerror_fn(in->ctx) : "read error";
}

void rp_input_close(rp_input *in)
{
	if (!in)
		return;
	if (in->close_fn)
		in->close_fn(in->ctx);
	free(in->name);
	free(in->buf);
	free(in->line);
	free(in);
}
