#include "utf8.h"

#include <stdint.h>
#include <string.h>

size_t utf8_check(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;
	while (i < n) {
		/* ASCII fast path, eight bytes at a time. */
		while (i + 8 <= n) {
			uint64_t w;
			memcpy(&w, s + i, 8);
			if (w & 0x8080808080808080ull)
				break;
			/* a zero byte somewhere in w */
			if ((w - 0x0101010101010101ull) & ~w & 0x8080808080808080ull)
				break;
			i += 8;
		}
		if (i >= n)
			break;
		unsigned c = s[i];
		if (c == 0)
			return i;
		if (c < 0x80) {
			i++;
			continue;
		}
		size_t len;
		unsigned lo = 0x80, hi = 0xbf;
		if (c >= 0xc2 && c <= 0xdf) {
			len = 2;
		} else if (c >= 0xe0 && c <= 0xef) {
			len = 3;
			if (c == 0xe0)
				lo = 0xa0; /* overlong */
			else if (c == 0xed)
				hi = 0x9f; /* surrogates */
		} else if (c >= 0xf0 && c <= 0xf4) {
			len = 4;
			if (c == 0xf0)
				lo = 0x90; /* overlong */
			else if (c == 0xf4)
				hi = 0x8f; /* past U+10FFFF */
		} else {
			return i;
		}
		if (i + len > n)
			return i;
		if (s[i + 1] < lo || s[i + 1] > hi)
			return i;
		for (size_t k = 2; k < len; k++)
			if ((s[i + k] & 0xc0) != 0x80)
				return i;
		i += len;
	}
	return UTF8_VALID;
}

unsigned long utf8_next(const char **str)
{
	const unsigned char *s = (const unsigned char *)*str;
	unsigned long c = s[0];
	int more = c >= 0xf0 && c < 0xf8 ? 3 : c >= 0xe0 ? 2 : c >= 0xc0 ? 1 : 0;
	if (!c)
		return 0;
	if (c < 0xc0 || c >= 0xf8) { /* ASCII, a stray tail byte, not UTF-8 */
		*str += 1;
		return c;
	}
	unsigned long cp = c & (0x3f >> more);
	for (int i = 1; i <= more; i++) {
		if ((s[i] & 0xc0) != 0x80) { /* not UTF-8: the byte itself */
			*str += 1;
			return c;
		}
		cp = cp << 6 | (s[i] & 0x3f);
	}
	*str += 1 + more;
	return cp;
}

/* U+00C0..U+017F folded to an ASCII letter; '.' where there is none
 * (the multiplication and division signs). */
static const char fold_latin[] =
	"aaaaaaaceeeeiiiidnooooo.ouuuuyts"  /* U+00C0 */
	"aaaaaaaceeeeiiiidnooooo.ouuuuyty"  /* U+00E0 */
	"aaaaaaccccccccddddeeeeeeeeeegggg"  /* U+0100 */
	"gggghhhhiiiiiiiiiiiijjkkklllllll"  /* U+0120 */
	"lllnnnnnnnnnoooooooorrrrrrssssss"  /* U+0140 */
	"ssttttttuuuuuuuuuuuuwwyyyzzzzzzs"; /* U+0160 */

static unsigned long fold(unsigned long c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 'a';
	if (c >= 0xc0 && c <= 0x17f && fold_latin[c - 0xc0] != '.')
		return (unsigned char)fold_latin[c - 0xc0];
	return c;
}

void utf8_fold(const char *s, char *out)
{
	const char *p = s ? s : "";
	while (*p) {
		const char *start = p;
		unsigned long c = utf8_next(&p), f = fold(c);
		if (f != c) {
			*out++ = (char)f;
		} else {
			memcpy(out, start, (size_t)(p - start));
			out += p - start;
		}
	}
	*out = '\0';
}

int utf8_collate(const char *a, const char *b)
{
	const char *p = a ? a : "", *q = b ? b : "";
	for (;;) {
		unsigned long x = fold(utf8_next(&p)), y = fold(utf8_next(&q));
		if (x != y)
			return x < y ? -1 : 1;
		if (!x)
			break;
	}
	return strcmp(a ? a : "", b ? b : "");
}
