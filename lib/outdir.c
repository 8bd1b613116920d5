#include "outdir.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "xalloc.h"

int rp_private_dir(const char *dir)
{
	struct stat st;
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		rp_warn("%s", dir);
		return -1;
	}
	if (lstat(dir, &st) != 0) {
		rp_warn("%s", dir);
		return -1;
	}
	if (S_ISLNK(st.st_mode) && st.st_uid != geteuid()) {
		rp_warnx("%s: a symbolic link of another user's; refused", dir);
		return -1;
	}
	if (S_ISLNK(st.st_mode) && stat(dir, &st) != 0) {
		rp_warn("%s", dir);
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		rp_warnx("%s: not a folder", dir);
		return -1;
	}
	/* root passes every permission check: what is checked here is who
	 * owns the folder and who may write to it, never whether a write
	 * happens to fail */
	if (st.st_uid != geteuid()) {
		rp_warnx("%s: the folder belongs to another user (uid %ld); refused",
			 dir, (long)st.st_uid);
		return -1;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		rp_warnx("%s: the folder can be written by others (mode %04o); refused",
			 dir, (unsigned)(st.st_mode & 07777));
		return -1;
	}
	return 0;
}

int rp_own_file(const char *path)
{
	struct stat st;
	if (lstat(path, &st) != 0) {
		if (errno == ENOENT)
			return 0;
		rp_warn("%s", path);
		return -1;
	}
	if (!S_ISREG(st.st_mode) || st.st_uid != geteuid()) {
		rp_warnx("%s: %s; refused", path,
			 S_ISLNK(st.st_mode) ? "a symbolic link, not a file this program wrote"
			 : !S_ISREG(st.st_mode) ? "not a regular file"
						 : "a file of another user's");
		return -1;
	}
	return 1;
}

int rp_create_new(const char *path)
{
	return open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		    0600);
}

struct rp_outfile {
	char *path, *tmp;
	FILE *f;
};

rp_outfile *rp_outfile_open(const char *path)
{
	rp_outfile *o = xcalloc(1, sizeof *o);
	o->path = xstrdup(path);
	const char *slash = strrchr(path, '/');
	size_t dirlen = slash ? (size_t)(slash - path) + 1 : 0;
	size_t len = strlen(path) + 16;
	o->tmp = xmalloc(len);
	snprintf(o->tmp, len, "%.*s.%s.XXXXXX", (int)dirlen, path,
		 slash ? slash + 1 : path);
	int fd = mkstemp(o->tmp); /* O_EXCL, 0600 */
	if (fd < 0 || !(o->f = fdopen(fd, "w"))) {
		rp_warn("%s", path);
		if (fd >= 0) {
			close(fd);
			unlink(o->tmp);
		}
		free(o->tmp);
		free(o->path);
		free(o);
		return NULL;
	}
	return o;
}

FILE *rp_outfile_stream(rp_outfile *o) { return o->f; }

static void outfile_free(rp_outfile *o)
{
	free(o->tmp);
	free(o->path);
	free(o);
}

int rp_outfile_commit(rp_outfile *o)
{
	int rc = fflush(o->f) != 0 || ferror(o->f) || fsync(fileno(o->f)) != 0;
	if (fclose(o->f) != 0)
		rc = 1;
	/* rename replaces whatever PATH is (a planted link too) and never
	 * writes through it */
	if (rc || rename(o->tmp, o->path) != 0) {
		rp_warn("%s", o->path);
		unlink(o->tmp);
		outfile_free(o);
		return -1;
	}
	outfile_free(o);
	return 0;
}

void rp_outfile_abort(rp_outfile *o)
{
	if (!o)
		return;
	fclose(o->f);
	unlink(o->tmp);
	outfile_free(o);
}
