// SPDX-License-Identifier: GPL-2.0
/*
 * Attach-point probes: load "r0 = N; exit" for the hook, attach it for real,
 * then undo everything. Closing the last fd of a program or link detaches it,
 * so every path ends by closing what it opened.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <linux/bpf.h>
#include <linux/btf.h>
#include <linux/netlink.h>
#include <linux/perf_event.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "cgroupfs.h"
#include "probe.h"

#ifndef SO_ATTACH_BPF
#define SO_ATTACH_BPF 50
#endif

static int load_prog(struct probe_result *r, enum bpf_prog_type type, enum bpf_attach_type eat,
		     __u32 btf_id, int retval)
{
	const struct bpf_insn insns[] = {
	    {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = retval},
	    {.code = BPF_JMP | BPF_EXIT},
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = eat, .attach_btf_id = btf_id);
	/* GPL: LSM programs (and GPL-only helpers) are refused otherwise. */
	int fd = bpf_prog_load(type, "uevscope_probe", "GPL", insns, 2, &opts);

	if (fd < 0)
		probe_fail_step(r, "load", -fd);
	return fd;
}

/*
 * Tracepoint arguments our programs read that a tracepoint did not always have: the probe's
 * two-instruction program loads whatever the arguments are, so these are checked in BTF, and
 * "yes" means the program that reads them loads too. kmem_cache_alloc and kmem_cache_free
 * gained their cache argument in 6.0; 5.10 has a size_t there (or nothing), and the verifier
 * refused the netns churn programs while features said yes.
 */
static const struct {
	const char *tp;
	unsigned int arg; /* 0: the first argument after the tracepoint's void *__data */
	const char *strct;
} tp_args[] = {
    {"kmem_cache_alloc", 2, "kmem_cache"},
    {"kmem_cache_free", 2, "kmem_cache"},
};

static const struct btf_type *skip_mods(const struct btf *btf, __u32 id)
{
	const struct btf_type *t = btf__type_by_id(btf, id);

	while (t && (btf_is_mod(t) || btf_is_typedef(t)))
		t = btf__type_by_id(btf, t->type);
	return t;
}

/* Whether argument arg of the tracepoint typedef_id (btf_trace_<tp>) is a struct strct *. */
static bool tp_arg_is(const struct btf *btf, int typedef_id, unsigned int arg, const char *strct)
{
	const struct btf_type *t = btf__type_by_id(btf, typedef_id);

	if (!t || !btf_is_typedef(t))
		return false;
	t = skip_mods(btf, t->type);
	if (!t || !btf_is_ptr(t))
		return false;
	t = skip_mods(btf, t->type);
	if (!t || !btf_is_func_proto(t) || btf_vlen(t) < arg + 2)
		return false;
	t = skip_mods(btf, btf_params(t)[arg + 1].type);
	if (!t || !btf_is_ptr(t))
		return false;
	t = skip_mods(btf, t->type);
	return t && btf_is_struct(t) && !strcmp(btf__name_by_offset(btf, t->name_off), strct);
}

static bool tp_args_ok(struct probe_set *ps, struct probe_result *r, const char *tp, int id)
{
	size_t i;

	for (i = 0; i < sizeof(tp_args) / sizeof(tp_args[0]); i++)
		if (!strcmp(tp, tp_args[i].tp) &&
		    !tp_arg_is(ps->btf, id, tp_args[i].arg, tp_args[i].strct)) {
			probe_fail(r, EINVAL, "no struct %s * argument %u on this kernel (6.0+)",
				   tp_args[i].strct, tp_args[i].arg + 1);
			return false;
		}
	return true;
}

