/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Map keys and values of the in-kernel aggregation behind `uevscope report`
 * and `uevscope top` (bpf/report.bpf.c). Fixed-width fields, no hidden
 * padding: 8-byte fields first, every struct a multiple of its alignment.
 */
#ifndef UEVSCOPE_REPORT_H
#define UEVSCOPE_REPORT_H

#define REPORT_SUBSYS_LEN 24
#define REPORT_ACTION_LEN 16
#define REPORT_HIST_SLOTS 32 /* log2 buckets: slot i counts values in [2^i, 2^(i+1)) */

/* Map sizes; the loader may change them before load. A full map is counted, not silent. */
#define REPORT_MAX_NETNS  1024 /* emission */
#define REPORT_MAX_EVENTS 4096 /* netns x origin x SUBSYSTEM/ACTION */
#define REPORT_MAX_NAMES  1024 /* distinct SUBSYSTEM/ACTION pairs */
#define REPORT_MAX_SOCKS  4096
#define REPORT_MAX_FANOUT 16384 /* ring records per CPU, a power of 2 */

/* Per network namespace of an emission (per-CPU hash). */
struct report_netns_key {
	__u32 netns_ino;
	__u32 userns_ino; /* owner of netns_ino */
};

/*
 * A SUBSYSTEM/ACTION pair, interned once (plain hash of name -> id), so
 * that the per-delivery key below stays small: the kernel hashes the whole
 * key on every lookup, at a cost that grows with its length.
 */
struct report_name {
	char subsystem[REPORT_SUBSYS_LEN];
	char action[REPORT_ACTION_LEN];
};

#define REPORT_NAME_NONE     0		/* the names map was full: netns totals only */
#define REPORT_NAME_INJECTED 0x80000000 /* in report_event_key.name: sent by a process */

/*
 * Per netns x origin x SUBSYSTEM/ACTION (per-CPU hash): the one map every
 * delivery updates besides its socket's. Per-netns totals are its sums,
 * made by the loader. 12 bytes: no padding, the kernel hashes 12 bytes at
 * a time.
 */
struct report_event_key {
	__u32 netns_ino;
	__u32 userns_ino; /* owner of netns_ino */
	__u32 name;	  /* id from the names map | REPORT_NAME_INJECTED */
};

struct report_event_val {
	__u64 deliveries; /* uevents queued on a socket in this netns */
	__u64 bytes;	  /* their payload bytes */
	__u64 last_ts_ns; /* readout_ns (report.bpf.c) at the last one on this CPU */
};

/* Per receiving socket (per-CPU hash). */
struct report_sock_key {
	__u32 sock_ino;
	__u32 netns_ino;
};

struct report_sock_val {
	__u64 deliveries;
	__u64 bytes;
	__u64 last_ts_ns;
	__u64 last_seqnum;
};

/*
 * Fan-out without a map insert per SEQNUM. One broadcast's deliveries into
 * one netns come in a row on one CPU (netlink_broadcast()'s socket loop runs
 * with preemption disabled), so each CPU keeps the SEQNUM it is delivering
 * and its counts in a per-CPU slot (struct report_fanout_cpu) and, when a
 * delivery of another SEQNUM arrives there, pushes the finished one into its
 * part of a ring (struct report_fanout_rec, an mmap-able array). A broadcast
 * may move to another CPU between namespaces: the loader merges the parts by
 * SEQNUM (user/report/report_fanout.c). A record overwritten before the
 * loader read it is counted (fanout_map_full).
 *
 * The loader reads both while other CPUs write them. BPF has no store
 * barrier on every kernel of the matrix (store-release arrived in 6.15, the
 * fully ordered atomics need 5.12 and -mcpu=v3), so on a weakly ordered CPU
 * (arm64) the stores of one record or slot may become visible in any order.
 * Each carries a check over its fields instead (report_fanout_check()): the
 * loader uses a record or slot only when the check matches what it read. A
 * mix of two writes passes only if 32 bits of hash collide (1 in 2^32).
 */
struct report_fanout_cpu {
	__u64 seqnum; /* being delivered on this CPU, 0: none yet */
	__u32 netns;  /* namespaces reached so far on this CPU */
	__u32 sockets;
	__u32 last_netns;
	__u32 check;	  /* report_fanout_check((__u32)head, netns, sockets, seqnum, last_ts_ns) */
	__u64 last_ts_ns; /* readout_ns at its latest delivery here */
	__u64 head;	  /* records this CPU pushed into its ring */
};

/*
 * One finished part, at position p of its CPU's ring: pos = p + 1, so that
 * a record of an older lap (or never written) does not pass for it, and
 * check = report_fanout_check(pos, netns, sockets, seqnum, last_ts_ns).
 */
struct report_fanout_rec {
	__u32 pos;
	__u32 netns;
	__u64 seqnum;
	__u64 last_ts_ns;
	__u32 sockets;
	__u32 check;
};

/*
 * Multiply-xor rounds: each is a bijection of h for a fixed field and of the
 * field for a fixed h, so the 64-bit result changes with any one field; the
 * high half is kept. The first constant makes an all-zero record fail.
 */
static inline __attribute__((always_inline)) __u32
report_fanout_check(__u32 pos, __u32 netns, __u32 sockets, __u64 seqnum, __u64 ts)
{
	__u64 h = (((__u64)pos << 32 | netns) ^ 0x243f6a8885a308d3ULL) * 0x9e3779b97f4a7c15ULL;

	h = (h ^ seqnum) * 0xff51afd7ed558ccdULL;
	h = (h ^ ts) * 0xc4ceb9fe1a85ec53ULL;
	h = (h ^ sockets) * 0x9e3779b97f4a7c15ULL;
	return (__u32)(h >> 32);
}

/* Emission (netlink_broadcast() of a uevent into one netns), where traceable. */
struct report_emit_val {
	__u64 broadcasts;  /* netlink_broadcast() calls into this netns */
	__u64 no_listener; /* ... that returned -ESRCH: nobody there listened */
};

enum report_counter {
	REP_CNT_DELIVERIES,	 /* deliveries aggregated */
	REP_CNT_UNICAST,	 /* unicast skbs on uevent sockets (acks to injectors), skipped */
	REP_CNT_NO_PAYLOAD,	 /* skb gone before it was read: counted per netns, not parsed */
	REP_CNT_NO_SEQNUM,	 /* payload without SEQNUM=: not in the fan-out */
	REP_CNT_NETNS_FULL,	 /* event map full: delivery not counted per netns */
	REP_CNT_SA_FULL,	 /* names map full: counted per netns, not per SUBSYSTEM/ACTION */
	REP_CNT_SOCK_FULL,	 /* socket map full */
	REP_CNT_FANOUT_FULL,	 /* fan-out ring record overwritten unread (loader) */
	REP_CNT_EMIT_FULL,	 /* emission map full */
	REP_CNT_EMISSIONS,	 /* netlink_broadcast() calls on uevent sockets */
	REP_CNT_LATENCY_NOSTART, /* delivery without a traced broadcast start */
	REP_CNT_LATENCY_SUM_NS, /* sum of the latency histogram's values (its _sum when exported) */
	REP_CNT_MAX,
};

#endif /* UEVSCOPE_REPORT_H */
