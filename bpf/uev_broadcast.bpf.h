/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The per-thread state of a netlink_broadcast() in progress, owned by the
 * emission object (emit.bpf.c): its start, and its socket for kretprobes,
 * which do not see the arguments. report.bpf.c's deliveries read it for the
 * emit-to-delivery latency: they run inside the broadcast, in its task, and
 * the loader gives both objects one map (bpf_map__reuse_fd()).
 */
#ifndef UEV_BROADCAST_BPF_H
#define UEV_BROADCAST_BPF_H

struct uev_broadcast {
	__u64 ts_ns; /* 0 where no job needs the start */
	struct sock *ssk;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096); /* resized by the loader */
	__type(key, __u32);	   /* tid */
	__type(value, struct uev_broadcast);
} broadcasts SEC(".maps");

#endif /* UEV_BROADCAST_BPF_H */
