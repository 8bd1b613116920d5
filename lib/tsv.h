#ifndef RP_TSV_H
#define RP_TSV_H

#include <stdbool.h>

#include <cjson/cJSON.h>

#include "ndjson.h"

/*
 * Members of NDJSON records as tab-separated values, for shell scripts
 * that need a few values of a record (ndjson-fields): one line a record,
 * so `while IFS=$'\t' read -r ...` reads them safely.
 */

/* The member at a dotted path ("data.id"), or NULL. */
const cJSON *tsv_path(const cJSON *obj, const char *path);

/* Writes v as one TSV cell: a string as is, with backslash, tab, newline
 * and carriage return escaped (\\ \t \n \r); true, false, numbers as
 * JSON writes them; an object or array as compact JSON; NULL or null as
 * an empty cell. */
void tsv_cell(nd_writer *w, const cJSON *v);

/* Whether the member at path, written as a cell, is exactly text. */
bool tsv_equals(const cJSON *obj, const char *path, const char *text);

#endif
