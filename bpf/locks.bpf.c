// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Lock contention, aggregated in the kernel: per lock and per (lock, kernel
 * stack) wait statistics with log2 histograms, and the contending tasks by
 * name and cgroup, per report generation (include/locks.h). User space
 * (user/locks/) only reads the maps.
 *
 * Tiers, picked by the loader: lock:contention_begin/end as tp_btf, then as
 * raw_tp; both call the same handlers. One optional job, loaded only where
 * the kernel allows it: netns churn (below). The time of each uevent
 * broadcast is the emission object's job (emit.bpf.c), which shares this
 * object's generations (locks_gen.bpf.h).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "locks.h"
#include "locks_gen.bpf.h"

/* Looks the key up, inserting zeros first if absent; NULL means the map is full. */
static __always_inline void *lookup_or_init(void *map, const void *key, const void *zero)
{
	void *val = bpf_map_lookup_elem(map, key);

	if (val)
		return val;
	bpf_map_update_elem(map, key, zero, BPF_NOEXIST);
	return bpf_map_lookup_elem(map, key);
}

/* Set by user space at run time once the lock of interest is known; 0 = every lock. */
__u64 filter_lock = 0;

struct wait_start {
	__u64 lock;
	__u64 ts_ns;
	__s32 stack_id;
	__u32 flags;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, LOCKS_MAX_TASKS);
	__type(key, __u32); /* tid: begin and end may run on different CPUs */
	__type(value, struct wait_start);
} waits SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, LOCKS_MAX_STACKS);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, LOCKS_STACK_DEPTH * sizeof(__u64));
} stacks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, LOCKS_MAX_LOCKS);
	__type(key, __u64);
	__type(value, struct locks_stat);
} lock_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, LOCKS_MAX_PATHS);
	__type(key, struct locks_path_key);
	__type(value, struct locks_stat);
} path_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, LOCKS_MAX_WAITERS);
	__type(key, struct locks_waiter_key);
	__type(value, struct locks_waiter_val);
} waiter_stats SEC(".maps");

/* Zero values to insert: read-only map memory, so no 300-byte stack copy. */
static const struct locks_stat zero_stat;
static const struct locks_waiter_val zero_waiter;

static __always_inline int on_begin(void *ctx, __u64 lock, __u32 flags)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct wait_start ws = {}, *w;
	__u64 filter = filter_lock;

	if (filter && lock != filter) {
		count(LOCKS_CNT_FILTERED_OUT);
		return 0;
	}
	/*
	 * A task already waiting keeps its first timestamp: __mutex_lock_common()
	 * fires contention_begin once before optimistic spinning and again before
	 * sleeping, with one contention_end; the wait_lock spinlock it may contend
	 * on in between is nested and not a wait of its own.
	 */
	w = bpf_map_lookup_elem(&waits, &tid);
	if (w) {
		if (w->lock == lock)
			w->flags |= flags;
		return 0;
	}
	ws.lock = lock;
	ws.flags = flags;
	ws.stack_id = bpf_get_stackid(ctx, &stacks, 0);
	if (ws.stack_id < 0)
		count(LOCKS_CNT_STACK_FAIL);
	ws.ts_ns = bpf_ktime_get_ns();
	if (bpf_map_update_elem(&waits, &tid, &ws, BPF_NOEXIST))
		count(LOCKS_CNT_TASK_FULL);
	return 0;
}

