/*
 * Unit tests for lib/zip.c against the fixtures in testdata/zip (made by
 * testdata/zip/make-fixtures.py). The fixtures are found under argv[1], or
 * $TESTDATA, or "testdata".
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "input.h"
#include "xalloc.h"
#include "zip.h"

static const char A_CSV[] = "sourcedId,givenName,familyName\n"
			    "u1,Ada,Lovelace\n"
			    "u2,Alan,Turing\n";
static const char B_CSV[] = "sourcedId,title,grade\n"
			    "c1,Algebra I,09\n"
			    "c2,Algebra II,10\n"
			    "c3,Fran\xc3\xa7" "ais I,09\n"
			    "c4,Fran\xc3\xa7" "ais II,10\n";
static const char C_TXT[] = "a file in a folder\n";

static const char *testdata;
static char err[256];

static const char *fixture(const char *name)
{
	static char path[4096];
	snprintf(path, sizeof path, "%s/zip/%s", testdata, name);
	return path;
}

static rp_zip *open_fixture(const char *name)
{
	err[0] = '\0';
	return rp_zip_open(fixture(name), err, sizeof err);
}

/*
 * Reads a whole stream. Returns its bytes (owned, NUL-terminated), or
 * NULL after a read error with the message copied into err.
 */
static char *slurp(rp_input *in)
{
	size_t len = 0, cap = 64;
	char *all = xmalloc(cap);
	const char *line;
	ssize_t n;
	while ((n = rp_input_getline(in, &line)) > 0) {
		while (len + (size_t)n + 1 > cap)
			all = xrealloc(all, cap *= 2);
		memcpy(all + len, line, (size_t)n);
		len += (size_t)n;
	}
	all[len] = '\0';
	if (n < 0) {
		snprintf(err, sizeof err, "%s", rp_input_strerror(in));
		free(all);
		return NULL;
	}
	return all;
}

/* Reads a stream to its end without keeping it: 0, or -1 with the read
 * error in err. */
static int drain(rp_input *in)
{
	const char *line;
	ssize_t n;
	while ((n = rp_input_getline(in, &line)) > 0)
		;
	if (n < 0)
		snprintf(err, sizeof err, "%s", rp_input_strerror(in));
	return n < 0 ? -1 : 0;
}

/* The whole of entry name, or NULL with the read error in err. */
static char *read_entry(rp_zip *z, const char *name)
{
	long i = rp_zip_find(z, name);
	if (i < 0) {
		snprintf(err, sizeof err, "no entry %s", name);
		return NULL;
	}
	rp_input *in = rp_zip_entry_input(z, (size_t)i);
	char *all = slurp(in);
	rp_input_close(in);
	return all;
}

static void check_content(rp_zip *z, const char *name, const char *want,
			  const char *what)
{
	char *got = z ? read_entry(z, name) : NULL;
	CHECK_STR(got, want, what);
	free(got);
}

/* Opening the fixture fails with exactly this reason. */
static void check_refused(const char *name, const char *want)
{
	char what[160];
	rp_zip *z = open_fixture(name);
	snprintf(what, sizeof what, "%s refused at open", name);
	CHECK(z == NULL, what);
	snprintf(what, sizeof what, "%s: reason", name);
	CHECK_STR(err, want, what);
	rp_zip_close(z);
}

/* The fixture opens, but reading its entry fails with this message. */
static void check_read_fails(const char *name, const char *entry,
			     const char *want)
{
	char what[160];
	rp_zip *z = open_fixture(name);
	snprintf(what, sizeof what, "%s opens", name);
	CHECK(z != NULL, what);
	if (!z) {
		printf("#   %s\n", err);
		return;
	}
	long i = rp_zip_find(z, entry);
	rp_input *in = i < 0 ? NULL : rp_zip_entry_input(z, (size_t)i);
	int rc = in ? drain(in) : 0;
	snprintf(what, sizeof what, "%s: read fails", name);
	CHECK(rc < 0, what);
	snprintf(what, sizeof what, "%s: read error message", name);
	CHECK_STR(rc < 0 ? err : "(read succeeded)", want, what);
	rp_input_close(in);
	rp_zip_close(z);
}

static void test_listing(void)
{
	rp_zip *z = open_fixture("ok.zip");
	CHECK(z != NULL, "ok.zip opens");
	if (!z) {
		printf("#   %s\n", err);
		return;
	}
	CHECK(rp_zip_count(z) == 4, "ok.zip has 4 entries");
	CHECK_STR(rp_zip_name(z, 0), "a.csv", "entry 0 is a.csv");
	CHECK_STR(rp_zip_name(z, 1), "b.csv", "entry 1 is b.csv");
	CHECK_STR(rp_zip_name(z, 2), "dir/", "entry 2 is the folder dir/");
	CHECK_STR(rp_zip_name(z, 3), "dir/c.txt", "entry 3 is dir/c.txt");
	CHECK(rp_zip_name(z, 4) == NULL, "no name past the last entry");
	CHECK(rp_zip_entry_input(z, 4) == NULL, "no stream past the last entry");
	rp_zip_close(z);
}

