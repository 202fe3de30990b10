// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * In-kernel aggregation for `uevscope report` and `uevscope top`: per netns x
 * origin x SUBSYSTEM/ACTION, per socket and per SEQNUM counts in per-CPU
 * maps, read by the loader every interval (which sums the first into per-netns
 * totals). Nothing goes through a ring buffer. A delivery costs three hash
 * map operations (event, socket, fan-out); what depends only on the
 * broadcast (parse, interned name) is reused for its other sockets.
 *
 * Same attach tiers as trace (user/report_attach.c picks one with the probe
 * plans): sock:sk_data_ready as tp_btf or raw_tp, else fentry or kprobe on
 * __netlink_sendskb(); emission on netlink_broadcast() where the kernel
 * allows fentry/fexit or kprobes.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "uevscope.h"
#include "report.h"
#include "uev_access.bpf.h"
#include "report_parse.bpf.h"
#include "report_maps.bpf.h"
#include "report_names.bpf.h"

static __always_inline int handle_delivery(struct sock *sk, const struct sk_buff *skb, bool direct)
{
	struct report_sock_val zero_sock = {}, *sv;
	struct report_event_val zero_event = {}, *ev;
	struct report_event_key ek;
	struct report_sock_key sk_key;
	struct uev_skb_cb cb = {};
	const struct net *net;
	__u32 zero = 0;
	__u64 len = 0, *cnt, now = readout_ns;
	struct scratch *s = bpf_map_lookup_elem(&scratch, &zero);
	struct broadcast *bc;

	if (!s) /* never: a one-slot array */
		return 0;
	if (!skb)
		skb = uev_queued_skb(sk, direct);
	if (skb) {
		cb = uev_skb_cb(skb, direct);
		if (!cb.dst_group) {
			rep_count(REP_CNT_UNICAST);
			return 0;
		}
		len = UEV_LOAD(direct, skb, len);
		if (parse_payload(s, UEV_LOAD(direct, skb, data), len) || !s->p.name)
			s->p.name = intern_name(s);
		if (!s->p.seqnum)
			rep_count(REP_CNT_NO_SEQNUM);
	} else {
		rep_count(REP_CNT_NO_PAYLOAD);
		parse_payload(s, NULL, 0);
		s->p.name = intern_name(s);
	}
	rep_count(REP_CNT_DELIVERIES);
	net = UEV_LOAD(direct, sk, __sk_common.skc_net.net);
	ek.netns_ino = uev_net_inum(net, direct);
	ek.userns_ino = uev_net_owner_inum(net, direct);
	ek.name = s->p.name | (cb.creds_pid ? REPORT_NAME_INJECTED : 0);

	ev = lookup_or_init(&event_stats, &ek, &zero_event, REP_CNT_NETNS_FULL);
	if (ev) {
		ev->deliveries++;
		ev->bytes += len;
		ev->last_ts_ns = now;
	}

	sk_key.sock_ino = uev_sock_inode(sk, direct);
	sk_key.netns_ino = ek.netns_ino;
	sv = lookup_or_init(&sock_stats, &sk_key, &zero_sock, REP_CNT_SOCK_FULL);
	if (sv) {
		sv->deliveries++;
		sv->bytes += len;
		sv->last_ts_ns = now;
		sv->last_seqnum = s->p.seqnum;
	}

	if (s->p.seqnum)
		count_fanout(s, s->p.seqnum, ek.netns_ino, cb.creds_pid != 0, now);

	if (emission_traced) {
		__u32 tid = (__u32)bpf_get_current_pid_tgid();

		bc = bpf_map_lookup_elem(&broadcasts, &tid);
		if (bc) {
			__u64 delta = bpf_ktime_get_ns() - bc->ts_ns;
			__u32 slot = log2_slot(delta), sum_idx = REP_CNT_LATENCY_SUM_NS;

			cnt = bpf_map_lookup_elem(&latency, &slot);
			if (cnt)
				*cnt += 1;
			cnt = bpf_map_lookup_elem(&rep_counters, &sum_idx);
			if (cnt)
				*cnt += delta;
		} else {
			rep_count(REP_CNT_LATENCY_NOSTART);
		}
	}
	return 0;
}

