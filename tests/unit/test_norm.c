/*
 * normalize's rules (normalize.h: norm_new, norm_record, norm_finish), driven by
 * the cases in tests/unit/cases/normalize.test: raw records in, canonical
 * records and located errors out. See cases.h for the file format and
 * where the file is found; `test_norm --record [FILE]` prints the file with
 * the expected sections as the code gives them now.
 */
#include "normalize/normalize.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "harness.h"
#include "cases.h"
#include "memsrc.h"
#include "ndjson.h"

static const char *const sections[] = {"options", "input", "output", "stderr",
				       "exit", NULL};
static const char *const expected[] = {"output", "stderr", "exit", NULL};

/* What normalize's main() does with its options, on the case's input. */
static int run(void *ctx, int out_fd)
{
	const struct tcase *c = ctx;
	const char *year = NULL;
	int argc;
	char **argv = case_words(case_get(c, "options") ? case_get(c, "options")->value
							 : "",
				 &argc);
	rp_setprog("normalize");
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : "";
		if (strcmp(a, "--keep-going") == 0)
			rp_policy.keep_going = true;
		else if (strcmp(a, "--allow-rejects") == 0)
			rp_policy.allow_rejects = true;
		else if (strcmp(a, "--quiet") == 0)
			rp_policy.quiet = true;
		else if (strcmp(a, "--strict") == 0)
			rp_policy.strict = true;
		else if (strcmp(a, "--max-errors") == 0 && ++i)
			rp_policy.max_errors = atol(v);
		else if (strcmp(a, "--error-format") == 0 && ++i)
			rp_policy.json = strcmp(v, "json") == 0;
		else if (strcmp(a, "--school-year") == 0 && ++i)
			year = v;
		else
			rp_die(2, "test: unknown option %s", a);
	}
	char *text = case_text(case_get(c, "input"));
	nd_writer *w = nd_writer_new(out_fd);
	struct norm_opts nopts = {.school_year = year, .quiet = rp_policy.quiet};
	norm *n = norm_new(w, &nopts);
	int rc = RP_EXIT_OK;
	nd_reader *r = nd_reader_new(mem_input("raw.ndjson", text, strlen(text),
					       4096, 0, NULL));
	cJSON *o;
	int got;
	while ((got = nd_next(r, &o)) != 0) {
		if (got == -2) {
			if (nd_io_failed(r))
				rc = RP_EXIT_IO;
			break;
		}
		if (got < 0)
			continue;
		size_t len;
		const char *line = nd_text(r, &len);
		norm_record(n, o, line, len, nd_name(r), nd_line(r));
	}
	nd_reader_free(r);
	if (norm_finish(n) != 0) {
		rp_warn("temporary file");
		rc = RP_EXIT_IO;
	}
	if (year && rc == RP_EXIT_OK && rp_error_count() == 0 &&
	    norm_year_check(n) > 0)
		rc = RP_EXIT_GUARD;
	norm_free(n);
	if (nd_writer_close(w) != 0)
		rc = RP_EXIT_IO;
	free(text);
	case_words_free(argv, argc);
	return rp_finish(rc);
}

int main(int argc, char **argv)
{
	return cases_main(argc, argv, "normalize.test", sections, expected, "output", true, run,
			  NULL);
}
