/*
 * fuzz_rest: OneRoster 1.1 / 1.2 REST pages, as extract-oneroster --rest reads
 * them: the JSON document reader (lib/jsondoc.c jd_next, several documents
 * a file, pretty-printed or not) and rest_page (lib/extract/apipage.c) into a
 * pagespool (lib/extract/pagespool.c), then ps_finish into a memory nd_writer. The
 * output must be NDJSON: every line valid UTF-8 and one JSON object.
 *
 * jd_open takes a path: the input is written to a memfd and opened as
 * /proc/self/fd/N.
 *
 * Every document cJSON reads must be written whole: nd_writer nests deeper
 * than cJSON's nesting limit, and its rp_die() past it would be reported as
 * "fuzz target exited".
 */
#include "fuzz_common.h"

#include "extract/extract.h"
#include "jsondoc.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fuzz_init();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int mark = fuzz_fd_mark();
	jd_reader *r = jd_open(fuzz_path(data, size));
	if (!r) {
		perror("fuzz: jd_open");
		abort();
	}
	pagespool *ps = ps_new(rest_entities);
	cJSON *doc;
	int got;
	while ((got = jd_next(r, &doc)) != 0) {
		if (got == -2)
			break;
		if (got < 0)
			continue;
		struct api_page pg = {.doc = doc, .file = jd_name(r),
				      .line = jd_line(r)};
		pg.text = jd_text(r, &pg.len);
		rest_page(ps, &pg);
	}
	nd_writer *w = nd_writer_mem();
	if (ps_finish(ps, w, "oneroster", ps_version(ps) ? ps_version(ps) : "1.1", "rest") != 0) {
		perror("fuzz: ps_finish");
		abort();
	}
	size_t len;
	const char *out = nd_current(w, &len);
	fuzz_check_ndjson("extract-oneroster --rest", out, len);
	nd_writer_close(w);
	ps_free(ps);
	jd_free(r);
	fuzz_fd_check(mark);
	return 0;
}
