// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Socket inventory by a BPF iterator, read by the loader on demand: every
 * NETLINK_KOBJECT_UEVENT socket in every network namespace, with its drops,
 * fill and portid, which /proc/net/netlink shows only one netns at a time.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "uevscope.h"
#include "uev_cgroup.bpf.h"

#define AF_NETLINK	       16
#define NETLINK_KOBJECT_UEVENT 15

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
	/* sock_setsockopt(SO_LOCK_FILTER) sets this flag; SO_ATTACH_FILTER then fails with EPERM.
	 */
	info.filter_locked = (sk->__sk_common.skc_flags >>
			      bpf_core_enum_value(enum sock_flags, SOCK_FILTER_LOCKED)) &
			     1;
	info.ngroups = nlk->ngroups;
	info.cgroup_id = uev_sk_cgroup_id(sk, false);
	bpf_seq_write(ctx->meta->seq, &info, sizeof(info));
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
