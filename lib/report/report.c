/*
 * The report's model: the state's schools, terms, sections, enrollments
 * and users (what a list needs to name a person, and the figures the
 * guard measures a loss against), and the plan read into it.
 */
#include "report_int.h"

#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "plan.h"
#include "xalloc.h"

const struct rec_entity *const rpt_entities[RE_N] = {
	&REC_SCHOOL, &REC_TERM, &REC_SECTION, &REC_ENROLLMENT, &REC_USER,
	&REC_APPOINTMENT,
};

const char *const rpt_op_names[RO_N] = {
	"create", "update", "set", "link", "restore", "soft_delete",
	"hard_delete", "delete", "conflict",
};

rpt *rpt_new(const struct rpt_opts *o)
{
	rpt *r = xcalloc(1, sizeof *r);
	r->o = *o;
	r->keep = arena_new();
	r->scratch = arena_new();
	for (int e = 0; e < RE_N; e++)
		r->by_id[e] = idset_new();
	GROW(r->schools);
	r->schools.v[r->schools.n++] = (struct school){.id = "-", .in_state = true};
	return r;
}

void rpt_free(rpt *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->schools.n; i++) {
		free(r->schools.v[i].rows);
		free(r->schools.v[i].changes);
	}
	free(r->schools.v);
	free(r->users.v);
	free(r->terms.v);
	free(r->sections.v);
	free(r->pending);
	for (int e = 0; e < RE_N; e++)
		idset_free(r->by_id[e]);
	idset_free(r->enrollments_made);
	arena_free(r->keep);
	arena_free(r->scratch);
	free(r);
}

const char *rpt_keep(rpt *r, const char *s)
{
	return s ? arena_strdup(r->keep, s) : NULL;
}

/* The index of the record with this id, or RPT_NONE. Schools, terms,
 * sections and users are compared by id too (a hash collision never
 * names another record); enrollments and appointments give what they
 * point at (see struct rpt). */
uint32_t rpt_find(const rpt *r, int ent, const char *id)
{
	uint32_t at;
	if (!id || !idset_get(r->by_id[ent], id_hash_str(id), &at))
		return RPT_NONE;
	const char *have = ent == RE_SCHOOL    ? r->schools.v[at].id
			   : ent == RE_TERM    ? r->terms.v[at].id
			   : ent == RE_SECTION ? r->sections.v[at].id
			   : ent == RE_USER    ? r->users.v[at].id
					       : id;
	return strcmp(have, id) == 0 ? at : RPT_NONE;
}

/* The school with this id ("-" or NULL: none), made when first named. */
uint32_t rpt_school(rpt *r, const char *id)
{
	if (!id || !*id || strcmp(id, "-") == 0)
		return 0;
	uint32_t at = rpt_find(r, RE_SCHOOL, id);
	if (at != RPT_NONE)
		return at;
	GROW(r->schools);
	at = (uint32_t)r->schools.n++;
	r->schools.v[at] = (struct school){.id = rpt_keep(r, id)};
	idset_set(r->by_id[RE_SCHOOL], id_hash_str(id), at);
	return at;
}

const char *rpt_school_label(const struct school *s)
{
	return s->name ? s->name : s->id;
}

void rpt_add_row(struct school *s, int who, uint32_t user, const char *id,
		 const char *a, const char *b)
{
	if (s->nrows == s->caprows) {
		s->caprows = s->caprows ? s->caprows * 2 : 16;
		s->rows = xrealloc(s->rows, s->caprows * sizeof *s->rows);
	}
	s->rows[s->nrows++] = (struct person_row){who, user, id, a, b};
}

/* Whether every term the section runs in ended before the plan's date:
 * then its deletes do not count against the guard (apply's rollover). */
bool rpt_section_ended(rpt *r, struct section *c)
{
	if (c->ended < 0) {
		bool ended = c->nterms > 0;
		for (uint32_t i = 0; i < c->nterms && ended; i++) {
			uint32_t t = rpt_find(r, RE_TERM, c->terms[i]);
			const char *end = t != RPT_NONE ? r->terms.v[t].end : NULL;
			ended = end && strcmp(end, r->today) < 0;
		}
		c->ended = ended;
	}
	return c->ended;
}

/* ---- the state --------------------------------------------------------- */

static void read_error(nd_reader *in, const char *field, const char *msg)
{
	struct rp_loc loc = {.file = nd_name(in), .line = nd_line(in),
			     .field = field, .code = "bad_record"};
	rp_error(&loc, "%s", msg);
}

