// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Socket inventory by BPF iterators, read by the loader on demand: every
 * NETLINK_KOBJECT_UEVENT socket in every network namespace, with its drops,
 * fill and portid, which /proc/net/netlink shows only one netns at a time.
 *
 * Two walks, one loaded (user/lib/socks.c, plan "listeners" in probe.c):
 *  - iter/task_file, the first choice: one walk of every process's open
 *    files finds every socket in every netns and its holders at once;
 *  - iter/netlink, the fallback: the netlink table, entered once per netns
 *    (the kernel skips other namespaces' sockets), holders from /proc.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "uevscope.h"
#include "uev_cgroup.bpf.h"

#define AF_NETLINK	       16
#define NETLINK_KOBJECT_UEVENT 15
#define SOCKFS_MAGIC	       0x534F434B

/*
 * What both walks report, for the one walk: sk comes from file->private_data, a
 * void *, so it carries no BTF type and every field is a probe read (CO-RE).
 */
static __always_inline void fill_info(struct uev_sock_info *info, struct sock *sk,
				      struct socket *sock)
{
	struct netlink_sock *nlk = (struct netlink_sock *)sk;
	unsigned long *groups;
	struct net *net;

	net = BPF_CORE_READ(sk, __sk_common.skc_net.net);
	info->netns_ino = BPF_CORE_READ(net, ns.inum);
	info->userns_ino = BPF_CORE_READ(net, user_ns, ns.inum);
	info->sock_ino = BPF_CORE_READ((struct socket_alloc *)sock, vfs_inode.i_ino);
	info->portid = BPF_CORE_READ(nlk, portid);
	info->ngroups = BPF_CORE_READ(nlk, ngroups);
	groups = BPF_CORE_READ(nlk, groups);
	if (groups && info->ngroups)
		bpf_core_read(&info->groups, sizeof(info->groups), groups);
	info->sk_drops = BPF_CORE_READ(sk, sk_drops.counter);
	info->rmem_alloc = BPF_CORE_READ(sk, sk_backlog.rmem_alloc.counter);
	info->rcvbuf = BPF_CORE_READ(sk, sk_rcvbuf);
	info->has_filter = BPF_CORE_READ(sk, sk_filter) != NULL;
	/* sock_setsockopt(SO_LOCK_FILTER) sets this flag; SO_ATTACH_FILTER then fails with EPERM.
	 */
	info->filter_locked = (BPF_CORE_READ(sk, __sk_common.skc_flags) >>
			       bpf_core_enum_value(enum sock_flags, SOCK_FILTER_LOCKED)) &
			      1;
	info->cgroup_id = uev_sk_cgroup_id(sk, false);
}

SEC("iter/netlink")
int dump_uevent_socks(struct bpf_iter__netlink *ctx)
{
	struct netlink_sock *nlk = ctx->sk;
	struct uev_sock_info info = {};
	struct socket *sock;
	struct sock *sk;
	struct net *net;

	if (!nlk)
		return 0;
	sk = &nlk->sk;
	if (sk->sk_protocol != NETLINK_KOBJECT_UEVENT)
		return 0;
	/* The kernel's own uevent socket (portid 0, no struct socket file) is not a listener. */
	sock = sk->sk_socket;
	if (!sock || !sock->file)
		return 0;
	/* Plain loads where the iterator's BTF-typed socket allows them: unchanged fallback. */
	net = sk->__sk_common.skc_net.net;
	info.netns_ino = BPF_CORE_READ(net, ns.inum);
	info.userns_ino = BPF_CORE_READ(net, user_ns, ns.inum);
	info.sock_ino = BPF_CORE_READ((struct socket_alloc *)sock, vfs_inode.i_ino);
	info.portid = nlk->portid;
	if (nlk->groups && nlk->ngroups)
		info.groups = (__u32)BPF_CORE_READ(nlk, groups[0]);
	info.sk_drops = sk->sk_drops.counter;
	info.rmem_alloc = sk->sk_backlog.rmem_alloc.counter;
	info.rcvbuf = sk->sk_rcvbuf;
	info.has_filter = sk->sk_filter != NULL;
	info.filter_locked = (sk->__sk_common.skc_flags >>
			      bpf_core_enum_value(enum sock_flags, SOCK_FILTER_LOCKED)) &
			     1;
	info.ngroups = nlk->ngroups;
	info.cgroup_id = uev_sk_cgroup_id(sk, false);
	bpf_seq_write(ctx->meta->seq, &info, sizeof(info));
	return 0;
}

/*
 * Every open file of every process (threads sharing their leader's file table
 * are skipped by the kernel): keep sockfs files whose socket is a uevent one.
 * file->private_data is a void *, so what hangs off it is read with probe
 * reads, which is also what the 5.10 verifier accepts for every field here.
 * The sockfs check comes first: an O_PATH file of a bound AF_UNIX path is
 * S_IFSOCK too, but its private_data is no struct socket.
 */
SEC("iter/task_file")
int dump_uevent_files(struct bpf_iter__task_file *ctx)
{
	struct uev_sock_holder h = {};
	struct file *file = ctx->file;
	struct task_struct *task = ctx->task;
	struct socket *sock;
	struct sock *sk;

	if (!file || !task)
		return 0;
	if (BPF_CORE_READ(file, f_inode, i_sb, s_magic) != SOCKFS_MAGIC)
		return 0;
	sock = BPF_CORE_READ(file, private_data);
	sk = BPF_CORE_READ(sock, sk);
	if (!sk || BPF_CORE_READ(sk, __sk_common.skc_family) != AF_NETLINK ||
	    BPF_CORE_READ(sk, sk_protocol) != NETLINK_KOBJECT_UEVENT)
		return 0;
	fill_info(&h.info, sk, sock);
	h.tgid = BPF_CORE_READ(task, tgid);
	h.fd = ctx->fd;
	BPF_CORE_READ_STR_INTO(&h.comm, task, comm);
	bpf_seq_write(ctx->meta->seq, &h, sizeof(h));
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
