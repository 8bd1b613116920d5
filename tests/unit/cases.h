#ifndef RP_TEST_CASES_H
#define RP_TEST_CASES_H

/*
 * Table-driven unit tests: cases written as data in a .test file, on the
 * model of jq's jq.test, read by the test program that drives a core
 * (test_diff, test_apply, test_norm).
 *
 * The format. A case is a block of lines; blank lines separate cases:
 *
 *     # A title: what the case shows       <- the first # line is the title
 *     # more comment lines, if any
 *     [options] --match email              <- a section: [name] and an
 *     [state]                                 optional value on the same line,
 *     {"type":"snapshot","version":1}         then its lines, verbatim, up to
 *     {"type":"user","id":"u1",...}           the next section or the blank
 *     [incoming]                              line that ends the case
 *     ...
 *     [plan]
 *     ...
 *
 * Lines starting with # are comments anywhere in a case (put them before
 * the first section: --record drops those inside expected sections). A
 * block with no section at all is a comment block (the file's own notes).
 * Each .test file says at its top which sections it takes, which of them
 * are the expected results, and what an absent one means.
 *
 * Where the files are: the program's argument (a .test file), else
 * $TESTDATA/../tests/unit/cases/NAME.test ($TESTDATA is set by
 * tests/run-tests), else testdata/../tests/unit/cases/NAME.test from the
 * repository root (as test_zip finds its fixtures).
 *
 * Each case runs in a child process (fork): the cores keep process-wide
 * state (the error count, --max-errors, exit() on fatal errors), and a
 * child also catches a crash or a sanitizer report as a failed case. The
 * child's standard error is captured and compared; so is what it writes to
 * the output descriptor it is handed.
 *
 * --record (as the first argument) prints the case file again with every
 * expected section replaced by what the code does now, instead of TAP: a
 * way to fill in a new case. Read what it wrote before keeping it: the
 * suite holds the code to it.
 *
 * Static functions, like harness.h; include harness.h first (a broken case
 * file is reported through its counters).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define CASES_FN static __attribute__((unused))

struct case_section {
	char *name;
	char *value; /* the text after [name] on its line, "" when none */
	char **lines;
	size_t n, cap;
	long line; /* of the [name] line */
	long end;  /* the line after its last one */
};

struct tcase {
	char *title;
	long line, end; /* first line, and the line after the last */
	struct case_section *s;
	size_t ns;
};

struct caseset {
	const char *path;
	char *name; /* the file's base name, for messages */
	char **raw; /* the file's lines, for --record */
	size_t nraw;
	struct tcase *v;
	size_t n;
};

/* Ends the run on a broken test (an unreadable or malformed case file): a
 * failed check and the closing count, so that the runners count it. */
CASES_FN void cases_die(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	t_failed++;
	printf("not ok %d - %s\n", t_passed + t_failed, msg);
	printf("%d passed, %d failed\n", t_passed, t_failed);
	exit(1);
}

CASES_FN char *cases_strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = malloc(n);
	if (!d)
		cases_die("out of memory");
	return memcpy(d, s, n);
}

CASES_FN void *cases_grow(void *p, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return p;
	*cap = *cap ? *cap * 2 : 8;
	p = realloc(p, *cap * size);
	if (!p)
		cases_die("out of memory");
	return p;
}

/* A whole file as a string (NUL-ended); NULL when it won't read. */
CASES_FN char *cases_slurp_fd(int fd)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
	ssize_t got;
	if (!buf)
		cases_die("out of memory");
	if (lseek(fd, 0, SEEK_SET) < 0) {
		free(buf);
		return NULL;
	}
	while ((got = read(fd, buf + len, cap - len - 1)) > 0) {
		len += (size_t)got;
		if (len + 1 == cap && !(buf = realloc(buf, cap *= 2)))
			cases_die("out of memory");
	}
	buf[len] = '\0';
	return buf;
}

