/*
 * The delete guard's rule, once (docs/design.md, "The guard"): what a plan
 * takes from one school is weighed as losses, each against what the school
 * holds; a loss over the ratio (in a group of at least the floor) or over
 * the count refuses the plan. apply judges a plan on the store's counts and
 * plan-report on the state's, with this one rule and these words, so the
 * two cannot come to different verdicts.
 */
#ifndef RP_GUARDRULE_H
#define RP_GUARDRULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "record.h"

/* --max-delete-ratio, --max-delete-count, --guard-floor */
struct guard_limits {
	double max_ratio;    /* a share from 0 to 1 */
	long long max_count; /* -1: no limit */
	long long floor;     /* smaller groups are not held to the ratio */
};

#define GUARD_LIMITS_DEFAULT {.max_ratio = 0.2, .max_count = -1, .floor = 5}

/* What a plan takes from one school, counted as its operations are read
 * (apply's checking pass, plan-report's reading of the plan). */
struct guard_taken {
	long soft, hard;   /* users soft- and hard-deleted */
	long moved_out;	   /* users taken out of the school */
	/* deleted, unless their terms all ended before the plan was made (a
	 * rollover); created: set against them */
	long sections_deleted, sections_created;
	long enrollments_deleted, enrollments_created;
	long cleared[REC_MAX_FIELDS]; /* users whose field f is cleared */
};

/* What the school holds: the "of" of each loss. */
struct guard_held {
	long long active, users, sections, enrollments;
};

enum guard_kind {
	GUARD_SOFT,
	GUARD_HARD,
	GUARD_SECTIONS,
	GUARD_ENROLLMENTS,
	GUARD_MOVED_OUT,
	GUARD_CLEARED,
};

struct guard_loss {
	enum guard_kind kind;
	long n;
	long long of;
	const char *field; /* GUARD_CLEARED: the field's name */
};

#define GUARD_MAX_LOSSES (GUARD_CLEARED + REC_MAX_FIELDS)

/* Whether the plan takes anything at all from the school (before its
 * holdings are looked up). */
bool guard_takes_any(const struct guard_taken *t);

/* The school's losses, in a fixed order: soft, hard, sections, enrollments
 * (net of the same plan's creates there: classes replaced are not lost),
 * moved out, then each field cleared. Returns how many. */
size_t guard_losses(const struct guard_taken *t, const struct guard_held *h,
		    struct guard_loss out[GUARD_MAX_LOSSES]);

double guard_share(const struct guard_loss *l);
bool guard_over(const struct guard_limits *lim, const struct guard_loss *l);
/* A group below the floor: not held to the ratio (the count still holds). */
bool guard_small_group(const struct guard_limits *lim, const struct guard_loss *l);
/* Sections or enrollments, not users. */
bool guard_is_roster(const struct guard_loss *l);

/* An enrollment created counts against those deleted once per section and
 * user, however often a plan creates it: the key apply and plan-report
 * count it by. */
uint64_t guard_enrollment_key(const char *section, const char *user);

/* The loss in the words apply refuses with: "soft-delete 5 of 12 active
 * users (41.7%; limit 20.0% of groups of 5 or more)". */
void guard_loss_text(const struct guard_limits *lim, const struct guard_loss *l,
		     char *buf, size_t size);

#endif
