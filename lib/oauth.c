#include "oauth.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include <cjson/cJSON.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "strbuf.h"
#include "url.h"
#include "xalloc.h"

/* ---- growable strings ---------------------------------------------------- */

/* Frees a buffer that held secret bytes. */
static void wipe(struct strbuf *b)
{
	if (b->s)
		OPENSSL_cleanse(b->s, b->cap);
	free(b->s);
	b->s = NULL;
	b->len = b->cap = 0;
}

/* ---- encodings ------------------------------------------------------------ */

static const char hex[] = "0123456789ABCDEF";

static bool unreserved(unsigned char c)
{
	return isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

static void pct_put(struct strbuf *b, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (unreserved(c) && c < 0x80) {
			strbuf_put(b, (const char *)&c, 1);
		} else {
			char e[3] = {'%', hex[c >> 4], hex[c & 15]};
			strbuf_put(b, e, 3);
		}
	}
}

char *oauth_pct(const char *s, size_t len)
{
	struct strbuf b = {0};
	pct_put(&b, s, len);
	return strbuf_str(&b);
}

/* RFC 6749 Appendix B: application/x-www-form-urlencoded. */
static void form_put(struct strbuf *b, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c < 0x80 && (isalnum(c) || c == '*' || c == '-' || c == '.' ||
				 c == '_')) {
			strbuf_put(b, (const char *)&c, 1);
		} else if (c == ' ') {
			strbuf_put(b, "+", 1);
		} else {
			char e[3] = {'%', hex[c >> 4], hex[c & 15]};
			strbuf_put(b, e, 3);
		}
	}
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Form decoding of s[0..len): "+" is a space, %XX a byte (NUL too, so
 * *outlen counts). NULL when a "%" is not followed by two hex digits. */
static char *form_decode(const char *s, size_t len, size_t *outlen)
{
	char *out = xmalloc(len + 1), *o = out;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '+') {
			*o++ = ' ';
		} else if (s[i] == '%') {
			int hi = i + 1 < len ? hexval(s[i + 1]) : -1;
			int lo = i + 2 < len ? hexval(s[i + 2]) : -1;
			if (hi < 0 || lo < 0) {
				free(out);
				return NULL;
			}
			*o++ = (char)(hi << 4 | lo);
			i += 2;
		} else {
			*o++ = s[i];
		}
	}
	*o = '\0';
	*outlen = (size_t)(o - out);
	return out;
}

char *oauth_base64(const unsigned char *p, size_t n)
{
	static const char b64[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *out = xmalloc((n + 2) / 3 * 4 + 1), *o = out;
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)p[i] << 16;
		if (i + 1 < n)
			v |= (unsigned)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		*o++ = b64[v >> 18 & 63];
		*o++ = b64[v >> 12 & 63];
		*o++ = i + 1 < n ? b64[v >> 6 & 63] : '=';
		*o++ = i + 2 < n ? b64[v & 63] : '=';
	}
	*o = '\0';
	return out;
}

/* ---- OAuth 1.0a ------------------------------------------------------------ */

struct param {
	char *name, *value; /* percent-encoded (3.6) */
};

struct params {
	struct param *p;
	size_t n, cap;
};

static void add_param(struct params *ps, const char *name, size_t nlen,
		      const char *value, size_t vlen)
{
	if (ps->n == ps->cap) {
		ps->cap = ps->cap ? ps->cap * 2 : 16;
		ps->p = xrealloc(ps->p, ps->cap * sizeof *ps->p);
	}
	ps->p[ps->n].name = oauth_pct(name, nlen);
	ps->p[ps->n].value = oauth_pct(value, vlen);
	ps->n++;
}

static void free_params(struct params *ps)
{
	for (size_t i = 0; i < ps->n; i++) {
		free(ps->p[i].name);
		free(ps->p[i].value);
	}
	free(ps->p);
}

/* The name=value pairs of a form-encoded string (a query or a body),
 * decoded (3.4.1.3.1). false on a bad %-escape. */
