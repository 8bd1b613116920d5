#ifndef RP_PACKREC_H
#define RP_PACKREC_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "record.h"

/*
 * A record packed: its values without the member names, about half the
 * size of its JSON line, for what holds records in bulk (diff-roster keeps
 * both sides of a district packed; apply spools a plan's creates packed, so
 * neither of its passes parses them again). One encoding for both:
 *
 *   a 32-bit mask of the fields present, a 32-bit mask of the booleans that
 *   are true, then each present field in schema order: a string and its NUL
 *   ("" stays apart from absent); a list or map as a 32-bit count and its
 *   strings (keys and values alternating), each with its NUL.
 *
 * Native byte order and no alignment: a packed record never leaves the
 * process that made it. Unpacking is a walk: the unpacked record's strings
 * point into the packed bytes, which must outlive it.
 */

/* The bytes r takes packed. */
size_t pr_size(const rec *r);

/* Packs r into dst (pr_size(r) bytes). When k is given, it is r again
 * (rec_init'ed with arena a), its strings pointing into dst. */
void pr_pack(char *dst, const rec *r, rec *k, rp_arena *a);

/* The mask of the fields a packed record holds (bit f: field f). */
uint32_t pr_fields(const char *p);

/* Fills r (rec_init'ed here with ent and a) from a record pr_pack wrote.
 * List and map items live in a, with room to add to them. */
void pr_unpack(const char *p, const struct rec_entity *ent, rec *r,
	       rp_arena *a);

/* The same for bytes read back from a file: returns the bytes the record
 * took, or 0 when p[0..len) is not a whole packed record of ent. */
size_t pr_unpack_checked(const char *p, size_t len,
			 const struct rec_entity *ent, rec *r, rp_arena *a);

#endif
