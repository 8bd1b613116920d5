/* The value rules every source's mapping uses: trimming, required values,
 * dates, duplicate and referential checks on id hashes, list cells, and
 * writing the mapped record. */
#include "norm_int.h"

#include <ctype.h>
#include <stdarg.h>
#include <string.h>

#include "codes.h"
#include "err.h"
#include "xalloc.h"

const char *norm_raw_name(norm *n, enum norm_entity e)
{
	static const char *const canon[NE_COUNT] = {
		[NE_ORG] = "school", [NE_TERM] = "term", [NE_SECTION] = "section",
		[NE_USER] = "user", [NE_ENROLLMENT] = "enrollment",
	};
	const struct norm_source *src = norm_source_named(n->source);
	return src && src->raw[e] ? src->raw[e] : canon[e];
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
