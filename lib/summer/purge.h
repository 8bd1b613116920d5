#ifndef RP_PURGE_H
#define RP_PURGE_H

#include <stdbool.h>

#include "record.h"

/*
 * Whether a state user is to be hard-deleted by the purge: soft-deleted
 * (before `before`, an RFC 3339 time, when given), in school `school` when
 * given, and neither ignore_on_import nor manual: those the school manages
 * itself, and the purge never touches them.
 */
bool purge_candidate(const rec *user, const char *before, const char *school);

/* Whether the user is soft-deleted but kept for being hands-off. */
bool purge_kept(const rec *user);

#endif