static __always_inline int on_end(__u64 lock)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct locks_waiter_key wk = {};
	struct locks_path_key pk = {};
	struct locks_waiter_val *wv;
	struct locks_stat *st;
	struct wait_start *w;
	__s64 *busy_runs;
	__u64 delta;
	__u32 flags, gen;

	w = bpf_map_lookup_elem(&waits, &tid);
	if (!w || w->lock != lock) /* not timed, or a nested lock's end */
		return 0;
	delta = bpf_ktime_get_ns() - w->ts_ns;
	flags = w->flags;
	pk.lock = lock;
	pk.stack_id = w->stack_id;
	bpf_map_delete_elem(&waits, &tid);

	/* One generation for the three updates: a report sees all of them or none. */
	busy_runs = gen_enter(&gen);
	if (!busy_runs)
		return 0;
	st = lookup_or_init(&lock_stats, &lock, &zero_stat);
	if (st)
		stat_add(st, gen, delta, flags);
	else
		count(LOCKS_CNT_LOCK_FULL);
	st = lookup_or_init(&path_stats, &pk, &zero_stat);
	if (st)
		stat_add(st, gen, delta, flags);
	else
		count(LOCKS_CNT_PATH_FULL);

	wk.lock = lock;
	wk.cgroup_id = bpf_get_current_cgroup_id();
	bpf_get_current_comm(wk.comm, sizeof(wk.comm));
	wv = lookup_or_init(&waiter_stats, &wk, &zero_waiter);
	if (wv) {
		struct locks_waiter_slot *ws = &wv->slot[gen & 1];

		if (ws->gen != gen) { /* an older generation's, already reported */
			ws->gen = gen;
			ws->count = 0;
			ws->total_ns = 0;
		}
		ws->count++;
		ws->total_ns += delta;
	} else {
		count(LOCKS_CNT_WAITER_FULL);
	}
	gen_exit(busy_runs);
	return 0;
}

SEC("tp_btf/contention_begin")
int BPF_PROG(contention_begin_btf, void *lock, unsigned int flags)
{
	return on_begin(ctx, (__u64)lock, flags);
}

SEC("tp_btf/contention_end")
int BPF_PROG(contention_end_btf, void *lock, int ret)
{
	return on_end((__u64)lock);
}

SEC("raw_tp/contention_begin")
int BPF_PROG(contention_begin_raw, void *lock, unsigned int flags)
{
	return on_begin(ctx, (__u64)lock, flags);
}

SEC("raw_tp/contention_end")
int BPF_PROG(contention_end_raw, void *lock, int ret)
{
	return on_end((__u64)lock);
}

/* uevscope locks: network namespaces created and destroyed (included by locks.bpf.c). */

/* The kmem_cache struct net comes from, learned at its first allocation. */
const void *net_cache = NULL;
/*
 * Network namespace churn, exact: every struct net is allocated from its own
 * kmem_cache ("net_namespace", net_alloc() in net/core/net_namespace.c) and
 * freed to it by net_free() once cleanup_net() is done and the last passive
 * reference is gone; kernels with net_complete_free() defer that free to
 * the next cleanup_net() run, so a destruction shows one teardown late. There is no netns
 * tracepoint, so the slab tracepoints are used with one pointer compare per event once the cache is
 * known; until then only objects of exactly sizeof(struct net) get their cache name read.
 */
static __always_inline bool is_net_cache(const struct kmem_cache *s)
{
	static const char want[] = "net_namespace";
	char name[sizeof(want)];

	if (net_cache)
		return (const void *)s == net_cache;
	if (BPF_CORE_READ(s, object_size) != bpf_core_type_size(struct net))
		return false;
	if (bpf_probe_read_kernel_str(name, sizeof(name), BPF_CORE_READ(s, name)) != sizeof(want))
		return false;
	for (int i = 0; i < (int)sizeof(want); i++)
		if (name[i] != want[i])
			return false;
	net_cache = (const void *)s;
	return true;
}

SEC("tp_btf/kmem_cache_alloc")
int BPF_PROG(net_alloc_btf, unsigned long call_site, const void *ptr, const struct kmem_cache *s)
{
	/* ptr is not read: verifiers before ~6.13 refuse a void * tracepoint argument. */
	if (is_net_cache(s))
		count(LOCKS_CNT_NET_ALLOC);
	return 0;
}

SEC("tp_btf/kmem_cache_free")
int BPF_PROG(net_free_btf, unsigned long call_site, const void *ptr, const struct kmem_cache *s)
{
	if (is_net_cache(s))
		count(LOCKS_CNT_NET_FREE);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
