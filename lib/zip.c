#include "zip.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

#include "utf8.h"
#include "xalloc.h"

#define SIG_LOCAL 0x04034b50u
#define SIG_CENTRAL 0x02014b50u
#define SIG_EOCD 0x06054b50u
#define SIG_ZIP64_LOCATOR 0x07064b50u

#define LOCAL_LEN 30
#define CENTRAL_LEN 46
#define EOCD_LEN 22
#define ZIP64_LOCATOR_LEN 20
#define MAX_COMMENT 0xffff

#define FLAG_ENCRYPTED 0x0001
#define METHOD_STORED 0
#define METHOD_DEFLATED 8
#define HOST_UNIX 3
#define S_TYPE_MASK 0170000
#define S_TYPE_SYMLINK 0120000

#define CHUNK (64 * 1024)
/* Below this an entry's ratio is not judged: tiny files of repeated
 * bytes compress that well without being an attack. */
#define RATIO_FLOOR (1u << 20)

struct zip_entry {
	char *name;
	uint32_t crc;
	uint32_t csize, usize;
	uint32_t local_offset;
	uint16_t method;
};

struct rp_zip {
	int fd;
	char *path;
	uint32_t cd_offset; /* entry data must end before this */
	size_t count;
	struct zip_entry *entries;
};

/* What the central directory's end record says. */
struct eocd {
	off_t pos, file_size;
	uint16_t disk, cd_disk;
	uint16_t entries_here, entries_total;
	uint32_t cd_size, cd_offset;
	int has_zip64_locator;
};

static uint16_t le16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* Reads exactly n bytes at off. Returns 0, or -1 with errno set; a file
 * shorter than asked is EIO, since every caller has already checked the
 * range against the file's size. */
static int pread_full(int fd, void *buf, size_t n, off_t off)
{
	char *p = buf;
	while (n > 0) {
		ssize_t got = pread(fd, p, n, off);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return -1;
		if (got == 0) {
			errno = EIO;
			return -1;
		}
		p += got;
		off += got;
		n -= (size_t)got;
	}
	return 0;
}