static const char *name_of(rpt *r, const cJSON *o)
{
	const char *g = nd_get_str(o, "given_name"), *m = nd_get_str(o, "middle_name"),
		   *f = nd_get_str(o, "family_name");
	size_t len = (g ? strlen(g) : 0) + (m ? strlen(m) : 0) + (f ? strlen(f) : 0) + 4;
	char *s = arena_alloc(r->keep, len);
	snprintf(s, len, "%s%s%s%s%s", f ? f : "", f && (g || m) ? ", " : "",
		 g ? g : "", g && m ? " " : "", m ? m : "");
	return s;
}

static void state_user(rpt *r, const cJSON *o, const char *id)
{
	GROW(r->users);
	uint32_t at = (uint32_t)r->users.n++;
	struct user *u = &r->users.v[at];
	*u = (struct user){.id = rpt_keep(r, id), .label = name_of(r, o),
			   .role = rpt_keep(r, nd_get_str(o, "role")),
			   .grade = rpt_keep(r, nd_get_str(o, "grade")),
			   .deleted_at = rpt_keep(r, nd_get_str(o, "deleted_at"))};
	for (int f = 0; f < REC_USER.nfields; f++) {
		const cJSON *v = nd_member(o, REC_USER.fields[f].name);
		enum rec_kind kind = REC_USER.fields[f].kind;
		if (kind == K_STR ? cJSON_IsString(v) && *v->valuestring
				  : (kind == K_LIST || kind == K_MAP) && f != U_SCHOOL_IDS &&
					    (cJSON_IsArray(v) || cJSON_IsObject(v)) && v->child)
			u->present |= 1u << f;
	}
	const cJSON *ids = nd_get_arr(o, "school_ids");
	int n = ids ? cJSON_GetArraySize(ids) : 0;
	u->schools = arena_alloc(r->keep, (size_t)(n ? n : 1) * sizeof *u->schools);
	for (const cJSON *j = ids ? ids->child : NULL; j; j = j->next)
		if (cJSON_IsString(j))
			u->schools[u->nschools++] = rpt_school(r, j->valuestring);
	if (!u->nschools) /* in "-", the users with no school */
		u->schools[u->nschools++] = 0;
	for (uint32_t i = 0; i < u->nschools; i++) {
		struct school *s = &r->schools.v[u->schools[i]];
		s->users++;
		s->active += u->deleted_at == NULL;
	}
	idset_set(r->by_id[RE_USER], id_hash_str(id), at);
}

static void state_section(rpt *r, const cJSON *o, const char *id)
{
	GROW(r->sections);
	uint32_t at = (uint32_t)r->sections.n++;
	struct section *c = &r->sections.v[at];
	*c = (struct section){.id = rpt_keep(r, id), .name = rpt_keep(r, nd_get_str(o, "name")),
			      .school = rpt_school(r, nd_get_str(o, "school_id")),
			      .ended = -1};
	const cJSON *terms = nd_get_arr(o, "term_ids");
	int n = terms ? cJSON_GetArraySize(terms) : 0;
	c->terms = arena_alloc(r->keep, (size_t)(n ? n : 1) * sizeof *c->terms);
	for (const cJSON *j = terms ? terms->child : NULL; j; j = j->next)
		if (cJSON_IsString(j))
			c->terms[c->nterms++] = rpt_keep(r, j->valuestring);
	r->schools.v[c->school].sections++;
	idset_set(r->by_id[RE_SECTION], id_hash_str(id), at);
}

static void enrollment_in(rpt *r, const char *id, const char *section)
{
	uint32_t c = rpt_find(r, RE_SECTION, section);
	idset_set(r->by_id[RE_ENROLLMENT], id_hash_str(id), c == RPT_NONE ? 0 : c + 1);
	if (c != RPT_NONE) {
		r->schools.v[r->sections.v[c].school].enrollments++;
		r->sections.v[c].enrollments++;
	}
}

