/*
 * Each operation of the plan, counted into the schools it concerns: under
 * the schools a user belongs to in the state (a create: the schools it
 * names), a section's school, an enrollment's section's school; terms,
 * and users and sections with no school, under "-". The guard's figures
 * are counted here exactly as apply counts them (lib/apply/check.c); the
 * lists and field changes are the report's own.
 */
#include "report_int.h"

#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "utf8.h"
#include "xalloc.h"

static int index_of(const char *const *names, int n, const char *name)
{
	for (int i = 0; name && i < n; i++)
		if (strcmp(names[i], name) == 0)
			return i;
	return -1;
}

/* ---- values as a person reads them ----------------------------------- */

struct text {
	rp_arena *a;
	char *s;
	size_t n, cap;
};

static void add(struct text *t, const char *s)
{
	size_t len = strlen(s);
	if (t->n + len + 1 > t->cap) {
		size_t cap = (t->n + len + 1) * 2;
		char *grown = arena_alloc(t->a, cap);
		memcpy(grown, t->s ? t->s : "", t->n);
		t->s = grown;
		t->cap = cap;
	}
	memcpy(t->s + t->n, s, len + 1);
	t->n += len;
}

static const char *done(struct text *t)
{
	return t->s ? t->s : "";
}

/* What a reference names, by name when the state or the plan knows it:
 * a school, a term, a section; a user by name. */
static const char *referent(rpt *r, const struct rec_entity *target, const char *id)
{
	uint32_t at;
	if (target == &REC_SCHOOL && (at = rpt_find(r, RE_SCHOOL, id)) != RPT_NONE)
		return rpt_school_label(&r->schools.v[at]);
	if (target == &REC_TERM && (at = rpt_find(r, RE_TERM, id)) != RPT_NONE &&
	    r->terms.v[at].name)
		return r->terms.v[at].name;
	if (target == &REC_SECTION && (at = rpt_find(r, RE_SECTION, id)) != RPT_NONE &&
	    r->sections.v[at].name)
		return r->sections.v[at].name;
	if (target == &REC_USER && (at = rpt_find(r, RE_USER, id)) != RPT_NONE &&
	    *r->users.v[at].label)
		return r->users.v[at].label;
	return id;
}

/* A field's value for a person, into arena a: lists joined with ", ",
 * references by name, null as "(cleared)"; absent: "". */
static const char *value_text(rpt *r, rp_arena *a, const struct rec_entity *e,
			      int f, const cJSON *v)
{
	struct text t = {.a = a};
	const struct rec_entity *target = f >= 0 ? rec_ref_target(e, f) : NULL;
	char num[32];
	if (!v)
		return "";
	if (cJSON_IsNull(v))
		return "(cleared)";
	if (cJSON_IsString(v))
		return target ? referent(r, target, v->valuestring) : v->valuestring;
	if (cJSON_IsBool(v))
		return cJSON_IsTrue(v) ? "true" : "false";
	if (cJSON_IsNumber(v)) {
		snprintf(num, sizeof num, "%g", v->valuedouble);
		add(&t, num);
		return done(&t);
	}
	if (cJSON_IsArray(v) && !v->child)
		return "(none)";
	for (const cJSON *j = v->child; j; j = j->next) {
		if (j != v->child)
			add(&t, ", ");
		if (j->string) {
			add(&t, j->string);
			add(&t, ": ");
		}
		add(&t, cJSON_IsString(j) ? (target ? referent(r, target, j->valuestring)
						    : j->valuestring)
					  : value_text(r, a, e, -1, j));
	}
	return done(&t);
}

/* ---- field changes ----------------------------------------------------- */

static struct change *change_of(struct school *s, int ent, int field)
{
	for (size_t i = 0; i < s->nchanges; i++)
		if (s->changes[i].ent == ent && s->changes[i].field == field)
			return &s->changes[i];
	s->changes = xrealloc(s->changes, (s->nchanges + 1) * sizeof *s->changes);
	struct change *c = &s->changes[s->nchanges++];
	memset(c, 0, sizeof *c);
	c->ent = ent;
	c->field = field;
	return c;
}

static int example_cmp(const char *label, const char *id, const struct example *x)
{
	int c = utf8_collate(label, x->label);
	return c ? c : utf8_collate(id, x->id);
}

/* One record's changed fields (an update's or a set's "set"), with its
 * "was", into school s: counted, and the first examples by name kept. */
