/*
 * The mapping table, both ways: written for a person to review before a
 * migration (--mapping, with a report), and read back once reviewed
 * (--links) as links taken before any other matching.
 */
#include "diff_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csvr.h"
#include "csvw.h"
#include "docout.h"
#include "err.h"
#include "idset.h"
#include "input.h"
#include "outdir.h"
#include "utf8.h"
#include "xalloc.h"

/* ---- a reviewed mapping table ----------------------------------------- */

static void link_error(const char *path, long row, const char *field,
		       const char *fmt, const char *arg)
{
	struct rp_loc loc = {.file = path, .line = row, .field = field,
			     .code = "bad_mapping"};
	rp_error(&loc, fmt, arg);
}

/* The links taken so far, by incoming user and by stored user (index + 1,
 * never 0): a row's look-up for an earlier link is one probe, not a scan. */
struct linked {
	idset *in, *state;
};

/* One row of the table: stored id, incoming source and source id. */
/* A cell as the table was written: csvw puts a ' before a value starting
 * with = + - @ (so that a spreadsheet does not take it for a formula),
 * which a person's edit keeps. */
static const char *unescaped(const char *cell)
{
	return cell && cell[0] == '\'' && cell[1] && strchr("=+-@", cell[1]) ? cell + 1 : cell;
}

/* stored_id without the spaces a hand edit leaves around it, in the
 * scratch arena; several ids (an ambiguous row) keep theirs between */
static const char *trimmed(diff *d, const char *s)
{
	if (!s)
		return s;
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	return arena_strndup(d->scratch, s, n);
}

static void add_link(diff *d, struct linked *links, const char *path, long row,
		     const char *stored, const char *source, const char *sid)
{
	arena_reset(d->scratch);
	stored = trimmed(d, stored);
	if (!stored || !*stored || !sid || !*sid || strchr(stored, ' '))
		return; /* unmatched or left undecided: not a link */
	if (!source || !*source)
		source = d->in_source ? d->in_source : "";
	const struct item *st = dr_state_of(d, EU, stored);
	uint32_t n = index_first(&d->by_source[1][EU], source, sid);
	if (!st) {
		link_error(path, row, "stored_id", "no stored user \"%s\"", stored);
		return;
	}
	if (n == NONE) {
		link_error(path, row, "source_id",
			   "no incoming user \"%s\" in the feed", sid);
		return;
	}
	uint32_t in = d->by_source[1][EU].nodes[n].item;
	uint32_t state = (uint32_t)(st - d->state[EU].v);
	bool in_taken = idset_get(links->in, (uint64_t)in + 1, NULL);
	if (in_taken || idset_get(links->state, (uint64_t)state + 1, NULL)) {
		link_error(path, row, in_taken ? "source_id" : "stored_id",
			   "\"%s\" is linked by an earlier row already",
			   in_taken ? sid : stored);
		return;
	}
	/* a stored user that holds another id of this source is linked
	 * already, unless the feed no longer holds that id: then the row
	 * re-keys the user (a new export of the same source) */
	rec r;
	unpack(d, st->rec, &REC_USER, &r);
	const char *had = rec_map_get(&r, U_IDS, source);
	bool taken = had && strcmp(had, sid) != 0 &&
		     index_first(&d->by_source[1][EU], source, had) != NONE;
	if (taken)
		link_error(path, row, "stored_id",
			   "\"%s\" is linked to another id of that source already",
			   stored);
	if (taken)
		return;
	if (d->nlinks == d->links_cap) {
		d->links_cap = d->links_cap ? d->links_cap * 2 : 64;
		d->links = xrealloc(d->links, d->links_cap * sizeof *d->links);
	}
	d->links[d->nlinks++] = (struct link){in, state, row};
	d->links_path = path;
	idset_put(links->in, (uint64_t)in + 1, 0, NULL);
	idset_put(links->state, (uint64_t)state + 1, 0, NULL);
}

static struct linked linked_new(const diff *d)
{
	struct linked t = {idset_new(), idset_new()};
	for (size_t l = 0; l < d->nlinks; l++) { /* from an earlier table */
		idset_put(t.in, (uint64_t)d->links[l].in + 1, 0, NULL);
		idset_put(t.state, (uint64_t)d->links[l].state + 1, 0, NULL);
	}
	return t;
}