/* tp_btf, fentry, fexit, lsm: the target is fixed at load time by its BTF id. */
static void probe_tracing(struct probe_set *ps, struct probe_result *r, enum probe_kind kind,
			  const char *target)
{
	char name[128];
	enum bpf_prog_type type = BPF_PROG_TYPE_TRACING;
	enum bpf_attach_type eat;
	const char *why;
	int btf_kind = BTF_KIND_FUNC, id, pfd, lfd;

	switch (kind) {
	case PK_TP_BTF:
		/* Each tracepoint has a "typedef btf_trace_<tp>" describing its arguments. */
		snprintf(name, sizeof(name), "btf_trace_%s", target);
		btf_kind = BTF_KIND_TYPEDEF;
		eat = BPF_TRACE_RAW_TP;
		why = "tracepoint absent on this kernel";
		break;
	case PK_LSM:
		snprintf(name, sizeof(name), "bpf_lsm_%s", target);
		type = BPF_PROG_TYPE_LSM;
		eat = BPF_LSM_MAC;
		why = "kernel built without CONFIG_BPF_LSM?";
		break;
	default:
		snprintf(name, sizeof(name), "%s", target);
		probe_detail(r, "kallsyms, BTF %s, BPF_RAW_TRACEPOINT_OPEN", name);
		if (!probe_has_symbol(ps, r, target))
			return;
		eat = kind == PK_FENTRY ? BPF_TRACE_FENTRY : BPF_TRACE_FEXIT;
		why = "inlined, renamed or absent";
		break;
	}
	if (!r->detail[0])
		probe_detail(r, "BTF %s, BPF_RAW_TRACEPOINT_OPEN", name);
	id = probe_btf_id(ps, r, name, btf_kind, why);
	if (id < 0 || (kind == PK_TP_BTF && !tp_args_ok(ps, r, target, id)))
		return;
	probe_detail(r, "BTF %s [%d], BPF_RAW_TRACEPOINT_OPEN", name, id);
	pfd = load_prog(r, type, eat, id, 0);
	if (pfd < 0)
		return;
	lfd = bpf_raw_tracepoint_open(NULL, pfd);
	if (lfd < 0) {
		probe_fail_step(r, "attach", -lfd);
	} else {
		close(lfd);
		r->ok = true;
	}
	close(pfd);
}

/*
 * BPF LSM programs load and attach even when "bpf" is not in the active LSM
 * list (lsm= boot parameter), but then never run: check the list if visible.
 */
static bool bpf_lsm_inactive(void)
{
	char buf[512] = "";
	FILE *f = fopen("/sys/kernel/security/lsm", "re");
	bool inactive = false;

	if (!f)
		return false;
	if (fgets(buf, sizeof(buf), f))
		inactive = !strstr(buf, "bpf");
	fclose(f);
	return inactive;
}

static void probe_raw_tp(struct probe_result *r, const char *target)
{
	int pfd, lfd;

	probe_detail(r, "BPF_RAW_TRACEPOINT_OPEN(\"%s\")", target);
	pfd = load_prog(r, BPF_PROG_TYPE_RAW_TRACEPOINT, 0, 0, 0);
	if (pfd < 0)
		return;
	lfd = bpf_raw_tracepoint_open(target, pfd);
	if (lfd == -ENOENT) {
		probe_fail(r, ENOENT, "no tracepoint %s (absent on this kernel)", target);
	} else if (lfd < 0) {
		probe_fail_step(r, "attach", -lfd);
	} else {
		close(lfd);
		r->ok = true;
	}
	close(pfd);
}

/* Reads a small decimal sysfs file; -errno on failure. */
static int read_int_file(const char *path, int *val)
{
	FILE *f = fopen(path, "re");
	int ret = 0;

	if (!f)
		return -errno;
	if (fscanf(f, "%d", val) != 1)
		ret = -EINVAL;
	fclose(f);
	return ret;
}

/*
 * A tracefs event ("syscalls/sys_exit_bind"): its id from tracefs, then a
 * tracepoint program on a perf event. Needs tracefs mounted (not mounted here).
 */
