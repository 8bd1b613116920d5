/* ndjson-fields: chosen members of NDJSON records as tab-separated values,
 * so that shell scripts read records with a program that parses JSON. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "ndjson.h"
#include "opts.h"
#include "tsv.h"

static const char usage[] =
	"usage: ndjson-fields [--where KEY=VALUE]... [--count] --fields LIST [FILE...]\n"
	"       ndjson-fields [--where KEY=VALUE]... --count [FILE...]\n"
	"\n"
	"Writes the members named in LIST (comma-separated; a dotted name such as\n"
	"data.id reaches into objects) of each record, one line a record, the\n"
	"values separated by tabs: strings as they are (backslash, tab, newline\n"
	"and carriage return written \\\\ \\t \\n \\r), true, false and numbers as\n"
	"JSON writes them, objects and arrays as compact JSON, an absent or null\n"
	"member as an empty value. Reads the files named, or standard input.\n"
	"\n"
	"  --fields LIST      the members to write, in that order\n"
	"  --where KEY=VALUE  only records whose member KEY, written as above, is\n"
	"                     VALUE (repeat: all must hold), e.g. type=school\n"
	"  --count            write only the number of records that match\n"
	"\n"
	"Options:\n" RP_COMMON_HELP;

enum { OPT_FIELDS = RP_OPT_FIRST_PROGRAM_OPTION, OPT_WHERE, OPT_COUNT };

struct where {
	char *key;
	const char *value;
};

struct selection {
	nd_writer *w;
	const struct where *where;
	int nwhere;
	char **fields;
	int nfields;
	long long matched;
};

static int select_record(void *ctx, nd_reader *r, cJSON *o)
{
	struct selection *sel = ctx;
	(void)r;
	for (int k = 0; k < sel->nwhere; k++)
		if (!tsv_equals(o, sel->where[k].key, sel->where[k].value))
			return 0;
	sel->matched++;
	for (int k = 0; k < sel->nfields; k++) {
		if (k)
			nd_raw(sel->w, "\t", 1);
		tsv_cell(sel->w, tsv_path(o, sel->fields[k]));
	}
	if (sel->nfields)
		nd_raw(sel->w, "\n", 1);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		RP_COMMON_LONGOPTS,
		{"fields", required_argument, NULL, OPT_FIELDS},
		{"where", required_argument, NULL, OPT_WHERE},
		{"count", no_argument, NULL, OPT_COUNT},
		{0},
	};
	char *list = NULL, *fields[64];
	struct where where[16];
	int nfields = 0, nwhere = 0, c;
	bool count_only = false;
	rp_setprog(argv[0]);
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (rp_common_option(c, optarg, usage))
			continue;
		if (c == OPT_FIELDS) {
			list = optarg;
		} else if (c == OPT_COUNT) {
			count_only = true;
		} else if (c == OPT_WHERE) {
			char *eq = strchr(optarg, '=');
			if (!eq || eq == optarg)
				rp_usage_error(usage, "--where: KEY=VALUE, not %s", optarg);
			if (nwhere == 16)
				rp_usage_error(usage, "--where: at most 16");
			*eq = '\0';
			where[nwhere++] = (struct where){optarg, eq + 1};
		}
	}
	argc -= optind;
	argv += optind;
	if (!list && !count_only)
		rp_usage_error(usage, "--fields or --count is required");
	if (list && count_only)
		rp_usage_error(usage, "--fields and --count do not go together");
	for (char *save, *f = list ? strtok_r(list, ",", &save) : NULL; f;
	     f = strtok_r(NULL, ",", &save)) {
		if (nfields == 64)
			rp_usage_error(usage, "--fields: at most 64");
		fields[nfields++] = f;
	}
	if (list && nfields == 0)
		rp_usage_error(usage, "--fields: name at least one member");

	nd_writer *w = nd_writer_new(STDOUT_FILENO);
	struct selection sel = {w, where, nwhere, fields, nfields, 0};
	int rc = nd_each_record(argv, argc, select_record, &sel);
	if (count_only) {
		char n[32];
		nd_raw(w, n, (size_t)snprintf(n, sizeof n, "%lld\n", sel.matched));
	}
	rc = nd_finish_stdout(w, rc);
	return rp_finish(rc);
}