static bool add_form(struct params *ps, const char *s, size_t len)
{
	size_t i = 0;
	while (i < len) {
		size_t end = i;
		while (end < len && s[end] != '&')
			end++;
		if (end > i) {
			const char *eq = memchr(s + i, '=', end - i);
			size_t nlen = eq ? (size_t)(eq - (s + i)) : end - i;
			size_t dn = 0, dv = 0;
			char *name = form_decode(s + i, nlen, &dn);
			char *value = eq ? form_decode(eq + 1, (size_t)(s + end - eq - 1), &dv)
					 : xstrdup("");
			if (!name || !value) {
				free(name);
				free(value);
				return false;
			}
			add_param(ps, name, dn, value, dv);
			free(name);
			free(value);
		}
		i = end + 1;
	}
	return true;
}

static int cmp_param(const void *a, const void *b)
{
	const struct param *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	return c ? c : strcmp(x->value, y->value);
}

/* 3.4.1.2: the port is left out when it is the scheme's default. */
static bool port_is_default(const struct rp_url *u)
{
	if (!u->port)
		return true;
	bool http = u->scheme_len == 4 && strncasecmp(u->scheme, "http", 4) == 0;
	bool https = u->scheme_len == 5 && strncasecmp(u->scheme, "https", 5) == 0;
	long port = rp_url_port(u);
	return (http && port == 80) || (https && port == 443);
}

static void put_lower(struct strbuf *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = (char)tolower((unsigned char)s[i]);
		strbuf_put(b, &c, 1);
	}
}

static void put_upper(struct strbuf *b, const char *s)
{
	for (; *s; s++) {
		char c = (char)toupper((unsigned char)*s);
		strbuf_put(b, &c, 1);
	}
}

static const char *method_name(const struct oauth1_request *rq)
{
	return rq->signature_method ? rq->signature_method : "HMAC-SHA256";
}

/* The oauth_* protocol parameters, in the order they are written. */
static void protocol_params(const struct oauth1_request *rq,
			    const char *signature, struct params *ps)
{
	const char *v[][2] = {
		{"oauth_consumer_key", rq->consumer_key},
		{"oauth_nonce", rq->nonce},
		{"oauth_signature", signature},
		{"oauth_signature_method", method_name(rq)},
		{"oauth_timestamp", rq->timestamp},
		{"oauth_token", rq->token},
		{"oauth_version", rq->version ? "1.0" : NULL},
	};
	for (size_t i = 0; i < sizeof v / sizeof *v; i++)
		if (v[i][1])
			add_param(ps, v[i][0], strlen(v[i][0]), v[i][1],
				  strlen(v[i][1]));
}

static bool check_request(const struct oauth1_request *rq, const char **why)
{
	if (!rq->method || !*rq->method || !rq->url || !rq->consumer_key ||
	    !rq->consumer_secret || !rq->timestamp || !rq->nonce) {
		*why = "the method, URL, client id, secret, timestamp and nonce are all needed";
		return false;
	}
	if (strcmp(method_name(rq), "HMAC-SHA256") != 0 &&
	    strcmp(method_name(rq), "HMAC-SHA1") != 0) {
		*why = "the signature method is HMAC-SHA256 or HMAC-SHA1";
		return false;
	}
	return true;
}

