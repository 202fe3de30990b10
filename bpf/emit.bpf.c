// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The emission path, hooked once: every netlink_broadcast() from a uevent
 * socket, for whichever job the loader switches on (user/lib/emit.c):
 * - records (trace): an EMISSION record (payload, target netns) at entry and
 *   an EMISSION_DONE record (result) at exit, from the same task, so the
 *   deliveries it caused fall in between; uevents which reach no listener
 *   (netlink_broadcast() returns -ESRCH) are seen too;
 * - report (report, top, export): broadcasts and broadcasts with no listener
 *   per netns, and the start that report.bpf.c's deliveries measure their
 *   latency from;
 * - timing (locks): the time of each broadcast, which an untagged uevent
 *   spends under uevent_sock_mutex once per listening netns.
 * Each job writes into the maps of its command's object, which the loader
 * shares with this one (bpf_map__reuse_fd()); the per-thread state of a
 * broadcast in progress is this object's (uev_broadcast.bpf.h).
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
#include "report.h"
#include "uev_record.bpf.h"
#include "uev_broadcast.bpf.h"
#include "locks_gen.bpf.h"

#define EEXIST 17
#define ESRCH  3

/* The jobs, set by the loader: each costs nothing when off (the verifier drops its code). */
const volatile bool job_records = false;
const volatile bool job_report = false;
const volatile bool job_timing = false;

/* records: only broadcasts into this netns (0: all). */
const volatile __u32 targ_netns = 0;

/* report: its maps (report.bpf.c), shared by the loader. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, REPORT_MAX_NETNS);
	__type(key, struct report_netns_key);
	__type(value, struct report_emit_val);
} emit_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, REP_CNT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} rep_counters SEC(".maps");

static __always_inline void rep_count(__u32 idx)
{
	__u64 *val = bpf_map_lookup_elem(&rep_counters, &idx);

	if (val)
		*val += 1; /* per-CPU slot */
}

static __always_inline void records_begin(struct sock *ssk, struct sk_buff *skb, bool direct)
{
	const struct net *net = UEV_LOAD(direct, ssk, __sk_common.skc_net.net);
	struct uev_payload payload;
	struct uev_record *rec;
	struct uev_skb_cb cb;
	__u32 netns;

	netns = uev_net_inum(net, direct);
	if (targ_netns && netns != targ_netns)
		return;
	uev_count(UEV_CNT_EMISSIONS);
	cb = uev_skb_cb(skb, direct);
	payload = uev_skb_payload(skb, direct);
	rec = uev_reserve(&payload);
	if (!rec) {
		uev_count(UEV_CNT_RINGBUF_FULL);
		return;
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
}

static __always_inline void records_end(struct sock *ssk, int ret, bool direct)
{
	struct uev_record rec = {};

	rec.netns_ino = uev_net_inum(UEV_LOAD(direct, ssk, __sk_common.skc_net.net), direct);
	if (targ_netns && rec.netns_ino != targ_netns)
		return;
	rec.ts_ns = bpf_ktime_get_ns();
	rec.kind = UEV_REC_EMISSION_DONE;
	rec.retval = ret;
	uev_fill_origin(&rec, direct);
	if (bpf_ringbuf_output(&events, &rec, sizeof(rec), 0))
		uev_count(UEV_CNT_RINGBUF_FULL);
}

static __always_inline void report_end(struct sock *ssk, int ret, bool direct)
{
	const struct net *net = UEV_LOAD(direct, ssk, __sk_common.skc_net.net);
	struct report_emit_val zero = {}, *ev;
	struct report_netns_key nk;
	long err;

	nk.netns_ino = uev_net_inum(net, direct);
	nk.userns_ino = uev_net_owner_inum(net, direct);
	ev = bpf_map_lookup_elem(&emit_stats, &nk);
	if (!ev) {
		err = bpf_map_update_elem(&emit_stats, &nk, &zero, BPF_NOEXIST);
		if (err && err != -EEXIST) {
			rep_count(REP_CNT_EMIT_FULL);
			return;
		}
		ev = bpf_map_lookup_elem(&emit_stats, &nk);
	}
	if (ev) {
		ev->broadcasts++;
		ev->no_listener += ret == -ESRCH;
	}
}

static __always_inline void timing_end(__u64 delta)
{
	struct locks_stat *st;
	__s64 *busy_runs;
	__u32 gen, zero = 0;

	busy_runs = gen_enter(&gen);
	if (!busy_runs)
		return;
	st = bpf_map_lookup_elem(&bcast_stats, &zero);
	if (st)
		stat_add(st, gen, delta, 0);
	gen_exit(busy_runs);
}

/*
 * Entry. The per-thread state is kept where a job needs the start (report,
 * timing) or the exit cannot see the socket (kretprobe).
 */
static __always_inline int broadcast_begin(struct sock *ssk, struct sk_buff *skb, bool direct)
{
	struct uev_broadcast bc = {.ssk = ssk};
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	if (UEV_LOAD(direct, ssk, sk_protocol) != NETLINK_KOBJECT_UEVENT)
		return 0;
	if (job_report || job_timing || !direct) {
		if (job_report || job_timing)
			bc.ts_ns = bpf_ktime_get_ns();
		if (bpf_map_update_elem(&broadcasts, &tid, &bc, BPF_ANY) && job_timing)
			count(LOCKS_CNT_BCAST_TASK_FULL);
	}
	if (job_report)
		rep_count(REP_CNT_EMISSIONS);
	if (job_records)
		records_begin(ssk, skb, direct);
	return 0;
}

/* Exit: ssk is NULL for a kretprobe, which takes it from the per-thread state. */
static __always_inline int broadcast_end(struct sock *ssk, int ret, bool direct)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct uev_broadcast *bc = NULL;
	__u64 start = 0;

	if (direct && UEV_LOAD(direct, ssk, sk_protocol) != NETLINK_KOBJECT_UEVENT)
		return 0;
	if (job_report || job_timing || !direct) {
		bc = bpf_map_lookup_elem(&broadcasts, &tid);
		if (bc) {
			start = bc->ts_ns;
			if (!direct)
				ssk = bc->ssk;
			bpf_map_delete_elem(&broadcasts, &tid);
		} else if (!direct) {
			return 0;
		}
	}
	if (job_timing && bc)
		timing_end(bpf_ktime_get_ns() - start);
	if (job_records)
		records_end(ssk, ret, direct);
	if (job_report)
		report_end(ssk, ret, direct);
	return 0;
}

SEC("fentry/netlink_broadcast")
int BPF_PROG(broadcast_fentry, struct sock *ssk, struct sk_buff *skb)
{
	return broadcast_begin(ssk, skb, true);
}

SEC("fexit/netlink_broadcast")
int BPF_PROG(broadcast_fexit, struct sock *ssk, struct sk_buff *skb, __u32 portid, __u32 group,
	     gfp_t allocation, int ret)
{
	return broadcast_end(ssk, ret, true);
}

SEC("kprobe/netlink_broadcast")
int BPF_KPROBE(broadcast_kprobe, struct sock *ssk, struct sk_buff *skb)
{
	return broadcast_begin(ssk, skb, false);
}

SEC("kretprobe/netlink_broadcast")
int BPF_KRETPROBE(broadcast_kretprobe, int ret)
{
	return broadcast_end(NULL, ret, false);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
