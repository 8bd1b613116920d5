#include "extract.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "xalloc.h"
#include "zip.h"

const char *const orpkg_emitted[] = {
	"orgs",	 "academicSessions", "courses",	    "classes",
	"roles", "users",	     "enrollments", "demographics",
	NULL,
};

/* Columns a file must have; "status" and "dateLastModified" are added for
 * delta files. 1.2 moves users' role and orgs to roles.csv. */
static const struct required_columns {
	const char *base;
	const char *v11;
	const char *v12;
} required[] = {
	{"orgs", "sourcedId,name,type", "sourcedId,name,type"},
	{"academicSessions", "sourcedId,title,type,startDate,endDate,schoolYear",
	 "sourcedId,title,type,startDate,endDate,schoolYear"},
	{"courses", "sourcedId,title,orgSourcedId", "sourcedId,title,orgSourcedId"},
	{"classes",
	 "sourcedId,title,courseSourcedId,classType,schoolSourcedId,termSourcedIds",
	 "sourcedId,title,courseSourcedId,classType,schoolSourcedId,termSourcedIds"},
	{"roles", NULL, "sourcedId,userSourcedId,roleType,role,orgSourcedId"},
	{"users",
	 "sourcedId,enabledUser,orgSourcedIds,role,username,givenName,familyName",
	 "sourcedId,enabledUser,username,givenName,familyName"},
	{"enrollments",
	 "sourcedId,classSourcedId,schoolSourcedId,userSourcedId,role",
	 "sourcedId,classSourcedId,schoolSourcedId,userSourcedId,role"},
	{"demographics", "sourcedId", "sourcedId"},
};

#define MAX_FILES 32

struct orpkg {
	char *path;
	rp_zip *zip; /* NULL for a folder */
	char version[8];
	bool version_listed;
	char *manifest_name;
	size_t nfiles;
	struct manifest_file {
		char *base;
		char value[8]; /* as written: "" for a blank mode */
		enum or_mode mode;
		long line; /* in manifest.csv */
	} files[MAX_FILES];
};

const char *or_mode_name(enum or_mode m)
{
	return m == OR_BULK ? "bulk" : m == OR_DELTA ? "delta" : "absent";
}

static char *path_join(const char *dir, const char *name)
{
	size_t n = strlen(dir);
	while (n > 1 && dir[n - 1] == '/')
		n--;
	char *p = xmalloc(n + strlen(name) + 2);
	sprintf(p, "%.*s/%s", (int)n, dir, name);
	return p;
}

/* The actual name of "base.csv" in the package, or NULL. */
static char *find_file(const orpkg *p, const char *base)
{
	char want[128];
	snprintf(want, sizeof want, "%s.csv", base);
	if (p->zip) {
		long i = rp_zip_find(p->zip, want);
		return i < 0 ? NULL : xstrdup(rp_zip_name(p->zip, (size_t)i));
	}
	DIR *d = opendir(p->path);
	if (!d)
		return NULL;
	char *found = NULL;
	struct dirent *e;
	while ((e = readdir(d)))
		if (strcasecmp(e->d_name, want) == 0) {
			/* an exact match wins over a case-insensitive one */
			if (!found || strcmp(e->d_name, want) == 0) {
				free(found);
				found = xstrdup(e->d_name);
			}
		}
	closedir(d);
	return found;
}

static rp_input *open_file(const orpkg *p, const char *name)
{
	if (p->zip)
		return rp_zip_entry_input(p->zip,
					  (size_t)rp_zip_find(p->zip, name));
	char *full = path_join(p->path, name);
	rp_input *in = rp_input_open(full);
	if (!in) {
		struct rp_loc loc = {.file = full, .code = "io"};
		rp_error(&loc, "cannot open: %s", strerror(errno));
	}
	free(full);
	return in;
}

static struct manifest_file *lookup(orpkg *p, const char *base)
{
	for (size_t i = 0; i < p->nfiles; i++)
		if (strcasecmp(p->files[i].base, base) == 0)
			return &p->files[i];
	return NULL;
}

enum or_mode orpkg_mode(const orpkg *p, const char *base)
{
	const struct manifest_file *f = lookup((orpkg *)p, base);
	return f ? f->mode : OR_ABSENT;
}

static void manifest_error(const orpkg *p, long line, const char *field,
			   const char *code, const char *fmt, const char *arg)
{
	struct rp_loc loc = {.file = p->manifest_name, .line = line,
			     .field = field, .code = code};
	rp_error(&loc, fmt, arg);
}