static void say(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void say(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/*
 * Copies name into dst (of cap bytes) as the inside of a C string literal.
 * Names are quoted in one-line messages, and an archive is free to put a
 * newline or a quote in a name.
 */
static const char *quote(char *dst, size_t cap, const char *name)
{
	size_t n = 0;
	for (const unsigned char *s = (const unsigned char *)name; *s; s++) {
		char esc[5];
		if (*s < 0x20 || *s == 0x7f)
			snprintf(esc, sizeof esc, "\\x%02x", *s);
		else if (*s == '"' || *s == '\\')
			snprintf(esc, sizeof esc, "\\%c", *s);
		else
			snprintf(esc, sizeof esc, "%c", *s);
		size_t len = strlen(esc);
		if (n + len + 1 > cap)
			break;
		memcpy(dst + n, esc, len);
		n += len;
	}
	dst[n] = '\0';
	return dst;
}

static int find_eocd(int fd, off_t file_size, struct eocd *e, char *err,
		     size_t errlen)
{
	size_t tail_len = (size_t)(file_size < EOCD_LEN + MAX_COMMENT
					   ? file_size
					   : EOCD_LEN + MAX_COMMENT);
	off_t tail_start = file_size - (off_t)tail_len;
	unsigned char *tail = xmalloc(tail_len);
	if (pread_full(fd, tail, tail_len, tail_start) < 0) {
		say(err, errlen, "%s", strerror(errno));
		free(tail);
		return -1;
	}

	/* Backwards, since the comment that may follow the record is free
	 * text; a match must leave room for the comment it claims. */
	const unsigned char *rec = NULL;
	for (size_t i = tail_len >= EOCD_LEN ? tail_len - EOCD_LEN + 1 : 0;
	     i-- > 0;) {
		const unsigned char *p = tail + i;
		if (le32(p) == SIG_EOCD &&
		    i + EOCD_LEN + le16(p + 20) <= tail_len) {
			rec = p;
			break;
		}
	}
	if (!rec) {
		say(err, errlen,
		    "not a zip file (no end of central directory record)");
		free(tail);
		return -1;
	}

	e->pos = tail_start + (rec - tail);
	e->file_size = file_size;
	e->disk = le16(rec + 4);
	e->cd_disk = le16(rec + 6);
	e->entries_here = le16(rec + 8);
	e->entries_total = le16(rec + 10);
	e->cd_size = le32(rec + 12);
	e->cd_offset = le32(rec + 16);
	/* The zip64 locator sits right before the record when present. */
	e->has_zip64_locator =
		rec - tail >= ZIP64_LOCATOR_LEN &&
		le32(rec - ZIP64_LOCATOR_LEN) == SIG_ZIP64_LOCATOR;
	free(tail);
	return 0;
}

static int check_eocd(const struct eocd *e, char *err, size_t errlen)
{
	/* zip64 first: its writers put 0xffff in the disk fields too. */
	if (e->has_zip64_locator || e->disk == 0xffff ||
	    e->cd_disk == 0xffff || e->entries_here == 0xffff ||
	    e->entries_total == 0xffff || e->cd_size == 0xffffffff ||
	    e->cd_offset == 0xffffffff) {
		say(err, errlen, "zip64 archives are not supported");
		return -1;
	}
	if (e->disk != 0 || e->cd_disk != 0 ||
	    e->entries_here != e->entries_total) {
		say(err, errlen, "multi-disk archives are not supported");
		return -1;
	}
	off_t cd_end = (off_t)e->cd_offset + (off_t)e->cd_size;
	if (cd_end > e->pos) {
		say(err, errlen, "central directory runs past %s",
		    cd_end > e->file_size ? "the end of the file"
					  : "its end record");
		return -1;
	}
	return 0;
}

/* Names for the methods met in the wild, for a message that says more
 * than a number. */
static const char *method_name(unsigned method)
{
	static const struct {
		unsigned method;
		const char *name;
	} names[] = {
		{1, "shrunk"}, {6, "imploded"}, {9, "deflate64"},
		{12, "bzip2"}, {14, "LZMA"},    {93, "zstd"},
		{95, "xz"},    {98, "PPMd"},    {99, "AES-encrypted"},
	};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (names[i].method == method)
			return names[i].name;
	return NULL;
}

/* Why name could write outside the folder it is extracted to, or NULL.
 * Programs may well extract what they read, so refuse it here, once. */
static const char *unsafe_path(const char *name)
{
	if (name[0] == '/')
		return "absolute path";
	if (((name[0] | 0x20) >= 'a' && (name[0] | 0x20) <= 'z') &&
	    name[1] == ':')
		return "drive letter in path";
	if (strchr(name, '\\'))
		return "backslash in path";
	for (const char *c = name; *c;) {
		size_t len = strcspn(c, "/");
		if (len == 2 && c[0] == '.' && c[1] == '.')
			return "path outside the archive";
		c += len;
		if (*c == '/')
			c++;
	}
	return NULL;
}

/*
 * Checks one central directory record at p (avail bytes left in the
 * directory) and fills in *e. Returns the record's length, or 0 with the
 * reason in err. Entry number k (from 1) names entries whose names cannot
 * be printed.
 */
static size_t parse_central(const unsigned char *p, size_t avail, size_t k,
			    uint32_t cd_offset, struct zip_entry *e,
			    char *err, size_t errlen)
{
	if (avail < CENTRAL_LEN || le32(p) != SIG_CENTRAL) {
		say(err, errlen, "entry #%zu: corrupt central directory", k);
		return 0;
	}
	uint16_t made_by = le16(p + 4);
	uint16_t flags = le16(p + 8);
	uint16_t method = le16(p + 10);
	uint16_t name_len = le16(p + 28);
	size_t rec_len = CENTRAL_LEN + name_len + le16(p + 30) + le16(p + 32);
	uint16_t disk_start = le16(p + 34);
	uint32_t mode = le32(p + 38) >> 16;
	if (rec_len > avail) {
		say(err, errlen, "entry #%zu: corrupt central directory", k);
		return 0;
	}

	const char *raw = (const char *)p + CENTRAL_LEN;
	if (name_len == 0) {
		say(err, errlen, "entry #%zu: empty name", k);
		return 0;
	}
	if (memchr(raw, '\0', name_len)) {
		say(err, errlen, "entry #%zu: NUL byte in name", k);
		return 0;
	}
	if (utf8_check(raw, name_len) != UTF8_VALID) {
		say(err, errlen, "entry #%zu: name is not valid UTF-8", k);
		return 0;
	}
	e->name = xstrndup(raw, name_len);
	e->method = method;
	e->crc = le32(p + 16);
	e->csize = le32(p + 20);
	e->usize = le32(p + 24);
	e->local_offset = le32(p + 42);

	char q[256];
	const char *why = unsafe_path(e->name);
	char method_why[80];
	if (!why && made_by >> 8 == HOST_UNIX &&
	    (mode & S_TYPE_MASK) == S_TYPE_SYMLINK)
		why = "symbolic link";
	if (!why && flags & FLAG_ENCRYPTED)
		why = "encrypted";
	if (!why && method != METHOD_STORED && method != METHOD_DEFLATED) {
		const char *mname = method_name(method);
		snprintf(method_why, sizeof method_why,
			 "compression method %u%s%s%s is not supported",
			 method, mname ? " (" : "", mname ? mname : "",
			 mname ? ")" : "");
		why = method_why;
	}
	if (!why && (e->csize == 0xffffffff || e->usize == 0xffffffff ||
		     e->local_offset == 0xffffffff || disk_start == 0xffff))
		why = "zip64 archives are not supported";
	if (!why && disk_start != 0)
		why = "multi-disk archives are not supported";
	if (!why && e->name[name_len - 1] == '/' && e->usize != 0)
		why = "directory holds data";
	/* Entries come before the directory. The local header's own name
	 * length is only known when the entry is read. */
	if (!why && (uint64_t)e->local_offset + LOCAL_LEN + e->csize > cd_offset)
		why = "data runs past the central directory";
	if (why) {
		say(err, errlen, "entry \"%s\": %s", quote(q, sizeof q, e->name),
		    why);
		return 0;
	}
	return rec_len;
}

static int read_central(rp_zip *z, const struct eocd *e, char *err,
			size_t errlen)
{
	unsigned char *cd = xmalloc(e->cd_size);
	if (pread_full(z->fd, cd, e->cd_size, e->cd_offset) < 0) {
		say(err, errlen, "%s", strerror(errno));
		free(cd);
		return -1;
	}
	z->entries = xcalloc(e->entries_total, sizeof *z->entries);
	size_t at = 0;
	for (size_t i = 0; i < e->entries_total; i++) {
		/* count first, so rp_zip_close frees a half-parsed entry */
		z->count++;
		size_t len = parse_central(cd + at, e->cd_size - at, i + 1,
					   e->cd_offset, &z->entries[i], err,
					   errlen);
		if (len == 0) {
			free(cd);
			return -1;
		}
		at += len;
	}
	free(cd);
	return 0;
}

static int ascii_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* Not strcasecmp: its idea of case follows the locale. */
static int caseless_cmp(const char *a, const char *b)
{
	for (; *a && ascii_lower((unsigned char)*a) ==
			     ascii_lower((unsigned char)*b);
	     a++, b++)
		;
	return ascii_lower((unsigned char)*a) - ascii_lower((unsigned char)*b);
}

static int same_name(const char *a, const char *b)
{
	return caseless_cmp(a, b) == 0;
}

/* Entries sorted by name ignoring case, then by their place in the
 * directory (they lie in one array). */
static int cmp_entry(const void *a, const void *b)
{
	const struct zip_entry *x = *(const struct zip_entry *const *)a;
	const struct zip_entry *y = *(const struct zip_entry *const *)b;
	int c = caseless_cmp(x->name, y->name);
	return c ? c : (x > y) - (x < y);
}

/*
 * Two entries of one name (ignoring case, as rp_zip_find matches) make an
 * archive ambiguous: readers take the first, unzip extracts the last over
 * it, and a person checking the archive sees another file than the program
 * reads. The pair whose second entry comes first is named.
 */
static int check_unique(const rp_zip *z, char *err, size_t errlen)
{
	if (z->count < 2)
		return 0;
	const struct zip_entry **order = xmalloc(z->count * sizeof *order);
	for (size_t i = 0; i < z->count; i++)
		order[i] = &z->entries[i];
	qsort(order, z->count, sizeof *order, cmp_entry);
	size_t first = 0, second = 0;
	for (size_t k = 1; k < z->count; k++) {
		size_t i = (size_t)(order[k - 1] - z->entries);
		size_t j = (size_t)(order[k] - z->entries);
		if (same_name(z->entries[i].name, z->entries[j].name) &&
		    (second == 0 || j < second)) {
			first = i;
			second = j;
		}
	}
	free(order);
	if (second == 0)
		return 0;
	char q1[256], q2[256];
	const char *a = z->entries[first].name, *b = z->entries[second].name;
	if (strcmp(a, b) == 0)
		say(err, errlen, "entry \"%s\": in the archive twice (entries #%zu and #%zu)",
		    quote(q1, sizeof q1, a), first + 1, second + 1);
	else
		say(err, errlen,
		    "entry \"%s\": in the archive twice, also as \"%s\" "
		    "(entries #%zu and #%zu; names are matched ignoring case)",
		    quote(q1, sizeof q1, a), quote(q2, sizeof q2, b), first + 1,
		    second + 1);
	return -1;
}

rp_zip *rp_zip_open(const char *path, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		say(err, errlen, "%s", strerror(errno));
		return NULL;
	}
	return rp_zip_fdopen(fd, path, err, errlen);
}

rp_zip *rp_zip_fdopen(int fd, const char *name, char *err, size_t errlen)
{
	struct stat st;
	if (fstat(fd, &st) < 0) {
		say(err, errlen, "%s", strerror(errno));
		close(fd);
		return NULL;
	}
	if (!S_ISREG(st.st_mode)) {
		/* the directory is at the end: a pipe cannot be read */
		say(err, errlen, "not a regular file");
		close(fd);
		return NULL;
	}

	rp_zip *z = xcalloc(1, sizeof *z);
	z->fd = fd;
	z->path = xstrdup(name);
	struct eocd e;
	if (find_eocd(fd, st.st_size, &e, err, errlen) < 0 ||
	    check_eocd(&e, err, errlen) < 0 ||
	    read_central(z, &e, err, errlen) < 0 ||
	    check_unique(z, err, errlen) < 0) {
		rp_zip_close(z);
		return NULL;
	}
	z->cd_offset = e.cd_offset;
	return z;
}

void rp_zip_close(rp_zip *z)
{
	if (!z)
		return;
	for (size_t i = 0; i < z->count; i++)
		free(z->entries[i].name);
	free(z->entries);
	free(z->path);
	close(z->fd);
	free(z);
}

size_t rp_zip_count(const rp_zip *z) { return z->count; }

const char *rp_zip_name(const rp_zip *z, size_t i)
{
	return i < z->count ? z->entries[i].name : NULL;
}


long rp_zip_find(const rp_zip *z, const char *name)
{
	for (size_t i = 0; i < z->count; i++)
		if (same_name(z->entries[i].name, name))
			return (long)i;
	return -1;
}

/* One entry being read. pread with its own offset, so several streams of
 * one archive can be read in turns without disturbing each other. */
struct entry_stream {
	const rp_zip *z;
	const struct zip_entry *e;
	off_t next;          /* file offset of the next compressed byte */
	uint32_t left;       /* compressed bytes not read yet */
	uint64_t total;      /* bytes handed out */
	uLong crc;
	int started, inflated, ended, failed;
	z_stream zs;
	int zs_ready;
	unsigned char *in;   /* CHUNK bytes of compressed data */
	char msg[128];
};

/* Records why the entry failed; later reads fail the same way. errno is
 * set because rp_input retries reads that fail with EINTR. */
static ssize_t fail(struct entry_stream *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static ssize_t fail(struct entry_stream *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s->msg, sizeof s->msg, fmt, ap);
	va_end(ap);
	s->failed = 1;
	errno = EBADMSG;
	return -1;
}

static ssize_t fail_errno(struct entry_stream *s)
{
	return fail(s, "%s", strerror(errno));
}

/* zlib allocates through the house wrappers: out of memory is fatal. */
static voidpf zalloc(voidpf opaque, uInt items, uInt size)
{
	(void)opaque;
	return xcalloc(items, size);
}

static void zfree(voidpf opaque, voidpf p)
{
	(void)opaque;
	free(p);
}

/* Finds the entry's data after its local header. The local name and extra
 * lengths are used: they may differ from the central ones. */
static ssize_t start_entry(struct entry_stream *s)
{
	unsigned char h[LOCAL_LEN];
	if (pread_full(s->z->fd, h, sizeof h, s->e->local_offset) < 0)
		return fail_errno(s);
	if (le32(h) != SIG_LOCAL)
		return fail(s, "bad local header");
	s->next = (off_t)s->e->local_offset + LOCAL_LEN + le16(h + 26) +
		  le16(h + 28);
	if (s->next + (off_t)s->e->csize > (off_t)s->z->cd_offset)
		return fail(s, "corrupt or truncated data");
	s->left = s->e->csize;
	s->crc = crc32(0, Z_NULL, 0);
	if (s->e->method == METHOD_DEFLATED) {
		s->zs.zalloc = zalloc;
		s->zs.zfree = zfree;
		if (inflateInit2(&s->zs, -MAX_WBITS) != Z_OK)
			return fail(s, "zlib: %s",
				    s->zs.msg ? s->zs.msg : "cannot start");
		s->zs_ready = 1;
		s->in = xmalloc(CHUNK);
	}
	s->started = 1;
	return 0;
}

/* The end of the data: what was read must be what the directory said. */
static ssize_t finish_entry(struct entry_stream *s)
{
	if (s->left != 0 || (s->zs_ready && s->zs.avail_in != 0) ||
	    s->total != s->e->usize)
		return fail(s, "size mismatch");
	if (s->crc != s->e->crc)
		return fail(s, "CRC-32 mismatch");
	s->ended = 1;
	return 0;
}

/* Counts n bytes handed out, and applies the bomb guards to them. */
static ssize_t account(struct entry_stream *s, const char *buf, size_t n)
{
	s->total += n;
	if (s->total > ZIP_MAX_ENTRY_SIZE)
		return fail(s, "inflates past %llu MiB: refused as a zip bomb",
			    ZIP_MAX_ENTRY_SIZE >> 20);
	if (s->total > RATIO_FLOOR &&
	    s->total > (uint64_t)ZIP_MAX_RATIO * s->e->csize)
		return fail(s, "compression ratio over %d: refused as a zip bomb",
			    ZIP_MAX_RATIO);
	if (s->total > s->e->usize)
		return fail(s, s->e->method == METHOD_STORED
				       ? "size mismatch"
				       : "inflates past its declared size");
	s->crc = crc32(s->crc, (const Bytef *)buf, (uInt)n);
	return (ssize_t)n;
}

static ssize_t read_stored(struct entry_stream *s, char *buf, size_t cap)
{
	if (s->left == 0)
		return finish_entry(s);
	size_t n = cap < s->left ? cap : s->left;
	if (pread_full(s->z->fd, buf, n, s->next) < 0)
		return fail_errno(s);
	s->next += (off_t)n;
	s->left -= (uint32_t)n;
	return account(s, buf, n);
}

static ssize_t read_deflated(struct entry_stream *s, char *buf, size_t cap)
{
	s->zs.next_out = (Bytef *)buf;
	s->zs.avail_out = (uInt)cap;
	for (;;) {
		if (s->zs.avail_in == 0 && s->left > 0) {
			size_t n = s->left < CHUNK ? s->left : CHUNK;
			if (pread_full(s->z->fd, s->in, n, s->next) < 0)
				return fail_errno(s);
			s->next += (off_t)n;
			s->left -= (uint32_t)n;
			s->zs.next_in = s->in;
			s->zs.avail_in = (uInt)n;
		}
		int ret = inflate(&s->zs, Z_NO_FLUSH);
		size_t made = cap - s->zs.avail_out;
		if (ret == Z_DATA_ERROR || ret == Z_NEED_DICT)
			return fail(s, "corrupt or truncated data");
		if (ret == Z_STREAM_END) {
			/* inflate must not be called past the end */
			s->inflated = 1;
			if (made > 0)
				return account(s, buf, made);
			return finish_entry(s);
		}
		if (made > 0)
			return account(s, buf, made);
		/* No output and nothing more to give it: the deflate
		 * stream stops before its end. */
		if (s->zs.avail_in == 0 && s->left == 0)
			return fail(s, "corrupt or truncated data");
		if (ret != Z_OK && ret != Z_BUF_ERROR)
			return fail(s, "zlib: %s",
				    s->zs.msg ? s->zs.msg : "inflate failed");
	}
}

static ssize_t entry_read(void *ctx, char *buf, size_t cap)
{
	struct entry_stream *s = ctx;
	if (s->failed) {
		errno = EBADMSG;
		return -1;
	}
	if (s->ended || cap == 0)
		return 0;
	if (!s->started && start_entry(s) < 0)
		return -1;
	if (cap > UINT_MAX)
		cap = UINT_MAX; /* zlib and crc32 count in uInt */
	if (s->e->method == METHOD_STORED)
		return read_stored(s, buf, cap);
	if (s->inflated)
		return finish_entry(s);
	return read_deflated(s, buf, cap);
}

static const char *entry_strerror(void *ctx)
{
	struct entry_stream *s = ctx;
	return s->failed ? s->msg : "read error";
}

static void entry_close(void *ctx)
{
	struct entry_stream *s = ctx;
	if (s->zs_ready)
		inflateEnd(&s->zs);
	free(s->in);
	free(s);
}

rp_input *rp_zip_entry_input(rp_zip *z, size_t i)
{
	if (i >= z->count)
		return NULL;
	struct entry_stream *s = xcalloc(1, sizeof *s);
	s->z = z;
	s->e = &z->entries[i];

	size_t len = strlen(z->path) + 1 + strlen(s->e->name) + 1;
	char *name = xmalloc(len);
	snprintf(name, len, "%s/%s", z->path, s->e->name);
	rp_input *in = rp_input_new(name, entry_read, entry_strerror,
				    entry_close, s);
	free(name);
	return in;
}