static void linked_free(struct linked *t)
{
	idset_free(t->in);
	idset_free(t->state);
}

int diff_read_links(diff *d, const char *path)
{
	long errors = rp_error_count();
	struct linked taken = linked_new(d);
	size_t len = strlen(path);
	if (len > 7 && strcmp(path + len - 7, ".ndjson") == 0) {
		nd_reader *r = nd_reader_open(path);
		if (!r)
			rp_die(RP_EXIT_IO, "%s: cannot open", path);
		cJSON *o;
		int got;
		/* mapping rows carry "type":"mapping" */
		while ((got = nd_next(r, &o)) > 0 || got == -1)
			if (got > 0)
				add_link(d, &taken, path, nd_line(r), nd_get_str(o, "stored_id"),
					 nd_get_str(o, "source"), nd_get_str(o, "source_id"));
		nd_reader_free(r);
		linked_free(&taken);
		return rp_error_count() == errors ? 0 : -1;
	}
	rp_input *in = rp_input_open(path);
	if (!in)
		rp_die(RP_EXIT_IO, "%s: cannot open", path);
	csvr *c = csvr_new(in);
	int rc = csvr_header(c);
	int stored = csvr_col(c, "stored_id"), source = csvr_col(c, "source"),
	    sid = csvr_col(c, "source_id");
	if (rc <= 0 || stored < 0 || sid < 0) {
		link_error(path, 1, stored < 0 ? "stored_id" : "source_id",
			   "a mapping table needs stored_id and source_id columns%s", "");
		csvr_free(c);
		linked_free(&taken);
		return -1;
	}
	while ((rc = csvr_next(c)) != 0) {
		if (rc < 0) {
			link_error(path, csvr_line(c), csvr_errcol(c), "%s", csvr_errmsg(c));
			if (rc == -2)
				break;
			continue;
		}
		add_link(d, &taken, path, csvr_line(c), unescaped(csvr_field(c, (size_t)stored)),
			 source >= 0 ? unescaped(csvr_field(c, (size_t)source)) : NULL,
			 unescaped(csvr_field(c, (size_t)sid)));
	}
	csvr_free(c);
	linked_free(&taken);
	return rp_error_count() == errors ? 0 : -1;
}

/* ---- the mapping table for review ------------------------------------- */

/* "Given Family" of a kept user record, into the scratch arena. */
static const char *person(diff *d, const struct item *it)
{
	rec r;
	unpack(d, it->rec, &REC_USER, &r);
	const char *g = rec_str(&r, U_GIVEN_NAME), *f = rec_str(&r, U_FAMILY_NAME);
	char *name = arena_alloc(d->scratch, (g ? strlen(g) : 0) + (f ? strlen(f) : 0) + 2);
	sprintf(name, "%s%s%s", g ? g : "", g && f ? " " : "", f ? f : "");
	return name;
}

struct mapping_counts {
	const char *on[MAX_MATCH + 2];
	long matched[MAX_MATCH + 2];
	int non;
	long ambiguous, unmatched_in, unmatched_stored, hands_off;
};

static void count_match(struct mapping_counts *c, const char *on)
{
	int i = 0;
	while (i < c->non && strcmp(c->on[i], on) != 0)
		i++;
	if (i == c->non && c->non < MAX_MATCH + 2)
		c->on[c->non++] = on;
	if (i < MAX_MATCH + 2)
		c->matched[i]++;
}

/* ---- the report for people ------------------------------------------ */

/*
 * The report a person reads before a migration (--html, or --report with a
 * .md name): the counts, the incoming users per school, then the lists a
 * person must decide, each sorted by school (by name) then by name: the
 * matches on a weaker identifier (an email: people share and reuse them),
 * the ambiguous, the unmatched on both sides, and possible matches among
 * the unmatched by name and birth date. Those are offered for review only:
 * they are not links, and the mapping table leaves them unmatched.
 */
struct report {
	out *o;
	diff *d;
	rp_arena *a;
};

static void para(struct report *r, const char *text)
{
	out_para_begin(r->o, NULL);
	out_text(r->o, text);
	out_para_end(r->o);
}

/* A list's table, or "None." when it has no rows. */
static bool list(struct report *r, size_t rows, int n, const char *const *heads)
{
	if (!rows)
		para(r, "None.");
	else
		out_table(r->o, n, heads, 0);
	return rows != 0;
}

