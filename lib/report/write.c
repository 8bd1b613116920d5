/*
 * The report itself: what the plan is, the guard's verdict, the counts
 * for the whole plan and per school, then each school (by name) with the
 * people its operations concern and its field changes. Everything is
 * sorted (schools by name and number, people by name then id), so the
 * same plan and state always give the same bytes.
 */
#include "report_int.h"

#include <stdlib.h>
#include <string.h>

#include "utf8.h"
#include "xalloc.h"

static const char *const entity_names[RE_N] = {"school", "term", "section",
					       "enrollment", "user", "appointment"};

/* ---- order ------------------------------------------------------------- */

static const rpt *sorting; /* qsort has no context argument in C11 */

static int school_cmp(const void *pa, const void *pb)
{
	const struct school *a = &sorting->schools.v[*(const uint32_t *)pa];
	const struct school *b = &sorting->schools.v[*(const uint32_t *)pb];
	bool anone = strcmp(a->id, "-") == 0, bnone = strcmp(b->id, "-") == 0;
	if (anone != bnone)
		return anone ? 1 : -1; /* the records with no school last */
	int c = utf8_collate(rpt_school_label(a), rpt_school_label(b));
	if (!c)
		c = utf8_collate(a->number, b->number);
	return c ? c : strcmp(a->id, b->id);
}

static const char *row_label(const rpt *r, const struct person_row *p)
{
	return p->user != RPT_NONE ? r->users.v[p->user].label : "";
}

static int row_cmp(const void *pa, const void *pb)
{
	const struct person_row *a = pa, *b = pb;
	if (a->who != b->who)
		return a->who < b->who ? -1 : 1;
	int c = utf8_collate(row_label(sorting, a), row_label(sorting, b));
	if (!c)
		c = utf8_collate(a->id, b->id);
	return c ? c : utf8_collate(a->a, b->a);
}

static int change_cmp(const void *pa, const void *pb)
{
	const struct change *a = pa, *b = pb;
	if (a->ent != b->ent)
		return a->ent < b->ent ? -1 : 1;
	return a->field < b->field ? -1 : a->field > b->field;
}

/* ---- small pieces ------------------------------------------------------ */

static const char *num(rpt *r, long long n)
{
	char *s = arena_alloc(r->scratch, 24);
	snprintf(s, 24, "%lld", n);
	return s;
}

static const char *cat(rpt *r, const char *a, const char *b, const char *c)
{
	size_t len = strlen(a) + strlen(b) + strlen(c) + 1;
	char *s = arena_alloc(r->scratch, len);
	snprintf(s, len, "%s%s%s", a, b, c);
	return s;
}

static const char *school_heading(rpt *r, const struct school *s)
{
	if (strcmp(s->id, "-") == 0)
		return "No school (terms; users and sections in no school)";
	const char *name = rpt_school_label(s);
	if (s->number)
		name = cat(r, name, " (", cat(r, s->number, ")", ""));
	if (s->created)
		return cat(r, name, ": new, created by this plan", "");
	if (!s->in_state)
		return cat(r, name, ": not in the state", "");
	return name;
}

static const char *person(const rpt *r, uint32_t u)
{
	if (u == RPT_NONE)
		return "(not in the state)";
	return *r->users.v[u].label ? r->users.v[u].label : "(no name)";
}

static const char *or_empty(const char *s)
{
	return s ? s : "";
}

/* ---- the parts ---------------------------------------------------------- */

static void about(rpt *r, out *o)
{
	const char *heads[2] = {"plan", r->header && r->plan_id ? r->plan_id
				: "(no header: written by hand)"};
	out_table(o, 2, heads, 0);
	const char *row[2];
#define ROW(k, v) (row[0] = (k), row[1] = (v), out_row(o, row))
	if (r->producer)
		ROW("made by", r->producer);
	if (r->created)
		ROW("made at", r->created);
	if (r->header) {
		const char *against = cat(r, "store version ", num(r, r->base), "");
		if (r->store)
			against = cat(r, against, ", store ", r->store);
		ROW("against", against);
	}
	ROW("state read", r->state_header ? cat(r, "snapshot version ", num(r, r->state_version),
						 r->state_store ? cat(r, ", store ", r->state_store, "")
								: "")
					  : r->state_records ? "records without a snapshot header (version 0)"
							     : "an empty store (version 0)");
	ROW("operations", num(r, r->nops));
	ROW("conflicts", num(r, r->counts[RO_CONFLICT][RE_USER]));
	if (r->held)
		ROW("held back as stored (rejected in the feed)", r->held);
	char limits[128];
	snprintf(limits, sizeof limits, "--max-delete-ratio %g, --guard-floor %lld%s%s",
		 r->o.guard.max_ratio, r->o.guard.floor,
		 r->o.guard.max_count >= 0 ? ", --max-delete-count " : "",
		 r->o.guard.max_count >= 0 ? num(r, r->o.guard.max_count) : "");
	ROW("guard limits", limits);
#undef ROW
	out_table_end(o);
}

