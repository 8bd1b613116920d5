#include "planw.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "err.h"
#include "plan.h"
#include "strtab.h"
#include "xalloc.h"

#define MAX_OPS 12

struct school_counts {
	long n[MAX_OPS];
};

struct plan_writer {
	long long base;
	char store[33];
	struct {
		const char *entity;
		long n;
	} held[8];
	int nheld;
	const char *producer;
	const char *const *ops;
	int nops;
	long counts[MAX_OPS];
	/* schools in the order first counted: a school's number in names is
	 * its index in schools (the header lists them in that order) */
	strtab *names;
	struct school_counts *schools;
	size_t nschools, cap;
	FILE *spool;
	nd_writer *spool_w, *op;
	plan_hash hash;
};

void pw_held(plan_writer *p, const char *entity, long n)
{
	if (p->nheld < 8) {
		p->held[p->nheld].entity = entity;
		p->held[p->nheld++].n = n;
	}
}

void pw_set_store(plan_writer *p, const char *store_id)
{
	snprintf(p->store, sizeof p->store, "%s", store_id ? store_id : "");
}

plan_writer *pw_new(long long base_version, const char *producer,
		    const char *const *ops)
{
	plan_writer *p = xcalloc(1, sizeof *p);
	p->base = base_version;
	p->producer = producer;
	p->ops = ops;
	while (ops[p->nops] && p->nops < MAX_OPS)
		p->nops++;
	if (!(p->spool = tmpfile()))
		rp_die(RP_EXIT_IO, "cannot create a temporary file: %s",
		       strerror(errno));
	p->spool_w = nd_writer_new(fileno(p->spool));
	p->op = nd_writer_mem();
	p->names = strtab_new();
	plan_hash_init(&p->hash, base_version);
	return p;
}

nd_writer *pw_begin(plan_writer *p, const char *op, const char *entity,
		    const char *id)
{
	nd_mem_reset(p->op);
	nd_begin(p->op);
	nd_str(p->op, "type", "op");
	nd_str(p->op, "op", op);
	nd_str(p->op, "entity", entity);
	nd_str(p->op, "id", id);
	return p->op;
}

void pw_end(plan_writer *p)
{
	size_t len;
	nd_end(p->op);
	const char *text = nd_current(p->op, &len);
	plan_hash_op(&p->hash, text, len - 1);
	nd_raw(p->spool_w, text, len);
}

static int op_index(const plan_writer *p, const char *op)
{
	for (int i = 0; i < p->nops; i++)
		if (strcmp(p->ops[i], op) == 0)
			return i;
	return -1;
}

void pw_count(plan_writer *p, const char *op, const char *const *schools,
	      size_t nschools)
{
	int k = op_index(p, op);
	if (k < 0)
		return;
	p->counts[k]++;
	for (size_t s = 0; s < nschools; s++) {
		size_t i = strtab_intern(p->names, schools[s], strlen(schools[s]));
		if (i == p->nschools) {
			if (p->nschools == p->cap) {
				p->cap = p->cap ? p->cap * 2 : 16;
				p->schools = xrealloc(p->schools,
						      p->cap * sizeof *p->schools);
			}
			memset(&p->schools[i], 0, sizeof p->schools[i]);
			p->nschools++;
		}
		p->schools[i].n[k]++;
	}
}

static void pw_free(plan_writer *p)
{
	nd_writer_close(p->spool_w);
	nd_writer_close(p->op);
	fclose(p->spool);
	strtab_free(p->names);
	free(p->schools);
	free(p);
}

void pw_discard(plan_writer *p)
{
	if (p)
		pw_free(p);
}

int pw_finish(plan_writer *p, nd_writer *out)
{
	char plan_id[65], now[21];
	int rc = nd_flush(p->spool_w);
	plan_hash_hex(&p->hash, plan_id);
	rp_now_utc(now);
	nd_begin(out);
	nd_str(out, "type", "plan");
	nd_str(out, "plan_id", plan_id);
	nd_int(out, "base_version", p->base);
	if (p->store[0])
		nd_str(out, "store", p->store);
	nd_str(out, "producer", p->producer);
	nd_str(out, "created", now);
	nd_obj(out, "counts");
	for (int k = 0; k < p->nops; k++)
		nd_int(out, p->ops[k], p->counts[k]);
	nd_obj(out, "schools");
	for (size_t i = 0; i < p->nschools; i++) {
		nd_obj(out, strtab_str(p->names, (uint32_t)i));
		for (int k = 0; k < p->nops; k++)
			if (p->schools[i].n[k])
				nd_int(out, p->ops[k], p->schools[i].n[k]);
		nd_close(out);
	}
	nd_close(out);
	nd_close(out);
	if (p->nheld) {
		nd_obj(out, "held");
		for (int i = 0; i < p->nheld; i++)
			nd_int(out, p->held[i].entity, p->held[i].n);
		nd_close(out);
	}
	nd_end(out);
	if (rc == 0) {
		char buf[65536];
		size_t n;
		rewind(p->spool);
		while ((n = fread(buf, 1, sizeof buf, p->spool)) > 0)
			nd_raw(out, buf, n);
		if (ferror(p->spool))
			rc = -1;
	}
	pw_free(p);
	return rc;
}
