/*
 * The stored enrollments by section and user, and the incoming ones matched
 * through them: an open-addressing table of numbers rather than a string
 * index, as there are millions and both keys are interned when read.
 */
#include "diff_int.h"

#include <stdlib.h>

#include "err.h"
#include "xalloc.h"

static size_t enr_slot(const diff *d, uint32_t section, uint32_t user)
{
	uint64_t h = (uint64_t)section << 32 | user;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	size_t mask = d->enr_state.nslots - 1, i = (size_t)h & mask;
	for (; d->enr_state.slots[i]; i = (i + 1) & mask) {
		const struct enr *st = &d->est.v[d->enr_state.slots[i] - 1];
		if (st->section == section && st->user == user)
			break;
	}
	return i;
}

/* Indexes state enrollment j; a later one with the same section and user
 * takes the place of an earlier one. */
void dr_enr_index_put(diff *d, uint32_t j)
{
	if ((d->enr_state.n + 1) * 2 > d->enr_state.nslots) {
		uint32_t *old = d->enr_state.slots;
		size_t nold = d->enr_state.nslots;
		d->enr_state.nslots = nold ? nold * 2 : 4096;
		d->enr_state.slots = xcalloc(d->enr_state.nslots,
					     sizeof *d->enr_state.slots);
		for (size_t i = 0; i < nold; i++)
			if (old[i]) {
				const struct enr *st = &d->est.v[old[i] - 1];
				d->enr_state.slots[enr_slot(d, st->section,
							    st->user)] = old[i];
			}
		free(old);
	}
	const struct enr *st = &d->est.v[j];
	size_t i = enr_slot(d, st->section, st->user);
	if (!d->enr_state.slots[i])
		d->enr_state.n++;
	d->enr_state.slots[i] = j + 1;
}

/*
 * The same section and user twice in a feed (one membership under two
 * sourcedIds, as real exports have) is one enrollment: the first is kept,
 * the others merged into it, so that a second sync plans nothing (two
 * creates would leave two stored enrollments, and every sync after would
 * delete one and create it again).
 */
static void merge_repeats(diff *d)
{
	idset *seen = idset_new();
	long merged = 0;
	for (uint32_t i = 0; i < d->ein.n; i++) {
		struct enr *en = &d->ein.v[i];
		uint64_t key = ((uint64_t)en->section << 32 | en->user) + 1;
		if (en->section != NONE && en->user != NONE &&
		    !idset_put(seen, key, i, NULL)) {
			en->dropped = true;
			merged++;
		}
	}
	idset_free(seen);
	if (merged && !rp_policy.quiet)
		rp_warnx("%ld enrollment%s of the feed repeat%s a section and user "
			 "enrolled already: merged into one", merged,
			 merged == 1 ? "" : "s", merged == 1 ? "s" : "");
}

void dr_match_enrollments(diff *d)
{
	merge_repeats(d);
	for (uint32_t i = 0; i < d->ein.n && d->enr_state.n; i++) {
		struct enr *en = &d->ein.v[i];
		if (en->dropped)
			continue;
		uint32_t slot = d->enr_state.slots[enr_slot(d, en->section, en->user)];
		if (!slot)
			continue;
		struct enr *st = &d->est.v[slot - 1];
		if (st->match != NONE)
			continue; /* the same membership twice: once is enough */
		en->match = slot - 1;
		st->match = i;
	}
}
