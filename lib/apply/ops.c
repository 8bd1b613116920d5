/* apply: reading one operation of a plan, and resolving the references it
 * makes (a store id, or SOURCE:SOURCE_ID for a record the same plan
 * creates). Shared by the checking and the executing pass. */
#include "apply_int.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "idset.h"

const char *const ap_op_names[OP_COUNT] = {
	"create", "update", "set", "link", "soft_delete", "restore",
	"hard_delete", "delete",
};

/* The entities by their slot, as counted in a run and written in a spool. */
const struct rec_entity *const ap_slot_entity[6] = {
	&REC_SCHOOL, &REC_TERM, &REC_SECTION, &REC_ENROLLMENT, &REC_USER,
	&REC_APPOINTMENT,
};

void ap_bad(struct run *r, int status, const char *fmt, ...)
{
	struct rp_loc loc = {.file = r->file, .line = r->line,
			     .code = status == RP_EXIT_GUARD ? "stale"
				     : status == RP_EXIT_IO ? "io_error" : "bad_plan"};
	va_list ap;
	va_start(ap, fmt);
	if (status == RP_EXIT_DATA) {
		rp_verror(&loc, fmt, ap);
	} else {
		char msg[512];
		vsnprintf(msg, sizeof msg, fmt, ap);
		rp_report("error", &loc, "%s", msg);
	}
	va_end(ap);
	/* bad data outranks a refusal: the plan must be mended either way */
	if (r->verdict == 0 || status == RP_EXIT_DATA)
		r->verdict = status;
}

void ap_stale(struct run *r, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	r->stale = true;
	ap_bad(r, RP_EXIT_GUARD, "%s", msg);
}

int ap_op_kind(const char *name)
{
	for (int k = 0; k < OP_COUNT; k++)
		if (strcmp(ap_op_names[k], name) == 0)
			return k;
	return -1;
}

int ap_entity_slot(const struct rec_entity *e)
{
	for (int i = 0; i < 6; i++)
		if (ap_slot_entity[i] == e)
			return i;
	return 0;
}

bool ap_allowed(enum op_kind k, const struct rec_entity *e)
{
	switch (k) {
	case OP_LINK:
	case OP_SOFT_DELETE:
	case OP_RESTORE:
	case OP_HARD_DELETE:
		return e == &REC_USER;
	case OP_DELETE:
		return e != &REC_SCHOOL && e != &REC_USER;
	default:
		return true;
	}
}

bool ap_parse_op(struct run *r, const cJSON *o, struct op *op)
{
	const char *name = nd_get_str(o, "op"), *entity = nd_get_str(o, "entity");
	int k = name ? ap_op_kind(name) : -1;
	memset(op, 0, sizeof *op);
	if (k < 0) {
		ap_bad(r, RP_EXIT_DATA, "op: unknown operation \"%s\"", name ? name : "");
		return false;
	}
	op->kind = (enum op_kind)k;
	op->ent = entity ? rec_entity_of(entity) : NULL;
	if (!op->ent) {
		ap_bad(r, RP_EXIT_DATA, "entity: unknown entity \"%s\"",
		    entity ? entity : "");
		return false;
	}
	if (!ap_allowed(op->kind, op->ent)) {
		ap_bad(r, RP_EXIT_DATA, "op: %s does not apply to a %s", name, entity);
		return false;
	}
	op->data = nd_get_obj(o, "data");
	op->set = nd_get_obj(o, "set");
	op->was = nd_get_obj(o, "was");
	op->ids = nd_get_obj(o, "ids");
	/* a member named twice would be read as one value here and as the
	 * other by another reader (plan-report): refused */
	const cJSON *objects[] = {o, op->data, op->set, op->was, op->ids};
	for (size_t i = 0; i < sizeof objects / sizeof *objects; i++)
		for (const cJSON *a = objects[i] ? objects[i]->child : NULL; a; a = a->next)
			for (const cJSON *b = a->next; b; b = b->next)
				if (a->string && b->string && strcmp(a->string, b->string) == 0) {
					ap_bad(r, RP_EXIT_DATA, "%s: named twice in one object",
					       a->string);
					return false;
				}
	op->archive = nd_get_str(o, "archive");
	op->archive_sha = nd_get_str(o, "archive_sha256");
	if (op->kind == OP_CREATE) {
		if (!op->data) {
			ap_bad(r, RP_EXIT_DATA, "data: a create needs a data object");
			return false;
		}
		return true;
	}
	op->id = nd_get_str(o, "id");
	if (!op->id || store_entity_of_id(op->id, &op->n) != op->ent) {
		ap_bad(r, RP_EXIT_DATA, "id: not a %s id: \"%s\"", entity,
		    op->id ? op->id : "");
		return false;
	}
	if ((op->kind == OP_UPDATE || op->kind == OP_SET) && !op->set) {
		ap_bad(r, RP_EXIT_DATA, "set: an %s needs a set object", name);
		return false;
	}
	if (op->kind == OP_LINK && !op->ids) {
		ap_bad(r, RP_EXIT_DATA, "ids: a link needs an ids object");
		return false;
	}
	return true;
}

