/* apply: change the store as plans say, in one transaction per plan. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apply/apply.h"
#include "err.h"
#include "ndjson.h"
#include "opts.h"
#include "progress.h"
#include "store/store.h"

static const char usage[] =
	"usage: apply --db DB [--dry-run] [--max-delete-ratio R] [--max-delete-count N]\n"
	"             [--force] [--during-freeze] [options] [PLAN...]\n"
	"       apply --db DB --undo PLAN_ID [--dry-run]\n"
	"       apply --db DB --freeze REASON | --thaw\n"
	"       apply --db DB --prune DAYS [--dry-run]\n"
	"       apply --db DB --history [--format ndjson|text]\n"
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
	"  --history               list the journal: each plan applied, with its\n"
	"                          time, producer, counts, forced, undone, pruned\n"
	"  --format F              of --history: ndjson (default) or text, a table\n"
	"                          (the default on a terminal)\n"
	"\n"
	"Options:\n" RP_COMMON_HELP;

enum { OPT_DB = RP_OPT_FIRST_PROGRAM_OPTION, OPT_DRY_RUN, OPT_RATIO, OPT_COUNT,
       OPT_FLOOR, OPT_FORCE, OPT_FREEZE, OPT_UNDO, OPT_FREEZE_STORE, OPT_THAW, OPT_PRUNE, OPT_HISTORY,
       OPT_FORMAT };

/* --history: one record a journalled plan, or a table for people. */
struct history {
	nd_writer *w;
	bool text;
};

/* counts JSON as people read it: "create school 2, user 24; update user 3" */
static void counts_text(const char *json, char *out, size_t size)
{
	cJSON *c = json ? cJSON_Parse(json) : NULL;
	size_t used = 0;
	out[0] = '\0';
	for (const cJSON *op = c ? c->child : NULL; op && used < size - 1; op = op->next) {
		used += (size_t)snprintf(out + used, size - used, "%s%s", used ? "; " : "",
					 op->string);
		for (const cJSON *e = op->child; e && used < size - 1; e = e->next)
			used += (size_t)snprintf(out + used, size - used, "%s %s %.0f",
						 e == op->child ? "" : ",", e->string,
						 e->valuedouble);
	}
	if (!c)
		snprintf(out, size, "%s", json ? "?" : "-");
	cJSON_Delete(c);
}

static int history_row(void *ctx, const struct store_history *h)
{
	struct history *hi = ctx;
	nd_writer *w = hi->w;
	/* an undone plan's id carries ~SEQ in the journal (design.md) */
	size_t idlen = strcspn(h->plan_id, "~");
	if (hi->text) {
		char line[2048], counts[1024];
		counts_text(h->counts, counts, sizeof counts);
		int n = snprintf(line, sizeof line, "%-20s  %-17.*s  %-15.15s  %7lld  %s%s%s%s%s\n",
				 h->applied_at ? h->applied_at : "",
				 (int)(idlen < 17 ? idlen : 17), h->plan_id,
				 h->undoes ? "undo" : h->producer ? h->producer : "",
				 h->version, counts,
				 h->forced ? " [forced]" : "",
				 h->undone_by ? " [undone]" : "",
				 h->pruned_at ? " [pruned " : "",
				 h->pruned_at ? h->pruned_at : "");
		if (h->pruned_at && n > 0 && (size_t)n < sizeof line - 2)
			memcpy(line + n - 1, "]\n", 3), n++;
		nd_raw(w, line, n < (int)sizeof line ? (size_t)n : sizeof line - 1);
		return 0;
	}
	nd_begin(w);
	nd_str(w, "type", "history");
	nd_strn(w, "plan_id", h->plan_id, idlen);
	nd_str(w, "producer", h->undoes ? "undo" : h->producer);
	nd_str(w, "applied_at", h->applied_at);
	if (h->base_version >= 0)
		nd_int(w, "base_version", h->base_version);
	nd_int(w, "version", h->version);
	if (h->counts) {
		cJSON *c = cJSON_Parse(h->counts);
		if (c)
			nd_json(w, "counts", c);
		cJSON_Delete(c);
	}
	nd_bool(w, "forced", h->forced);
	if (h->undoes)
		nd_strn(w, "undoes", h->undoes, strcspn(h->undoes, "~"));
	nd_bool(w, "undone", h->undone_by != NULL);
	if (h->pruned_at)
		nd_str(w, "pruned_at", h->pruned_at);
	nd_end(w);
	return 0;
}

/* Removes a SQLite store this run made and nothing was applied to, with
 * its side files; on PostgreSQL drops the tables it made. Kept when
 * another run has applied a plan to it meanwhile (store_unmake). */
static void unmake(store *s, const char *db, bool made_file)
{
	int removed = store_unmake(s, made_file);
	if (removed < 0)
		rp_warnx("%s: could not remove the store this run made: %s", db, store_errmsg(s));
	else if (removed > 0)
		rp_note("removed", "%s: the store this run made is removed (nothing was applied)", db);
	store_close(s);
}

