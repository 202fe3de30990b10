// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * New uevent sockets, as they start listening: a uevent socket receives
 * nothing until bind() (or setsockopt(NETLINK_ADD_MEMBERSHIP)) joins group 1,
 * so the watcher (user/filter/filter_watch.c) is told of every successful bind() and
 * setsockopt() on a NETLINK_KOBJECT_UEVENT socket and attaches the filter.
 * First choice: the syscalls/sys_{enter,exit}_{bind,setsockopt} tracepoints,
 * which cost nothing to other syscalls (they need tracefs mounted); the fd is
 * only known at entry, so entry remembers it per thread for the exit.
 * Fallback: raw_tp/sys_exit (no tracefs), which runs at every syscall exit and
 * reads the syscall number and fd from the user registers.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "filter.h"

#define NETLINK_KOBJECT_UEVENT 15
#define NR_BIND		       49 /* x86-64 syscall numbers */
#define NR_SETSOCKOPT	       54

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} new_socks SEC(".maps");

/* Sockets the ring buffer had no room for; the watcher then rescans everything. */
__u64 lost = 0;

/* Thread id -> fd of a bind()/setsockopt() on a uevent socket in progress. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u32);
} pending SEC(".maps");

struct new_sock {
	__u32 tgid;
	__u32 fd;
	__u64 ts_ns;
};

static __always_inline bool is_uevent_fd(struct task_struct *task, __u32 fd)
{
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **fds = BPF_CORE_READ(fdt, fd);
	struct socket *sock;
	struct file *file;

	if (fd >= BPF_CORE_READ(fdt, max_fds))
		return false;
	bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]);
	if (!file)
		return false;
	/* private_data is a struct socket only for socket files: check the f_op owner too. */
	sock = BPF_CORE_READ(file, private_data);
	if (!sock || BPF_CORE_READ(sock, file) != file)
		return false;
	return BPF_CORE_READ(sock, sk, sk_protocol) == NETLINK_KOBJECT_UEVENT &&
	       BPF_CORE_READ(sock, sk, __sk_common.skc_family) == 16 /* AF_NETLINK */;
}

static __always_inline int notify(__u32 fd)
{
	struct new_sock *ev = bpf_ringbuf_reserve(&new_socks, sizeof(*ev), 0);

	if (!ev) {
		__sync_fetch_and_add(&lost, 1);
		return 0;
	}
	ev->tgid = bpf_get_current_pid_tgid() >> 32;
	ev->fd = fd;
	ev->ts_ns = bpf_ktime_get_ns();
	bpf_ringbuf_submit(ev, 0);
	return 0;
}

static __always_inline int enter(struct trace_event_raw_sys_enter *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid(), fd = (__u32)ctx->args[0];

	if (is_uevent_fd((struct task_struct *)bpf_get_current_task(), fd))
		bpf_map_update_elem(&pending, &tid, &fd, BPF_ANY);
	return 0;
}

static __always_inline int leave(struct trace_event_raw_sys_exit *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid(), *fd = bpf_map_lookup_elem(&pending, &tid);
	__u32 v;

	if (!fd)
		return 0;
	v = *fd;
	bpf_map_delete_elem(&pending, &tid);
	return ctx->ret == 0 ? notify(v) : 0;
}

SEC("tracepoint/syscalls/sys_enter_bind")
int uev_enter_bind(struct trace_event_raw_sys_enter *ctx)
{
	return enter(ctx);
}

SEC("tracepoint/syscalls/sys_exit_bind")
int uev_exit_bind(struct trace_event_raw_sys_exit *ctx)
{
	return leave(ctx);
}

SEC("tracepoint/syscalls/sys_enter_setsockopt")
int uev_enter_sockopt(struct trace_event_raw_sys_enter *ctx)
{
	return enter(ctx);
}

SEC("tracepoint/syscalls/sys_exit_setsockopt")
int uev_exit_sockopt(struct trace_event_raw_sys_exit *ctx)
{
	return leave(ctx);
}

SEC("raw_tp/sys_exit")
int BPF_PROG(uev_sys_exit, struct pt_regs *regs, long ret)
{
	struct task_struct *task;
	long nr;
	__u32 fd;

	if (ret != 0)
		return 0;
	nr = BPF_CORE_READ(regs, orig_ax);
	if (nr != NR_BIND && nr != NR_SETSOCKOPT)
		return 0;
	fd = (__u32)BPF_CORE_READ(regs, di);
	task = (struct task_struct *)bpf_get_current_task();
	if (!is_uevent_fd(task, fd))
		return 0;
	return notify(fd);
}

char LICENSE[] SEC("license") = "GPL";
