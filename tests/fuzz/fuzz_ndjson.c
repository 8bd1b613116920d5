/*
 * fuzz_ndjson: the NDJSON reader (lib/ndjson.c nd_next over lib/input.c
 * rp_input_getline), and the writer on what it read.
 *
 * The input is read as one NDJSON stream, in short pieces of varying size
 * so that lines cross rp_input's refills. Each record read is written back
 * into a memory writer (nd_begin, nd_json on each member, nd_end); that
 * output must be one line of valid JSON that parses back to the same value: same members in the same order
 * (duplicate keys included), same strings, numbers equal (an infinite one,
 * which JSON cannot hold, written as null). Records as deep as cJSON reads
 * them must be written: nd_writer's rp_die() past its nesting limit would
 * be reported as "fuzz target exited".
 */
#include "fuzz_common.h"

#include <math.h>

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fuzz_init();
	return 0;
}

static bool same(const cJSON *a, const cJSON *b)
{
	/* JSON has no infinity (cJSON reads 1e999 as one): written as null */
	if (cJSON_IsNumber(a) && !isfinite(a->valuedouble))
		return cJSON_IsNull(b);
	if ((a->type & 0xff) != (b->type & 0xff))
		return false;
	if (cJSON_IsString(a))
		return strcmp(a->valuestring, b->valuestring) == 0;
	if (cJSON_IsNumber(a))
		return a->valuedouble == b->valuedouble;
	if (!cJSON_IsArray(a) && !cJSON_IsObject(a))
		return true;
	const cJSON *x = a->child, *y = b->child;
	for (; x && y; x = x->next, y = y->next)
		if ((cJSON_IsObject(a) && strcmp(x->string, y->string) != 0) ||
		    !same(x, y))
			return false;
	return !x && !y;
}

static void round_trip(nd_writer *w, const cJSON *o)
{
	nd_mem_reset(w);
	/* the record as one written by nd_begin, its members, nd_end: as deep
	 * as it was read, and cJSON reads nothing deeper than its limit */
	nd_begin(w);
	for (const cJSON *m = o->child; m; m = m->next)
		nd_json(w, m->string, m);
	nd_end(w);
	size_t len;
	const char *out = nd_current(w, &len);
	fuzz_check_ndjson("nd_json", out, len);
	cJSON *back = cJSON_ParseWithLength(out, len);
	if (!back || !same(o, back))
		fuzz_fail("nd_json", "record written does not read back the same",
			  out, len - 1);
	cJSON_Delete(back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int mark = fuzz_fd_mark();
	nd_reader *r = nd_reader_new(fuzz_mem_input("fuzz.ndjson", data, size));
	nd_writer *w = nd_writer_mem();
	cJSON *o;
	int got;
	long last = 0;
	while ((got = nd_next(r, &o)) != 0) {
		if (got == -2)
			break;
		long line = nd_line(r);
		if (line <= last)
			fuzz_fail("nd_line", "line numbers do not go up", "", 0);
		last = line;
		if (got < 0)
			continue;
		size_t len;
		const char *text = nd_text(r, &len);
		if (memchr(text, '\n', len))
			fuzz_fail("nd_text", "the text of a record holds a newline",
				  text, len);
		(void)nd_get_str(o, "type");
		(void)nd_get_obj(o, "data");
		(void)nd_get_arr(o, "links");
		round_trip(w, o);
	}
	(void)nd_io_failed(r);
	(void)nd_name(r);
	nd_writer_close(w);
	nd_reader_free(r);
	fuzz_fd_check(mark);
	return 0;
}
