#include "codes.h"

#include <stdio.h>
#include <string.h>

#include "harness.h"

static void test_grade_code(void)
{
	CHECK_STR(grade_code("K"), "KG", "grade: K is KG");
	CHECK_STR(grade_code("k"), "KG", "grade: k (lower case) is KG");
	CHECK_STR(grade_code("KG"), "KG", "grade: KG is KG");
	CHECK_STR(grade_code("0"), "KG", "grade: 0 is KG");
	CHECK_STR(grade_code("00"), "KG", "grade: 00 is KG");
	CHECK_STR(grade_code("Kindergarten"), "KG",
		  "grade: Kindergarten is KG");
	CHECK_STR(grade_code("9"), "09", "grade: 9 is 09");
	CHECK_STR(grade_code("09"), "09", "grade: 09 is 09");
	CHECK_STR(grade_code("1"), "01", "grade: 1 is 01");
	CHECK_STR(grade_code("12"), "12", "grade: 12 is 12");
	CHECK_STR(grade_code("13"), "13", "grade: 13 is 13");
	CHECK_STR(grade_code("14"), NULL, "grade: 14 is not a grade");
	CHECK_STR(grade_code("99"), NULL, "grade: 99 is not a grade");
	CHECK_STR(grade_code("PreKindergarten"), "PK",
		  "grade: PreKindergarten is PK");
	CHECK_STR(grade_code("InfantToddler"), "IT",
		  "grade: InfantToddler is IT");
	CHECK_STR(grade_code("Ungraded"), "UG", "grade: Ungraded is UG");
	CHECK_STR(grade_code("Other"), "Other", "grade: Other is Other");
	CHECK_STR(grade_code(""), NULL, "grade: empty is NULL");
	CHECK_STR(grade_code("K-5"), NULL, "grade: K-5 is NULL");
	CHECK_STR(grade_code("1a"), NULL, "grade: 1a is NULL");
	CHECK_STR(grade_code("001"), NULL, "grade: three digits is NULL");
	CHECK_STR(grade_code("-1"), NULL, "grade: -1 is NULL");
	CHECK_STR(grade_code(" 9"), NULL, "grade: leading space is NULL");
}

static void test_role_code(void)
{
	CHECK_STR(role_code("parent"), "guardian", "role: parent is guardian");
	CHECK_STR(role_code("relative"), "guardian",
		  "role: relative is guardian");
	CHECK_STR(role_code("guardian"), "guardian",
		  "role: guardian is guardian");
	CHECK_STR(role_code("districtAdministrator"), "administrator",
		  "role: districtAdministrator is administrator");
	CHECK_STR(role_code("proctor"), "staff", "role: proctor is staff");
	CHECK_STR(role_code("Student"), "student",
		  "role: Student (any case) is student");
	CHECK_STR(role_code("TEACHER"), "teacher",
		  "role: TEACHER (any case) is teacher");
	CHECK_STR(role_code("wizard"), NULL, "role: wizard is NULL");
	CHECK_STR(role_code(""), NULL, "role: empty is NULL");
}

static void test_valid_date(void)
{
	CHECK(valid_date("2025-01-31"), "date: 2025-01-31 valid");
	CHECK(valid_date("2024-02-29"), "date: 2024-02-29 valid (leap)");
	CHECK(!valid_date("2025-02-29"), "date: 2025-02-29 invalid");
	CHECK(!valid_date("1900-02-29"),
	      "date: 1900-02-29 invalid (century not leap)");
	CHECK(valid_date("2000-02-29"),
	      "date: 2000-02-29 valid (400-year leap)");
	CHECK(!valid_date("2025-04-31"), "date: 2025-04-31 invalid");
	CHECK(!valid_date("2025-13-01"), "date: month 13 invalid");
	CHECK(!valid_date("2025-00-10"), "date: month 0 invalid");
	CHECK(!valid_date("2025-01-00"), "date: day 0 invalid");
	CHECK(!valid_date("2025-1-01"), "date: one-digit month invalid");
	CHECK(!valid_date("2025-01-01x"), "date: trailing character invalid");
	CHECK(!valid_date("2025-01-01T00:00:00Z"),
	      "date: a date-time is not a date");
	CHECK(!valid_date("2025/01/01"), "date: slashes invalid");
	CHECK(!valid_date(""), "date: empty invalid");
}

