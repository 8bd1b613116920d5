#ifndef RP_PROGRESS_H
#define RP_PROGRESS_H

#include <stdbool.h>

/*
 * Progress on a terminal, and what Ctrl-C says.
 *
 * One line on stderr, updated in place ("\r", cleared when the phase
 * ends): the phase, n/N or a percentage, the rate and the time left when
 * the total is known, else a plain count. Shown only when stderr is a
 * terminal, --quiet was not given, and the run has lasted about two
 * seconds (RP_PROGRESS_AFTER=SECONDS changes that, and makes the clock be
 * read at every unit: for tests of small inputs); redrawn at
 * most ten times a second. There is one line per program, so the state is
 * global.
 *
 * The record loop's cost is PROGRESS_TICK: an add and a compare. The
 * clock is read only every `step` units (256 operations or records; every
 * chunk of bytes read), and not at all when progress is off.
 */
extern long long rp_progress_done;     /* units done in the phase */
extern long long rp_progress_check_at; /* done at which to look at the clock */
void progress_check(void);

#define PROGRESS_TICK(n)                                                   \
	do {                                                               \
		if ((rp_progress_done += (n)) >= rp_progress_check_at)     \
			progress_check();                                  \
	} while (0)

/* Units a phase counts: they name it ("ops", "records") and say how
 * counts are written; bytes are written as MB. */
#define PROGRESS_BYTES "bytes"

/* Starts a phase: what is done ("applying"), the total (-1: unknown) and
 * the unit. Ends the phase before, if any. No-op when progress is off. */
void progress_begin(const char *what, long long total, const char *unit);
/* The total, once known (-1: unknown). */
void progress_set_total(long long total);
/* The sum of the sizes of the files named (none: standard input), for a
 * phase that reads them through lib/input; -1 when one of them is not a
 * regular file (a pipe, a terminal). */
long long progress_files_size(char *const *paths, int n);
/* Input read through lib/input is counted in bytes when the phase counts
 * bytes; a gzip file makes the total unknown (its bytes inflate). */
void progress_input_bytes(long long n);
void progress_input_inflates(void);
/* Clears the line, if one was drawn; the phase goes on (the line comes
 * back at the next check): for a message between two progress lines. */
void progress_clear(void);
/* Clears the line and ends the phase. */
void progress_end(void);
/* Whether progress is shown at all (a terminal, not --quiet). */
bool progress_enabled(void);

/*
 * Ctrl-C (SIGINT): the program stops at once, says what it leaves as it
 * was, and exits 130. rp_setprog installs the handler, unless SIGINT is
 * ignored (a background job of a shell script): then it stays ignored.
 * The message is what the program guarantees at that point; set it again
 * as the run goes on. Files named by interrupt_unlink are removed first
 * (a store apply has just created, a half backup).
 */
void interrupt_install(void);
void interrupt_message(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void interrupt_unlink(const char *path); /* NULL: forget the files */
/* Holds SIGINT off around a step that must not be cut short in the middle
 * of what the message says (a commit), and lets it in again. */
void interrupt_hold(void);
void interrupt_release(void);

#endif
