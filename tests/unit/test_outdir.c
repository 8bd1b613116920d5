#include "outdir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"

/* Messages go to stderr; the checks are on what the calls return and do. */

static char root[] = "/tmp/rp-test-outdir.XXXXXX";

static const char *at(const char *name)
{
	static char buf[4][256];
	static int i;
	i = (i + 1) % 4;
	snprintf(buf[i], sizeof buf[i], "%s/%s", root, name);
	return buf[i];
}

static unsigned mode_of(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0 ? (unsigned)(st.st_mode & 07777) : 0;
}

static char *slurp(const char *path)
{
	static char buf[256];
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
	buf[n] = '\0';
	if (f)
		fclose(f);
	return buf;
}

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
}

static void test_private_dir(void)
{
	umask(022);
	CHECK(rp_private_dir(at("new")) == 0 && mode_of(at("new")) == 0700,
	      "private_dir: a folder that is not there is made 0700");
	CHECK(rp_private_dir(at("new")) == 0, "private_dir: our own folder is used");
	mkdir(at("open"), 0700);
	chmod(at("open"), 0777);
	CHECK(rp_private_dir(at("open")) == -1,
	      "private_dir: a folder others can write to is refused");
	mkdir(at("group"), 0700);
	chmod(at("group"), 0770);
	CHECK(rp_private_dir(at("group")) == -1,
	      "private_dir: a folder the group can write to is refused");
	mkdir(at("sticky"), 0700);
	chmod(at("sticky"), 01777);
	CHECK(rp_private_dir(at("sticky")) == -1,
	      "private_dir: a sticky folder others can write to (/tmp) is refused");
	mkdir(at("readable"), 0755);
	CHECK(rp_private_dir(at("readable")) == 0,
	      "private_dir: a folder others can only read is used");
	put(at("file"), "x");
	CHECK(rp_private_dir(at("file")) == -1, "private_dir: a file is refused");
	symlink(at("new"), at("link-to-ours"));
	CHECK(rp_private_dir(at("link-to-ours")) == 0,
	      "private_dir: our link to our folder is used");
	symlink(at("open"), at("link-to-open"));
	CHECK(rp_private_dir(at("link-to-open")) == -1,
	      "private_dir: a link to a folder others can write to is refused");
	if (geteuid() == 0) {
		/* root: a folder given to another user */
		mkdir(at("theirs"), 0755);
		CHECK(chown(at("theirs"), 65534, 65534) == 0 &&
			      rp_private_dir(at("theirs")) == -1,
		      "private_dir: another user's folder is refused (root too)");
	} else {
		CHECK(rp_private_dir("/usr") == -1,
		      "private_dir: another user's folder is refused");
	}
	CHECK(rp_private_dir(at("no/such/parent")) == -1,
	      "private_dir: a missing parent is an error");
}

static void test_create_new(void)
{
	put(at("victim"), "theirs");
	symlink(at("victim"), at("planted"));
	int fd = rp_create_new(at("planted"));
	CHECK(fd < 0 && errno == EEXIST && strcmp(slurp(at("victim")), "theirs") == 0,
	      "create_new: never through a link");
	symlink(at("nowhere"), at("dangling"));
	fd = rp_create_new(at("dangling"));
	CHECK(fd < 0 && access(at("nowhere"), F_OK) != 0,
	      "create_new: never through a dangling link");
	fd = rp_create_new(at("victim"));
	CHECK(fd < 0 && errno == EEXIST, "create_new: never over a file");
	umask(0);
	fd = rp_create_new(at("fresh"));
	CHECK(fd >= 0 && mode_of(at("fresh")) == 0600,
	      "create_new: a new file, 0600 whatever the umask");
	if (fd >= 0)
		close(fd);
	umask(022);
}

static void test_own_file(void)
{
	CHECK(rp_own_file(at("absent")) == 0, "own_file: not there");
	CHECK(rp_own_file(at("fresh")) == 1, "own_file: a regular file of ours");
	CHECK(rp_own_file(at("planted")) == -1, "own_file: a link is refused");
	CHECK(rp_own_file(at("new")) == -1, "own_file: a folder is refused");
}

static void test_outfile(void)
{
	rp_outfile *o = rp_outfile_open(at("planted"));
	CHECK(o != NULL, "outfile: opens beside a planted link");
	if (!o)
		return;
	fputs("report", rp_outfile_stream(o));
	CHECK(rp_outfile_commit(o) == 0, "outfile: commits");
	CHECK(strcmp(slurp(at("victim")), "theirs") == 0,
	      "outfile: the link's target is untouched");
	CHECK(mode_of(at("planted")) == 0600 && strcmp(slurp(at("planted")), "report") == 0,
	      "outfile: the link is replaced by the report, 0600");
	o = rp_outfile_open(at("aborted"));
	fputs("half", rp_outfile_stream(o));
	rp_outfile_abort(o);
	CHECK(access(at("aborted"), F_OK) != 0, "outfile: an aborted report leaves nothing");
	CHECK(rp_outfile_open(at("no/such/folder/r.html")) == NULL,
	      "outfile: a missing folder is an error");
	CHECK_RUNS(rp_outfile_abort(NULL), "outfile: abort(NULL) is a no-op");
	DIR *d = opendir(root);
	struct dirent *e;
	int hidden = 0;
	while (d && (e = readdir(d)))
		hidden += e->d_name[0] == '.' && strcmp(e->d_name, ".") != 0 &&
			  strcmp(e->d_name, "..") != 0;
	if (d)
		closedir(d);
	CHECK(hidden == 0, "outfile: no temporary file left");
}

int main(void)
{
	if (!mkdtemp(root)) {
		perror(root);
		return 1;
	}
	test_private_dir();
	test_create_new();
	test_own_file();
	test_outfile();
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", root);
	TEST_END();
}
