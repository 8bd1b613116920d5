#include "packrec.h"

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "arena.h"
#include "harness.h"
#include "ndjson.h"
#include "xalloc.h"

/* A record as its JSON line, through rec_write on a memory writer. */
static char *as_json(const rec *r)
{
	nd_writer *w = nd_writer_mem();
	size_t len;
	rec_write(w, r);
	const char *text = nd_current(w, &len);
	char *copy = xmalloc(len + 1);
	memcpy(copy, text, len);
	copy[len] = '\0';
	nd_writer_close(w);
	return copy;
}

static const char user_line[] =
	"{\"type\":\"user\",\"id\":\"u7\",\"source\":\"oneroster\","
	"\"source_id\":\"stu-1\",\"role\":\"student\",\"school_ids\":[\"s1\",\"s2\"],"
	"\"given_name\":\"Ana\",\"email\":\"ana@example.org\","
	"\"ids\":{\"oneroster\":\"stu-1\",\"sis\":\"1001\"},\"ignore_on_import\":true,"
	"\"manual\":false}\n";

int main(void)
{
	rp_arena *a = arena_new();
	cJSON *o = cJSON_Parse(user_line);
	rec r, k, back;
	rec_init(&r, &REC_USER, a);
	CHECK(rec_from_json(&r, o) == NULL, "the user reads");

	size_t size = pr_size(&r);
	char *p = xmalloc(size);
	pr_pack(p, &r, &k, a);
	char *want = as_json(&r), *got_k = as_json(&k);
	CHECK_STR(got_k, want, "pack gives the record back, pointing into the bytes");
	CHECK(rec_str(&k, U_GIVEN_NAME) >= p && rec_str(&k, U_GIVEN_NAME) < p + size,
	      "the kept record's strings live in the packed bytes");

	pr_unpack(p, &REC_USER, &back, a);
	char *got = as_json(&back);
	CHECK_STR(got, want, "unpack gives the same JSON line, booleans and absent fields included");
	free(got);

	CHECK(pr_unpack_checked(p, size, &REC_USER, &back, a) == size,
	      "the checked reader takes the whole record and says how long it was");
	got = as_json(&back);
	CHECK_STR(got, want, "the checked reader gives the same record");
	free(got);

	rec_list_add(&back, U_SCHOOL_IDS, "s3");
	CHECK(back.v[U_SCHOOL_IDS].n == 3, "an unpacked list has room to grow");

	int short_ok = 0;
	for (size_t cut = 0; cut < size; cut++)
		short_ok += pr_unpack_checked(p, cut, &REC_USER, &back, a) == 0;
	CHECK(short_ok == (int)size, "every cut-short record is refused by the checked reader");

	char *bad = xmalloc(size);
	memcpy(bad, p, size);
	bad[3] = (char)0xff; /* fields past the entity's */
	CHECK(pr_unpack_checked(bad, size, &REC_USER, &back, a) == 0,
	      "a field mask naming fields the entity lacks is refused");
	free(bad);

	rec empty;
	rec_init(&empty, &REC_ENROLLMENT, a);
	CHECK(pr_size(&empty) == 8, "an empty record is its two masks");

	free(want);
	free(got_k);
	free(p);
	cJSON_Delete(o);
	arena_free(a);
	TEST_END();
}
