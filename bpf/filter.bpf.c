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

#define AF_NETLINK	       16
#define NETLINK_KOBJECT_UEVENT 15
#define EPERM		       1
#define UEVENT_MAX	       2048 /* UEVENT_BUFFER_SIZE, include/linux/kobject.h */
#define BUF_MASK	       (FILTER_BUF_SIZE - 1)

/* Hides a value's known range from clang, so the masks the verifier needs stay in the code. */
#define hide_range(v) asm volatile("" : "+r"(v))

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
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

struct scratch {
	char buf[FILTER_BUF_SIZE];
	__u32 voff[FILTER_MAX_KEYS]; /* value of keys[k] at buf[voff], vlen bytes */
	__u32 vlen[FILTER_MAX_KEYS];
	__u32 seg_end[128]; /* MAX_SEGS */
	struct filter_sock_facts facts;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scratch);
} fscratch SEC(".maps");

struct eval_ctx {
	__u32 set; /* active rule set */
	__u32 nkeys;
	__u32 len;     /* uevent bytes in scratch.buf; buf[len] is a NUL we wrote */
	__u32 nsegs;   /* entries of scratch.seg_end */
	__u32 verdict; /* enum filter_action, 0 = no rule matched */
};

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

#define CHUNK	 64  /* bytes one scan_cb call looks at */
#define MAX_SEGS 128 /* NUL-terminated segments of one uevent we look into */

/* Pass 1, one call per CHUNK bytes: where each segment ends (its NUL). */
static long scan_cb(__u32 i, struct eval_ctx *ctx)
{
	struct scratch *s = scratch();
	__u32 j, pos;

	if (!s)
		return 1;
	for (j = 0; j < CHUNK; j++) {
		pos = i * CHUNK + j;
		if (pos > ctx->len || ctx->nsegs >= MAX_SEGS)
			return 1;
		if (!s->buf[pos & BUF_MASK])
			s->seg_end[ctx->nsegs++ & (MAX_SEGS - 1)] = pos;
	}
	return 0;
}

/* Pass 2, one call per segment: if it is "KEY=..." for a key the policy uses, note the value. */
static long key_cb(__u32 i, struct eval_ctx *ctx)
{
	struct filter_config *cfg;
	struct scratch *s = scratch();
	__u32 zero = 0, seg, end, k, j;

	cfg = bpf_map_lookup_elem(&fconfig, &zero);
	if (!s || !cfg)
		return 1;
	seg = i ? s->seg_end[(i - 1) & (MAX_SEGS - 1)] + 1 : 0;
	end = s->seg_end[i & (MAX_SEGS - 1)];
	for (k = 0; k < FILTER_MAX_KEYS; k++) {
		struct filter_key *key = &cfg->keys[ctx->set & 1][k];
		bool same = true;

		if (k >= ctx->nkeys)
			break;
		for (j = 0; j < FILTER_KEY_LEN; j++) {
			if (j >= key->len)
				break;
			if (s->buf[(seg + j) & BUF_MASK] != key->name[j]) {
				same = false;
				break;
			}
		}
		if (!same || s->buf[(seg + key->len) & BUF_MASK] != '=')
			continue;
		s->voff[k] = seg + key->len + 1;
		s->vlen[k] = end - s->voff[k];
		break;
	}
	return 0;
}

static __always_inline bool same_at(const struct scratch *s, __u32 off,
				    const struct filter_alt *alt)
{
	__u32 j;

	for (j = 0; j < FILTER_STR_LEN; j++) {
		if (j >= alt->len)
			break;
		if (s->buf[(off + j) & BUF_MASK] != alt->str[j])
			return false;
	}
	return true;
}

static __always_inline bool alt_match(const struct scratch *s, __u32 off, __u32 len,
				      const struct filter_alt *alt)
{
	switch (alt->kind) {
	case FILTER_ALT_ANY:
		return true;
	case FILTER_ALT_EXACT:
		return len == alt->len && same_at(s, off, alt);
	case FILTER_ALT_PREFIX:
		return len >= alt->len && same_at(s, off, alt);
	case FILTER_ALT_SUFFIX:
		return len >= alt->len && same_at(s, off + len - alt->len, alt);
	}
	return false;
}

