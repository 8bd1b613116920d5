#ifndef RP_INPUT_H
#define RP_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * A byte stream read line by line, whatever is behind it: a plain file, a
 * gzip file (recognised by its magic, so every program reads .gz as well),
 * standard input, or an entry of a zip archive.
 */
typedef struct rp_input rp_input;

/* Fills buf with up to cap bytes: returns the count, 0 at the end, -1 on
 * error (then the error function says why). */
typedef ssize_t (*rp_read_fn)(void *ctx, char *buf, size_t cap);
typedef const char *(*rp_strerror_fn)(void *ctx);
typedef void (*rp_close_fn)(void *ctx);

/* path NULL or "-" is standard input, named "<stdin>". Returns NULL with
 * errno set when the file cannot be opened. */
rp_input *rp_input_open(const char *path);

/* Takes ownership of fd. */
rp_input *rp_input_fdopen(int fd, const char *name);

/* Takes ownership of ctx; close_fn (may be NULL) is called by rp_input_close. */
rp_input *rp_input_new(const char *name, rp_read_fn read_fn,
		       rp_strerror_fn strerror_fn, rp_close_fn close_fn,
		       void *ctx);

/*
 * Next line, with its '\n' if it had one; *line points into the reader and
 * stays valid until the next call. Lines of any length. Returns the length,
 * 0 at the end, -1 on a read error (see rp_input_strerror).
 */
ssize_t rp_input_getline(rp_input *in, const char **line);

/* Lines returned so far: the number of the last line returned. */
long rp_input_lineno(const rp_input *in);

const char *rp_input_name(const rp_input *in);
const char *rp_input_strerror(rp_input *in);
/* After a failed read: whether the system failed (exit 4) rather than the
 * data being corrupt or truncated (exit 1). */
bool rp_input_io_failure(rp_input *in);
void rp_input_close(rp_input *in);

#endif
