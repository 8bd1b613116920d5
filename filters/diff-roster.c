/* diff-roster: incoming canonical records + the store's state -> a plan. */
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

#include "diff/diff.h"
#include "err.h"
#include "ndjson.h"
#include "opts.h"
#include "progress.h"

static const char usage[] =
	"usage: diff-roster --state STATE [--match LIST] [--school ID] [options] [FILE...]\n"
	"\n"
	"Compares the incoming roster (canonical records from normalize) with the\n"
	"store's state (from snapshot; /dev/null is an empty store) and writes\n"
	"the plan that makes the store match: a header (plan_id, base_version,\n"
	"counts per op and per school), then create / update (changed fields,\n"
	"with was) / link / restore / soft_delete / delete operations, then\n"
	"conflict lines, which apply skips and a person decides.\n"
	"\n"
	"Users match a stored user by their source id (any stored identifier of\n"
	"that source) first, then by the --match identifiers in order. A match\n"
	"on a secondary identifier is a link; two candidates are a conflict, never\n"
	"a guess. Users absent from a full (bulk) feed are soft-deleted; users\n"
	"marked ignore_on_import or manual are never touched; a school whose\n"
	"import is paused gets no operations (said on stderr). References to\n"
	"records the plan creates are written SOURCE:SOURCE_ID.\n"
	"\n"
	"  --state FILE     the state records (snapshot output)\n"
	"  --match LIST     identifiers in order, default sis_id,email; any user\n"
	"                   field (email, username, state_id...) or ids.TYPE\n"
	"  --school ID      plan only for school ID (a store id the state holds)\n"
	"  --links FILE     a reviewed mapping table (CSV from --mapping, or .ndjson\n"
	"                   of {\"type\":\"mapping\",\"stored_id\":..,\"source\":..,\n"
	"                   \"source_id\":..}): each row with one\n"
	"                   stored id and an incoming id is a link, before any other\n"
	"                   matching; an unknown id or a user linked twice is an error\n"
	"  --migrate        the feed's source takes over the schools it holds: the\n"
	"                   stored sections, enrollments, users (and terms only\n"
	"                   their sections name) of other sources in those schools\n"
	"                   that the feed no longer holds are retired like absent\n"
	"                   ones of its own source (migrate passes it)\n"
	"  --mapping        write the mapping table for review (CSV: stored_id,\n"
	"                   source, source_id, matched_on, confidence unique /\n"
	"                   ambiguous / unmatched, names) instead of a plan; counts\n"
	"                   on stderr\n"
	"  --report FILE    with --mapping: a report for people, HTML (or Markdown\n"
	"                   when FILE ends in .md)\n"
	"\n"
	"Options:\n" RP_COMMON_HELP;

enum { OPT_STATE = RP_OPT_FIRST_PROGRAM_OPTION, OPT_MATCH, OPT_SCHOOL,
       OPT_LINKS, OPT_MAPPING, OPT_REPORT, OPT_MIGRATE };

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		RP_COMMON_LONGOPTS,
		{"state", required_argument, NULL, OPT_STATE},
		{"match", required_argument, NULL, OPT_MATCH},
		{"school", required_argument, NULL, OPT_SCHOOL},
		{"links", required_argument, NULL, OPT_LINKS},
		{"mapping", no_argument, NULL, OPT_MAPPING},
		{"report", required_argument, NULL, OPT_REPORT},
		{"migrate", no_argument, NULL, OPT_MIGRATE},
		{0},
	};
	struct diff_opts o = {.match = "sis_id,email"};
	const char *state = NULL, *links = NULL, *report = NULL;
	bool mapping = false;
	int c;
	rp_setprog(argv[0]);
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (rp_common_option(c, optarg, usage))
			continue;
		if (c == OPT_STATE)
			state = optarg;
		else if (c == OPT_MATCH)
			o.match = optarg;
		else if (c == OPT_SCHOOL)
			o.school = optarg;
		else if (c == OPT_LINKS)
			links = optarg;
		else if (c == OPT_MAPPING)
			mapping = true;
		else if (c == OPT_MIGRATE)
			o.migrate = true;
		else if (c == OPT_REPORT)
			report = optarg;
	}
	argc -= optind;
	argv += optind;
	if (!state)
		rp_usage_error(usage, "--state is required (/dev/null for an empty store)");
	if (report && !mapping)
		rp_usage_error(usage, "--report goes with --mapping");

	diff *d = diff_new(&o);
	int rc = RP_EXIT_OK;
	interrupt_message("interrupted: no plan written (what was written is incomplete); "
			  "nothing changed");
	/* one progress line over the bytes of the state and the feed */
	long long in_size = progress_files_size(argv, argc);
	long long state_size = progress_files_size((char *[]){(char *)state}, 1);
	progress_begin("reading", in_size < 0 || state_size < 0 ? -1 : in_size + state_size,
		       PROGRESS_BYTES);
	nd_reader *r = nd_reader_open(state);
	if (!r)
		rp_die(RP_EXIT_IO, "%s: cannot open", state);
	if (diff_read_state(d, r) != 0)
		rc = nd_io_failed(r) ? RP_EXIT_IO : RP_EXIT_DATA;
	nd_reader_free(r);
	if (rc == 0 && o.school && !diff_state_has_school(d, o.school)) {
		progress_end();
		diff_free(d);
		rp_usage_error(usage, "--school: no school %s in the state %s", o.school, state);
	}
	for (int i = 0; i < (argc ? argc : 1) && rc == 0; i++) {
		if (!(r = nd_reader_open(argc ? argv[i] : NULL))) {
			rp_warn("%s", argv[i]);
			rc = RP_EXIT_IO;
			break;
		}
		if (diff_read_incoming(d, r) != 0)
			rc = nd_io_failed(r) ? RP_EXIT_IO : RP_EXIT_DATA;
		nd_reader_free(r);
	}
	if (rc == 0 && links && rp_error_count() == 0 && diff_read_links(d, links) != 0)
		rc = RP_EXIT_DATA;
	progress_end();
	/* a plan from a state or feed that did not read whole is no plan */
	if (rc == 0 && rp_error_count() == 0) {
		nd_writer *w = nd_writer_new(STDOUT_FILENO);
		if ((mapping ? diff_write_mapping(d, w, report) : diff_write_plan(d, w)) != 0)
			rc = RP_EXIT_IO;
		rc = nd_finish_stdout(w, rc);
	}
	diff_free(d);
	return rp_finish(rc);
}