static void test_reading(void)
{
	rp_zip *z = open_fixture("ok.zip");
	check_content(z, "a.csv", A_CSV, "stored a.csv reads back exactly");
	check_content(z, "b.csv", B_CSV, "deflated b.csv reads back exactly");
	check_content(z, "dir/c.txt", C_TXT, "dir/c.txt reads back exactly");
	check_content(z, "dir/", "", "a folder entry reads as empty");

	char want[4200];
	snprintf(want, sizeof want, "%s/a.csv", fixture("ok.zip"));
	rp_input *in = z ? rp_zip_entry_input(z, 0) : NULL;
	CHECK_STR(in ? rp_input_name(in) : NULL, want,
		  "the stream is named ARCHIVE/ENTRY");
	rp_input_close(in);
	rp_zip_close(z);

	z = open_fixture("descriptor.zip");
	check_content(z, "a.csv", A_CSV,
		      "data descriptor, local extra field: stored entry");
	check_content(z, "b.csv", B_CSV,
		      "data descriptor, local extra field: deflated entry");
	rp_zip_close(z);
}

/* Two streams of one archive read in turns, line by line. */
static void test_interleaved(void)
{
	rp_zip *z = open_fixture("ok.zip");
	if (!z) {
		CHECK(0, "ok.zip opens for interleaved reads");
		return;
	}
	rp_input *a = rp_zip_entry_input(z, 0);
	rp_input *b = rp_zip_entry_input(z, 1);
	const char *line;
	char got[512] = "";
	for (int i = 0; i < 6; i++) {
		rp_input *in = i % 2 ? b : a;
		ssize_t n = rp_input_getline(in, &line);
		if (n > 0)
			strncat(got, line, (size_t)n);
	}
	CHECK_STR(got,
		  "sourcedId,givenName,familyName\n"
		  "sourcedId,title,grade\n"
		  "u1,Ada,Lovelace\n"
		  "c1,Algebra I,09\n"
		  "u2,Alan,Turing\n"
		  "c2,Algebra II,10\n",
		  "two streams of one archive read in turns");
	rp_input_close(a);
	rp_input_close(b);
	rp_zip_close(z);

	/*
	 * Two streams of one deflated entry, each refilled many times: each
	 * keeps its own inflate state and file offset. 1.2 MB each, short of
	 * the bomb guard.
	 */
	z = open_fixture("bomb.zip");
	if (!z) {
		CHECK(0, "bomb.zip opens for interleaved reads");
		return;
	}
	a = rp_zip_entry_input(z, 0);
	b = rp_zip_entry_input(z, 0);
	long same = 0;
	for (long i = 0; i < 2 * 300000; i++) {
		ssize_t n = rp_input_getline(i % 2 ? b : a, &line);
		same += n == 4 && memcmp(line, "000\n", 4) == 0;
	}
	CHECK(same == 2 * 300000, "one entry read by two streams in turns");
	rp_input_close(a);
	rp_input_close(b);
	rp_zip_close(z);
}

static void test_find(void)
{
	rp_zip *z = open_fixture("ok.zip");
	if (!z) {
		CHECK(0, "ok.zip opens for find");
		return;
	}
	CHECK(rp_zip_find(z, "b.csv") == 1, "find b.csv");
	CHECK(rp_zip_find(z, "B.CSV") == 1, "find B.CSV case-insensitively");
	CHECK(rp_zip_find(z, "DIR/C.Txt") == 3, "find DIR/C.Txt in a folder");
	CHECK(rp_zip_find(z, "c.txt") == -1, "c.txt alone is not dir/c.txt");
	CHECK(rp_zip_find(z, "b.cs") == -1, "no match on a prefix");
	CHECK(rp_zip_find(z, "b.csvx") == -1, "no match on a longer name");
	CHECK(rp_zip_find(z, "missing.csv") == -1, "missing name is -1");
	rp_zip_close(z);
}

