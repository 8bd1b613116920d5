/*
 * What a plan may touch: nothing of a school whose import is paused, and
 * with --school only that school's records. Asked once per record and
 * enrollment, so a section's school is worked out once and kept.
 */
#include "diff_int.h"

#include "err.h"
#include "idset.h"
#include "strtab.h"
#include "xalloc.h"

const struct item *dr_state_of(diff *d, int e, const char *id)
{
	struct index *ix = &d->by_id[e];
	if (e == EU && !ix->heads) /* built when first asked (links) */
		for (uint32_t j = 0; j < d->state[EU].n; j++)
			index_add(ix, d->state[EU].v[j].id, NULL, j);
	uint32_t n = id ? index_first(ix, id, NULL) : NONE;
	return n != NONE ? &d->state[e].v[ix->nodes[n].item] : NULL;
}

bool diff_state_has_school(diff *d, const char *school)
{
	return dr_state_of(d, ES, school) != NULL;
}

static bool is_paused(diff *d, const char *school)
{
	if (!d->any_paused)
		return false;
	const struct item *s = dr_state_of(d, ES, school);
	return s && s->paused;
}

/* The school a section belongs to, for a reference written either way. */
static const char *school_of_section(diff *d, const char *section)
{
	const struct item *st = dr_state_of(d, EC, section);
	if (st)
		return st->school;
	uint32_t n = index_first(&d->in_sections, section, NULL);
	return n != NONE ? d->in[EC].v[d->in_sections.nodes[n].item].school : NULL;
}

/* Whether some school of the record is paused (*why gets it), and whether
 * it is in --school's scope. */
static bool touches(const struct item *it, int e, const char *school)
{
	const char *one = NULL;
	if (e == ES)
		one = it->key ? it->key : it->id;
	else if (e == EC)
		one = it->school;
	if (e != EU)
		return one && strcmp(one, school) == 0;
	for (size_t k = 0; k < it->nrefs; k++)
		if (strcmp(it->refs[k], school) == 0)
			return true;
	return false;
}

static const char *paused_school(diff *d, const struct item *it, int e)
{
	if (e == ES)
		return it->paused ? it->id : NULL;
	if (e == EC)
		return is_paused(d, it->school) ? it->school : NULL;
	for (size_t k = 0; k < it->nrefs; k++)
		if (is_paused(d, it->refs[k]))
			return it->refs[k];
	return NULL;
}

/*
 * Terms belong to no school, but a paused school's sections name them: a
 * term that such a section names is left as it is (never deleted under
 * it), and when every school is paused no term changes at all. Worked out
 * once, from the stored sections.
 */
static bool term_held_by_pause(diff *d, const struct item *st)
{
	if (!d->any_paused)
		return false;
	if (!d->pause_known) {
		d->pause_known = true;
		d->all_paused = d->state[ES].n > 0;
		for (uint32_t i = 0; i < d->state[ES].n; i++)
			d->all_paused &= d->state[ES].v[i].paused;
		d->paused_terms = idset_new();
		for (uint32_t i = 0; i < d->state[EC].n; i++) {
			const struct item *sec = &d->state[EC].v[i];
			if (!is_paused(d, sec->school))
				continue;
			for (uint32_t k = 0; k < sec->nrefs; k++)
				idset_put(d->paused_terms, id_hash_str(sec->refs[k]), 0,
					  NULL);
		}
	}
	return d->all_paused ||
	       (st && idset_get(d->paused_terms, id_hash_str(st->id), NULL));
}

/* Whether a change may touch this pair of records at all. */
bool dr_in_scope(diff *d, int e, const struct item *in,
		 const struct item *st)
{
	if (e == ET && term_held_by_pause(d, st))
		return false;
	for (int side = 0; side < 2; side++) {
		const struct item *it = side ? st : in;
		if (it && paused_school(d, it, e))
			return false;
	}
	if (!d->o.school || e == ET)
		return true;
	return (in && touches(in, e, d->o.school)) ||
	       (st && touches(st, e, d->o.school));
}

/* An enrollment's section: its school, and whether that one is paused;
 * worked out once per section. */
static const char *sec_info(diff *d, uint32_t section, bool *paused)
{
	if (!d->sec_known) {
		size_t n = strtab_count(d->sec_refs);
		d->sec_known = xcalloc(n + 1, 1);
		d->sec_school = xcalloc(n + 1, sizeof *d->sec_school);
	}
	*paused = false;
	if (section == NONE)
		return NULL;
	if (!d->sec_known[section]) {
		const char *s = school_of_section(d, strtab_str(d->sec_refs, section));
		d->sec_school[section] = s;
		d->sec_known[section] = is_paused(d, s) ? 2 : 1;
	}
	*paused = d->sec_known[section] == 2;
	return d->sec_school[section];
}

bool dr_enr_in_scope(diff *d, const struct enr *in, const struct enr *st)
{
	bool paused;
	const char *in_school = in ? sec_info(d, in->section, &paused) : NULL;
	if (in && paused)
		return false;
	const char *st_school = st ? sec_info(d, st->section, &paused) : NULL;
	if (st && paused)
		return false;
	if (!d->o.school)
		return true;
	return (in_school && strcmp(in_school, d->o.school) == 0) ||
	       (st_school && strcmp(st_school, d->o.school) == 0);
}

void dr_report_paused(diff *d)
{
	for (uint32_t i = 0; i < d->state[ES].n; i++) {
		const struct item *s = &d->state[ES].v[i];
		if (!s->paused)
			continue;
		if (d->o.school && strcmp(d->o.school, s->id) != 0)
			continue;
		rp_warnx("school %s: import paused; no operations planned for it",
			 s->id);
	}
}
