/*
 * Rejections never delete. A record that is rejected (an error) or dropped
 * (it refers to a rejected one) is not written; its id is kept, so that
 * what refers to it is dropped in turn with a warning instead of an
 * "unknown id" error, and with --keep-going a marker takes its place:
 *   {"type":"held","entity":"user","source":"oneroster","source_id":"u-17"}
 *   {"type":"held","entity":"enrollment","source":"clever","section_id":..,"user_id":..}
 * that tells diff-roster to leave the stored record, and what belongs to
 * it, as it is. A repeated id is not held: its first record is in the feed.
 */
#include "norm_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "err.h"

bool norm_was_rejected(norm *n, enum norm_entity e, const char *id)
{
	return idset_count(n->rejected[e]) &&
	       idset_get(n->rejected[e], id_hash_str(id), NULL);
}

void norm_reject_id(norm *n, enum norm_entity e, const char *id)
{
	if (id)
		idset_put(n->rejected[e], id_hash_str(id), (uint32_t)n->line, NULL);
}

void norm_drop(norm *n, const char *field, const char *what, const char *fmt,
	       ...)
{
	char why[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	norm_warn(n, field, "rejected_ref", "%s dropped: %s",
		  what ? what : "record", why);
	n->dropped = true;
}

bool norm_ref(norm *n, enum norm_entity e, const char *field, const char *id)
{
	if (norm_was_rejected(n, e, id)) {
		if (!n->dropped) /* said once a record */
			norm_drop(n, field, n->what ? n->what : "record",
				  "%s id \"%s\" was rejected",
				  norm_raw_name(n, e), id);
		return false;
	}
	if (!n->bulk[e] || idset_get(n->ids[e], id_hash_str(id), NULL))
		return true;
	norm_bad(n, field, "unknown_ref", "unknown %s id \"%s\"",
		 norm_raw_name(n, e), id);
	return false;
}

static void marker_begin(norm *n, const char *entity, const char *source)
{
	nd_begin(n->w);
	nd_str(n->w, "type", "held");
	nd_str(n->w, "entity", entity);
	nd_str(n->w, "source", source ? source : n->source);
}

void norm_hold_enrollment(norm *n, const char *source, const char *section,
			  const char *user)
{
	if (!rp_policy.keep_going || !section || !user)
		return;
	marker_begin(n, "enrollment", source);
	nd_str(n->w, "section_id", section);
	nd_str(n->w, "user_id", user);
	nd_end(n->w);
}

/* The records that are held by their own id, and where that id is. */
static const struct held_kind {
	const struct rec_entity *ent;
	enum norm_entity e;
	int source, source_id;
} held_kinds[] = {
	{&REC_SCHOOL, NE_ORG, S_SOURCE, S_SOURCE_ID},
	{&REC_TERM, NE_TERM, T_SOURCE, T_SOURCE_ID},
	{&REC_SECTION, NE_SECTION, C_SOURCE, C_SOURCE_ID},
	{&REC_USER, NE_USER, U_SOURCE, U_SOURCE_ID},
};

static const struct held_kind *held_kind_of(const struct rec_entity *ent)
{
	for (size_t i = 0; i < sizeof held_kinds / sizeof *held_kinds; i++)
		if (held_kinds[i].ent == ent)
			return &held_kinds[i];
	return NULL;
}

bool norm_own_id_rejected(norm *n, const rec *r)
{
	const struct held_kind *k = r->ent ? held_kind_of(r->ent) : NULL;
	const char *id = k ? rec_str(r, k->source_id) : NULL;
	return id && norm_was_rejected(n, k->e, id);
}

void norm_hold(norm *n)
{
	const rec *r = &n->r;
	if (n->duplicate || !r->ent)
		return;
	if (r->ent == &REC_ENROLLMENT) {
		norm_hold_enrollment(n, rec_str(r, E_SOURCE),
				     rec_str(r, E_SECTION_ID),
				     rec_str(r, E_USER_ID));
		return;
	}
	const struct held_kind *k = held_kind_of(r->ent);
	const char *id = k ? rec_str(r, k->source_id) : NULL;
	if (!id)
		return;
	norm_reject_id(n, k->e, id);
	if (!rp_policy.keep_going)
		return;
	marker_begin(n, r->ent->type, rec_str(r, k->source));
	nd_str(n->w, "source_id", id);
	nd_end(n->w);
}
