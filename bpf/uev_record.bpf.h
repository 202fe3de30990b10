/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Record building shared by the delivery (trace.bpf.c) and emission
 * (emit.bpf.c) programs: one per-CPU scratch record, filled and then copied
 * into the ring buffer with its real length, so a 150-byte uevent costs 150
 * bytes of ring buffer and not UEV_PAYLOAD_MAX.
 */
#ifndef UEV_RECORD_BPF_H
#define UEV_RECORD_BPF_H

#define AF_NETLINK		16
#define NETLINK_KOBJECT_UEVENT	15

struct uev_scratch {
	union {
		struct uev_record rec;
		char bytes[sizeof(struct uev_record) + UEV_PAYLOAD_MAX];
	};
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct uev_scratch);
} scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 << 20); /* resized by the loader (-b) */
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, UEV_CNT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

/* Wake the consumer only past this much unread data; it polls on a timer otherwise. */
const volatile __u64 wakeup_bytes = 1 << 20;

static __always_inline void uev_count(__u32 idx)
{
	__u64 *val = bpf_map_lookup_elem(&counters, &idx);

	if (val)
		*val += 1; /* per-CPU slot: no atomic needed */
}

static __always_inline struct uev_scratch *uev_scratch_get(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&scratch, &zero);
}

static __always_inline __u32 uev_net_inum(const struct net *net)
{
	return BPF_CORE_READ(net, ns.inum);
}

static __always_inline __u32 uev_net_owner_inum(const struct net *net)
{
	return BPF_CORE_READ(net, user_ns, ns.inum);
}

/*
 * The task running now is the origin: the writer of a uevent file, a kworker,
 * or, for injected uevents, the sender itself, since the kernel broadcasts
 * synchronously inside its sendmsg() (uevent_net_rcv()).
 */
static __always_inline void uev_fill_origin(struct uev_record *rec)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct net *net = BPF_CORE_READ(task, nsproxy, net_ns);

	rec->origin_tgid = pid_tgid >> 32;
	rec->origin_tid = (__u32)pid_tgid;
	rec->origin_netns_ino = net ? uev_net_inum(net) : 0;
	rec->origin_userns_ino = BPF_CORE_READ(task, cred, user_ns, ns.inum);
	bpf_get_current_comm(rec->origin_comm, sizeof(rec->origin_comm));
}

/*
 * Copy the uevent out of the skb. Injected uevents carry the injector's
 * credentials in NETLINK_CB(skb).creds (netlink_sendmsg() always sets them),
 * kernel ones are built by alloc_uevent_skb() with creds.pid left 0: that,
 * not portid 0 (which both have), tells the two apart.
 */
static __always_inline const struct netlink_skb_parms *uev_skb_parms(const struct sk_buff *skb)
{
	return __builtin_preserve_access_index((const struct netlink_skb_parms *)&skb->cb);
}

/* Multicast (dst_group != 0) is a uevent; unicast on such a socket is an ack to an injector. */
static __always_inline bool uev_skb_is_broadcast(const struct sk_buff *skb)
{
	return BPF_CORE_READ(uev_skb_parms(skb), dst_group) != 0;
}

static __always_inline __u32 uev_read_skb(struct uev_scratch *s, const struct sk_buff *skb)
{
	__u32 len = BPF_CORE_READ(skb, len);
	unsigned char *data = BPF_CORE_READ(skb, data);

	s->rec.creds_pid = BPF_CORE_READ(uev_skb_parms(skb), creds.pid);
	if (s->rec.creds_pid)
		s->rec.flags |= UEV_F_INJECTED;
	if (len > UEV_PAYLOAD_MAX) {
		s->rec.flags |= UEV_F_TRUNCATED;
		len = UEV_PAYLOAD_MAX;
	}
	/* Tells the verifier what the branch above already guarantees. */
	asm volatile("%[len] &= 0xfff" : [len] "+r"(len));
	if (len > UEV_PAYLOAD_MAX)
		len = UEV_PAYLOAD_MAX;
	if (bpf_probe_read_kernel(s->rec.payload, len, data))
		len = 0;
	s->rec.payload_len = len;
	return len;
}

static __always_inline void uev_submit(struct uev_scratch *s, __u32 len)
{
	__u64 flags = BPF_RB_NO_WAKEUP;

	if (bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= wakeup_bytes)
		flags = BPF_RB_FORCE_WAKEUP;
	if (len > UEV_PAYLOAD_MAX)
		len = UEV_PAYLOAD_MAX;
	if (bpf_ringbuf_output(&events, s, sizeof(s->rec) + len, flags))
		uev_count(UEV_CNT_RINGBUF_FULL);
}

#endif /* UEV_RECORD_BPF_H */