static void count_changes(rpt *r, struct school *s, int ent, const char *label,
			  const char *id, const cJSON *set, const cJSON *was)
{
	const struct rec_entity *e = rpt_entities[ent];
	for (const cJSON *j = set ? set->child : NULL; j; j = j->next) {
		int f = rec_field_index(e, j->string);
		if (f < 0)
			continue; /* apply refuses it; nothing to sum up */
		struct change *c = change_of(s, ent, f);
		c->changed++;
		c->cleared += cJSON_IsNull(j) || (cJSON_IsString(j) && !*j->valuestring);
		int at = c->nex;
		while (at > 0 && example_cmp(label, id, &c->ex[at - 1]) < 0)
			at--;
		if (at >= RPT_EXAMPLES)
			continue;
		if (c->nex < RPT_EXAMPLES)
			c->nex++;
		memmove(&c->ex[at + 1], &c->ex[at],
			(size_t)(c->nex - 1 - at) * sizeof *c->ex);
		c->ex[at] = (struct example){
			rpt_keep(r, label), rpt_keep(r, id),
			rpt_keep(r, value_text(r, r->scratch, e, f, nd_member(was, j->string))),
			rpt_keep(r, value_text(r, r->scratch, e, f, j))};
	}
}

static void counted(struct school *s, int op, int ent)
{
	s->counts[op][ent]++;
	s->ops++;
}

/* ---- users ------------------------------------------------------------- */

/* "Name (id)" of each school, or "no school". */
static const char *schools_text(rpt *r, const uint32_t *v, size_t n)
{
	struct text t = {.a = r->keep};
	for (size_t i = 0; i < n; i++) {
		if (i)
			add(&t, "; ");
		add(&t, v[i] ? rpt_school_label(&r->schools.v[v[i]]) : "no school");
	}
	return n ? done(&t) : "no school";
}

static bool has(const uint32_t *v, size_t n, uint32_t x)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == x)
			return true;
	return false;
}

/* An update's school_ids: who leaves a school (the guard's "take out of
 * it"), who joins one. */
static void moves(rpt *r, uint32_t u, const cJSON *list)
{
	const struct user *user = &r->users.v[u];
	size_t n = 0;
	uint32_t *now = arena_alloc(r->scratch, (size_t)(cJSON_GetArraySize(list) + 1) *
						       sizeof *now);
	for (const cJSON *j = list->child; j; j = j->next)
		if (cJSON_IsString(j))
			now[n++] = rpt_school(r, j->valuestring);
	const char *to = NULL, *from = NULL;
	for (uint32_t i = 0; i < user->nschools; i++) {
		uint32_t s = user->schools[i];
		if (s == 0 || has(now, n, s))
			continue;
		r->schools.v[s].taken.moved_out++;
		to = to ? to : schools_text(r, now, n);
		rpt_add_row(&r->schools.v[s], W_LEAVING, u, user->id, to, NULL);
	}
	for (size_t i = 0; i < n; i++) {
		if (has(user->schools, user->nschools, now[i]))
			continue;
		from = from ? from : schools_text(r, user->schools,
						  user->schools[0] ? user->nschools : 0);
		rpt_add_row(&r->schools.v[now[i]], W_JOINING, u, user->id, from, NULL);
	}
}

static const char *ids_text(rpt *r, const cJSON *ids)
{
	struct text t = {.a = r->keep};
	for (const cJSON *j = ids ? ids->child : NULL; j; j = j->next) {
		if (j != ids->child)
			add(&t, ", ");
		add(&t, j->string ? j->string : "?");
		add(&t, " ");
		add(&t, cJSON_IsString(j) ? j->valuestring : "?");
	}
	return done(&t);
}

