#ifndef RP_ZIP_H
#define RP_ZIP_H

#include <stddef.h>

#include "input.h"

/*
 * Read-only zip archives (PKWARE APPNOTE): the central directory is read
 * at open, entries are streamed through zlib's raw inflate. Stored (0) and
 * deflated (8) entries; CRC-32 and sizes checked when an entry has been read
 * to its end. Refused at open, naming the entry: absolute paths, drive
 * letters, backslashes, ".." components, symlinks (Unix mode in the external
 * attributes), encrypted entries, other methods, zip64 archives,
 * multi-disk archives, and two entries of one name (ignoring ASCII case, as
 * rp_zip_find matches names: which of them is meant cannot be told). Guards against zip bombs: an entry that inflates past
 * ZIP_MAX_ENTRY_SIZE or past ZIP_MAX_RATIO times its compressed size (when
 * larger than 1 MiB) is a read error.
 */
#define ZIP_MAX_ENTRY_SIZE (4ull << 30) /* 4 GiB */
#define ZIP_MAX_RATIO 1000

typedef struct rp_zip rp_zip;

/*
 * Returns NULL and writes a one-line reason into err on failure. The reason
 * does not repeat path; when an entry is at fault it starts with
 * entry "NAME": (quotes, backslashes and control characters escaped as in
 * C), or entry #N: counted from 1 when the name itself is unusable.
 */
rp_zip *rp_zip_open(const char *path, char *err, size_t errlen);
/* The same on an open regular file, named name in messages; takes
 * ownership of fd (closed on failure too). */
rp_zip *rp_zip_fdopen(int fd, const char *name, char *err, size_t errlen);
void rp_zip_close(rp_zip *z);

size_t rp_zip_count(const rp_zip *z);
/* NULL when i is past the last entry. Folders are entries ending in '/'. */
const char *rp_zip_name(const rp_zip *z, size_t i);
/* Index of the entry named name (ASCII case-insensitive), or -1. */
long rp_zip_find(const rp_zip *z, const char *name);

/*
 * A stream of entry i's inflated bytes, named "ARCHIVE/ENTRY" in messages.
 * A CRC or size mismatch, truncated or corrupt data, or a bomb guard makes
 * a read fail with rp_input_strerror saying which. The archive must outlive
 * the stream. NULL when i is past the last entry.
 */
rp_input *rp_zip_entry_input(rp_zip *z, size_t i);

#endif
