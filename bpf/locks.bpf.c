// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Lock contention, aggregated in the kernel: per lock and per (lock, kernel
 * stack) wait statistics with log2 histograms, and the contending tasks by
 * name and cgroup, per report generation (include/locks.h). User space
 * (user/locks/) only reads the maps.
 *
 * Tiers, picked by the loader: lock:contention_begin/end as tp_btf, then as
 * raw_tp, then (before 5.19) fentry/fexit, then kprobe/kretprobe, on the
 * mutex slow path; all call the same handlers. One optional job, loaded only where
 * the kernel allows it: netns churn (below). The time of each uevent
 * broadcast is the emission object's job (emit.bpf.c), which shares this
 * object's generations (locks_gen.bpf.h).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "uevscope.h"
#include "locks.h"
#include "locks_gen.bpf.h"
#include "uev_access.bpf.h"

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

/* --events: stream every timed contention and walk (struct locks_event). */
const volatile bool events_on = false;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096); /* resized by the loader when --events is on */
} events SEC(".maps");

static __always_inline void emit_event(__u16 kind, __u64 begin, __u64 end, __u64 lock, __u32 tid,
				       __s32 stack_id, __u32 flags, __u16 arg, __u32 gen)
{
	struct locks_event *e;

	if (!events_on)
		return;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count(LOCKS_CNT_EVENT_LOST);
		return;
	}
	e->begin_ns = begin;
	e->end_ns = end;
	e->lock = lock;
	e->tid = tid;
	e->stack_id = stack_id;
	e->flags = flags;
	e->kind = kind;
	e->arg = arg;
	e->gen = gen;
	e->pad = 0;
	bpf_ringbuf_submit(e, 0);
}

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

/*
 * never_nests: the begin is the entry of __mutex_lock_slowpath(), which a task
 * cannot enter again before it returns. A begin already recorded is then one
 * whose return was never seen: the kretprobe had more tasks inside at once
 * than its maxactive instances (10 on 2 CPUs), or its program's run was
 * missed. Kept, it would time this wait from the lost one's start, so it is
 * counted and replaced. The contention tracepoints do nest (see below).
 */
static __always_inline int on_begin(void *ctx, __u64 lock, __u32 flags, bool never_nests)
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
	if (w && never_nests) {
		count(LOCKS_CNT_RETURN_MISSED);
	} else if (w) {
		if (w->lock == lock)
			w->flags |= flags;
		return 0;
	}
	/*
	 * The clock first: the stack capture takes microseconds (4.4 us a
	 * contention under the storm), which a wait timed from after it lost;
	 * perf, stamping the same tracepoint hit, showed it (bench/lock-compare.py).
	 */
	ws.ts_ns = bpf_ktime_get_ns();
	ws.lock = lock;
	ws.flags = flags;
	ws.stack_id = bpf_get_stackid(ctx, &stacks, 0);
	if (ws.stack_id < 0)
		count(LOCKS_CNT_STACK_FAIL);
	if (bpf_map_update_elem(&waits, &tid, &ws, w ? BPF_EXIST : BPF_NOEXIST))
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
	__u64 delta, now, begin;
	__u32 flags, gen;

	__u64 filter = filter_lock;

	w = bpf_map_lookup_elem(&waits, &tid);
	if (!w || w->lock != lock) /* not timed, or a nested lock's end */
		return 0;
	/*
	 * A wait on another lock that began before the filter was set ends in a
	 * filtered report: dropped like the begins, or "only the uevent lock is
	 * counted" would not hold (a rwsem waited on for seconds under load).
	 */
	if (filter && lock != filter) {
		bpf_map_delete_elem(&waits, &tid);
		count(LOCKS_CNT_FILTERED_OUT);
		return 0;
	}
	now = bpf_ktime_get_ns();
	delta = now - w->ts_ns;
	flags = w->flags;
	pk.lock = lock;
	pk.stack_id = w->stack_id;
	begin = w->ts_ns;
	bpf_map_delete_elem(&waits, &tid);

	/* One generation for the three updates: a report sees all of them or none. */
	busy_runs = gen_enter(&gen);
	if (!busy_runs)
		return 0;
	/* Streamed with its generation: user space writes those of the reported spans. */
	emit_event(LOCKS_EV_CONTENTION, begin, now, lock, tid, pk.stack_id, flags, 0, gen);
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
	return on_begin(ctx, (__u64)lock, flags, false);
}