static void probe_tracepoint(struct probe_result *r, const char *target)
{
	static const char *const roots[] = {"/sys/kernel/tracing", "/sys/kernel/debug/tracing"};
	struct perf_event_attr attr;
	char path[256];
	int id = -1, pfd, efd;
	size_t i;

	probe_detail(r, "tracefs events/%s/id, perf_event_open + PERF_EVENT_IOC_SET_BPF", target);
	for (i = 0; i < sizeof(roots) / sizeof(roots[0]) && id < 0; i++) {
		snprintf(path, sizeof(path), "%s/events/%s/id", roots[i], target);
		if (read_int_file(path, &id))
			id = -1;
	}
	if (id < 0) {
		probe_fail(r, ENOENT,
			   "no tracefs event %s (tracefs not mounted at /sys/kernel/tracing, or "
			   "no CONFIG_FTRACE_SYSCALLS)",
			   target);
		return;
	}
	pfd = load_prog(r, BPF_PROG_TYPE_TRACEPOINT, 0, 0, 0);
	if (pfd < 0)
		return;
	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.type = PERF_TYPE_TRACEPOINT;
	attr.config = id;
	attr.sample_period = 1;
	efd = syscall(__NR_perf_event_open, &attr, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
	if (efd < 0) {
		probe_fail_step(r, "perf_event_open", errno);
	} else {
		if (ioctl(efd, PERF_EVENT_IOC_SET_BPF, pfd))
			probe_fail_step(r, "PERF_EVENT_IOC_SET_BPF", errno);
		else
			r->ok = true;
		close(efd);
	}
	close(pfd);
}

/* perf kprobe PMU (4.17+): config1 = symbol name pointer, config2 = offset. */
static void probe_kprobe(struct probe_set *ps, struct probe_result *r, const char *target)
{
	struct perf_event_attr attr;
	int type, pfd, efd;

	probe_detail(r, "kprobe PMU perf_event_open + PERF_EVENT_IOC_SET_BPF");
	if (read_int_file("/sys/bus/event_source/devices/kprobe/type", &type)) {
		probe_fail(r, ENOENT, "kprobes not configured (no kprobe PMU)");
		return;
	}
	if (!probe_has_symbol(ps, r, target))
		return;
	pfd = load_prog(r, BPF_PROG_TYPE_KPROBE, 0, 0, 0);
	if (pfd < 0)
		return;
	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	/* read_int_file() returned 0: fscanf() stored type. */
	attr.type = type; /* NOLINT(clang-analyzer-core.uninitialized.Assign) */
	attr.config1 = (__u64)(uintptr_t)target;
	efd = syscall(__NR_perf_event_open, &attr, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
	if (efd < 0 && errno == EINVAL) {
		/* What register_kprobe() refuses: blacklisted, notrace or not a function start. */
		probe_fail(r, EINVAL, "perf_event_open: %s (function not kprobe-able?)",
			   strerror(EINVAL));
		goto out;
	} else if (efd < 0) {
		probe_fail_step(r, "perf_event_open", errno);
		goto out;
	}
	if (ioctl(efd, PERF_EVENT_IOC_SET_BPF, pfd)) {
		probe_fail_step(r, "PERF_EVENT_IOC_SET_BPF", errno);
	} else if (ioctl(efd, PERF_EVENT_IOC_ENABLE, 0)) {
		probe_fail_step(r, "PERF_EVENT_IOC_ENABLE", errno);
	} else {
		ioctl(efd, PERF_EVENT_IOC_DISABLE, 0);
		r->ok = true;
	}
	close(efd);
out:
	close(pfd);
}

static void probe_iter(struct probe_set *ps, struct probe_result *r, const char *target)
{
	char name[128], buf[4096];
	int id, pfd, lfd, ifd, loops;
	ssize_t n = 0;

	snprintf(name, sizeof(name), "bpf_iter_%s", target);
	probe_detail(r, "BTF %s, BPF_TRACE_ITER link, read to EOF", name);
	id = probe_btf_id(ps, r, name, BTF_KIND_FUNC, "iterator absent on this kernel");
	if (id < 0)
		return;
	probe_detail(r, "BTF %s [%d], BPF_TRACE_ITER link, read to EOF", name, id);
	pfd = load_prog(r, BPF_PROG_TYPE_TRACING, BPF_TRACE_ITER, id, 0);
	if (pfd < 0)
		return;
	lfd = bpf_link_create(pfd, 0, BPF_TRACE_ITER, NULL);
	if (lfd < 0) {
		probe_fail_step(r, "attach", -lfd);
		goto out_prog;
	}
	ifd = bpf_iter_create(lfd);
	if (ifd < 0) {
		probe_fail_step(r, "iter create", -ifd);
		goto out_link;
	}
	/*
	 * A program that prints nothing makes bpf_seq_read() walk every object;
	 * it returns -EAGAIN after a million of them so userspace can retry.
	 * Bound the retries anyway so a probe can never spin.
	 */
	for (loops = 0; loops < 10000; loops++) {
		n = read(ifd, buf, sizeof(buf));
		if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
			break;
	}
	if (n < 0)
		probe_fail_step(r, "read", errno);
	else if (n > 0)
		probe_fail(r, EIO, "read: no EOF after %d reads", loops);
	else
		r->ok = true;
	close(ifd);
out_link:
	close(lfd);
out_prog:
	close(pfd);
}

static void probe_socket_filter(struct probe_result *r)
{
	int pfd, sfd;

	probe_detail(r, "SO_ATTACH_BPF on a NETLINK_KOBJECT_UEVENT socket");
	pfd = load_prog(r, BPF_PROG_TYPE_SOCKET_FILTER, 0, 0, 0);
	if (pfd < 0)
		return;
	/* Never bound to a multicast group, so the drop-all filter sees no traffic. */
	sfd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_KOBJECT_UEVENT);
	if (sfd < 0) {
		probe_fail_step(r, "socket", errno);
	} else {
		if (setsockopt(sfd, SOL_SOCKET, SO_ATTACH_BPF, &pfd, sizeof(pfd)))
			probe_fail_step(r, "SO_ATTACH_BPF", errno);
		else
			r->ok = true;
		close(sfd);
	}
	close(pfd);
}

/*
 * A probe killed by SIGKILL between mkdir and rmdir leaves its child cgroup: the
 * next probe removes those whose pid is gone (an empty cgroup's rmdir cannot
 * hurt, and one still in use refuses).
 */
static void remove_stale_probe_cgroups(const char *mnt)
{
	char path[PATH_MAX + 64];
	struct dirent *de;
	DIR *d = opendir(mnt);

	if (!d)
		return;
	while ((de = readdir(d))) {
		char *end;
		long pid;

		if (strncmp(de->d_name, "uevscope-probe-", 15))
			continue;
		pid = strtol(de->d_name + 15, &end, 10);
		if (*end || pid <= 0 || !kill((pid_t)pid, 0) || errno != ESRCH)
			continue;
		snprintf(path, sizeof(path), "%s/%s", mnt, de->d_name);
		rmdir(path);
	}
	closedir(d);
}

/*
 * cgroup hooks: attach to a throwaway child cgroup, never to a live one.
 * The program allows everything, so even a leftover would be harmless; signals
 * are held off so Ctrl-C cannot strand the directory between mkdir and rmdir.
 */
static void probe_cgroup(struct probe_result *r, enum probe_kind kind)
{
	enum bpf_prog_type type = BPF_PROG_TYPE_CGROUP_DEVICE;
	enum bpf_attach_type at = BPF_CGROUP_DEVICE;
	const char *mnt = cgroup2_mount();
	char dir[PATH_MAX + 64];
	sigset_t block, old;
	int pfd, cfd, err;

	if (kind == PK_CGROUP_SOCKOPT) {
		type = BPF_PROG_TYPE_CGROUP_SOCKOPT;
		at = BPF_CGROUP_SETSOCKOPT;
	}
	if (!mnt) {
		probe_fail(r, ENOENT, "no cgroup2 mount in /proc/self/mountinfo");
		return;
	}
	remove_stale_probe_cgroups(mnt);
	snprintf(dir, sizeof(dir), "%s/uevscope-probe-%d", mnt, (int)getpid());
	probe_detail(r, "BPF_PROG_ATTACH (ALLOW_MULTI) on a temporary child cgroup");
	pfd = load_prog(r, type, at, 0, 1);
	if (pfd < 0)
		return;

	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGQUIT);
	sigprocmask(SIG_BLOCK, &block, &old);
	/* Same pid in another pid namespace run may have left it: reuse after rmdir. */
	if (mkdir(dir, 0755) && (errno != EEXIST || rmdir(dir) || mkdir(dir, 0755))) {
		err = errno;
		probe_fail(r, err, "mkdir %s: %s", dir, strerror(err));
		goto out_sig;
	}
	cfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cfd < 0) {
		probe_fail_step(r, "open cgroup", errno);
		goto out_dir;
	}
	err = bpf_prog_attach(pfd, cfd, at, BPF_F_ALLOW_MULTI);
	if (err) {
		probe_fail_step(r, "attach", -err);
	} else {
		err = bpf_prog_detach2(pfd, cfd, at);
		if (err)
			probe_fail_step(r, "detach", -err);
		else
			r->ok = true;
	}
	close(cfd);
