/* normalize's run: the feed header, each raw record handed to its source
 * (sources.c), canonical records passed on, the checks at the end. */
#include "norm_int.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "codes.h"
#include "err.h"
#include "xalloc.h"

/* The canonical entity of each, for feed headers. */
static const char *const canon_names[NE_COUNT] = {
	[NE_ORG] = "school", [NE_TERM] = "term", [NE_SECTION] = "section",
	[NE_USER] = "user", [NE_ENROLLMENT] = "enrollment",
};

norm *norm_new(nd_writer *w, const struct norm_opts *o)
{
	norm *n = xcalloc(1, sizeof *n);
	n->w = w;
	n->school_year = o->school_year;
	n->quiet = o->quiet;
	n->arena = arena_new();
	for (int e = 0; e < NE_COUNT; e++) {
		n->ids[e] = idset_new();
		n->rejected[e] = idset_new();
		n->bulk[e] = true; /* without a feed header, a full feed */
	}
	n->dept_index = idset_new();
	n->birth = idset_new();
	n->role_org_index = idset_new();
	n->year_terms = idset_new();
	n->year_ready = idset_new();
	return n;
}

void norm_free(norm *n)
{
	if (!n)
		return;
	for (int e = 0; e < NE_COUNT; e++) {
		idset_free(n->ids[e]);
		idset_free(n->rejected[e]);
	}
	idset_free(n->dept_index);
	for (size_t i = 0; i < n->ndepts; i++)
		free(n->dept_parent[i]);
	free(n->dept_parent);
	idset_free(n->birth);
	idset_free(n->year_terms);
	idset_free(n->year_ready);
	for (size_t i = 0; i < n->nschools; i++)
		free(n->schools[i]);
	free(n->schools);
	for (size_t i = 0; i < n->ncourses; i++)
		free(n->course_title[i]);
	free(n->course_title);
	free(n->roles);
	for (size_t i = 0; i < n->nrole_orgs; i++)
		free(n->role_orgs[i]);
	free(n->role_orgs);
	idset_free(n->role_org_index);
	if (n->spool_w)
		nd_writer_close(n->spool_w);
	if (n->spool)
		fclose(n->spool);
	arena_free(n->arena);
	free(n);
}

int norm_year_check(norm *n)
{
	int missing = 0;
	for (size_t i = 0; i < n->nschools; i++) {
		if (idset_get(n->year_ready, id_hash_str(n->schools[i]), NULL))
			continue;
		const char *label = n->schools[i] + strlen(n->schools[i]) + 1;
		rp_errx("not_ready", "school %s: no section in a term of %s: the feed does "
			"not hold the new year yet", label, n->school_year);
		missing++;
	}
	if (!n->quiet || missing)
		rp_note("readiness", "%zu of %zu school%s hold %s", n->nschools - (size_t)missing,
			 n->nschools, n->nschools == 1 ? "" : "s", n->school_year);
	return missing;
}

/* The feed header, rewritten with canonical entity names: what diff-roster
 * needs to tell a full feed from a delta. */
static void read_feed(norm *n, const cJSON *o, const char *text, size_t len)
{
	const char *version = nd_get_str(o, "version");
	const cJSON *files = nd_get_obj(o, "files");
	const cJSON *modes = nd_get_obj(o, "modes");
	n->have_feed = true;
	n->source = n->source_buf;
	snprintf(n->source_buf, sizeof n->source_buf, "%s",
		 nd_get_str(o, "source") ? nd_get_str(o, "source") : "");
	snprintf(n->version, sizeof n->version, "%s", version ? version : "");
	const struct norm_source *names = norm_source_named(n->source);
	for (int e = 0; e < NE_COUNT; e++) {
		const char *key = modes ? canon_names[e]
				  : names ? names->raw[e] : NULL;
		const char *mode = key ? nd_get_str(modes ? modes : files, key)
				       : NULL;
		n->present[e] = mode && strcmp(mode, "absent") != 0;
		n->bulk[e] = modes ? !mode || strcmp(mode, "bulk") == 0
				   : mode && strcmp(mode, "bulk") == 0;
	}
	if (modes) { /* already canonical: pass it on */
		nd_raw(n->w, text, len);
		nd_raw(n->w, "\n", 1);
		return;
	}
	nd_begin(n->w);
	nd_str(n->w, "type", "feed");
	nd_str(n->w, "source", n->source);
	nd_obj(n->w, "modes");
	for (int e = 0; e < NE_COUNT; e++)
		if (canon_names[e])
			nd_str(n->w, canon_names[e],
			       !n->present[e] ? "absent"
			       : n->bulk[e]   ? "bulk"
					      : "delta");
	nd_close(n->w);
	nd_end(n->w);
}

