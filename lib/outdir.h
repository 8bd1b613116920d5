#ifndef RP_OUTDIR_H
#define RP_OUTDIR_H

/*
 * Folders and files that hold personal data, made so that they cannot be
 * turned against the user: every program runs under umask 077 (rp_setprog),
 * folders are made 0700 and files 0600, an existing output folder is used
 * only when it is the user's own and no one else can write to it, and a
 * file is created new (never opened through a planted symbolic link, never
 * over a file that is there). See docs/design.md, "Private files".
 */

#include <stdio.h>

/* DIR made 0700 when it does not exist (its parent must). An existing DIR
 * is used only when it is a folder that belongs to the user (the effective
 * uid) and that neither group nor others can write to; when DIR is a
 * symbolic link, the link must be the user's too. 0, or -1 after a message
 * naming the folder (the caller exits 4). */
int rp_private_dir(const char *dir);

/* Whether the file PATH is there and is a regular file of the user's own
 * (not a symbolic link, not another user's): 1, 0 when it is not there,
 * -1 (with a message naming it) when it is there but not such a file. */
int rp_own_file(const char *path);

/* PATH created new for writing, 0600: O_CREAT|O_EXCL|O_NOFOLLOW, so never
 * through a symbolic link and never over a file that is there. The file
 * descriptor, or -1 with errno set. */
int rp_create_new(const char *path);

/* A file a person asked for by name (a report): written under a new
 * temporary name beside it (0600), then renamed over PATH once whole, so
 * that a symbolic link planted at PATH is replaced, never written through,
 * and a failed run leaves no half file. */
typedef struct rp_outfile rp_outfile;

/* NULL after a message naming the file. */
rp_outfile *rp_outfile_open(const char *path);
FILE *rp_outfile_stream(rp_outfile *o);
/* Flushes, syncs, closes and renames into place; frees o. 0, or -1 after a
 * message (the temporary file removed). */
int rp_outfile_commit(rp_outfile *o);
/* Removes the temporary file; frees o. NULL is a no-op. */
void rp_outfile_abort(rp_outfile *o);

#endif
