// SPDX-License-Identifier: GPL-2.0
/*
 * Probe table, attach plans, result helpers and the public entry points.
 * The probes themselves are in probe_attach.c and probe_facts.c.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "probe.h"

/* Not in userspace errno.h: the kernel's "operation not supported" for BPF (e.g. no trampoline). */
#define ENOTSUPP 524

static const struct {
	const char *name;
	enum probe_kind kind;
} probes[PROBE__COUNT] = {
    [PROBE_TP_BTF_SK_DATA_READY] = {"tp_btf/sk_data_ready", PK_TP_BTF},
    [PROBE_RAW_TP_SK_DATA_READY] = {"raw_tp/sk_data_ready", PK_RAW_TP},
    [PROBE_FENTRY_NETLINK_SENDSKB] = {"fentry/__netlink_sendskb", PK_FENTRY},
    [PROBE_KPROBE_NETLINK_SENDSKB] = {"kprobe/__netlink_sendskb", PK_KPROBE},
    [PROBE_FENTRY_SOCK_DEF_READABLE] = {"fentry/sock_def_readable", PK_FENTRY},
    [PROBE_KPROBE_SOCK_DEF_READABLE] = {"kprobe/sock_def_readable", PK_KPROBE},
    [PROBE_FEXIT_NETLINK_BROADCAST] = {"fexit/netlink_broadcast", PK_FEXIT},
    [PROBE_KPROBE_NETLINK_BROADCAST] = {"kprobe/netlink_broadcast", PK_KPROBE},
    [PROBE_FENTRY_KOBJECT_UEVENT_ENV] = {"fentry/kobject_uevent_env", PK_FENTRY},
    [PROBE_KPROBE_KOBJECT_UEVENT_ENV] = {"kprobe/kobject_uevent_env", PK_KPROBE},
    [PROBE_TP_BTF_CONTENTION_BEGIN] = {"tp_btf/contention_begin", PK_TP_BTF},
    [PROBE_TP_BTF_CONTENTION_END] = {"tp_btf/contention_end", PK_TP_BTF},
    [PROBE_RAW_TP_CONTENTION_BEGIN] = {"raw_tp/contention_begin", PK_RAW_TP},
    [PROBE_RAW_TP_CONTENTION_END] = {"raw_tp/contention_end", PK_RAW_TP},
    [PROBE_LSM_SOCKET_SOCK_RCV_SKB] = {"lsm/socket_sock_rcv_skb", PK_LSM},
    [PROBE_SOCKET_FILTER_NETLINK_UEVENT] = {"socket_filter/netlink_uevent", PK_SOCKET_FILTER},
    [PROBE_CGROUP_DEV] = {"cgroup/dev", PK_CGROUP_DEV},
    [PROBE_CGROUP_SETSOCKOPT] = {"cgroup/setsockopt", PK_CGROUP_SOCKOPT},
    [PROBE_ITER_NETLINK] = {"iter/netlink", PK_ITER},
    [PROBE_ITER_TASK_FILE] = {"iter/task_file", PK_ITER},
    [PROBE_MAP_RINGBUF] = {"map/ringbuf", PK_MAP},
    [PROBE_MAP_STACK_TRACE] = {"map/stack_trace", PK_MAP},
    [PROBE_MAP_PERCPU_ARRAY] = {"map/percpu_array", PK_MAP},
    [PROBE_FS_BPFFS] = {"fs/bpffs", PK_FS},
    [PROBE_FS_BTF_VMLINUX] = {"fs/btf_vmlinux", PK_FS},
    [PROBE_FS_KALLSYMS] = {"fs/kallsyms", PK_FS},
    [PROBE_TRACEPOINT_SYS_EXIT_BIND] = {"tp/syscalls/sys_exit_bind", PK_TRACEPOINT},
    [PROBE_RAW_TP_SYS_EXIT] = {"raw_tp/sys_exit", PK_RAW_TP},
    [PROBE_TP_BTF_KMEM_CACHE_ALLOC] = {"tp_btf/kmem_cache_alloc", PK_TP_BTF},
    [PROBE_TP_BTF_KMEM_CACHE_FREE] = {"tp_btf/kmem_cache_free", PK_TP_BTF},
    [PROBE_FEXIT_MUTEX_SLOWPATH] = {"fexit/__mutex_lock_slowpath", PK_FEXIT},
    [PROBE_KPROBE_MUTEX_SLOWPATH] = {"kprobe/__mutex_lock_slowpath", PK_KPROBE},
    [PROBE_EVAL_BPF_LOOP] = {"eval/bpf_loop", PK_EVAL},
    [PROBE_EVAL_BOUNDED] = {"eval/bounded", PK_EVAL},
};