/* The case file: argv's, or NAME under $TESTDATA/../tests/unit/cases. */
CASES_FN const char *cases_path(const char *arg, const char *name)
{
	static char path[4096];
	if (arg)
		return arg;
	const char *td = getenv("TESTDATA");
	if (!td || !*td)
		td = "testdata";
	snprintf(path, sizeof path, "%s/../tests/unit/cases/%s", td, name);
	return path;
}

CASES_FN bool cases_allowed(const char *name, const char *const *allowed)
{
	for (size_t i = 0; allowed[i]; i++)
		if (strcmp(allowed[i], name) == 0)
			return true;
	return false;
}

/* Reads the case file; an unreadable file or an unknown section name
 * ends the run (a failed check). */
CASES_FN void cases_load(struct caseset *cs, const char *path,
			 const char *const *allowed)
{
	memset(cs, 0, sizeof *cs);
	cs->path = path;
	const char *slash = strrchr(path, '/');
	cs->name = cases_strdup(slash ? slash + 1 : path);
	int fd = open(path, O_RDONLY);
	char *text = fd >= 0 ? cases_slurp_fd(fd) : NULL;
	if (fd >= 0)
		close(fd);
	if (!text)
		cases_die("%s: %s (set TESTDATA, or give the case file)", path,
			  strerror(errno));
	size_t rawcap = 0;
	for (char *p = text; *p;) {
		char *nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		cs->raw = cases_grow(cs->raw, &rawcap, cs->nraw, sizeof *cs->raw);
		cs->raw[cs->nraw++] = cases_strdup(p);
		p = nl ? nl + 1 : p + strlen(p);
	}
	free(text);

	size_t vcap = 0, scap = 0;
	struct tcase *c = NULL;
	for (size_t i = 0; i <= cs->nraw; i++) {
		const char *l = i < cs->nraw ? cs->raw[i] : "";
		long lineno = (long)i + 1;
		if (*l == '\0') { /* the end of a block */
			if (c) {
				c->end = lineno;
				if (c->ns)
					c->s[c->ns - 1].end = lineno;
				if (c->ns == 0) { /* a comment block */
					free(c->title);
					cs->n--;
				}
			}
			c = NULL;
			continue;
		}
		if (!c) {
			cs->v = cases_grow(cs->v, &vcap, cs->n, sizeof *cs->v);
			c = &cs->v[cs->n++];
			memset(c, 0, sizeof *c);
			c->line = lineno;
			scap = 0;
		}
		if (l[0] == '#') {
			if (!c->title && c->ns == 0) {
				const char *t = l + 1;
				while (*t == ' ')
					t++;
				c->title = cases_strdup(t);
			}
			continue;
		}
		if (l[0] == '[') {
			const char *close = strchr(l, ']');
			if (!close)
				cases_die("%s:%ld: a section name needs its ]", path,
					  lineno);
			char name[64];
			snprintf(name, sizeof name, "%.*s", (int)(close - l - 1), l + 1);
			if (!cases_allowed(name, allowed))
				cases_die("%s:%ld: unknown section [%s]", path, lineno,
					  name);
			const char *value = close + 1;
			while (*value == ' ')
				value++;
			if (c->ns)
				c->s[c->ns - 1].end = lineno;
			c->s = cases_grow(c->s, &scap, c->ns, sizeof *c->s);
			struct case_section *s = &c->s[c->ns++];
			memset(s, 0, sizeof *s);
			s->name = cases_strdup(name);
			s->value = cases_strdup(value);
			s->line = lineno;
			continue;
		}
		if (c->ns == 0)
			cases_die("%s:%ld: a line before any [section]", path, lineno);
		struct case_section *s = &c->s[c->ns - 1];
		s->lines = cases_grow(s->lines, &s->cap, s->n, sizeof *s->lines);
		s->lines[s->n++] = cs->raw[i];
	}
	for (size_t i = 0; i < cs->n; i++)
		if (!cs->v[i].title) {
			char t[64];
			snprintf(t, sizeof t, "case at line %ld", cs->v[i].line);
			cs->v[i].title = cases_strdup(t);
		}
}

