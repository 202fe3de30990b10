/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Reading the kernel structs of a uevent delivery: netns and owner, the
 * netlink control block, the payload. Shared by the programs that stream
 * records (uev_record.bpf.h) and those that aggregate in the kernel
 * (report.bpf.c), so both read the same fields the same way.
 */
#ifndef UEV_ACCESS_BPF_H
#define UEV_ACCESS_BPF_H

#define AF_NETLINK	       16
#define NETLINK_KOBJECT_UEVENT 15

/*
 * UEV_LOAD(direct, ptr, field): one field of a kernel struct. Programs with
 * BTF-typed arguments (tp_btf, fentry) pass direct=true and get a plain load,
 * which the verifier turns into a fault-safe access: a few instructions. The
 * others (raw_tp, kprobe) get a bpf_probe_read_kernel() call, ten times
 * dearer. direct is a compile-time constant in every caller, so each program
 * keeps one of the two branches. Both are CO-RE relocated.
 */
#define UEV_LOAD(direct, ptr, field) ((direct) ? (ptr)->field : BPF_CORE_READ(ptr, field))

static __always_inline __u32 uev_net_inum(const struct net *net, bool direct)
{
	return UEV_LOAD(direct, net, ns.inum);
}

static __always_inline __u32 uev_net_owner_inum(const struct net *net, bool direct)
{
	const struct user_namespace *owner = UEV_LOAD(direct, net, user_ns);

	return UEV_LOAD(direct, owner, ns.inum);
}

/* What NETLINK_CB(skb) tells about a queued uevent. */
struct uev_skb_cb {
	__u32 dst_group; /* multicast group: 0 for a unicast ack to an injector */
	__u32 creds_pid; /* sender's pid: 0 for the kernel (alloc_uevent_skb() sets none) */
};

/*
 * NETLINK_CB(skb) lives in skb->cb[], a char array. Direct loads of a field
 * inside it are allowed as long as they stay within the array; the probe
 * variant copies the two fields out instead.
 *
 * Injected uevents carry the injector's credentials in NETLINK_CB(skb).creds
 * (netlink_sendmsg() always sets them); kernel ones are built by
 * alloc_uevent_skb() with creds.pid left 0. That, not portid 0 (which both
 * have), tells the two apart.
 */
static __always_inline struct uev_skb_cb uev_skb_cb(const struct sk_buff *skb, bool direct)
{
	const struct netlink_skb_parms *parms =
	    __builtin_preserve_access_index((const struct netlink_skb_parms *)&skb->cb);
	struct uev_skb_cb cb;

	if (direct) {
		const __u8 *raw = (const __u8 *)skb->cb;

		cb.dst_group = *(const __u32 *)(raw + bpf_core_field_offset(parms->dst_group));
		cb.creds_pid = *(const __s32 *)(raw + bpf_core_field_offset(parms->creds.pid));
	} else {
		cb.dst_group = BPF_CORE_READ(parms, dst_group);
		cb.creds_pid = BPF_CORE_READ(parms, creds.pid);
	}
	return cb;
}

/* The uevent text of an skb: where it is and how much of it we keep. */
struct uev_payload {
	const void *data;
	__u64 len;
	__u32 flags; /* UEV_F_TRUNCATED when the uevent is longer than we keep */
};

/* The part of a uevent that we keep. */
static __always_inline struct uev_payload uev_payload_of(const void *data, __u64 len)
{
	struct uev_payload p = {.data = data, .len = len};

	if (p.len > UEV_PAYLOAD_MAX) {
		p.len = UEV_PAYLOAD_MAX;
		p.flags = UEV_F_TRUNCATED;
	}
	return p;
}

/* An skb nobody else can free under us: the sender's, being broadcast. */
static __always_inline struct uev_payload uev_skb_payload(const struct sk_buff *skb, bool direct)
{
	return uev_payload_of(UEV_LOAD(direct, skb, data), UEV_LOAD(direct, skb, len));
}

