#ifndef RP_SUMMER_INT_H
#define RP_SUMMER_INT_H

/* Private to lib/summer: an archive folder's manifest and the durable
 * writes that archive_year makes (files.c). */
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>

#include <zlib.h>

#include "idset.h"
#include "summer.h"

/* a folder, a slash and a file name */
#define PATH_BUF (PATH_MAX + 512)

struct entry {
	char *school, *file, *first, *last;
	char sha[65];
	long count;
};

struct manifest {
	struct entry *v;
	size_t n, cap;
};

struct entry *sm_manifest_find(struct manifest *m, const char *file);
struct entry *sm_manifest_add(struct manifest *m, const char *school,
			      const char *file);
void sm_manifest_free(struct manifest *m);
/* DIR/manifest.json into m (empty when there is none); 0 or -1 (reported). */
int sm_manifest_read(const char *dir, struct manifest *m);

int sm_sync_dir(const char *dir);
/* Writes the bytes or gzip stream given by fill into DIR/NAME through a
 * temporary file, fsync and rename: the old file or the whole new one. */
int sm_write_file(const char *dir, const char *name, bool gzip,
		  int (*fill)(void *ctx, gzFile gz, FILE *plain), void *ctx);

/* One school's archive: its lines in file order. */
struct line {
	char *text; /* the state record, as written */
	size_t len;
	char *id;
	char date[11]; /* starts_at's date */
	bool fresh;    /* from this run's input */
};

struct school {
	char *id;
	struct line *v;
	size_t n, cap;
	idset *ids;
};

void sm_school_add(struct school *s, const char *text, size_t len,
		   const char *id, const char *starts, bool fresh);

/* What reading an archive back found. */
struct readback {
	idset *ids;
	long count;
	struct school *into; /* when merging: lines go here */
	char first[11], last[11];
	const char *bad;
};

/* archive_each_line's callback reading an archive back into a readback. */
int sm_read_back_line(void *ctx, const char *line, size_t len);

#endif
