#include "opts.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "progress.h"

void rp_usage_error(const char *usage, const char *fmt, ...)
{
	(void)usage; /* --help shows it; a usage error names what is wrong */
	if (fmt) {
		va_list ap;
		fprintf(stderr, "%s: ", rp_prog);
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fputc('\n', stderr);
	}
	fprintf(stderr, "Try '%s --help' for more information.\n", rp_prog);
	exit(RP_EXIT_USAGE);
}

long rp_parse_count(const char *arg, const char *option, const char *usage)
{
	char *end;
	errno = 0;
	long n = strtol(arg, &end, 10);
	if (errno || !isdigit((unsigned char)*arg) || *end || n < 0)
		rp_usage_error(usage, "%s: not a whole number: %s", option, arg);
	return n;
}

double rp_parse_ratio(const char *arg, const char *option, const char *usage)
{
	char *end;
	double r = strtod(arg, &end);
	/* NaN fails both comparisons: nan cannot switch a guard off */
	if (*end || end == arg || isspace((unsigned char)*arg) || !(r >= 0 && r <= 1))
		rp_usage_error(usage, "%s: a number from 0 to 1, not %s", option, arg);
	return r;
}

int rp_common_option(int c, const char *arg, const char *usage)
{
	switch (c) {
	case 'h':
		fputs(usage, stdout);
		exit(fflush(stdout) ? RP_EXIT_IO : RP_EXIT_OK);
	case RP_OPT_VERSION:
		printf("%s %s\n", rp_prog, RP_VERSION);
		exit(fflush(stdout) ? RP_EXIT_IO : RP_EXIT_OK);
	case RP_OPT_MAX_ERRORS:
		rp_policy.max_errors = rp_parse_count(arg, "--max-errors", usage);
		if (rp_policy.max_errors == 0)
			rp_usage_error(usage, "--max-errors must be at least 1");
		return 1;
	case RP_OPT_KEEP_GOING:
		rp_policy.keep_going = true;
		return 1;
	case RP_OPT_ALLOW_REJECTS:
		rp_policy.allow_rejects = true;
		return 1;
	case RP_OPT_ERROR_FORMAT:
		if (strcmp(arg, "json") == 0) {
			rp_policy.json = true;
			interrupt_message("interrupted"); /* said as JSON too */
		}
		else if (strcmp(arg, "text") == 0)
			rp_policy.json = false;
		else
			rp_usage_error(usage,
				       "--error-format: expected json or text, not %s",
				       arg);
		return 1;
	case RP_OPT_QUIET:
		rp_policy.quiet = true;
		return 1;
	case RP_OPT_STRICT:
		rp_policy.strict = true;
		return 1;
	case '?':
	case ':':
		/* getopt named the option ("unrecognized option '--x'", "option
		 * '--db' requires an argument"): one line more, not the usage */
		rp_usage_error(usage, NULL);
	}
	return 0;
}
