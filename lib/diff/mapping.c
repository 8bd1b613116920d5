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
#include "err.h"
#include "idset.h"
#include "input.h"
#include "strtab.h"
#include "xalloc.h"

/* ---- a reviewed mapping table ----------------------------------------- */

static void link_error(const char *path, long row, const char *field,
		       const char *fmt, const char *arg)
{
	struct rp_loc loc = {.file = path, .line = row, .field = field,
			     .code = "bad_mapping"};
	rp_error(&loc, fmt, arg);
}

/* One row of the table: stored id, incoming source and source id. */
/* The links taken so far, by incoming user and by stored user (index + 1,
 * never 0): a row's look-up for an earlier link is one probe, not a scan. */
struct linked {
	idset *in, *state;
};

static void add_link(diff *d, struct linked *links, const char *path, long row,
		     const char *stored, const char *source, const char *sid)
{
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
	/* a stored user that holds another id of this source is linked already */
	arena_reset(d->scratch);
	rec r;
	unpack(d, st->rec, &REC_USER, &r);
	const char *had = rec_map_get(&r, U_IDS, source);
	bool taken = had && strcmp(had, sid) != 0;
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
	d->links[d->nlinks++] = (struct link){in, state};
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
		add_link(d, &taken, path, csvr_line(c), csvr_field(c, (size_t)stored),
			 source >= 0 ? csvr_field(c, (size_t)source) : NULL,
			 csvr_field(c, (size_t)sid));
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

static void html_text(FILE *f, const char *s)
{
	for (; s && *s; s++)
		switch (*s) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		default: fputc(*s, f);
		}
}

struct report {
	FILE *f;
	bool md;
};

static void report_row(struct report *r, const char *a, const char *b,
		       const char *c, const char *e)
{
	const char *cells[4] = {a, b, c, e};
	if (r->md) {
		for (int i = 0; i < 4; i++) {
			fputs("| ", r->f);
			for (const char *p = cells[i]; p && *p; p++)
				fputs(*p == '|' ? "\\|" : (char[2]){*p, 0}, r->f);
			fputc(' ', r->f);
		}
		fputs("|\n", r->f);
		return;
	}
	fputs("<tr>", r->f);
	for (int i = 0; i < 4; i++) {
		fputs("<td>", r->f);
		html_text(r->f, cells[i]);
		fputs("</td>", r->f);
	}
	fputs("</tr>\n", r->f);
}

static void report_heading(struct report *r, const char *title, const char *a,
			   const char *b, const char *c, const char *e)
{
	if (r->md) {
		fprintf(r->f, "\n## %s\n\n| %s | %s | %s | %s |\n|---|---|---|---|\n",
			title, a, b, c, e);
	} else {
		fputs("</table>\n<h2>", r->f);
		html_text(r->f, title);
		fprintf(r->f, "</h2>\n<table>\n<tr><th>%s</th><th>%s</th><th>%s</th>"
			      "<th>%s</th></tr>\n", a, b, c, e);
	}
}

