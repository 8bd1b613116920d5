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

/* ---- where each item starts ------------------------------------------- */

/*
 * The line where each of the n items of the page's array member key
 * starts: the page's own line plus the newlines before the item in the
 * page's text (so a pretty-printed page gives each item its line, a page
 * on one line gives every item the page's). Owned by the caller. When the
 * text does not show n items (a member name written with escapes), every
 * item gets the page's line; the item number still tells them apart.
 */
static long *item_lines(const struct api_page *pg, const char *key, size_t n)
{
	long *lines = xmalloc((n ? n : 1) * sizeof *lines);
	size_t *offs = NULL, cap = 0;
	long found = pg->text ? jd_array_offsets(pg->text, pg->len, key, &offs, &cap)
			      : -1;
	long line = pg->line;
	size_t at = 0;
	for (size_t i = 0; i < n; i++) {
		if (found == (long)n) {
			for (; at < offs[i]; at++)
				line += pg->text[at] == '\n';
		}
		lines[i] = line;
	}
	free(offs);
	return lines;
}

/* Records name the page file, not where it was kept. */
static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

static void write_raw(nd_writer *w, const char *source, const char *format,
		      const char *entity, const char *path, long line,
		      size_t item, const cJSON *data)
{
	const char *file = base_name(path);
	nd_begin(w);
	nd_str(w, "type", "raw");
	nd_str(w, "source", source);
	nd_str(w, "format", format);
	nd_str(w, "entity", entity);
	nd_str(w, "file", file);
	nd_int(w, "line", line);
	nd_int(w, "item", (long long)item);
	nd_json(w, "data", data);
	nd_end(w);
}

/* ---- Clever ----------------------------------------------------------- */

/*
 * What a Clever uri names: the API version ("3.0", "3.1") and the entity
 * of the records. "/v3.0/users?limit=5" and "/v3.0/users/ID" name users;
 * a relation, "/v3.0/schools/ID/terms" or "/v3.0/users/ID/mystudents",
 * names the records it lists (terms; users), and is scoped: it lists some
 * of them, not all. Returns false when uri is no Clever API path.
 */
struct clever_uri {
	char version[8];
	char entity[64];
	bool scoped;
};

static bool parse_uri(const char *uri, struct clever_uri *u)
{
	static const struct {
		const char *relation, *entity;
	} relations[] = {
		{"mystudents", "users"}, {"myteachers", "users"},
		{"mycontacts", "users"}, {"students", "users"},
		{"teachers", "users"},   {"contacts", "users"},
		{"district", "districts"}, {"school", "schools"},
		{"course", "courses"},   {"term", "terms"},
	};
	memset(u, 0, sizeof *u);
	const char *p = uri;
	while (p && (p = strstr(p, "/v")) && !(p[2] >= '0' && p[2] <= '9'))
		p += 2;
	if (!p)
		return false;
	p += 2;
	size_t n = strcspn(p, "/?#");
	if (n == 0 || n >= sizeof u->version || p[n] != '/')
		return false;
	memcpy(u->version, p, n);
	p += n + 1;
	char seg[3][64];
	int nseg = 0;
	while (nseg < 3 && *p && *p != '?' && *p != '#') {
		n = strcspn(p, "/?#");
		if (n == 0 || n >= sizeof seg[0])
			return false;
		memcpy(seg[nseg], p, n);
		seg[nseg++][n] = '\0';
		p += n + (p[n] == '/');
	}
	if (nseg == 0)
		return false;
	const char *entity = seg[0];
	if (nseg == 3) {
		entity = seg[2];
		u->scoped = true;
		for (size_t i = 0; i < sizeof relations / sizeof *relations; i++)
			if (strcmp(seg[2], relations[i].relation) == 0)
				entity = relations[i].entity;
	}
	snprintf(u->entity, sizeof u->entity, "%s", entity);
	return true;
}

static bool check_version(pagespool *ps, const struct api_page *pg,
			  const char *version)
{
	if (!version[0])
		return true;
	if (strcmp(version, "3.0") != 0 && strcmp(version, "3.1") != 0) {
		page_error(pg->file, pg->line, "uri",
			   "Clever API v%s: only v3.0 and v3.1 are read", version);
		return false;
	}
	if (!ps_agree_version(ps, version)) {
		struct rp_loc loc = {.file = pg->file, .line = pg->line,
				     .field = "uri", .code = "bad_page"};
		rp_error(&loc, "a page of Clever API v%s among pages of v%s",
			 version, ps_version(ps));
		return false;
	}
	return true;
}

