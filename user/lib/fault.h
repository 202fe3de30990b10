/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fault points, for tests only: UEVSCOPE_FAULT=STEP[:kill|:fail] makes the
 * command SIGKILL itself (kill, the default) or fail (fail) as it reaches the
 * named step of a policy change; UEVSCOPE_FAULT=trace prints each step it
 * reaches on stderr. Every step is listed in fault.c and in docs/tests.md.
 */
#ifndef UEVSCOPE_FAULT_H
#define UEVSCOPE_FAULT_H

/* 0 to go on, -EIO when the step is to fail; never returns when it is to be killed. */
int fault_point(const char *step);

#endif /* UEVSCOPE_FAULT_H */
