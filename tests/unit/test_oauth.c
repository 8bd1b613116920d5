/* lib/oauth: RFC 5849's worked example (3.4.1.1), adapted to HMAC-SHA256,
 * percent-encoding edge cases (3.6), the base string URI (3.4.1.2), nonces,
 * and the OAuth 2.0 client-credentials pieces. The expected signatures
 * were computed with python3-oauthlib's signature module, an
 * implementation that is not ours. */
#include "oauth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static void check_owned(char *got, const char *want, const char *what)
{
	CHECK_STR(got, want, what);
	free(got);
}

/* RFC 5849 3.4.1.1: the example request, its signature method HMAC-SHA256
 * instead of HMAC-SHA1; the secrets are those of section 1.2. */
static const struct oauth1_request rfc = {
	.method = "POST",
	.url = "http://example.com/request?b5=%3D%253D&a3=a&c%40=&a2=r%20b",
	.body = "c2&a3=2+q",
	.consumer_key = "9djdj82h48djs9d2",
	.consumer_secret = "kd94hf93k423kf44",
	.token = "kkk9d7dh3k39sjv7",
	.token_secret = "pfkkdhi9sl3r4s00",
	.signature_method = "HMAC-SHA256",
	.timestamp = "137131201",
	.nonce = "7d8f3e4a",
	.realm = "Example",
};

static void test_rfc_example(void)
{
	const char *why = NULL;
	check_owned(oauth1_base_string(&rfc, &why),
		    "POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q"
		    "%26a3%3Da%26b5%3D%253D%25253D%26c%2540%3D%26c2%3D%26oauth_consumer_"
		    "key%3D9djdj82h48djs9d2%26oauth_nonce%3D7d8f3e4a%26oauth_signature_m"
		    "ethod%3DHMAC-SHA256%26oauth_timestamp%3D137131201%26oauth_token%3Dkkk"
		    "9d7dh3k39sjv7",
		    "RFC 5849 3.4.1.1: the base string (realm not signed, + in the body a space)");
	check_owned(oauth1_signature(&rfc, &why),
		    "MuNXNEmmx6LXH99DkziYVodLtXRoHboc9gAa/KUAXIg=",
		    "RFC 5849 example: HMAC-SHA256 signature (as oauthlib computes it)");
	check_owned(oauth1_header(&rfc, &why),
		    "OAuth realm=\"Example\", oauth_consumer_key=\"9djdj82h48djs9d2\", "
		    "oauth_nonce=\"7d8f3e4a\", "
		    "oauth_signature=\"MuNXNEmmx6LXH99DkziYVodLtXRoHboc9gAa%2FKUAXIg%3D\", "
		    "oauth_signature_method=\"HMAC-SHA256\", oauth_timestamp=\"137131201\", "
		    "oauth_token=\"kkk9d7dh3k39sjv7\"",
		    "RFC 5849 example: the Authorization header, signature percent-encoded");
}

/* A OneRoster request: two-legged, oauth_version, a query with an encoded
 * UTF-8 value, "+" as a space, "~" unescaped, "*" escaped, a parameter
 * without "=", upper-case scheme and host, the default port. */
static const struct oauth1_request rest = {
	.method = "get",
	.url = "HTTPS://Roster.Example:443/ims/oneroster/v1p1/users?limit=100&offset=0"
	       "&filter=givenName%3D%27Zo%C3%AB%27&sort=a+b&x=%7E&empty&q=*",
	.consumer_key = "rosterpipetestclient01",
	.consumer_secret = "s3cr&t +%/\xc3\xa9",
	.timestamp = "1785585600",
	.nonce = "abcdefghijklmnopqrstuvwx",
	.version = true,
};

static void test_edge_cases(void)
{
	const char *why = NULL;
	check_owned(oauth1_base_string(&rest, &why),
		    "GET&https%3A%2F%2Froster.example%2Fims%2Foneroster%2Fv1p1%2Fusers&empty%3D"
		    "%26filter%3DgivenName%253D%2527Zo%25C3%25AB%2527%26limit%3D100%26oauth_"
		    "consumer_key%3Drosterpipetestclient01%26oauth_nonce%3Dabcdefghijklmnopq"
		    "rstuvwx%26oauth_signature_method%3DHMAC-SHA256%26oauth_timestamp%3D17855"
		    "85600%26oauth_version%3D1.0%26offset%3D0%26q%3D%252A%26sort%3Da%2520b%26"
		    "x%3D~",
		    "base string: default port dropped, host lower-cased, sorted, re-encoded");
	check_owned(oauth1_signature(&rest, &why),
		    "vEd5M1XV61IDVcIHI7uDaV+8PrABv/Rt7bH+HmUMZsI=",
		    "HMAC-SHA256 under a secret with &, space, %, / and UTF-8");
	struct oauth1_request sha1 = rest;
	sha1.signature_method = "HMAC-SHA1";
	char *s = oauth1_signature(&sha1, &why);
	CHECK_STR(s, "aDN/9pcobZ3OMBYI/nTodfqOkh0=", "HMAC-SHA1 too");
	free(s);

	struct oauth1_request port = rest;
	port.url = "http://u:p@Example.COM:8080";
	s = oauth1_base_string(&port, &why);
	CHECK(s && strncmp(s, "GET&http%3A%2F%2Fexample.com%3A8080%2F&", 39) == 0,
	      "base string URI: userinfo dropped, other port kept, empty path is /");
	free(s);
	port.url = "http://[::1]:80/x?a=1#frag";
	s = oauth1_base_string(&port, &why);
	CHECK(s && strncmp(s, "GET&http%3A%2F%2F%5B%3A%3A1%5D%2Fx&a%3D1%26", 43) == 0,
	      "base string URI: IPv6 host, default port dropped, fragment left out");
	free(s);

	/* the same name twice: sorted by value */
	port.url = "http://h/p?b=2&a=2&a=10&a=1";
	s = oauth1_base_string(&port, &why);
	CHECK(s && strncmp(s, "GET&http%3A%2F%2Fh%2Fp&a%3D1%26a%3D10%26a%3D2%26b%3D2%26", 56) == 0,
	      "repeated names sort by value, byte order");
	free(s);

	port.url = "http://h/p?a=%zz";
	why = NULL;
	CHECK(oauth1_base_string(&port, &why) == NULL && why,
	      "a bad %-escape in the query is refused");
	port.url = "/relative?x";
	why = NULL;
	CHECK(oauth1_signature(&port, &why) == NULL && why, "a relative URL is refused");
	port.url = "http://h/p";
	port.signature_method = "PLAINTEXT";
	why = NULL;
	CHECK(oauth1_header(&port, &why) == NULL && why, "PLAINTEXT is refused");
}

