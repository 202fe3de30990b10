// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Emission tracing: every netlink_broadcast() from a uevent socket, so that
 * uevents which reach no listener (netlink_broadcast() returns -ESRCH) are
 * seen too. Each broadcast gives an EMISSION record (payload, target netns)
 * at entry and an EMISSION_DONE record (result) at exit, from the same task:
 * the deliveries it caused fall in between.
 *
 * Tiers: fentry+fexit, then kprobe+kretprobe. Neither loads on a kernel in
 * lockdown, where the loader says emission is not traceable.
 * kobject_uevent_env() itself is not a target: fentry refuses it (EBUSY)
 * on the kernels we tried, and broadcast is where the netns is known.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "uevscope.h"
#include "uev_record.bpf.h"

const volatile __u32 targ_netns = 0;

static __always_inline int emission_begin(struct sock *ssk, struct sk_buff *skb, bool direct)
{
	const struct net *net = UEV_LOAD(direct, ssk, __sk_common.skc_net.net);
	struct uev_payload payload;
	struct uev_record *rec;
	struct uev_skb_cb cb;
	__u32 netns;

	if (UEV_LOAD(direct, ssk, sk_protocol) != NETLINK_KOBJECT_UEVENT)
		return 0;
	netns = uev_net_inum(net, direct);
	if (targ_netns && netns != targ_netns)
		return 0;
	uev_count(UEV_CNT_EMISSIONS);
	cb = uev_skb_cb(skb, direct);
	payload = uev_skb_payload(skb, direct);
	rec = uev_reserve(&payload);
	if (!rec) {
		uev_count(UEV_CNT_RINGBUF_FULL);
		return 0;
	}
	uev_fill_common(rec, UEV_REC_EMISSION, &cb, direct);
	rec->netns_ino = netns;
	rec->userns_ino = uev_net_owner_inum(net, direct);
	rec->cgroup_id = 0;
	rec->sock_ino = 0;
	rec->portid = 0;
	rec->sk_drops = 0;
	rec->rmem_alloc = 0;
	rec->rcvbuf = 0;
	uev_submit(rec);
	return 0;
}

static __always_inline int emission_end(struct sock *ssk, int ret, bool direct)
{
	struct uev_record rec = {};

	if (UEV_LOAD(direct, ssk, sk_protocol) != NETLINK_KOBJECT_UEVENT)
		return 0;
	rec.netns_ino = uev_net_inum(UEV_LOAD(direct, ssk, __sk_common.skc_net.net), direct);
	if (targ_netns && rec.netns_ino != targ_netns)
		return 0;
	rec.ts_ns = bpf_ktime_get_ns();
	rec.kind = UEV_REC_EMISSION_DONE;
	rec.retval = ret;
	uev_fill_origin(&rec, direct);
	if (bpf_ringbuf_output(&events, &rec, sizeof(rec), 0))
		uev_count(UEV_CNT_RINGBUF_FULL);
	return 0;
}

SEC("fentry/netlink_broadcast")
int BPF_PROG(broadcast_fentry, struct sock *ssk, struct sk_buff *skb)
{
	return emission_begin(ssk, skb, true);
}

SEC("fexit/netlink_broadcast")
int BPF_PROG(broadcast_fexit, struct sock *ssk, struct sk_buff *skb, __u32 portid, __u32 group,
	     gfp_t allocation, int ret)
{
	return emission_end(ssk, ret, true);
}

/* kretprobes do not see the arguments: remember the socket per task at entry. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct sock *);
} pending SEC(".maps");

SEC("kprobe/netlink_broadcast")
int BPF_KPROBE(broadcast_kprobe, struct sock *ssk, struct sk_buff *skb)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	if (BPF_CORE_READ(ssk, sk_protocol) != NETLINK_KOBJECT_UEVENT)
		return 0;
	bpf_map_update_elem(&pending, &tid, &ssk, BPF_ANY);
	return emission_begin(ssk, skb, false);
}

SEC("kretprobe/netlink_broadcast")
int BPF_KRETPROBE(broadcast_kretprobe, int ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct sock **ssk = bpf_map_lookup_elem(&pending, &tid);

	if (!ssk)
		return 0;
	emission_end(*ssk, ret, false);
	bpf_map_delete_elem(&pending, &tid);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