static int state_record(rpt *r, nd_reader *in, const cJSON *o)
{
	const char *type = nd_get_str(o, "type");
	if (strcmp(type, "snapshot") == 0) {
		r->state_header = true;
		r->state_version = nd_get_int(o, "version", 0);
		r->state_store = rpt_keep(r, nd_get_str(o, "store"));
		return 0;
	}
	const struct rec_entity *e = rec_entity_of(type);
	if (!e)
		return 0; /* not a record a report looks at */
	r->state_records++;
	const char *id = nd_get_str(o, "id");
	if (!id) {
		read_error(in, "id", "a state record needs its id (is this snapshot output?)");
		return 0;
	}
	if (e == &REC_USER) {
		state_user(r, o, id);
	} else if (e == &REC_SCHOOL) {
		uint32_t at = rpt_school(r, id);
		struct school *s = &r->schools.v[at];
		s->name = rpt_keep(r, nd_get_str(o, "name"));
		s->number = rpt_keep(r, nd_get_str(o, "school_number"));
		s->in_state = true;
	} else if (e == &REC_TERM) {
		GROW(r->terms);
		r->terms.v[r->terms.n] = (struct term){rpt_keep(r, id),
			rpt_keep(r, nd_get_str(o, "name")), rpt_keep(r, nd_get_str(o, "end_date"))};
		idset_set(r->by_id[RE_TERM], id_hash_str(id), (uint32_t)r->terms.n++);
	} else if (e == &REC_SECTION) {
		state_section(r, o, id);
	} else if (e == &REC_ENROLLMENT) {
		const char *section = nd_get_str(o, "section_id");
		if (rpt_find(r, RE_SECTION, section) == RPT_NONE && section) {
			/* snapshot writes sections first; any other order works */
			r->pending = xrealloc(r->pending, (r->npending + 1) * sizeof *r->pending);
			r->pending[r->npending++] = (struct pending){rpt_keep(r, id),
								     rpt_keep(r, section)};
		} else {
			enrollment_in(r, id, section);
		}
	} else if (e == &REC_APPOINTMENT) {
		idset_set(r->by_id[RE_APPOINTMENT], id_hash_str(id),
			  rpt_school(r, nd_get_str(o, "school_id")));
	}
	return 0;
}

int rpt_read_state(rpt *r, nd_reader *in)
{
	long errors = rp_error_count();
	cJSON *o;
	int got;
	while ((got = nd_next(in, &o)) != 0) {
		if (got == -2)
			return nd_io_failed(in) ? RP_EXIT_IO : RP_EXIT_DATA;
		if (got > 0)
			state_record(r, in, o);
	}
	for (size_t i = 0; i < r->npending; i++)
		enrollment_in(r, r->pending[i].enrollment, r->pending[i].section);
	r->npending = 0;
	return rp_error_count() == errors ? 0 : RP_EXIT_DATA;
}

/* ---- the plan ---------------------------------------------------------- */

static void plan_header(rpt *r, const cJSON *o)
{
	r->header = true;
	r->plan_id = rpt_keep(r, nd_get_str(o, "plan_id"));
	r->producer = rpt_keep(r, nd_get_str(o, "producer"));
	r->created = rpt_keep(r, nd_get_str(o, "created"));
	r->store = rpt_keep(r, nd_get_str(o, "store"));
	r->base = nd_get_int(o, "base_version", r->state_version);
	const cJSON *held = nd_get_obj(o, "held");
	char text[256] = "";
	size_t used = 0;
	for (const cJSON *h = held ? held->child : NULL; h; h = h->next)
		if (h->string && cJSON_IsNumber(h) && used < sizeof text - 48)
			used += (size_t)snprintf(text + used, sizeof text - used, "%s%.32s %.0f",
						 used ? ", " : "", h->string, h->valuedouble);
	r->held = used ? rpt_keep(r, text) : NULL;
}

int rpt_read_plan(rpt *r, nd_reader *in)
{
	long errors = rp_error_count();
	plan_date(NULL, r->today);
	r->base = r->state_version;
	cJSON *o;
	int got;
	while ((got = nd_next(in, &o)) != 0) {
		if (got == -2)
			return nd_io_failed(in) ? RP_EXIT_IO : RP_EXIT_DATA;
		if (got < 0)
			continue;
		const char *type = nd_get_str(o, "type");
		if (strcmp(type, "plan") == 0) {
			if (r->plan_open) {
				read_error(in, "type", "a second plan begins here; "
						       "plan-report reads one plan at a time");
				break;
			}
			plan_header(r, o);
			plan_date(r->created, r->today);
			r->plan_open = true;
			plan_hash_init(&r->hash, r->base);
		} else if (strcmp(type, "op") == 0) {
			size_t len;
			const char *text = nd_text(in, &len);
			if (r->header)
				plan_hash_op(&r->hash, text, len);
			r->plan_open = true;
			r->nops++;
			rpt_count_op(r, o, nd_name(in), nd_line(in));
		} else if (strcmp(type, "conflict") == 0) {
			r->plan_open = true;
			rpt_count_conflict(r, o);
		} else {
			read_error(in, "type", "not a plan, op or conflict record");
		}
		arena_reset(r->scratch);
	}
	if (r->header && r->plan_id) {
		char id[65];
		plan_hash_hex(&r->hash, id);
		r->id_mismatch = strcmp(id, r->plan_id) != 0;
	}
	return rp_error_count() == errors ? 0 : RP_EXIT_DATA;
}
