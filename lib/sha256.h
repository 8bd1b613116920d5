#ifndef RP_SHA256_H
#define RP_SHA256_H

#include <stddef.h>
#include <stdint.h>

/* FIPS 180-4 SHA-256. The fields are exposed only so a context can live on
 * the stack; callers should not touch them. */
typedef struct sha256 {
	uint32_t h[8];
	uint64_t bytes;
	unsigned char buf[64];
	size_t used;
} sha256;

void sha256_init(sha256 *c);
void sha256_update(sha256 *c, const void *data, size_t n);
void sha256_final(sha256 *c, unsigned char out[32]);
/* The digest as 64 lowercase hex characters and a NUL. */
void sha256_hex(sha256 *c, char out[65]); /* finalises c */
void sha256_hex_of(const void *data, size_t n, char out[65]);

#endif
