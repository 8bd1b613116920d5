/* snapshot: the store as state records, for diff-roster and the purge. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "err.h"
#include "ndjson.h"
#include "opts.h"
#include "outdir.h"
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
	"  --db DB          the store: a SQLite file (must exist), or a PostgreSQL\n"
	"                   database, postgresql://USER@HOST/DB (one without the\n"
	"                   store's tables reads as an empty store, version 0)\n"
	"  --entity LIST    only these entities, e.g. user,school\n"
	"  --school ID      only what belongs to school ID (e.g. s1)\n"
	"  --backup FILE    instead: a consistent copy of the store in FILE, a new\n"
	"                   file (SQLite's online backup), checked with PRAGMA\n"
	"                   integrity_check; snapshot --db FILE reads it back\n"
	"                   (SQLite only: PostgreSQL stores are dumped with\n"
	"                   pg_dump, see the backup pipeline)\n"
	"\n"
	"Options:\n" RP_COMMON_HELP;

enum { OPT_DB = RP_OPT_FIRST_PROGRAM_OPTION, OPT_ENTITY, OPT_SCHOOL, OPT_BACKUP };

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
	if (store_missing(db))
		rp_die(RP_EXIT_IO, "%s: no such store", db);

	store *s = store_open(db, false);
	if (!s)
		return RP_EXIT_IO;
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
		int rc = store_backup(s, backup) == 0 ? RP_EXIT_OK : RP_EXIT_IO;
		if (rc != RP_EXIT_OK) {
			/* a failed copy is not left to pass for a backup */
			rp_warnx("%s", store_errmsg(s));
			static const char *const side[] = {"", "-journal", "-wal", "-shm"};
			for (int i = 0; i < 4; i++) {
				char path[4096];
				snprintf(path, sizeof path, "%s%s", backup, side[i]);
				unlink(path);
			}
		}
		store_close(s);
		return rc;
	}
	nd_writer *w = nd_writer_new(STDOUT_FILENO);
	struct state_writer out = {.w = w, .school = school};
	struct store_reader reader = {state_write_header, state_write_record, &out};
	int rc = RP_EXIT_OK;
	if (store_read(s, entities, school, &reader) != 0) {
		rp_warnx("%s: %s", db, store_errmsg(s));
		rc = RP_EXIT_IO;
	}
	store_close(s);
	rc = nd_finish_stdout(w, rc);
	return rc;
}