static void read_manifest_row(orpkg *p, const char *key, const char *value,
			      long line)
{
	if (strcmp(key, "oneroster.version") == 0) {
		p->version_listed = true;
		if (strcmp(value, "1.1") != 0 && strcmp(value, "1.2") != 0) {
			manifest_error(p, line, key, "bad_version",
				       "unknown OneRoster version \"%s\" (1.1 or 1.2 expected)",
				       value);
			return;
		}
		snprintf(p->version, sizeof p->version, "%s", value);
		return;
	}
	if (strncmp(key, "file.", 5) != 0) {
		/* manifest.version, source.*: informative. Anything else is
		 * not guessed at ("fiel.demographics" is not read as
		 * file.demographics), but said. */
		if (strcmp(key, "manifest.version") != 0 &&
		    strncmp(key, "source.", 7) != 0) {
			struct rp_loc loc = {.file = p->manifest_name, .line = line,
					     .field = key, .code = "unknown_property"};
			rp_warning(&loc, "not a manifest property (file.*, source.*, "
				   "manifest.version, oneroster.version): ignored");
		}
		return;
	}
	const char *base = key + 5;
	enum or_mode mode;
	if (strcasecmp(value, "bulk") == 0)
		mode = OR_BULK;
	else if (strcasecmp(value, "delta") == 0)
		mode = OR_DELTA;
	else if (strcasecmp(value, "absent") == 0 || *value == '\0')
		mode = OR_ABSENT;
	else {
		manifest_error(p, line, key, "bad_manifest",
			       "\"%s\" is not bulk, delta or absent", value);
		return;
	}
	if (lookup(p, base)) {
		manifest_error(p, line, key, "bad_manifest",
			       "listed twice%s", "");
		return;
	}
	if (p->nfiles == MAX_FILES) {
		manifest_error(p, line, key, "bad_manifest",
			       "too many files listed%s", "");
		return;
	}
	struct manifest_file *f = &p->files[p->nfiles++];
	f->base = xstrdup(base);
	snprintf(f->value, sizeof f->value, "%s", value);
	f->mode = mode;
	f->line = line;
}

static int read_manifest(orpkg *p)
{
	char *name = find_file(p, "manifest");
	if (!name) {
		struct rp_loc loc = {.file = p->path, .field = "manifest.csv",
				     .code = "missing_file"};
		rp_error(&loc, "required file is missing: without it, whether "
			 "the files are a whole roster (bulk) or changes (delta) "
			 "cannot be told (OneRoster 1.0 exports have none, and "
			 "are not read)");
		return -1;
	}
	rp_input *in = open_file(p, name);
	p->manifest_name = p->zip ? xstrdup(rp_input_name(in))
				  : path_join(p->path, name);
	free(name);
	csvr *r = csvr_new(in);
	int rc = csvr_header(r);
	int key = csvr_col(r, "propertyName"), value = csvr_col(r, "value");
	if (rc > 0 && (key < 0 || value < 0)) {
		manifest_error(p, 1, key < 0 ? "propertyName" : "value",
			       "missing_column", "column is missing%s", "");
		rc = -1;
	}
	while (rc > 0 && (rc = csvr_next(r)) != 0) {
		if (rc < 0) {
			manifest_error(p, csvr_line(r), csvr_errcol(r),
				       "bad_csv", "%s", csvr_errmsg(r));
			if (rc == -2)
				break;
			rc = 1;
			continue;
		}
		read_manifest_row(p, csvr_field(r, (size_t)key),
				  csvr_field(r, (size_t)value), csvr_line(r));
	}
	csvr_free(r);
	if (!p->version[0]) {
		if (!p->version_listed)
			manifest_error(p, 0, "oneroster.version", "bad_version",
				       "missing%s", "");
		return -1;
	}
	return 0;
}

/* Whether extract-oneroster reads the file base of this package. */
static bool is_read(const orpkg *p, const char *base)
{
	if (strcasecmp(base, "roles") == 0)
		return strcmp(p->version, "1.2") == 0;
	for (const char *const *b = orpkg_emitted; *b; b++)
		if (strcasecmp(*b, base) == 0)
			return true;
	return false;
}

/* Whether the file holds a row, or cannot be read far enough to tell. */
static bool has_rows(const orpkg *p, const char *name)
{
	rp_input *in = open_file(p, name);
	if (!in)
		return true;
	csvr *r = csvr_new(in);
	bool rows = csvr_header(r) != 0 && csvr_next(r) != 0;
	csvr_free(r);
	return rows;
}

