/*
 * A cJSON-compatible parser over an arena (see jsonarena.h).
 *
 * cJSON allocates every node and every string with malloc, and the NDJSON
 * reader frees them all again one line later: on raw records that was two
 * thirds of normalize's instructions. This parser follows cJSON 1.7's
 * grammar step by step (parse_value, parse_string, parse_number,
 * parse_array, parse_object in cJSON.c), so that what was accepted is still
 * accepted and what was rejected is still rejected:
 *
 *  - whitespace is any byte up to ' ' (control characters and NUL too);
 *  - a UTF-8 byte order mark is skipped at the start of input of 5 bytes
 *    or more;
 *  - strings may hold raw control characters; bytes are copied as they are
 *    (the NDJSON reader checks UTF-8 before parsing);
 *  - a number is the longest run of "0123456789+-.eE" (of any length:
 *    Debian's cJSON 1.7.15 has the fix for CVE-2023-26819, which dropped
 *    the old limit of 63 bytes), read with strtod, which takes what it can:
 *    "01" is 1, "1." is 1, "-.5" is -0.5, and "1e" stops after the 1
 *    (leaving "e" unread); valueint is valuedouble saturated to int;
 *  - arrays and objects nest at most CJSON_NESTING_LIMIT (1000) deep;
 *  - duplicate keys are all kept, in order; an array's or object's first
 *    child has prev pointing to the last one.
 *
 * The one deliberate difference: cJSON reads a \u escape whose four
 * characters are not all hex digits as U+0000 (its parse_hex4 returns 0,
 * which cannot be told from "\u0000"), which silently cuts the string
 * short; here such a string is not valid JSON.
 */
#include "jsonarena.h"

#include <limits.h>
#include <locale.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "xalloc.h"

/* Nodes and strings are cut from blocks of this size taken from the
 * arena (or bigger, for a long string): the common allocation is a pointer
 * bump here, not a call. */
#define BLOCK (16 * 1024)

struct ja_parser {
	rp_arena *arena;
	unsigned char *next, *limit; /* what is left of the current block */
	const unsigned char *cur, *end;
	int depth;
};

ja_parser *ja_new(void)
{
	ja_parser *p = xcalloc(1, sizeof *p);
	p->arena = arena_new();
	return p;
}

void ja_free(ja_parser *p)
{
	if (!p)
		return;
	arena_free(p->arena);
	free(p);
}

/* n bytes, aligned for a cJSON node (strings too, so that nodes after
 * them stay aligned). */
static void *take(ja_parser *p, size_t n)
{
	n = (n + _Alignof(cJSON) - 1) & ~(size_t)(_Alignof(cJSON) - 1);
	if ((size_t)(p->limit - p->next) < n) {
		size_t size = n > BLOCK ? n : BLOCK;
		p->next = arena_alloc(p->arena, size);
		p->limit = p->next + size;
	}
	void *r = p->next;
	p->next += n;
	return r;
}

static cJSON *new_node(ja_parser *p)
{
	cJSON *n = take(p, sizeof *n);
	*n = (cJSON){0};
	return n;
}

static void skip_ws(ja_parser *p)
{
	while (p->cur < p->end && *p->cur <= ' ')
		p->cur++;
}

static bool parse_value(ja_parser *p, cJSON *item);

/* Four hex digits; -1 when one is not. */
static long hex4(const unsigned char *s)
{
	long v = 0;
	for (int i = 0; i < 4; i++) {
		int c = s[i], d;
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return -1;
		v = v << 4 | d;
	}
	return v;
}

/*
 * The escape \uXXXX (or a surrogate pair \uXXXX\uXXXX) at in, before
 * limit (the closing quote), written to *out as UTF-8. Returns how many
 * bytes of input it took, 0 when it is not valid.
 */
