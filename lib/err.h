#ifndef RP_ERR_H
#define RP_ERR_H

#include <stdarg.h>
#include <stdbool.h>

/* Exit codes fixed by SPEC.md. */
enum {
	RP_EXIT_OK = 0,
	RP_EXIT_DATA = 1,  /* bad data, nothing was changed */
	RP_EXIT_USAGE = 2,
	RP_EXIT_GUARD = 3, /* a safety guard refused */
	RP_EXIT_IO = 4,    /* I/O or store failure */
};

extern const char *rp_prog;

/* Names the program (for messages; argv0, main's argv[0], is cut to its
 * base name in place, so that getopt's messages say it too), ignores
 * SIGXFSZ (a file size limit is a failed write, not a death), sets umask
 * 077: every file and folder a program creates is its owner's alone
 * (docs/design.md, "Private files"), and installs the Ctrl-C handler
 * (progress.h). */
void rp_setprog(const char *argv0);

/* "prog: message" on stderr. rp_warn appends ": strerror(errno)". */
void rp_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void rp_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void rp_die(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The same line, but with --error-format json an object naming its level
 * and a code: rp_errx an error ("level":"error"), rp_note information
 * ("level":"info": a summary, "nothing to do"). rp_warnx and rp_die are
 * errors too (rp_warn's code is io_error, rp_die's its exit status's
 * name: bad_data, usage, refused, io_error). */
void rp_errx(const char *code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void rp_note(const char *code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
const char *rp_exit_code_name(int status);

/* How data errors are handled; filled in from the common options. */
struct rp_errpolicy {
	long max_errors;    /* messages before giving up (default 20) */
	bool keep_going;    /* skip bad records instead of failing the run */
	bool allow_rejects; /* with keep_going: exit 0 although records were skipped */
	bool json;          /* --error-format json */
	bool quiet;
	bool strict;        /* --strict: warnings are errors */
};
extern struct rp_errpolicy rp_policy;

/* Where a data error is. Any member may be NULL / 0. */
struct rp_loc {
	const char *file;
	long line;
	long item;             /* 1-based position in an API page; 0 = none */
	const char *field;     /* the column or field at fault */
	const char *code;      /* machine-readable class, e.g. "bad_grade" */
	const char *source_id; /* the record's id: never personal data */
	bool named;            /* the text form names the record ("id X: ") */
};

/*
 * Reports one bad record as "prog: file:line: field: message" (or one JSON
 * object with --error-format json). Counts it. Without --keep-going the run
 * stops (exit 1) once max_errors messages have been written; with it, messages
 * past max_errors are counted but not written.
 */
void rp_error(const struct rp_loc *loc, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

void rp_verror(const struct rp_loc *loc, const char *fmt, va_list ap);

/* A located message that is not a bad record (a refusal, a store error):
 * written as rp_error writes, at level "error" or "info", never counted. */
void rp_report(const char *level, const struct rp_loc *loc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Reports a problem that rejects nothing (a value dropped, a file the
 * manifest and the package disagree on that holds no rows) as
 * "prog: file:line: field: warning: message", or JSON with
 * "level":"warning" (errors carry "level":"error"). Not counted, not
 * limited by --max-errors: the exit status stays as it is. With --strict
 * (rp_policy.strict) it is reported and counted as an error instead, and
 * rp_warning returns true, so that a caller that can rejects the record.
 */
bool rp_warning(const struct rp_loc *loc, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
bool rp_vwarning(const struct rp_loc *loc, const char *fmt, va_list ap);

long rp_error_count(void);
long rp_warning_count(void);

/* Exit status for the end of a run: rc unless data errors make it 1. Writes
 * the "N records rejected" summary when --keep-going skipped records. */
int rp_finish(int rc);

#endif
