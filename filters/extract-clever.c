/* extract-clever: Clever Data API v3.0 / v3.1 pages -> raw NDJSON. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "extract/extract.h"
#include "err.h"
#include "jsondoc.h"
#include "ndjson.h"
#include "opts.h"
#include "progress.h"
#include "url.h"

static const char usage[] =
	"usage: extract-clever [--entity NAME] [options] [PAGE.json...]\n"
	"       extract-clever --next [--base-url URL] PAGE.json\n"
	"\n"
	"Reads Clever Data API v3.0 or v3.1 list responses, {\"data\":[{\"data\":{...},\n"
	"\"uri\":...}],\"links\":[...]}, from the files named or standard input\n"
	"(several pages a file, pretty-printed or not) and writes a feed header\n"
	"naming the version and the entities the pages held (bulk; delta when only\n"
	"relation pages such as /schools/ID/terms held it), then one raw record per\n"
	"item, with the line where the item starts in its page and its place there:\n"
	"  {\"type\":\"raw\",\"source\":\"clever\",\"entity\":\"users\",\"file\":\"PAGE\",\n"
	"   \"line\":17,\"item\":3,\"data\":{...}}\n"
	"in the order districts, schools, terms, courses, users, sections whatever\n"
	"the order of the pages. The entity comes from the page's self link or its\n"
	"items' uri.\n"
	"\n"
	"  --entity NAME    the pages hold this entity (users, sections, ...)\n"
	"  --next           print the path of the page's next link; nothing on\n"
	"                   the last page\n"
	"  --base-url URL   with --next: print the URL to fetch, the link checked\n"
	"                   to stay on URL's scheme, host and port (a path is\n"
	"                   appended to URL; an absolute link elsewhere, one with\n"
	"                   user@, or any other form is an error naming it)\n"
	"\n"
	"Options:\n" RP_COMMON_HELP;

enum { OPT_NEXT = RP_OPT_FIRST_PROGRAM_OPTION, OPT_ENTITY, OPT_BASE_URL };

static void on_page(pagespool *ps, const struct api_page *pg, void *entity)
{
	clever_page(ps, pg, entity);
}

/* A link in a message: printable, quoted, at most 300 bytes. */
static void shown_link(const char *link, char *out, size_t size)
{
	size_t n = 0;
	for (const unsigned char *p = (const unsigned char *)link; *p && n + 8 < size; p++) {
		if (n >= 300) {
			n += (size_t)snprintf(out + n, size - n, "...");
			break;
		}
		if (*p < 0x20 || *p >= 0x7f || *p == '"' || *p == '\\')
			n += (size_t)snprintf(out + n, size - n, "\\x%02X", *p);
		else
			out[n++] = (char)*p;
	}
	out[n] = '\0';
}

/* --next: the page's next link, for the fetch loop of clever-sync; with
 * base, the URL to fetch, checked to stay on base's server. */
static int print_next(const char *path, const char *base)
{
	jd_reader *r = jd_open(path);
	if (!r)
		rp_die(RP_EXIT_IO, "%s: cannot open", path);
	cJSON *doc;
	int got = jd_next(r, &doc), rc = RP_EXIT_OK;
	if (got == 1 && base) {
		char *url = NULL;
		const char *why = NULL;
		int n = clever_next_url(doc, base, &url, &why);
		if (n > 0) {
			printf("%s\n", url);
		} else if (n < 0) {
			char shown[512];
			shown_link(clever_next(doc), shown, sizeof shown);
			struct rp_loc loc = {.file = jd_name(r), .line = jd_line(r),
					     .field = "links", .code = "refused_link"};
			rp_error(&loc, "next link \"%s\" refused: %s", shown, why);
			rc = RP_EXIT_DATA;
		}
		free(url);
	} else if (got == 1) {
		const char *next = clever_next(doc);
		if (next)
			printf("%s\n", next);
	} else {
		if (got == 0)
			rp_warnx("%s: no page", path);
		rc = got == -2 && jd_io_failed(r) ? RP_EXIT_IO : RP_EXIT_DATA;
	}
	jd_free(r);
	return fflush(stdout) ? RP_EXIT_IO : rc;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		RP_COMMON_LONGOPTS,
		{"next", no_argument, NULL, OPT_NEXT},
		{"entity", required_argument, NULL, OPT_ENTITY},
		{"base-url", required_argument, NULL, OPT_BASE_URL},
		{0},
	};
	int c;
	bool next = false;
	char *entity = NULL, *base = NULL;
	rp_setprog(argv[0]);
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (rp_common_option(c, optarg, usage))
			continue;
		if (c == OPT_NEXT)
			next = true;
		else if (c == OPT_ENTITY)
			entity = optarg;
		else if (c == OPT_BASE_URL)
			base = optarg;
	}
	argc -= optind;
	argv += optind;
	if (next) {
		if (argc != 1)
			rp_usage_error(usage, "--next reads one PAGE.json");
		struct rp_url u;
		const char *why;
		if (base && !rp_url_split(base, &u, &why))
			rp_usage_error(usage, "--base-url %s: %s", base, why);
		return print_next(argv[0], base);
	}
	if (base)
		rp_usage_error(usage, "--base-url goes with --next");

	pagespool *ps = ps_new(clever_entities);
	if (entity && ps_entity(ps, entity) < 0)
		rp_usage_error(usage, "--entity: not a Clever entity: %s", entity);
	interrupt_message("interrupted: no feed written; nothing changed");
	progress_begin("reading pages", progress_files_size(argv, argc), PROGRESS_BYTES);
	int rc = api_read_pages(argv, argc, ps, on_page, entity);
	progress_end();
	nd_writer *w = nd_writer_new(STDOUT_FILENO);
	/* a feed that did not read whole is not passed on as a feed */
	if (rc == RP_EXIT_OK && (rp_error_count() == 0 || rp_policy.keep_going) &&
	    ps_finish(ps, w, "clever", ps_version(ps), NULL) != 0) {
		rp_warn("temporary file");
		rc = RP_EXIT_IO;
	}
	ps_free(ps);
	rc = nd_finish_stdout(w, rc);
	return rp_finish(rc);
}
