#ifndef RP_CODES_H
#define RP_CODES_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Value vocabularies of the canonical schema and the mappings onto them
 * from each source's own. Each returns NULL for a value it cannot map.
 */

/* CEDS grade code (IT PR PK TK KG 01..13 PS UG Other) for OneRoster codes,
 * Clever's words and numbers, and what real files hold ("K", "9", "Kindergarten"). */
const char *grade_code(const char *s);

/* Canonical role (student teacher staff administrator aide guardian) for a
 * OneRoster 1.1/1.2 role, case-insensitively. */
const char *role_code(const char *s);

/* Whether s is a real calendar date written YYYY-MM-DD. */
bool valid_date(const char *s);

/* A date-time (RFC 3339 / ISO 8601, with or without fraction and offset)
 * or a bare date, rewritten in UTC as YYYY-MM-DDTHH:MM:SSZ into out
 * (at least 21 bytes). Returns false when it is neither. */
bool utc_datetime(const char *s, char *out);

/* M/D/YYYY (Clever's dob) as YYYY-MM-DD into out (11 bytes). */
bool us_date(const char *s, char *out);

/* "true"/"false" in any case, "1"/"0", "Y"/"N", "yes"/"no": 1, 0, or -1. */
int parse_bool(const char *s);

/* Trims ASCII white space at both ends and lower-cases ASCII letters, in
 * place; returns s. */
char *email_fold(char *s);
/* local@domain, with no white space, one '@', and a dot-free-or-dotted
 * non-empty domain. */
bool valid_email(const char *s);

/* The school year "YYYY-YYYY" ending in end_year, into out (10 bytes). */
void school_year_ending(int end_year, char *out);

#endif
