// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The least a delivery program can cost, for bench/report-cost.sh: three
 * programs on the hook report and trace use here (tp_btf/sk_data_ready), each
 * doing less than any real tool can. Their rate ratios are the floor under
 * report's and trace's: no program on this hook measures better than
 * floor_empty, and no exact per-namespace count better than floor_netns.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#define AF_NETLINK	       16
#define NETLINK_KOBJECT_UEVENT 15

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} runs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32); /* netns inode */
	__type(value, __u64);
} per_netns SEC(".maps");

/* Attached and nothing else: the price of the hook itself. */
SEC("tp_btf/sk_data_ready")
int BPF_PROG(floor_empty, struct sock *sk)
{
	return 0;
}

/* One per-CPU counter: the cheapest count there is. */
SEC("tp_btf/sk_data_ready")
int BPF_PROG(floor_count, struct sock *sk)
{
	__u32 zero = 0;
	__u64 *val = bpf_map_lookup_elem(&runs, &zero);

	if (val)
		*val += 1;
	return 0;
}

/* Uevent deliveries per network namespace: the least an exact report must do. */
SEC("tp_btf/sk_data_ready")
int BPF_PROG(floor_netns, struct sock *sk)
{
	__u64 one = 1, *val;
	__u32 netns;

	if (sk->__sk_common.skc_family != AF_NETLINK || sk->sk_protocol != NETLINK_KOBJECT_UEVENT)
		return 0;
	netns = sk->__sk_common.skc_net.net->ns.inum;
	val = bpf_map_lookup_elem(&per_netns, &netns);
	if (val)
		*val += 1; /* per-CPU slot */
	else
		bpf_map_update_elem(&per_netns, &netns, &one, BPF_NOEXIST);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