#define N PROBE_NONE
/*
 * Deliveries: fentry/__netlink_sendskb first, where it loads. It gets the skb
 * as an argument before it is queued, so no reader can take it first ("payload
 * gone") and no other sender's skb can stand in for it (the tracepoint tiers
 * read the tail of the receive queue after the fact). Its loads are as cheap as
 * tp_btf's. The tracepoint comes next: the only tier on hosts that refuse
 * fentry (lockdown), and the kprobe's probe reads cost ten times a BTF load.
 */
static const struct attach_plan plans[PLAN__COUNT] = {
    [PLAN_TRACE_DELIVERY] =
	{
	    .subcommand = "trace",
	    .job = "delivery",
	    .desc = "per-listener uevent deliveries",
	    .tiers = {PROBE_FENTRY_NETLINK_SENDSKB, PROBE_TP_BTF_SK_DATA_READY,
		      PROBE_RAW_TP_SK_DATA_READY, PROBE_KPROBE_NETLINK_SENDSKB,
		      PROBE_FENTRY_SOCK_DEF_READABLE, PROBE_KPROBE_SOCK_DEF_READABLE},
	    .requires = {N, N, N, N, N, N},
	    .ntiers = 6,
	},
    [PLAN_TRACE_EMISSION] =
	{
	    .subcommand = "trace",
	    .job = "emission",
	    .desc = "uevents that reached no listener",
	    .tiers = {PROBE_FEXIT_NETLINK_BROADCAST, PROBE_KPROBE_NETLINK_BROADCAST},
	    .requires = {N, N},
	    .ntiers = 2,
	    .optional = true,
	},
    [PLAN_LISTENERS] =
	{
	    .subcommand = "listeners",
	    .job = "enumerate",
	    .desc = "uevent listener sockets",
	    /* One walk of every process's files for all namespaces, else one walk per netns. */
	    .tiers = {PROBE_ITER_TASK_FILE, PROBE_ITER_NETLINK},
	    .requires = {N, N},
	    .ntiers = 2,
	},
    /*
     * A contention interval needs both ends: begin alone is useless. Before 5.19 (no
     * tracepoints) the mutex slow path, entry to return: mutexes only.
     */
    [PLAN_LOCKS] =
	{
	    .subcommand = "locks",
	    .job = "contention",
	    .desc = "lock contention intervals",
	    .tiers = {PROBE_TP_BTF_CONTENTION_BEGIN, PROBE_RAW_TP_CONTENTION_BEGIN,
		      PROBE_FEXIT_MUTEX_SLOWPATH, PROBE_KPROBE_MUTEX_SLOWPATH},
	    .requires = {PROBE_TP_BTF_CONTENTION_END, PROBE_RAW_TP_CONTENTION_END, N, N},
	    .ntiers = 4,
	},
    [PLAN_FILTER] =
	{
	    .subcommand = "filter",
	    .job = "enforce",
	    .desc = "per-socket uevent filtering",
	    .tiers = {PROBE_LSM_SOCKET_SOCK_RCV_SKB, PROBE_SOCKET_FILTER_NETLINK_UEVENT},
	    .requires = {N, N},
	    .ntiers = 2,
	},
    [PLAN_DEVICES] =
	{
	    .subcommand = "devices",
	    .job = "enforce",
	    .desc = "device access policy",
	    .tiers = {PROBE_CGROUP_DEV},
	    .requires = {N},
	    .ntiers = 1,
	},
    /* report and top attach where trace does, in the same order (user/report/report_attach.c). */
    [PLAN_REPORT_DELIVERY] =
	{
	    .subcommand = "report",
	    .job = "delivery",
	    .desc = "per-namespace delivery counts",
	    .tiers = {PROBE_FENTRY_NETLINK_SENDSKB, PROBE_TP_BTF_SK_DATA_READY,
		      PROBE_RAW_TP_SK_DATA_READY, PROBE_KPROBE_NETLINK_SENDSKB,
		      PROBE_FENTRY_SOCK_DEF_READABLE, PROBE_KPROBE_SOCK_DEF_READABLE},
	    .requires = {N, N, N, N, N, N},
	    .ntiers = 6,
	},
    [PLAN_REPORT_EMISSION] =
	{
	    .subcommand = "report",
	    .job = "emission",
	    .desc = "no-listener counts and emit-to-delivery latency",
	    .tiers = {PROBE_FEXIT_NETLINK_BROADCAST, PROBE_KPROBE_NETLINK_BROADCAST},
	    .requires = {N, N},
	    .ntiers = 2,
	    .optional = true,
	},
    [PLAN_FILTER_WATCH] =
	{
	    .subcommand = "filter",
	    .job = "watch",
	    .desc = "uevent sockets created after a rule (socket filter tier); else a rescan",
	    .tiers = {PROBE_TRACEPOINT_SYS_EXIT_BIND, PROBE_RAW_TP_SYS_EXIT},
	    .requires = {N, N},
	    .ntiers = 2,
	    .optional = true,
	},
    [PLAN_LOCKS_BROADCAST] =
	{
	    .subcommand = "locks",
	    .job = "broadcast",
	    .desc = "netlink_broadcast() timing",
	    .tiers = {PROBE_FEXIT_NETLINK_BROADCAST, PROBE_KPROBE_NETLINK_BROADCAST},
	    .requires = {N, N},
	    .ntiers = 2,
	    .optional = true,
	},
    [PLAN_LOCKS_CHURN] =
	{
	    .subcommand = "locks",
	    .job = "churn",
	    .desc = "network namespaces created and destroyed",
	    .tiers = {PROBE_TP_BTF_KMEM_CACHE_ALLOC},
	    .requires = {PROBE_TP_BTF_KMEM_CACHE_FREE},
	    .ntiers = 1,
	    .optional = true,
	},
    [PLAN_LOCKS_WALK] =
	{
	    .subcommand = "locks",
	    .job = "walk",
	    .desc = "broadcast walk time from the first to the last delivery of a uevent",
	    .tiers = {PROBE_TP_BTF_SK_DATA_READY, PROBE_RAW_TP_SK_DATA_READY},
	    .requires = {N, N},
	    .ntiers = 2,
	    .optional = true,
	},
    /*
     * Not an attach point: which build of the filter object loads (bpf/filter.bpf.c over
     * bpf_loop(), else bpf/filter_bounded.bpf.c), the same evaluator source in both.
     */
    [PLAN_FILTER_EVAL] =
	{
	    .subcommand = "filter",
	    .job = "evaluate",
	    .desc = "the rule evaluator's loops",
	    .tiers = {PROBE_EVAL_BPF_LOOP, PROBE_EVAL_BOUNDED},
	    .requires = {N, N},
	    .ntiers = 2,
	},
};
#undef N

