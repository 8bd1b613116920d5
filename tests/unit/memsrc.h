#ifndef RP_TEST_MEMSRC_H
#define RP_TEST_MEMSRC_H

/* An rp_input over memory for the unit tests: at most `step` bytes a read
 * (so lines cross read boundaries), optionally a read error at the end. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "input.h"
#include "xalloc.h"

struct memsrc {
	const char *data;
	size_t len, pos, step;
	int fail_at_end; /* a read error instead of the end of input */
	int *closed;     /* set when the close function runs */
};

static ssize_t mem_read(void *ctx, char *buf, size_t cap)
{
	struct memsrc *m = ctx;
	size_t n = m->len - m->pos;
	if (n == 0 && m->fail_at_end) {
		errno = EIO;
		return -1;
	}
	if (n > cap)
		n = cap;
	if (n > m->step)
		n = m->step;
	memcpy(buf, m->data + m->pos, n);
	m->pos += n;
	return (ssize_t)n;
}

static const char *mem_strerror(void *ctx)
{
	(void)ctx;
	return "disk on fire";
}

static void mem_close(void *ctx)
{
	struct memsrc *m = ctx;
	if (m->closed)
		*m->closed = 1;
	free(m);
}

static rp_input *mem_input(const char *name, const char *data, size_t len,
			   size_t step, int fail_at_end, int *closed)
{
	struct memsrc *m = xcalloc(1, sizeof *m);
	m->data = data;
	m->len = len;
	m->step = step;
	m->fail_at_end = fail_at_end;
	m->closed = closed;
	return rp_input_new(name, mem_read, mem_strerror, mem_close, m);
}

#endif
