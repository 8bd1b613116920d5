/* lib/db: the same calls on SQLite and on PostgreSQL (RP_PG_URL names a
 * database the test may fill; tests/run-tests starts a throwaway server). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/db.h"
#include "harness.h"

static void on(db *d, const char *name)
{
	char what[128];
	snprintf(what, sizeof what, "%s: tables made", name);
	CHECK(db_exec(d, "DROP TABLE IF EXISTS t;"
			 " CREATE TABLE t(n BIGINT PRIMARY KEY, s TEXT, b INTEGER)") == 0, what);
	snprintf(what, sizeof what, "%s: table t exists, u does not", name);
	CHECK(db_table_exists(d, "t") == 1 && db_table_exists(d, "u") == 0, what);

	CHECK(db_exec(d, "BEGIN") == 0, "begin");
	db_stmt *ins = db_prepare(d, "INSERT INTO t(n, s, b) VALUES(?, ?, ?)"
				     " ON CONFLICT(n) DO UPDATE SET s = excluded.s, b = excluded.b");
	CHECK(ins != NULL, "upsert prepared");
	for (long long n = 1; n <= 50000; n++) {
		char s[32];
		snprintf(s, sizeof s, "row '%lld' ?", n);
		db_bind_int(ins, 1, n);
		db_bind_text(ins, 2, n % 7 ? s : NULL);
		db_bind_int(ins, 3, n % 2);
		if (db_step(ins) != DB_DONE)
			break;
		db_reset(ins);
	}
	db_bind_int(ins, 1, 3);
	db_bind_text(ins, 2, "three, replaced");
	db_bind_int(ins, 3, 1);
	snprintf(what, sizeof what, "%s: upsert replaces", name);
	CHECK(db_step(ins) == DB_DONE, what);
	db_finalize(ins);
	CHECK(db_exec(d, "COMMIT") == 0, "commit");

	db_stmt *one = db_prepare(d, "SELECT s, b, n IS NOT NULL FROM t WHERE n = ?1 OR n = ?1 + 0");
	db_bind_int(one, 1, 3);
	snprintf(what, sizeof what, "%s: a row by a numbered placeholder", name);
	CHECK(db_step(one) == DB_ROW, what);
	CHECK_STR(db_column_text(one, 0), "three, replaced", "text column");
	CHECK(db_column_int(one, 1) == 1 && db_column_int(one, 2) == 1, "integer and boolean columns");
	CHECK(db_step(one) == DB_DONE, "then done");
	db_reset(one);
	db_bind_int(one, 1, 14);
	CHECK(db_step(one) == DB_ROW && db_column_null(one, 0) && !db_column_text(one, 0),
	      "NULL text");
	db_finalize(one);

	/* a scan through the cursor, in batches, inside a transaction */
	CHECK(db_exec(d, "BEGIN") == 0, "read transaction");
	db_stmt *scan = db_prepare_scan(d, "SELECT n, s FROM t WHERE n > ? AND s <> '?' ORDER BY n");
	db_bind_int(scan, 1, 10);
	long long rows = 0, last = 0;
	int rc;
	while ((rc = db_step(scan)) == DB_ROW) {
		rows++;
		last = db_column_int(scan, 0);
	}
	snprintf(what, sizeof what, "%s: scan of every non-NULL row after 10", name);
	CHECK(rc == DB_DONE && last == 50000 && rows == 49990 - (50000 / 7 - 1), what);
	db_finalize(scan);
	CHECK(db_exec(d, "COMMIT") == 0, "end of read");

	db_stmt *bad = db_prepare(d, "SELECT nope FROM t");
	snprintf(what, sizeof what, "%s: an unknown column is an error with a message", name);
	CHECK(bad == NULL && strstr(db_errmsg(d), "nope") != NULL, what);
	CHECK(db_exec(d, "DROP TABLE t") == 0, "dropped");
}

int main(void)
{
	char err[1024];
	char path[] = "/tmp/rp-test-db-XXXXXX";
	int fd = mkstemp(path);
	CHECK(fd >= 0, "a temporary file for the SQLite store");
	if (fd >= 0) {
		close(fd);
		db *d = db_open(path, true, err, sizeof err);
		CHECK(d && db_kind(d) == DB_SQLITE, "sqlite opened");
		if (d)
			on(d, "sqlite");
		db_close(d);
		unlink(path);
	}
	err[0] = '\0';
	CHECK(!db_open("/nonexistent/dir/x.db", true, err, sizeof err),
	      "a SQLite file that cannot be made is refused");
	CHECK_STR(err, "unable to open database file",
		  "a SQLite file that cannot be made: SQLite's reason");
	CHECK(db_is_postgres("postgresql://h/db") && db_is_postgres("postgres://h") &&
		      !db_is_postgres("sqlite:x.db") && !db_is_postgres("x.db"),
	      "PostgreSQL targets are told by their scheme");

	/* a password never shows in a message: user:password@, ?password= */
	static const char *const shown[][2] = {
		{"postgresql://rp:s3cret@h:5432/db", "postgresql://rp@h:5432/db"},
		{"postgresql://rp@h/db?password=s3cret", "postgresql://rp@h/db"},
		{"postgres://h/db?connect_timeout=3&password=s3cret&sslmode=require",
		 "postgres://h/db?connect_timeout=3&sslmode=require"},
		{"postgresql://h/db?password=s3cret&password=again", "postgresql://h/db"},
		{"postgresql://h/db?pass%77ord=s3cret&application_name=x",
		 "postgresql://h/db?application_name=x"},
		{"postgresql://rp:a@b@h/db?password=", "postgresql://rp@h/db"},
		{"postgresql://h/db?passwordx=1&xpassword=2", "postgresql://h/db?passwordx=1&xpassword=2"},
		{"postgresql:///db?host=/run/pg&password=s3cret", "postgresql:///db?host=/run/pg"},
		{"postgresql://h?password=s3cret", "postgresql://h"},
		{"x.db", "x.db"},
	};
	for (size_t i = 0; i < sizeof shown / sizeof *shown; i++) {
		char name[256], what[300];
		db_display_name(shown[i][0], name, sizeof name);
		snprintf(what, sizeof what, "display name of %s", shown[i][0]);
		CHECK_STR(name, shown[i][1], what);
	}
	char small[12];
	db_display_name("postgresql://h/db?password=s3cret", small, sizeof small);
	CHECK_STR(small, "postgresql:", "a display name cut to its buffer, never past it");

	const char *url = getenv("RP_PG_URL");
	CHECK(url != NULL, "RP_PG_URL names the test server (tests/run-tests starts one)");
	if (url) {
		db *d = db_open(url, false, err, sizeof err);
		CHECK(d && db_kind(d) == DB_POSTGRES, "postgres opened");
		if (!d)
			printf("#   %s\n", err);
		else
			on(d, "postgres");
		db_close(d);
		CHECK(!db_open("postgresql://rp@127.0.0.1:1/none?connect_timeout=2", false, err, sizeof err) && *err,
		      "a server that is not there is refused with a reason");
	}
	TEST_END();
}