CASES_FN void cases_free(struct caseset *cs)
{
	for (size_t i = 0; i < cs->n; i++) {
		struct tcase *c = &cs->v[i];
		for (size_t k = 0; k < c->ns; k++) {
			free(c->s[k].name);
			free(c->s[k].value);
			free(c->s[k].lines);
		}
		free(c->s);
		free(c->title);
	}
	free(cs->v);
	for (size_t i = 0; i < cs->nraw; i++)
		free(cs->raw[i]);
	free(cs->raw);
	free(cs->name);
}

/* The first section of that name, or NULL. */
CASES_FN const struct case_section *case_get(const struct tcase *c,
					     const char *name)
{
	for (size_t i = 0; i < c->ns; i++)
		if (strcmp(c->s[i].name, name) == 0)
			return &c->s[i];
	return NULL;
}

/* A section's lines as one text, each line ending in \n ("" when the
 * section is absent or empty). Caller frees. */
CASES_FN char *case_text(const struct case_section *s)
{
	size_t len = 0;
	for (size_t i = 0; s && i < s->n; i++)
		len += strlen(s->lines[i]) + 1;
	char *t = malloc(len + 1), *p = t;
	if (!t)
		cases_die("out of memory");
	for (size_t i = 0; s && i < s->n; i++) {
		size_t n = strlen(s->lines[i]);
		memcpy(p, s->lines[i], n);
		p[n] = '\n';
		p += n + 1;
	}
	*p = '\0';
	return t;
}

/* Splits an [options] value into words at spaces (no quoting): argv[n]
 * is NULL. Caller frees argv[0] (the copy) and argv. */
CASES_FN char **case_words(const char *value, int *n)
{
	char *copy = cases_strdup(value ? value : "");
	char **argv = calloc(strlen(copy) / 2 + 2, sizeof *argv);
	if (!argv)
		cases_die("out of memory");
	*n = 0;
	for (char *save, *w = strtok_r(copy, " ", &save); w;
	     w = strtok_r(NULL, " ", &save))
		argv[(*n)++] = w;
	if (*n == 0)
		free(copy);
	return argv;
}

CASES_FN void case_words_free(char **argv, int n)
{
	if (n)
		free(argv[0]);
	free(argv);
}

/* ---- running a case in a child ------------------------------------------ */

/* A folder for temporary stores: /dev/shm when there is one (a store's
 * fsyncs cost nothing on tmpfs, and they are most of a case's time on a
 * busy disk), else /tmp. */
CASES_FN const char *cases_tmpdir(void)
{
	return access("/dev/shm", W_OK | X_OK) == 0 ? "/dev/shm" : "/tmp";
}

/* A temporary file, open for reading and writing, already unlinked. */
CASES_FN int cases_tmpfd(void)
{
	char path[] = "/tmp/rp-case.XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0)
		cases_die("mkstemp: %s", strerror(errno));
	unlink(path);
	return fd;
}

struct case_result {
	int status; /* the exit status; 128 + N when killed by signal N */
	char *out;  /* what the child wrote to out_fd */
	char *err;  /* its standard error */
};

/*
 * Runs fn(ctx, out_fd) in a child whose standard error goes to a file and
 * whose standard output is /dev/null; the child exits with what fn
 * returns (or with what the core passed to exit()).
 */
CASES_FN void case_run(int (*fn)(void *ctx, int out_fd), void *ctx,
		       struct case_result *res)
{
	int out = cases_tmpfd(), err = cases_tmpfd();
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0)
		cases_die("fork: %s", strerror(errno));
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		dup2(null, STDOUT_FILENO);
		dup2(err, STDERR_FILENO);
		close(null);
		close(err);
		exit(fn(ctx, out));
	}
	int st = 0;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	res->status = WIFEXITED(st) ? WEXITSTATUS(st)
		      : WIFSIGNALED(st) ? 128 + WTERMSIG(st) : -1;
	res->out = cases_slurp_fd(out);
	res->err = cases_slurp_fd(err);
	close(out);
	close(err);
}

CASES_FN void case_result_free(struct case_result *res)
{
	free(res->out);
	free(res->err);
	res->out = res->err = NULL;
}

