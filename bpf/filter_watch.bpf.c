// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * New uevent sockets, before they can listen. A uevent socket receives nothing
 * until bind() (or setsockopt(NETLINK_ADD_MEMBERSHIP)) joins group 1, so a
 * filter attached before socket() returns to user space leaves nothing to leak.
 * At the exit of socket() for a NETLINK_KOBJECT_UEVENT socket the task is held:
 * bpf_send_signal(SIGSTOP) is delivered before it returns to user space (the
 * whole thread group stops), the socket's inode goes into "held", and the
 * watcher (user/filter/filter_watch.c) attaches the filter through
 * pidfd_getfd(), checks that the socket has joined no group and has nothing
 * queued, removes the inode from "held" and sends SIGCONT.
 * A hostile task can be continued early by a sibling (SIGCONT), or have the
 * socket bound by another thread or process: a bind() or setsockopt() on a
 * socket still in "held" marks it tainted and gets SIGKILL, delivered before
 * that caller returns to user space (fail closed); the watcher then purges the
 * socket's queue and kills its other holders.
 * bind() and setsockopt() that succeed are also told to the watcher, for
 * sockets it did not hold (made before it ran, or by a path it cannot see).
 * First choice: the syscalls/sys_{enter,exit}_{socket,bind,setsockopt}
 * tracepoints, which cost nothing to other syscalls (they need tracefs
 * mounted); arguments are only known at entry, so entry remembers them per
 * thread for the exit. Fallback: raw_tp/sys_exit (no tracefs), which runs at
 * every syscall exit and reads the syscall number and arguments from the user
 * registers. Neither sees io_uring's IORING_OP_SOCKET/IORING_OP_BIND nor
 * 32-bit (compat) syscalls: those stay best effort (filter status says so).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "filter.h"

#define NETLINK_KOBJECT_UEVENT 15
#define AF_NETLINK	       16
#define NR_SOCKET	       41 /* x86-64 syscall numbers */
#define NR_BIND		       49
#define NR_SETSOCKOPT	       54
#define SIGKILL		       9
#define SIGSTOP		       19

/* The watcher's own sockets are never held (set before the load). */
const volatile __u32 self_tgid = 0;

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

/* Thread id -> 1 while a socket(AF_NETLINK, *, NETLINK_KOBJECT_UEVENT) is in progress. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u32);
} creating SEC(".maps");

/* Socket inode -> the task held until the watcher has covered it. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, struct filter_held);
} held SEC(".maps");

/*
 * The scopes of the active rules, kept by the watcher: only a task in one of them is held (a
 * socket out of every scope needs no filter). Netns: the creator's, which is the socket's;
 * cgroup: the creator's v2 cgroup or an ancestor at the rule's level; pid: the creator.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, struct filter_hold_scope);
	__type(value, __u8);
} hold_scope SEC(".maps");

/* Tasks held; holds refused (no room, signal refused); binders killed. */
__u64 holds = 0;
__u64 hold_failed = 0;
__u64 bind_killed = 0;

/* The inode of fd in task when it is a NETLINK_KOBJECT_UEVENT socket, else 0. */
static __always_inline __u64 uevent_fd_ino(struct task_struct *task, __u32 fd)
{
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **fds = BPF_CORE_READ(fdt, fd);
	struct socket *sock;
	struct file *file;

	if (fd >= BPF_CORE_READ(fdt, max_fds))
		return 0;
	bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]);
	if (!file)
		return 0;
	/* private_data is a struct socket only for socket files: check the f_op owner too. */
	sock = BPF_CORE_READ(file, private_data);
	if (!sock || BPF_CORE_READ(sock, file) != file)
		return 0;
	if (BPF_CORE_READ(sock, sk, sk_protocol) != NETLINK_KOBJECT_UEVENT ||
	    BPF_CORE_READ(sock, sk, __sk_common.skc_family) != AF_NETLINK)
		return 0;
	return BPF_CORE_READ(file, f_inode, i_ino);
}

static __always_inline bool is_uevent_fd(struct task_struct *task, __u32 fd)
{
	return uevent_fd_ino(task, fd) != 0;
}

static __always_inline int notify(__u32 fd)
{
	struct filter_new_sock *ev = bpf_ringbuf_reserve(&new_socks, sizeof(*ev), 0);

	if (!ev) {
		__sync_fetch_and_add(&lost, 1);
		return 0;
	}
	__builtin_memset(ev, 0, sizeof(*ev));
	ev->tgid = bpf_get_current_pid_tgid() >> 32;
	ev->fd = fd;
	ev->ts_ns = bpf_ktime_get_ns();
	ev->kind = FILTER_NEW_SOCK_JOINED;
	bpf_ringbuf_submit(ev, 0);
	return 0;
}