/*
 * A file that the manifest lists as absent (or leaves blank, or does not
 * list) but that the package holds: which of the two is right cannot be
 * told, and reading it as bulk could take away what it leaves out, while
 * skipping it loses what it holds. So it is an error when extract would
 * read it and it holds rows; when it holds none, or is a file extract does
 * not read (userProfiles, lineItems...), nothing is lost by leaving it
 * unread: a warning.
 */
static void file_not_listed(orpkg *p, const char *base, const char *name,
			    const struct manifest_file *f)
{
	char key[128];
	snprintf(key, sizeof key, "file.%s", f ? f->base : base);
	struct rp_loc loc = {.file = p->manifest_name, .line = f ? f->line : 0,
			     .field = key, .code = "unexpected_file"};
	const char *how = !f ? "not listed" : *f->value ? "listed as absent"
							 : "listed blank (absent)";
	if (!is_read(p, base))
		rp_warning(&loc, "%s but %s is present: not read (extract-oneroster "
			   "does not read %s files)", how, name, base);
	else if (!has_rows(p, name))
		rp_warning(&loc, "%s but %s is present, with no rows: taken as "
			   "absent", how, name);
	else
		rp_error(&loc, "%s but %s is present", how, name);
}

/* Listed files must be there, absent ones must not, and a roster needs
 * its orgs and users (and, from 1.2, roles). */
static void check_files(orpkg *p)
{
	int all_delta = p->nfiles > 0;
	for (size_t i = 0; i < p->nfiles; i++)
		if (p->files[i].mode == OR_BULK)
			all_delta = 0;
	for (size_t i = 0; i < p->nfiles; i++) {
		struct manifest_file *f = &p->files[i];
		char *name = find_file(p, f->base);
		char key[128];
		snprintf(key, sizeof key, "file.%s", f->base);
		if (f->mode != OR_ABSENT && !name)
			manifest_error(p, f->line, key, "missing_file",
				       "listed as %s but the file is missing",
				       or_mode_name(f->mode));
		else if (f->mode == OR_ABSENT && name)
			file_not_listed(p, f->base, name, f);
		free(name);
	}
	for (const char *const *b = orpkg_emitted; *b; b++) {
		char *name = lookup(p, *b) ? NULL : find_file(p, *b);
		if (name && is_read(p, *b))
			file_not_listed(p, *b, name, NULL);
		free(name);
	}
	if (all_delta)
		return;
	const char *needed[] = {"orgs", "users",
				strcmp(p->version, "1.2") == 0 ? "roles" : NULL};
	for (size_t i = 0; i < 3 && needed[i]; i++)
		if (orpkg_mode(p, needed[i]) == OR_ABSENT) {
			char key[64];
			snprintf(key, sizeof key, "file.%s", needed[i]);
			manifest_error(p, 0, key, "missing_file",
				       "required file is not listed as bulk or delta%s",
				       "");
		}
}