/* ---- comparing ---------------------------------------------------------- */

/* Where comparisons write their diagnostics: a buffer, printed by
 * cases_diag_flush after the case's "ok" / "not ok" line. */
static FILE *cases_diag_f;
static char *cases_diag_buf;
static size_t cases_diag_len;

CASES_FN FILE *cases_diag(void)
{
	if (!cases_diag_f &&
	    !(cases_diag_f = open_memstream(&cases_diag_buf, &cases_diag_len)))
		cases_die("open_memstream: %s", strerror(errno));
	return cases_diag_f;
}

CASES_FN void cases_diag_flush_to(FILE *to)
{
	if (!cases_diag_f)
		return;
	fclose(cases_diag_f);
	fputs(cases_diag_buf, to);
	free(cases_diag_buf);
	cases_diag_f = NULL;
	cases_diag_buf = NULL;
}

CASES_FN void cases_diag_flush(void) { cases_diag_flush_to(stdout); }

/* Splits text at \n into lines (the text is changed); a last line without
 * \n counts too. Caller frees the array. */
CASES_FN char **cases_lines(char *text, size_t *n)
{
	size_t cap = 0;
	char **v = NULL;
	*n = 0;
	for (char *p = text; p && *p;) {
		char *nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		v = cases_grow(v, &cap, *n, sizeof *v);
		v[(*n)++] = p;
		p = nl ? nl + 1 : NULL;
	}
	return v;
}

/*
 * Compares expected lines with the text got; on a difference prints a
 * line diff as TAP comments ("-" expected only, "+" got only, " " both)
 * headed by what. Returns whether they are the same.
 */
CASES_FN bool cases_same_lines(const char *what, char *const *want,
			       size_t nwant, const char *got_text)
{
	char *copy = cases_strdup(got_text ? got_text : "");
	size_t ngot;
	char **got = cases_lines(copy, &ngot);
	bool same = ngot == nwant;
	for (size_t i = 0; same && i < nwant; i++)
		same = strcmp(want[i], got[i]) == 0;
	if (!same) {
		/* longest common subsequence, then walk it */
		size_t w = ngot + 1;
		unsigned *lcs = calloc((nwant + 1) * w, sizeof *lcs);
		if (!lcs)
			cases_die("out of memory");
		for (size_t i = nwant; i-- > 0;)
			for (size_t j = ngot; j-- > 0;)
				lcs[i * w + j] = strcmp(want[i], got[j]) == 0
					? lcs[(i + 1) * w + j + 1] + 1
					: lcs[(i + 1) * w + j] > lcs[i * w + j + 1]
					? lcs[(i + 1) * w + j] : lcs[i * w + j + 1];
		fprintf(cases_diag(), "#   %s differs (- expected, + got):\n", what);
		size_t i = 0, j = 0;
		while (i < nwant || j < ngot) {
			if (i < nwant && j < ngot && strcmp(want[i], got[j]) == 0) {
				fprintf(cases_diag(), "#     %s\n", want[i]);
				i++, j++;
			} else if (i < nwant && (j == ngot ||
					       lcs[(i + 1) * w + j] >= lcs[i * w + j + 1])) {
				fprintf(cases_diag(), "#   - %s\n", want[i++]);
			} else {
				fprintf(cases_diag(), "#   + %s\n", got[j++]);
			}
		}
		free(lcs);
	}
	free(got);
	free(copy);
	return same;
}

/* The same for an expected section (absent: no lines expected). */
CASES_FN bool cases_same_section(const struct tcase *c, const char *name,
				 const char *got_text)
{
	const struct case_section *s = case_get(c, name);
	return cases_same_lines(name, s ? s->lines : NULL, s ? s->n : 0,
				got_text);
}

/* The expected exit status: [exit] N, 0 when absent. */
CASES_FN int case_exit(const struct tcase *c)
{
	const struct case_section *s = case_get(c, "exit");
	return s ? atoi(s->value) : 0;
}

