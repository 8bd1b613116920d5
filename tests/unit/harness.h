#ifndef RP_TEST_HARNESS_H
#define RP_TEST_HARNESS_H

/*
 * A TAP harness for the C unit tests: each CHECK prints "ok N - what" or
 * "not ok N - what (file:line)", and TEST_END prints "N passed, N failed"
 * and returns non-zero when anything failed. CHECK_RUNS checks that a
 * statement returns at all (for "f(NULL) is a no-op"). tests/run-tests
 * counts a binary that dies before TEST_END as a failure.
 */
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static int t_passed, t_failed;

#define CHECK(cond, what)                                                   \
	do {                                                                \
		if (cond) {                                                 \
			t_passed++;                                         \
			printf("ok %d - %s\n", t_passed + t_failed, what);  \
		} else {                                                    \
			t_failed++;                                         \
			printf("not ok %d - %s (%s:%d)\n", t_passed + t_failed, \
			       what, __FILE__, __LINE__);                   \
		}                                                           \
	} while (0)

#define CHECK_STR(got, want, what)                                          \
	do {                                                                \
		const char *g_ = (got), *w_ = (want);                       \
		int same_ = g_ && w_ ? strcmp(g_, w_) == 0 : g_ == w_;      \
		CHECK(same_, what);                                         \
		if (!same_)                                                 \
			printf("#   got  \"%s\"\n#   want \"%s\"\n",          \
			       g_ ? g_ : "(null)", w_ ? w_ : "(null)");     \
	} while (0)

/*
 * The statement runs in a child process, which must exit normally: a crash,
 * or a sanitizer report (an abort or exit status 1), fails the check.
 */
#define CHECK_RUNS(stmt, what)                                              \
	do {                                                                \
		fflush(stdout);                                             \
		pid_t pid_ = fork();                                        \
		if (pid_ == 0) {                                            \
			stmt;                                               \
			_exit(0);                                           \
		}                                                           \
		int st_ = -1;                                               \
		CHECK(pid_ > 0 && waitpid(pid_, &st_, 0) == pid_ &&         \
			      WIFEXITED(st_) && WEXITSTATUS(st_) == 0,      \
		      what);                                                \
	} while (0)

#define TEST_END()                                                          \
	do {                                                                \
		printf("%d passed, %d failed\n", t_passed, t_failed);       \
		return t_failed != 0;                                       \
	} while (0)

#endif
