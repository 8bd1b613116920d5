/* extract-oneroster: a OneRoster package (folder or .zip), or OneRoster
 * REST pages, -> raw NDJSON. */
#include <stdio.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "extract/extract.h"
#include "err.h"
#include "ndjson.h"
#include "opts.h"
#include "progress.h"

static const char usage[] =
	"usage: extract-oneroster [options] FOLDER|FILE.zip|-\n"
	"       extract-oneroster --rest [options] [PAGE.json...]\n"
	"\n"
	"Reads a OneRoster 1.1 or 1.2 CSV package (manifest.csv and the files it\n"
	"lists as bulk or delta; - is a zip on standard input) and writes NDJSON:\n"
	"first a feed record\n"
	"  {\"type\":\"feed\",\"source\":\"oneroster\",\"version\":\"1.1\",\"files\":{\"users\":\"bulk\",...}}\n"
	"then one raw record per CSV row, for orgs, academicSessions, courses,\n"
	"classes, roles (1.2), users, enrollments and demographics in that order:\n"
	"  {\"type\":\"raw\",\"source\":\"oneroster\",\"entity\":\"users\",\"file\":\"users.csv\",\n"
	"   \"line\":17,\"data\":{COLUMN:VALUE,...}}\n"
	"Columns are matched by name; unknown columns are carried in data.\n"
	"\n"
	"  --rest   read OneRoster 1.1 or 1.2 REST responses instead\n"
	"           ({\"users\":[...]}, {\"orgs\":[...]}, ... as ClassLink and the\n"
	"           districts' servers serve them), from the files named or standard\n"
	"           input, several pages a file; raw records carry \"format\":\"rest\",\n"
	"           the line where the object starts in its page and its place in\n"
	"           the page (\"item\":1 for the first), and the object as served;\n"
	"           the feed header names the collections the pages held (bulk),\n"
	"           the others absent. A 1.2 user's roles array also gives one raw\n"
	"           roles record per role, as roles.csv would, at the user's line\n"
	"           and item: the role as served, with userSourcedId and a sourcedId\n"
	"           \"USER/roles/N\"; the header then says version 1.2\n"
	"\n"
	"Options:\n" RP_COMMON_HELP;

enum { OPT_REST = RP_OPT_FIRST_PROGRAM_OPTION };

/* The bytes a package's CSV files hold, for the progress line: a
 * folder's .csv files (what extract reads, give or take a file it does
 * not); -1 for a zip, whose entries inflate. */
static long long package_size(const char *path)
{
	DIR *d = opendir(path);
	if (!d)
		return -1;
	long long sum = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		size_t n = strlen(e->d_name);
		struct stat st;
		char full[4096];
		if (n < 4 || strcasecmp(e->d_name + n - 4, ".csv") != 0)
			continue;
		snprintf(full, sizeof full, "%s/%s", path, e->d_name);
		if (stat(full, &st) == 0 && S_ISREG(st.st_mode))
			sum += st.st_size;
	}
	closedir(d);
	return sum;
}

static void on_page(pagespool *ps, const struct api_page *pg, void *ctx)
{
	(void)ctx;
	rest_page(ps, pg);
}

static int extract_rest(char **paths, int n, nd_writer *w)
{
	pagespool *ps = ps_new(rest_entities);
	int rc = api_read_pages(paths, n, ps, on_page, NULL);
	/* 1.2 when some user held a roles array (1.2 moves role and orgs
	 * there): the pages named it (rest_page); else 1.1 */
	const char *version = ps_version(ps) ? ps_version(ps) : "1.1";
	if (rc == RP_EXIT_OK && (rp_error_count() == 0 || rp_policy.keep_going) &&
	    ps_finish(ps, w, "oneroster", version, "rest") != 0) {
		rp_warn("temporary file");
		rc = RP_EXIT_IO;
	}
	ps_free(ps);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		RP_COMMON_LONGOPTS,
		{"rest", no_argument, NULL, OPT_REST},
		{0},
	};
	int c;
	bool rest = false;
	rp_setprog(argv[0]);
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1)
		if (!rp_common_option(c, optarg, usage) && c == OPT_REST)
			rest = true;
	argc -= optind;
	argv += optind;
	if (!rest && argc != 1)
		rp_usage_error(usage, "expected one FOLDER, FILE.zip or -");

	nd_writer *w = nd_writer_new(STDOUT_FILENO);
	int rc;
	interrupt_message("interrupted: %s; nothing changed",
			  rest ? "no feed written" : "the output is incomplete");
	if (rest) {
		progress_begin("reading pages", progress_files_size(argv, argc), PROGRESS_BYTES);
		rc = extract_rest(argv, argc, w);
	} else {
		progress_begin("reading", package_size(argv[0]), PROGRESS_BYTES);
		orpkg *pkg = orpkg_open(argv[0]);
		rc = pkg && orpkg_extract(pkg, w) == 0 ? RP_EXIT_OK : RP_EXIT_DATA;
		orpkg_close(pkg);
	}
	progress_end();
	rc = nd_finish_stdout(w, rc);
	return rp_finish(rc);
}
