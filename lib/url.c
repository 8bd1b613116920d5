#include "url.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

bool rp_url_split(const char *url, struct rp_url *u, const char **why)
{
	memset(u, 0, sizeof *u);
	const char *sep = strstr(url, "://");
	if (!sep || sep == url || !isalpha((unsigned char)*url)) {
		*why = "not an absolute URL (scheme://host/path)";
		return false;
	}
	for (const char *p = url; p < sep; p++)
		if (!isalnum((unsigned char)*p) && *p != '+' && *p != '-' && *p != '.') {
			*why = "not an absolute URL (bad scheme)";
			return false;
		}
	u->scheme = url;
	u->scheme_len = (size_t)(sep - url);
	const char *auth = sep + 3;
	size_t alen = strcspn(auth, "/?#");
	const char *aend = auth + alen, *at = NULL;
	for (const char *p = auth; p < aend; p++)
		if (*p == '@')
			at = p;
	if (at) {
		u->userinfo = auth;
		u->userinfo_len = (size_t)(at - auth);
	}
	const char *host = at ? at + 1 : auth, *colon = NULL;
	if (*host == '[') { /* an IPv6 literal */
		const char *close = memchr(host, ']', (size_t)(aend - host));
		if (!close) {
			*why = "bad IPv6 host";
			return false;
		}
		if (close + 1 < aend && close[1] == ':')
			colon = close + 1;
		else if (close + 1 != aend) {
			*why = "bad host";
			return false;
		}
	} else {
		colon = memchr(host, ':', (size_t)(aend - host));
	}
	u->host = host;
	u->host_len = (size_t)((colon ? colon : aend) - host);
	if (u->host_len == 0) {
		*why = "no host in the URL";
		return false;
	}
	if (colon && colon + 1 < aend) {
		u->port = colon + 1;
		u->port_len = (size_t)(aend - colon - 1);
		for (size_t i = 0; i < u->port_len; i++)
			if (!isdigit((unsigned char)u->port[i])) {
				*why = "bad port in the URL";
				return false;
			}
	}
	u->path = aend;
	u->path_len = strcspn(aend, "?#");
	if (aend[u->path_len] == '?') {
		u->query = aend + u->path_len + 1;
		u->query_len = strcspn(u->query, "#");
	}
	return true;
}

long rp_url_port(const struct rp_url *u)
{
	if (u->port) {
		long n = 0;
		for (size_t i = 0; i < u->port_len; i++) {
			n = n * 10 + (u->port[i] - '0');
			if (n > 65535)
				return -1;
		}
		return n;
	}
	if (u->scheme_len == 4 && strncasecmp(u->scheme, "http", 4) == 0)
		return 80;
	if (u->scheme_len == 5 && strncasecmp(u->scheme, "https", 5) == 0)
		return 443;
	return -1;
}

bool rp_url_same_origin(const struct rp_url *a, const struct rp_url *b)
{
	long pa = rp_url_port(a), pb = rp_url_port(b);
	return a->scheme_len == b->scheme_len &&
	       strncasecmp(a->scheme, b->scheme, a->scheme_len) == 0 &&
	       a->host_len == b->host_len &&
	       strncasecmp(a->host, b->host, a->host_len) == 0 && pa >= 0 && pa == pb;
}
