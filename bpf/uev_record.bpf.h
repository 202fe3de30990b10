/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Record building shared by the delivery (trace.bpf.c) and emission
 * (emit.bpf.c) programs. A record is reserved in the ring buffer in one of a
 * few size classes and filled in place: no per-CPU staging copy, and a
 * 150-byte uevent takes a 256-byte class, not UEV_PAYLOAD_MAX.
 */
#ifndef UEV_RECORD_BPF_H
#define UEV_RECORD_BPF_H

#include "uev_access.bpf.h"

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

/* Records this CPU sent since it last woke the consumer (see uev_submit()). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} since_wakeup SEC(".maps");

/* Records per CPU between two wake-ups of the consumer, set by the loader. */
const volatile __u64 wakeup_every = 1024;

static __always_inline void uev_count(__u32 idx)
{
	__u64 *val = bpf_map_lookup_elem(&counters, &idx);

	if (val)
		*val += 1; /* per-CPU slot: no atomic needed */
}

/*
 * The task running now is the origin: the writer of a uevent file, a kworker,
 * or, for injected uevents, the sender itself, since the kernel broadcasts
 * synchronously inside its sendmsg() (uevent_net_rcv()).
 */
static __always_inline void uev_fill_origin(struct uev_record *rec, bool direct_tier)
{
	/*
	 * bpf_get_current_task_btf() arrived in 5.11: before it (Debian's 5.10) even a BTF tier
	 * reads the task with probe reads. The test is a load-time constant (CO-RE), so the
	 * verifier never walks the branch with the missing helper.
	 */
	const bool direct = direct_tier && bpf_core_enum_value_exists(
					       enum bpf_func_id, BPF_FUNC_get_current_task_btf);
	struct task_struct *task =
	    direct ? bpf_get_current_task_btf() : (struct task_struct *)bpf_get_current_task();
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct nsproxy *nsproxy = UEV_LOAD(direct, task, nsproxy);
	const struct cred *cred = UEV_LOAD(direct, task, cred);
	const struct user_namespace *userns = UEV_LOAD(direct, cred, user_ns);
	const struct net *net = NULL;

	/* A task on its way out has no nsproxy any more. */
	if (nsproxy)
		net = UEV_LOAD(direct, nsproxy, net_ns);
	rec->origin_tgid = pid_tgid >> 32;
	rec->origin_tid = (__u32)pid_tgid;
	rec->origin_netns_ino = net ? uev_net_inum(net, direct) : 0;
	rec->origin_userns_ino = UEV_LOAD(direct, userns, ns.inum);
	if (direct) {
		/* Two loads instead of a helper call; comm is always NUL-padded to 16. */
		const __u64 *comm = (const __u64 *)task->comm;

		__builtin_memcpy(rec->origin_comm, &(__u64[2]){comm[0], comm[1]},
				 sizeof(rec->origin_comm));
	} else {
		bpf_get_current_comm(rec->origin_comm, sizeof(rec->origin_comm));
	}
}

/*
 * One size class: reserve a record with room for `room` payload bytes and
 * copy the payload in. The clamp is written in assembly so that the verifier
 * sees the bound on the very register passed to the copy, whatever the
 * compiler would otherwise keep the length in.
 */
#define UEV_RESERVE_CLASS(room)                                               \
	if (len <= (room)) {                                                  \
		rec = bpf_ringbuf_reserve(&events, sizeof(*rec) + (room), 0); \
		if (!rec)                                                     \
			return NULL;                                          \
		asm volatile("if %[n] <= %[max] goto +1\n\t%[n] = %[max]"     \
			     : [n] "+r"(len)                                  \
			     : [max] "i"(room));                              \
		if (len && bpf_probe_read_kernel(rec->payload, len, p->data)) \
			len = 0;                                              \
		rec->payload_len = len;                                       \
		rec->flags = p->flags;                                        \
		return rec;                                                   \
	}

/*
 * Reserve a record for payload p and copy the payload into it; NULL when the
 * ring buffer is full (counted). Every other field is the caller's to fill.
 */
static __always_inline struct uev_record *uev_reserve(const struct uev_payload *p)
{
	struct uev_record *rec;
	__u64 len = p->len;

	UEV_RESERVE_CLASS(0)
	UEV_RESERVE_CLASS(256)
	UEV_RESERVE_CLASS(512)
	UEV_RESERVE_CLASS(1024)
	UEV_RESERVE_CLASS(UEV_PAYLOAD_MAX)
	return NULL;
}

/* The fields every record kind fills the same way. */
static __always_inline void uev_fill_common(struct uev_record *rec, __u32 kind,
					    const struct uev_skb_cb *cb, bool direct)
{
	rec->ts_ns = bpf_ktime_get_ns();
	rec->kind = kind;
	rec->creds_pid = cb->creds_pid;
	if (cb->creds_pid)
		rec->flags |= UEV_F_INJECTED;
	rec->retval = 0;
	rec->reserved = 0;
	uev_fill_origin(rec, direct);
}

/*
 * The consumer polls on a short timer, so a wake-up is only needed when a
 * burst could fill the buffer before then: every wakeup_every records per
 * CPU. Counting per CPU costs next to nothing, where asking the ring buffer
 * how full it is reads a cache line the consumer keeps writing.
 */
static __always_inline void uev_submit(struct uev_record *rec)
{
	__u32 zero = 0;
	__u64 *since = bpf_map_lookup_elem(&since_wakeup, &zero);
	__u64 flags = BPF_RB_NO_WAKEUP;

	if (since && ++*since >= wakeup_every) {
		*since = 0;
		flags = BPF_RB_FORCE_WAKEUP;
	}
	bpf_ringbuf_submit(rec, flags);
}

#endif /* UEV_RECORD_BPF_H */
