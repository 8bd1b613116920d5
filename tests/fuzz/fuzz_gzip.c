/*
 * fuzz_gzip: gzip NDJSON archives read by archive_each_line (lib/summer/files.c
 * over lib/input.c's zlib gzread stream): the gzip magic check, inflate,
 * the CRC at the end, truncated and corrupt data, lines of any length, a
 * last line cut short.
 *
 * archive_each_line takes a path: the input is written to a memfd and
 * opened as /proc/self/fd/N. Every line is taken (the callback never stops
 * the reading), and must not hold its '\n'.
 */
#include "fuzz_common.h"

#include "summer/summer.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fuzz_init();
	return 0;
}

struct count {
	size_t lines, bytes;
};

static int on_line(void *ctx, const char *line, size_t len)
{
	struct count *c = ctx;
	if (memchr(line, '\n', len))
		fuzz_fail("archive_each_line", "a line holding a newline", line,
			  len);
	c->lines++;
	c->bytes += len;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int mark = fuzz_fd_mark();
	const char *path = fuzz_path(data, size);
	char why[512];
	why[0] = '\0';
	struct count c = {0, 0};
	int rc = archive_each_line(path, on_line, &c, why);
	if (rc != 0 && (!why[0] || !memchr(why, '\0', sizeof why)))
		fuzz_fail("archive_each_line", "-1 without a reason", "", 0);
	fuzz_fd_check(mark);
	return 0;
}