/* ---- references -------------------------------------------------------- */

uint64_t ap_source_key(const struct rec_entity *e, const char *source,
			   const char *source_id)
{
	char buf[512];
	int n = snprintf(buf, sizeof buf, "%s\x1f%s\x1f%s", e->type, source,
			 source_id);
	return id_hash(buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
}

uint64_t ap_ref_key(const struct rec_entity *target, const char *ref)
{
	return (id_hash_str(ref) ^ (uint64_t)(uintptr_t)target) | 1;
}

/*
 * A reference is a store id ("s1") or SOURCE:SOURCE_ID, the form diff-roster
 * writes for a record created earlier in the same plan. Writes the store id
 * into out; returns 1, 0 when it names nothing (yet: *pending set when it
 * names a record this plan creates), -1 when it is not a reference at all.
 */
static int resolve(struct run *r, const struct rec_entity *target,
		   const char *ref, char out[32], bool *pending)
{
	long long n;
	const char *colon = strchr(ref, ':');
	uint32_t known;
	*pending = false;
	/* a plan names the same schools and sections again and again; 0
	 * stands for a record this plan creates, in the checking pass */
	uint64_t key = ap_ref_key(target, ref);
	if (idset_get(r->resolved, key, &known)) {
		if (known) {
			snprintf(out, 32, "%c%u", store_id_letter(target), known);
			return 1;
		}
		if (!r->executing) {
			*pending = true;
			return 0;
		}
	}
	if (!colon) {
		if (store_entity_of_id(ref, &n) != target)
			return -1;
		if (store_exists(r->s, target, n) != 1)
			return 0;
		snprintf(out, 32, "%s", ref);
		if (n <= UINT32_MAX)
			idset_set(r->resolved, key, (uint32_t)n);
		return 1;
	}
	char source[64];
	snprintf(source, sizeof source, "%.*s", (int)(colon - ref), ref);
	/* a record this plan creates: its create was checked against the
	 * store already, so no look-up (the applying pass finds it cached) */
	if (!r->executing &&
	    idset_get(r->created, ap_source_key(target, source, colon + 1), NULL)) {
		*pending = true;
		idset_put(r->resolved, key, 0, NULL);
		return 0;
	}
	n = store_find_source(r->s, target, source, colon + 1);
	if (n) {
		snprintf(out, 32, "%c%lld", store_id_letter(target), n);
		if (n <= UINT32_MAX)
			idset_set(r->resolved, key, (uint32_t)n);
		return 1;
	}
	*pending = idset_get(r->created, ap_source_key(target, source, colon + 1),
			     NULL);
	return 0;
}

/* Rewrites the reference fields of rec to store ids. In the checking pass
 * (execute false) a reference to a record this plan creates is accepted. */
bool ap_resolve_refs(struct run *x, rec *rr, bool execute)
{
	for (int f = 0; f < rr->ent->nfields; f++) {
		const struct rec_entity *target = rec_ref_target(rr->ent, f);
		if (!target)
			continue;
		struct rec_val *v = &rr->v[f];
		const char **items = rr->ent->fields[f].kind == K_LIST ? v->items
									: &v->s;
		size_t count = rr->ent->fields[f].kind == K_LIST ? v->n : v->s != NULL;
		for (size_t i = 0; i < count; i++) {
			char id[32];
			bool pending;
			int got = resolve(x, target, items[i], id, &pending);
			if (got == 1) {
				items[i] = arena_strdup(rr->arena, id);
			} else if (!(got == 0 && pending && !execute)) {
				ap_bad(x, RP_EXIT_DATA, "%s: %s \"%s\" is not in the store",
				    rr->ent->fields[f].name, target->type, items[i]);
				return false;
			}
		}
	}
	return true;
}

/* Applies a set object to rr; false (reported) on an unknown or ill-typed
 * field. */
bool ap_apply_set(struct run *r, rec *rr, const cJSON *set)
{
	for (const cJSON *j = set->child; j; j = j->next) {
		int f = rec_field_index(rr->ent, j->string);
		if (f <= 0) { /* 0 is the id */
			ap_bad(r, RP_EXIT_DATA, "set: %s has no field \"%s\"",
			    rr->ent->type, j->string);
			return false;
		}
		const char *why = rec_field_from_json(rr, f, j);
		if (why) {
			ap_bad(r, RP_EXIT_DATA, "set: %s", why);
			return false;
		}
	}
	return true;
}
