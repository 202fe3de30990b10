/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* uevscope locks: timing each uevent broadcast (included by locks.bpf.c). */
#ifndef LOCKS_BCAST_BPF_H
#define LOCKS_BCAST_BPF_H

#include "locks_stat.bpf.h"

/*
 * The broadcast itself, where fentry or kprobes exist: netlink_broadcast()
 * on a uevent socket walks that namespace's listeners. An untagged uevent
 * calls it once per listening network namespace, under uevent_sock_mutex,
 * so its time is the hold time the waiters above pay for.
 */
#define NETLINK_KOBJECT_UEVENT 15

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, LOCKS_MAX_TASKS);
	__type(key, __u32);
	__type(value, __u64);
} bcast_start SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct locks_stat);
} bcast_stats SEC(".maps");

static __always_inline int bcast_enter(const struct sock *ssk)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u64 ts;

	if (BPF_CORE_READ(ssk, sk_protocol) != NETLINK_KOBJECT_UEVENT)
		return 0;
	ts = bpf_ktime_get_ns();
	if (bpf_map_update_elem(&bcast_start, &tid, &ts, BPF_ANY))
		count(LOCKS_CNT_BCAST_TASK_FULL);
	return 0;
}

static __always_inline int bcast_exit(void)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid(), zero = 0;
	struct locks_stat *st;
	__u64 *ts, delta;
	__s64 *busy_runs;
	__u32 gen;

	ts = bpf_map_lookup_elem(&bcast_start, &tid);
	if (!ts)
		return 0;
	delta = bpf_ktime_get_ns() - *ts;
	bpf_map_delete_elem(&bcast_start, &tid);
	busy_runs = gen_enter(&gen);
	if (!busy_runs)
		return 0;
	st = bpf_map_lookup_elem(&bcast_stats, &zero);
	if (st)
		stat_add(st, gen, delta, 0);
	gen_exit(busy_runs);
	return 0;
}

SEC("fentry/netlink_broadcast")
int BPF_PROG(bcast_fentry, struct sock *ssk)
{
	return bcast_enter(ssk);
}

SEC("fexit/netlink_broadcast")
int BPF_PROG(bcast_fexit, struct sock *ssk)
{
	return bcast_exit();
}

SEC("kprobe/netlink_broadcast")
int BPF_KPROBE(bcast_kprobe, struct sock *ssk)
{
	return bcast_enter(ssk);
}

SEC("kretprobe/netlink_broadcast")
int BPF_KRETPROBE(bcast_kretprobe)
{
	return bcast_exit();
}

#endif /* LOCKS_BCAST_BPF_H */