static void user_op(rpt *r, int k, const cJSON *o, const char *id)
{
	static const uint32_t none[1] = {0};
	if (k == RO_CREATE) {
		const cJSON *ids = nd_get_arr(nd_get_obj(o, "data"), "school_ids");
		bool any = false;
		for (const cJSON *j = ids ? ids->child : NULL; j; j = j->next)
			if (cJSON_IsString(j)) {
				uint32_t s = rpt_school(r, j->valuestring);
				counted(&r->schools.v[s], k, RE_USER);
				any = true;
			}
		if (!any)
			counted(&r->schools.v[0], k, RE_USER);
		return;
	}
	uint32_t u = rpt_find(r, RE_USER, id);
	const struct user *user = u != RPT_NONE ? &r->users.v[u] : NULL;
	const uint32_t *schools = user ? user->schools : none;
	uint32_t nschools = user ? user->nschools : 1;
	const char *label = user ? user->label : "";
	r->unknown += !user;
	const cJSON *set = nd_get_obj(o, "set");
	for (uint32_t i = 0; i < nschools; i++) {
		struct school *s = &r->schools.v[schools[i]];
		counted(s, k, RE_USER);
		switch (k) {
		case RO_SOFT_DELETE:
			s->taken.soft++;
			rpt_add_row(s, W_SOFT, u, rpt_keep(r, id),
				    rpt_keep(r, nd_get_str(o, "reason")), NULL);
			break;
		case RO_HARD_DELETE:
			s->taken.hard++;
			rpt_add_row(s, W_HARD, u, rpt_keep(r, id),
				    user && user->deleted_at ? user->deleted_at
				    : rpt_keep(r, nd_get_str(o, "deleted_at")), NULL);
			break;
		case RO_RESTORE:
			rpt_add_row(s, W_RESTORE, u, rpt_keep(r, id), NULL, NULL);
			break;
		case RO_LINK:
			rpt_add_row(s, W_LINK, u, rpt_keep(r, id),
				    rpt_keep(r, nd_get_str(o, "matched_on")),
				    ids_text(r, nd_get_obj(o, "ids")));
			break;
		case RO_UPDATE:
		case RO_SET:
			count_changes(r, s, RE_USER, label, id, set, nd_get_obj(o, "was"));
			break;
		}
	}
	if (k != RO_UPDATE || !user || !set)
		return;
	/* what apply's guard counts of an update: values cleared, schools left */
	for (const cJSON *j = set->child; j; j = j->next) {
		int f = rec_field_index(&REC_USER, j->string);
		if (f < 0 || !(user->present >> f & 1))
			continue;
		/* null, "", [] or {}: a string, a list or a map cleared */
		if (cJSON_IsNull(j) || (cJSON_IsString(j) && !*j->valuestring) ||
		    ((cJSON_IsArray(j) || cJSON_IsObject(j)) && !j->child))
			for (uint32_t i = 0; i < nschools; i++)
				r->schools.v[schools[i]].taken.cleared[f]++;
	}
	/* school_ids null takes the user out of every school, as apply does */
	static const cJSON no_schools = {.type = cJSON_Array};
	const cJSON *list = nd_member(set, "school_ids");
	if (cJSON_IsArray(list) || cJSON_IsNull(list))
		moves(r, u, cJSON_IsNull(list) ? &no_schools : list);
}

/* ---- sections, enrollments, the rest -------------------------------- */

/* SOURCE:SOURCE_ID of a record a plan creates: how later operations of
 * the plan name it. */
static const char *created_key(rpt *r, const cJSON *data)
{
	const char *source = nd_get_str(data, "source"), *sid = nd_get_str(data, "source_id");
	if (!source || !sid)
		return NULL;
	size_t len = strlen(source) + strlen(sid) + 2;
	char *key = arena_alloc(r->keep, len);
	snprintf(key, len, "%s:%s", source, sid);
	return key;
}

static void section_op(rpt *r, int k, const cJSON *o, const char *id)
{
	if (k == RO_CREATE) {
		const cJSON *data = nd_get_obj(o, "data");
		uint32_t s = rpt_school(r, nd_get_str(data, "school_id"));
		r->schools.v[s].taken.sections_created++;
		counted(&r->schools.v[s], k, RE_SECTION);
		const char *key = created_key(r, data);
		if (key && rpt_find(r, RE_SECTION, key) == RPT_NONE) {
			GROW(r->sections);
			r->sections.v[r->sections.n] = (struct section){
				.id = key, .school = s, .ended = 0,
				.name = rpt_keep(r, nd_get_str(data, "name"))};
			idset_set(r->by_id[RE_SECTION], id_hash_str(key),
				  (uint32_t)r->sections.n++);
		}
		return;
	}
	uint32_t c = rpt_find(r, RE_SECTION, id);
	r->unknown += c == RPT_NONE;
	struct section *sec = c != RPT_NONE ? &r->sections.v[c] : NULL;
	struct school *s = &r->schools.v[sec ? sec->school : 0];
	counted(s, k, RE_SECTION);
	if (k == RO_DELETE && sec && !sec->deleted && !rpt_section_ended(r, sec)) {
		/* its enrollments go with it: those the plan has not deleted
		 * one by one already count as deleted too */
		s->taken.sections_deleted++;
		s->taken.enrollments_deleted += sec->enrollments - sec->enrollments_deleted;
		s->taken.enrollments_created -= sec->made;
		sec->made = 0;
	}
	if (k == RO_DELETE && sec)
		sec->deleted = true;
	if (k == RO_UPDATE || k == RO_SET)
		count_changes(r, s, RE_SECTION, sec && sec->name ? sec->name : "", id,
			      nd_get_obj(o, "set"), nd_get_obj(o, "was"));
}

