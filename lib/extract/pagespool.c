#include "extract.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "xalloc.h"

#define MAX_ENTITIES 16

struct pagespool {
	const char *const *entities;
	int n;
	FILE *file[MAX_ENTITIES];
	nd_writer *w[MAX_ENTITIES];
};

pagespool *ps_new(const char *const *entities)
{
	pagespool *p = xcalloc(1, sizeof *p);
	p->entities = entities;
	while (entities[p->n] && p->n < MAX_ENTITIES)
		p->n++;
	return p;
}

void ps_free(pagespool *p)
{
	if (!p)
		return;
	for (int i = 0; i < p->n; i++) {
		if (p->w[i])
			nd_writer_close(p->w[i]);
		if (p->file[i])
			fclose(p->file[i]);
	}
	free(p);
}

int ps_entity(const pagespool *p, const char *name)
{
	for (int i = 0; i < p->n; i++)
		if (strcmp(p->entities[i], name) == 0)
			return i;
	return -1;
}

bool ps_present(const pagespool *p, int i)
{
	return i >= 0 && i < p->n && p->w[i] != NULL;
}

nd_writer *ps_writer(pagespool *p, int i)
{
	if (!p->w[i]) {
		if (!(p->file[i] = tmpfile()))
			rp_die(RP_EXIT_IO, "cannot create a temporary file: %s",
			       strerror(errno));
		p->w[i] = nd_writer_new(fileno(p->file[i]));
	}
	return p->w[i];
}

int ps_finish(pagespool *p, nd_writer *out, const char *source,
	      const char *version, const char *format)
{
	nd_begin(out);
	nd_str(out, "type", "feed");
	nd_str(out, "source", source);
	nd_str(out, "version", version);
	nd_str(out, "format", format);
	nd_obj(out, "files");
	for (int i = 0; i < p->n; i++)
		nd_str(out, p->entities[i], p->w[i] ? "bulk" : "absent");
	nd_close(out);
	nd_end(out);
	for (int i = 0; i < p->n; i++) {
		if (!p->w[i])
			continue;
		if (nd_flush(p->w[i]) != 0)
			return -1;
		rewind(p->file[i]);
		char buf[65536];
		size_t got;
		while ((got = fread(buf, 1, sizeof buf, p->file[i])) > 0)
			nd_raw(out, buf, got);
		if (ferror(p->file[i]))
			return -1;
	}
	return 0;
}