SEC("tp_btf/contention_end")
int BPF_PROG(contention_end_btf, void *lock, int ret)
{
	return on_end((__u64)lock);
}

SEC("raw_tp/contention_begin")
int BPF_PROG(contention_begin_raw, void *lock, unsigned int flags)
{
	return on_begin(ctx, (__u64)lock, flags, false);
}

SEC("raw_tp/contention_end")
int BPF_PROG(contention_end_raw, void *lock, int ret)
{
	return on_end((__u64)lock);
}

/*
 * Before 5.19 (Debian's 5.10) there are no contention tracepoints: the mutex
 * slow path is timed instead. mutex_lock() calls __mutex_lock_slowpath()
 * (noinline) only when its fast path found the mutex taken, and it returns
 * holding it: the same interval contention_begin/end bound for a mutex,
 * optimistic spinning included. Mutexes only (the uevent lock is one);
 * spinlocks and rwsems are not seen there. The kretprobe has no arguments:
 * its end is the waiting task's own.
 */
SEC("fentry/__mutex_lock_slowpath")
int BPF_PROG(mutex_slow_entry, struct mutex *lock)
{
	return on_begin(ctx, (__u64)lock, LOCKS_F_MUTEX, true);
}

SEC("fexit/__mutex_lock_slowpath")
int BPF_PROG(mutex_slow_exit, struct mutex *lock)
{
	return on_end((__u64)lock);
}

SEC("kprobe/__mutex_lock_slowpath")
int BPF_KPROBE(mutex_slow_kprobe, struct mutex *lock)
{
	return on_begin(ctx, (__u64)lock, LOCKS_F_MUTEX, true);
}

SEC("kretprobe/__mutex_lock_slowpath")
int BPF_KRETPROBE(mutex_slow_kretprobe)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct wait_start *w = bpf_map_lookup_elem(&waits, &tid);

	return w ? on_end(w->lock) : 0;
}

/*
 * The broadcast walk, timed from tracepoints alone (no fentry or kprobes
 * needed). uevent_net_broadcast_untagged() (lib/kobject_uevent.c) allocates
 * one skb, then under uevent_sock_mutex calls netlink_broadcast() with it into
 * every listening netns on uevent_sock_list in turn; each listener's delivery
 * fires sock:sk_data_ready in the sending task, and every clone shares the
 * skb's data buffer (skb->data == skb->head). So a walk is the run of one task's
 * deliveries of kernel uevents with one head, timed from its first delivery
 * to its last; it ends at the task's next delivery that shows another head
 * or comes back to the walk's first socket (a new uevent whose buffer reused
 * the freed one). The time before the first and after the last delivery (the
 * skb's allocation, namespaces with no listener) is not in it.
 */
struct walk {
	__u64 head;
	__u64 first_sk;
	__u64 first_ns, last_ns;
	__u32 last_net;
	__u32 nets;
	/*
	 * The sender off CPU (sched_switch, below): time and switches, per way
	 * it left (enum locks_walk_part: preempted, yielded, slept), committed
	 * to the walk at its next delivery; pending until then, since only a
	 * later delivery of the same uevent shows that the walk was not over.
	 */
	__u64 off_ns[3], pend_ns[3];
	__u32 off_n[3], pend_n[3];
	__u64 out_ns; /* switched out at, 0: on CPU */
	__u32 out_how;
	/* Tasks the sender woke (sched_waking), in the walk and pending as above. */
	__u32 wakes, pend_wakes;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, LOCKS_MAX_TASKS);
	__type(key, __u32); /* tid of the sending task */
	__type(value, struct walk);
} walks SEC(".maps");

