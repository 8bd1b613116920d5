#include "tsv.h"

#include <string.h>

#include "err.h"

const cJSON *tsv_path(const cJSON *obj, const char *path)
{
	char key[256];
	while (obj && *path) {
		const char *dot = strchr(path, '.');
		size_t n = dot ? (size_t)(dot - path) : strlen(path);
		if (n >= sizeof key || !cJSON_IsObject(obj))
			return NULL;
		memcpy(key, path, n);
		key[n] = '\0';
		obj = nd_member(obj, key);
		path += n + (dot != NULL);
	}
	return obj;
}

void tsv_cell(nd_writer *w, const cJSON *v)
{
	if (!v || cJSON_IsNull(v))
		return;
	if (cJSON_IsString(v)) {
		const char *s = v->valuestring, *start = s;
		for (; *s; s++) {
			const char *esc = *s == '\\' ? "\\\\" : *s == '\t' ? "\\t"
					  : *s == '\n' ? "\\n" : *s == '\r' ? "\\r" : NULL;
			if (!esc)
				continue;
			nd_raw(w, start, (size_t)(s - start));
			nd_raw(w, esc, 2);
			start = s + 1;
		}
		nd_raw(w, start, (size_t)(s - start));
		return;
	}
	if (cJSON_IsBool(v)) {
		nd_raw(w, cJSON_IsTrue(v) ? "true" : "false", cJSON_IsTrue(v) ? 4 : 5);
		return;
	}
	/* numbers, objects and arrays as compact JSON (cJSON only reads the
	 * tree, which may live in a reader's arena) */
	char *text = cJSON_PrintUnformatted(v);
	if (!text)
		rp_die(RP_EXIT_IO, "out of memory");
	nd_raw(w, text, strlen(text));
	cJSON_free(text);
}

bool tsv_equals(const cJSON *obj, const char *path, const char *text)
{
	const cJSON *v = tsv_path(obj, path);
	if (!v || cJSON_IsNull(v))
		return *text == '\0';
	/* a string without what tsv_cell escapes is written as it is */
	if (cJSON_IsString(v) && !strpbrk(v->valuestring, "\\\t\n\r"))
		return strcmp(v->valuestring, text) == 0;
	nd_writer *w = nd_writer_mem();
	tsv_cell(w, v);
	size_t len;
	const char *got = nd_current(w, &len);
	bool same = len == strlen(text) && memcmp(got, text, len) == 0;
	nd_writer_close(w);
	return same;
}
