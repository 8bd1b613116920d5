/*
 * fuzz_zip: the zip reader (lib/zip.c): the central directory read at
 * rp_zip_open, then every entry inflated and read to its end line by line
 * (rp_zip_entry_input + rp_input_getline), which runs the CRC, size and
 * zip-bomb checks.
 *
 * rp_zip_open takes a path: the input is written to a memfd and opened as
 * /proc/self/fd/N.
 */
#include "fuzz_common.h"

#include "zip.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fuzz_init();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int mark = fuzz_fd_mark();
	const char *path = fuzz_path(data, size);
	char err[512];
	err[0] = '\0';
	rp_zip *z = rp_zip_open(path, err, sizeof err);
	if (!z) {
		if (!err[0] || !memchr(err, '\0', sizeof err))
			fuzz_fail("rp_zip_open", "NULL without a reason", "", 0);
		fuzz_fd_check(mark);
		return 0;
	}
	size_t count = rp_zip_count(z);
	for (size_t i = 0; i < count; i++) {
		const char *name = rp_zip_name(z, i);
		if (!name)
			fuzz_fail("rp_zip_name", "NULL for an entry", "", 0);
		long found = rp_zip_find(z, name);
		if (found < 0 || (size_t)found > i)
			fuzz_fail("rp_zip_find", "an entry not found by its name",
				  name, strlen(name));
		rp_input *in = rp_zip_entry_input(z, i);
		if (!in)
			fuzz_fail("rp_zip_entry_input", "NULL for an entry", name,
				  strlen(name));
		const char *line;
		ssize_t n;
		while ((n = rp_input_getline(in, &line)) > 0)
			if (line[n - 1] != '\n' && rp_input_getline(in, &line) != 0)
				fuzz_fail("rp_input_getline",
					  "a line without its newline before the end",
					  "", 0);
		if (n < 0) {
			(void)rp_input_strerror(in);
			(void)rp_input_io_failure(in);
		}
		(void)rp_input_lineno(in);
		(void)rp_input_name(in);
		rp_input_close(in);
	}
	if (rp_zip_name(z, count) || rp_zip_entry_input(z, count))
		fuzz_fail("rp_zip", "an entry past the last", "", 0);
	rp_zip_close(z);
	fuzz_fd_check(mark);
	return 0;
}