/*
 * The socket's inode number, which /proc/PID/fd shows as socket:[ino]. With
 * BTF pointers it is three plain loads through the socket's file; otherwise
 * one probe read through SOCK_INODE() (struct socket is the first member of
 * struct socket_alloc). The kernel's own uevent sockets have no file.
 */
static __always_inline __u32 uev_sock_inode(const struct sock *sk, bool direct)
{
	struct socket *sock = UEV_LOAD(direct, sk, sk_socket);

	if (!sock)
		return 0;
	if (direct) {
		struct file *file = sock->file;

		return file ? file->f_inode->i_ino : 0;
	}
	return BPF_CORE_READ((struct socket_alloc *)sock, vfs_inode.i_ino);
}

/*
 * The skb just queued on sk: sk_data_ready fires right after
 * skb_queue_tail(), so it is the tail of the receive queue unless a reader
 * busy in recv() on another CPU already took it (the tail is then the list
 * head itself): NULL.
 */
static __always_inline const struct sk_buff *uev_queued_skb(const struct sock *sk, bool direct)
{
	const void *head = __builtin_preserve_access_index(&sk->sk_receive_queue);
	const struct sk_buff *skb = UEV_LOAD(direct, sk, sk_receive_queue.prev);

	return (const void *)skb == head ? NULL : skb;
}

/* A delivered uevent as read from its skb. */
struct uev_delivered {
	struct uev_skb_cb cb;
	const void *data;
	__u64 len; /* as the skb says: not clamped */
};

/*
 * Reads the uevent delivered to sk: skb is the one being queued (fentry and
 * kprobe tiers), or NULL to take the tail of the receive queue (tracepoint
 * tiers). Returns false when it is gone: dequeued, or freed while we read it.
 *
 * Nothing locks the queue here, so a reader in recv() on another CPU can
 * dequeue and free the tail between our loads. Its data stay valid (a clone
 * shares them with the original, which the sender holds until the broadcast
 * ends), but the sk_buff itself is slab memory: SLUB writes its free-list
 * pointer into a freed object, and a new allocation rewrites all of it. With
 * a reader that never sleeps, report once counted 10 GB for 16.7 MB of
 * uevents that way (tests/integration/32-loss-counters.sh). Every skb on a
 * uevent socket is linear (alloc_skb() then skb_put(), skb_copy() of an
 * injected uevent, netlink_sendmsg() for a broadcast) and owned by sk, so an
 * intact one has len == head + tail - data and skb->sk == sk. Those loads
 * come after the others: a free that changed any field we use shows there,
 * unless a new skb of the same shape took the memory at once (not seen).
 *
 * Not inlined: inlined into report's tp_btf program, its two ways to "gone"
 * kept the verifier from pruning one into the other (38,415 instructions
 * walked instead of 28,401). "unused": not every program that includes it
 * reads deliveries.
 */
static __attribute__((noinline, unused)) bool uev_read_delivered(const struct sock *sk,
								 const struct sk_buff *skb,
								 bool direct,
								 struct uev_delivered *d)
{
	__u64 head, tail;

	if (!skb)
		skb = uev_queued_skb(sk, direct);
	if (!skb)
		return false;
	d->cb = uev_skb_cb(skb, direct);
	d->data = UEV_LOAD(direct, skb, data);
	d->len = UEV_LOAD(direct, skb, len);
	asm volatile("" ::: "memory"); /* the checks' loads stay after the loads they check */
	head = (__u64)UEV_LOAD(direct, skb, head);
	tail = UEV_LOAD(direct, skb, tail); /* an offset from head on 64-bit kernels */
	if ((__u64)UEV_LOAD(direct, skb, sk) == (__u64)sk && (__u64)d->data + d->len == head + tail)
		return true;
	d->cb = (struct uev_skb_cb){}; /* not the origin of this uevent either */
	return false;
}

#endif /* UEV_ACCESS_BPF_H */
