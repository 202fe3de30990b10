/* SPDX-License-Identifier: GPL-2.0 */
/* Small reads from /proc/PID that several subcommands need. */
#ifndef UEVSCOPE_PROCFS_H
#define UEVSCOPE_PROCFS_H

#include <stddef.h>
#include <stdint.h>

/* The task's comm from /proc/PID/comm, or "" when it is gone. */
void proc_comm(uint32_t pid, char *comm, size_t len);

#endif /* UEVSCOPE_PROCFS_H */
