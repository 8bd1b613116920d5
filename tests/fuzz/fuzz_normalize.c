/*
 * fuzz_normalize: normalize's mapping of raw records to canonical ones
 * (lib/normalize/, record.c, codes.c), as the normalize filter drives it.
 *
 * The input is NDJSON: feed headers, raw records of any source (OneRoster
 * CSV, OneRoster REST, Clever), canonical records. Each record read by
 * nd_next (which hands over only objects with a "type" string, as
 * norm_record requires) is given to norm_record; then norm_finish (held
 * back users replayed against their demographics, 1.2 roles) and
 * norm_year_check (--school-year 2025-2026). The output goes to a scratch
 * file through an fd nd_writer, as normalize writes standard output, and
 * must be NDJSON: every line valid UTF-8 and one JSON object.
 */
#include "fuzz_common.h"

#include "normalize/normalize.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fuzz_init();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int mark = fuzz_fd_mark();
	nd_writer *w = nd_writer_new(fuzz_out_open());
	struct norm_opts nopts = {.school_year = "2025-2026", .quiet = true};
	norm *n = norm_new(w, &nopts);
	nd_reader *r = nd_reader_new(fuzz_mem_input("f", data, size));
	cJSON *o;
	int got;
	while ((got = nd_next(r, &o)) != 0) {
		if (got == -2)
			break;
		if (got < 0)
			continue;
		size_t len;
		const char *text = nd_text(r, &len);
		norm_record(n, o, text, len, nd_name(r), nd_line(r));
	}
	nd_reader_free(r);
	if (norm_finish(n) != 0) {
		perror("fuzz: norm_finish");
		abort();
	}
	(void)norm_year_check(n);
	norm_free(n);
	if (nd_writer_close(w) != 0) {
		perror("fuzz: output");
		abort();
	}
	size_t len;
	char *out = fuzz_out_read(&len);
	fuzz_check_ndjson("normalize", out, len);
	free(out);
	fuzz_fd_check(mark);
	return 0;
}
