/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel feature probe. Each attach point is tested the only way that is
 * reliable across kernels, configs and lockdown modes: load a two-instruction
 * program for it, really attach it, then detach and close everything.
 * Attach plans map every job of every subcommand to an ordered list of
 * attach points ("tiers"); the first one that works is used.
 */
#ifndef UEVSCOPE_PROBE_H
#define UEVSCOPE_PROBE_H

#include <stdbool.h>
#include <stddef.h>

/* Names are "kind/target", see probe_name(); keep in step with the table in probe.c. */
enum probe_id {
	PROBE_TP_BTF_SK_DATA_READY,	    /* tp_btf/sk_data_ready */
	PROBE_RAW_TP_SK_DATA_READY,	    /* raw_tp/sk_data_ready */
	PROBE_FENTRY_NETLINK_SENDSKB,	    /* fentry/__netlink_sendskb */
	PROBE_KPROBE_NETLINK_SENDSKB,	    /* kprobe/__netlink_sendskb */
	PROBE_FENTRY_SOCK_DEF_READABLE,	    /* fentry/sock_def_readable */
	PROBE_KPROBE_SOCK_DEF_READABLE,	    /* kprobe/sock_def_readable */
	PROBE_FEXIT_NETLINK_BROADCAST,	    /* fexit/netlink_broadcast */
	PROBE_KPROBE_NETLINK_BROADCAST,	    /* kprobe/netlink_broadcast */
	PROBE_FENTRY_KOBJECT_UEVENT_ENV,    /* fentry/kobject_uevent_env */
	PROBE_KPROBE_KOBJECT_UEVENT_ENV,    /* kprobe/kobject_uevent_env */
	PROBE_TP_BTF_CONTENTION_BEGIN,	    /* tp_btf/contention_begin */
	PROBE_TP_BTF_CONTENTION_END,	    /* tp_btf/contention_end */
	PROBE_RAW_TP_CONTENTION_BEGIN,	    /* raw_tp/contention_begin */
	PROBE_RAW_TP_CONTENTION_END,	    /* raw_tp/contention_end */
	PROBE_LSM_SOCKET_SOCK_RCV_SKB,	    /* lsm/socket_sock_rcv_skb */
	PROBE_SOCKET_FILTER_NETLINK_UEVENT, /* socket_filter/netlink_uevent */
	PROBE_CGROUP_DEV,		    /* cgroup/dev */
	PROBE_CGROUP_SETSOCKOPT,	    /* cgroup/setsockopt */
	PROBE_ITER_NETLINK,		    /* iter/netlink */
	PROBE_ITER_TASK_FILE,		    /* iter/task_file */
	PROBE_MAP_RINGBUF,		    /* map/ringbuf */
	PROBE_MAP_STACK_TRACE,		    /* map/stack_trace */
	PROBE_MAP_PERCPU_ARRAY,		    /* map/percpu_array */
	PROBE_FS_BPFFS,			    /* fs/bpffs: bpffs mounted at /sys/fs/bpf */
	PROBE_FS_BTF_VMLINUX,		    /* fs/btf_vmlinux: /sys/kernel/btf/vmlinux */
	PROBE_FS_KALLSYMS,		    /* fs/kallsyms: real addresses shown */
	PROBE_TRACEPOINT_SYS_EXIT_BIND,	    /* tp/syscalls/sys_exit_bind */
	PROBE_RAW_TP_SYS_EXIT,		    /* raw_tp/sys_exit */
	PROBE_TP_BTF_KMEM_CACHE_ALLOC,	    /* tp_btf/kmem_cache_alloc */
	PROBE_TP_BTF_KMEM_CACHE_FREE,	    /* tp_btf/kmem_cache_free */
	PROBE_FEXIT_MUTEX_SLOWPATH,	    /* fexit/__mutex_lock_slowpath (with its fentry) */
	PROBE_KPROBE_MUTEX_SLOWPATH,	    /* kprobe/__mutex_lock_slowpath (with its kretprobe) */
	PROBE_EVAL_BPF_LOOP,		    /* eval/bpf_loop: the bpf_loop() helper (5.17+) */
	PROBE_EVAL_BOUNDED,		    /* eval/bounded: bounded loops (5.3+) */
	PROBE__COUNT
};