CASES_FN bool cases_same_status(const struct tcase *c, int got)
{
	int want = case_exit(c);
	if (want != got)
		fprintf(cases_diag(), "#   exit status: expected %d, got %d%s\n", want, got,
		       got > 128 ? " (killed by a signal)" : "");
	return want == got;
}

/* ---- --record ----------------------------------------------------------- */

/* One expected section as the code gives it now. value NULL: no value; a
 * section with neither value nor text is left out when omit_empty. */
struct case_actual {
	const char *name;
	const char *value;
	const char *text;
	bool omit_empty;
};

/* Prints the case's lines but its expected sections, then the actual ones;
 * the blank line that follows is the caller's. */
CASES_FN void cases_record(const struct caseset *cs, const struct tcase *c,
			   const char *const *expected,
			   const struct case_actual *act, size_t nact)
{
	size_t k = 0;
	for (long l = c->line; l < c->end; l++) {
		while (k < c->ns && c->s[k].end <= l)
			k++;
		bool in_expected = k < c->ns && c->s[k].line <= l &&
				   cases_allowed(c->s[k].name, expected);
		if (!in_expected)
			printf("%s\n", cs->raw[l - 1]);
	}
	for (size_t i = 0; i < nact; i++) {
		const struct case_actual *a = &act[i];
		bool empty = (!a->value || !*a->value) && (!a->text || !*a->text);
		if (empty && a->omit_empty)
			continue;
		printf("[%s]%s%s\n", a->name, a->value && *a->value ? " " : "",
		       a->value ? a->value : "");
		if (a->text && *a->text)
			printf("%s%s", a->text,
			       a->text[strlen(a->text) - 1] == '\n' ? "" : "\n");
	}
}

/* The file's notes and blank lines between cases, for --record: prints the
 * raw lines from `from` up to (not including) line `to`. */
CASES_FN void cases_record_gap(const struct caseset *cs, long from, long to)
{
	for (long l = from; l < to && l <= (long)cs->nraw; l++)
		printf("%s\n", cs->raw[l - 1]);
}

/*
 * The main() of a test whose cases give one output, a stderr and an exit
 * status (test_diff, test_norm): each case is run (in a child, see
 * case_run) and compared, or, with --record, the file is printed with the
 * expected sections as the code gives them now. out_name names the output
 * section; fix (may be NULL) edits the output first (a time in a header).
 */
static inline int cases_main(int argc, char **argv, const char *file,
			     const char *const *sections,
			     const char *const *expected,
			     const char *out_name, bool out_trim,
			     int (*run)(void *ctx, int out_fd),
			     void (*fix)(char *out))
{
	bool record = argc > 1 && strcmp(argv[1], "--record") == 0;
	if (record)
		argc--, argv++;
	struct caseset cs;
	cases_load(&cs, cases_path(argc > 1 ? argv[1] : NULL, file), sections);
	long prev = 1;
	for (size_t i = 0; i < cs.n; i++) {
		const struct tcase *c = &cs.v[i];
		struct case_result res;
		case_run(run, (void *)c, &res);
		if (fix)
			fix(res.out);
		if (record) {
			char status[16];
			snprintf(status, sizeof status, "%d", res.status);
			struct case_actual act[] = {
				{out_name, NULL, res.out, out_trim},
				{"stderr", NULL, res.err, true},
				{"exit", res.status ? status : NULL, NULL, true},
			};
			cases_record_gap(&cs, prev, c->line);
			cases_record(&cs, c, expected, act, 3);
			prev = c->end;
		} else {
			char what[512];
			snprintf(what, sizeof what, "%s:%ld: %s", cs.name, c->line,
				 c->title);
			bool ok = cases_same_status(c, res.status);
			ok &= cases_same_section(c, out_name, res.out);
			ok &= cases_same_section(c, "stderr", res.err);
			CHECK(ok, what);
			cases_diag_flush();
		}
		case_result_free(&res);
	}
	if (record) {
		cases_record_gap(&cs, prev, (long)cs.nraw + 1);
		cases_free(&cs);
		return 0;
	}
	cases_free(&cs);
	TEST_END();
}

#endif
