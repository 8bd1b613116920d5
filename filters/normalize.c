/* normalize: raw records of any source -> canonical records, validated. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "ndjson.h"
#include "normalize/normalize.h"
#include "opts.h"
#include "progress.h"

/* Each record read: mapped, located where its source row is. */
static int map_record(void *ctx, nd_reader *r, cJSON *o)
{
	size_t len;
	const char *text = nd_text(r, &len);
	norm_record(ctx, o, text, len, nd_name(r), nd_line(r));
	return 0;
}

enum { OPT_SCHOOL_YEAR = RP_OPT_FIRST_PROGRAM_OPTION };

static const char usage[] =
	"usage: normalize [options] [FILE...]\n"
	"\n"
	"Reads raw records (from extract-oneroster or extract-clever) and writes\n"
	"canonical school, term, section, enrollment and user records, one schema\n"
	"whatever the source. Values are checked and normalised: emails trimmed\n"
	"and lower-cased, grades as CEDS codes (KG, 01..13, ...), dates as\n"
	"YYYY-MM-DD, ids gathered in \"ids\". References are checked against a\n"
	"full (bulk) feed. A feed record is passed on with canonical entity names;\n"
	"canonical records are passed on unchanged.\n"
	"A record whose identity, role or references are wrong is rejected (an\n"
	"error); a malformed value it can do without is dropped with a warning\n"
	"(users.csv:7: grades: warning: ...). With --keep-going a rejected record,\n"
	"and one that refers to it, leaves a {\"type\":\"held\",...} marker.\n"
	"Messages name the source file, line and column; API records their place\n"
	"in the page and id.\n"
	"\n"
	"  --school-year Y  readiness for a new year (e.g. 2026-2027): report each\n"
	"                   school with no section in a term of Y, and exit 3 if\n"
	"                   any (the records are written all the same)\n"
	"\n"
	"Options:\n" RP_COMMON_HELP;

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		RP_COMMON_LONGOPTS,
		{"school-year", required_argument, NULL, OPT_SCHOOL_YEAR},
		{0},
	};
	const char *year = NULL;
	int c;
	rp_setprog(argv[0]);
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1)
		if (!rp_common_option(c, optarg, usage) && c == OPT_SCHOOL_YEAR)
			year = optarg;
	argc -= optind;
	argv += optind;
	if (year && (strlen(year) != 9 || year[4] != '-' ||
		     atoi(year + 5) != atoi(year) + 1))
		rp_usage_error(usage, "--school-year: YYYY-YYYY, e.g. 2026-2027, not %s",
			       year);

	nd_writer *w = nd_writer_new(STDOUT_FILENO);
	struct norm_opts nopts = {.school_year = year, .quiet = rp_policy.quiet};
	norm *n = norm_new(w, &nopts);
	interrupt_message("interrupted: the output is incomplete; nothing changed");
	progress_begin("reading", progress_files_size(argv, argc), PROGRESS_BYTES);
	int rc = nd_each_record(argv, argc, map_record, n);
	progress_end();
	if (norm_finish(n) != 0) {
		rp_warn("temporary file");
		rc = RP_EXIT_IO;
	}
	if (year && rc == RP_EXIT_OK && rp_error_count() == 0 &&
	    norm_year_check(n) > 0)
		rc = RP_EXIT_GUARD;
	norm_free(n);
	rc = nd_finish_stdout(w, rc);
	return rp_finish(rc);
}