/* Runs for every socket wake-up on the host: the family test must stay first and cheap. */
SEC("tp_btf/sk_data_ready")
int BPF_PROG(report_tp_btf, struct sock *sk)
{
	if (sk->__sk_common.skc_family != AF_NETLINK || sk->sk_protocol != NETLINK_KOBJECT_UEVENT)
		return 0;
	return handle_delivery(sk, NULL, true);
}

SEC("raw_tp/sk_data_ready")
int BPF_PROG(report_raw_tp, struct sock *sk)
{
	if (BPF_CORE_READ(sk, __sk_common.skc_family) != AF_NETLINK ||
	    BPF_CORE_READ(sk, sk_protocol) != NETLINK_KOBJECT_UEVENT)
		return 0;
	return handle_delivery(sk, NULL, false);
}

SEC("fentry/__netlink_sendskb")
int BPF_PROG(report_sendskb_fentry, struct sock *sk, struct sk_buff *skb)
{
	if (sk->sk_protocol != NETLINK_KOBJECT_UEVENT)
		return 0;
	return handle_delivery(sk, skb, true);
}

SEC("kprobe/__netlink_sendskb")
int BPF_KPROBE(report_sendskb_kprobe, struct sock *sk, struct sk_buff *skb)
{
	if (BPF_CORE_READ(sk, sk_protocol) != NETLINK_KOBJECT_UEVENT)
		return 0;
	return handle_delivery(sk, skb, false);
}

static __always_inline int broadcast_begin(struct sock *ssk, bool direct)
{
	struct broadcast bc = {.ts_ns = bpf_ktime_get_ns(), .ssk = ssk};
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	if (UEV_LOAD(direct, ssk, sk_protocol) != NETLINK_KOBJECT_UEVENT)
		return 0;
	rep_count(REP_CNT_EMISSIONS);
	bpf_map_update_elem(&broadcasts, &tid, &bc, BPF_ANY);
	return 0;
}

static __always_inline int broadcast_end(struct sock *ssk, int ret, bool direct)
{
	const struct net *net = UEV_LOAD(direct, ssk, __sk_common.skc_net.net);
	struct report_emit_val zero = {}, *ev;
	struct report_netns_key nk;
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	if (UEV_LOAD(direct, ssk, sk_protocol) != NETLINK_KOBJECT_UEVENT)
		return 0;
	bpf_map_delete_elem(&broadcasts, &tid);
	nk.netns_ino = uev_net_inum(net, direct);
	nk.userns_ino = uev_net_owner_inum(net, direct);
	ev = lookup_or_init(&emit_stats, &nk, &zero, REP_CNT_EMIT_FULL);
	if (ev) {
		ev->broadcasts++;
		ev->no_listener += ret == -ESRCH;
	}
	return 0;
}

SEC("fentry/netlink_broadcast")
int BPF_PROG(report_bcast_fentry, struct sock *ssk)
{
	return broadcast_begin(ssk, true);
}

SEC("fexit/netlink_broadcast")
int BPF_PROG(report_bcast_fexit, struct sock *ssk, struct sk_buff *skb, __u32 portid, __u32 group,
	     gfp_t allocation, int ret)
{
	return broadcast_end(ssk, ret, true);
}

SEC("kprobe/netlink_broadcast")
int BPF_KPROBE(report_bcast_kprobe, struct sock *ssk)
{
	return broadcast_begin(ssk, false);
}

/* kretprobes do not see the arguments: the socket was kept at entry. */
SEC("kretprobe/netlink_broadcast")
int BPF_KRETPROBE(report_bcast_kretprobe, int ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct broadcast *bc = bpf_map_lookup_elem(&broadcasts, &tid);

	if (!bc)
		return 0;
	return broadcast_end(bc->ssk, ret, false);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