static void enrollment_op(rpt *r, int k, const cJSON *o, const char *id)
{
	if (k == RO_CREATE) {
		/* apply: a section the plan creates (SOURCE:SOURCE_ID), or a
		 * stored one; counted against the deletes of its school, unless
		 * the section's terms all ended (its deletes count neither) */
		const cJSON *data = nd_get_obj(o, "data");
		const char *section = nd_get_str(data, "section_id");
		const char *user = nd_get_str(data, "user_id");
		uint32_t c = rpt_find(r, RE_SECTION, section);
		struct school *s = &r->schools.v[c != RPT_NONE ? r->sections.v[c].school : 0];
		counted(s, k, RE_ENROLLMENT);
		if (c == RPT_NONE || !user || rpt_section_ended(r, &r->sections.v[c]))
			return;
		/* once per user and section; taken back if the section goes */
		if (!r->enrollments_made)
			r->enrollments_made = idset_new();
		if (idset_put(r->enrollments_made, guard_enrollment_key(section, user), 0, NULL)) {
			s->taken.enrollments_created++;
			r->sections.v[c].made++;
		}
		return;
	}
	uint32_t at;
	bool known = idset_get(r->by_id[RE_ENROLLMENT], id_hash_str(id), &at);
	r->unknown += !known;
	struct section *sec = known && at ? &r->sections.v[at - 1] : NULL;
	struct school *s = &r->schools.v[sec ? sec->school : 0];
	counted(s, k, RE_ENROLLMENT);
	if (k == RO_DELETE && sec && !sec->deleted && !rpt_section_ended(r, sec)) {
		s->taken.enrollments_deleted++;
		sec->enrollments_deleted++;
	}
	if (k == RO_UPDATE || k == RO_SET)
		count_changes(r, s, RE_ENROLLMENT, "", id, nd_get_obj(o, "set"),
			      nd_get_obj(o, "was"));
}

static void other_op(rpt *r, int e, int k, const cJSON *o, const char *id)
{
	const cJSON *data = nd_get_obj(o, "data");
	struct school *s = &r->schools.v[0];
	const char *label = "";
	if (e == RE_SCHOOL) {
		const char *key = k == RO_CREATE ? created_key(r, data) : id;
		uint32_t at = rpt_school(r, key ? key : "-");
		s = &r->schools.v[at];
		if (k == RO_CREATE && key) {
			s->created = true;
			s->name = rpt_keep(r, nd_get_str(data, "name"));
			s->number = rpt_keep(r, nd_get_str(data, "school_number"));
		}
		r->unknown += k != RO_CREATE && !s->in_state;
		label = rpt_school_label(s);
	} else if (e == RE_TERM) {
		uint32_t t = k == RO_CREATE ? RPT_NONE : rpt_find(r, RE_TERM, id);
		const char *key = k == RO_CREATE ? created_key(r, data) : NULL;
		if (key && rpt_find(r, RE_TERM, key) == RPT_NONE) {
			GROW(r->terms);
			r->terms.v[r->terms.n] = (struct term){key,
				rpt_keep(r, nd_get_str(data, "name")),
				rpt_keep(r, nd_get_str(data, "end_date"))};
			idset_set(r->by_id[RE_TERM], id_hash_str(key), (uint32_t)r->terms.n++);
		}
		r->unknown += k != RO_CREATE && t == RPT_NONE;
		label = t != RPT_NONE && r->terms.v[t].name ? r->terms.v[t].name : "";
	} else if (e == RE_APPOINTMENT) {
		uint32_t at;
		if (k == RO_CREATE)
			at = rpt_school(r, nd_get_str(data, "school_id")), s = &r->schools.v[at];
		else if (idset_get(r->by_id[RE_APPOINTMENT], id_hash_str(id), &at))
			s = &r->schools.v[at];
		else
			r->unknown++;
	}
	counted(s, k, e);
	if (k == RO_UPDATE || k == RO_SET)
		count_changes(r, s, e, label, id, nd_get_obj(o, "set"), nd_get_obj(o, "was"));
}