static void test_utc_datetime(void)
{
	char out[32];

	memset(out, 0, sizeof out);
	CHECK(utc_datetime("2025-01-31T17:05:00.000Z", out),
	      "datetime: fraction and Z accepted");
	CHECK_STR(out, "2025-01-31T17:05:00Z", "datetime: fraction dropped");

	CHECK(utc_datetime("2025-01-31", out), "datetime: bare date accepted");
	CHECK_STR(out, "2025-01-31T00:00:00Z", "datetime: bare date midnight");

	CHECK(utc_datetime("2025-01-31T23:30:00-02:00", out),
	      "datetime: negative offset accepted");
	CHECK_STR(out, "2025-02-01T01:30:00Z",
		  "datetime: -02:00 crosses into the next day");

	CHECK(utc_datetime("2025-03-01T01:00:00+05:30", out),
	      "datetime: positive offset with minutes accepted");
	CHECK_STR(out, "2025-02-28T19:30:00Z",
		  "datetime: +05:30 crosses back into February");

	CHECK(utc_datetime("2025-01-31T17:05Z", out),
	      "datetime: no seconds accepted");
	CHECK_STR(out, "2025-01-31T17:05:00Z", "datetime: no seconds is :00");

	CHECK(utc_datetime("2025-01-31T17:05:00", out),
	      "datetime: no offset accepted");
	CHECK_STR(out, "2025-01-31T17:05:00Z", "datetime: no offset is UTC");

	/* ISO 8601 basic-format offset: 17:05 at +05:30 is 11:35 UTC. */
	memset(out, 0, sizeof out);
	utc_datetime("2025-01-31T17:05:00+0530", out);
	CHECK_STR(out, "2025-01-31T11:35:00Z",
		  "datetime: basic-format offset +0530");

	CHECK(!utc_datetime("1/05/2023", out), "datetime: 1/05/2023 rejected");
	CHECK(!utc_datetime("2025-01-31T25:00:00Z", out),
	      "datetime: hour 25 rejected");
	CHECK(!utc_datetime("2025-01-31T17:60:00Z", out),
	      "datetime: minute 60 rejected");
	CHECK(!utc_datetime("2025-02-30T10:00:00Z", out),
	      "datetime: February 30 rejected");
	CHECK(!utc_datetime("2025-01-31T17:05:00Zjunk", out),
	      "datetime: trailing junk rejected");
	CHECK(!utc_datetime("2025-01-31T17:05:00.Z", out),
	      "datetime: empty fraction rejected");
	CHECK(!utc_datetime("", out), "datetime: empty rejected");
}

static void test_us_date(void)
{
	char out[16];

	memset(out, 0, sizeof out);
	CHECK(us_date("3/14/2012", out), "us_date: 3/14/2012 accepted");
	CHECK_STR(out, "2012-03-14", "us_date: 3/14/2012 is 2012-03-14");
	CHECK(us_date("12/01/1999", out), "us_date: 12/01/1999 accepted");
	CHECK_STR(out, "1999-12-01", "us_date: 12/01/1999 is 1999-12-01");
	CHECK(us_date("2/29/2000", out), "us_date: 2/29/2000 accepted (leap)");
	CHECK(!us_date("2/30/2012", out), "us_date: 2/30/2012 rejected");
	CHECK(!us_date("3/14/12", out), "us_date: two-digit year rejected");
	CHECK(!us_date("13/01/2012", out), "us_date: month 13 rejected");
	CHECK(!us_date("3/14/2012x", out), "us_date: trailing junk rejected");
	CHECK(!us_date("2012-03-14", out), "us_date: ISO date rejected");
}

static void test_parse_bool(void)
{
	CHECK(parse_bool("true") == 1, "bool: true is 1");
	CHECK(parse_bool("TRUE") == 1, "bool: TRUE is 1");
	CHECK(parse_bool("1") == 1, "bool: 1 is 1");
	CHECK(parse_bool("Y") == 1, "bool: Y is 1");
	CHECK(parse_bool("yes") == 1, "bool: yes is 1");
	CHECK(parse_bool("false") == 0, "bool: false is 0");
	CHECK(parse_bool("0") == 0, "bool: 0 is 0");
	CHECK(parse_bool("N") == 0, "bool: N is 0");
	CHECK(parse_bool("no") == 0, "bool: no is 0");
	CHECK(parse_bool("maybe") == -1, "bool: maybe is -1");
	CHECK(parse_bool("") == -1, "bool: empty is -1");
}

static void test_email(void)
{
	char buf[] = " Ana.Reyes@Students.NU1.example ";
	char *r = email_fold(buf);
	CHECK(r == buf, "email_fold: returns its argument");
	CHECK_STR(buf, "ana.reyes@students.nu1.example",
		  "email_fold: trimmed and lower-cased");
	char tabs[] = "\t\nX@Y\r\n";
	CHECK_STR(email_fold(tabs), "x@y", "email_fold: tabs and CRLF trimmed");
	char blank[] = "   ";
	CHECK_STR(email_fold(blank), "", "email_fold: blank becomes empty");

	CHECK(valid_email("a@b"), "valid_email: a@b valid");
	CHECK(valid_email("ana.reyes@students.nu1.example"),
	      "valid_email: dotted domain valid");
	CHECK(!valid_email("a@@b"), "valid_email: a@@b invalid");
	CHECK(!valid_email("@b"), "valid_email: @b invalid");
	CHECK(!valid_email("a@"), "valid_email: a@ invalid");
	CHECK(!valid_email("a b@c"), "valid_email: a b@c invalid");
	CHECK(!valid_email("a@.b"), "valid_email: a@.b invalid");
	CHECK(!valid_email("a@b."), "valid_email: a@b. invalid");
	CHECK(!valid_email("ab"), "valid_email: no @ invalid");
	CHECK(!valid_email(""), "valid_email: empty invalid");
}

static void test_school_year(void)
{
	char out[16];
	memset(out, 'x', sizeof out);
	school_year_ending(2026, out);
	CHECK_STR(out, "2025-2026", "school year ending 2026 is 2025-2026");
	school_year_ending(2000, out);
	CHECK_STR(out, "1999-2000", "school year ending 2000 is 1999-2000");
}

int main(void)
{
	test_grade_code();
	test_role_code();
	test_valid_date();
	test_utc_datetime();
	test_us_date();
	test_parse_bool();
	test_email();
	test_school_year();
	TEST_END();
}