char *oauth1_base_string(const struct oauth1_request *rq, const char **why)
{
	struct rp_url u;
	if (!check_request(rq, why) || !rp_url_split(rq->url, &u, why))
		return NULL;

	struct params ps = {0};
	if ((u.query && !add_form(&ps, u.query, u.query_len)) ||
	    (rq->body && !add_form(&ps, rq->body, strlen(rq->body)))) {
		free_params(&ps);
		*why = "a query or body parameter has a bad %-escape";
		return NULL;
	}
	protocol_params(rq, NULL, &ps);
	if (ps.n > 1)
		qsort(ps.p, ps.n, sizeof *ps.p, cmp_param);
	struct strbuf norm = {0};
	for (size_t i = 0; i < ps.n; i++) {
		if (i)
			strbuf_put(&norm, "&", 1);
		strbuf_puts(&norm, ps.p[i].name);
		strbuf_put(&norm, "=", 1);
		strbuf_puts(&norm, ps.p[i].value);
	}
	free_params(&ps);

	/* 3.4.1.2: scheme and host lower-case, the default port left out,
	 * the path as sent ("/" when empty), no query, no fragment */
	struct strbuf uri = {0};
	put_lower(&uri, u.scheme, u.scheme_len);
	strbuf_put(&uri, "://", 3);
	put_lower(&uri, u.host, u.host_len);
	if (!port_is_default(&u)) {
		strbuf_put(&uri, ":", 1);
		strbuf_put(&uri, u.port, u.port_len);
	}
	if (u.path_len)
		strbuf_put(&uri, u.path, u.path_len);
	else
		strbuf_put(&uri, "/", 1);

	struct strbuf method = {0}, out = {0};
	put_upper(&method, rq->method);
	pct_put(&out, method.s, method.len);
	free(method.s);
	strbuf_put(&out, "&", 1);
	pct_put(&out, strbuf_str(&uri), uri.len);
	strbuf_put(&out, "&", 1);
	pct_put(&out, strbuf_str(&norm), norm.len);
	free(uri.s);
	free(norm.s);
	return strbuf_str(&out);
}

char *oauth1_signature(const struct oauth1_request *rq, const char **why)
{
	char *base = oauth1_base_string(rq, why);
	if (!base)
		return NULL;
	struct strbuf key = {0};
	/* room for the whole key at once (percent-encoding at most triples
	 * it): growing would leave parts of the secrets in freed blocks */
	strbuf_reserve(&key, 3 * (strlen(rq->consumer_secret) +
				  (rq->token_secret ? strlen(rq->token_secret) : 0)) + 1);
	pct_put(&key, rq->consumer_secret, strlen(rq->consumer_secret));
	strbuf_put(&key, "&", 1);
	if (rq->token_secret)
		pct_put(&key, rq->token_secret, strlen(rq->token_secret));
	const EVP_MD *md = strcmp(method_name(rq), "HMAC-SHA1") == 0 ? EVP_sha1()
								      : EVP_sha256();
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;
	bool ok = HMAC(md, key.s, (int)key.len, (const unsigned char *)base,
		       strlen(base), mac, &maclen) != NULL;
	wipe(&key);
	free(base);
	if (!ok) {
		*why = "HMAC failed (libcrypto)";
		return NULL;
	}
	char *sig = oauth_base64(mac, maclen);
	OPENSSL_cleanse(mac, sizeof mac);
	return sig;
}

char *oauth1_header(const struct oauth1_request *rq, const char **why)
{
	char *sig = oauth1_signature(rq, why);
	if (!sig)
		return NULL;
	struct params ps = {0};
	protocol_params(rq, sig, &ps);
	free(sig);
	struct strbuf h = {0};
	strbuf_puts(&h, "OAuth ");
	if (rq->realm) {
		strbuf_puts(&h, "realm=\"");
		pct_put(&h, rq->realm, strlen(rq->realm));
		strbuf_puts(&h, "\", ");
	}
	for (size_t i = 0; i < ps.n; i++) {
		if (i)
			strbuf_puts(&h, ", ");
		strbuf_puts(&h, ps.p[i].name);
		strbuf_puts(&h, "=\"");
		strbuf_puts(&h, ps.p[i].value);
		strbuf_puts(&h, "\"");
	}
	free_params(&ps);
	return strbuf_str(&h);
}

