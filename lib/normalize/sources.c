/* The sources normalize knows. A new source is a file with its mapping and
 * one line here; nothing else names a source. */
#include "norm_int.h"

#include <string.h>

extern const struct norm_source norm_oneroster, norm_clever;

const struct norm_source *const norm_sources[] = {
	&norm_oneroster,
	&norm_clever,
	NULL,
};

const struct norm_source *norm_source_named(const char *name)
{
	for (const struct norm_source *const *s = norm_sources; name && *s; s++)
		if (strcmp((*s)->name, name) == 0)
			return *s;
	return NULL;
}
