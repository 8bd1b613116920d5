#include "extract.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "jsondoc.h"
#include "ndjson.h"
#include "url.h"
#include "xalloc.h"

const char *const clever_entities[] = {
	"districts", "schools", "terms", "courses", "users", "sections", NULL,
};

const char *const rest_entities[] = {
	"orgs", "academicSessions", "courses", "classes",
	"roles", "users", "enrollments", "demographics", NULL,
};

static void page_error(const char *file, long line, const char *field,
		       const char *msg, const char *arg)
{
	struct rp_loc loc = {.file = file, .line = line, .field = field,
			     .code = "bad_page"};
	rp_error(&loc, msg, arg);
}

const char *clever_next(const cJSON *page)
{
	const cJSON *links = nd_get_arr(page, "links"), *l;
	cJSON_ArrayForEach(l, links) {
		const char *rel = nd_get_str(l, "rel"), *uri = nd_get_str(l, "uri");
		if (rel && uri && strcmp(rel, "next") == 0 && *uri)
			return uri;
	}
	return NULL;
}

/* A link fit to hand to curl: printable ASCII without space, quote,
 * backslash, fragment or the characters RFC 3986 leaves out of URLs. */
static bool link_chars_ok(const char *link)
{
	for (const unsigned char *p = (const unsigned char *)link; *p; p++)
		if (*p <= 0x20 || *p >= 0x7f || strchr("\\\"<>`{}|^#", *p))
			return false;
	return true;
}

int clever_next_url(const cJSON *page, const char *base, char **out,
		    const char **why)
{
	*out = NULL;
	const char *link = clever_next(page);
	if (!link)
		return 0;
	struct rp_url b, l;
	if (!rp_url_split(base, &b, why))
		return -1;
	if (!link_chars_ok(link)) {
		*why = "it holds a character no URL holds (a space, a control, a quote, a backslash, #...)";
		return -1;
	}
	size_t blen = strlen(base);
	while (blen > 0 && base[blen - 1] == '/')
		blen--;
	if (link[0] == '/' && link[1] != '/') { /* a path on the base URL */
		char *url = xmalloc(blen + strlen(link) + 1);
		memcpy(url, base, blen);
		strcpy(url + blen, link);
		*out = url;
		return 1;
	}
	char *abs = NULL;
	if (link[0] == '/') /* "//host/...": the base URL's scheme */
		abs = xstrndup(base, b.scheme_len + 1);
	size_t alen = abs ? strlen(abs) : 0;
	abs = xrealloc(abs, alen + strlen(link) + 1);
	strcpy(abs + alen, link);
	if (!rp_url_split(abs, &l, why)) {
		*why = "it is neither a path (/v3.0/...) nor an absolute URL";
		free(abs);
		return -1;
	}
	if (l.userinfo) {
		*why = "it names a user (@) before its host";
		free(abs);
		return -1;
	}
	if (!rp_url_same_origin(&b, &l)) {
		*why = "it is not on the base URL's scheme, host and port";
		free(abs);
		return -1;
	}
	*out = abs;
	return 1;
}

/* "/v3.0/users/<id>" or "/v3.0/users?limit=..." -> "users", into out. */
static bool entity_of_uri(const char *uri, char *out, size_t size)
{
	const char *p = uri ? strstr(uri, "/v3") : NULL;
	if (!p || !(p = strchr(p + 1, '/')))
		return false;
	p++;
	size_t n = strcspn(p, "/?");
	if (n == 0 || n >= size)
		return false;
	memcpy(out, p, n);
	out[n] = '\0';
	return true;
}

/* Records name the page file, not where it was kept. */
static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

static void write_raw(nd_writer *w, const char *source, const char *format,
		      const char *entity, const char *path, long line,
		      const cJSON *data)
{
	const char *file = base_name(path);
	nd_begin(w);
	nd_str(w, "type", "raw");
	nd_str(w, "source", source);
	nd_str(w, "format", format);
	nd_str(w, "entity", entity);
	nd_str(w, "file", file);
	nd_int(w, "line", line);
	nd_json(w, "data", data);
	nd_end(w);
}

void clever_page(pagespool *ps, const cJSON *page, const char *file, long line,
		 const char *entity)
{
	const cJSON *items = nd_get_arr(page, "data");
	if (!cJSON_IsObject(page) || !items) {
		const char *msg = cJSON_IsObject(page) ? nd_get_str(page, "message")
						       : NULL;
		page_error(file, line, "data",
			   msg ? "not a Clever list response (message: \"%s\")"
			       : "not a Clever list response%s",
			   msg ? msg : "");
		return;
	}
	char name[64] = "";
	if (entity) {
		snprintf(name, sizeof name, "%s", entity);
	} else {
		const cJSON *l;
		cJSON_ArrayForEach(l, nd_get_arr(page, "links"))
			if (nd_get_str(l, "rel") && strcmp(nd_get_str(l, "rel"), "self") == 0)
				entity_of_uri(nd_get_str(l, "uri"), name, sizeof name);
		if (!name[0] && items->child)
			entity_of_uri(nd_get_str(items->child, "uri"), name, sizeof name);
	}
	int e = ps_entity(ps, name);
	if (e < 0) {
		page_error(file, line, "uri",
			   name[0] ? "unknown Clever entity \"%s\""
				   : "cannot tell which entity the page holds%s",
			   name);
		return;
	}
	nd_writer *w = ps_writer(ps, e);
	const cJSON *item;
	cJSON_ArrayForEach(item, items) {
		const cJSON *data = nd_get_obj(item, "data");
		if (!data || !nd_get_str(data, "id")) {
			page_error(file, line, "data",
				   "an item without a data object and its id%s", "");
			continue;
		}
		write_raw(w, "clever", NULL, name, file, line, data);
	}
}

