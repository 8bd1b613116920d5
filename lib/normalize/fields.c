/* The value rules every source's mapping uses: trimming, required and
 * nullable values, dates, emails, grades, duplicate checks on id hashes,
 * list cells, and writing the mapped record. */
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

static void locate(const norm *n, struct rp_loc *loc, const char *field,
		   const char *code)
{
	*loc = (struct rp_loc){.file = n->file, .line = n->line,
			       .item = n->item, .field = field, .code = code,
			       .source_id = n->source_id, .named = n->api};
}

void norm_bad(norm *n, const char *field, const char *code, const char *fmt,
	      ...)
{
	struct rp_loc loc;
	locate(n, &loc, field, code);
	va_list ap;
	va_start(ap, fmt);
	rp_verror(&loc, fmt, ap);
	va_end(ap);
	n->record_errors++;
}

void norm_warn(norm *n, const char *field, const char *code, const char *fmt,
	       ...)
{
	struct rp_loc loc;
	locate(n, &loc, field, code);
	va_list ap;
	va_start(ap, fmt);
	if (rp_vwarning(&loc, fmt, ap)) /* --strict */
		n->record_errors++;
	va_end(ap);
}

/* s trimmed, NULL when empty. */
static const char *trimmed(norm *n, const char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t len = strlen(s);
	while (len && isspace((unsigned char)s[len - 1]))
		len--;
	if (len == 0)
		return NULL;
	return s[len] ? arena_strndup(n->arena, s, len) : s;
}

const char *norm_get(norm *n, const cJSON *data, const char *key)
{
	const cJSON *v = nd_member(data, key);
	return cJSON_IsString(v) ? trimmed(n, v->valuestring) : NULL;
}

const char *norm_required(norm *n, const cJSON *data, const char *key)
{
	const char *v = norm_get(n, data, key);
	if (!v)
		norm_bad(n, key, "missing_value", "required value is empty");
	return v;
}

const char *norm_nullable(norm *n, const cJSON *data, const char *key,
			  const char *field)
{
	const cJSON *v = data ? nd_member(data, key) : NULL;
	if (!cJSON_IsString(v))
		return NULL;
	const char *s = trimmed(n, v->valuestring);
	if (!s)
		norm_warn(n, field, "empty_value",
			  "empty (the source may leave it null): left out");
	return s;
}

/* "1/05/2023": a date with slashes, M/D or D/M: which is never guessed. */
static bool slashed(const char *v)
{
	return strspn(v, "0123456789/") == strlen(v) && strchr(v, '/');
}

static const char *date_problem(norm *n, bool warn, const char *field,
				const char *v, bool personal)
{
	void (*say)(norm *, const char *, const char *, const char *, ...) =
		warn ? norm_warn : norm_bad;
	if (personal) /* a birth date is personal data: not quoted */
		say(n, field, "bad_date", "not a valid date (YYYY-MM-DD)");
	else if (slashed(v))
		say(n, field, "bad_date",
		    "not a valid date (YYYY-MM-DD): \"%s\" (M/D/YYYY or "
		    "D/M/YYYY: never guessed)", v);
	else
		say(n, field, "bad_date", "not a valid date (YYYY-MM-DD): \"%s\"",
		    v);
	return NULL;
}

const char *norm_date(norm *n, const char *field, const char *v, bool personal)
{
	if (!v || valid_date(v))
		return v;
	return date_problem(n, false, field, v, personal);
}

const char *norm_opt_date(norm *n, const char *field, const char *v,
			  bool personal)
{
	if (!v || valid_date(v))
		return v;
	return date_problem(n, true, field, v, personal);
}

const char *norm_opt_datetime(norm *n, const char *field, const char *v)
{
	char utc[21];
	if (!v)
		return NULL;
	if (utc_datetime(v, utc))
		return arena_strdup(n->arena, utc);
	if (slashed(v))
		norm_warn(n, field, "bad_datetime",
			  "not an ISO 8601 date-time: \"%s\" (M/D/YYYY or "
			  "D/M/YYYY: never guessed)", v);
	else
		norm_warn(n, field, "bad_datetime",
			  "not an ISO 8601 date-time: \"%s\"", v);
	return NULL;
}

const char *norm_email(norm *n, const char *field, const char *v)
{
	if (!v)
		return NULL;
	char *folded = email_fold(arena_strdup(n->arena, v));
	if (valid_email(folded))
		return folded;
	norm_warn(n, field, "bad_email", "not a valid email address");
	return NULL;
}

const char *norm_grade(norm *n, const char *field, const char *g)
{
	const char *code = g ? grade_code(g) : NULL;
	if (g && !code)
		norm_warn(n, field, "bad_grade", "unknown grade \"%s\"", g);
	return code;
}

bool norm_new_id(norm *n, enum norm_entity e, const char *field,
		 const char *id)
{
	uint32_t first;
	if (idset_put(n->ids[e], id_hash_str(id), (uint32_t)n->line, &first))
		return true;
	norm_bad(n, field, "duplicate_id", "duplicate id, first at line %u",
		 first);
	n->duplicate = true;
	return false;
}

const char *norm_record_id(norm *n, enum norm_entity e, const char *field,
			   const char *id)
{
	n->source_id = id;
	if (!id) {
		norm_bad(n, field, "missing_value", "required value is empty");
		return NULL;
	}
	return norm_new_id(n, e, field, id) ? id : NULL;
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
		/* the id, a NUL, then the school as messages name it: by name
		 * and number, besides its id, as resume does */
		const char *id = rec_str(r, S_SOURCE_ID), *name = rec_str(r, S_NAME),
			   *number = rec_str(r, S_SCHOOL_NUMBER);
		size_t size = 2 * strlen(id) + (name ? strlen(name) : 0) +
			      (number ? strlen(number) : 0) + 40;
		char *both = xmalloc(size);
		int at = snprintf(both, size, "%s", id) + 1;
		snprintf(both + at, size - (size_t)at, "%s%s%s(%s%s%sid %s)",
			 name ? "\"" : "", name ? name : "", name ? "\" " : "",
			 number ? "number " : "", number ? number : "", number ? ", " : "",
			 id);
		n->schools[n->nschools++] = both;
	}
}

void norm_begin(norm *n, const struct rec_entity *e)
{
	rec_init(&n->r, e, n->arena);
	n->what = e->type;
	n->errors_at = n->record_errors;
	n->dropped = false;
}

void norm_emit(norm *n)
{
	if (!n->dropped && n->record_errors == n->errors_at &&
	    norm_own_id_rejected(n, &n->r))
		norm_drop(n, NULL, n->r.ent->type, "a row of it was rejected");
	if (n->record_errors > n->errors_at || n->dropped) {
		norm_hold(n);
		return;
	}
	if (n->r.ent == &REC_USER && n->spool_w)
		rec_write(n->spool_w, &n->r); /* written after demographics */
	else
		rec_write(n->w, &n->r);
	if (n->school_year)
		note_year(n);
}
