/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Types shared by the BPF programs (bpf/) and the loader (user/).
 * Fixed-width fields only, laid out with no hidden padding, so both sides
 * agree on every offset whatever the compiler.
 */
#ifndef UEVSCOPE_H
#define UEVSCOPE_H

/* The kernel caps one uevent at UEVENT_BUFFER_SIZE (include/linux/kobject.h). */
#define UEV_PAYLOAD_MAX 2048
#define UEV_COMM_LEN	16

enum uev_record_kind {
	UEV_REC_DELIVERY = 1,	   /* one uevent queued on one listening socket */
	UEV_REC_EMISSION = 2,	   /* netlink_broadcast() of a uevent into a netns starts */
	UEV_REC_EMISSION_DONE = 3, /* ... and returned retval; no payload */
};

enum uev_record_flags {
	UEV_F_INJECTED = 1 << 0,   /* sent by a process (NETLINK_CB creds.pid != 0) */
	UEV_F_TRUNCATED = 1 << 1,  /* payload longer than UEV_PAYLOAD_MAX */
	UEV_F_NO_PAYLOAD = 1 << 2, /* the queued skb was gone before we could read it */
};

/*
 * One ring buffer record. payload_len bytes of the raw uevent
 * ("ACTION@DEVPATH\0KEY=VALUE\0...") follow the fixed part.
 */
struct uev_record {
	__u64 ts_ns;	   /* bpf_ktime_get_ns() */
	__u64 cgroup_id;   /* cgroup v2 id of the receiving socket (its creator's) */
	__u32 kind;	   /* enum uev_record_kind */
	__u32 flags;	   /* enum uev_record_flags */
	__u32 netns_ino;   /* receiving netns (delivery) or target netns (emission) */
	__u32 userns_ino;  /* owner of netns_ino */
	__u32 sock_ino;	   /* receiving socket's inode: resolves to its processes */
	__u32 portid;	   /* receiving socket's netlink portid */
	__u32 sk_drops;	   /* receiving socket's overrun count so far */
	__u32 rmem_alloc;  /* receive queue fill after this delivery, bytes */
	__u32 rcvbuf;	   /* receive buffer size, bytes */
	__u32 origin_tgid; /* task that caused the broadcast (writer, kworker, injector) */
	__u32 origin_tid;
	__u32 origin_netns_ino;
	__u32 origin_userns_ino;
	__u32 creds_pid; /* NETLINK_CB(skb).creds.pid as the sender's pidns sees it */
	__s32 retval;	 /* emission: netlink_broadcast() result, -ESRCH = no listener */
	__u16 payload_len;
	__u16 reserved;
	char origin_comm[UEV_COMM_LEN];
	char payload[];
};

/* Per-CPU counters, indexes into the "counters" map of every program. */
enum uev_counter {
	UEV_CNT_DELIVERIES,   /* uevent deliveries seen (after netns/cgroup filter) */
	UEV_CNT_FILTERED,     /* deliveries skipped by the in-kernel netns/cgroup filter */
	UEV_CNT_RINGBUF_FULL, /* records lost: ring buffer had no room */
	UEV_CNT_NO_PAYLOAD,   /* deliveries whose skb was consumed before it was read */
	UEV_CNT_EMISSIONS,    /* uevent broadcasts seen (emission tracing only) */
	UEV_CNT_UNICAST,      /* unicast skbs on uevent sockets (acks to injectors), skipped */
	UEV_CNT_MAX,
};

/* One NETLINK_KOBJECT_UEVENT socket, as the iter/netlink program reports it. */
struct uev_sock_info {
	__u64 cgroup_id; /* cgroup v2 id of the socket (its creator's) */
	__u32 netns_ino;
	__u32 userns_ino; /* owner of netns_ino */
	__u32 sock_ino;
	__u32 portid;
	__u32 groups; /* first word of the multicast group bitmap; bit 0 = group 1 */
	__u32 sk_drops;
	__u32 rmem_alloc;
	__u32 rcvbuf;
	__u32 has_filter; /* a socket filter is attached */
	__u32 reserved;
	__u32 filter_locked; /* SO_LOCK_FILTER: the filter can no longer be changed */
	__u32 ngroups;	     /* multicast groups the socket may join (bits in its bitmap) */
};

/*
 * One holder of a uevent socket, from iter/task_file: a socket held by several
 * processes (fork, SCM_RIGHTS) comes once per holder; user space merges by sock_ino.
 */
struct uev_sock_holder {
	struct uev_sock_info info;
	__u32 tgid;
	__u32 fd;
	char comm[UEV_COMM_LEN];
};

#endif /* UEVSCOPE_H */
