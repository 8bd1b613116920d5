/*
 * fuzz_jsonarena: lib/jsonarena.c against cJSON, differentially.
 *
 * The input is parsed whole by cJSON_ParseWithLengthOpts(data, size, &end,
 * 0) (as nd_next used to) and by ja_parse(data, size, &end). Both must
 * accept or both reject; when both accept, the trees must be the same node
 * for node (type, key, string, valueint, valuedouble to the bit, the prev
 * links cJSON makes), print the same with cJSON_PrintUnformatted, and end
 * at the same byte. The parser is used twice in a row on the input, so a
 * tree left over in the arena from the last parse would show.
 *
 * The one allowed difference is the deliberate one (jsonarena.c): a \u
 * escape whose four characters are not all hex digits, which cJSON reads as
 * U+0000 and ja_parse rejects. An input may be rejected by ja_parse alone
 * only if it holds such an escape; the check is loose (it looks for "\u"
 * followed by a non-hex byte anywhere), so those inputs are not compared
 * further.
 */
#include "fuzz_common.h"

#include "jsonarena.h"

static ja_parser *ja;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fuzz_init();
	ja = ja_new();
	return 0;
}

static bool is_hex(uint8_t c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	       (c >= 'A' && c <= 'F');
}

static bool has_bad_u_escape(const uint8_t *d, size_t n)
{
	for (size_t i = 0; i + 1 < n; i++) {
		if (d[i] != '\\' || d[i + 1] != 'u')
			continue;
		for (size_t k = i + 2; k < i + 6; k++)
			if (k >= n || !is_hex(d[k]))
				return true;
	}
	return false;
}

static void differ(const char *why, const uint8_t *data, size_t size)
{
	fuzz_fail("jsonarena", why, (const char *)data, size);
}

static bool same_str(const char *a, const char *b)
{
	return a && b ? strcmp(a, b) == 0 : a == b;
}

static bool same(const cJSON *a, const cJSON *b)
{
	if (a->type != b->type || a->valueint != b->valueint ||
	    memcmp(&a->valuedouble, &b->valuedouble, sizeof(double)) != 0 ||
	    !same_str(a->string, b->string) ||
	    !same_str(a->valuestring, b->valuestring))
		return false;
	const cJSON *x = a->child, *y = b->child, *last = NULL;
	for (; x && y; x = x->next, y = y->next) {
		if ((last && y->prev != last) || !same(x, y))
			return false;
		last = y;
	}
	if (x || y)
		return false;
	/* cJSON links the first child's prev to the last child */
	return !b->child || b->child->prev == last;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	const char *cend = NULL, *jend = NULL;
	cJSON *c = cJSON_ParseWithLengthOpts(text, size, &cend, 0);
	for (int round = 0; round < 2; round++) {
		cJSON *j = ja_parse(ja, text, size, &jend);
		if (!c && j)
			differ("accepted, cJSON rejects", data, size);
		if (c && !j) {
			if (!has_bad_u_escape(data, size))
				differ("rejected, cJSON accepts", data, size);
			break;
		}
		if (!c)
			break;
		if (cend != jend)
			differ("ends elsewhere than cJSON", data, size);
		if (!same(c, j))
			differ("tree differs from cJSON's", data, size);
		char *pc = cJSON_PrintUnformatted(c), *pj = cJSON_PrintUnformatted(j);
		if (!same_str(pc, pj))
			differ("prints differently from cJSON's", data, size);
		free(pc);
		free(pj);
	}
	cJSON_Delete(c);
	return 0;
}