static void note(out *o, const char *text)
{
	out_para_begin(o, "note");
	out_strong(o, "Note:", NULL);
	out_text(o, " ");
	out_text(o, text);
	out_para_end(o);
}

static void notes(rpt *r, out *o)
{
	char text[512];
	if (r->header && r->base != r->state_version) {
		snprintf(text, sizeof text, "the state given is version %lld, but the plan was "
			 "made against version %lld: the figures here are the state's, and apply "
			 "refuses an operation on a record changed since the plan was made.",
			 r->state_version, r->base);
		note(o, text);
	}
	if (r->store && r->state_store && strcmp(r->store, r->state_store) != 0)
		note(o, "the plan was made for another store than the one the state was read "
			"from: apply refuses a plan made for another store.");
	if (r->id_mismatch)
		note(o, "the plan's plan_id does not match its operations (edited after it was "
			"made?): apply refuses it.");
	if (r->unknown) {
		snprintf(text, sizeof text, "%ld operation%s name%s records the state does not "
			 "hold: listed as not in the state; apply refuses the plan as stale unless "
			 "the store holds them.", r->unknown, r->unknown == 1 ? "" : "s",
			 r->unknown == 1 ? "s" : "");
		note(o, text);
	}
	if (!r->nops)
		note(o, "the plan has no operations: apply changes nothing.");
}

static void verdict(rpt *r, out *o, const uint32_t *order, size_t n)
{
	size_t refused = 0;
	for (size_t i = 0; i < n; i++)
		refused += r->schools.v[order[i]].refused > 0;
	out_para_begin(o, refused ? "verdict refused" : "verdict passes");
	if (!refused) {
		out_strong(o, "The delete guard lets this plan through", "passes");
		out_text(o, ": no school loses more than the limits allow.");
		out_para_end(o);
		return;
	}
	out_strong(o, "The delete guard refuses this plan", "refused");
	out_text(o, refused == 1 ? " (apply exits 3 and changes nothing), in 1 school: "
				 : cat(r, " (apply exits 3 and changes nothing), in ",
				       num(r, (long long)refused), " schools: "));
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		const struct school *s = &r->schools.v[order[i]];
		if (!s->refused)
			continue;
		out_text(o, k++ ? "; " : "");
		out_text(o, strcmp(s->id, "-") == 0 ? "no school" : school_heading(r, s));
	}
	out_text(o, ". After review, apply --force lets it through, once; a plan the store "
		    "has moved on from is still refused (the stale check).");
	out_para_end(o);
}

/* Operations per entity (rows) and kind (columns: those the plan holds at
 * all, so every school's table has the same columns). */
static void counts_table(rpt *r, out *o, long counts[RO_N][RE_N])
{
	static const char *const ops[RO_N] = {"create", "update", "set", "link", "restore",
					      "soft delete", "hard delete", "delete",
					      "conflict"};
	const char *heads[RO_N + 1] = {"records"};
	int cols[RO_N], ncols = 0;
	unsigned numeric = 0;
	for (int k = 0; k < RO_N; k++)
		for (int e = 0; e < RE_N; e++)
			if (r->counts[k][e]) {
				cols[ncols] = k;
				heads[++ncols] = ops[k];
				numeric |= 1u << ncols;
				break;
			}
	out_table(o, ncols + 1, heads, numeric);
	static const char *const plural[RE_N] = {"schools", "terms", "sections",
						 "enrollments", "users", "appointments"};
	for (int e = 0; e < RE_N; e++) {
		const char *row[RO_N + 1] = {plural[e]};
		bool any = false;
		for (int i = 0; i < ncols; i++) {
			long n = counts[cols[i]][e];
			row[i + 1] = n ? num(r, n) : "";
			any |= n != 0;
		}
		if (any)
			out_row(o, row);
	}
	out_table_end(o);
}

