#ifndef RP_URL_H
#define RP_URL_H

#include <stdbool.h>
#include <stddef.h>

/*
 * The parts of an absolute URL (scheme://[userinfo@]host[:port]/path?query#f)
 * as views into it: what the OAuth 1.0a base string needs, and what tells
 * whether a link stays on a server (scheme, host and port).
 */
struct rp_url {
	const char *scheme, *userinfo, *host, *port, *path, *query;
	size_t scheme_len, userinfo_len, host_len, port_len, path_len, query_len;
	/* userinfo, port and query NULL when absent; host keeps an IPv6
	 * literal's brackets; path may be empty */
};

/* Splits url; false with *why (a static string) when it is not absolute,
 * has no host, or a bad port or IPv6 literal. */
bool rp_url_split(const char *url, struct rp_url *u, const char **why);

/* The port in effect: the one written, else 80 for http, 443 for https,
 * else -1 (unknown scheme, or a port out of range). */
long rp_url_port(const struct rp_url *u);

/* Same scheme and host (case-insensitive) and the same port in effect. */
bool rp_url_same_origin(const struct rp_url *a, const struct rp_url *b);

#endif
