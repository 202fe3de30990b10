/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The one commit point of the whole policy, shared by bpf/filter.bpf.c and
 * bpf/devices.bpf.c: the "ucommit" array map, pinned at
 * /sys/fs/bpf/uevscope/ucommit. Both the filter rules and the device rules
 * live in two generations; both programs read the generation named by
 * ucommit.active. A change writes every rule of the other generation (its own
 * new rules, a copy of the rest), then flips active with one map write, so
 * the filter and device rules of one policy come into force together.
 */
#ifndef UEVSCOPE_COMMIT_H
#define UEVSCOPE_COMMIT_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

enum commit_state {
	COMMIT_IDLE = 0,    /* nothing under way */
	COMMIT_WRITING = 1, /* the inactive generation is being written */
	COMMIT_CLEANING = 2 /* flipped; what only the old generation used is being removed */
};

/* The one entry of "ucommit": 24 bytes, no padding. */
struct uev_commit {
	__u32 active; /* generation both programs read: 0 or 1 */
	__u32 state;  /* enum commit_state */
	__u32 pid;    /* the process that set state */
	__u32 reserved;
	__u64 serial; /* commits so far */
};

#endif /* UEVSCOPE_COMMIT_H */
