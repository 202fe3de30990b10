// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * In-kernel aggregation for `uevscope report` and `uevscope top`: per netns,
 * per netns x SUBSYSTEM x ACTION, per socket and per SEQNUM counts in per-CPU
 * maps, read by the loader every interval. Nothing goes through a ring buffer.
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

#define EEXIST 17
#define ESRCH  3

/* Set by the loader: an emission tier is attached, so deliveries have a start time. */
const volatile bool emission_traced = false;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, REPORT_MAX_NETNS);
	__type(key, struct report_netns_key);
	__type(value, struct report_netns_val);
} netns_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, REPORT_MAX_SA);
	__type(key, struct report_sa_key);
	__type(value, __u64);
} sa_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, REPORT_MAX_SOCKS);
	__type(key, struct report_sock_key);
	__type(value, struct report_sock_val);
} sock_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, REPORT_MAX_FANOUT);
	__type(key, __u64); /* SEQNUM */
	__type(value, struct report_fanout);
} fanout SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, REPORT_MAX_NETNS);
	__type(key, struct report_netns_key);
	__type(value, struct report_emit_val);
} emit_stats SEC(".maps");

/* emit-to-delivery latency, ns, log2 slots. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, REPORT_HIST_SLOTS);
	__type(key, __u32);
	__type(value, __u64);
} latency SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, REP_CNT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} rep_counters SEC(".maps");

/* A netlink_broadcast() in progress, per task: its start and (for kretprobe) its socket. */
struct broadcast {
	__u64 ts_ns;
	struct sock *ssk;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct broadcast);
} broadcasts SEC(".maps");

static __always_inline void rep_count(__u32 idx)
{
	__u64 *val = bpf_map_lookup_elem(&rep_counters, &idx);

	if (val)
		*val += 1; /* per-CPU slot */
}

/* The entry for key, created zeroed if missing; NULL (counted in full_idx) when the map is full. */
static __always_inline void *lookup_or_init(void *map, const void *key, const void *zero,
					    __u32 full_idx)
{
	void *val = bpf_map_lookup_elem(map, key);
	long err;

	if (val)
		return val;
	err = bpf_map_update_elem(map, key, zero, BPF_NOEXIST);
	if (err && err != -EEXIST) {
		rep_count(full_idx);
		return NULL;
	}
	return bpf_map_lookup_elem(map, key);
}

static __always_inline __u32 log2_slot(__u64 v)
{
	__u32 slot = 0;

	if (v >> 32) {
		v >>= 32;
		slot += 32;
	}
	if (v >> 16) {
		v >>= 16;
		slot += 16;
	}
	if (v >> 8) {
		v >>= 8;
		slot += 8;
	}
	if (v >> 4) {
		v >>= 4;
		slot += 4;
	}
	if (v >> 2) {
		v >>= 2;
		slot += 2;
	}
	if (v >> 1)
		slot += 1;
	return slot < REPORT_HIST_SLOTS ? slot : REPORT_HIST_SLOTS - 1;
}

static __always_inline void count_fanout(__u64 seqnum, __u32 netns, bool injected, __u64 now)
{
	struct report_fanout *f = bpf_map_lookup_elem(&fanout, &seqnum);
	struct report_fanout first = {
	    .last_ts_ns = now, .netns = 1, .sockets = 1, .last_netns = netns, .injected = injected};
	long err;

	if (!f) {
		err = bpf_map_update_elem(&fanout, &seqnum, &first, BPF_NOEXIST);
		if (err && err != -EEXIST)
			rep_count(REP_CNT_FANOUT_FULL);
		return;
	}
	/* One task delivers one SEQNUM, netns after netns: no other writer. */
	f->sockets++;
	if (f->last_netns != netns) {
		f->netns++;
		f->last_netns = netns;
	}
	f->last_ts_ns = now;
}

static __always_inline int handle_delivery(struct sock *sk, const struct sk_buff *skb, bool direct)
{
	struct report_netns_val zero_netns = {}, *nv;
	struct report_sock_val zero_sock = {}, *sv;
	struct report_netns_key nk;
	struct report_sock_key sk_key;
	struct report_sa_key sa = {};
	struct parsed p = {};
	struct uev_skb_cb cb = {};
	const struct net *net;
	__u64 len = 0, zero = 0, *cnt, now = bpf_ktime_get_ns();
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct broadcast *bc;

	if (!skb)
		skb = uev_queued_skb(sk, direct);
	if (skb) {
		cb = uev_skb_cb(skb, direct);
		if (!cb.dst_group) {
			rep_count(REP_CNT_UNICAST);
			return 0;
		}
		len = UEV_LOAD(direct, skb, len);
		parse_payload(UEV_LOAD(direct, skb, data), len, &p);
		if (!p.seqnum)
			rep_count(REP_CNT_NO_SEQNUM);
	} else {
		rep_count(REP_CNT_NO_PAYLOAD);
	}
	rep_count(REP_CNT_DELIVERIES);
	net = UEV_LOAD(direct, sk, __sk_common.skc_net.net);
	nk.netns_ino = uev_net_inum(net, direct);
	nk.userns_ino = uev_net_owner_inum(net, direct);

	nv = lookup_or_init(&netns_stats, &nk, &zero_netns, REP_CNT_NETNS_FULL);
	if (nv) {
		nv->deliveries++;
		nv->bytes += len;
		nv->injected += cb.creds_pid != 0;
		nv->last_ts_ns = now;
	}

	sa.netns_ino = nk.netns_ino;
	sa.injected = cb.creds_pid != 0;
	__builtin_memcpy(sa.subsystem, p.subsystem, sizeof(sa.subsystem));
	__builtin_memcpy(sa.action, p.action, sizeof(sa.action));
	cnt = lookup_or_init(&sa_stats, &sa, &zero, REP_CNT_SA_FULL);
	if (cnt)
		*cnt += 1;

	sk_key.sock_ino = uev_sock_inode(sk, direct);
	sk_key.netns_ino = nk.netns_ino;
	sv = lookup_or_init(&sock_stats, &sk_key, &zero_sock, REP_CNT_SOCK_FULL);
	if (sv) {
		sv->deliveries++;
		sv->bytes += len;
		sv->last_ts_ns = now;
		sv->last_seqnum = p.seqnum;
	}

	if (p.seqnum)
		count_fanout(p.seqnum, nk.netns_ino, cb.creds_pid != 0, now);

	if (emission_traced) {
		bc = bpf_map_lookup_elem(&broadcasts, &tid);
		if (bc) {
			__u32 slot = log2_slot(now - bc->ts_ns);

			cnt = bpf_map_lookup_elem(&latency, &slot);
			if (cnt)
				*cnt += 1;
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