static void overview(rpt *r, out *o, const uint32_t *order, size_t n)
{
	static const char *const heads[7] = {"school", "number", "id", "operations",
					     "soft-deletes", "hard-deletes", "guard"};
	out_heading(o, 2, "Schools");
	out_table(o, 7, heads, 8 | 16 | 32);
	for (size_t i = 0; i < n; i++) {
		const struct school *s = &r->schools.v[order[i]];
		bool none = strcmp(s->id, "-") == 0;
		const char *row[7] = {none ? "(no school)" : rpt_school_label(s), or_empty(s->number),
				      none ? "" : s->id, num(r, s->ops), num(r, s->taken.soft),
				      num(r, s->taken.hard), s->refused ? "refused" : "passes"};
		out_row(o, row);
	}
	out_table_end(o);
}

static const char *loss_what(rpt *r, const struct guard_loss *l)
{
	switch (l->kind) {
	case GUARD_SOFT:
		return "active users soft-deleted";
	case GUARD_HARD:
		return "users hard-deleted";
	case GUARD_SECTIONS:
		return "sections deleted (net of creates)";
	case GUARD_ENROLLMENTS:
		return "enrollments deleted (net of creates)";
	case GUARD_MOVED_OUT:
		return "users taken out of the school";
	case GUARD_CLEARED:
		break;
	}
	return cat(r, "users' ", l->field, " cleared");
}

static void guard(rpt *r, out *o, const struct school *s)
{
	struct guard_loss l[GUARD_MAX_LOSSES];
	size_t n = rpt_losses(s, l);
	char text[256];
	out_para_begin(o, s->refused ? "verdict refused" : "verdict passes");
	out_strong(o, s->refused ? "Guard: refused." : "Guard: passes.",
		   s->refused ? "refused" : "passes");
	for (size_t k = 0; k < n; k++) {
		if (!guard_over(&r->o.guard, &l[k]))
			continue;
		guard_loss_text(&r->o.guard, &l[k], text, sizeof text);
		out_text(o, " The plan would ");
		out_text(o, text);
		out_text(o, ".");
	}
	if (!n)
		out_text(o, " Nothing it holds is deleted, cleared or moved out.");
	out_para_end(o);
	if (!n)
		return;
	static const char *const heads[5] = {"what the plan takes", "count", "of", "share",
					     "verdict"};
	out_table(o, 5, heads, 2 | 4 | 8);
	for (size_t k = 0; k < n; k++) {
		char share[16];
		snprintf(share, sizeof share, "%.1f%%", 100.0 * guard_share(&l[k]));
		bool over = guard_over(&r->o.guard, &l[k]);
		const char *row[5] = {
			loss_what(r, &l[k]), num(r, l[k].n), num(r, l[k].of), share,
			over ? "over the limit"
			: guard_small_group(&r->o.guard, &l[k]) ? "a small group: not held to the ratio"
						     : "within the limit"};
		out_row(o, row);
	}
	out_table_end(o);
}

/* The lists of people, one table each. */
static void people(rpt *r, out *o, const struct school *s)
{
	static const struct {
		const char *title;
		int ncols;
		const char *heads[5];
	} lists[W_N] = {
		[W_SOFT] = {"Soft-deleted", 5, {"name", "id", "role", "grade", "reason"}},
		[W_HARD] = {"Hard-deleted, removed for good", 4,
			    {"name", "id", "role", "soft-deleted at"}},
		[W_RESTORE] = {"Restored", 4, {"name", "id", "role", "grade"}},
		[W_LINK] = {"Linked to a new identifier", 4,
			    {"name", "id", "matched on", "identifiers added"}},
		[W_CONFLICT] = {"Conflicts left for a person", 3,
				{"incoming user", "matched on", "stored candidates"}},
		[W_LEAVING] = {"Leaving for another school", 4, {"name", "id", "role", "now in"}},
		[W_JOINING] = {"Joining from another school", 4, {"name", "id", "role", "from"}},
	};
	for (size_t i = 0; i < s->nrows;) {
		int who = s->rows[i].who;
		size_t end = i;
		while (end < s->nrows && s->rows[end].who == who)
			end++;
		char title[96];
		snprintf(title, sizeof title, "%s (%zu)", lists[who].title, end - i);
		out_heading(o, 3, title);
		out_table(o, lists[who].ncols, lists[who].heads, 0);
		for (; i < end; i++) {
			const struct person_row *p = &s->rows[i];
			const struct user *u = p->user != RPT_NONE ? &r->users.v[p->user] : NULL;
			const char *role = u ? or_empty(u->role) : "", *grade = u ? or_empty(u->grade) : "";
			const char *row[5] = {person(r, p->user), p->id, role, "", ""};
			switch (who) {
			case W_SOFT:
				row[3] = grade, row[4] = or_empty(p->a);
				break;
			case W_HARD:
				row[3] = or_empty(p->a);
				break;
			case W_RESTORE:
				row[3] = grade;
				break;
			case W_LINK:
				row[2] = or_empty(p->a), row[3] = or_empty(p->b);
				break;
			case W_CONFLICT:
				row[0] = p->id, row[1] = or_empty(p->a), row[2] = or_empty(p->b);
				break;
			default: /* leaving, joining */
				row[3] = or_empty(p->a);
			}
			out_row(o, row);
		}
		out_table_end(o);
	}
}

