#ifndef RP_CRASH_H
#define RP_CRASH_H

/*
 * Test hooks for the crash-safety tests. When the environment variable
 * named var holds N, the N-th call with that var kills the process with
 * SIGKILL (no cleanup, as kill -9 does), at a point fixed in advance rather
 * than by timing. Without the variable it does nothing.
 *   RP_CRASH_AFTER_OPS     apply, after each operation of the transaction
 *   RP_CRASH_AFTER_WRITES  archive-appointments, after each durable step
 */
void crash_point(const char *var);

#endif