/*
 * Walk time per number of namespaces reached (capped at LOCKS_MAX_WALK_NS),
 * and its parts (LOCKS_WALK_KEY(): on CPU, off CPU, and how the sender left).
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, (LOCKS_MAX_WALK_NS + 1) * LOCKS_WALK__PARTS);
	__type(key, __u32);
	__type(value, struct locks_stat);
} walk_stats SEC(".maps");

/*
 * A global function, verified once for all its calls: inlined nine times per
 * walk it made the verifier walk the histogram update nine times over
 * (107,286 instructions instead of 2,776 on 6.18).
 */
__noinline int walk_add(__u32 part, __u32 nets, __u32 gen, __u64 delta)
{
	__u32 key = LOCKS_WALK_KEY(part, nets);
	struct locks_stat *st = lookup_or_init(&walk_stats, &key, &zero_stat);

	if (st)
		stat_add(st, gen, delta, 0);
	else
		count(LOCKS_CNT_WALK_FULL);
	return 0;
}

static __always_inline __u32 cap10(__u32 n)
{
	return n < 1023 ? n : 1023;
}

static __always_inline void walk_done(const struct walk *w, __u32 tid)
{
	__u32 nets = w->nets < LOCKS_MAX_WALK_NS ? w->nets : LOCKS_MAX_WALK_NS;
	__u64 delta = w->last_ns - w->first_ns;
	__u64 off = w->off_ns[0] + w->off_ns[1] + w->off_ns[2];
	__s64 *busy_runs;
	__u32 gen;

	off = off < delta ? off : delta;
	busy_runs = gen_enter(&gen);
	if (!busy_runs)
		return;
	/* A walk's event: lock = ns off CPU, flags = switches out (10 bits per way). */
	emit_event(LOCKS_EV_WALK, w->first_ns, w->last_ns, off, tid, -1,
		   cap10(w->off_n[0]) | cap10(w->off_n[1]) << 10 | cap10(w->off_n[2]) << 20,
		   w->nets < 65535 ? w->nets : 65535, gen);
	walk_add(LOCKS_WALK_ALL, nets, gen, delta);
	walk_add(LOCKS_WALK_ON_CPU, nets, gen, delta - off);
	/* The sums user space regresses on-CPU time on wake-ups with (struct locks_stat totals). */
	walk_add(LOCKS_WALK_WAKES, nets, gen, w->wakes);
	walk_add(LOCKS_WALK_WAKES_SQ, nets, gen, (__u64)w->wakes * w->wakes);
	walk_add(LOCKS_WALK_WAKES_X_ON, nets, gen, (__u64)w->wakes * (delta - off));
	if (off) {
		walk_add(LOCKS_WALK_OFF_CPU, nets, gen, off);
		if (w->off_n[0])
			walk_add(LOCKS_WALK_PREEMPTED, nets, gen, w->off_ns[0]);
		if (w->off_n[1])
			walk_add(LOCKS_WALK_YIELDED, nets, gen, w->off_ns[1]);
		if (w->off_n[2])
			walk_add(LOCKS_WALK_SLEPT, nets, gen, w->off_ns[2]);
	}
	gen_exit(busy_runs);
}

static __always_inline int on_delivery(const struct sock *sk, bool direct)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid(), net;
	struct uev_delivered d = {};
	struct walk nw = {}, *w;
	__u64 head = 0;

	if (uev_read_delivered(sk, NULL, direct, &d)) {
		/* An ack to an injector (group 0) or an injected uevent: not a walk. */
		if (!d.cb.dst_group || d.cb.creds_pid)
			return 0;
		head = (__u64)d.data; /* shared by every clone of one broadcast */
	}
	net = uev_net_inum(UEV_LOAD(direct, sk, __sk_common.skc_net.net), direct);
	w = bpf_map_lookup_elem(&walks, &tid);
	if (w && (!head || !w->head || head == w->head) && (__u64)sk != w->first_sk) {
		w->last_ns = bpf_ktime_get_ns();
		if (net != w->last_net) {
			w->nets++;
			w->last_net = net;
		}
		if (!w->head)
			w->head = head;
		/* Off CPU and wake-ups since the last delivery: inside the walk, which goes on. */
		w->wakes += w->pend_wakes;
		w->pend_wakes = 0;
		for (int i = 0; i < 3; i++) {
			w->off_ns[i] += w->pend_ns[i];
			w->off_n[i] += w->pend_n[i];
			w->pend_ns[i] = 0;
			w->pend_n[i] = 0;
		}
		return 0;
	}
	if (w)
		walk_done(w, tid);
	nw.head = head;
	nw.first_sk = (__u64)sk;
	nw.first_ns = bpf_ktime_get_ns();
	nw.last_ns = nw.first_ns;
	nw.last_net = net;
	nw.nets = 1;
	if (bpf_map_update_elem(&walks, &tid, &nw, BPF_ANY))
		count(LOCKS_CNT_WALK_FULL);
	return 0;
}

