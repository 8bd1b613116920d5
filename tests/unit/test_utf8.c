#include "utf8.h"

#include <stdio.h>
#include <string.h>

#include "harness.h"

/* String literals may hold NUL bytes: take their size, not strlen. */
#define U8(lit) utf8_check(lit, sizeof(lit) - 1)

static void test_valid(void)
{
	CHECK(U8("") == UTF8_VALID, "valid: empty");
	CHECK(U8("hello, world") == UTF8_VALID, "valid: ASCII");
	CHECK(U8("\x7f") == UTF8_VALID, "valid: DEL is ASCII");
	CHECK(U8("Jos\xc3\xa9") == UTF8_VALID, "valid: 2-byte e-acute");
	CHECK(U8("\xc2\x80") == UTF8_VALID, "valid: smallest 2-byte U+0080");
	CHECK(U8("\xe2\x82\xac") == UTF8_VALID, "valid: 3-byte euro sign");
	CHECK(U8("\xe0\xa0\x80") == UTF8_VALID, "valid: smallest 3-byte U+0800");
	CHECK(U8("\xed\x9f\xbf") == UTF8_VALID,
	      "valid: U+D7FF just below the surrogates");
	CHECK(U8("\xee\x80\x80") == UTF8_VALID,
	      "valid: U+E000 just above the surrogates");
	CHECK(U8("\xf0\x9f\x98\x80") == UTF8_VALID, "valid: 4-byte emoji");
	CHECK(U8("\xf4\x8f\xbf\xbf") == UTF8_VALID, "valid: U+10FFFF");
	CHECK(U8("abcdefgh\xc3\xa9" "abcdefgh\xe2\x82\xac" "abcdefgh") ==
		      UTF8_VALID,
	      "valid: multi-byte between runs of 8 ASCII bytes");
}

static void test_invalid(void)
{
	CHECK(U8("\xc0\x80") == 0, "invalid: overlong C0 80 at 0");
	CHECK(U8("\xc1\xbf") == 0, "invalid: overlong C1 BF at 0");
	CHECK(U8("ab\xe0\x80\x80") == 2, "invalid: overlong E0 80 80 at 2");
	CHECK(U8("\xe0\x9f\xbf") == 0, "invalid: overlong E0 9F BF at 0");
	CHECK(U8("\xf0\x8f\xbf\xbf") == 0, "invalid: overlong F0 8F BF BF");
	CHECK(U8("x\xed\xa0\x80") == 1, "invalid: surrogate ED A0 80 at 1");
	CHECK(U8("\xed\xbf\xbf") == 0, "invalid: surrogate ED BF BF");
	CHECK(U8("\xf4\x90\x80\x80") == 0,
	      "invalid: F4 90 80 80 past U+10FFFF");
	CHECK(U8("\xf5\x80\x80\x80") == 0, "invalid: F5 lead byte");
	CHECK(U8("\xff") == 0, "invalid: FF byte");
	CHECK(U8("abc\x80") == 3, "invalid: lone continuation at 3");
	CHECK(U8("\xc3\xa9\xa9") == 2,
	      "invalid: continuation after a complete character");
	CHECK(U8("abc\xe2\x82") == 3, "invalid: truncated 3-byte at the end");
	CHECK(U8("\xf0\x9f\x98") == 0, "invalid: truncated 4-byte at the end");
	CHECK(U8("\xc3") == 0, "invalid: truncated 2-byte at the end");
	CHECK(U8("\xe2\x82\x41") == 0, "invalid: bad third byte");
	CHECK(U8("\xf0\x9f\x41\x80") == 0, "invalid: bad third byte of four");
	CHECK(U8("\xc3" "A") == 0, "invalid: ASCII after a lead byte");
	CHECK(U8("ab\0cd") == 2, "invalid: NUL byte at 2");
	CHECK(U8("\0") == 0, "invalid: lone NUL byte");
}

