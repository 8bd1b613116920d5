#ifndef RP_CSVW_H
#define RP_CSVW_H

#include <stdbool.h>

#include "ndjson.h"

/*
 * CSV for people (RFC 4180): a cell is quoted when it holds a comma, a
 * quote or a line end, and a cell that a spreadsheet would run as a formula
 * (starting with =, +, -, @, tab or CR) gets a leading ' so it shows as text.
 * last ends the row. A NULL value is an empty cell.
 */
void csvw_cell(nd_writer *w, const char *value, bool last);

#endif
