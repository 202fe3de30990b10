/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fault points, for tests only: UEVSCOPE_FAULT=STEP[:kill|:fail|:stop] makes the
 * command SIGKILL itself (kill, the default), fail (fail) or SIGSTOP itself
 * until a SIGCONT (stop) as it reaches the named step of a policy change or an
 * attach/detach; UEVSCOPE_FAULT=trace prints each step it
 * reaches on stderr. Every step is listed in fault.c and in docs/tests.md.
 */
#ifndef UEVSCOPE_FAULT_H
#define UEVSCOPE_FAULT_H

/* 0 to go on (also after a stop), -EIO when the step is to fail; never returns when killed. */
int fault_point(const char *step);

#endif /* UEVSCOPE_FAULT_H */
