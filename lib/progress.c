#include "progress.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "jsonesc.h"

long long rp_progress_done;
long long rp_progress_check_at = LLONG_MAX;

static int enabled = -1;	 /* -1: not decided yet */
static double after = 2.0;	 /* seconds of run before anything is shown */
static bool test_hook;		 /* RP_PROGRESS_AFTER given */
static double t_start;		 /* the run's first phase */
static double t_phase, t_drawn;  /* this phase's start, the last drawing */
static long long total = -1, step = 256;
static char what[64], unit[16];
static bool phase_open, drawn, bytes;
static volatile sig_atomic_t line_shown; /* for the interrupt handler */

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

bool progress_enabled(void)
{
	if (enabled < 0) {
		enabled = !rp_policy.quiet && isatty(STDERR_FILENO);
		const char *a = getenv("RP_PROGRESS_AFTER");
		if (a && *a) {
			char *end;
			double v = strtod(a, &end);
			if (!*end && v >= 0)
				after = v;
			test_hook = true; /* tests: look at the clock every unit */
		}
	}
	return enabled;
}

void progress_begin(const char *w, long long t, const char *u)
{
	progress_end();
	rp_progress_done = 0;
	rp_progress_check_at = LLONG_MAX;
	if (!progress_enabled())
		return;
	double n = now();
	if (t_start == 0)
		t_start = n;
	t_phase = n;
	t_drawn = 0;
	total = t;
	snprintf(what, sizeof what, "%s", w);
	snprintf(unit, sizeof unit, "%s", u);
	bytes = strcmp(u, PROGRESS_BYTES) == 0;
	step = bytes || test_hook ? 1 : 256; /* bytes come a chunk (128 KiB) at a time */
	phase_open = true;
	rp_progress_check_at = step;
}

void progress_set_total(long long t)
{
	total = t;
}

void progress_input_bytes(long long n)
{
	if (bytes && phase_open)
		PROGRESS_TICK(n);
}

void progress_input_inflates(void)
{
	if (bytes && phase_open)
		total = -1;
}

long long progress_files_size(char *const *paths, int n)
{
	long long sum = 0;
	struct stat st;
	if (n == 0)
		return fstat(STDIN_FILENO, &st) == 0 && S_ISREG(st.st_mode) ? st.st_size : -1;
	for (int i = 0; i < n; i++) {
		int ok = strcmp(paths[i], "-") == 0 ? fstat(STDIN_FILENO, &st) == 0
						     : stat(paths[i], &st) == 0;
		if (!ok || !S_ISREG(st.st_mode))
			return -1;
		sum += st.st_size;
	}
	return sum;
}

/* A count as people read it: 1234567 bytes as "1.2 MB", else digits. */
static void amount(char *out, size_t size, double v)
{
	if (bytes)
		snprintf(out, size, "%.1f MB", v / 1e6);
	else
		snprintf(out, size, "%.0f", v);
}

static void draw(double t)
{
	char line[512], done[32], all[32], rate[64] = "", left[64] = "";
	double elapsed = t - t_phase;
	double per_s = elapsed > 0.5 ? (double)rp_progress_done / elapsed : 0;
	amount(done, sizeof done, (double)rp_progress_done);
	if (per_s > 0) {
		char r[32];
		amount(r, sizeof r, per_s);
		snprintf(rate, sizeof rate, ", %s%s%s/s", r, bytes ? "" : " ",
			 bytes ? "" : unit);
	}
	if (total > 0 && rp_progress_done <= total) {
		amount(all, sizeof all, (double)total);
		if (per_s > 0) {
			long s = (long)((double)(total - rp_progress_done) / per_s + 0.5);
			if (s >= 60)
				snprintf(left, sizeof left, ", %ld min %02ld s left", s / 60, s % 60);
			else
				snprintf(left, sizeof left, ", %ld s left", s);
		}
		if (bytes)
			snprintf(line, sizeof line, "%s: %s: %.0f%% (%s of %s%s%s)", rp_prog,
				 what, 100.0 * (double)rp_progress_done / (double)total,
				 done, all, rate, left);
		else
			snprintf(line, sizeof line, "%s: %s: %s/%s %s (%.0f%%%s%s)", rp_prog,
				 what, done, all, unit,
				 100.0 * (double)rp_progress_done / (double)total, rate, left);
	} else {
		snprintf(line, sizeof line, "%s: %s: %s%s%s%s", rp_prog, what, done,
			 bytes ? "" : " ", bytes ? "" : unit, rate);
	}
	/* one line, cleared to its end: a shorter line leaves nothing behind */
	fprintf(stderr, "\r%s\033[K", line);
	fflush(stderr);
	drawn = true;
	line_shown = 1;
	t_drawn = t;
}

void progress_check(void)
{
	rp_progress_check_at = rp_progress_done + step;
	if (!phase_open)
		return;
	double t = now();
	if (t - t_start < after || t - t_drawn < 0.1) /* at most 10 a second */
		return;
	draw(t);
}

void progress_clear(void)
{
	if (drawn) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
	}
	drawn = false;
	line_shown = 0;
	t_drawn = 0; /* back at the next check, not a tenth of a second later */
}

void progress_end(void)
{
	progress_clear();
	phase_open = false;
	rp_progress_check_at = LLONG_MAX;
}

/* ---- Ctrl-C ------------------------------------------------------------ */

static char said[4200] = "interrupted";
static size_t said_len;
static char unlinks[4][4096];
static int nunlinks;

static void on_sigint(int sig)
{
	(void)sig;
	/* only async-signal-safe calls: write, unlink, _exit */
	if (line_shown)
		(void)!write(STDERR_FILENO, "\r\033[K", 4);
	for (int i = 0; i < nunlinks; i++)
		unlink(unlinks[i]);
	(void)!write(STDERR_FILENO, said, said_len);
	_exit(130);
}

/* The whole line the handler writes, made here, where printf is safe. */
static void compose(const char *msg)
{
	if (rp_policy.json) {
		char esc_prog[JSONESC_MAX(64)], esc_msg[JSONESC_MAX(600)];
		*jsonesc(esc_prog, rp_prog, strnlen(rp_prog, 64)) = '\0';
		*jsonesc(esc_msg, msg, strnlen(msg, 600)) = '\0';
		snprintf(said, sizeof said,
			 "{\"program\":%s,\"level\":\"error\",\"code\":\"interrupted\","
			 "\"message\":%s}\n", esc_prog, esc_msg);
	} else {
		snprintf(said, sizeof said, "%s: %s\n", rp_prog, msg);
	}
	said_len = strlen(said);
}

void interrupt_install(void)
{
	struct sigaction sa, old;
	if (sigaction(SIGINT, NULL, &old) == 0 && old.sa_handler == SIG_IGN)
		return; /* a background job: the shell wants it to ignore Ctrl-C */
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_sigint;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	compose("interrupted");
}

void interrupt_message(const char *fmt, ...)
{
	char msg[600];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	sigset_t block, old;
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &old);
	compose(msg);
	sigprocmask(SIG_SETMASK, &old, NULL);
}

void interrupt_unlink(const char *path)
{
	sigset_t block, old;
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &old);
	if (!path)
		nunlinks = 0;
	else if (nunlinks < 4)
		snprintf(unlinks[nunlinks++], sizeof unlinks[0], "%s", path);
	sigprocmask(SIG_SETMASK, &old, NULL);
}

void interrupt_hold(void)
{
	sigset_t block;
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, NULL);
}

void interrupt_release(void)
{
	sigset_t block;
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_UNBLOCK, &block, NULL);
}
