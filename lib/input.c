#include "input.h"

#include <errno.h>
#include <fcntl.h>
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

static ssize_t gz_read(void *ctx, char *buf, size_t cap)
{
	int n = gzread((gzFile)ctx, buf, (unsigned)cap), errnum;
	/* zlib reports a truncated stream as an end with Z_BUF_ERROR set */
	if (n == 0 && (gzerror((gzFile)ctx, &errnum), errnum == Z_BUF_ERROR))
		return -1;
	return n < 0 ? -1 : n;
}

static const char *gz_strerror(void *ctx)
{
	int errnum;
	const char *msg = gzerror((gzFile)ctx, &errnum);
	if (errnum == Z_ERRNO)
		return strerror(errno);
	if (errnum == Z_BUF_ERROR)
		return "truncated gzip data";
	/* zlib puts its name for the file first ("<fd:3>: "): the message
	 * names the file already, by the name a person gave */
	if (msg && strncmp(msg, "<fd:", 4) == 0) {
		const char *colon = strstr(msg, ">: ");
		if (colon)
			return colon + 3;
	}
	return msg;
}

static void gz_close(void *ctx) { gzclose_r((gzFile)ctx); }

bool rp_input_io_failure(rp_input *in)
{
	int errnum = 0;
	if (in->strerror_fn == gz_strerror)
		gzerror((gzFile)in->ctx, &errnum);
	return errnum == Z_ERRNO;
}

rp_input *rp_input_fdopen(int fd, const char *name)
{
	gzFile gz = gzdopen(fd, "rb");
	if (!gz) {
		close(fd);
		errno = ENOMEM;
		return NULL;
	}
	gzbuffer(gz, CHUNK);
	if (!gzdirect(gz))
		progress_input_inflates(); /* its bytes are not the file's size */
	return rp_input_new(name, gz_read, gz_strerror, gz_close, gz);
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
