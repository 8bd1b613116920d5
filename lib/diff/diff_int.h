#ifndef RP_DIFF_INT_H
#define RP_DIFF_INT_H

/*
 * Private to lib/diff: what its files share (the kept records, the indexes,
 * struct diff). The helpers every pass calls per record are static inline
 * here so that splitting the engine into files costs no call they were
 * spared when it was one file. Shared functions are dr_-prefixed: the
 * static library holds every engine, and a short name could meet another.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "diff.h"

#include "arena.h"
#include "idset.h"
#include "packrec.h"
#include "record.h"
#include "strtab.h"
#include "xalloc.h"

enum { ES, ET, EC, EE, EU, EN }; /* school term section enrollment user */
static const struct rec_entity *const ents[EN] = {
	&REC_SCHOOL, &REC_TERM, &REC_SECTION, &REC_ENROLLMENT, &REC_USER,
};

#define MAX_MATCH 8
#define NONE UINT32_MAX

/*
 * A school, term, section or user. The record itself is kept packed (see
 * pack()): its values without the member names, unpacked into a rec only
 * when a plan must write it or compare it field by field. The fields here
 * point into it.
 */
struct item {
	const char *rec; /* packed */
	const char *id;	 /* state: the store id */
	const char *source, *source_id;
	const char *key;    /* how a plan names it: store id or SOURCE:SOURCE_ID */
	const char *school; /* section: its school reference; school: its number */
	const char **refs;  /* section: term references; user: school references */
	uint64_t fp, fp_ids; /* compared fields, and the identifiers: see fingerprint() */
	long line;
	const char *matched_on;
	const char *contradicts; /* a conflict: the identifier or "role" that
				  tells the matched pair apart */
	uint32_t nrefs;
	uint32_t match; /* the counterpart on the other side */
	bool deleted, hands_off, tobedeleted, protect, conflict, paused;
	bool dropped; /* incoming, and skipped: a record the feed holds twice */
};

struct side {
	struct item *v;
	size_t n, cap;
};

/*
 * An enrollment: the bulk of a roster (about six a student), so a compact
 * fixed-size entry of interned numbers rather than a record. Everything a
 * plan writes about one (source, section_id, user_id, role, the store id)
 * is here.
 */
struct enr {
	const char *id;		/* the store id (state); NULL for incoming */
	uint32_t source, role;	/* in vals; NONE = absent */
	uint32_t section, user; /* in sec_refs / user_refs; incoming ones as
				   written until translate_enrollments */
	uint32_t match;
	bool tobedeleted;
	bool dropped; /* incoming: the same section and user again, merged */
};

struct eside {
	struct enr *v;
	size_t n, cap;
};

/* A string-keyed multimap from keys to items, on 64-bit hashes; lookups
 * compare the keys themselves, so a hash collision never matches. A key is
 * one string, or two (a source and an id) taken as one. */
struct index {
	idset *heads;
	struct node {
		const char *a, *b;
		uint32_t item, next;
	} *nodes;
	size_t n, cap;
};

struct diff {
	struct diff_opts o;
	const char *match[MAX_MATCH];
	int nmatch;
	rp_arena *keep; /* everything read lives here until the end */
	long long base_version;
	const char *store_id; /* the state's store, from its snapshot header */
	const char *state_name, *in_name;
	struct side state[EN], in[EN]; /* all but enrollments */
	struct eside est, ein;	       /* enrollments */
	const char *in_source;
	bool mode_known[EN], bulk[EN];
	bool any_paused;
	bool pause_known, all_paused; /* see scope.c */
	idset *paused_terms;	      /* terms a paused school's section names */
	struct index by_source[2][EN]; /* [0] state, [1] incoming */
	struct index by_id[EN];	       /* state store id -> item (schools,
					  sections; users when links need) */
	struct index by_key[MAX_MATCH]; /* state users by --match value */
	struct index in_sections;	/* incoming section key -> item */
	strtab *vals;			/* enrollment sources and roles */
	uint32_t last_source, last_role;  /* in vals: see intern_again */
	strtab *sec_refs, *user_refs;	/* enrollment references */
	struct {
		uint32_t *slots; /* state enrollment + 1, 0 = empty */
		size_t nslots, n;
	} enr_state;		       /* by section and user */
	const char **sec_school;       /* by section reference, see sec_info */
	unsigned char *sec_known;      /* 1 school known, 2 and paused too */
	struct link {
		uint32_t in, state;
		long row; /* in the table, for messages */
	} *links; /* from a reviewed mapping table */
	const char *links_path;
	size_t nlinks, links_cap;
	rp_arena *scratch;
	long conflicts;
	/* the fields some incoming record of each entity holds: a field none
	 * holds (a file the feed leaves out) tells nothing, and is kept */
	uint32_t carried[EN];
	/* records normalize rejected (held.c) */
	struct held {
		int entity;
		const char *source, *a, *b; /* source_id; enrollment: section, user */
	} *held;
	size_t nheld;
	idset *held_ids; /* store ids (and "section|user" pairs) left alone */
};

