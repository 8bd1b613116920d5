/*
 * Making and freeing a diff. --match is checked here, when the diff is
 * made, so that a bad identifier stops the run before any input is read.
 * The work is in the other files: read.c, match.c, enroll.c, scope.c,
 * planout.c, mapping.c.
 */
#include "diff_int.h"

#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "record.h"
#include "xalloc.h"

diff *diff_new(const struct diff_opts *o)
{
	diff *d = xcalloc(1, sizeof *d);
	d->o = *o;
	d->keep = arena_new();
	d->scratch = arena_new();
	d->vals = strtab_new();
	d->sec_refs = strtab_new();
	d->user_refs = strtab_new();
	d->last_source = d->last_role = NONE;
	char *list = arena_strdup(d->keep, o->match ? o->match : "sis_id,email");
	for (char *save, *f = strtok_r(list, ",", &save); f;
	     f = strtok_r(NULL, ",", &save)) {
		if (d->nmatch == MAX_MATCH)
			rp_die(RP_EXIT_USAGE, "--match: at most %d identifiers",
			       MAX_MATCH);
		bool known = strncmp(f, "ids.", 4) == 0 && f[4];
		int fi = rec_field_index(&REC_USER, f);
		if (fi > 0 && REC_USER.fields[fi].kind == K_STR &&
		    !(REC_USER.fields[fi].flags & RF_STATE))
			known = true;
		if (!known)
			rp_die(RP_EXIT_USAGE,
			       "--match: \"%s\" is not a user field or ids.TYPE", f);
		d->match[d->nmatch++] = f;
	}
	return d;
}

static void index_free(struct index *ix)
{
	idset_free(ix->heads);
	free(ix->nodes);
	memset(ix, 0, sizeof *ix);
}

void diff_free(diff *d)
{
	if (!d)
		return;
	for (int e = 0; e < EN; e++) {
		free(d->state[e].v);
		free(d->in[e].v);
		index_free(&d->by_source[0][e]);
		index_free(&d->by_source[1][e]);
		index_free(&d->by_id[e]);
	}
	free(d->est.v);
	free(d->ein.v);
	for (int i = 0; i < MAX_MATCH; i++)
		index_free(&d->by_key[i]);
	index_free(&d->in_sections);
	strtab_free(d->vals);
	strtab_free(d->sec_refs);
	strtab_free(d->user_refs);
	free(d->enr_state.slots);
	free(d->sec_school);
	free(d->sec_known);
	free(d->links);
	free(d->held);
	idset_free(d->paused_terms);
	idset_free(d->held_ids);
	arena_free(d->keep);
	arena_free(d->scratch);
	free(d);
}
