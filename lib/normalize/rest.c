/* OneRoster 1.1 REST objects read as the CSV rows they correspond to, so
 * that one mapping (oneroster.c) serves files and the API alike. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "norm_int.h"
#include "xalloc.h"

/* A growable string for joined lists. */
struct joined {
	char *s;
	size_t len, cap;
};

static void join(struct joined *j, const char *item)
{
	size_t n = strlen(item);
	if (j->len + n + 2 > j->cap) {
		j->cap = (j->len + n + 2) * 2;
		j->s = xrealloc(j->s, j->cap);
	}
	if (j->len)
		j->s[j->len++] = ',';
	memcpy(j->s + j->len, item, n + 1);
	j->len += n;
}

static void put(cJSON *row, const char *key, const char *value)
{
	cJSON_AddItemToObject(row, key, cJSON_CreateString(value ? value : ""));
}

/* "orgs" -> "orgSourcedIds", "course" -> "courseSourcedId" */
static void ref_key(const char *member, bool list, char *out, size_t size)
{
	size_t n = strlen(member);
	if (list && n > 1 && member[n - 1] == 's')
		n--;
	snprintf(out, size, "%.*sSourcedId%s", (int)n, member, list ? "s" : "");
}

static void array_member(cJSON *row, const cJSON *m)
{
	struct joined j = {0};
	bool refs = false;
	const cJSON *item;
	cJSON_ArrayForEach(item, m) {
		if (cJSON_IsString(item)) {
			join(&j, item->valuestring);
		} else if (strcmp(m->string, "userIds") == 0 && cJSON_IsObject(item)) {
			const cJSON *type = cJSON_GetObjectItemCaseSensitive(item, "type");
			const cJSON *id = cJSON_GetObjectItemCaseSensitive(item, "identifier");
			if (cJSON_IsString(type) && cJSON_IsString(id)) {
				char *pair = xmalloc(strlen(type->valuestring) +
						     strlen(id->valuestring) + 4);
				sprintf(pair, "{%s:%s}", type->valuestring, id->valuestring);
				join(&j, pair);
				free(pair);
			}
		} else if (cJSON_IsObject(item)) {
			const cJSON *sid = cJSON_GetObjectItemCaseSensitive(item, "sourcedId");
			if (cJSON_IsString(sid)) {
				join(&j, sid->valuestring);
				refs = true;
			}
		}
	}
	char key[128];
	if (refs)
		ref_key(m->string, true, key, sizeof key);
	else
		snprintf(key, sizeof key, "%s", m->string);
	put(row, key, j.s);
	free(j.s);
}

cJSON *rest_columns(const cJSON *obj)
{
	cJSON *row = cJSON_CreateObject();
	const cJSON *m;
	cJSON_ArrayForEach(m, obj) {
		char key[128], num[32];
		if (cJSON_IsString(m)) {
			put(row, m->string, m->valuestring);
		} else if (cJSON_IsBool(m)) {
			put(row, m->string, cJSON_IsTrue(m) ? "true" : "false");
		} else if (cJSON_IsNumber(m)) {
			/* schoolYear as a number: 2026 */
			if (isfinite(m->valuedouble))
				snprintf(num, sizeof num, "%.15g", m->valuedouble);
			else
				snprintf(num, sizeof num, "not a number");
			put(row, m->string, num);
		} else if (cJSON_IsArray(m)) {
			array_member(row, m);
		} else if (cJSON_IsObject(m)) {
			const cJSON *sid = cJSON_GetObjectItemCaseSensitive(m, "sourcedId");
			if (cJSON_IsString(sid)) { /* a GUIDRef */
				ref_key(m->string, false, key, sizeof key);
				put(row, key, sid->valuestring);
			} /* metadata and the like: not rostering */
		}
	}
	return row;
}