static void test_pct(void)
{
	check_owned(oauth_pct("AZaz09-._~", 10), "AZaz09-._~", "unreserved kept");
	check_owned(oauth_pct(" !*'()+/:=?&%", 13),
		    "%20%21%2A%27%28%29%2B%2F%3A%3D%3F%26%25", "reserved and others %XX");
	check_owned(oauth_pct("\xc3\xa9\x7f", 3), "%C3%A9%7F", "UTF-8 bytes and DEL, upper-case hex");
	check_owned(oauth_pct("a\0b", 3), "a%00b", "a NUL byte");
	check_owned(oauth_pct("", 0), "", "empty");
}

static void test_nonce(void)
{
	char a[OAUTH_NONCE_LEN + 1], b[OAUTH_NONCE_LEN + 1];
	CHECK(oauth_nonce(a) && oauth_nonce(b), "nonces from getrandom");
	CHECK(strlen(a) == OAUTH_NONCE_LEN && strspn(a, "abcdefghijklmnopqrstuvwxyz"
						     "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") == OAUTH_NONCE_LEN,
	      "a nonce is 24 letters and digits");
	CHECK(strcmp(a, b) != 0, "two nonces differ");
}

static void test_oauth2(void)
{
	check_owned(oauth2_basic("rosterpipe", "s3cret"), "Basic cm9zdGVycGlwZTpzM2NyZXQ=",
		    "Basic credentials");
	/* "a b:c" and "p+%&" form-encoded: "a+b%3Ac" and "p%2B%25%26" */
	check_owned(oauth2_basic("a b:c", "p+%&"), "Basic YStiJTNBYzpwJTJCJTI1JTI2",
		    "Basic credentials form-encoded first (RFC 6749 2.3.1)");

	long exp;
	char *err = NULL;
	const char *why = NULL;
	const char *ok = "{\"access_token\":\"tok-1.x\",\"token_type\":\"bearer\",\"expires_in\":3600}";
	check_owned(oauth2_token(ok, strlen(ok), &exp, &err, &why), "tok-1.x", "a token answer");
	CHECK(exp == 3600 && err == NULL, "its expires_in");
	const char *noexp = "{\"access_token\":\"t\",\"token_type\":\"Bearer\",\"expires_in\":\"60\"}";
	check_owned(oauth2_token(noexp, strlen(noexp), &exp, &err, &why), "t", "expires_in as a string");
	CHECK(exp == 60, "read as a number");
	const char *bare = "{\"access_token\":\"t\"}";
	check_owned(oauth2_token(bare, strlen(bare), &exp, &err, &why), "t", "no token_type, no expires_in");
	CHECK(exp == -1, "expires_in unknown");
	const char *refused = "{\"error\":\"invalid_client\",\"error_description\":\"bad client\"}";
	CHECK(oauth2_token(refused, strlen(refused), &exp, &err, &why) == NULL, "an error answer");
	CHECK_STR(err, "invalid_client: bad client", "its error and description");
	free(err);
	err = NULL;
	const char *mac = "{\"access_token\":\"t\",\"token_type\":\"mac\"}";
	CHECK(oauth2_token(mac, strlen(mac), &exp, &err, &why) == NULL && err == NULL,
	      "a token type other than Bearer is refused");
	const char *cut = "{\"access_token\":\"t\"";
	CHECK(oauth2_token(cut, strlen(cut), &exp, &err, &why) == NULL, "a cut answer is refused");
	const char *nl = "{\"access_token\":\"t\\r\\nX-Evil: 1\"}";
	CHECK(oauth2_token(nl, strlen(nl), &exp, &err, &why) == NULL,
	      "a token with a line break is refused (no header injection)");
	const char *neg = "{\"access_token\":\"t\",\"expires_in\":-5}";
	CHECK(oauth2_token(neg, strlen(neg), &exp, &err, &why) == NULL, "a negative expires_in is refused");
}

static void test_base64(void)
{
	const unsigned char *in = (const unsigned char *)"foobar";
	const char *want[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
	for (size_t n = 0; n <= 6; n++) {
		char what[64];
		snprintf(what, sizeof what, "base64 of %zu bytes (RFC 4648 10)", n);
		check_owned(oauth_base64(in, n), want[n], what);
	}
}

int main(void)
{
	test_rfc_example();
	test_edge_cases();
	test_pct();
	test_nonce();
	test_oauth2();
	test_base64();
	TEST_END();
}