bool oauth_nonce(char out[OAUTH_NONCE_LEN + 1])
{
	static const char alnum[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	size_t n = 0;
	while (n < OAUTH_NONCE_LEN) {
		unsigned char r[64];
		ssize_t got = getrandom(r, sizeof r, 0);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			return false;
		}
		/* 248 = 4 * 62: bytes above it would favour some letters */
		for (ssize_t i = 0; i < got && n < OAUTH_NONCE_LEN; i++)
			if (r[i] < 248)
				out[n++] = alnum[r[i] % 62];
		OPENSSL_cleanse(r, sizeof r);
	}
	out[n] = '\0';
	return true;
}

/* ---- OAuth 2.0 client credentials ---------------------------------------- */

char *oauth2_basic(const char *client_id, const char *secret)
{
	struct strbuf cred = {0};
	strbuf_reserve(&cred, 3 * (strlen(client_id) + strlen(secret)) + 1); /* as the key above */
	form_put(&cred, client_id);
	strbuf_put(&cred, ":", 1);
	form_put(&cred, secret);
	char *b64 = oauth_base64((const unsigned char *)strbuf_str(&cred), cred.len);
	wipe(&cred);
	struct strbuf h = {0};
	strbuf_puts(&h, "Basic ");
	strbuf_puts(&h, b64);
	OPENSSL_cleanse(b64, strlen(b64));
	free(b64);
	return strbuf_str(&h);
}

char *oauth2_token(const char *json, size_t len, long *expires_in,
		   char **error, const char **why)
{
	*expires_in = -1;
	if (error)
		*error = NULL;
	cJSON *doc = cJSON_ParseWithLength(json, len);
	if (!cJSON_IsObject(doc)) {
		cJSON_Delete(doc);
		*why = "the answer is not a JSON object";
		return NULL;
	}
	const cJSON *tok = cJSON_GetObjectItemCaseSensitive(doc, "access_token");
	const cJSON *type = cJSON_GetObjectItemCaseSensitive(doc, "token_type");
	const cJSON *exp = cJSON_GetObjectItemCaseSensitive(doc, "expires_in");
	const cJSON *err = cJSON_GetObjectItemCaseSensitive(doc, "error");
	char *token = NULL;
	if (cJSON_IsString(err)) {
		*why = "the server refused the request";
		if (error) {
			const cJSON *d = cJSON_GetObjectItemCaseSensitive(doc, "error_description");
			struct strbuf b = {0};
			strbuf_puts(&b, err->valuestring);
			if (cJSON_IsString(d) && *d->valuestring) {
				strbuf_puts(&b, ": ");
				strbuf_puts(&b, d->valuestring);
			}
			*error = strbuf_str(&b);
		}
	} else if (!cJSON_IsString(tok) || !*tok->valuestring) {
		*why = "the answer has no access_token";
	} else if (type && !(cJSON_IsString(type) &&
			     strcasecmp(type->valuestring, "bearer") == 0)) {
		*why = "the token_type is not Bearer";
	} else if (exp && !(cJSON_IsNumber(exp) && exp->valuedouble >= 0 &&
			    exp->valuedouble < 1e9) &&
		   !(cJSON_IsString(exp) && *exp->valuestring &&
		     strspn(exp->valuestring, "0123456789") == strlen(exp->valuestring) &&
		     strlen(exp->valuestring) < 10)) {
		*why = "expires_in is not a number of seconds";
	} else {
		for (const char *p = tok->valuestring; *p; p++)
			if ((unsigned char)*p < 0x21 || (unsigned char)*p > 0x7e) {
				*why = "the access_token holds a character a header cannot carry";
				cJSON_Delete(doc);
				return NULL;
			}
		token = xstrdup(tok->valuestring);
		if (cJSON_IsNumber(exp))
			*expires_in = (long)exp->valuedouble;
		else if (cJSON_IsString(exp))
			*expires_in = atol(exp->valuestring);
	}
	if (cJSON_IsString(tok))
		OPENSSL_cleanse(tok->valuestring, strlen(tok->valuestring));
	cJSON_Delete(doc);
	return token;
}