const char *probe_name(enum probe_id id)
{
	if ((unsigned int)id >= PROBE__COUNT)
		return "?";
	return probes[id].name;
}

int probe_id_by_name(const char *name)
{
	if (!name)
		return -1;
	for (int i = 0; i < PROBE__COUNT; i++)
		if (!strcmp(probes[i].name, name))
			return i;
	return -1;
}

const struct attach_plan *plan_get(enum plan_id id)
{
	if ((unsigned int)id >= PLAN__COUNT)
		return NULL;
	return &plans[id];
}

void probe_fail(struct probe_result *r, int err, const char *fmt, ...)
{
	va_list ap;

	r->ok = false;
	r->err = err;
	va_start(ap, fmt);
	vsnprintf(r->reason, sizeof(r->reason), fmt, ap);
	va_end(ap);
}

void probe_detail(struct probe_result *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->detail, sizeof(r->detail), fmt, ap);
	va_end(ap);
}

/* Lockdown mode from securityfs ("none [integrity] confidentiality"), NULL if unknown. */
static const char *lockdown_mode(char *buf, size_t len)
{
	FILE *f = fopen("/sys/kernel/security/lockdown", "re");
	char *s, *e;

	if (!f)
		return NULL;
	s = fgets(buf, len, f);
	fclose(f);
	if (!s || !(s = strchr(buf, '[')) || !(e = strchr(s, ']')))
		return NULL;
	*e = '\0';
	return s + 1;
}