static int utf16_escape(const unsigned char *in, const unsigned char *limit,
			unsigned char **out)
{
	if (limit - in < 6)
		return 0;
	long first = hex4(in + 2);
	if (first < 0 || (first >= 0xDC00 && first <= 0xDFFF))
		return 0;
	unsigned long cp = (unsigned long)first;
	int taken = 6;
	if (first >= 0xD800 && first <= 0xDBFF) {
		/* a high surrogate must be followed by a low one */
		const unsigned char *second = in + 6;
		if (limit - second < 6 || second[0] != '\\' || second[1] != 'u')
			return 0;
		long low = hex4(second + 2);
		if (low < 0xDC00 || low > 0xDFFF)
			return 0;
		cp = 0x10000 + (((unsigned long)first & 0x3FF) << 10 |
				((unsigned long)low & 0x3FF));
		taken = 12;
	}
	unsigned char *o = *out;
	if (cp < 0x80) {
		*o++ = (unsigned char)cp; /* "\u0000" ends the C string, as in cJSON */
	} else if (cp < 0x800) {
		*o++ = (unsigned char)(0xC0 | cp >> 6);
		*o++ = (unsigned char)(0x80 | (cp & 0x3F));
	} else if (cp < 0x10000) {
		*o++ = (unsigned char)(0xE0 | cp >> 12);
		*o++ = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
		*o++ = (unsigned char)(0x80 | (cp & 0x3F));
	} else {
		*o++ = (unsigned char)(0xF0 | cp >> 18);
		*o++ = (unsigned char)(0x80 | (cp >> 12 & 0x3F));
		*o++ = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
		*o++ = (unsigned char)(0x80 | (cp & 0x3F));
	}
	*out = o;
	return taken;
}

/* The first '"' or '\\' in [s, end), or end: eight bytes at a time, as
 * utf8_check does, since most of a record's bytes are inside strings. */
static const unsigned char *quote_or_backslash(const unsigned char *s,
					       const unsigned char *end)
{
	const uint64_t ones = 0x0101010101010101ull, highs = ones << 7;
	while (end - s >= 8) {
		uint64_t w, q, b;
		memcpy(&w, s, 8);
		q = w ^ ones * '"';
		b = w ^ ones * '\\';
		/* the high bit of each zero byte of q or b (and maybe of bytes
		 * after one: the lowest bit set is the first match) */
		uint64_t hit = ((q - ones) & ~q & highs) | ((b - ones) & ~b & highs);
		if (hit) {
#if defined(__GNUC__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
			return s + (__builtin_ctzll(hit) >> 3);
#else
			break;
#endif
		}
		s += 8;
	}
	while (s < end && *s != '"' && *s != '\\')
		s++;
	return s;
}

/* The n bytes at in, which hold escapes and end at limit (the closing
 * quote), decoded into out; NULL when an escape is not valid. Apart from
 * parse_string, so that its common path (no escape) stays small. */
static char *unescape(unsigned char *out, const unsigned char *in,
		      const unsigned char *limit)
{
	unsigned char *o = out;
	while (in < limit) {
		if (*in != '\\') {
			*o++ = *in++;
			continue;
		}
		switch (in[1]) {
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'n': *o++ = '\n'; break;
		case 'r': *o++ = '\r'; break;
		case 't': *o++ = '\t'; break;
		case '"':
		case '\\':
		case '/': *o++ = in[1]; break;
		case 'u': {
			int taken = utf16_escape(in, limit, &o);
			if (!taken)
				return NULL;
			in += taken;
			continue;
		}
		default:
			return NULL;
		}
		in += 2;
	}
	*o = '\0';
	return (char *)out;
}

/* The string at p->cur (a '"'), into the arena. */
static char *parse_string(ja_parser *p)
{
	const unsigned char *start = p->cur + 1, *q = start;
	bool escaped = false;
	/* the closing quote; as in cJSON, a backslash hides the byte after it */
	for (;;) {
		q = quote_or_backslash(q, p->end);
		if (q >= p->end)
			return NULL;
		if (*q == '"')
			break;
		if (q + 1 >= p->end)
			return NULL;
		escaped = true;
		q += 2;
	}
	size_t n = (size_t)(q - start);
	p->cur = q + 1;
	/* escapes only shorten: n + 1 bytes are enough */
	unsigned char *out = take(p, n + 1);
	if (escaped)
		return unescape(out, start, q);
	memcpy(out, start, n);
	out[n] = '\0';
	return (char *)out;
}