void clever_page(pagespool *ps, const struct api_page *pg, const char *entity)
{
	const cJSON *page = pg->doc;
	const cJSON *items = nd_get_arr(page, "data");
	if (!cJSON_IsObject(page) || !items) {
		const char *msg = cJSON_IsObject(page) ? nd_get_str(page, "message")
						       : NULL;
		page_error(pg->file, pg->line, "data",
			   msg ? "not a Clever list response (message: \"%s\")"
			   : nd_get_obj(page, "data")
				   ? "one record (/users/ID, /me), not a Clever list response%s"
				   : "not a Clever list response%s",
			   msg ? msg : "");
		return;
	}
	/* what the page lists: its self link, else its first item's uri */
	struct clever_uri self = {0}, u;
	const cJSON *l;
	cJSON_ArrayForEach(l, nd_get_arr(page, "links"))
		if (nd_get_str(l, "rel") && strcmp(nd_get_str(l, "rel"), "self") == 0 &&
		    parse_uri(nd_get_str(l, "uri"), &u))
			self = u;
	if (!self.entity[0] && items->child &&
	    parse_uri(nd_get_str(items->child, "uri"), &u)) {
		self = u;
		self.scoped = false; /* an item's own uri says nothing of that */
	}
	if (!check_version(ps, pg, self.version))
		return;
	const char *name = entity ? entity : self.entity;
	int e = ps_entity(ps, name);
	if (e < 0) {
		page_error(pg->file, pg->line, "uri",
			   strcmp(name, "events") == 0
				   ? "Clever %s (the Events API) are not read: "
				     "extract-clever reads the Data API's lists"
			   : name[0] ? "unknown Clever entity \"%s\""
				     : "cannot tell which entity the page holds%s",
			   name);
		return;
	}
	nd_writer *w = ps_writer(ps, e, !self.scoped);
	size_t n = (size_t)cJSON_GetArraySize(items), k = 0;
	long *lines = item_lines(pg, "data", n);
	const cJSON *item;
	cJSON_ArrayForEach(item, items) {
		long line = lines[k++];
		const cJSON *data = nd_get_obj(item, "data");
		const char *uri = nd_get_str(item, "uri");
		struct rp_loc loc = {.file = pg->file, .line = line,
				     .field = "data", .code = "bad_page"};
		if (!data || !nd_get_str(data, "id")) {
			rp_error(&loc, "item %zu has no data object with an id", k);
			continue;
		}
		loc.source_id = nd_get_str(data, "id");
		if (uri && parse_uri(uri, &u) && strcmp(u.entity, name) != 0) {
			loc.field = "uri";
			rp_error(&loc, "item %zu (id %s) is one of the %s, on a page of %s",
				 k, loc.source_id, u.entity, name);
			continue;
		}
		write_raw(w, "clever", NULL, name, pg->file, line, k, data);
	}
	free(lines);
}

/* ---- OneRoster REST --------------------------------------------------- */

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
 * The records carry the line and item of the user they come from: that is
 * where they are in the page. A roles array makes the feed a 1.2 one.
 */
static void rest_user_roles(pagespool *ps, const struct api_page *pg,
			    const cJSON *user, long line, size_t item)
{
	const cJSON *roles = cJSON_GetObjectItemCaseSensitive(user, "roles");
	if (!roles || cJSON_IsNull(roles))
		return;
	const char *uid = nd_get_str(user, "sourcedId");
	struct rp_loc loc = {.file = pg->file, .line = line, .field = "roles",
			     .code = "bad_page", .source_id = uid};
	if (!cJSON_IsArray(roles)) {
		rp_error(&loc, "item %zu (sourcedId %s): not an array of roles",
			 item, uid);
		return;
	}
	(void)ps_agree_version(ps, "1.2"); /* only 1.2 is ever named here */
	nd_writer *w = ps_writer(ps, ps_entity(ps, "roles"), true);
	int n = 0;
	const cJSON *role;
	cJSON_ArrayForEach(role, roles) {
		n++;
		if (!cJSON_IsObject(role)) {
			rp_error(&loc, "item %zu (sourcedId %s): role %d is not an object",
				 item, uid, n);
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
		write_raw(w, "oneroster", "rest", "roles", pg->file, line, item, row);
		cJSON_Delete(row);
		free(sid);
	}
}

void rest_page(pagespool *ps, const struct api_page *pg)
{
	const cJSON *page = pg->doc, *member = NULL;
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
		page_error(pg->file, pg->line, NULL,
			   "not a OneRoster collection response (no users, orgs, "
			   "classes... array)%s", "");
		return;
	}
	nd_writer *w = ps_writer(ps, ps_entity(ps, entity), true);
	size_t n = (size_t)cJSON_GetArraySize(member), k = 0;
	long *lines = item_lines(pg, member->string, n);
	const cJSON *item;
	cJSON_ArrayForEach(item, member) {
		long line = lines[k++];
		if (!cJSON_IsObject(item) || !nd_get_str(item, "sourcedId")) {
			struct rp_loc loc = {.file = pg->file, .line = line,
					     .field = member->string,
					     .code = "bad_page"};
			rp_error(&loc, cJSON_IsObject(item)
					       ? "item %zu has no sourcedId string"
					       : "item %zu is not an object",
				 k);
			continue;
		}
		if (strcmp(entity, "users") == 0)
			rest_user_roles(ps, pg, item, line, k);
		write_raw(w, "oneroster", "rest", entity, pg->file, line, k, item);
	}
	free(lines);
}

int api_read_pages(char **paths, int npaths, pagespool *ps,
		   void (*page)(pagespool *ps, const struct api_page *pg, void *ctx),
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
		cJSON *doc;
		int got;
		while ((got = jd_next(r, &doc)) != 0) {
			if (got == -2) {
				if (jd_io_failed(r))
					rc = RP_EXIT_IO;
				break;
			}
			if (got < 0)
				continue;
			struct api_page pg = {.doc = doc, .file = jd_name(r),
					      .line = jd_line(r)};
			pg.text = jd_text(r, &pg.len);
			page(ps, &pg, ctx);
		}
		jd_free(r);
	}
	return rc;
}