SEC("tp_btf/sk_data_ready")
int BPF_PROG(walk_btf, struct sock *sk)
{
	if (sk->__sk_common.skc_family != AF_NETLINK || sk->sk_protocol != NETLINK_KOBJECT_UEVENT)
		return 0;
	return on_delivery(sk, true);
}

SEC("raw_tp/sk_data_ready")
int BPF_PROG(walk_raw, struct sock *sk)
{
	if (BPF_CORE_READ(sk, __sk_common.skc_family) != AF_NETLINK ||
	    BPF_CORE_READ(sk, sk_protocol) != NETLINK_KOBJECT_UEVENT)
		return 0;
	return on_delivery(sk, false);
}

/*
 * The sender off CPU inside a walk. A delivery wakes the listener blocked in
 * recv() (sock_def_readable()), and the sender, holding uevent_sock_mutex,
 * may lose its CPU before its next delivery: preempted (sched_switch's
 * preempt, e.g. at the cond_resched() of a GFP_KERNEL clone on a
 * preempt=none kernel, or at any preemption point on a preemptible one),
 * yielded (still runnable: netlink_broadcast() yields when a listener's
 * queue is over half full), or asleep (a blocking allocation). That time is
 * in the walk but is not the walk's work: it grows with how many tasks want
 * the CPU, not with the namespaces alone. Two lookups per context switch, in
 * the map of tasks that have sent a kernel uevent (walks).
 */
static __always_inline void on_switch(bool preempt, __u32 prev_tid, __u32 prev_state,
				      __u32 next_tid)
{
	struct walk *w;
	__u64 now = 0;

	if (prev_tid == next_tid)
		return;
	w = prev_tid ? bpf_map_lookup_elem(&walks, &prev_tid) : NULL;
	if (w) {
		now = bpf_ktime_get_ns();
		w->out_ns = now;
		/* TASK_RUNNING is 0: runnable but not preempted, so it gave the CPU up. */
		w->out_how = preempt ? 0 : !prev_state ? 1 : 2;
	}
	w = next_tid ? bpf_map_lookup_elem(&walks, &next_tid) : NULL;
	if (w && w->out_ns) {
		__u32 how = w->out_how;

		if (!now)
			now = bpf_ktime_get_ns();
		if (how < 3) {
			w->pend_ns[how] += now - w->out_ns;
			w->pend_n[how]++;
		}
		w->out_ns = 0;
	}
}

/*
 * A task woken by the sender: each delivery to a listener asleep in recv()
 * wakes it (sock_def_readable(), right after sk_data_ready), a cost the
 * walk pays only while its listeners sleep, i.e. while they keep up.
 */
static __always_inline void on_waking(void)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct walk *w = bpf_map_lookup_elem(&walks, &tid);

	if (w)
		w->pend_wakes++;
}

SEC("tp_btf/sched_waking")
int BPF_PROG(walk_waking_btf, struct task_struct *p)
{
	on_waking();
	return 0;
}

SEC("raw_tp/sched_waking")
int BPF_PROG(walk_waking_raw, struct task_struct *p)
{
	on_waking();
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(walk_switch_btf, bool preempt, struct task_struct *prev, struct task_struct *next,
	     unsigned int prev_state)
{
	on_switch(preempt, prev->pid, prev_state, next->pid);
	return 0;
}

SEC("raw_tp/sched_switch")
int BPF_PROG(walk_switch_raw, bool preempt, struct task_struct *prev, struct task_struct *next,
	     unsigned int prev_state)
{
	on_switch(preempt, BPF_CORE_READ(prev, pid), prev_state, BPF_CORE_READ(next, pid));
	return 0;
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
