/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The filter object's maps, the evaluator's accessors and its two programs,
 * shared by its two builds: bpf/filter.bpf.c (the evaluator over bpf_loop(),
 * 5.17+) and bpf/filter_bounded.bpf.c (over bounded loops, before 5.17). The
 * includer defines EVAL_LOOP (and EVAL_BOUNDED) first; both builds have the
 * same maps and programs by name, so one skeleton loads either
 * (user/filter/filter_state.c).
 */
#ifndef FILTER_PROGS_BPF_H
#define FILTER_PROGS_BPF_H

#include "filter_eval.h"
#include "uev_cgroup.bpf.h"

#define AF_NETLINK	       16
#define NETLINK_KOBJECT_UEVENT 15
#define EPERM		       1

/* The whole policy's commit point; user space pins it at /sys/fs/bpf/uevscope/ucommit. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct uev_commit);
} ucommit SEC(".maps");

/* One config per generation; entry g has active = g and describes rule set g. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct filter_config);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} fconfig SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2 * FILTER_MAX_RULES);
	__type(key, __u32);
	__type(value, struct filter_rule);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} frules SEC(".maps");

/* Created by user space for each rule id; the programs only look up. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 2 * FILTER_MAX_RULES);
	__type(key, __u32);
	__type(value, struct filter_rule_stats);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} fstats SEC(".maps");

/* Socket cookie -> facts recorded by user space when it attached. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct filter_sock_facts);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} fsocks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, FILTER_CNT_MAX);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} fcounters SEC(".maps");

/* The watcher's own numbers, for status; never touched by the programs. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct filter_watch_stats);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} fwatch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scratch);
} fscratch SEC(".maps");

/*
 * Set only by tests/unit/test_filter_prog.c, which runs this program with BPF_PROG_TEST_RUN:
 * the kernel's test socket has a cookie nobody can know, so facts come from cookie 0. Every
 * loader leaves it 0 and the verifier drops the branch.
 */
const volatile __u32 test_facts_cookie0 = 0;

/* The evaluator's accessors (bpf/filter_eval.h): the maps above. */
static __always_inline struct filter_config *eval_config(void)
{
	struct uev_commit *c;
	__u32 zero = 0, gen;

	c = bpf_map_lookup_elem(&ucommit, &zero);
	if (!c)
		return NULL;
	gen = c->active & 1;
	return bpf_map_lookup_elem(&fconfig, &gen);
}

static __always_inline struct filter_rule *eval_rule(const __u32 *slot)
{
	return bpf_map_lookup_elem(&frules, slot);
}

static __always_inline struct filter_rule_stats *eval_rule_stats(const __u32 *id)
{
	return bpf_map_lookup_elem(&fstats, id);
}

static __always_inline void count(__u32 idx)
{
	__u64 *val = bpf_map_lookup_elem(&fcounters, &idx);

	if (val)
		*val += 1;
}

static __always_inline struct scratch *scratch(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&fscratch, &zero);
}

SEC("socket")
int uev_sock_filter(struct __sk_buff *skb)
{
	__u64 cookie = bpf_get_socket_cookie(skb);
	struct filter_sock_facts *f;
	struct scratch *s = scratch();
	__u32 len = skb->len;

	if (!s)
		return skb->len;
	if (test_facts_cookie0)
		cookie = 0;
	f = bpf_map_lookup_elem(&fsocks, &cookie);
	if (!f) {
		count(FILTER_CNT_NO_FACTS);
		return skb->len;
	}
	s->facts = *f;
	if (len > EVAL_MAX)
		len = EVAL_MAX;
	/* The mask changes nothing for len in [1, EVAL_MAX] but proves the range to the verifier.
	 */
	hide_range(len);
	if (len < 1 || bpf_skb_load_bytes(skb, 0, s->buf, ((len - 1) & BUF_MASK) + 1)) {
		count(FILTER_CNT_LOAD_FAIL);
		return skb->len;
	}
	return evaluate(s, len, skb->len, EVAL_MAYBE_ACK) == FILTER_DENY ? 0 : skb->len;
}

SEC("lsm/socket_sock_rcv_skb")
int BPF_PROG(uev_lsm_rcv, struct sock *sk, struct sk_buff *skb, int ret)
{
	struct netlink_skb_parms cb;
	struct filter_sock_facts *f;
	struct scratch *s;
	__u64 cookie;
	__u32 len, lvl, origin;

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
	s->facts.cg_level = uev_sk_cgroup_level(sk, true);
	for (lvl = 0; lvl < FILTER_CG_DEPTH; lvl++) {
		if (lvl > s->facts.cg_level)
			break;
		s->facts.cg_ids[lvl] = uev_sk_cgroup_ancestor_id(sk, lvl, true);
	}
	/*
	 * The cookie as SO_COOKIE made it when user space recorded the socket: read, not made
	 * (bpf_get_socket_cookie() takes a socket in LSM programs only from 5.12). A socket
	 * never recorded has none yet (0), like one whose lookup fails: no holder pid.
	 */
	cookie = sk->__sk_common.skc_cookie.counter;
	f = cookie ? bpf_map_lookup_elem(&fsocks, &cookie) : NULL;
	if (f)
		s->facts.tgid = f->tgid;
	/* NETLINK_CB(skb): a broadcast has dst_group set, the kernel's unicast ack has not. */
	if (bpf_probe_read_kernel(&cb, sizeof(cb), skb->cb))
		cb.dst_group = 1;
	origin = cb.dst_group ? EVAL_BROADCAST : EVAL_MAYBE_ACK;
	len = skb->len;
	if (len > EVAL_MAX)
		len = EVAL_MAX;
	hide_range(len);
	if (len < 1 || bpf_probe_read_kernel(s->buf, ((len - 1) & BUF_MASK) + 1, skb->data)) {
		count(FILTER_CNT_LOAD_FAIL);
		return 0;
	}
	return evaluate(s, len, skb->len, origin) == FILTER_DENY ? -EPERM : 0;
}

char LICENSE[] SEC("license") = "GPL";

#endif /* FILTER_PROGS_BPF_H */