/* One person of either side, as the report shows and sorts them. */
struct who {
	const struct item *it;
	bool state;
	const char *name;	  /* "Given Family", as in the table */
	const char *given, *family, *birth;
	const char *school;	  /* the first of its schools by name: the sort key */
	const char *schools;	  /* all of them, by name */
	const char *id;		  /* incoming: source id; stored: store id */
};

static const char *school_name(struct report *r, const struct item *u, bool state,
			       const char *ref)
{
	diff *d = r->d;
	/* a store id (stored users; incoming ones once matching translated
	 * their references), a source id, or SOURCE:SOURCE_ID */
	const struct item *s = dr_state_of(d, ES, ref);
	const char *colon = strchr(ref, ':');
	uint32_t n = NONE;
	if (!s && !state) {
		n = index_first(&d->by_source[1][ES], u->source, ref);
		if (n == NONE && colon) {
			char *source = arena_strndup(r->a, ref, (size_t)(colon - ref));
			n = index_first(&d->by_source[1][ES], source, colon + 1);
		}
		if (n != NONE)
			s = &d->in[ES].v[d->by_source[1][ES].nodes[n].item];
	}
	if (!s)
		return ref;
	rec k;
	unpack(d, s->rec, &REC_SCHOOL, &k);
	return rec_str(&k, S_NAME) ? rec_str(&k, S_NAME) : ref;
}

static char *joined(rp_arena *a, const char *x, const char *sep, const char *y)
{
	size_t len = strlen(x) + strlen(sep) + strlen(y) + 1;
	char *s = arena_alloc(a, len);
	snprintf(s, len, "%s%s%s", x, sep, y);
	return s;
}

static struct who who_of(struct report *r, const struct item *it, bool state)
{
	rec k;
	unpack(r->d, it->rec, &REC_USER, &k);
	struct who w = {.it = it, .state = state, .id = state ? it->id : it->source_id,
			.given = rec_str(&k, U_GIVEN_NAME), .family = rec_str(&k, U_FAMILY_NAME),
			.birth = rec_str(&k, U_BIRTH_DATE), .school = "(no school)",
			.schools = "(no school)"};
	w.name = joined(r->a, w.given ? w.given : "", w.given && w.family ? " " : "",
			w.family ? w.family : "");
	for (uint32_t i = 0; i < it->nrefs; i++) {
		const char *name = school_name(r, it, state, it->refs[i]);
		if (i == 0 || utf8_collate(name, w.school) < 0)
			w.school = name;
		w.schools = i ? joined(r->a, w.schools, "; ", name) : name;
	}
	return w;
}

/* "(no school)" after the schools */
static int school_cmp(const char *a, const char *b)
{
	bool anone = strcmp(a, "(no school)") == 0, bnone = strcmp(b, "(no school)") == 0;
	return anone != bnone ? (anone ? 1 : -1) : utf8_collate(a, b);
}

static int who_cmp(const void *pa, const void *pb)
{
	const struct who *a = pa, *b = pb;
	int c = school_cmp(a->school, b->school);
	if (!c)
		c = utf8_collate(a->family, b->family);
	if (!c)
		c = utf8_collate(a->given, b->given);
	return c ? c : strcmp(a->id, b->id);
}

/* The identifiers a school's systems issue and keep (and a reviewed row,
 * and the source's own id); anything else (an email, a username) is a
 * weaker match a person should check. */
static bool weak_match(const char *on)
{
	static const char *const strong[] = {"source_id", "mapping", "sis_id", "state_id",
					     "student_number"};
	if (!on || strncmp(on, "ids.", 4) == 0)
		return false;
	for (size_t i = 0; i < sizeof strong / sizeof *strong; i++)
		if (strcmp(on, strong[i]) == 0)
			return false;
	return true;
}

/* A unique match on a weaker identifier (not a user left alone). */
static bool is_weak(diff *d, const struct item *u)
{
	return !u->conflict && u->match != NONE && weak_match(u->matched_on) &&
	       !d->state[EU].v[u->match].hands_off;
}

