// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Delivery tracing: one record per uevent queued on a listening
 * NETLINK_KOBJECT_UEVENT socket, tagged with the receiving socket's network
 * namespace, its owner, cgroup and the sending task.
 *
 * Tiers, picked by the loader (user/trace/trace_attach.c): the sock:sk_data_ready
 * tracepoint as tp_btf, then raw_tp (both fire right after
 * __netlink_sendskb() queued the skb), then fentry and kprobe on
 * __netlink_sendskb() itself for kernels without that tracepoint (< 6.4),
 * then fentry and kprobe on sock_def_readable(), the tracepoint's own
 * function, where __netlink_sendskb() is inlined (5.10).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "uevscope.h"
#include "uev_cgroup.bpf.h"
#include "uev_delivery.bpf.h"
#include "uev_record.bpf.h"

/* In-kernel filters, so that what the user filtered out costs no ring buffer traffic. */
const volatile __u32 targ_netns = 0;
const volatile __u64 targ_cgroup_id = 0;
const volatile __s32 targ_cgroup_level = -1;

static __always_inline bool sk_in_target_cgroup(const struct sock *sk, bool direct)
{
	int level = uev_sk_cgroup_level(sk, direct);

	/* The ancestors hold every level from the root down to cg itself. */
	if (targ_cgroup_level < 0 || level < targ_cgroup_level || targ_cgroup_level > 255)
		return false;
	return uev_sk_cgroup_ancestor_id(sk, targ_cgroup_level, direct) == targ_cgroup_id;
}

/* skb is the uevent being queued, or NULL to take it from the receive queue (uev_access.bpf.h). */
static __always_inline int handle_delivery(struct sock *sk, const struct sk_buff *skb, bool direct)
{
	struct uev_payload payload = {};
	struct uev_delivered d = {};
	struct uev_record *rec;
	const struct net *net;
	bool have;
	__u32 netns;

	have = uev_read_delivered(sk, skb, direct, &d);
	if (have) {
		/* An ack to an injector: counted, not traced. */
		if (!d.cb.dst_group) {
			uev_count(UEV_CNT_UNICAST);
			return 0;
		}
		payload = uev_payload_of(d.data, d.len);
	}

	net = UEV_LOAD(direct, sk, __sk_common.skc_net.net);
	netns = uev_net_inum(net, direct);
	if ((targ_netns && netns != targ_netns) ||
	    (targ_cgroup_id && !sk_in_target_cgroup(sk, direct))) {
		uev_count(UEV_CNT_FILTERED);
		return 0;
	}
	uev_count(UEV_CNT_DELIVERIES);
	if (!have) {
		payload.flags = UEV_F_NO_PAYLOAD;
		uev_count(UEV_CNT_NO_PAYLOAD);
	}
	rec = uev_reserve(&payload);
	if (!rec) {
		uev_count(UEV_CNT_RINGBUF_FULL);
		return 0;
	}
	uev_fill_common(rec, UEV_REC_DELIVERY, &d.cb, direct);
	rec->netns_ino = netns;
	rec->userns_ino = uev_net_owner_inum(net, direct);
	rec->cgroup_id = uev_sk_cgroup_id(sk, direct);
	rec->sock_ino = uev_sock_inode(sk, direct);
	/* The netlink_sock cast reaches past what the verifier knows sk as: a probe read. */
	rec->portid = BPF_CORE_READ((struct netlink_sock *)sk, portid);
	rec->sk_drops = UEV_LOAD(direct, sk, sk_drops.counter);
	rec->rmem_alloc = UEV_LOAD(direct, sk, sk_backlog.rmem_alloc.counter);
	rec->rcvbuf = UEV_LOAD(direct, sk, sk_rcvbuf);
	uev_submit(rec);
	return 0;
}

/* The six delivery tiers, gated (uev_delivery.bpf.h). */
UEV_DELIVERY_PROGRAMS(sk_data_ready_btf, sk_data_ready_raw, netlink_sendskb_fentry,
		      netlink_sendskb_kprobe, sock_def_readable_fentry, sock_def_readable_kprobe,
		      handle_delivery)

char LICENSE[] SEC("license") = "Dual BSD/GPL";
