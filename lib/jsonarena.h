#ifndef RP_JSONARENA_H
#define RP_JSONARENA_H

#include <stddef.h>

#include <cjson/cJSON.h>

/*
 * A JSON parser that builds the same tree as cJSON_ParseWithLengthOpts(s,
 * len, &end, 0) (struct cJSON: next/prev/child/type/valuestring/valueint/
 * valuedouble/string), with every node and string taken from an arena the
 * parser owns and resets at each parse: no malloc or free per value.
 *
 * The tree is read-only and lives until the next ja_parse or ja_free: never
 * cJSON_Delete() it, nor add, detach or replace items in it (cJSON would
 * free arena memory). Reading it with cJSON's getters and printers is fine.
 *
 * Accepts and rejects what cJSON 1.7 does, with one deliberate difference:
 * a \u escape must have four hex digits (cJSON reads "\uZZZZ" as U+0000).
 * See jsonarena.c and docs/reliability.md.
 */
typedef struct ja_parser ja_parser;

ja_parser *ja_new(void);
void ja_free(ja_parser *p);

/*
 * Parses the JSON value at the start of json[0..len). Returns the tree, or
 * NULL when it is not valid JSON (or nested deeper than cJSON's
 * CJSON_NESTING_LIMIT). *end, if end is not NULL, is set to the first byte
 * after the value (what follows is not looked at, as cJSON with
 * require_null_terminated 0).
 */
cJSON *ja_parse(ja_parser *p, const char *json, size_t len, const char **end);

#endif