/* Collections and the entity whose records they hold. */
static const struct {
	const char *collection, *entity;
} rest_collections[] = {
	{"orgs", "orgs"},
	{"schools", "orgs"},
	{"academicSessions", "academicSessions"},
	{"terms", "academicSessions"},
	{"gradingPeriods", "academicSessions"},
	{"courses", "courses"},
	{"classes", "classes"},
	{"users", "users"},
	{"students", "users"},
	{"teachers", "users"},
	{"enrollments", "enrollments"},
	{"demographics", "demographics"},
};

/*
 * OneRoster 1.2 REST: a user's roles are an array inside the user,
 * [{"roleType":"primary","role":"teacher","org":{GUIDRef},...}], where 1.2
 * CSV has roles.csv rows. Each becomes a raw "roles" record as roles.csv
 * would give it: the role object as served, plus the userSourcedId of the
 * user holding it and a sourcedId of its own ("<user>/roles/<n>", n from
 * 1, as REST roles carry none), so that normalize maps both forms alike.
 */
static void rest_user_roles(pagespool *ps, const cJSON *user, const char *file,
			    long line)
{
	const cJSON *roles = cJSON_GetObjectItemCaseSensitive(user, "roles");
	if (!roles || cJSON_IsNull(roles))
		return;
	const char *uid = nd_get_str(user, "sourcedId");
	struct rp_loc loc = {.file = file, .line = line, .field = "roles",
			     .code = "bad_page", .source_id = uid};
	if (!cJSON_IsArray(roles)) {
		rp_error(&loc, "not an array of roles");
		return;
	}
	nd_writer *w = ps_writer(ps, ps_entity(ps, "roles"));
	int n = 0;
	const cJSON *role;
	cJSON_ArrayForEach(role, roles) {
		n++;
		if (!cJSON_IsObject(role)) {
			rp_error(&loc, "role %d is not an object", n);
			continue;
		}
		char id[64];
		size_t len = strlen(uid);
		snprintf(id, sizeof id, "/roles/%d", n);
		char *sid = xmalloc(len + strlen(id) + 1);
		memcpy(sid, uid, len);
		strcpy(sid + len, id);
		cJSON *row = cJSON_Duplicate(role, true);
		if (!row)
			rp_die(RP_EXIT_IO, "out of memory");
		cJSON_DeleteItemFromObjectCaseSensitive(row, "sourcedId");
		cJSON_DeleteItemFromObjectCaseSensitive(row, "userSourcedId");
		cJSON_AddItemToObject(row, "sourcedId", cJSON_CreateString(sid));
		cJSON_AddItemToObject(row, "userSourcedId", cJSON_CreateString(uid));
		write_raw(w, "oneroster", "rest", "roles", file, line, row);
		cJSON_Delete(row);
		free(sid);
	}
}

void rest_page(pagespool *ps, const cJSON *page, const char *file, long line)
{
	const cJSON *member = NULL;
	const char *entity = NULL;
	if (cJSON_IsObject(page))
		member = page->child;
	for (; member; member = member->next) {
		for (size_t i = 0; i < sizeof rest_collections / sizeof *rest_collections; i++)
			if (strcmp(member->string, rest_collections[i].collection) == 0 &&
			    cJSON_IsArray(member))
				entity = rest_collections[i].entity;
		if (entity)
			break;
	}
	if (!entity) {
		page_error(file, line, NULL,
			   "not a OneRoster collection response (no users, orgs, "
			   "classes... array)%s", "");
		return;
	}
	nd_writer *w = ps_writer(ps, ps_entity(ps, entity));
	const cJSON *item;
	cJSON_ArrayForEach(item, member) {
		if (!cJSON_IsObject(item) || !nd_get_str(item, "sourcedId")) {
			page_error(file, line, member->string,
				   "an item without its sourcedId%s", "");
			continue;
		}
		if (strcmp(entity, "users") == 0)
			rest_user_roles(ps, item, file, line);
		write_raw(w, "oneroster", "rest", entity, file, line, item);
	}
}

int api_read_pages(char **paths, int npaths, pagespool *ps,
		   void (*page)(pagespool *ps, const cJSON *doc, const char *file,
				long line, void *ctx),
		   void *ctx)
{
	int rc = RP_EXIT_OK;
	for (int i = 0; i < (npaths ? npaths : 1); i++) {
		const char *path = npaths ? paths[i] : NULL;
		jd_reader *r = jd_open(path);
		if (!r) {
			rp_warn("%s", path);
			rc = RP_EXIT_IO;
			continue;
		}
		const char *file = jd_name(r);
		cJSON *doc;
		int got;
		while ((got = jd_next(r, &doc)) != 0) {
			if (got == -2) {
				if (jd_io_failed(r))
					rc = RP_EXIT_IO;
				break;
			}
			if (got > 0)
				page(ps, doc, file, jd_line(r), ctx);
		}
		jd_free(r);
	}
	return rc;
}