/* Incoming users per school: matched, ambiguous, unmatched. */
static void report_schools(diff *d, struct report *rep)
{
	struct per_school {
		long n[3];
	} *v = NULL;
	size_t nv = 0, cap = 0;
	strtab *names = strtab_new(); /* a school's number: its row in v */
	for (uint32_t i = 0; i < d->in[EU].n; i++) {
		const struct item *u = &d->in[EU].v[i];
		int k = u->conflict ? 1 : u->match == NONE ? 2 : 0;
		for (size_t s = 0; s < (u->nrefs ? u->nrefs : 1); s++) {
			const char *school = u->nrefs ? u->refs[s] : "(no school)";
			size_t j = strtab_intern(names, school, strlen(school));
			if (j == nv) {
				if (nv == cap) {
					cap = cap ? cap * 2 : 64;
					v = xrealloc(v, cap * sizeof *v);
				}
				v[nv++] = (struct per_school){{0, 0, 0}};
			}
			v[j].n[k]++;
		}
	}
	report_heading(rep, "Incoming users per school", "school", "matched",
		       "ambiguous", "unmatched");
	for (size_t j = 0; j < nv; j++) {
		char a[24], b[24], c[24];
		snprintf(a, sizeof a, "%ld", v[j].n[0]);
		snprintf(b, sizeof b, "%ld", v[j].n[1]);
		snprintf(c, sizeof c, "%ld", v[j].n[2]);
		report_row(rep, strtab_str(names, (uint32_t)j), a, b, c);
	}
	strtab_free(names);
	free(v);
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
	struct report rep = {0};
	if (report_path) {
		size_t len = strlen(report_path);
		rep.md = len > 3 && strcmp(report_path + len - 3, ".md") == 0;
		if (!(rep.f = fopen(report_path, "w")))
			rp_die(RP_EXIT_IO, "%s: cannot write", report_path);
	}
	/* two passes over the rows: the table, then the report's lists */
	for (int pass = 0; pass < (rep.f ? 2 : 1); pass++) {
		if (pass == 1) {
			if (rep.md) {
				fprintf(rep.f, "# Migration mapping\n\n| identifier | users |\n|---|---|\n");
			} else {
				fputs("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
				      "<title>Migration mapping</title><style>body{font-family:sans-serif}"
				      "table{border-collapse:collapse}td,th{border:1px solid #999;"
				      "padding:2px 6px}</style></head><body>\n<h1>Migration mapping</h1>\n"
				      "<table>\n<tr><th>identifier</th><th>users</th></tr>\n", rep.f);
			}
			char n[32];
			for (int i = 0; i < counts.non; i++) {
				snprintf(n, sizeof n, "%ld", counts.matched[i]);
				if (rep.md)
					fprintf(rep.f, "| matched on %s | %s |\n", counts.on[i], n);
				else
					fprintf(rep.f, "<tr><td>matched on %s</td><td>%s</td></tr>\n",
						counts.on[i], n);
			}
			const char *labels[] = {"ambiguous", "incoming, unmatched",
						"stored, unmatched", "left alone (ignore_on_import or manual)"};
			long values[] = {counts.ambiguous, counts.unmatched_in,
					 counts.unmatched_stored, counts.hands_off};
			for (int i = 0; i < 4; i++) {
				snprintf(n, sizeof n, "%ld", values[i]);
				if (rep.md)
					fprintf(rep.f, "| %s | %s |\n", labels[i], n);
				else
					fprintf(rep.f, "<tr><td>%s</td><td>%s</td></tr>\n", labels[i], n);
			}
			report_schools(d, &rep);
			report_heading(&rep, "Ambiguous and unmatched incoming users",
				       "incoming id", "name", "confidence", "candidates");
		}
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
			if (pass == 0) {
				const char *row[7] = {stored, u->source, u->source_id,
						      u->conflict || u->match != NONE
							      ? u->matched_on : "",
						      confidence, name, stored_name};
				for (int c = 0; c < 7; c++)
					csvw_cell(w, row[c], c == 6);
				if (u->conflict)
					counts.ambiguous++;
				else if (u->match == NONE)
					counts.unmatched_in++;
				else if (d->state[EU].v[u->match].hands_off)
					counts.hands_off++;
				else
					count_match(&counts, u->matched_on);
			} else if (u->conflict || u->match == NONE) {
				report_row(&rep, u->source_id, name, confidence, stored);
			}
		}
		if (pass == 1)
			report_heading(&rep, "Stored users no incoming user matched",
				       "stored id", "name", "deleted", "source");
		for (uint32_t j = 0; j < d->state[EU].n; j++) {
			const struct item *st = &d->state[EU].v[j];
			if (st->match != NONE || st->protect)
				continue;
			arena_reset(d->scratch);
			const char *name = person(d, st);
			if (pass == 0) {
				const char *row[7] = {st->id, "", "", "", "unmatched", "", name};
				for (int c = 0; c < 7; c++)
					csvw_cell(w, row[c], c == 6);
				counts.unmatched_stored++;
			} else {
				report_row(&rep, st->id, name, st->deleted ? "yes" : "",
					   st->source);
			}
		}
	}
	if (rep.f) {
		if (!rep.md)
			fputs("</table>\n</body></html>\n", rep.f);
		if (fclose(rep.f) != 0)
			rp_die(RP_EXIT_IO, "%s: cannot write", report_path);
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