#define PROBE_NONE (-1)

struct probe_result {
	bool ok;
	int err;	  /* positive errno or 0 */
	char reason[160]; /* "" when ok; else one line saying why not */
	char detail[96];  /* what was checked (set whether or not ok), for --verbose */
};

struct btf;

/*
 * Zero-initialise before use. Results are cached per probe; the BTF and
 * kallsyms caches only live for one probe_one()/probe_all()/plan_choose()
 * call and are freed before it returns.
 */
struct probe_set {
	struct probe_result r[PROBE__COUNT];
	bool done[PROBE__COUNT];
	struct btf *btf; /* vmlinux BTF, loaded on first use */
	int btf_err;	 /* positive errno once loading failed */
	char *kallsyms;	 /* /proc/kallsyms text, NUL-terminated, read on first use */
	size_t kallsyms_len;
	int kallsyms_err;
};

const char *probe_name(enum probe_id id);
int probe_id_by_name(const char *name); /* -1 if unknown */
/* Runs the probe once; later calls return the cached result. NULL if id is out of range. */
const struct probe_result *probe_one(struct probe_set *ps, enum probe_id id);
void probe_all(struct probe_set *ps);

/* Attach plans: for each job of each subcommand, the ordered tiers (first working one wins). */
enum plan_id {
	PLAN_TRACE_DELIVERY,
	PLAN_TRACE_EMISSION,
	PLAN_LISTENERS,
	PLAN_REPORT_DELIVERY, /* report and top: trace's delivery tiers, aggregated in the kernel */
	PLAN_REPORT_EMISSION,
	PLAN_FILTER,
	PLAN_FILTER_WATCH, /* filter: new uevent sockets, for the socket filter tier */
	PLAN_DEVICES,
	PLAN_LOCKS,
	PLAN_LOCKS_BROADCAST, /* locks: netlink_broadcast() timed per uevent and netns */
	PLAN_LOCKS_CHURN,     /* locks: netns created and destroyed (net_namespace slab) */
	PLAN_LOCKS_WALK,      /* locks: broadcast walks timed from sk_data_ready deliveries */
	PLAN_FILTER_EVAL,     /* filter: the rule evaluator's loop primitive (which object) */
	PLAN__COUNT
};

struct attach_plan {
	const char *subcommand;
	const char *job;
	const char *desc; /* what the job provides, e.g. "uevents that reached no listener" */
	int tiers[6];	  /* probe ids, best first */
	int requires[6];  /* probe that must work too for tiers[i] to count, or PROBE_NONE */
	int ntiers;
	bool optional; /* job can run without any tier */
};

const struct attach_plan *plan_get(enum plan_id id);	/* NULL if out of range */
int plan_choose(struct probe_set *ps, enum plan_id id); /* chosen probe id, or -1: none works */

/* Internals shared by probe.c, probe_attach.c and probe_facts.c only. */
enum probe_kind {
	PK_TP_BTF,
	PK_RAW_TP,
	PK_FENTRY,
	PK_FEXIT,
	PK_KPROBE,
	PK_LSM,
	PK_SOCKET_FILTER,
	PK_CGROUP_DEV,
	PK_CGROUP_SOCKOPT,
	PK_ITER,
	PK_MAP,
	PK_FS,
	PK_TRACEPOINT, /* tracefs event: perf_event_open(PERF_TYPE_TRACEPOINT) */
	PK_EVAL,       /* a loop primitive a program may use */
};

void probe_fail(struct probe_result *r, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void probe_fail_step(struct probe_result *r, const char *step, int err);
void probe_detail(struct probe_result *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int probe_btf_id(struct probe_set *ps, struct probe_result *r, const char *name, int btf_kind,
		 const char *why);
bool probe_has_symbol(struct probe_set *ps, struct probe_result *r, const char *sym);
void probe_attach_point(struct probe_set *ps, struct probe_result *r, enum probe_kind kind,
			const char *target);
void probe_map_type(struct probe_result *r, enum probe_id id);
void probe_fs_fact(struct probe_set *ps, struct probe_result *r, enum probe_id id);
void probe_eval_loop(struct probe_result *r, enum probe_id id);
void probe_caches_free(struct probe_set *ps);

#endif /* UEVSCOPE_PROBE_H */
