#include "sha256.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static const char abc56[] =
	"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
static const char abc112[] =
	"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
	"hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";

#define MILLION_A \
	"cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"

static void check_hex_of(const char *s, const char *want, const char *what)
{
	char hex[65];

	sha256_hex_of(s, strlen(s), hex);
	CHECK_STR(hex, want, what);
}

static void test_nist(void)
{
	check_hex_of("",
		     "e3b0c44298fc1c149afbf4c8996fb924"
		     "27ae41e4649b934ca495991b7852b855",
		     "nist: empty");
	check_hex_of("abc",
		     "ba7816bf8f01cfea414140de5dae2223"
		     "b00361a396177a9cb410ff61f20015ad",
		     "nist: abc");
	check_hex_of(abc56,
		     "248d6a61d20638b8e5c026930c3e6039"
		     "a33ce45964ff2167f6ecedd419db06c1",
		     "nist: 448-bit message");
	check_hex_of(abc112,
		     "cf5b16a778af8380036ce59e7b049237"
		     "0b249b11e8f07a51afac45037afee9d1",
		     "nist: 896-bit message");
}

static void test_empty_update(void)
{
	sha256 c;
	char hex[65];

	/* A zero-length update may pass NULL, as from an empty buffer. */
	sha256_init(&c);
	sha256_update(&c, NULL, 0);
	sha256_update(&c, "abc", 3);
	sha256_update(&c, NULL, 0);
	sha256_hex(&c, hex);
	CHECK_STR(hex,
		  "ba7816bf8f01cfea414140de5dae2223"
		  "b00361a396177a9cb410ff61f20015ad",
		  "update: zero-length updates change nothing");

	/* final leaves a fresh context, ready for the next message. */
	sha256_hex(&c, hex);
	CHECK_STR(hex,
		  "e3b0c44298fc1c149afbf4c8996fb924"
		  "27ae41e4649b934ca495991b7852b855",
		  "final: context is reset afterwards");
}

static void test_million_a(void)
{
	size_t n = 1000000;
	char *a = malloc(n);
	char hex[65];

	CHECK(a != NULL, "million a: allocated");
	if (!a)
		return;
	memset(a, 'a', n);
	sha256_hex_of(a, n, hex);
	CHECK_STR(hex, MILLION_A, "million a: one update");
	free(a);
}

static void hex_in_pieces(const void *data, size_t n, size_t piece,
			  char hex[65])
{
	const unsigned char *p = data;
	sha256 c;

	sha256_init(&c);
	while (n) {
		size_t take = n < piece ? n : piece;

		sha256_update(&c, p, take);
		p += take;
		n -= take;
	}
	sha256_hex(&c, hex);
}

static void test_pieces(void)
{
	static const size_t pieces[] = {1, 7, 63, 64, 65};
	size_t n = 1000000, i;
	char *a = malloc(n);
	char hex[65], want[65], what[64];

	CHECK(a != NULL, "pieces: allocated");
	if (!a)
		return;
	memset(a, 'a', n);
	for (i = 0; i < sizeof pieces / sizeof pieces[0]; i++) {
		hex_in_pieces(a, n, pieces[i], hex);
		snprintf(what, sizeof what,
			 "pieces: million a in %zu-byte pieces", pieces[i]);
		CHECK_STR(hex, MILLION_A, what);

		hex_in_pieces(abc112, strlen(abc112), pieces[i], hex);
		snprintf(what, sizeof what,
			 "pieces: 896-bit in %zu-byte pieces", pieces[i]);
		CHECK_STR(hex,
			  "cf5b16a778af8380036ce59e7b049237"
			  "0b249b11e8f07a51afac45037afee9d1",
			  what);
	}

	/* Start one byte into the buffer so whole blocks are hashed from an
	 * odd address, which must be fine on any host. */
	hex_in_pieces(a + 1, n - 1, 64, hex);
	sha256_hex_of(a, n - 1, want);
	CHECK_STR(hex, want, "pieces: unaligned input matches aligned");
	free(a);
}

/* Lengths around the 56-byte point where the length field stops fitting
 * in the last block; the digests come from sha256sum over the same bytes. */
static void test_padding_edges(void)
{
	static const struct {
		size_t n;
		const char *want;
	} cases[] = {
		{55, "595615dbe4f0f407ae397d08b4c2cb87"
		     "0cb9b0e11937416f950c5160acf9c005"},
		{56, "784f623b787495078e93ff28a25b581d"
		     "f0584055a7e71d8cd90c454716b92f51"},
		{63, "5ca3e1ef5207490eac01a795e5cc94d5"
		     "9582a5118bf9534665c8668d87aa647c"},
		{64, "2fcd5a0d60e4c941381fcc4e00a4bf8b"
		     "e422c3ddfafb93c809e8d1e2bfffae8e"},
		{65, "1b3cd1877ab2f2f19f7be001722554f3"
		     "36cb799df0329de0bb4c118dc6abc06d"},
		{119, "faef67da856d6fd9c8d12f9ed0a4fefd"
		      "3cf0ce085ab43e2907418d457e3c354b"},
		{120, "c9512b08619c19fbb503c7da6b46ef20"
		      "301e5f7a7a5f43989182398536f5c5c8"},
	};
	char data[128], hex[65], what[64];
	size_t i;

	for (i = 0; i < sizeof data; i++)
		data[i] = (char)('a' + i % 26);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		sha256_hex_of(data, cases[i].n, hex);
		snprintf(what, sizeof what, "padding: %zu bytes", cases[i].n);
		CHECK_STR(hex, cases[i].want, what);

		/* Byte by byte too, so the final block is built in buf. */
		hex_in_pieces(data, cases[i].n, 1, hex);
		snprintf(what, sizeof what, "padding: %zu bytes one at a time",
			 cases[i].n);
		CHECK_STR(hex, cases[i].want, what);
	}
}

int main(void)
{
	test_nist();
	test_empty_update();
	test_million_a();
	test_pieces();
	test_padding_edges();
	TEST_END();
}
