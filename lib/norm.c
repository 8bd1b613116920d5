#include "norm.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "xalloc.h"

static const struct {
	const char *raw;   /* the raw entity / OneRoster file */
	const char *canon; /* the canonical entity, in feed headers */
} entity_names[NE_COUNT] = {
	[NE_ORG] = {"orgs", "school"},
	[NE_TERM] = {"academicSessions", "term"},
	[NE_COURSE] = {"courses", NULL},
	[NE_SECTION] = {"classes", "section"},
	[NE_ROLE] = {"roles", NULL},
	[NE_USER] = {"users", "user"},
	[NE_ENROLLMENT] = {"enrollments", "enrollment"},
	[NE_DEMOGRAPHIC] = {"demographics", NULL},
};

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
	return n;
}

void norm_free(norm *n)
{
	if (!n)
		return;
	for (int e = 0; e < NE_COUNT; e++)
		idset_free(n->ids[e]);
	idset_free(n->birth);
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
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(data, key);
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
		 entity_names[e].raw, id);
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

void norm_emit(norm *n)
{
	if (n->record_errors == 0)
		rec_write(n->w, &n->r);
}

static enum norm_entity entity_of(const char *raw)
{
	for (int e = 0; e < NE_COUNT; e++)
		if (strcmp(entity_names[e].raw, raw) == 0)
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
	if (modes) { /* already canonical: pass it on */
		for (int e = 0; e < NE_COUNT; e++) {
			const char *mode = entity_names[e].canon
						   ? nd_get_str(modes, entity_names[e].canon)
						   : NULL;
			n->present[e] = mode && strcmp(mode, "absent") != 0;
			n->bulk[e] = !mode || strcmp(mode, "bulk") == 0;
		}
		nd_raw(n->w, text, len);
		nd_raw(n->w, "\n", 1);
		return;
	}
	snprintf(n->version, sizeof n->version, "%s", version ? version : "");
	for (int e = 0; e < NE_COUNT; e++) {
		const char *mode = files ? nd_get_str(files, entity_names[e].raw)
					 : NULL;
		n->present[e] = mode && strcmp(mode, "absent") != 0;
		n->bulk[e] = mode && strcmp(mode, "bulk") == 0;
	}
	nd_begin(n->w);
	nd_str(n->w, "type", "feed");
	nd_str(n->w, "source", nd_get_str(o, "source"));
	nd_obj(n->w, "modes");
	for (int e = 0; e < NE_COUNT; e++)
		if (entity_names[e].canon)
			nd_str(n->w, entity_names[e].canon,
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
	const cJSON *data = nd_get_obj(o, "data");
	if (!source || !entity || !data) {
		norm_bad(n, !source ? "source" : !entity ? "entity" : "data",
			 "bad_record", "raw record lacks it");
		return;
	}
	if (strcmp(source, "oneroster") != 0) {
		norm_bad(n, "source", "bad_source", "unknown source \"%s\"",
			 source);
		return;
	}
	/* Users wait for the demographics that follow them, held back as
	 * they came; their ids are recorded now for the enrollments. */
	if (entity_of(entity) == NE_USER && n->present[NE_DEMOGRAPHIC]) {
		const char *id = norm_get(n, data, "sourcedId");
		if (id && norm_new_id(n, NE_USER, "sourcedId", id))
			spool_user(n, text, len);
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
	const cJSON *jline = cJSON_GetObjectItemCaseSensitive(o, "line");
	const char *jfile = nd_get_str(o, "file");
	n->file = jfile ? jfile : file;
	n->line = jfile && cJSON_IsNumber(jline) ? (long)jline->valuedouble
						  : line;
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
			const cJSON *jl = cJSON_GetObjectItemCaseSensitive(o, "line");
			n->line = cJSON_IsNumber(jl) ? (long)jl->valuedouble : 0;
			oneroster_map(n, "users", nd_get_obj(o, "data"));
		}
		nd_reader_free(r);
		if (rc < 0)
			return -1;
	}
	oneroster_finish(n);
	return 0;
}
