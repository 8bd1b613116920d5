/* extract-oneroster: a OneRoster CSV package (folder or .zip) -> raw NDJSON. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "err.h"
#include "ndjson.h"
#include "opts.h"
#include "orpkg.h"

static const char usage[] =
	"usage: extract-oneroster [options] FOLDER|FILE.zip\n"
	"\n"
	"Reads a OneRoster 1.1 or 1.2 CSV package (manifest.csv and the files it\n"
	"lists as bulk or delta) and writes NDJSON: first a feed record\n"
	"  {\"type\":\"feed\",\"source\":\"oneroster\",\"version\":\"1.1\",\"files\":{\"users\":\"bulk\",...}}\n"
	"then one raw record per CSV row, for orgs, academicSessions, courses,\n"
	"classes, roles (1.2), users, enrollments and demographics in that order:\n"
	"  {\"type\":\"raw\",\"source\":\"oneroster\",\"entity\":\"users\",\"file\":\"users.csv\",\n"
	"   \"line\":17,\"data\":{COLUMN:VALUE,...}}\n"
	"Columns are matched by name; unknown columns are carried in data.\n"
	"\n"
	"Options:\n" RP_COMMON_HELP;

int main(int argc, char **argv)
{
	static const struct option longopts[] = {RP_COMMON_LONGOPTS, {0}};
	int c;
	rp_setprog(argv[0]);
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1)
		rp_common_option(c, optarg, usage);
	argc -= optind;
	argv += optind;
	if (argc != 1)
		rp_usage_error(usage, "expected one FOLDER or FILE.zip");

	orpkg *pkg = orpkg_open(argv[0]);
	if (!pkg)
		return rp_finish(RP_EXIT_DATA);
	nd_writer *w = nd_writer_new(STDOUT_FILENO);
	int rc = orpkg_extract(pkg, w) == 0 ? RP_EXIT_OK : RP_EXIT_DATA;
	orpkg_close(pkg);
	rc = nd_finish_stdout(w, rc);
	return rp_finish(rc);
}