static __always_inline bool in_scope(const struct filter_rule *r, const struct filter_sock_facts *f)
{
	switch (r->scope) {
	case FILTER_SCOPE_NETNS:
		return f->netns_ino == r->netns_ino;
	case FILTER_SCOPE_PID:
		return f->tgid && f->tgid == r->pid;
	case FILTER_SCOPE_CGROUP:
		return r->cgroup_level < FILTER_CG_DEPTH && r->cgroup_level <= f->cg_level &&
		       f->cg_ids[r->cgroup_level & (FILTER_CG_DEPTH - 1)] == r->cgroup_id;
	}
	return false;
}

/* One rule per call, in order; stops at the first match. */
static long rule_cb(__u32 i, struct eval_ctx *ctx)
{
	__u32 slot = (ctx->set & 1) * FILTER_MAX_RULES + (i & (FILTER_MAX_RULES - 1));
	struct filter_rule_stats *st;
	struct filter_rule *r;
	struct scratch *s = scratch();
	__u32 t, a;

	r = bpf_map_lookup_elem(&frules, &slot);
	if (!s || !r)
		return 1;
	if (!r->id || !in_scope(r, &s->facts))
		return 0;
	for (t = 0; t < FILTER_MAX_TERMS; t++) {
		const struct filter_term *term = &r->terms[t];
		__u32 k = term->key_idx & (FILTER_MAX_KEYS - 1);
		bool hit = false;

		if (t >= r->nterms)
			break;
		for (a = 0; a < FILTER_MAX_ALTS; a++) {
			if (a >= term->nalts)
				break;
			if (alt_match(s, s->voff[k], s->vlen[k], &term->alts[a])) {
				hit = true;
				break;
			}
		}
		if (hit == !!term->negate)
			return 0; /* this term fails: next rule */
	}
	ctx->verdict = r->action;
	st = bpf_map_lookup_elem(&fstats, &r->id);
	if (!st)
		count(FILTER_CNT_NO_STATS);
	else if (r->action == FILTER_DENY)
		st->denied++;
	else
		st->allowed++;
	return 1;
}

/* s->facts and the first len bytes of s->buf are filled in. */
static __always_inline __u32 evaluate(struct scratch *s, __u32 len)
{
	struct eval_ctx ctx = {};
	struct filter_config *cfg;
	__u32 zero = 0, k, n, set;

	cfg = bpf_map_lookup_elem(&fconfig, &zero);
	if (!cfg)
		return FILTER_ALLOW;
	set = cfg->active & 1;
	ctx.set = set;
	ctx.nkeys = cfg->nkeys[set];
	for (k = 0; k < FILTER_MAX_KEYS; k++) {
		s->voff[k] = 0;
		s->vlen[k] = 0; /* an absent key compares as "" (like trace -m) */
	}
	hide_range(len);
	s->buf[len & BUF_MASK] = 0;
	/*
	 * An ack to an injector (netlink_unicast() runs sk_filter() too) starts with a struct
	 * nlmsghdr of type NLMSG_ERROR (2); a uevent's bytes 4-5 are text. Acks always pass.
	 */
	if (len >= 16 && s->buf[4] == 2 && s->buf[5] == 0)
		return FILTER_ALLOW;
	count(FILTER_CNT_SEEN);
	ctx.len = len;
	bpf_loop(len / CHUNK + 1, scan_cb, &ctx, 0);
	if (ctx.nkeys)
		bpf_loop(ctx.nsegs & (2 * MAX_SEGS - 1), key_cb, &ctx, 0);
	n = cfg->nrules[set];
	if (n > FILTER_MAX_RULES)
		n = FILTER_MAX_RULES;
	bpf_loop(n, rule_cb, &ctx, 0);
	if (!ctx.verdict) {
		count(FILTER_CNT_DEFAULT_ALLOW);
		return FILTER_ALLOW;
	}
	return ctx.verdict;
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
