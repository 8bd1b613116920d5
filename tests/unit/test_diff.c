/*
 * diff-roster's matching and planning (diff.h), driven by the cases in
 * tests/unit/cases/diff.test: state records and incoming canonical records
 * in, the plan out. See cases.h for the file format and where the file is
 * found; `test_diff --record [FILE]` prints the file with the expected
 * sections as the code gives them now.
 */
#include "diff/diff.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "harness.h"
#include "cases.h"
#include "memsrc.h"
#include "ndjson.h"

static const char *const sections[] = {"options", "state", "incoming", "plan",
				       "stderr", "exit", NULL};
static const char *const expected[] = {"plan", "stderr", "exit", NULL};

/* The plan header without its plan_id and created members: the first is
 * a hash of the operations compared line by line anyway, the second a
 * time. */
static void strip_member(char *line, const char *name)
{
	char key[32];
	snprintf(key, sizeof key, "\"%s\":\"", name);
	char *at = strstr(line, key);
	if (!at)
		return;
	char *end = strchr(at + strlen(key), '"');
	if (!end)
		return;
	end++;
	if (*end == ',')
		end++;
	memmove(at, end, strlen(end) + 1);
}

static void strip_header(char *out)
{
	char *nl = strchr(out, '\n');
	if (strncmp(out, "{\"type\":\"plan\",", 15) != 0 || !nl)
		return;
	*nl = '\0';
	strip_member(out, "plan_id");
	strip_member(out, "created");
	size_t after = strlen(out);
	out[after] = '\n';
	memmove(out + after + 1, nl + 1, strlen(nl + 1) + 1);
}

/* What diff-roster's main() does, on the case's records. */
static int run(void *ctx, int out_fd)
{
	const struct tcase *c = ctx;
	struct diff_opts o = {.match = "sis_id,email"};
	int argc;
	char **argv = case_words(case_get(c, "options") ? case_get(c, "options")->value
							 : "",
				 &argc);
	for (int i = 0; i < argc; i++)
		if (strcmp(argv[i], "--keep-going") == 0)
			rp_policy.keep_going = true;
		else if (strcmp(argv[i], "--migrate") == 0)
			o.migrate = true;
		else if (i + 1 == argc)
			rp_die(2, "test: an option without its value");
		else if (strcmp(argv[i], "--match") == 0)
			o.match = argv[++i];
		else if (strcmp(argv[i], "--school") == 0)
			o.school = argv[++i];
		else
			rp_die(2, "test: unknown option %s", argv[i]);
	rp_setprog("diff-roster");
	char *state = case_text(case_get(c, "state"));
	char *incoming = case_text(case_get(c, "incoming"));
	int rc = RP_EXIT_OK;
	diff *d = diff_new(&o);
	nd_reader *r = nd_reader_new(mem_input("state", state, strlen(state),
					       4096, 0, NULL));
	if (diff_read_state(d, r) != 0)
		rc = nd_io_failed(r) ? RP_EXIT_IO : RP_EXIT_DATA;
	nd_reader_free(r);
	if (rc == 0) {
		r = nd_reader_new(mem_input("incoming", incoming,
					    strlen(incoming), 4096, 0, NULL));
		if (diff_read_incoming(d, r) != 0)
			rc = nd_io_failed(r) ? RP_EXIT_IO : RP_EXIT_DATA;
		nd_reader_free(r);
	}
	if (rc == 0 && rp_error_count() == 0) {
		nd_writer *w = nd_writer_new(out_fd);
		if (diff_write_plan(d, w) != 0)
			rc = RP_EXIT_IO;
		if (nd_writer_close(w) != 0)
			rc = RP_EXIT_IO;
	}
	diff_free(d);
	free(state);
	free(incoming);
	case_words_free(argv, argc);
	return rp_finish(rc);
}

int main(int argc, char **argv)
{
	setenv("SOURCE_DATE_EPOCH", "1785585600", 1); /* 2026-08-01T12:00:00Z */
	return cases_main(argc, argv, "diff.test", sections, expected, "plan", false, run,
			  strip_header);
}
