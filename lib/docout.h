/*
 * A document for people (a plan's report, a migration's review): headings,
 * paragraphs and tables, written as Markdown (tables padded to their
 * columns, so that they read in a terminal and in a plain-text email) or
 * as HTML (one page, tables, a little CSS that prints well, no scripts).
 * Every text is escaped here: names come from feeds, and a name must never
 * become markup, a link or a terminal control sequence.
 */
#ifndef RP_DOCOUT_H
#define RP_DOCOUT_H

#include <stdbool.h>
#include <stdio.h>

typedef struct out out;
out *out_new(FILE *f, bool html);
int out_free(out *o); /* 0, or -1 when a write failed */
void out_doc_begin(out *o, const char *title);
void out_doc_end(out *o);
void out_section_begin(out *o, const char *cls, const char *id);
void out_section_end(out *o);
void out_heading(out *o, int level, const char *text);
void out_para_begin(out *o, const char *cls);
void out_text(out *o, const char *text);
void out_strong(out *o, const char *text, const char *cls);
void out_para_end(out *o);
/* ncols headings; numeric: bit i set when column i holds numbers */
void out_table(out *o, int ncols, const char *const *heads, unsigned numeric);
void out_row(out *o, const char *const *cells);
void out_table_end(out *o);

#endif
