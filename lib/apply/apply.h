#ifndef RP_APPLY_H
#define RP_APPLY_H

#include <stdbool.h>

#include "guardrule.h"
#include "ndjson.h"
#include "store/store.h"

struct apply_opts {
	bool dry_run;
	bool force;	    /* past the delete guard; recorded in the journal */
	bool during_freeze; /* the migration's own apply on a frozen store */
	/* the SQLite file this run created for the store, or NULL: removed
	 * by Ctrl-C while this run's own transaction holds it still empty */
	const char *made_file;
	/* The guard, per school: no more than this share of its users, its
	 * sections or its enrollments lost (deleted, cleared, moved out), and
	 * no more than this many (lib/guardrule.h; docs/design.md, "The
	 * guard"). */
	struct guard_limits guard;
};

/* What Ctrl-C says of a store this run made, outside its transaction. */
#define APPLY_MADE_FILE_LEFT \
	"the store's file this run made is left, empty at worst (version 0)"

/*
 * Applies each plan of the stream (a header and its operations, or
 * operations with no header) in one transaction, once per plan_id.
 * Returns the exit status: 0, 1 (a bad plan: nothing changed), 3 (a guard
 * refused: stale plan, too many deletes, frozen store), 4 (store failure).
 * Plans before the one that failed stay applied; each is its own
 * transaction.
 */
int apply_stream(store *s, nd_reader *in, const struct apply_opts *o);

/* Reverts an applied plan from the journal's before-images. */
int apply_undo(store *s, const char *plan_id, const struct apply_opts *o);

/* Ends the undo window of the plans applied more than days ago: their
 * before-images are erased, and so is what deleted records left in the
 * store's files (a purged student's data). apply_undo refuses them after. */
int apply_prune(store *s, long long days, const struct apply_opts *o);

/* Marks the store frozen (reason) or thaws it (reason NULL). */
int apply_freeze(store *s, const char *reason, const struct apply_opts *o);

#endif