static void map_raw(norm *n, const cJSON *o, const char *text, size_t len)
{
	const char *source = nd_get_str(o, "source");
	const char *entity = nd_get_str(o, "entity");
	const cJSON *data = nd_get_obj(o, "data");
	if (!source || !entity || !data) {
		norm_bad(n, !source ? "source" : !entity ? "entity" : "data",
			 "bad_record", "raw record lacks it");
		return;
	}
	if (!n->source) {
		n->source = n->source_buf;
		snprintf(n->source_buf, sizeof n->source_buf, "%s", source);
	}
	const struct norm_source *src = norm_source_named(source);
	if (!src) {
		norm_bad(n, "source", "bad_source", "unknown source \"%s\"",
			 source);
		return;
	}
	src->map(n, o, entity, data, text, len);
}

/* A record extract (or an earlier normalize) rejected: passed on for
 * diff-roster, and its id known, so that what refers to it is dropped with
 * a warning instead of an "unknown id" error. */
static void pass_held(norm *n, const cJSON *o, const char *text, size_t len)
{
	static const struct {
		const char *entity;
		enum norm_entity e;
	} kinds[] = {{"school", NE_ORG}, {"term", NE_TERM}, {"section", NE_SECTION},
		     {"user", NE_USER}};
	const char *entity = nd_get_str(o, "entity"), *id = nd_get_str(o, "source_id");
	for (size_t i = 0; entity && id && i < sizeof kinds / sizeof *kinds; i++)
		if (strcmp(kinds[i].entity, entity) == 0)
			norm_reject_id(n, kinds[i].e, id);
	nd_raw(n->w, text, len);
	nd_raw(n->w, "\n", 1);
}

void norm_record(norm *n, const cJSON *o, const char *text, size_t len,
		 const char *file, long line)
{
	const char *type = nd_get_str(o, "type");
	arena_reset(n->arena);
	n->record_errors = 0;
	n->errors_at = 0;
	n->dropped = n->duplicate = false;
	n->source_id = NULL;
	n->what = NULL;
	n->r.ent = NULL;
	n->rest_obj = NULL;
	/* a raw record is located where its source row is; a record of an
	 * API page (Clever, OneRoster REST) also by its place in the page,
	 * and messages name it by its id */
	const char *jfile = nd_get_str(o, "file");
	n->file = jfile ? jfile : file;
	n->line = jfile ? (long)nd_get_int(o, "line", 0) : line;
	n->item = (long)nd_get_int(o, "item", 0);
	const char *format = nd_get_str(o, "format");
	const char *source = nd_get_str(o, "source");
	n->api = strcmp(type, "raw") == 0 &&
		 ((format && strcmp(format, "rest") == 0) ||
		  (source && strcmp(source, "clever") == 0));
	if (strcmp(type, "feed") == 0)
		read_feed(n, o, text, len);
	else if (strcmp(type, "raw") == 0)
		map_raw(n, o, text, len);
	else if (strcmp(type, "held") == 0)
		pass_held(n, o, text, len);
	else if (rec_entity_of(type))
		nd_raw(n->w, text, len), nd_raw(n->w, "\n", 1);
	else
		norm_bad(n, "type", "bad_type", "unknown record type \"%s\"",
			 type);
}

int norm_finish(norm *n)
{
	for (const struct norm_source *const *src = norm_sources; *src; src++)
		if ((*src)->finish && (*src)->finish(n) != 0)
			return -1;
	return 0;
}