static void test_refused(void)
{
	err[0] = '\0';
	rp_zip *z = rp_zip_open(fixture("no-such.zip"), err, sizeof err);
	CHECK(z == NULL, "a missing archive does not open");
	CHECK_STR(err, strerror(ENOENT), "missing archive: reason");

	z = rp_zip_open(testdata, err, sizeof err);
	CHECK(z == NULL, "a directory does not open");
	CHECK_STR(err, "not a regular file", "directory: reason");

	check_refused("make-fixtures.py",
		      "not a zip file (no end of central directory record)");
	check_refused("truncated-tail.zip",
		      "not a zip file (no end of central directory record)");
	check_refused("dotdot.zip",
		      "entry \"../evil.csv\": path outside the archive");
	check_refused("nested-dotdot.zip",
		      "entry \"data/../../evil.csv\": path outside the archive");
	check_refused("absolute.zip", "entry \"/etc/evil.csv\": absolute path");
	check_refused("backslash.zip",
		      "entry \"..\\\\evil.csv\": backslash in path");
	check_refused("drive.zip", "entry \"C:evil.csv\": drive letter in path");
	check_refused("newline.zip",
		      "entry \"../evil\\x0a\\\".csv\": path outside the archive");
	check_refused("badutf8.zip", "entry #1: name is not valid UTF-8");
	check_refused("nul.zip", "entry #1: NUL byte in name");
	check_refused("symlink.zip", "entry \"link.csv\": symbolic link");
	check_refused("encrypted.zip", "entry \"a.csv\": encrypted");
	check_refused("bzip2.zip", "entry \"a.csv\": compression method 12 "
				   "(bzip2) is not supported");
	check_refused("dir-data.zip", "entry \"dir/\": directory holds data");
	check_refused("zip64.zip", "zip64 archives are not supported");
	check_refused("zip64-locator.zip", "zip64 archives are not supported");
	check_refused("zip64-entry.zip",
		      "entry \"a.csv\": zip64 archives are not supported");
	check_refused("multidisk.zip", "multi-disk archives are not supported");
	check_refused("cd-past-end.zip",
		      "central directory runs past the end of the file");
	check_refused("data-past-cd.zip",
		      "entry \"b.csv\": data runs past the central directory");
	check_refused("duplicate.zip",
		      "entry \"b.csv\": in the archive twice (entries #2 and #4)");
	check_refused("duplicate-case.zip",
		      "entry \"users.csv\": in the archive twice, also as "
		      "\"USERS.csv\" (entries #1 and #3; names are matched "
		      "ignoring case)");
}

static void test_fdopen(void)
{
	int fd = open(fixture("ok.zip"), O_RDONLY);
	err[0] = '\0';
	rp_zip *z = rp_zip_fdopen(fd, "<stdin>", err, sizeof err);
	CHECK(z != NULL, "fdopen: an open archive");
	if (z) {
		long i = rp_zip_find(z, "a.csv");
		rp_input *in = i < 0 ? NULL : rp_zip_entry_input(z, (size_t)i);
		CHECK(in != NULL, "fdopen: an entry");
		if (in) {
			CHECK_STR(rp_input_name(in), "<stdin>/a.csv",
				  "fdopen: entries named after the name given");
			char *all = slurp(in);
			CHECK_STR(all ? all : "(read failed)", A_CSV,
				  "fdopen: entry content");
			free(all);
			rp_input_close(in);
		}
		rp_zip_close(z);
	}

	fd = open(fixture("duplicate.zip"), O_RDONLY);
	z = rp_zip_fdopen(fd, "<stdin>", err, sizeof err);
	CHECK(z == NULL, "fdopen: the same checks as open");
	CHECK_STR(err, "entry \"b.csv\": in the archive twice (entries #2 and #4)",
		  "fdopen: duplicate reason");

	int pipefd[2];
	CHECK(pipe(pipefd) == 0, "fdopen: a pipe");
	close(pipefd[1]);
	z = rp_zip_fdopen(pipefd[0], "<stdin>", err, sizeof err);
	CHECK(z == NULL, "fdopen: a pipe is refused");
	CHECK_STR(err, "not a regular file", "fdopen: pipe reason");
	CHECK(fcntl(pipefd[0], F_GETFD) == -1 && errno == EBADF,
	      "fdopen: the descriptor is closed on failure");
}

static void test_read_errors(void)
{
	check_read_fails("truncated-data.zip", "b.csv",
			 "corrupt or truncated data");
	check_read_fails("corrupt.zip", "b.csv", "corrupt or truncated data");
	check_read_fails("crc.zip", "a.csv", "CRC-32 mismatch");
	check_read_fails("size.zip", "b.csv", "size mismatch");
	check_read_fails("lying-size.zip", "b.csv",
			 "inflates past its declared size");
	check_read_fails("bomb.zip", "bomb.csv",
			 "compression ratio over 1000: refused as a zip bomb");
}

int main(int argc, char **argv)
{
	testdata = argc > 1 ? argv[1] : getenv("TESTDATA");
	if (!testdata || !*testdata)
		testdata = "testdata";

	test_listing();
	test_reading();
	test_interleaved();
	test_find();
	test_refused();
	test_read_errors();
	test_fdopen();
	TEST_END();
}
