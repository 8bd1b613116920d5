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
/* DIR/manifest.json into m (empty when there is none); 1 read, 0 none
 * there, -1 unreadable (reported). */
int sm_manifest_read(const char *dir, struct manifest *m);

/*
 * How a run writes (archive_year): every new school file and the manifest
 * under temporary names first (SM_TMP_PREFIX NAME SM_TMP_SUFFIX, created
 * new and synced), and only when all are written, read back and synced are
 * they renamed into place: the archives, then the manifest. A failure
 * before that leaves the earlier archive set whole. A run killed between
 * the renames leaves archives that the pending manifest (the manifest's
 * temporary file, whole and synced before the first rename) vouches for:
 * readers accept an archive that matches either manifest.
 */
#define SM_TMP_PREFIX "."
#define SM_TMP_SUFFIX ".tmp"
#define SM_PENDING_MANIFEST SM_TMP_PREFIX "manifest.json" SM_TMP_SUFFIX

/* The pending manifest, when one is there and reads whole: 1, else 0 (never
 * reported: it is a leftover of a run cut short, or nothing). */
int sm_manifest_read_pending(const char *dir, struct manifest *m);

int sm_sync_dir(const char *dir);
/* DIR/.NAME.tmp into out */
void sm_tmp_path(const char *dir, const char *name, char *out, size_t size);
/* Writes the bytes or gzip stream given by fill into DIR/.NAME.tmp: a stale
 * one of a run cut short is removed first, then the file is created new
 * (never through a symbolic link), filled and synced. 0, or -1 (reported,
 * the temporary file removed). */
int sm_write_tmp(const char *dir, const char *name, bool gzip,
		 int (*fill)(void *ctx, gzFile gz, FILE *plain), void *ctx);
/* Renames DIR/.NAME.tmp to DIR/NAME: 0, or -1 (reported). */
int sm_commit(const char *dir, const char *name);
/* Removes DIR/.NAME.tmp, if there. */
void sm_discard(const char *dir, const char *name);

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
	bool pending; /* its new file is written, under its temporary name */
};

/* ids: an id's hash -> the index of its first line */
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