void probe_fail_step(struct probe_result *r, const char *step, int err)
{
	char mode[128];
	const char *lock, *hint = "";

	if (err == EPERM || err == EACCES) {
		/* Lockdown refuses BPF with EPERM even for root (security_locked_down()). */
		lock = lockdown_mode(mode, sizeof(mode));
		if (geteuid() != 0)
			hint = " (needs root or CAP_BPF)";
		else if (!lock)
			hint = " (kernel lockdown?)";
		else if (strcmp(lock, "none"))
			hint = strcmp(lock, "integrity") ? " (kernel lockdown=confidentiality)"
							 : " (kernel lockdown=integrity)";
		else
			hint = " (missing CAP_BPF/CAP_SYS_ADMIN?)";
	} else if (err == EINVAL) {
		hint = " (not supported by this kernel?)";
	}
	if (err == ENOTSUPP)
		probe_fail(r, err, "%s: not supported on this kernel/arch (ENOTSUPP)", step);
	else
		probe_fail(r, err, "%s: %s%s", step, strerror(err), hint);
}

static void run_probe(struct probe_set *ps, enum probe_id id)
{
	struct probe_result *r = &ps->r[id];
	const char *target = strchr(probes[id].name, '/') + 1;

	if (ps->done[id])
		return;
	memset(r, 0, sizeof(*r));
	if (probes[id].kind == PK_MAP)
		probe_map_type(r, id);
	else if (probes[id].kind == PK_FS)
		probe_fs_fact(ps, r, id);
	else if (probes[id].kind == PK_EVAL)
		probe_eval_loop(r, id);
	else
		probe_attach_point(ps, r, probes[id].kind, target);
	if (r->ok) {
		r->err = 0;
		r->reason[0] = '\0';
	}
	ps->done[id] = true;
}

static int quiet_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	(void)fmt;
	(void)ap;
	return 0;
}

/* Every public entry point is one batch: libbpf silenced, caches freed at the end. */
static libbpf_print_fn_t batch_begin(void)
{
	return libbpf_set_print(quiet_print);
}

static void batch_end(struct probe_set *ps, libbpf_print_fn_t prev)
{
	libbpf_set_print(prev);
	probe_caches_free(ps);
}

const struct probe_result *probe_one(struct probe_set *ps, enum probe_id id)
{
	libbpf_print_fn_t prev;

	if ((unsigned int)id >= PROBE__COUNT)
		return NULL;
	if (!ps->done[id]) {
		prev = batch_begin();
		run_probe(ps, id);
		batch_end(ps, prev);
	}
	return &ps->r[id];
}

void probe_all(struct probe_set *ps)
{
	libbpf_print_fn_t prev = batch_begin();

	for (int i = 0; i < PROBE__COUNT; i++)
		run_probe(ps, i);
	batch_end(ps, prev);
}

int plan_choose(struct probe_set *ps, enum plan_id id)
{
	const struct attach_plan *p = plan_get(id);
	libbpf_print_fn_t prev;
	int chosen = -1;

	if (!p)
		return -1;
	prev = batch_begin();
	for (int i = 0; i < p->ntiers && chosen < 0; i++) {
		int t = p->tiers[i], req = p->requires[i];

		run_probe(ps, t);
		if (!ps->r[t].ok)
			continue;
		if (req != PROBE_NONE) {
			run_probe(ps, req);
			if (!ps->r[req].ok)
				continue;
		}
		chosen = t;
	}
	batch_end(ps, prev);
	return chosen;
}
