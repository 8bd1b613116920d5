#ifndef RP_RECBIN_H
#define RP_RECBIN_H

#include <stddef.h>

#include "record.h"

/*
 * A record in a compact binary form, for spooling: apply parses each
 * operation's JSON once and reads the record back from this form in its
 * checking and applying passes. Each field in schema order: a string as
 * its length + 1 (0: absent, so "" stays apart from absent), its bytes and
 * a NUL; a bool as one byte; a list or map as its count + 1 (0: absent)
 * and its strings.
 */

/* Appends r to *buf (the getline rule: *buf grows, *len is the end). */
void rb_pack(char **buf, size_t *len, size_t *cap, const rec *r);

/* Fills r (rec_init'ed with its entity) from p; strings point into p,
 * item arrays live in r's arena. Returns the bytes read, or 0 when p is
 * not a whole record of r's entity. */
size_t rb_unpack(rec *r, const char *p, size_t len);

#endif
