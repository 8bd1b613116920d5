#include "err.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "jsonesc.h"
#include "progress.h"

const char *rp_prog = "rosterpipe";
struct rp_errpolicy rp_policy = {.max_errors = 20};
static long error_count, warning_count;

void rp_setprog(const char *argv0)
{
	const char *slash = strrchr(argv0, '/');
	/* argv[0] itself becomes the bare name (argv's strings are the
	 * program's to change), so that getopt's messages name the program
	 * as ours do: "apply: unrecognized option '--x'" */
	if (slash)
		memmove((char *)argv0, slash + 1, strlen(slash + 1) + 1);
	rp_prog = argv0;
	/* past a file size limit a write fails (EFBIG), reported as an I/O
	 * failure with its message, instead of the signal killing the program
	 * with nothing said */
	signal(SIGXFSZ, SIG_IGN);
	/* everything a program creates holds personal data (stores and their
	 * -wal and -shm files, backups, archives, reports, spools): readable
	 * by its owner alone, whatever the umask it was started with */
	umask(077);
	/* Ctrl-C: a line saying what was left as it was, exit 130 */
	interrupt_install();
}

static void write_json(const char *level, const char *code, const char *msg);

/* One message; with --error-format json, one JSON object (program, level,
 * code, message), so that every line a program writes on stderr is one. */
static void vmessage(const char *level, const char *code, const char *fmt,
		     va_list ap, int errnum)
{
	progress_clear(); /* a message never shares the progress line */
	if (rp_policy.json) {
		char msg[1024];
		int n = vsnprintf(msg, sizeof msg, fmt, ap);
		if (errnum && n >= 0 && (size_t)n < sizeof msg)
			snprintf(msg + n, sizeof msg - (size_t)n, ": %s", strerror(errnum));
		write_json(level, code, msg);
		return;
	}
	fprintf(stderr, "%s: ", rp_prog);
	vfprintf(stderr, fmt, ap);
	if (errnum)
		fprintf(stderr, ": %s", strerror(errnum));
	fputc('\n', stderr);
}

void rp_warnx(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmessage("error", NULL, fmt, ap, 0);
	va_end(ap);
}

void rp_warn(const char *fmt, ...)
{
	int errnum = errno;
	va_list ap;
	va_start(ap, fmt);
	vmessage("error", "io_error", fmt, ap, errnum);
	va_end(ap);
}

void rp_errx(const char *code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmessage("error", code, fmt, ap, 0);
	va_end(ap);
}

void rp_note(const char *code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmessage("info", code, fmt, ap, 0);
	va_end(ap);
}

const char *rp_exit_code_name(int status)
{
	switch (status) {
	case RP_EXIT_DATA: return "bad_data";
	case RP_EXIT_USAGE: return "usage";
	case RP_EXIT_GUARD: return "refused";
	case RP_EXIT_IO: return "io_error";
	default: return NULL;
	}
}

void rp_die(int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmessage("error", rp_exit_code_name(code), fmt, ap, 0);
	va_end(ap);
	exit(code);
}

static void json_member(const char *key, const char *val, int *first)
{
	if (!val)
		return;
	fprintf(stderr, "%s\"%s\":", *first ? "" : ",", key);
	jsonesc_fputs(val, stderr);
	*first = 0;
}

static void write_json(const char *level, const char *code, const char *msg)
{
	int first = 1;
	fputc('{', stderr);
	json_member("program", rp_prog, &first);
	json_member("level", level, &first);
	json_member("code", code, &first);
	json_member("message", msg, &first);
	fputs("}\n", stderr);
}

static void write_error(const struct rp_loc *loc, const char *msg,
			const char *level)
{
	progress_clear();
	if (rp_policy.json) {
		int first = 1;
		fputc('{', stderr);
		json_member("program", rp_prog, &first);
		json_member("level", level, &first);
		json_member("file", loc->file, &first);
		if (loc->line > 0)
			fprintf(stderr, ",\"line\":%ld", loc->line);
		if (loc->item > 0)
			fprintf(stderr, ",\"item\":%ld", loc->item);
		json_member("field", loc->field, &first);
		json_member("code", loc->code, &first);
		json_member("message", msg, &first);
		json_member("source_id", loc->source_id, &first);
		fputs("}\n", stderr);
		return;
	}
	fprintf(stderr, "%s: ", rp_prog);
	if (loc->file && loc->line > 0)
		fprintf(stderr, "%s:%ld: ", loc->file, loc->line);
	else if (loc->file)
		fprintf(stderr, "%s: ", loc->file);
	/* a record of an API page: its place in the page, and its id */
	if (loc->item > 0)
		fprintf(stderr, "item %ld: ", loc->item);
	if (loc->named && loc->source_id)
		fprintf(stderr, "id %s: ", loc->source_id);
	if (loc->field)
		fprintf(stderr, "%s: ", loc->field);
	if (strcmp(level, "error") != 0) /* the text form says only warnings */
		fprintf(stderr, "%s: ", level);
	fprintf(stderr, "%s\n", msg);
}

void rp_report(const char *level, const struct rp_loc *loc, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	write_error(loc, msg, level);
}

void rp_error(const struct rp_loc *loc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	rp_verror(loc, fmt, ap);
	va_end(ap);
}

void rp_verror(const struct rp_loc *loc, const char *fmt, va_list ap)
{
	char msg[1024];
	vsnprintf(msg, sizeof msg, fmt, ap);

	error_count++;
	if (error_count <= rp_policy.max_errors)
		write_error(loc, msg, "error");
	if (!rp_policy.keep_going && error_count >= rp_policy.max_errors) {
		rp_warnx("stopping after %ld errors (--max-errors)",
			 error_count);
		exit(RP_EXIT_DATA);
	}
}

bool rp_warning(const struct rp_loc *loc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	bool rejected = rp_vwarning(loc, fmt, ap);
	va_end(ap);
	return rejected;
}

bool rp_vwarning(const struct rp_loc *loc, const char *fmt, va_list ap)
{
	if (rp_policy.strict) {
		rp_verror(loc, fmt, ap);
		return true;
	}
	char msg[1024];
	vsnprintf(msg, sizeof msg, fmt, ap);
	warning_count++;
	write_error(loc, msg, "warning");
	return false;
}

long rp_error_count(void) { return error_count; }

long rp_warning_count(void) { return warning_count; }

int rp_finish(int rc)
{
	if (error_count == 0)
		return rc;
	if (rp_policy.keep_going) {
		rp_warnx("%ld bad record%s skipped", error_count,
			 error_count == 1 ? "" : "s");
		if (rp_policy.allow_rejects)
			return rc;
	}
	return rc ? rc : RP_EXIT_DATA;
}
