#include "norm.h"

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

/* Each source's names for its entities. Clever's enrollments live inside
 * its sections. */
static const struct source_names {
	const char *source;
	const char *raw[NE_COUNT];
} sources[] = {
	{"oneroster", {[NE_ORG] = "orgs", [NE_TERM] = "academicSessions",
		       [NE_COURSE] = "courses", [NE_SECTION] = "classes",
		       [NE_ROLE] = "roles", [NE_USER] = "users",
		       [NE_ENROLLMENT] = "enrollments",
		       [NE_DEMOGRAPHIC] = "demographics"}},
	{"clever", {[NE_ORG] = "schools", [NE_TERM] = "terms",
		    [NE_COURSE] = "courses", [NE_SECTION] = "sections",
		    [NE_USER] = "users", [NE_ENROLLMENT] = "sections"}},
};

static const struct source_names *names_of(const char *source)
{
	for (size_t i = 0; i < sizeof sources / sizeof *sources; i++)
		if (source && strcmp(sources[i].source, source) == 0)
			return &sources[i];
	return NULL;
}

const char *norm_raw_name(norm *n, enum norm_entity e)
{
	const struct source_names *names = names_of(n->source);
	return names && names->raw[e] ? names->raw[e] : canon_names[e];
}

norm *norm_new(nd_writer *w)
{
	norm *n = xcalloc(1, sizeof *n);
	n->w = w;
	n->arena = arena_new();
	for (int e = 0; e < NE_COUNT; e++) {
		n->ids[e] = idset_new();
		n->bulk[e] = true; /* without a feed header, a full feed */
	}
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
	for (int e = 0; e < NE_COUNT; e++)
		idset_free(n->ids[e]);
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
	if (n->spool)
		fclose(n->spool);
	arena_free(n->arena);
	free(n);
}

void norm_bad(norm *n, const char *field, const char *code, const char *fmt,
	      ...)
{
	struct rp_loc loc = {.file = n->file, .line = n->line, .field = field,
			     .code = code, .source_id = n->source_id};
	va_list ap;
	va_start(ap, fmt);
	rp_verror(&loc, fmt, ap);
	va_end(ap);
	n->record_errors++;
}

const char *norm_get(norm *n, const cJSON *data, const char *key)
{
	const cJSON *v = nd_member(data, key);
	if (!cJSON_IsString(v))
		return NULL;
	const char *s = v->valuestring;
	while (isspace((unsigned char)*s))
		s++;
	size_t len = strlen(s);
	while (len && isspace((unsigned char)s[len - 1]))
		len--;
	if (len == 0)
		return NULL;
	return s[len] ? arena_strndup(n->arena, s, len) : s;
}

const char *norm_required(norm *n, const cJSON *data, const char *key)
{
	const char *v = norm_get(n, data, key);
	if (!v)
		norm_bad(n, key, "missing_value", "required value is empty");
	return v;
}

const char *norm_date(norm *n, const char *field, const char *v, bool personal)
{
	if (!v || valid_date(v))
		return v;
	if (personal) /* a birth date is personal data: not quoted */
		norm_bad(n, field, "bad_date", "not a valid date (YYYY-MM-DD)");
	else
		norm_bad(n, field, "bad_date", "not a valid date (YYYY-MM-DD): \"%s\"",
			 v);
	return NULL;
}

bool norm_new_id(norm *n, enum norm_entity e, const char *field,
		 const char *id)
{
	uint32_t first;
	if (idset_put(n->ids[e], id_hash_str(id), (uint32_t)n->line, &first))
		return true;
	norm_bad(n, field, "duplicate_id", "duplicate id, first at line %u",
		 first);
	return false;
}

bool norm_ref(norm *n, enum norm_entity e, const char *field, const char *id)
{
	if (!n->bulk[e] || idset_get(n->ids[e], id_hash_str(id), NULL))
		return true;
	norm_bad(n, field, "unknown_ref", "unknown %s id \"%s\"",
		 norm_raw_name(n, e), id);
	return false;
}

void norm_split(norm *n, const char *cell,
		void (*fn)(norm *n, const char *item, void *ctx), void *ctx)
{
	if (!cell)
		return;
	const char *p = cell;
	while (*p) {
		const char *comma = strchr(p, ',');
		const char *end = comma ? comma : p + strlen(p);
		const char *a = p, *b = end;
		while (a < b && isspace((unsigned char)*a))
			a++;
		while (b > a && isspace((unsigned char)b[-1]))
			b--;
		if (b > a)
			fn(n, arena_strndup(n->arena, a, (size_t)(b - a)), ctx);
		p = comma ? comma + 1 : end;
	}
}

/* --school-year: which schools have a section in a term of that year. */
static void note_year(norm *n)
{
	const rec *r = &n->r;
	if (r->ent == &REC_TERM && rec_str(r, T_SCHOOL_YEAR) &&
	    strcmp(rec_str(r, T_SCHOOL_YEAR), n->school_year) == 0) {
		idset_put(n->year_terms, id_hash_str(rec_str(r, T_SOURCE_ID)), 0,
			  NULL);
	} else if (r->ent == &REC_SECTION && rec_str(r, C_SCHOOL_ID)) {
		const struct rec_val *terms = &r->v[C_TERM_IDS];
		for (size_t i = 0; i < terms->n; i++)
			if (idset_get(n->year_terms, id_hash_str(terms->items[i]), NULL))
				idset_put(n->year_ready,
					  id_hash_str(rec_str(r, C_SCHOOL_ID)), 0, NULL);
	} else if (r->ent == &REC_SCHOOL) {
		if (n->nschools == n->schools_cap) {
			n->schools_cap = n->schools_cap ? n->schools_cap * 2 : 16;
			n->schools = xrealloc(n->schools,
					      n->schools_cap * sizeof *n->schools);
		}
		n->schools[n->nschools++] = xstrdup(rec_str(r, S_SOURCE_ID));
	}
}