static void changes(rpt *r, out *o, struct school *s)
{
	if (!s->nchanges)
		return;
	qsort(s->changes, s->nchanges, sizeof *s->changes, change_cmp);
	out_heading(o, 3, "Field changes");
	static const char *const heads[4] = {"record", "field", "changed", "cleared"};
	out_table(o, 4, heads, 4 | 8);
	for (size_t i = 0; i < s->nchanges; i++) {
		const struct change *c = &s->changes[i];
		const char *row[4] = {entity_names[c->ent], rpt_entities[c->ent]->fields[c->field].name,
				      num(r, c->changed), num(r, c->cleared)};
		out_row(o, row);
	}
	out_table_end(o);
	out_heading(o, 3, "Examples (the first by name)");
	static const char *const eheads[6] = {"record", "field", "name", "id", "was", "now"};
	out_table(o, 6, eheads, 0);
	for (size_t i = 0; i < s->nchanges; i++) {
		const struct change *c = &s->changes[i];
		for (int k = 0; k < c->nex; k++) {
			const struct example *x = &c->ex[k];
			const char *row[6] = {entity_names[c->ent],
					      rpt_entities[c->ent]->fields[c->field].name,
					      x->label, x->id, x->was, x->now};
			out_row(o, row);
		}
	}
	out_table_end(o);
}

static void school_part(rpt *r, out *o, struct school *s)
{
	bool none = strcmp(s->id, "-") == 0;
	out_section_begin(o, "school", none ? "no-school" : cat(r, "school-", s->id, ""));
	out_heading(o, 2, school_heading(r, s));
	char text[256];
	snprintf(text, sizeof text, "%s%s%s holds %lld user%s (%lld active), %lld section%s and "
		 "%lld enrollment%s.", none ? "The state" : "School ", none ? "" : s->id,
		 none ? ", outside any school," : " in the state", s->users,
		 s->users == 1 ? "" : "s", s->active, s->sections, s->sections == 1 ? "" : "s",
		 s->enrollments, s->enrollments == 1 ? "" : "s");
	if (s->created)
		snprintf(text, sizeof text, "Created by this plan as %s.", s->id);
	out_para_begin(o, NULL);
	out_text(o, text);
	out_para_end(o);
	guard(r, o, s);
	out_heading(o, 3, "Operations");
	counts_table(r, o, s->counts);
	sorting = r;
	if (s->nrows > 1)
		qsort(s->rows, s->nrows, sizeof *s->rows, row_cmp);
	people(r, o, s);
	changes(r, o, s);
	out_section_end(o);
}

int rpt_write(rpt *r, FILE *f)
{
	rpt_judge(r);
	uint32_t *order = xmalloc((r->schools.n + 1) * sizeof *order);
	size_t n = 0;
	for (size_t i = 0; i < r->schools.n; i++)
		if (r->schools.v[i].ops || r->schools.v[i].nrows)
			order[n++] = (uint32_t)i;
	sorting = r;
	qsort(order, n, sizeof *order, school_cmp);

	out *o = out_new(f, r->o.format == RPT_HTML);
	char title[96];
	snprintf(title, sizeof title, "Review of plan %.12s",
		 r->header && r->plan_id ? r->plan_id : "(no header)");
	out_doc_begin(o, title);
	about(r, o);
	verdict(r, o, order, n);
	notes(r, o);
	if (r->nops || r->counts[RO_CONFLICT][RE_USER]) {
		out_heading(o, 2, "Operations in the whole plan");
		counts_table(r, o, r->counts);
		overview(r, o, order, n);
	}
	for (size_t i = 0; i < n; i++) {
		school_part(r, o, &r->schools.v[order[i]]);
		arena_reset(r->scratch);
	}
	out_doc_end(o);
	free(order);
	return out_free(o);
}