static __always_inline bool in_hold_scope(struct task_struct *task)
{
	struct filter_hold_scope k = {.kind = FILTER_SCOPE_NETNS};
	int level;

	k.id = BPF_CORE_READ(task, nsproxy, net_ns, ns.inum);
	if (bpf_map_lookup_elem(&hold_scope, &k))
		return true;
	k.kind = FILTER_SCOPE_PID;
	k.id = bpf_get_current_pid_tgid() >> 32;
	if (bpf_map_lookup_elem(&hold_scope, &k))
		return true;
	k.kind = FILTER_SCOPE_CGROUP;
	for (level = 0; level < FILTER_CG_DEPTH; level++) {
		k.level = level;
		k.id = bpf_get_current_ancestor_cgroup_id(level);
		if (!k.id)
			break;
		if (bpf_map_lookup_elem(&hold_scope, &k))
			return true;
	}
	return false;
}

/*
 * socket() has returned fd, a new uevent socket: hold the task until the watcher has covered
 * it. The notice is reserved first: a task stopped with no notice would never be continued.
 */
static __always_inline int hold(__u32 fd, __u64 ino)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct filter_held h = {.tgid = tgid};
	struct filter_new_sock *ev;

	if (!ino || tgid == self_tgid ||
	    !in_hold_scope((struct task_struct *)bpf_get_current_task()))
		return 0;
	ev = bpf_ringbuf_reserve(&new_socks, sizeof(*ev), 0);
	if (!ev) {
		__sync_fetch_and_add(&lost, 1);
		__sync_fetch_and_add(&hold_failed, 1);
		return 0;
	}
	__builtin_memset(ev, 0, sizeof(*ev));
	ev->tgid = tgid;
	ev->fd = fd;
	ev->ino = ino;
	ev->kind = FILTER_NEW_SOCK_CREATED;
	if (bpf_map_update_elem(&held, &ino, &h, BPF_ANY) == 0) {
		if (bpf_send_signal(SIGSTOP) == 0) {
			ev->held = 1;
			__sync_fetch_and_add(&holds, 1);
		} else {
			bpf_map_delete_elem(&held, &ino);
			__sync_fetch_and_add(&hold_failed, 1);
		}
	} else {
		__sync_fetch_and_add(&hold_failed, 1);
	}
	ev->ts_ns = bpf_ktime_get_ns();
	bpf_ringbuf_submit(ev, 0);
	return 0;
}

/*
 * bind() or setsockopt() on fd returned: if its socket is still held (not covered yet), the
 * caller got there before the watcher, through a SIGCONT it did not get from us or a
 * descriptor it did not create: it dies before it returns to user space.
 */
static __always_inline void check_held(__u32 fd)
{
	__u64 ino = uevent_fd_ino((struct task_struct *)bpf_get_current_task(), fd);
	struct filter_held *h;

	/* The watcher attaches the filter with setsockopt() on its pidfd_getfd() copy. */
	if (!ino || (__u32)(bpf_get_current_pid_tgid() >> 32) == self_tgid)
		return;
	h = bpf_map_lookup_elem(&held, &ino);
	if (!h)
		return;
	h->tainted = 1;
	bpf_send_signal(SIGKILL);
	__sync_fetch_and_add(&bind_killed, 1);
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
	check_held(v);
	return ctx->ret == 0 ? notify(v) : 0;
}

SEC("tracepoint/syscalls/sys_enter_socket")
int uev_enter_socket(struct trace_event_raw_sys_enter *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid(), one = 1;

	if (ctx->args[0] == AF_NETLINK && ctx->args[2] == NETLINK_KOBJECT_UEVENT)
		bpf_map_update_elem(&creating, &tid, &one, BPF_ANY);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_socket")
int uev_exit_socket(struct trace_event_raw_sys_exit *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	if (!bpf_map_lookup_elem(&creating, &tid))
		return 0;
	bpf_map_delete_elem(&creating, &tid);
	if (ctx->ret < 0)
		return 0;
	return hold((__u32)ctx->ret,
		    uevent_fd_ino((struct task_struct *)bpf_get_current_task(), (__u32)ctx->ret));
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

	nr = BPF_CORE_READ(regs, orig_ax);
	if (nr == NR_SOCKET) {
		if (ret < 0 || BPF_CORE_READ(regs, di) != AF_NETLINK ||
		    BPF_CORE_READ(regs, dx) != NETLINK_KOBJECT_UEVENT)
			return 0;
		task = (struct task_struct *)bpf_get_current_task();
		return hold((__u32)ret, uevent_fd_ino(task, (__u32)ret));
	}
	if (nr != NR_BIND && nr != NR_SETSOCKOPT)
		return 0;
	fd = (__u32)BPF_CORE_READ(regs, di);
	check_held(fd);
	if (ret != 0)
		return 0;
	task = (struct task_struct *)bpf_get_current_task();
	if (!is_uevent_fd(task, fd))
		return 0;
	return notify(fd);
}

char LICENSE[] SEC("license") = "GPL";
