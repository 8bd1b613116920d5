#ifndef RP_OPTS_H
#define RP_OPTS_H

#include <getopt.h>

/* Long options every program takes (SPEC.md conventions). */
enum {
	RP_OPT_VERSION = 1000,
	RP_OPT_MAX_ERRORS,
	RP_OPT_KEEP_GOING,
	RP_OPT_ALLOW_REJECTS,
	RP_OPT_ERROR_FORMAT,
	RP_OPT_QUIET,
	RP_OPT_STRICT,
	RP_OPT_FIRST_PROGRAM_OPTION /* programs number their own from here */
};

#define RP_COMMON_LONGOPTS                                                   \
	{"help", no_argument, NULL, 'h'},                                    \
	{"version", no_argument, NULL, RP_OPT_VERSION},                      \
	{"max-errors", required_argument, NULL, RP_OPT_MAX_ERRORS},          \
	{"keep-going", no_argument, NULL, RP_OPT_KEEP_GOING},                \
	{"allow-rejects", no_argument, NULL, RP_OPT_ALLOW_REJECTS},          \
	{"error-format", required_argument, NULL, RP_OPT_ERROR_FORMAT},      \
	{"quiet", no_argument, NULL, RP_OPT_QUIET},                          \
	{"strict", no_argument, NULL, RP_OPT_STRICT}

/* Help text for the common options, for the end of each program's usage. */
#define RP_COMMON_HELP                                                       \
	"  --max-errors N       stop after N data errors (default 20)\n"      \
	"  --keep-going         report bad records, skip them, go on\n"      \
	"  --allow-rejects      with --keep-going, exit 0 despite skipped records\n" \
	"  --error-format json  errors as JSON objects on stderr\n"           \
	"  --strict             warnings (values dropped) are errors\n"      \
	"  --quiet              no progress messages\n"                       \
	"  -h, --help           this help;  --version  the version\n"         \
	"\nExit status: 0 success, 1 bad data (nothing changed), 2 usage error,\n" \
	"3 a safety guard refused, 4 an I/O or store failure.\n"

/*
 * Handles c if it is a common option (or '?' / ':' from getopt) and returns
 * 1; returns 0 for the program's own options. --help prints usage on stdout
 * and exits 0; --version prints "PROG VERSION" and exits 0; a bad option or
 * value prints one line naming it and "Try 'PROG --help' for more
 * information." on stderr, and exits 2.
 */
int rp_common_option(int c, const char *arg, const char *usage);

/* "PROG: message" (when fmt is not NULL) and the --help hint; exit 2.
 * usage is not printed: --help does that. */
_Noreturn void rp_usage_error(const char *usage, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Parses a whole non-negative number, or exits 2 naming the option. */
long rp_parse_count(const char *arg, const char *option, const char *usage);

/* Parses a number from 0 to 1 (a guard's ratio), or exits 2 naming the
 * option: nan, a sign before a space, anything after the number refused. */
double rp_parse_ratio(const char *arg, const char *option, const char *usage);

#endif
