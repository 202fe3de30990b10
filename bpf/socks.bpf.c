// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Socket inventory by BPF iterators, read by the loader on demand:
 * every NETLINK_KOBJECT_UEVENT socket in every network namespace
 * (iter/netlink: drops, fill, portid), and which processes hold each one
 * (iter/task_file: the receiver of a delivery, which the sender-context
 * delivery programs cannot see).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "uevscope.h"

#define AF_NETLINK		16
#define NETLINK_KOBJECT_UEVENT	15
#define S_IFMT			00170000
#define S_IFSOCK		0140000

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
	info.cgroup_id = BPF_CORE_READ(sk, sk_cgrp_data.cgroup, kn, id);
	bpf_seq_write(ctx->meta->seq, &info, sizeof(info));
	return 0;
}

SEC("iter/task_file")
int dump_uevent_owners(struct bpf_iter__task_file *ctx)
{
	struct task_struct *task = ctx->task;
	struct file *file = ctx->file;
	struct uev_sock_owner owner = {};
	struct socket *sock;
	struct sock *sk;

	if (!task || !file)
		return 0;
	if ((BPF_CORE_READ(file, f_inode, i_mode) & S_IFMT) != S_IFSOCK)
		return 0;
	sock = BPF_CORE_READ(file, private_data);
	sk = BPF_CORE_READ(sock, sk);
	if (!sk || BPF_CORE_READ(sk, __sk_common.skc_family) != AF_NETLINK ||
	    BPF_CORE_READ(sk, sk_protocol) != NETLINK_KOBJECT_UEVENT)
		return 0;
	owner.sock_ino = BPF_CORE_READ(file, f_inode, i_ino);
	owner.tgid = task->tgid;
	owner.cgroup_id = BPF_CORE_READ(task, cgroups, dfl_cgrp, kn, id);
	BPF_CORE_READ_STR_INTO(&owner.comm, task, comm);
	bpf_seq_write(ctx->meta->seq, &owner, sizeof(owner));
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
