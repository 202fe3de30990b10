/* SPDX-License-Identifier: GPL-2.0 */
/* Small reads from /proc and /sys that several subcommands need. */
#ifndef UEVSCOPE_PROCFS_H
#define UEVSCOPE_PROCFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The task's comm from /proc/PID/comm, or "" when it is gone. */
void proc_comm(uint32_t pid, char *comm, size_t len);

/*
 * /sys/kernel/uevent_seqnum: the kernel's count of uevents given a SEQNUM
 * since boot (kernel and injected ones alike). False when unreadable.
 */
bool read_uevent_seqnum(uint64_t *out);

#endif /* UEVSCOPE_PROCFS_H */