void rpt_count_op(rpt *r, const cJSON *o, const char *file, long line)
{
	static const char *const ents[RE_N] = {"school", "term", "section",
					       "enrollment", "user", "appointment"};
	const char *name = nd_get_str(o, "op"), *entity = nd_get_str(o, "entity");
	const char *id = nd_get_str(o, "id");
	int k = index_of(rpt_op_names, RO_CONFLICT, name);
	int e = index_of(ents, RE_N, entity);
	struct rp_loc loc = {.file = file, .line = line, .code = "bad_plan"};
	if (k < 0) {
		loc.field = "op";
		rp_error(&loc, "unknown operation \"%s\"", name ? name : "");
		return;
	}
	if (e < 0) {
		loc.field = "entity";
		rp_error(&loc, "unknown entity \"%s\"", entity ? entity : "");
		return;
	}
	if (k == RO_CREATE ? !nd_get_obj(o, "data") : !id) {
		loc.field = k == RO_CREATE ? "data" : "id";
		rp_error(&loc, "%s %s needs %s", name, entity,
			 k == RO_CREATE ? "its data" : "the id of the record");
		return;
	}
	r->counts[k][e]++;
	if (e == RE_USER)
		user_op(r, k, o, id);
	else if (e == RE_SECTION)
		section_op(r, k, o, id);
	else if (e == RE_ENROLLMENT)
		enrollment_op(r, k, o, id);
	else
		other_op(r, e, k, o, id);
}

/* A conflict: listed under each school of its candidates, who are named
 * (by name) in the order of their names. */
void rpt_count_conflict(rpt *r, const cJSON *o)
{
	const cJSON *cands = nd_get_arr(o, "candidates");
	size_t n = 0;
	uint32_t *v = arena_alloc(r->scratch, (size_t)(cJSON_GetArraySize(cands) + 1) * sizeof *v);
	const char **ids = arena_alloc(r->scratch, (size_t)(cJSON_GetArraySize(cands) + 1) *
							  sizeof *ids);
	for (const cJSON *j = cands ? cands->child : NULL; j; j = j->next) {
		if (!cJSON_IsString(j))
			continue;
		v[n] = rpt_find(r, RE_USER, j->valuestring);
		ids[n++] = j->valuestring;
	}
	/* by name, then id (a few candidates: insertion) */
	for (size_t i = 1; i < n; i++)
		for (size_t k = i; k > 0; k--) {
			const char *la = v[k - 1] != RPT_NONE ? r->users.v[v[k - 1]].label : "";
			const char *lb = v[k] != RPT_NONE ? r->users.v[v[k]].label : "";
			int c = utf8_collate(la, lb);
			if (c < 0 || (c == 0 && utf8_collate(ids[k - 1], ids[k]) <= 0))
				break;
			uint32_t tv = v[k];
			const char *ti = ids[k];
			v[k] = v[k - 1], ids[k] = ids[k - 1];
			v[k - 1] = tv, ids[k - 1] = ti;
		}
	struct text t = {.a = r->keep};
	for (size_t i = 0; i < n; i++) {
		if (i)
			add(&t, "; ");
		if (v[i] != RPT_NONE && *r->users.v[v[i]].label) {
			add(&t, r->users.v[v[i]].label);
			add(&t, " (");
			add(&t, ids[i]);
			add(&t, ")");
		} else {
			add(&t, ids[i]);
		}
	}
	const char *source = nd_get_str(o, "source"), *sid = nd_get_str(o, "source_id");
	struct text in = {.a = r->keep}, on = {.a = r->keep};
	add(&in, source ? source : "");
	add(&in, source ? ":" : "");
	add(&in, sid ? sid : "?");
	add(&on, nd_get_str(o, "matched_on") ? nd_get_str(o, "matched_on") : "");
	if (nd_get_str(o, "contradicts")) {
		add(&on, "; contradicted by ");
		add(&on, nd_get_str(o, "contradicts"));
	}
	/* each school of a candidate, once */
	size_t ns = 0;
	uint32_t *schools = NULL;
	for (size_t i = 0; i < n; i++) {
		const struct user *u = v[i] != RPT_NONE ? &r->users.v[v[i]] : NULL;
		for (uint32_t j = 0; j < (u ? u->nschools : 1); j++) {
			uint32_t s = u ? u->schools[j] : 0;
			if (has(schools, ns, s))
				continue;
			schools = xrealloc(schools, (ns + 1) * sizeof *schools);
			schools[ns++] = s;
		}
	}
	if (!ns) {
		schools = xrealloc(schools, sizeof *schools);
		schools[ns++] = 0;
	}
	for (size_t i = 0; i < ns; i++) {
		struct school *s = &r->schools.v[schools[i]];
		counted(s, RO_CONFLICT, RE_USER);
		rpt_add_row(s, W_CONFLICT, n ? v[0] : RPT_NONE, done(&in), done(&on), done(&t));
	}
	free(schools);
	r->counts[RO_CONFLICT][RE_USER]++;
}
