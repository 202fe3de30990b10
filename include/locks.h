/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Types shared by bpf/locks.bpf.c and user/locks/: the in-kernel
 * aggregation of lock contention (uevscope locks). Fixed-width fields, laid
 * out with no hidden padding; every value map is per CPU, summed in user space.
 */
#ifndef UEVSCOPE_LOCKS_H
#define UEVSCOPE_LOCKS_H

/* Uses __u64 and friends: include vmlinux.h (BPF) or <linux/types.h> (user space) first. */

#define LOCKS_HIST_SLOTS  32 /* log2(ns) buckets; the last one also takes everything longer */
#define LOCKS_COMM_LEN	  16
#define LOCKS_STACK_DEPTH 32

/* Map sizes: when one is full the update fails and a counter below says so. */
#define LOCKS_MAX_TASKS	  16384 /* tasks waiting at the same time */
#define LOCKS_MAX_LOCKS	  4096
#define LOCKS_MAX_PATHS	  8192 /* (lock, stack) pairs */
#define LOCKS_MAX_WAITERS 4096 /* (lock, comm, cgroup) triples */
#define LOCKS_MAX_STACKS  8192
#define LOCKS_MAX_WALK_NS 1024 /* walks of more namespaces are counted under this many */

/* Counters of what the kernel side could not record (per-CPU array, by index). */
enum locks_counter {
	LOCKS_CNT_STACK_FAIL,	/* bpf_get_stackid() failed: path shown as "stack unavailable" */
	LOCKS_CNT_TASK_FULL,	/* per-task begin map full: the contention was not timed */
	LOCKS_CNT_LOCK_FULL,	/* per-lock map full: contention missing from the lock totals */
	LOCKS_CNT_PATH_FULL,	/* per-path map full */
	LOCKS_CNT_WAITER_FULL,	/* per-task-name map full */
	LOCKS_CNT_NET_ALLOC,	/* struct net allocated: a network namespace created */
	LOCKS_CNT_NET_FREE,	/* struct net freed: a network namespace destroyed */
	LOCKS_CNT_FILTERED_OUT, /* contentions on other locks skipped once a lock filter is set */
	LOCKS_CNT_BCAST_TASK_FULL, /* broadcast start map full: a broadcast was not timed */
	LOCKS_CNT_GEN_RACE,	 /* generation changed at every try while recording: wait dropped */
	LOCKS_CNT_EVENT_LOST,	 /* --events: ring buffer full, one event not streamed */
	LOCKS_CNT_WALK_FULL,	 /* walk map full: a broadcast walk not timed */
	LOCKS_CNT_RETURN_MISSED, /* a mutex slow path's return never seen: that wait not timed */
	LOCKS_CNT__COUNT
};

/*
 * Wait statistics of one generation (locks_gen, bumped by user space at each
 * report); the same shape per lock, per (lock, stack) and for broadcasts.
 * Every value keeps two of them, in slot gen & 1: programs update the slot
 * of the current generation while user space reads the previous one, which
 * nothing writes any more (see locks_busy in bpf/locks.bpf.c). A slot
 * whose gen is not the one being written is stale and restarted from zero
 * by the program, so user space never writes the maps and each report comes
 * from one quiet set of updates: its counts, sums, maximum and histogram
 * agree exactly, across locks, paths and tasks.
 */
struct locks_slot {
	__u64 count;
	__u64 total_ns;
	__u64 max_ns;
	__u32 gen;
	__u32 flags; /* LCB_F_* seen at contention_begin, ORed: says spinlock, mutex, rwsem... */
	__u64 hist[LOCKS_HIST_SLOTS];
};

struct locks_stat {
	struct locks_slot slot[2];
};

/* Runs in flight on one CPU per generation slot (the busy map). */
struct locks_busy {
	__s64 runs[2];
};

struct locks_path_key {
	__u64 lock;
	__s32 stack_id; /* < 0: capture failed (-errno) */
	__u32 pad;
};

/* Contending tasks by name and cgroup: count and total wait, per generation as above. */
struct locks_waiter_slot {
	__u64 count;
	__u64 total_ns;
	__u32 gen;
	__u32 pad;
};

struct locks_waiter_val {
	struct locks_waiter_slot slot[2];
};

struct locks_waiter_key {
	__u64 lock;
	__u64 cgroup_id;
	char comm[LOCKS_COMM_LEN];
};

/*
 * The walk statistics map (walk_stats) is keyed by LOCKS_WALK_KEY(part,
 * namespaces): the walk's time from first to last delivery (ALL), that time
 * with the sender on CPU (ON_CPU: ALL minus OFF_CPU, every walk) and off CPU
 * (OFF_CPU: walks that lost the CPU at least once), and the time off CPU by
 * the way the sender left it, each over the walks where it happened.
 */
enum locks_walk_part {
	LOCKS_WALK_PREEMPTED, /* sched_switch with preempt set */
	LOCKS_WALK_YIELDED,   /* runnable, not preempted: yield() or a reschedule */
	LOCKS_WALK_SLEPT,     /* blocked (a sleeping allocation, another lock) */
	LOCKS_WALK_ALL,
	LOCKS_WALK_ON_CPU,
	LOCKS_WALK_OFF_CPU,
	/*
	 * Sums over every walk, in total_ns (count = walks): k, the tasks the
	 * sender woke in it; k * k; k * its time on CPU. From them user space
	 * fits the on-CPU time as a + w * k (least squares): w is one wake-up.
	 */
	LOCKS_WALK_WAKES,
	LOCKS_WALK_WAKES_SQ,
	LOCKS_WALK_WAKES_X_ON,
	LOCKS_WALK__PARTS
};

#define LOCKS_WALK_KEY(part, nets) ((__u32)(part) << 16 | (nets))
#define LOCKS_WALK_KEY_PART(key)   ((key) >> 16)
#define LOCKS_WALK_KEY_NETS(key)   ((key)&0xffff)

/*
 * One event of --events, streamed through a ring buffer with
 * CLOCK_MONOTONIC (bpf_ktime_get_ns()) times: a contention from its first
 * contention_begin to its contention_end, or a broadcast walk from the first
 * to the last sk_data_ready delivery of one uevent by one task (arg = the
 * number of network namespaces it reached).
 */
enum locks_event_kind { LOCKS_EV_CONTENTION = 1, LOCKS_EV_WALK = 2 };

struct locks_event {
	__u64 begin_ns;
	__u64 end_ns;
	__u64 lock; /* the lock's address; for a walk, the ns its sender was off CPU in it */
	__u32 tid;
	__s32 stack_id; /* < 0: capture failed (-errno) */
	/*
	 * LOCKS_F_* seen at contention_begin; for a walk, the sender's switches
	 * out in it: preempted (bits 0-9), yielded (10-19), slept (20-29), each
	 * capped at 1023
	 */
	__u32 flags;
	__u16 kind; /* enum locks_event_kind */
	__u16 arg;  /* walk: namespaces reached (capped at 65535) */
	__u32 gen;  /* the report generation it was recorded in (0: before the start) */
	__u32 pad;
};

/* Kernel's LCB_F_* (include/trace/events/lock.h), not in vmlinux.h: they are macros. */
#define LOCKS_F_SPIN   (1U << 0)
#define LOCKS_F_READ   (1U << 1)
#define LOCKS_F_WRITE  (1U << 2)
#define LOCKS_F_RT     (1U << 3)
#define LOCKS_F_PERCPU (1U << 4)
#define LOCKS_F_MUTEX  (1U << 5)

#endif /* UEVSCOPE_LOCKS_H */