static int cmp_caseless(const void *a, const void *b)
{
	int c = strcasecmp(*(char *const *)a, *(char *const *)b);
	return c ? c : strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Names are matched ignoring case, so a folder holding users.csv and
 * Users.csv is ambiguous: which one was meant cannot be told, and picking
 * one would read data that a person looking at the other does not see.
 * Only .csv names count (the package's files); returns 0, or -1 reported.
 */
static int check_folder_names(const orpkg *p)
{
	DIR *d = opendir(p->path);
	if (!d)
		rp_die(RP_EXIT_IO, "%s: %s", p->path, strerror(errno));
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		if (len < 4 || strcasecmp(e->d_name + len - 4, ".csv") != 0)
			continue;
		if (n == cap)
			names = xrealloc(names, (cap = cap ? cap * 2 : 16) * sizeof *names);
		names[n++] = xstrdup(e->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof *names, cmp_caseless);
	int rc = 0;
	for (size_t i = 1; i < n && rc == 0; i++)
		if (strcasecmp(names[i - 1], names[i]) == 0) {
			struct rp_loc loc = {.file = p->path, .field = names[i],
					     .code = "ambiguous_file"};
			rp_error(&loc, "%s is there too: file names are matched "
				 "ignoring case, so which one is meant cannot be told",
				 names[i - 1]);
			rc = -1;
		}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

/*
 * "-": a zip package on standard input. The zip's directory is at its end,
 * so the bytes go to a private temporary file first (tmpfile(3): mode 0600,
 * already unlinked, so it goes when the program ends however it ends).
 */
static rp_zip *open_stdin_zip(char *why, size_t whylen)
{
	struct stat st;
	if (fstat(STDIN_FILENO, &st) != 0)
		rp_die(RP_EXIT_IO, "standard input: %s", strerror(errno));
	if (S_ISDIR(st.st_mode))
		rp_die(RP_EXIT_USAGE, "standard input is a folder: name the "
		       "folder instead of -, or pipe a zip package in");
	if (isatty(STDIN_FILENO))
		rp_die(RP_EXIT_USAGE, "standard input is a terminal: pipe a zip "
		       "package in, or name the package");
	FILE *tmp = tmpfile();
	if (!tmp)
		rp_die(RP_EXIT_IO, "cannot create a temporary file: %s",
		       strerror(errno));
	char *buf = xmalloc(65536);
	for (;;) {
		ssize_t got = read(STDIN_FILENO, buf, 65536);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			rp_die(RP_EXIT_IO, "standard input: %s", strerror(errno));
		if (got == 0)
			break;
		if (fwrite(buf, 1, (size_t)got, tmp) != (size_t)got)
			rp_die(RP_EXIT_IO, "temporary file: %s", strerror(errno));
	}
	free(buf);
	if (fflush(tmp) != 0)
		rp_die(RP_EXIT_IO, "temporary file: %s", strerror(errno));
	int fd = dup(fileno(tmp));
	fclose(tmp);
	if (fd < 0)
		rp_die(RP_EXIT_IO, "temporary file: %s", strerror(errno));
	return rp_zip_fdopen(fd, "<stdin>", why, whylen);
}

orpkg *orpkg_open(const char *path)
{
	struct stat st;
	bool from_stdin = strcmp(path, "-") == 0;
	if (!from_stdin && stat(path, &st) != 0)
		rp_die(RP_EXIT_IO, "%s: %s", path, strerror(errno));
	orpkg *p = xcalloc(1, sizeof *p);
	p->path = xstrdup(from_stdin ? "<stdin>" : path);
	if (from_stdin || !S_ISDIR(st.st_mode)) {
		char why[256];
		p->zip = from_stdin ? open_stdin_zip(why, sizeof why)
				    : rp_zip_open(path, why, sizeof why);
		if (!p->zip) {
			struct rp_loc loc = {.file = p->path, .code = "bad_zip"};
			rp_error(&loc, "%s", why);
			orpkg_close(p);
			return NULL;
		}
	} else if (check_folder_names(p) != 0) {
		orpkg_close(p);
		return NULL;
	}
	long errors = rp_error_count();
	if (read_manifest(p) != 0) {
		orpkg_close(p);
		return NULL;
	}
	check_files(p);
	if (rp_error_count() != errors) {
		orpkg_close(p);
		return NULL;
	}
	return p;
}

void orpkg_close(orpkg *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->nfiles; i++)
		free(p->files[i].base);
	rp_zip_close(p->zip);
	free(p->manifest_name);
	free(p->path);
	free(p);
}

static const char *required_for(const orpkg *p, const char *base)
{
	for (size_t i = 0; i < sizeof required / sizeof *required; i++)
		if (strcmp(required[i].base, base) == 0)
			return strcmp(p->version, "1.2") == 0 ? required[i].v12
							      : required[i].v11;
	return NULL;
}

/* Reports each required column the header lacks; returns how many. */
static int check_columns(const orpkg *p, const char *base, csvr *r,
			 enum or_mode mode)
{
	char list[512];
	const char *req = required_for(p, base);
	snprintf(list, sizeof list, "%s%s", req ? req : "",
		 mode == OR_DELTA ? ",status,dateLastModified" : "");
	int missing = 0;
	for (char *save, *col = strtok_r(list, ",", &save); col;
	     col = strtok_r(NULL, ",", &save)) {
		if (*col && csvr_col(r, col) < 0) {
			struct rp_loc loc = {.file = csvr_name(r), .line = 1,
					     .field = col,
					     .code = "missing_column"};
			rp_error(&loc, "required column is missing");
			missing++;
		}
	}
	return missing;
}

static void write_raw(nd_writer *w, const char *base, const char *name,
		      const csvr *r)
{
	nd_begin(w);
	nd_str(w, "type", "raw");
	nd_str(w, "source", "oneroster");
	nd_str(w, "entity", base);
	nd_str(w, "file", name);
	nd_int(w, "line", csvr_line(r));
	nd_obj(w, "data");
	for (size_t i = 0; i < csvr_ncols(r); i++)
		nd_strn(w, csvr_colname(r, i), csvr_field(r, i),
			csvr_fieldlen(r, i));
	nd_close(w);
	nd_end(w);
}

/*
 * A row rejected here (ragged, bad UTF-8, a NUL byte) must not read as a
 * record that left the feed: with --keep-going, a held marker names it,
 * as normalize does for the records it rejects, so that diff-roster leaves
 * its stored counterpart and what belongs to it as they are. Its id is
 * taken from where the header says it is (an id shifted by the very comma
 * that broke the row names no stored record, and holds nothing).
 */
static void held_row(csvr *r, const char *base, nd_writer *w)
{
	static const struct {
		const char *base, *entity, *a, *b;
	} ids[] = {
		{"orgs", "school", "sourcedId", NULL},
		{"academicSessions", "term", "sourcedId", NULL},
		{"classes", "section", "sourcedId", NULL},
		{"users", "user", "sourcedId", NULL},
		{"demographics", "user", "sourcedId", NULL},
		{"roles", "user", "userSourcedId", NULL},
		{"enrollments", "enrollment", "classSourcedId", "userSourcedId"},
	};
	if (!rp_policy.keep_going)
		return;
	for (size_t i = 0; i < sizeof ids / sizeof *ids; i++) {
		if (strcmp(ids[i].base, base) != 0)
			continue;
		int a = csvr_col(r, ids[i].a), b = ids[i].b ? csvr_col(r, ids[i].b) : -1;
		if (a < 0 || !*csvr_field(r, (size_t)a) ||
		    (ids[i].b && (b < 0 || !*csvr_field(r, (size_t)b))))
			return;
		nd_begin(w);
		nd_str(w, "type", "held");
		nd_str(w, "entity", ids[i].entity);
		nd_str(w, "source", "oneroster");
		nd_str(w, ids[i].b ? "section_id" : "source_id", csvr_field(r, (size_t)a));
		if (ids[i].b)
			nd_str(w, "user_id", csvr_field(r, (size_t)b));
		nd_end(w);
		return;
	}
}

static int extract_file(orpkg *p, const char *base, nd_writer *w)
{
	enum or_mode mode = orpkg_mode(p, base);
	char *name = find_file(p, base);
	rp_input *in = name ? open_file(p, name) : NULL;
	if (!in) {
		free(name);
		return -1;
	}
	csvr *r = csvr_new(in);
	int rc = csvr_header(r);
	if (rc < 0) {
		struct rp_loc loc = {.file = csvr_name(r), .line = 1,
				     .field = csvr_errcol(r), .code = "bad_csv"};
		rp_error(&loc, "%s", csvr_errmsg(r));
	} else if (rc == 0) {
		struct rp_loc loc = {.file = csvr_name(r), .code = "bad_csv"};
		rp_error(&loc, "empty file: no header row");
		rc = -1;
	} else if (check_columns(p, base, r, mode) > 0) {
		rc = -1;
	}
	while (rc > 0 && (rc = csvr_next(r)) != 0) {
		if (rc > 0) {
			write_raw(w, base, name, r);
			continue;
		}
		struct rp_loc loc = {.file = csvr_name(r), .line = csvr_line(r),
				     .field = csvr_errcol(r), .code = "bad_csv"};
		rp_error(&loc, "%s", csvr_errmsg(r));
		if (rc == -1) {
			held_row(r, base, w);
			rc = 1;
		}
	}
	csvr_free(r);
	free(name);
	return rc < 0 ? -1 : 0;
}

int orpkg_extract(orpkg *p, nd_writer *w)
{
	nd_begin(w);
	nd_str(w, "type", "feed");
	nd_str(w, "source", "oneroster");
	nd_str(w, "version", p->version);
	nd_obj(w, "files");
	for (const char *const *b = orpkg_emitted; *b; b++)
		if (strcmp(*b, "roles") != 0 || strcmp(p->version, "1.2") == 0)
			nd_str(w, *b, or_mode_name(orpkg_mode(p, *b)));
	nd_close(w);
	nd_end(w);

	int rc = 0;
	for (const char *const *b = orpkg_emitted; *b; b++)
		if (orpkg_mode(p, *b) != OR_ABSENT && extract_file(p, *b, w) < 0)
			rc = -1;
	return rc;
}