/* "Given Family (id); ..." of a conflict's candidates, by name. */
static const char *candidates(struct report *r, const struct item *u)
{
	size_t n;
	uint32_t *cand = dr_candidates(r->d, u, &n);
	struct who *v = arena_alloc(r->a, (n ? n : 1) * sizeof *v);
	for (size_t i = 0; i < n; i++)
		v[i] = who_of(r, &r->d->state[EU].v[cand[i]], true);
	free(cand);
	qsort(v, n, sizeof *v, who_cmp);
	const char *s = "";
	for (size_t i = 0; i < n; i++)
		s = joined(r->a, s, i ? "; " : "",
			   joined(r->a, v[i].name, " (", joined(r->a, v[i].id, ")", "")));
	return s;
}

static const char *num(struct report *r, long n)
{
	char *s = arena_alloc(r->a, 24);
	snprintf(s, 24, "%ld", n);
	return s;
}

static const char *folded(rp_arena *a, const char *s)
{
	char *out = arena_alloc(a, (s ? strlen(s) : 0) + 1);
	utf8_fold(s, out);
	return out;
}

struct per_school {
	const char *name;
	long n[4]; /* matched, of them on a weaker identifier, ambiguous, unmatched */
};

static int per_school_cmp(const void *pa, const void *pb)
{
	const struct per_school *a = pa, *b = pb;
	return school_cmp(a->name, b->name);
}

