/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The gated entry points of the six delivery tiers, written once for the
 * programs that see deliveries (trace.bpf.c, report.bpf.c). Each lets only a
 * NETLINK_KOBJECT_UEVENT socket through, then calls
 * handler(sk, skb, direct): skb is NULL where the hook has none (the queued
 * skb is then sk_receive_queue.prev), direct says whether the tier allows
 * BTF loads (UEV_LOAD, uev_access.bpf.h).
 *
 * sk_data_ready fires for every socket wake-up on the host, so its family
 * test comes first and costs nothing else. __netlink_sendskb() runs for
 * netlink sockets only, and also carries unicast replies: the protocol test
 * keeps uevent sockets.
 *
 * Before 6.4 there is no tracepoint, and some kernels (Debian's 5.10) inline
 * __netlink_sendskb() into netlink_broadcast_deliver(). What it calls right
 * after skb_queue_tail() stays out of line everywhere: sk->sk_data_ready(sk),
 * which is sock_def_readable() for every user netlink socket (set by
 * sock_init_data(), never replaced by af_netlink.c), the very function that
 * holds the tracepoint from 6.4 on. So fentry/kprobe on it see exactly what
 * the tracepoint sees: the skb already queued (or none, for a full buffer:
 * netlink_overrun() then runs instead and nothing fires), and every socket
 * family, so the family test comes first as for the tracepoint.
 */
#ifndef UEV_DELIVERY_BPF_H
#define UEV_DELIVERY_BPF_H

#define UEV_DELIVERY_PROGRAMS(btf, raw, fentry, kprobe, rd_fentry, rd_kprobe, handler) \
	SEC("tp_btf/sk_data_ready")                                                    \
	int BPF_PROG(btf, struct sock *sk)                                             \
	{                                                                              \
		if (sk->__sk_common.skc_family != AF_NETLINK ||                        \
		    sk->sk_protocol != NETLINK_KOBJECT_UEVENT)                         \
			return 0;                                                      \
		return handler(sk, NULL, true);                                        \
	}                                                                              \
                                                                                       \
	SEC("raw_tp/sk_data_ready")                                                    \
	int BPF_PROG(raw, struct sock *sk)                                             \
	{                                                                              \
		if (BPF_CORE_READ(sk, __sk_common.skc_family) != AF_NETLINK ||         \
		    BPF_CORE_READ(sk, sk_protocol) != NETLINK_KOBJECT_UEVENT)          \
			return 0;                                                      \
		return handler(sk, NULL, false);                                       \
	}                                                                              \
                                                                                       \
	SEC("fentry/__netlink_sendskb")                                                \
	int BPF_PROG(fentry, struct sock *sk, struct sk_buff *skb)                     \
	{                                                                              \
		if (sk->sk_protocol != NETLINK_KOBJECT_UEVENT)                         \
			return 0;                                                      \
		return handler(sk, skb, true);                                         \
	}                                                                              \
                                                                                       \
	SEC("kprobe/__netlink_sendskb")                                                \
	int BPF_KPROBE(kprobe, struct sock *sk, struct sk_buff *skb)                   \
	{                                                                              \
		if (BPF_CORE_READ(sk, sk_protocol) != NETLINK_KOBJECT_UEVENT)          \
			return 0;                                                      \
		return handler(sk, skb, false);                                        \
	}                                                                              \
                                                                                       \
	SEC("fentry/sock_def_readable")                                                \
	int BPF_PROG(rd_fentry, struct sock *sk)                                       \
	{                                                                              \
		if (sk->__sk_common.skc_family != AF_NETLINK ||                        \
		    sk->sk_protocol != NETLINK_KOBJECT_UEVENT)                         \
			return 0;                                                      \
		return handler(sk, NULL, true);                                        \
	}                                                                              \
                                                                                       \
	SEC("kprobe/sock_def_readable")                                                \
	int BPF_KPROBE(rd_kprobe, struct sock *sk)                                     \
	{                                                                              \
		if (BPF_CORE_READ(sk, __sk_common.skc_family) != AF_NETLINK ||         \
		    BPF_CORE_READ(sk, sk_protocol) != NETLINK_KOBJECT_UEVENT)          \
			return 0;                                                      \
		return handler(sk, NULL, false);                                       \
	}

#endif /* UEV_DELIVERY_BPF_H */
