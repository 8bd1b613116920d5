/* plan-report: a plan and its state -> a report for the person who decides. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "ndjson.h"
#include "opts.h"
#include "report/report.h"

static const char usage[] =
	"usage: plan-report --state STATE [--format md|html] [--max-delete-ratio R]\n"
	"                   [--max-delete-count N] [--guard-floor N] [options] [PLAN]\n"
	"\n"
	"Reads a plan (diff-roster, softdelete-plan, archive-appointments, or by hand)\n"
	"and the state it was computed against (snapshot output), and writes a report\n"
	"for the person deciding whether to let it through: per school, by name, the\n"
	"operations counted; the people that soft deletes, hard deletes, restores,\n"
	"links, conflicts and moves concern, by name and id; the field changes summed\n"
	"up with examples; and the delete guard's verdict, figured as apply figures\n"
	"it, with the same limits. Markdown by default; --format html for a page with\n"
	"tables. The report holds personal data: it goes to standard output only.\n"
	"\n"
	"  --state STATE           the snapshot the plan was computed from (/dev/null:\n"
	"                          an empty store)\n"
	"  --format md|html        Markdown (default) or HTML\n"
	"  --max-delete-ratio R    the guard's limits, as given to apply: a number from\n"
	"  --max-delete-count N    0 to 1 (default 0.2); no count limit by default;\n"
	"  --guard-floor N         groups of fewer than N are not held to the ratio\n"
	"                          (default 5)\n"
	"\n"
	"Options:\n" RP_COMMON_HELP;

enum { OPT_STATE = RP_OPT_FIRST_PROGRAM_OPTION, OPT_FORMAT, OPT_RATIO, OPT_COUNT,
       OPT_FLOOR };

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		RP_COMMON_LONGOPTS,
		{"state", required_argument, NULL, OPT_STATE},
		{"format", required_argument, NULL, OPT_FORMAT},
		{"max-delete-ratio", required_argument, NULL, OPT_RATIO},
		{"max-delete-count", required_argument, NULL, OPT_COUNT},
		{"guard-floor", required_argument, NULL, OPT_FLOOR},
		{0},
	};
	/* the guard's defaults are apply's (lib/guardrule.h) */
	struct rpt_opts o = {.format = RPT_MARKDOWN, .guard = GUARD_LIMITS_DEFAULT};
	const char *state = NULL;
	int c;
	rp_setprog(argv[0]);
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (rp_common_option(c, optarg, usage))
			continue;
		switch (c) {
		case OPT_STATE:
			state = optarg;
			break;
		case OPT_FORMAT:
			if (strcmp(optarg, "md") == 0 || strcmp(optarg, "markdown") == 0)
				o.format = RPT_MARKDOWN;
			else if (strcmp(optarg, "html") == 0)
				o.format = RPT_HTML;
			else
				rp_usage_error(usage, "--format: md or html, not %s", optarg);
			break;
		case OPT_RATIO:
			o.guard.max_ratio = rp_parse_ratio(optarg, "--max-delete-ratio", usage);
			break;
		case OPT_COUNT:
			o.guard.max_count = rp_parse_count(optarg, "--max-delete-count", usage);
			break;
		case OPT_FLOOR:
			o.guard.floor = rp_parse_count(optarg, "--guard-floor", usage);
			break;
		}
	}
	argc -= optind;
	argv += optind;
	if (!state)
		rp_usage_error(usage, "--state is required (/dev/null for an empty store)");
	if (argc > 1)
		rp_usage_error(usage, "one PLAN at a time");

	rpt *r = rpt_new(&o);
	nd_reader *in = nd_reader_open(state);
	if (!in) {
		rp_warn("%s", state);
		rpt_free(r);
		return RP_EXIT_IO;
	}
	int rc = rpt_read_state(r, in);
	nd_reader_free(in);
	if (rc == RP_EXIT_OK) {
		if (!(in = nd_reader_open(argc ? argv[0] : NULL))) {
			rp_warn("%s", argc ? argv[0] : "<stdin>");
			rpt_free(r);
			return RP_EXIT_IO;
		}
		rc = rpt_read_plan(r, in);
		nd_reader_free(in);
	}
	/* a report of a plan that did not read whole would mislead: none */
	if (rc == RP_EXIT_OK && rp_error_count() == 0) {
		if (rpt_write(r, stdout) != 0 || fflush(stdout) != 0 || ferror(stdout)) {
			rp_warn("standard output");
			rc = RP_EXIT_IO;
		}
	}
	rpt_free(r);
	return rp_finish(rc);
}
