#include "jsonesc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

/* 0 = copy as is; otherwise the character after the backslash ('u' for \u00XX). */
static const char escape_of[256] = {
	['\b'] = 'b', ['\t'] = 't', ['\n'] = 'n', ['\f'] = 'f', ['\r'] = 'r',
	[0x00] = 'u', [0x01] = 'u', [0x02] = 'u', [0x03] = 'u', [0x04] = 'u',
	[0x05] = 'u', [0x06] = 'u', [0x07] = 'u', [0x0b] = 'u', [0x0e] = 'u',
	[0x0f] = 'u', [0x10] = 'u', [0x11] = 'u', [0x12] = 'u', [0x13] = 'u',
	[0x14] = 'u', [0x15] = 'u', [0x16] = 'u', [0x17] = 'u', [0x18] = 'u',
	[0x19] = 'u', [0x1a] = 'u', [0x1b] = 'u', [0x1c] = 'u', [0x1d] = 'u',
	[0x1e] = 'u', [0x1f] = 'u', ['"'] = '"', ['\\'] = '\\',
};

char *jsonesc(char *dst, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s, *end = p + n;
	const uint64_t ones = 0x0101010101010101ull, highs = ones << 7;
	*dst++ = '"';
	while (p < end) {
		/* eight bytes at a time while none of them needs escaping (a
		 * control character, '"' or '\\'), as utf8_check scans; dst has
		 * room, since each of them is written as one byte */
		while (end - p >= 8) {
			uint64_t w, q, b;
			memcpy(&w, p, 8);
			q = w ^ ones * '"';
			b = w ^ ones * '\\';
			if (((w - ones * 0x20) & ~w & highs) |
			    ((q - ones) & ~q & highs) | ((b - ones) & ~b & highs))
				break;
			memcpy(dst, &w, 8);
			dst += 8;
			p += 8;
		}
		const unsigned char *run = p;
		while (p < end && !escape_of[*p])
			p++;
		memcpy(dst, run, (size_t)(p - run));
		dst += p - run;
		if (p == end)
			break;
		char e = escape_of[*p];
		*dst++ = '\\';
		*dst++ = e;
		if (e == 'u') {
			*dst++ = '0';
			*dst++ = '0';
			*dst++ = hex[*p >> 4];
			*dst++ = hex[*p & 15];
		}
		p++;
	}
	*dst++ = '"';
	return dst;
}

void jsonesc_fputs(const char *s, FILE *f)
{
	size_t n = strlen(s);
	char *buf = xmalloc(JSONESC_MAX(n));
	fwrite(buf, 1, (size_t)(jsonesc(buf, s, n) - buf), f);
	free(buf);
}
