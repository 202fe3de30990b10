/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The filter policy's maps (pinned by name under /sys/fs/bpf/uevscope/filter/,
 * see user/filter_state.c) and the per-CPU scratch the evaluator works in.
 */
#ifndef FILTER_MAPS_BPF_H
#define FILTER_MAPS_BPF_H

#define AF_NETLINK	       16
#define NETLINK_KOBJECT_UEVENT 15
#define EPERM		       1
#define UEVENT_MAX	       2048 /* UEVENT_BUFFER_SIZE, include/linux/kobject.h */
#define BUF_MASK	       (FILTER_BUF_SIZE - 1)

/* Hides a value's known range from clang, so the masks the verifier needs stay in the code. */
#define hide_range(v) asm volatile("" : "+r"(v))

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct filter_config);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} fconfig SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2 * FILTER_MAX_RULES);
	__type(key, __u32);
	__type(value, struct filter_rule);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} frules SEC(".maps");

/* Created by user space for each rule id; the programs only look up. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 2 * FILTER_MAX_RULES);
	__type(key, __u32);
	__type(value, struct filter_rule_stats);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} fstats SEC(".maps");

/* Socket cookie -> facts recorded by user space when it attached. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct filter_sock_facts);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} fsocks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, FILTER_CNT_MAX);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} fcounters SEC(".maps");

/* The watcher's own numbers, for status; never touched by the programs. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct filter_watch_stats);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} fwatch SEC(".maps");

struct scratch {
	char buf[FILTER_BUF_SIZE];
	__u32 voff[FILTER_MAX_KEYS]; /* value of keys[k] at buf[voff], vlen bytes */
	__u32 vlen[FILTER_MAX_KEYS];
	__u32 seg_end[128]; /* MAX_SEGS */
	struct filter_sock_facts facts;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scratch);
} fscratch SEC(".maps");

struct eval_ctx {
	__u32 set; /* active rule set */
	__u32 nkeys;
	__u32 len;     /* uevent bytes in scratch.buf; buf[len] is a NUL we wrote */
	__u32 nsegs;   /* entries of scratch.seg_end */
	__u32 verdict; /* enum filter_action, 0 = no rule matched */
	__u32 found;   /* bit k: keys[k] seen; the first occurrence counts, as in trace -m */
};

static __always_inline void count(__u32 idx)
{
	__u64 *val = bpf_map_lookup_elem(&fcounters, &idx);

	if (val)
		*val += 1;
}

static __always_inline struct scratch *scratch(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&fscratch, &zero);
}

#endif /* FILTER_MAPS_BPF_H */