/* A store that must be there already (a PostgreSQL database without our
 * tables is not one): NULL when it cannot be opened (said), exits 4 when
 * it holds no store. */
static store *open_existing(const char *db)
{
	store *s = store_open(db, false);
	if (s && store_has_no_tables(s)) {
		store_close(s);
		rp_die(RP_EXIT_IO, "%s: no such store", db);
	}
	return s;
}

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
		{"history", no_argument, NULL, OPT_HISTORY},
		{"format", required_argument, NULL, OPT_FORMAT},
		{0},
	};
	struct apply_opts o = {.guard = GUARD_LIMITS_DEFAULT};
	const char *db = NULL, *undo = NULL, *freeze = NULL;
	long long prune = -1;
	bool thaw = false, history = false;
	int text = -1; /* --format: -1 unset, 0 ndjson, 1 text */
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
			o.guard.max_ratio = rp_parse_ratio(optarg, "--max-delete-ratio", usage);
			break;
		case OPT_FLOOR:
			o.guard.floor = rp_parse_count(optarg, "--guard-floor", usage);
			break;
		case OPT_COUNT:
			o.guard.max_count = rp_parse_count(optarg, "--max-delete-count", usage);
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
			/* an undo window longer than a century is a typing
			 * error: its cutoff would fall before year 1000 */
			if (prune > 36500)
				rp_usage_error(usage, "--prune: at most 36500 days, not %s", optarg);
			break;
		case OPT_HISTORY:
			history = true;
			break;
		case OPT_FORMAT:
			if (strcmp(optarg, "ndjson") && strcmp(optarg, "text"))
				rp_usage_error(usage, "--format: ndjson or text, not %s", optarg);
			text = strcmp(optarg, "text") == 0;
			break;
		}
	}
	argc -= optind;
	argv += optind;
	if (!db)
		rp_usage_error(usage, "--db is required");
	if ((undo || freeze || thaw || prune >= 0 || history) && argc)
		rp_usage_error(usage, "--undo, --freeze, --thaw, --prune and --history take no plan files");
	if ((undo != NULL) + (freeze != NULL) + thaw + (prune >= 0) + history > 1)
		rp_usage_error(usage, "one of --undo, --freeze, --thaw, --prune or --history");
	if (text >= 0 && !history)
		rp_usage_error(usage, "--format goes with --history");
	/* these work on a store there is: one they made would be empty */
	bool maintenance = history || undo || freeze || thaw || prune >= 0;
	if (maintenance && store_missing(db))
		rp_die(RP_EXIT_IO, "%s: no such store", db);
	if (history) {
		store *s = open_existing(db);
		if (!s)
			return RP_EXIT_IO;
		struct history hi = {nd_writer_new(STDOUT_FILENO),
				     text >= 0 ? text : isatty(STDOUT_FILENO)};
		int rc = RP_EXIT_OK;
		if (hi.text)
		{
			static const char head[] = "applied at            plan               producer         version  operations\n";
			nd_raw(hi.w, head, sizeof head - 1);
		}
		if (store_journal_history(s, history_row, &hi) != 0) {
			rp_errx("io_error", "%s: %s", db, store_errmsg(s));
			rc = RP_EXIT_IO;
		}
		store_close(s);
		return nd_finish_stdout(hi.w, rc);
	}

	/* a dry run must not create the store: it runs on an empty one */
	bool missing = store_missing(db);
	/* Ctrl-C: what each step leaves (each plan is one transaction: the
	 * store is as before it or has it whole, as after a kill) */
	if (o.dry_run)
		interrupt_message("interrupted: a dry run; nothing changed");
	else if (undo)
		interrupt_message("interrupted: nothing undone, the store is as before");
	else if (prune >= 0)
		interrupt_message("interrupted: the undo windows are as before, or ended "
				  "with the store's files not yet erased: run it again");
	else if (missing)
		interrupt_message("interrupted: nothing applied; %s", APPLY_MADE_FILE_LEFT);
	else
		interrupt_message("interrupted: nothing applied, the store is as before");
	/* a store this run makes goes again when it is cut short inside its
	 * own transaction (lib/apply/run.c), or refused (unmake) */
	if (missing && !o.dry_run && strcmp(db, ":memory:") != 0)
		o.made_file = db;
	bool in_memory = o.dry_run && missing;
	store *s = maintenance ? open_existing(db)
			       : store_open(in_memory ? ":memory:" : db, !o.dry_run || in_memory);
	if (s && !maintenance && store_has_no_tables(s)) {
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
			progress_begin("reading the plan", progress_files_size(argv + i, argc ? 1 : 0),
				       PROGRESS_BYTES);
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
	progress_end();
	/* the store is left only once something was applied to it: a plan
	 * refused or failing on a store this run made takes it away again */
	if (rc != RP_EXIT_OK && !o.dry_run && (missing || store_made_now(s))) {
		interrupt_hold();
		unmake(s, db, missing);
		interrupt_unlink(NULL);
		interrupt_release();
		return rc;
	}
	interrupt_unlink(NULL);
	store_close(s);
	return rc;
}