static bool is_number_char(unsigned char c)
{
	return (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.' ||
	       c == 'e' || c == 'E';
}

static bool parse_number(ja_parser *p, cJSON *item)
{
	const unsigned char *s = p->cur;
	size_t avail = (size_t)(p->end - s), n = 0;
	while (n < avail && is_number_char(s[n]))
		n++;

	double d;
	size_t neg = s[0] == '-', digits = 0;
	unsigned long long v = 0;
	while (digits < 16 && neg + digits < n && s[neg + digits] >= '0' &&
	       s[neg + digits] <= '9')
		v = v * 10 + (unsigned)(s[neg + digits++] - '0');
	if (digits >= 1 && digits <= 15 && neg + digits == n) {
		/* the common case, an integer of up to 15 digits: exact in a
		 * double, so strtod would give the same ("-0" is -0.0) */
		d = neg ? -(double)v : (double)v;
		p->cur += n;
	} else {
		/* strtod needs the run NUL-terminated, as cJSON copies it */
		char small[64], *after;
		char *buf = n < sizeof small ? small : take(p, n + 1);
		memcpy(buf, s, n);
		buf[n] = '\0';
		/* strtod reads the locale's decimal point, as cJSON arranges */
		char point = localeconv()->decimal_point[0];
		if (point != '.')
			for (size_t i = 0; i < n; i++)
				if (buf[i] == '.')
					buf[i] = point;
		d = strtod(buf, &after);
		if (after == buf)
			return false;
		p->cur += after - buf;
	}
	item->type = cJSON_Number;
	item->valuedouble = d;
	if (d >= INT_MAX)
		item->valueint = INT_MAX;
	else if (d <= (double)INT_MIN)
		item->valueint = INT_MIN;
	else
		item->valueint = (int)d;
	return true;
}

/* The members of an array or object, from p->cur just past its opening
 * bracket to just past close. */
static bool parse_members(ja_parser *p, cJSON *item, bool object, char close)
{
	if (p->depth >= CJSON_NESTING_LIMIT)
		return false;
	p->depth++;
	p->cur++;
	skip_ws(p);
	cJSON *head = NULL, *last = NULL;
	if (p->cur < p->end && *p->cur == close)
		goto done;
	for (;;) {
		cJSON *m = new_node(p);
		if (last) {
			last->next = m;
			m->prev = last;
		} else {
			head = m;
		}
		last = m;
		if (object) {
			if (p->cur >= p->end || *p->cur != '"' ||
			    !(m->string = parse_string(p)))
				return false;
			skip_ws(p);
			if (p->cur >= p->end || *p->cur != ':')
				return false;
			p->cur++;
			skip_ws(p);
		}
		if (!parse_value(p, m))
			return false;
		skip_ws(p);
		if (p->cur >= p->end || *p->cur != ',')
			break;
		p->cur++;
		skip_ws(p);
	}
	if (p->cur >= p->end || *p->cur != close)
		return false;
done:
	p->depth--;
	p->cur++;
	if (head)
		head->prev = last; /* as cJSON links them */
	item->type = object ? cJSON_Object : cJSON_Array;
	item->child = head;
	return true;
}

static bool literal(ja_parser *p, const char *word, size_t n)
{
	if ((size_t)(p->end - p->cur) < n || memcmp(p->cur, word, n) != 0)
		return false;
	p->cur += n;
	return true;
}

static bool parse_value(ja_parser *p, cJSON *item)
{
	if (p->cur >= p->end)
		return false;
	switch (*p->cur) {
	case 'n':
		item->type = cJSON_NULL;
		return literal(p, "null", 4);
	case 'f':
		item->type = cJSON_False;
		return literal(p, "false", 5);
	case 't':
		item->type = cJSON_True;
		item->valueint = 1;
		return literal(p, "true", 4);
	case '"':
		item->type = cJSON_String;
		return (item->valuestring = parse_string(p)) != NULL;
	case '[':
		return parse_members(p, item, false, ']');
	case '{':
		return parse_members(p, item, true, '}');
	default:
		if (*p->cur == '-' || (*p->cur >= '0' && *p->cur <= '9'))
			return parse_number(p, item);
		return false;
	}
}

cJSON *ja_parse(ja_parser *p, const char *json, size_t len, const char **end)
{
	arena_reset(p->arena);
	p->next = p->limit = NULL;
	p->cur = (const unsigned char *)json;
	p->end = p->cur + len;
	p->depth = 0;
	if (len >= 5 && memcmp(json, "\xEF\xBB\xBF", 3) == 0)
		p->cur += 3;
	skip_ws(p);
	cJSON *root = new_node(p);
	if (!parse_value(p, root))
		return NULL;
	if (end)
		*end = (const char *)p->cur;
	return root;
}