static void test_fast_path(void)
{
	/* 20 ASCII bytes: two 8-byte words, then the slow path at 16. */
	CHECK(U8("abcdefghijklmnopqrst\xff" "xyz") == 20,
	      "fast path: bad byte after 20 ASCII bytes is at 20");
	CHECK(U8("abcdefghijklmnopqrst\0xyzabcdefgh") == 20,
	      "fast path: NUL after 20 ASCII bytes is at 20");
	CHECK(U8("abcdefghijklmnop\x80") == 16,
	      "fast path: bad byte right after two words is at 16");
	CHECK(U8("abcdefg\x80" "abcdefgh") == 7,
	      "fast path: bad byte at the end of the first word");
	CHECK(U8("abcdefghijklmnopqrstuvwx\xc3\xa9" "abcdefghijklmnop\xed\xa0\x80") ==
		      42,
	      "fast path: surrogate after mixed runs is at 42");

	/* The length is respected: a bad byte just past n is not looked at. */
	static const char s[] = "abcdefghijklmnop\xff";
	CHECK(utf8_check(s, 16) == UTF8_VALID,
	      "length: bytes past n are not read");
	CHECK(utf8_check("\xe2\x82\xac", 2) == 0,
	      "length: a character cut by n is truncated");

	char big[4096];
	memset(big, 'a', sizeof big);
	CHECK(utf8_check(big, sizeof big) == UTF8_VALID,
	      "fast path: 4 KiB of ASCII");
	big[4001] = '\x80';
	CHECK(utf8_check(big, sizeof big) == 4001,
	      "fast path: bad byte deep in a long ASCII run");
	int all = 1;
	for (size_t i = 0; i < 16; i++) {
		memset(big, 'a', 64);
		big[i + 20] = '\0';
		all &= utf8_check(big, 64) == i + 20;
	}
	CHECK(all, "fast path: NUL found at every alignment");
}

static void test_next(void)
{
	const char *s = "a\xc3\xa9\xe5\xb1\xb1\xf0\x9f\x98\x80\xff";
	CHECK(utf8_next(&s) == 'a', "next: ASCII");
	CHECK(utf8_next(&s) == 0xe9, "next: 2-byte e-acute");
	CHECK(utf8_next(&s) == 0x5c71, "next: 3-byte CJK");
	CHECK(utf8_next(&s) == 0x1f600, "next: 4-byte emoji");
	CHECK(utf8_next(&s) == 0xff, "next: a stray byte is itself");
	CHECK(utf8_next(&s) == 0 && *s == '\0', "next: 0 at the end, and stays");
	s = "\xc3(";
	CHECK(utf8_next(&s) == 0xc3 && *s == '(', "next: a lead byte without its tail");
	s = "\x80z";
	CHECK(utf8_next(&s) == 0x80 && *s == 'z', "next: a stray tail byte is itself, not the end");
}

static void test_collate(void)
{
	CHECK(utf8_collate("abc", "abc") == 0, "collate: equal");
	CHECK(utf8_collate("Becker", "becker") < 0, "collate: case only: byte order decides");
	CHECK(utf8_collate("becker", "Khan") < 0, "collate: case is not the first key");
	CHECK(utf8_collate("\xc3\x89lise", "Elias") > 0 && utf8_collate("\xc3\x89lise", "Emma") < 0,
	      "collate: E-acute lise between Elias and Emma");
	CHECK(utf8_collate("Garc\xc3\xad" "a", "Garcia") > 0 &&
		      utf8_collate("Garc\xc3\xad" "a", "Garcib") < 0,
	      "collate: Garcia with i-acute next to Garcia");
	CHECK(utf8_collate("\xc3\x98stby", "Ottesen") < 0, "collate: O-stroke as o");
	CHECK(utf8_collate("Stra\xc3\x9f" "e", "Strasa") > 0 &&
		      utf8_collate("Stra\xc3\x9f" "e", "Strat") < 0, "collate: sharp s as s");
	CHECK(utf8_collate("\xc5\x81ukasz", "Luka") > 0 && utf8_collate("\xc5\x81ukasz", "Lukeb") < 0,
	      "collate: L-stroke as l (Latin Extended-A)");
	CHECK(utf8_collate("Zoe", "\xe5\xb1\xb1\xe7\x94\xb0") < 0, "collate: CJK after Latin");
	CHECK(utf8_collate("O'Brien", "Obama") < 0, "collate: punctuation before letters");
	CHECK(utf8_collate(NULL, "") == 0 && utf8_collate("a", NULL) > 0, "collate: NULL as empty");
}

static void test_fold(void)
{
	char out[64];
	utf8_fold("Chlo\xc3\xa9 DUBOIS", out);
	CHECK_STR(out, "chloe dubois", "fold: case and accents");
	utf8_fold("\xc5\x81ukasz \xc3\x98stby Stra\xc3\x9f" "e", out);
	CHECK_STR(out, "lukasz ostby strase", "fold: stroke letters and sharp s");
	utf8_fold("\xe5\xb1\xb1\xe7\x94\xb0 Nguy\xe1\xbb\x85n", out);
	CHECK_STR(out, "\xe5\xb1\xb1\xe7\x94\xb0 nguy\xe1\xbb\x85n", "fold: other code points kept");
	utf8_fold(NULL, out);
	CHECK_STR(out, "", "fold: NULL as empty");
}

int main(void)
{
	test_valid();
	test_invalid();
	test_fast_path();
	test_next();
	test_collate();
	test_fold();
	TEST_END();
}
