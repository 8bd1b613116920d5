/*
 * Records normalize rejected but could identify (`held` lines, with
 * --keep-going): their stored counterparts, and what belongs to them, stay
 * as they are. A rejection never turns into a deletion: the stored record
 * is not soft-deleted or deleted, nor its enrollments, nor (for a school,
 * a term, a section) the records that hang off it.
 */
#include "diff_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "idset.h"
#include "xalloc.h"

void dr_keep_held(diff *d, const cJSON *o, const char *file, long line)
{
	const char *entity = nd_get_str(o, "entity"), *source = nd_get_str(o, "source");
	int e = -1;
	for (int i = 0; entity && i < EN; i++)
		if (strcmp(ents[i]->type, entity) == 0)
			e = i;
	const char *a = e == EE ? nd_get_str(o, "section_id") : nd_get_str(o, "source_id");
	const char *b = e == EE ? nd_get_str(o, "user_id") : NULL;
	if (e < 0 || !source || !a || (e == EE && !b)) {
		dr_read_error(file, line, "a held record names its entity, source and "
					  "source_id (an enrollment: section_id and user_id)");
		return;
	}
	d->held = xrealloc(d->held, (d->nheld + 1) * sizeof *d->held);
	d->held[d->nheld++] = (struct held){e, keep_str(d, source), keep_str(d, a),
					    keep_str(d, b)};
}

static void hold(diff *d, const char *id)
{
	if (!d->held_ids)
		d->held_ids = idset_new();
	idset_put(d->held_ids, id_hash_str(id), 0, NULL);
}

bool dr_is_held(const diff *d, const char *id)
{
	return id && d->held_ids && idset_get(d->held_ids, id_hash_str(id), NULL);
}

static bool any_held(const diff *d, const char *const *ids, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if (dr_is_held(d, ids[i]))
			return true;
	return false;
}

/* After matching: the stored records the held ones stand for, then those
 * that hang off them, are protected; the counts go to the plan header. */
void dr_apply_held(diff *d, long counts[EN])
{
	for (size_t i = 0; i < d->nheld; i++) {
		const struct held *h = &d->held[i];
		counts[h->entity]++;
		if (h->entity == EE) {
			/* one membership: kept by its pair of store ids */
			const char *sec = dr_translate(d, EC, h->source, h->a);
			const char *user = dr_translate(d, EU, h->source, h->b);
			char pair[256];
			snprintf(pair, sizeof pair, "%s|%s", sec, user);
			hold(d, pair);
			continue;
		}
		struct index *ix = &d->by_source[0][h->entity];
		INDEX_EACH(ix, h->source, h->a, n) {
			struct item *st = &d->state[h->entity].v[ix->nodes[n].item];
			st->protect = true;
			hold(d, st->id);
		}
	}
	if (!d->nheld)
		return;
	/* sections of a held school or in a held term, users of a held school */
	for (uint32_t i = 0; i < d->state[EC].n; i++) {
		struct item *st = &d->state[EC].v[i];
		if (dr_is_held(d, st->school) || any_held(d, st->refs, st->nrefs)) {
			st->protect = true;
			hold(d, st->id);
		}
	}
	for (uint32_t i = 0; i < d->state[EU].n; i++) {
		struct item *st = &d->state[EU].v[i];
		if (any_held(d, st->refs, st->nrefs))
			st->protect = true;
	}
}

/* Whether a stored enrollment belongs to a held user or section, or is a
 * held membership. */
bool dr_enr_held(const diff *d, const struct enr *st)
{
	if (!d->held_ids)
		return false;
	const char *sec = strtab_str(d->sec_refs, st->section);
	const char *user = strtab_str(d->user_refs, st->user);
	char pair[256];
	snprintf(pair, sizeof pair, "%s|%s", sec, user);
	return dr_is_held(d, sec) || dr_is_held(d, user) || dr_is_held(d, pair);
}