static void write_report(diff *d, FILE *f, bool md, const struct mapping_counts *counts)
{
	struct report rep = {.o = out_new(f, !md), .d = d, .a = arena_new()}, *r = &rep;
	/* everyone the lists name, sorted by school then name */
	size_t nin = d->in[EU].n, nst = 0;
	struct who *in = xmalloc((nin + 1) * sizeof *in);
	struct who *st = xmalloc((d->state[EU].n + 1) * sizeof *st);
	for (size_t i = 0; i < nin; i++)
		in[i] = who_of(r, &d->in[EU].v[i], false);
	for (size_t j = 0; j < d->state[EU].n; j++) {
		const struct item *s = &d->state[EU].v[j];
		if (s->match == NONE && !s->protect)
			st[nst++] = who_of(r, s, true);
	}
	qsort(in, nin, sizeof *in, who_cmp);
	qsort(st, nst, sizeof *st, who_cmp);

	/* possible matches: an unmatched incoming user and an unmatched stored
	 * one with the same name (case and accents aside) and birth date */
	struct index by_name = {0};
	for (size_t j = 0; j < nst; j++)
		if (st[j].family && st[j].given)
			index_add(&by_name, folded(r->a, st[j].family), folded(r->a, st[j].given),
				  (uint32_t)j);
	struct pair {
		size_t in, st;
	} *pairs = NULL;
	size_t npairs = 0;
	for (size_t i = 0; i < nin; i++) {
		const struct item *u = in[i].it;
		if (u->conflict || u->match != NONE || !in[i].family || !in[i].given || !in[i].birth)
			continue;
		const char *fam = folded(r->a, in[i].family), *giv = folded(r->a, in[i].given);
		INDEX_EACH(&by_name, fam, giv, k) {
			size_t j = by_name.nodes[k].item;
			if (!st[j].birth || strcmp(st[j].birth, in[i].birth) != 0)
				continue;
			pairs = xrealloc(pairs, (npairs + 1) * sizeof *pairs);
			pairs[npairs++] = (struct pair){i, j};
		}
	}
	idset_free(by_name.heads);
	free(by_name.nodes);

	out_doc_begin(r->o, "Migration mapping");
	static const char *const count_heads[2] = {"identifier", "users"};
	out_table(r->o, 2, count_heads, 2);
	for (int i = 0; i < counts->non; i++) {
		const char *cells[2] = {joined(r->a, "matched on ", counts->on[i],
					       weak_match(counts->on[i]) ? " (weaker: check each)" : ""),
					num(r, counts->matched[i])};
		out_row(r->o, cells);
	}
	const char *labels[] = {"ambiguous", "incoming, unmatched", "stored, unmatched",
				"left alone (ignore_on_import or manual)",
				"possible matches by name and birth date (for review)"};
	long values[] = {counts->ambiguous, counts->unmatched_in, counts->unmatched_stored,
			 counts->hands_off, (long)npairs};
	for (int i = 0; i < 5; i++) {
		const char *cells[2] = {labels[i], num(r, values[i])};
		out_row(r->o, cells);
	}
	out_table_end(r->o);

	/* incoming users per school, by the school's name */
	struct per_school *ps = NULL;
	size_t nps = 0;
	for (size_t i = 0; i < nin; i++) {
		const struct item *u = in[i].it;
		int k = u->conflict ? 2 : u->match == NONE ? 3 : 0;
		for (uint32_t s = 0; s < (u->nrefs ? u->nrefs : 1); s++) {
			const char *name = u->nrefs ? school_name(r, u, false, u->refs[s]) : "(no school)";
			size_t j = 0;
			while (j < nps && strcmp(ps[j].name, name) != 0)
				j++;
			if (j == nps) {
				ps = xrealloc(ps, (nps + 1) * sizeof *ps);
				ps[nps++] = (struct per_school){name, {0, 0, 0, 0}};
			}
			ps[j].n[k]++;
			ps[j].n[1] += is_weak(d, u);
		}
	}
	if (nps > 1)
		qsort(ps, nps, sizeof *ps, per_school_cmp);
	out_heading(r->o, 2, "Incoming users per school");
	static const char *const school_heads[5] = {"school", "matched", "of them on a weaker identifier",
						   "ambiguous", "unmatched"};
	out_table(r->o, 5, school_heads, 2 | 4 | 8 | 16);
	for (size_t j = 0; j < nps; j++) {
		const char *cells[5] = {ps[j].name, num(r, ps[j].n[0]), num(r, ps[j].n[1]),
					num(r, ps[j].n[2]), num(r, ps[j].n[3])};
		out_row(r->o, cells);
	}
	out_table_end(r->o);
	free(ps);

	size_t nweak = 0, nconflict = 0, nunmatched = 0;
	for (size_t i = 0; i < nin; i++) {
		const struct item *u = in[i].it;
		nconflict += u->conflict;
		nunmatched += !u->conflict && u->match == NONE;
		nweak += is_weak(d, u);
	}

	out_heading(r->o, 2, "Matched on a weaker identifier: check each");
	para(r, "An email or a username can be shared or passed on; a match on one is a "
		"link all the same. Check that each pair is one person.");
	static const char *const weak_heads[6] = {"school", "incoming name", "incoming id",
						 "stored name", "stored id", "matched on"};
	if (list(r, nweak, 6, weak_heads)) {
		for (size_t i = 0; i < nin; i++) {
			const struct item *u = in[i].it;
			if (!is_weak(d, u))
				continue;
			struct who s = who_of(r, &d->state[EU].v[u->match], true);
			const char *cells[6] = {in[i].schools, in[i].name, in[i].id, s.name, s.id,
						u->matched_on};
			out_row(r->o, cells);
		}
		out_table_end(r->o);
	}

	out_heading(r->o, 2, "Ambiguous incoming users");
	static const char *const amb_heads[5] = {"school", "name", "incoming id", "matched on",
						"stored candidates"};
	if (list(r, nconflict, 5, amb_heads)) {
		for (size_t i = 0; i < nin; i++)
			if (in[i].it->conflict) {
				const char *cells[5] = {in[i].schools, in[i].name, in[i].id,
							in[i].it->matched_on ? in[i].it->matched_on : "",
							candidates(r, in[i].it)};
				out_row(r->o, cells);
			}
		out_table_end(r->o);
	}

	out_heading(r->o, 2, "Incoming users no stored user matched");
	static const char *const in_heads[4] = {"school", "name", "incoming id", "birth date"};
	if (list(r, nunmatched, 4, in_heads)) {
		for (size_t i = 0; i < nin; i++)
			if (!in[i].it->conflict && in[i].it->match == NONE) {
				const char *cells[4] = {in[i].schools, in[i].name, in[i].id,
							in[i].birth ? in[i].birth : ""};
				out_row(r->o, cells);
			}
		out_table_end(r->o);
	}

	out_heading(r->o, 2, "Stored users no incoming user matched");
	static const char *const st_heads[6] = {"school", "name", "stored id", "birth date",
					       "deleted", "source"};
	if (list(r, nst, 6, st_heads)) {
		for (size_t j = 0; j < nst; j++) {
			const char *cells[6] = {st[j].schools, st[j].name, st[j].id,
						st[j].birth ? st[j].birth : "",
						st[j].it->deleted ? "yes" : "", st[j].it->source};
			out_row(r->o, cells);
		}
		out_table_end(r->o);
	}

	out_heading(r->o, 2, "Possible matches by name and birth date (for review)");
	para(r, "Unmatched on both sides, with the same name (case and accents aside) and "
		"birth date. These are not links: the mapping table leaves both unmatched, "
		"and migrate links nothing on a name. To take one, write the stored id into "
		"the incoming user's row of the table.");
	static const char *const pair_heads[7] = {"school", "incoming name", "incoming id",
						 "stored name", "stored id", "stored school",
						 "birth date"};
	if (list(r, npairs, 7, pair_heads)) {
		for (size_t p = 0; p < npairs; p++) {
			const struct who *a = &in[pairs[p].in], *b = &st[pairs[p].st];
			const char *cells[7] = {a->schools, a->name, a->id, b->name, b->id,
						b->schools, a->birth};
			out_row(r->o, cells);
		}
		out_table_end(r->o);
	}
	out_doc_end(r->o);
	out_free(r->o);
	free(pairs);
	free(in);
	free(st);
	arena_free(rep.a);
}

