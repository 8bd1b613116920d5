/* apply: change the store as plans say, in one transaction per plan. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apply/apply.h"
#include "err.h"
#include "ndjson.h"
#include "opts.h"
#include "store/store.h"

static const char usage[] =
	"usage: apply --db DB [--dry-run] [--max-delete-ratio R] [--max-delete-count N]\n"
	"             [--force] [--during-freeze] [options] [PLAN...]\n"
	"       apply --db DB --undo PLAN_ID [--dry-run]\n"
	"       apply --db DB --freeze REASON | --thaw\n"
	"       apply --db DB --prune DAYS [--dry-run]\n"
	"\n"
	"Reads plans (from diff-roster, softdelete-plan, archive-appointments, or\n"
	"written by hand) and applies each in one transaction, once per plan_id:\n"
	"a plan already in the journal is skipped. A summary goes to stderr.\n"
	"Refused (exit 3, nothing changed): an operation on a record that changed\n"
	"after the plan's base_version; a plan that would take more than R of a\n"
	"school's active users (soft deletes), of all its users (hard deletes,\n"
	"moves out of it, a field cleared), of its sections or of its enrollments\n"
	"(those of terms that ended before the plan do not count), or more than N\n"
	"of any of them; any plan while the store is frozen. conflict lines are\n"
	"reported, skipped.\n"
	"The store is created when it does not exist (for PostgreSQL: its tables, in\n"
	"a database that exists). Two applies on one store take turns.\n"
	"\n"
	"  --db DB                 the store: a SQLite file (FILE or sqlite:FILE) or\n"
	"                          a PostgreSQL database (postgresql://USER@HOST/DB)\n"
	"  --dry-run               check and report; change nothing\n"
	"  --max-delete-ratio R    a number from 0 to 1, default 0.2\n"
	"  --max-delete-count N    no limit by default\n"
	"  --guard-floor N         a school holding fewer than N users (sections,\n"
	"                          enrollments) is not held to the ratio for them\n"
	"                          (default 5): one of two administrators leaving\n"
	"                          must not stop a district's sync\n"
	"  --force                 past the delete guard (recorded in the journal)\n"
	"  --during-freeze         apply although the store is frozen (migrations)\n"
	"  --undo PLAN_ID          revert an applied plan from the journal\n"
	"  --freeze REASON         mark the store frozen: every plan is refused\n"
	"                          (exit 3) but with --during-freeze\n"
	"  --thaw                  end the freeze\n"
	"  --prune DAYS            end the undo window of plans applied more than\n"
	"                          DAYS ago: their before-images are erased, with\n"
	"                          what deleted records left in the store's files\n"
	"                          (0: every plan applied so far)\n"
	"\n"
	"Options:\n" RP_COMMON_HELP;

enum { OPT_DB = RP_OPT_FIRST_PROGRAM_OPTION, OPT_DRY_RUN, OPT_RATIO, OPT_COUNT,
       OPT_FLOOR, OPT_FORCE, OPT_FREEZE, OPT_UNDO, OPT_FREEZE_STORE, OPT_THAW, OPT_PRUNE };

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		RP_COMMON_LONGOPTS,
		{"db", required_argument, NULL, OPT_DB},
		{"dry-run", no_argument, NULL, OPT_DRY_RUN},
		{"max-delete-ratio", required_argument, NULL, OPT_RATIO},
		{"max-delete-count", required_argument, NULL, OPT_COUNT},
		{"guard-floor", required_argument, NULL, OPT_FLOOR},
		{"force", no_argument, NULL, OPT_FORCE},
		{"during-freeze", no_argument, NULL, OPT_FREEZE},
		{"undo", required_argument, NULL, OPT_UNDO},
		{"freeze", required_argument, NULL, OPT_FREEZE_STORE},
		{"thaw", no_argument, NULL, OPT_THAW},
		{"prune", required_argument, NULL, OPT_PRUNE},
		{0},
	};
	struct apply_opts o = {.max_ratio = 0.2, .max_count = -1,
				.guard_floor = APPLY_GUARD_FLOOR};
	const char *db = NULL, *undo = NULL, *freeze = NULL;
	long long prune = -1;
	bool thaw = false;
	char *end;
	int c;
	rp_setprog(argv[0]);
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (rp_common_option(c, optarg, usage))
			continue;
		switch (c) {
		case OPT_DB:
			db = optarg;
			break;
		case OPT_DRY_RUN:
			o.dry_run = true;
			break;
		case OPT_RATIO:
			o.max_ratio = strtod(optarg, &end);
			/* NaN fails both comparisons: nan cannot switch it off */
			if (*end || end == optarg || isspace((unsigned char)*optarg) ||
			    !(o.max_ratio >= 0 && o.max_ratio <= 1))
				rp_usage_error(usage,
					       "--max-delete-ratio: a number from 0 to 1, not %s",
					       optarg);
			break;
		case OPT_FLOOR:
			o.guard_floor = rp_parse_count(optarg, "--guard-floor", usage);
			break;
		case OPT_COUNT:
			o.max_count = rp_parse_count(optarg, "--max-delete-count", usage);
			break;
		case OPT_FORCE:
			o.force = true;
			break;
		case OPT_FREEZE:
			o.during_freeze = true;
			break;
		case OPT_UNDO:
			undo = optarg;
			break;
		case OPT_FREEZE_STORE:
			freeze = optarg;
			break;
		case OPT_THAW:
			thaw = true;
			break;
		case OPT_PRUNE:
			prune = rp_parse_count(optarg, "--prune", usage);
			break;
		}
	}
	argc -= optind;
	argv += optind;
	if (!db)
		rp_usage_error(usage, "--db is required");
	if ((undo || freeze || thaw || prune >= 0) && argc)
		rp_usage_error(usage, "--undo, --freeze, --thaw and --prune take no plan files");
	if ((undo != NULL) + (freeze != NULL) + thaw + (prune >= 0) > 1)
		rp_usage_error(usage, "one of --undo, --freeze, --thaw or --prune");

	/* a dry run must not create the store: it runs on an empty one */
	bool missing = store_missing(db);
	bool in_memory = o.dry_run && missing;
	store *s = store_open(in_memory ? ":memory:" : db, !o.dry_run || in_memory);
	if (s && store_has_no_tables(s)) {
		store_close(s);
		s = store_open(":memory:", true);
	}
	if (!s)
		return RP_EXIT_IO;
	int rc = RP_EXIT_OK;
	if (undo) {
		rc = apply_undo(s, undo, &o);
	} else if (freeze || thaw) {
		rc = apply_freeze(s, freeze, &o);
	} else if (prune >= 0) {
		rc = apply_prune(s, prune, &o);
	} else {
		for (int i = 0; i < (argc ? argc : 1) && rc == 0; i++) {
			nd_reader *r = nd_reader_open(argc ? argv[i] : NULL);
			if (!r) {
				rp_warn("%s", argv[i]);
				rc = RP_EXIT_IO;
				break;
			}
			rc = apply_stream(s, r, &o);
			nd_reader_free(r);
		}
	}
	store_close(s);
	return rc;
}
