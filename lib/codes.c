#include "codes.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static const struct {
	const char *from, *to;
} grade_words[] = {
	{"IT", "IT"},
	{"InfantToddler", "IT"},
	{"PR", "PR"},
	{"Preschool", "PR"},
	{"PK", "PK"},
	{"PreK", "PK"},
	{"PreKindergarten", "PK"},
	{"TK", "TK"},
	{"TransitionalKindergarten", "TK"},
	{"KG", "KG"},
	{"K", "KG"},
	{"Kindergarten", "KG"},
	{"PS", "PS"},
	{"PostGraduate", "PS"},
	{"UG", "UG"},
	{"Ungraded", "UG"},
	{"Other", "Other"},
};

const char *grade_code(const char *s)
{
	static const char *const numbered[] = {
		"KG", "01", "02", "03", "04", "05", "06",
		"07", "08", "09", "10", "11", "12", "13",
	};
	for (size_t i = 0; i < sizeof grade_words / sizeof *grade_words; i++)
		if (strcasecmp(s, grade_words[i].from) == 0)
			return grade_words[i].to;
	/* "0".."13", zero-padded or not; 0 is kindergarten in many SIS */
	size_t n = strlen(s);
	if (n == 0 || n > 2 || !isdigit((unsigned char)s[0]) ||
	    (n == 2 && !isdigit((unsigned char)s[1])))
		return NULL;
	int g = atoi(s);
	return g <= 13 ? numbered[g] : NULL;
}

static const struct {
	const char *from, *to;
} roles[] = {
	{"student", "student"},
	{"teacher", "teacher"},
	{"administrator", "administrator"},
	{"districtAdministrator", "administrator"},
	{"siteAdministrator", "administrator"},
	{"systemAdministrator", "administrator"},
	{"principal", "administrator"},
	{"aide", "aide"},
	{"guardian", "guardian"},
	{"parent", "guardian"},
	{"relative", "guardian"},
	{"proctor", "staff"},
	{"counselor", "staff"},
	{"staff", "staff"},
};

const char *role_code(const char *s)
{
	for (size_t i = 0; i < sizeof roles / sizeof *roles; i++)
		if (strcasecmp(s, roles[i].from) == 0)
			return roles[i].to;
	return NULL;
}

static int days_in_month(int y, int m)
{
	static const int days[] = {31, 28, 31, 30, 31, 30,
				   31, 31, 30, 31, 30, 31};
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 && leap ? 29 : days[m - 1];
}

static bool digits(const char *s, int n)
{
	for (int i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return true;
}

static bool date_prefix(const char *s, int *y, int *m, int *d)
{
	if (!digits(s, 4) || s[4] != '-' || !digits(s + 5, 2) ||
	    s[7] != '-' || !digits(s + 8, 2))
		return false;
	*y = atoi(s);
	*m = atoi(s + 5);
	*d = atoi(s + 8);
	return *y >= 1900 && *y <= 2200 && *m >= 1 && *m <= 12 && *d >= 1 &&
	       *d <= days_in_month(*y, *m);
}

bool valid_date(const char *s)
{
	int y, m, d;
	return strlen(s) == 10 && date_prefix(s, &y, &m, &d);
}

bool utc_datetime(const char *s, char *out)
{
	int y, m, d, hh = 0, mm = 0, ss = 0, off = 0;
	if (!date_prefix(s, &y, &m, &d))
		return false;
	const char *p = s + 10;
	if (*p == 'T' || *p == 't' || *p == ' ') {
		p++;
		if (!digits(p, 2) || p[2] != ':' || !digits(p + 3, 2))
			return false;
		hh = atoi(p);
		mm = atoi(p + 3);
		p += 5;
		if (*p == ':') {
			if (!digits(p + 1, 2))
				return false;
			ss = atoi(p + 1);
			p += 3;
		}
		if (*p == '.') {
			p++;
			if (!isdigit((unsigned char)*p))
				return false;
			while (isdigit((unsigned char)*p))
				p++;
		}
		if (*p == 'Z' || *p == 'z') {
			p++;
		} else if (*p == '+' || *p == '-') {
			int sign = *p == '-' ? -1 : 1;
			if (!digits(p + 1, 2))
				return false;
			int oh = (p[1] - '0') * 10 + (p[2] - '0'), om = 0;
			p += 3;
			bool colon = *p == ':';
			if (colon)
				p++;
			if (digits(p, 2)) {
				om = (p[0] - '0') * 10 + (p[1] - '0');
				p += 2;
			} else if (colon) {
				return false;
			}
			if (oh > 23 || om > 59)
				return false;
			off = sign * (oh * 60 + om);
		}
		if (hh > 23 || mm > 59 || ss > 60)
			return false;
	}
	if (*p)
		return false;
	struct tm tm = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d,
			.tm_hour = hh, .tm_min = mm - off, .tm_sec = ss};
	time_t t = timegm(&tm);
	gmtime_r(&t, &tm);
	strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return true;
}

bool us_date(const char *s, char *out)
{
	/* [0-9]{1,2}/[0-9]{1,2}/[0-9]{4}, as Clever validates dob */
	int part[3] = {0, 0, 0}, len[3] = {0, 0, 0}, i = 0;
	for (const char *p = s; *p; p++) {
		if (*p == '/' && i < 2) {
			i++;
		} else if (*p >= '0' && *p <= '9' && len[i] < 4) {
			part[i] = part[i] * 10 + (*p - '0');
			len[i]++;
		} else {
			return false;
		}
	}
	if (i != 2 || len[0] < 1 || len[0] > 2 || len[1] < 1 || len[1] > 2 ||
	    len[2] != 4)
		return false;
	int m = part[0], d = part[1], y = part[2];
	if (y < 1900 || y > 2200 || m < 1 || m > 12 || d < 1 ||
	    d > days_in_month(y, m))
		return false;
	char tmp[40];
	snprintf(tmp, sizeof tmp, "%04d-%02d-%02d", y, m, d);
	memcpy(out, tmp, 11);
	return true;
}

int parse_bool(const char *s)
{
	static const char *const yes[] = {"true", "1", "y", "yes"};
	static const char *const no[] = {"false", "0", "n", "no"};
	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(s, yes[i]) == 0)
			return 1;
		if (strcasecmp(s, no[i]) == 0)
			return 0;
	}
	return -1;
}

char *email_fold(char *s)
{
	char *start = s;
	while (isspace((unsigned char)*start))
		start++;
	size_t n = strlen(start);
	while (n && isspace((unsigned char)start[n - 1]))
		n--;
	for (size_t i = 0; i < n; i++)
		s[i] = (char)tolower((unsigned char)start[i]);
	s[n] = '\0';
	return s;
}

bool valid_email(const char *s)
{
	const char *at = strchr(s, '@');
	if (!at || at == s || !at[1] || strchr(at + 1, '@'))
		return false;
	for (const char *p = s; *p; p++)
		if (isspace((unsigned char)*p) || (unsigned char)*p < 0x20)
			return false;
	return at[1] != '.' && s[strlen(s) - 1] != '.';
}

void school_year_ending(int end_year, char *out)
{
	char tmp[40];
	snprintf(tmp, sizeof tmp, "%04d-%04d", (end_year - 1) % 10000,
		 end_year % 10000);
	memcpy(out, tmp, 10);
}