out_dir:
	if (rmdir(dir) && r->ok) {
		err = errno;
		probe_fail(r, err, "rmdir %s: %s", dir, strerror(err));
	}
out_sig:
	sigprocmask(SIG_SETMASK, &old, NULL);
	close(pfd);
}

void probe_attach_point(struct probe_set *ps, struct probe_result *r, enum probe_kind kind,
			const char *target)
{
	switch (kind) {
	case PK_TP_BTF:
	case PK_FENTRY:
	case PK_FEXIT:
		probe_tracing(ps, r, kind, target);
		break;
	case PK_LSM:
		if (bpf_lsm_inactive()) {
			probe_fail(r, ENOENT,
				   "BPF LSM not active (add bpf to the lsm= boot parameter)");
			break;
		}
		probe_tracing(ps, r, kind, target);
		break;
	case PK_RAW_TP:
		probe_raw_tp(r, target);
		break;
	case PK_TRACEPOINT:
		probe_tracepoint(r, target);
		break;
	case PK_KPROBE:
		probe_kprobe(ps, r, target);
		break;
	case PK_ITER:
		probe_iter(ps, r, target);
		break;
	case PK_SOCKET_FILTER:
		probe_socket_filter(r);
		break;
	case PK_CGROUP_DEV:
	case PK_CGROUP_SOCKOPT:
		probe_cgroup(r, kind);
		break;
	default:
		probe_fail(r, EINVAL, "unknown probe kind %d", kind);
		break;
	}
}
