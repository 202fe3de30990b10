// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * uevent filtering: decides, per listening socket, whether a uevent is
 * queued. Two hooks, picked by the loader (user/filter_state.c):
 *  - socket filter (SO_ATTACH_BPF) on each uevent socket in scope: the kernel
 *    runs it in do_one_broadcast() -> sk_filter(); returning 0 frees the skb
 *    for that socket only, before it reaches the receive queue;
 *  - lsm/socket_sock_rcv_skb, which sk_filter_trim_cap() calls just before the
 *    socket filter for every socket: -EPERM drops the same way, no attach
 *    window, netns and cgroup scopes read from the socket itself.
 * Both build the socket's facts, copy the uevent, and run one evaluator over
 * the active rule set. Maps are pinned under /sys/fs/bpf/uevscope/filter/.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "filter.h"
#include "filter_eval.bpf.h"

SEC("socket")
int uev_sock_filter(struct __sk_buff *skb)
{
	__u64 cookie = bpf_get_socket_cookie(skb);
	struct filter_sock_facts *f;
	struct scratch *s = scratch();
	__u32 len = skb->len;

	if (!s)
		return skb->len;
	f = bpf_map_lookup_elem(&fsocks, &cookie);
	if (!f) {
		count(FILTER_CNT_NO_FACTS);
		return skb->len;
	}
	s->facts = *f;
	if (len > UEVENT_MAX)
		len = UEVENT_MAX;
	/* The mask changes nothing for len in [1, 2048] but proves that range to the verifier. */
	hide_range(len);
	if (len < 1 || bpf_skb_load_bytes(skb, 0, s->buf, ((len - 1) & (UEVENT_MAX - 1)) + 1)) {
		count(FILTER_CNT_LOAD_FAIL);
		return skb->len;
	}
	return evaluate(s, len) == FILTER_DENY ? 0 : skb->len;
}

SEC("lsm/socket_sock_rcv_skb")
int BPF_PROG(uev_lsm_rcv, struct sock *sk, struct sk_buff *skb, int ret)
{
	struct filter_sock_facts *f;
	struct cgroup *cg;
	struct scratch *s;
	__u64 cookie;
	__u32 len, lvl;

	if (ret)
		return ret;
	/* Runs for every skb every socket receives: the family test stays first. */
	if (sk->__sk_common.skc_family != AF_NETLINK || sk->sk_protocol != NETLINK_KOBJECT_UEVENT)
		return 0;
	s = scratch();
	if (!s)
		return 0;
	__builtin_memset(&s->facts, 0, sizeof(s->facts));
	/* netns and cgroup come from the socket; the holder's pid only from what we recorded. */
	s->facts.netns_ino = sk->__sk_common.skc_net.net->ns.inum;
	cg = sk->sk_cgrp_data.cgroup;
	s->facts.cg_level = cg->level;
	for (lvl = 0; lvl < FILTER_CG_DEPTH; lvl++) {
		if (lvl > s->facts.cg_level)
			break;
		s->facts.cg_ids[lvl] = BPF_CORE_READ(cg, ancestors[lvl], kn, id);
	}
	cookie = bpf_get_socket_cookie(sk);
	f = bpf_map_lookup_elem(&fsocks, &cookie);
	if (f)
		s->facts.tgid = f->tgid;
	len = skb->len;
	if (len > UEVENT_MAX)
		len = UEVENT_MAX;
	hide_range(len);
	if (len < 1 ||
	    bpf_probe_read_kernel(s->buf, ((len - 1) & (UEVENT_MAX - 1)) + 1, skb->data)) {
		count(FILTER_CNT_LOAD_FAIL);
		return 0;
	}
	return evaluate(s, len) == FILTER_DENY ? -EPERM : 0;
}

char LICENSE[] SEC("license") = "GPL";