/* ---- index ------------------------------------------------------------- */

static inline uint64_t key_hash(const char *a, const char *b)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (; *a; a++)
		h = (h ^ (unsigned char)*a) * 0x100000001b3ull;
	if (b) {
		h = (h ^ 0x1f) * 0x100000001b3ull;
		for (; *b; b++)
			h = (h ^ (unsigned char)*b) * 0x100000001b3ull;
	}
	return id_hash_finish(h);
}

static inline void index_add(struct index *ix, const char *a, const char *b,
			     uint32_t item)
{
	if (!ix->heads)
		ix->heads = idset_new();
	if (ix->n == ix->cap) {
		ix->cap = ix->cap ? ix->cap * 2 : 256;
		ix->nodes = xrealloc(ix->nodes, ix->cap * sizeof *ix->nodes);
	}
	uint64_t h = key_hash(a, b);
	uint32_t head = NONE;
	idset_get(ix->heads, h, &head);
	ix->nodes[ix->n] = (struct node){a, b, item, head};
	idset_set(ix->heads, h, (uint32_t)ix->n++);
}

static inline bool node_is(const struct node *n, const char *a, const char *b)
{
	return strcmp(n->a, a) == 0 &&
	       (n->b && b ? strcmp(n->b, b) == 0 : n->b == b);
}

/* The first node with this key, NONE; then index_next. */
static inline uint32_t index_next(const struct index *ix, const char *a,
				  const char *b, uint32_t k)
{
	for (; k != NONE; k = ix->nodes[k].next)
		if (node_is(&ix->nodes[k], a, b))
			return k;
	return NONE;
}

static inline uint32_t index_first(const struct index *ix, const char *a,
				   const char *b)
{
	uint32_t head;
	if (!ix->heads || !idset_get(ix->heads, key_hash(a, b), &head))
		return NONE;
	return index_next(ix, a, b, head);
}

#define INDEX_EACH(ix, a, b, k)                                              \
	for (uint32_t k = index_first(ix, a, b); k != NONE;                  \
	     k = index_next(ix, a, b, (ix)->nodes[k].next))

/* ---- kept records -------------------------------------------------------- */

/* How many incoming records of entity e. */
static inline size_t in_count(const diff *d, int e)
{
	return e == EE ? d->ein.n : d->in[e].n;
}

static inline const char *keep_str(diff *d, const char *s)
{
	return s ? arena_strndup_bytes(d->keep, s, strlen(s)) : NULL;
}

/* Fills r from a packed record: strings point into it, lists live in the
 * scratch arena (so rec_list_add and rec_map_put work on it). */
static inline void unpack(diff *d, const char *p, const struct rec_entity *ent,
			  rec *r)
{
	pr_unpack(p, ent, r, d->scratch);
}

/* ---- what one file calls in another ---------------------------------- */

/* read.c: reading the state and the incoming records */
void dr_read_error(const char *file, long line, const char *msg);

/* match.c: matching, and the keys and references a plan writes */
void dr_match_all(diff *d);
uint32_t *dr_candidates(diff *d, const struct item *u, size_t *count);
const char *dr_translate(diff *d, int e, const char *source, const char *sid);

/* enroll.c: the stored enrollments by section and user */
void dr_enr_index_put(diff *d, uint32_t j);
void dr_match_enrollments(diff *d);

/* scope.c: paused schools and --school */
const struct item *dr_state_of(diff *d, int e, const char *id);
bool dr_in_scope(diff *d, int e, const struct item *in, const struct item *st);
bool dr_enr_in_scope(diff *d, const struct enr *in, const struct enr *st);
void dr_report_paused(diff *d);

/* held.c */
void dr_keep_held(diff *d, const cJSON *o, const char *file, long line);
void dr_apply_held(diff *d, long counts[EN]);
bool dr_is_held(const diff *d, const char *id);
bool dr_enr_held(const diff *d, const struct enr *st);

#endif
