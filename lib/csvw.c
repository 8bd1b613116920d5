#include "csvw.h"

#include <string.h>

void csvw_cell(nd_writer *w, const char *v, bool last)
{
	if (v && *v) {
		bool quote = strpbrk(v, ",\"\r\n") != NULL;
		bool formula = strchr("=+-@\t\r", v[0]) != NULL;
		if (quote)
			nd_raw(w, "\"", 1);
		if (formula)
			nd_raw(w, "'", 1);
		for (const char *p = v; *p; p++) {
			const char *q = strchr(p, '"');
			size_t n = q ? (size_t)(q - p) + 1 : strlen(p);
			nd_raw(w, p, n);
			if (q)
				nd_raw(w, "\"", 1);
			p += n - 1;
		}
		if (quote)
			nd_raw(w, "\"", 1);
	}
	nd_raw(w, last ? "\n" : ",", 1);
}