void norm_emit(norm *n)
{
	if (n->record_errors != 0)
		return;
	rec_write(n->w, &n->r);
	if (n->school_year)
		note_year(n);
}

int norm_year_check(norm *n)
{
	int missing = 0;
	for (size_t i = 0; i < n->nschools; i++) {
		if (idset_get(n->year_ready, id_hash_str(n->schools[i]), NULL))
			continue;
		rp_warnx("school %s: no section in a term of %s: the feed does "
			 "not hold the new year yet", n->schools[i], n->school_year);
		missing++;
	}
	if (!n->quiet || missing)
		rp_warnx("%zu of %zu school%s hold %s", n->nschools - (size_t)missing,
			 n->nschools, n->nschools == 1 ? "" : "s", n->school_year);
	return missing;
}

static enum norm_entity entity_of(const char *source, const char *raw)
{
	const struct source_names *names = names_of(source);
	for (int e = 0; names && e < NE_COUNT; e++)
		if (names->raw[e] && strcmp(names->raw[e], raw) == 0)
			return (enum norm_entity)e;
	return NE_COUNT;
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
	const struct source_names *names = names_of(n->source);
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

static void spool_user(norm *n, const char *text, size_t len)
{
	if (!n->spool && !(n->spool = tmpfile()))
		rp_die(RP_EXIT_IO, "cannot create a temporary file: %s",
		       strerror(errno));
	if (fwrite(text, 1, len, n->spool) != len || fputc('\n', n->spool) == EOF)
		rp_die(RP_EXIT_IO, "temporary file: %s", strerror(errno));
}

static void map_raw(norm *n, const cJSON *o, const char *text, size_t len)
{
	const char *source = nd_get_str(o, "source");
	const char *entity = nd_get_str(o, "entity");
	const char *format = nd_get_str(o, "format");
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
	if (strcmp(source, "clever") == 0) {
		clever_map(n, entity, data);
		return;
	}
	if (strcmp(source, "oneroster") != 0) {
		norm_bad(n, "source", "bad_source", "unknown source \"%s\"",
			 source);
		return;
	}
	/* Users wait for the demographics that follow them, held back as
	 * they came; their ids are recorded now for the enrollments. */
	if (entity_of(source, entity) == NE_USER && n->present[NE_DEMOGRAPHIC]) {
		const char *id = norm_get(n, data, "sourcedId");
		if (id && norm_new_id(n, NE_USER, "sourcedId", id))
			spool_user(n, text, len);
		return;
	}
	if (format && strcmp(format, "rest") == 0) {
		cJSON *columns = rest_columns(data);
		oneroster_map(n, entity, columns);
		cJSON_Delete(columns);
		return;
	}
	oneroster_map(n, entity, data);
}

void norm_record(norm *n, const cJSON *o, const char *text, size_t len,
		 const char *file, long line)
{
	const char *type = nd_get_str(o, "type");
	arena_reset(n->arena);
	n->record_errors = 0;
	n->source_id = NULL;
	/* a raw record is located where its source row is */
	const char *jfile = nd_get_str(o, "file");
	n->file = jfile ? jfile : file;
	n->line = jfile ? (long)nd_get_int(o, "line", 0) : line;
	if (strcmp(type, "feed") == 0)
		read_feed(n, o, text, len);
	else if (strcmp(type, "raw") == 0)
		map_raw(n, o, text, len);
	else if (rec_entity_of(type))
		nd_raw(n->w, text, len), nd_raw(n->w, "\n", 1);
	else
		norm_bad(n, "type", "bad_type", "unknown record type \"%s\"",
			 type);
}

int norm_finish(norm *n)
{
	if (n->spool) {
		int fd;
		if (fflush(n->spool) != 0 || (fd = dup(fileno(n->spool))) < 0)
			return -1;
		if (lseek(fd, 0, SEEK_SET) < 0) {
			close(fd);
			return -1;
		}
		rp_input *in = rp_input_fdopen(fd, "users spool");
		if (!in)
			return -1;
		nd_reader *r = nd_reader_new(in);
		cJSON *o;
		int rc;
		n->replaying = true;
		while ((rc = nd_next(r, &o)) > 0) {
			arena_reset(n->arena);
			n->record_errors = 0;
			n->source_id = NULL;
			n->file = nd_get_str(o, "file");
			n->line = (long)nd_get_int(o, "line", 0);
			const char *format = nd_get_str(o, "format");
			if (format && strcmp(format, "rest") == 0) {
				cJSON *columns = rest_columns(nd_get_obj(o, "data"));
				oneroster_map(n, "users", columns);
				cJSON_Delete(columns);
			} else {
				oneroster_map(n, "users", nd_get_obj(o, "data"));
			}
		}
		nd_reader_free(r);
		if (rc < 0)
			return -1;
	}
	oneroster_finish(n);
	return 0;
}