int diff_write_mapping(diff *d, nd_writer *w, const char *report_path)
{
	dr_match_all(d);
	struct mapping_counts counts = {0};
	static const char *const header[] = {"stored_id", "source", "source_id",
					     "matched_on", "confidence",
					     "incoming_name", "stored_name"};
	for (int i = 0; i < 7; i++)
		csvw_cell(w, header[i], i == 6);
	for (uint32_t i = 0; i < d->in[EU].n; i++) {
		const struct item *u = &d->in[EU].v[i];
		arena_reset(d->scratch);
		const char *confidence = "unmatched", *stored = "", *stored_name = "";
		if (u->conflict) {
			size_t nc;
			uint32_t *cand = dr_candidates(d, u, &nc);
			size_t len = 0;
			for (size_t c = 0; c < nc; c++)
				len += strlen(d->state[EU].v[cand[c]].id) + 1;
			char *list = arena_alloc(d->scratch, len + 1);
			list[0] = '\0';
			for (size_t c = 0; c < nc; c++) {
				strcat(list, c ? " " : "");
				strcat(list, d->state[EU].v[cand[c]].id);
			}
			free(cand);
			stored = list;
			confidence = "ambiguous";
		} else if (u->match != NONE) {
			const struct item *st = &d->state[EU].v[u->match];
			stored = st->id;
			stored_name = person(d, st);
			confidence = st->hands_off ? "hands_off" : "unique";
		}
		const char *name = person(d, u);
		const char *cells[7] = {stored, u->source, u->source_id,
					u->conflict || u->match != NONE ? u->matched_on : "",
					confidence, name, stored_name};
		for (int c = 0; c < 7; c++)
			csvw_cell(w, cells[c], c == 6);
		if (u->conflict)
			counts.ambiguous++;
		else if (u->match == NONE)
			counts.unmatched_in++;
		else if (d->state[EU].v[u->match].hands_off)
			counts.hands_off++;
		else
			count_match(&counts, u->matched_on);
	}
	for (uint32_t j = 0; j < d->state[EU].n; j++) {
		const struct item *st = &d->state[EU].v[j];
		if (st->match != NONE || st->protect)
			continue;
		arena_reset(d->scratch);
		const char *cells[7] = {st->id, "", "", "", "unmatched", "", person(d, st)};
		for (int c = 0; c < 7; c++)
			csvw_cell(w, cells[c], c == 6);
		counts.unmatched_stored++;
	}
	if (report_path) {
		size_t len = strlen(report_path);
		/* personal data (names): 0600, created new, never written
		 * through a link planted at its name */
		rp_outfile *out = rp_outfile_open(report_path);
		if (!out)
			exit(RP_EXIT_IO);
		arena_reset(d->scratch);
		write_report(d, rp_outfile_stream(out),
			     len > 3 && strcmp(report_path + len - 3, ".md") == 0, &counts);
		if (rp_outfile_commit(out) != 0)
			exit(RP_EXIT_IO);
	}
	if (!rp_policy.quiet) {
		for (int i = 0; i < counts.non; i++)
			rp_warnx("matched on %s: %ld", counts.on[i], counts.matched[i]);
		rp_warnx("ambiguous: %ld", counts.ambiguous);
		rp_warnx("incoming users unmatched: %ld", counts.unmatched_in);
		rp_warnx("stored users unmatched: %ld", counts.unmatched_stored);
		if (counts.hands_off)
			rp_warnx("left alone (ignore_on_import or manual): %ld",
				 counts.hands_off);
	}
	return 0;
}
