#ifndef RP_REPORT_H
#define RP_REPORT_H

#include <stdio.h>

#include "guardrule.h"
#include "ndjson.h"

/*
 * plan-report: a plan and the state it was computed against, as a report
 * for the person who decides whether to let the plan through. Per school
 * (by name): the operations counted, the people that deletes, restores,
 * links, conflicts and moves concern, field changes summed up with a few
 * examples, and the delete guard's verdict, computed from the state the
 * way apply computes it from the store (lib/report/guard.c).
 *
 * The report holds personal data (names, the values that change): it is
 * written where the caller says, and nowhere else.
 */
typedef struct rpt rpt;

enum rpt_format { RPT_MARKDOWN, RPT_HTML };

struct rpt_opts {
	enum rpt_format format;
	/* the guard's limits, as apply takes them (--max-delete-ratio,
	 * --max-delete-count, --guard-floor) */
	struct guard_limits guard;
};

rpt *rpt_new(const struct rpt_opts *o);
void rpt_free(rpt *r);

/* Reads the state (snapshot output; an empty stream is an empty store).
 * Returns an exit status: 0, 1 (bad records, reported) or 4. */
int rpt_read_state(rpt *r, nd_reader *in);

/* Reads the plan: a header and its operations and conflicts, or
 * operations with no header (a hand-written plan). One plan: a second
 * header is an error. Call after rpt_read_state. Returns 0, 1 or 4. */
int rpt_read_plan(rpt *r, nd_reader *in);

/* Writes the report. Returns 0, or -1 when the output failed (errno). */
int rpt_write(rpt *r, FILE *out);

#endif
