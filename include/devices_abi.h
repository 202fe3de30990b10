/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Device access policy shared by bpf/devices.bpf.c and user/devices/.
 * The rules live in two generations of DEV_RULES_MAX slots each: user space
 * writes the inactive one, then flips dev_policy_cfg.active with a single
 * 4-byte store, so a program never sees half a policy.
 */
#ifndef UEVSCOPE_DEVICES_ABI_H
#define UEVSCOPE_DEVICES_ABI_H

#ifndef __VMLINUX_H__ /* BPF programs get the __u types from vmlinux.h */
#include <linux/types.h>
#endif

#define DEV_RULES_MAX  128 /* rules per generation, over every scope */
#define DEV_SCOPES_MAX 64  /* cgroups with rules, one program attached to each */
#define DEV_PATH_MAX   240

/* Same values as the kernel's BPF_DEVCG_DEV_* and BPF_DEVCG_ACC_* (uapi/linux/bpf.h). */
#define DEV_TYPE_BLOCK 1
#define DEV_TYPE_CHAR  2
#define DEV_TYPE_ANY   (DEV_TYPE_BLOCK | DEV_TYPE_CHAR)
#define DEV_ACC_MKNOD  1
#define DEV_ACC_READ   2
#define DEV_ACC_WRITE  4
#define DEV_ACC_ALL    (DEV_ACC_MKNOD | DEV_ACC_READ | DEV_ACC_WRITE)

#define DEV_ANY (-1) /* major or minor wildcard */

/* One rule as the program reads it: 24 bytes, no padding. */
struct dev_rule_bpf {
	__u64 cgroup_id; /* scope: the cgroup whose program applies this rule */
	__s32 major;	 /* DEV_ANY = any */
	__s32 minor;	 /* DEV_ANY = any */
	__u16 types;	 /* DEV_TYPE_* bits the rule matches */
	__u16 access;	 /* DEV_ACC_* bits */
	__u32 allow;	 /* 1 allow, 0 deny */
};

/* The one entry of the "policy_cfg" map. */
struct dev_policy_cfg {
	__u32 active;	  /* generation the programs read: 0 or 1 */
	__u32 nrules[2];  /* rules in each generation */
	__u32 generation; /* bumped on every replace, for list */
};

/* Per-CPU, per rule slot ([gen * DEV_RULES_MAX + i]); plus one per program for errors. */
struct dev_counter {
	__u64 allowed;
	__u64 denied;
};

/* "scopes" map value, keyed by cgroup id: the path the user gave, for list. */
struct dev_scope {
	char path[DEV_PATH_MAX];
	__u64 cgroup_id;
};

#endif /* UEVSCOPE_DEVICES_ABI_H */
