/* archive-appointments: back up a school year's appointments, then plan
 * their deletion; read archives back. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "summer/summer.h"
#include "codes.h"
#include "err.h"
#include "ndjson.h"
#include "opts.h"

static const char usage[] =
	"usage: archive-appointments --year Y --out DIR [options] [STATE...]\n"
	"       archive-appointments --export ARCHIVE [--school ID] [--user ID]\n"
	"                            [--from DATE] [--to DATE] [--csv]\n"
	"       archive-appointments --verify DIR\n"
	"\n"
	"Reads state appointments (snapshot output) and archives those of school\n"
	"year Y (e.g. 2025-2026; others are passed over): one gzip NDJSON file per\n"
	"school, DIR/Y/SCHOOL.ndjson.gz (0600), and DIR/Y/manifest.json with each\n"
	"file's count, first and last date and SHA-256. Every file is written to a\n"
	"temporary name, synced and read back; only when all are written are they\n"
	"renamed into place (the manifest last), so a failed run leaves the earlier\n"
	"archives as they were. Only then is the plan written that deletes exactly\n"
	"the archived appointments, each delete naming its archive and checksum\n"
	"(apply checks them before deleting). An archive from an earlier run is\n"
	"kept and added to, never overwritten. The same input gives the same\n"
	"archive bytes and the same plan_id. DIR must be the user's, writable by\n"
	"no one else; school ids and years in the data must be store ids (or\n"
	"no-school) and YYYY-YYYY.\n"
	"\n"
	"  --year Y, --out DIR    archive and plan\n"
	"  --export ARCHIVE       stream the appointments of an archive file, a\n"
	"                         year's folder or DIR, checked against the manifest\n"
	"                         first, as NDJSON (or --csv, formula-safe)\n"
	"  --school ID, --user ID, --from DATE, --to DATE\n"
	"                         export only these (user: as student or staff)\n"
	"  --verify DIR           check every archive against its manifest\n"
	"\n"
	"Options:\n" RP_COMMON_HELP;

enum { OPT_YEAR = RP_OPT_FIRST_PROGRAM_OPTION, OPT_OUT, OPT_EXPORT, OPT_VERIFY,
       OPT_SCHOOL, OPT_USER, OPT_FROM, OPT_TO, OPT_CSV };

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		RP_COMMON_LONGOPTS,
		{"year", required_argument, NULL, OPT_YEAR},
		{"out", required_argument, NULL, OPT_OUT},
		{"export", required_argument, NULL, OPT_EXPORT},
		{"verify", required_argument, NULL, OPT_VERIFY},
		{"school", required_argument, NULL, OPT_SCHOOL},
		{"user", required_argument, NULL, OPT_USER},
		{"from", required_argument, NULL, OPT_FROM},
		{"to", required_argument, NULL, OPT_TO},
		{"csv", no_argument, NULL, OPT_CSV},
		{0},
	};
	const char *year = NULL, *out = NULL, *export = NULL, *verify = NULL;
	struct export_filter f = {0};
	int c;
	rp_setprog(argv[0]);
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (rp_common_option(c, optarg, usage))
			continue;
		switch (c) {
		case OPT_YEAR: year = optarg; break;
		case OPT_OUT: out = optarg; break;
		case OPT_EXPORT: export = optarg; break;
		case OPT_VERIFY: verify = optarg; break;
		case OPT_SCHOOL: f.school = optarg; break;
		case OPT_USER: f.user = optarg; break;
		case OPT_FROM: f.from = optarg; break;
		case OPT_TO: f.to = optarg; break;
		case OPT_CSV: f.csv = true; break;
		}
	}
	argc -= optind;
	argv += optind;
	if ((year != NULL) + (export != NULL) + (verify != NULL) != 1)
		rp_usage_error(usage, "one of --year, --export or --verify");
	if ((f.from && !valid_date(f.from)) || (f.to && !valid_date(f.to)))
		rp_usage_error(usage, "--from and --to take dates, YYYY-MM-DD");
	if (verify)
		return archive_verify(verify);

	nd_writer *w = nd_writer_new(STDOUT_FILENO);
	int rc;
	if (export) {
		rc = archive_export(export, &f, w);
	} else {
		if (!out)
			rp_usage_error(usage, "--year needs --out DIR");
		if (!archive_valid_year(year))
			rp_usage_error(usage, "--year: YYYY-YYYY, e.g. 2025-2026, not %s",
				       year);
		rc = archive_year(argv, argc, year, out, w);
	}
	rc = nd_finish_stdout(w, rc);
	return rp_finish(rc);
}
