#ifndef RP_OAUTH_H
#define RP_OAUTH_H

#include <stdbool.h>
#include <stddef.h>

/*
 * The client side of the two OAuth flavours OneRoster servers speak:
 *
 * - OAuth 1.0a request signing (RFC 5849), two-legged as OneRoster 1.1
 *   uses it: the signature base string of section 3.4.1 (the method, the
 *   base string URI, every query and form-body parameter and the oauth_*
 *   protocol parameters, percent-encoded per section 3.6 and sorted),
 *   signed with HMAC-SHA256 (or HMAC-SHA1) under the key
 *   "pct(client secret)&pct(token secret)", and the Authorization header
 *   value of section 3.5.1.
 * - OAuth 2.0 client credentials (RFC 6749, 4.4): the HTTP Basic
 *   credentials of section 2.3.1, and the token endpoint's answer
 *   (section 5.1) read.
 *
 * Every function returns owned strings (free them) or NULL with a reason
 * in *why (a static string, never holding the secret).
 */

/* RFC 5849 3.6: every byte but ALPHA, DIGIT, "-", ".", "_", "~" as %XX
 * (upper-case hex). */
char *oauth_pct(const char *s, size_t len);

/* One OAuth 1.0a request to sign. */
struct oauth1_request {
	const char *method;           /* "GET"; upper-cased in the base string */
	const char *url;              /* absolute http(s) URL, query included */
	const char *body;             /* application/x-www-form-urlencoded, or NULL */
	const char *consumer_key;     /* the client id */
	const char *consumer_secret;  /* the client secret */
	const char *token;            /* NULL for two-legged requests */
	const char *token_secret;     /* NULL: empty */
	const char *signature_method; /* "HMAC-SHA256" (default when NULL) or "HMAC-SHA1" */
	const char *timestamp;        /* seconds since 1970, decimal */
	const char *nonce;
	const char *realm;            /* NULL: none; not signed (3.4.1.3.1) */
	bool version;                 /* send oauth_version="1.0" (optional in 3.1) */
};

/* The signature base string (RFC 5849 3.4.1). */
char *oauth1_base_string(const struct oauth1_request *rq, const char **why);

/* The base64 signature of the request (3.4.2), not yet percent-encoded. */
char *oauth1_signature(const struct oauth1_request *rq, const char **why);

/* The Authorization header's value: OAuth oauth_consumer_key="...", ...
 * (3.5.1), with the signature. */
char *oauth1_header(const struct oauth1_request *rq, const char **why);

/* A fresh nonce from getrandom(2): OAUTH_NONCE_LEN letters and digits
 * (about 142 random bits). false when the kernel gives no randomness. */
#define OAUTH_NONCE_LEN 24
bool oauth_nonce(char out[OAUTH_NONCE_LEN + 1]);

/* "Basic base64(form(id):form(secret))" (RFC 6749 2.3.1: each part
 * application/x-www-form-urlencoded first, as Appendix B says). */
char *oauth2_basic(const char *client_id, const char *secret);

/*
 * A token endpoint's JSON answer (RFC 6749 5.1). On success returns the
 * access token and sets *expires_in (-1 when the answer gives none). A
 * token_type other than Bearer is refused. On an error answer (5.2)
 * returns NULL with *why saying so, and *error (may be NULL) set to the
 * server's "error" code and description, owned by the caller.
 */
char *oauth2_token(const char *json, size_t len, long *expires_in,
		   char **error, const char **why);

/* Base64 (RFC 4648, with padding). */
char *oauth_base64(const unsigned char *p, size_t n);

#endif
