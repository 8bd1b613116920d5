#ifndef RP_SHA256_H
#define RP_SHA256_H

#include <stddef.h>
#include <stdint.h>

/* FIPS 180-4 SHA-256, computed by OpenSSL's libcrypto (its assembly uses
 * the CPU's SHA instructions where there are some: docs/performance.md).
 * The context is room for libcrypto's SHA256_CTX, so that it can live on
 * the stack without an allocation to free; callers should not touch it. */
typedef struct sha256 {
	union {
		unsigned char bytes[128];
		uint64_t align;
	} ctx;
} sha256;

void sha256_init(sha256 *c);
void sha256_update(sha256 *c, const void *data, size_t n);
/* Leaves a fresh context, ready for the next message. */
void sha256_final(sha256 *c, unsigned char out[32]);
/* The digest as 64 lowercase hex characters and a NUL. */
void sha256_hex(sha256 *c, char out[65]); /* finalises c */
void sha256_hex_of(const void *data, size_t n, char out[65]);

#endif
