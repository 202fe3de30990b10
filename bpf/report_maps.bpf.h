/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The maps and configuration of bpf/report.bpf.c, and the small helpers that
 * count into them; the loader reads them through user/report_model.c.
 */
#ifndef REPORT_MAPS_BPF_H
#define REPORT_MAPS_BPF_H

#include "uev_log2.bpf.h"

#define EEXIST 17
#define ESRCH  3
#define ENOENT 2
#define E2BIG  7

/* Set by the loader: an emission tier is attached, so deliveries have a start time. */
const volatile bool emission_traced = false;

/*
 * The time stamp of deliveries: CLOCK_MONOTONIC ns of the loader's latest
 * readout, which it writes here. A delivery stamped T happened after the
 * readout at T and before the next one: enough for "last seen" and for the
 * fan-out's settle time (report_model.c), and one load where
 * bpf_ktime_get_ns() costs about 90 ns on a kvm-clock guest
 * (bpf_ktime_get_coarse_ns() is refused to tracing programs).
 */
volatile __u64 readout_ns = 0;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, REPORT_MAX_EVENTS);
	__type(key, struct report_event_key);
	__type(value, struct report_event_val);
} event_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, REPORT_MAX_NAMES);
	__type(key, struct report_name);
	__type(value, __u32);
} names SEC(".maps");

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
	__u32 slot = uev_log2(v);

	return slot < REPORT_HIST_SLOTS ? slot : REPORT_HIST_SLOTS - 1;
}

#endif /* REPORT_MAPS_BPF_H */
