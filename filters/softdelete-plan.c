/* softdelete-plan: state users -> a plan that hard-deletes the soft-deleted. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "codes.h"
#include "err.h"
#include "ndjson.h"
#include "opts.h"
#include "planw.h"
#include "summer/summer.h"
#include "record.h"
#include "xalloc.h"

static const char usage[] =
	"usage: softdelete-plan [--before TIME] [--school ID]... [options] [STATE...]\n"
	"\n"
	"Reads state records (snapshot output) and writes a plan that hard-deletes\n"
	"every soft-deleted user (deleted_at set): the user, its identifiers and\n"
	"its enrollments, which apply journals so the purge can be undone.\n"
	"Users marked ignore_on_import or manual are never in it (their count goes\n"
	"to stderr). The header counts deletions per school.\n"
	"\n"
	"  --before TIME    only users soft-deleted before TIME (RFC 3339 or a date)\n"
	"  --school ID      only users of school ID (a store id the state holds);\n"
	"                   again for more schools: one plan for all of them\n"
	"\n"
	"Options:\n" RP_COMMON_HELP;

static const char *const ops[] = {"hard_delete", NULL};

struct purge {
	plan_writer *pw; /* started at the snapshot header, for its version */
	rp_arena *arena;
	const char *before;
	const char **schools; /* --school, each */
	size_t nschools;
	bool *seen; /* schools[i] is a school of the state */
	long kept;
};

static void see_school(struct purge *p, const char *id)
{
	for (size_t i = 0; id && i < p->nschools; i++)
		p->seen[i] |= strcmp(id, p->schools[i]) == 0;
}

static int purge_record(void *ctx, nd_reader *r, cJSON *o)
{
	struct purge *p = ctx;
	const char *type = nd_get_str(o, "type");
	if (strcmp(type, "snapshot") == 0 && !p->pw) {
		p->pw = pw_new(nd_get_int(o, "version", 0), "softdelete-plan", ops);
		pw_set_store(p->pw, nd_get_str(o, "store"));
	}
	if (strcmp(type, "school") == 0)
		see_school(p, nd_get_str(o, "id"));
	if (strcmp(type, "user") != 0)
		return 0;
	if (!p->pw)
		p->pw = pw_new(0, "softdelete-plan", ops);
	rec u;
	arena_reset(p->arena);
	rec_init(&u, &REC_USER, p->arena);
	const char *why = rec_from_json(&u, o);
	if (why || !rec_str(&u, U_ID)) {
		struct rp_loc loc = {.file = nd_name(r), .line = nd_line(r),
				     .code = "bad_record"};
		rp_error(&loc, "%s", why ? why : "id: a state user needs its id");
		return 0;
	}
	p->kept += purge_kept(&u);
	for (size_t k = 0; k < u.v[U_SCHOOL_IDS].n; k++)
		see_school(p, u.v[U_SCHOOL_IDS].items[k]);
	if (!purge_candidate(&u, p->before, p->schools, p->nschools))
		return 0;
	nd_writer *w = pw_begin(p->pw, "hard_delete", "user", rec_str(&u, U_ID));
	nd_str(w, "reason", "soft_deleted");
	nd_str(w, "deleted_at", rec_str(&u, U_DELETED_AT));
	pw_end(p->pw);
	static const char *const none[] = {"-"};
	const struct rec_val *s = &u.v[U_SCHOOL_IDS];
	pw_count(p->pw, "hard_delete", s->n ? s->items : none, s->n ? s->n : 1);
	return 0;
}

enum { OPT_BEFORE = RP_OPT_FIRST_PROGRAM_OPTION, OPT_SCHOOL };

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		RP_COMMON_LONGOPTS,
		{"before", required_argument, NULL, OPT_BEFORE},
		{"school", required_argument, NULL, OPT_SCHOOL},
		{0},
	};
	char before[21];
	const char **schools = xcalloc((size_t)argc + 1, sizeof *schools);
	size_t nschools = 0;
	bool have_before = false;
	int c;
	rp_setprog(argv[0]);
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (rp_common_option(c, optarg, usage))
			continue;
		if (c == OPT_BEFORE) {
			if (!utc_datetime(optarg, before))
				rp_usage_error(usage, "--before: not a date or RFC 3339 time: %s",
					       optarg);
			have_before = true;
		} else if (c == OPT_SCHOOL) {
			schools[nschools++] = optarg;
		}
	}
	argc -= optind;
	argv += optind;

	struct purge p = {.arena = arena_new(), .schools = schools, .nschools = nschools,
			  .seen = xcalloc(nschools + 1, sizeof *p.seen),
			  .before = have_before ? before : NULL};
	int rc = nd_each_record(argv, argc, purge_record, &p);
	plan_writer *pw = p.pw;
	long kept = p.kept;
	rp_arena *arena = p.arena;
	if (kept && !rp_policy.quiet)
		rp_warnx("%ld soft-deleted user%s kept: marked ignore_on_import or manual",
			 kept, kept == 1 ? "" : "s");
	nd_writer *w = nd_writer_new(STDOUT_FILENO);
	if (!pw)
		pw = pw_new(0, "softdelete-plan", ops);
	for (size_t i = 0; rc == RP_EXIT_OK && i < nschools; i++)
		if (!p.seen[i]) {
			pw_discard(pw);
			arena_free(arena);
			nd_writer_close(w);
			rp_usage_error(usage, "--school: no school %s in the state", schools[i]);
		}
	free(p.seen);
	free(schools);
	if (rc == RP_EXIT_OK && rp_error_count() == 0) {
		if (pw_finish(pw, w) != 0)
			rc = RP_EXIT_IO;
	} else {
		pw_discard(pw);
	}
	arena_free(arena);
	rc = nd_finish_stdout(w, rc);
	return rp_finish(rc);
}
