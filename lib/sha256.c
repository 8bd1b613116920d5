/* SHA-256 through libcrypto's SHA256_* functions: the digest of a context
 * on the stack, with OpenSSL's block function (SHA-NI, AVX2 or SSSE3 as
 * the CPU has them). They are "deprecated" in OpenSSL 3 in favour of EVP,
 * whose contexts are allocated and freed; these are kept by OpenSSL 3 and
 * need no allocation, so the deprecation warning is turned off here only. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include "sha256.h"

#include <openssl/sha.h>
#include <string.h>

_Static_assert(sizeof(SHA256_CTX) <= sizeof(((sha256 *)0)->ctx.bytes),
	       "room for libcrypto's SHA256_CTX");
_Static_assert(_Alignof(SHA256_CTX) <= _Alignof(uint64_t),
	       "libcrypto's SHA256_CTX is aligned");

static SHA256_CTX *ctx_of(sha256 *c) { return (SHA256_CTX *)(void *)c->ctx.bytes; }

void sha256_init(sha256 *c) { SHA256_Init(ctx_of(c)); }

void sha256_update(sha256 *c, const void *data, size_t n)
{
	if (n) /* an empty update may pass NULL */
		SHA256_Update(ctx_of(c), data, n);
}

void sha256_final(sha256 *c, unsigned char out[32])
{
	SHA256_Final(out, ctx_of(c));
	/* a fresh context rather than a spent one, as before */
	SHA256_Init(ctx_of(c));
}

void sha256_hex(sha256 *c, char out[65])
{
	static const char digits[] = "0123456789abcdef";
	unsigned char d[32];

	sha256_final(c, d);
	for (int i = 0; i < 32; i++) {
		out[2 * i] = digits[d[i] >> 4];
		out[2 * i + 1] = digits[d[i] & 15];
	}
	out[64] = '\0';
}

void sha256_hex_of(const void *data, size_t n, char out[65])
{
	sha256 c;

	sha256_init(&c);
	sha256_update(&c, data, n);
	sha256_hex(&c, out);
}
