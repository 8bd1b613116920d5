/* snapshot: the store as state records, for diff-roster and the purge. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "err.h"
#include "ndjson.h"
#include "opts.h"
#include "outdir.h"
#include "progress.h"
#include "statew.h"
#include "store/store.h"

static const char usage[] =
	"usage: snapshot --db DB [--entity LIST] [--school ID] [options]\n"
	"\n"
	"Writes the store as NDJSON: a header {\"type\":\"snapshot\",\"version\":N,...}\n"
	"then state records (school, term, section, enrollment, user, appointment)\n"
	"in id order. State records are canonical records plus \"id\" (the store's\n"
	"key); users also carry deleted_at, ignore_on_import and manual, schools\n"
	"import_enabled and automation_enabled. References are store ids.\n"
	"\n"
	"  --db DB          the store: a SQLite file, or a PostgreSQL database,\n"
	"                   postgresql://USER@HOST/DB; a file that is not there\n"
	"                   (a new store: a warning says so) or a database without\n"
	"                   the store's tables reads as an empty store, version 0\n"
	"  --entity LIST    only these entities (school, term, section, enrollment,\n"
	"                   user, appointment), e.g. user,school\n"
	"  --school ID      only what belongs to school ID (e.g. s1), which must\n"
	"                   be in the store\n"
	"  --backup FILE    instead: a consistent copy of the store in FILE, a new\n"
	"                   file (SQLite's online backup), checked with PRAGMA\n"
	"                   integrity_check; snapshot --db FILE reads it back\n"
	"                   (SQLite only: PostgreSQL stores are dumped with\n"
	"                   pg_dump, see the backup pipeline)\n"
	"\n"
	"Options:\n" RP_COMMON_HELP;

enum { OPT_DB = RP_OPT_FIRST_PROGRAM_OPTION, OPT_ENTITY, OPT_SCHOOL, OPT_BACKUP };

/* Each record written, counted for the progress line. */
static int count_record(void *ctx, const rec *r)
{
	PROGRESS_TICK(1);
	return state_write_record(ctx, r);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		RP_COMMON_LONGOPTS,
		{"db", required_argument, NULL, OPT_DB},
		{"entity", required_argument, NULL, OPT_ENTITY},
		{"school", required_argument, NULL, OPT_SCHOOL},
		{"backup", required_argument, NULL, OPT_BACKUP},
		{0},
	};
	const char *db = NULL, *entities = NULL, *school = NULL, *backup = NULL;
	int c;
	rp_setprog(argv[0]);
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (rp_common_option(c, optarg, usage))
			continue;
		if (c == OPT_DB)
			db = optarg;
		else if (c == OPT_ENTITY)
			entities = optarg;
		else if (c == OPT_SCHOOL)
			school = optarg;
		else if (c == OPT_BACKUP)
			backup = optarg;
	}
	if (optind != argc)
		rp_usage_error(usage, "unexpected argument: %s", argv[optind]);
	if (!db)
		rp_usage_error(usage, "--db is required");
	const char *bad = entities ? store_unknown_entity(entities) : NULL;
	if (bad)
		rp_usage_error(usage, "--entity: no entity \"%s\" (school, term, section, "
			       "enrollment, user, appointment)", bad);
	long long school_n;
	if (school && store_entity_of_id(school, &school_n) != &REC_SCHOOL)
		rp_usage_error(usage, "--school: not a school's store id (s1, s2, ...): %s",
			       school);
	if (store_missing(db)) {
		/* A new store: the state of an empty one, so that the first
		 * run's pipeline reads as every later one does (apply makes
		 * the file); said, since a typo would read the same */
		if (backup)
			rp_die(RP_EXIT_IO, "%s: no such store", db);
		if (school)
			rp_usage_error(usage, "--school %s: %s is a new store, which holds no school",
				       school, db);
		rp_note("new_store", "%s: no such store yet; an empty state (version 0)", db);
		nd_writer *w = nd_writer_new(STDOUT_FILENO);
		struct state_writer out = {.w = w};
		state_write_header(&out, 0, "");
		return nd_finish_stdout(w, RP_EXIT_OK);
	}

	store *s = store_open(db, false);
	if (!s)
		return RP_EXIT_IO;
	if (school && !store_has_no_tables(s)) {
		int there = store_exists(s, &REC_SCHOOL, school_n);
		if (there < 0)
			rp_die(RP_EXIT_IO, "%s: %s", db, store_errmsg(s));
		if (!there) {
			store_close(s);
			rp_usage_error(usage, "--school: no school %s in the store", school);
		}
	} else if (school) {
		store_close(s);
		rp_usage_error(usage, "--school: no school %s in the store (it is empty)", school);
	}
	if (backup) {
		/* a new file (0600), never one that is there, never through a
		 * link planted at its name */
		int fd = rp_create_new(backup);
		if (fd < 0) {
			rp_warn("%s", backup);
			store_close(s);
			return RP_EXIT_IO;
		}
		close(fd);
		for (int i = 0; i < STORE_NFILES; i++) { /* Ctrl-C leaves no half copy */
			char path[4096];
			store_file_name(backup, i, path, sizeof path);
			interrupt_unlink(path);
		}
		interrupt_message("interrupted: no backup made (the copy is removed); "
				  "the store is unchanged");
		int rc = store_backup(s, backup) == 0 ? RP_EXIT_OK : RP_EXIT_IO;
		interrupt_hold();
		interrupt_unlink(NULL);
		if (rc != RP_EXIT_OK) {
			/* a failed copy is not left to pass for a backup */
			rp_errx("io_error", "%s", store_errmsg(s));
			for (int i = 0; i < STORE_NFILES; i++) {
				char path[4096];
				store_file_name(backup, i, path, sizeof path);
				unlink(path);
			}
		}
		interrupt_release();
		store_close(s);
		return rc;
	}
	nd_writer *w = nd_writer_new(STDOUT_FILENO);
	struct state_writer out = {.w = w, .school = school};
	struct store_reader reader = {state_write_header, count_record, &out};
	int rc = RP_EXIT_OK;
	interrupt_message("interrupted: the snapshot written is incomplete; the store "
			  "is unchanged");
	/* records of a count (one count(*) a table) when it is the whole
	 * store or whole entities; a school's share is only counted */
	progress_begin("reading the store",
		       progress_enabled() && !school ? store_count_records(s, entities) : -1,
		       "records");
	if (store_read(s, entities, school, &reader) != 0) {
		rp_errx("io_error", "%s: %s", db, store_errmsg(s));
		rc = RP_EXIT_IO;
	}
	progress_end();
	store_close(s);
	rc = nd_finish_stdout(w, rc);
	return rc;
}
