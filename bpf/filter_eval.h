/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The filter rule evaluator, one source for the kernel and the unit tests:
 * bpf/filter.bpf.c compiles it over its maps and bpf_loop(), and
 * tests/unit/filter_eval_shim.h over plain arrays and a for loop, so the
 * tests run the code the kernel runs.
 *
 * It finds the values of the keys the active rule set uses (two loop
 * passes: segment ends, then keys), then runs its rules in order until one
 * matches (a third). bpf_loop() keeps verification to one pass per
 * callback, whatever the number of rules.
 *
 * The includer defines, before including this file, the types of
 * include/filter.h and, for the evaluator (without them, only the structs
 * and the scope test are defined):
 *   struct filter_config *eval_config(void)           the policy, or NULL
 *   struct filter_rule *eval_rule(const __u32 *slot)   a slot of the rule array, or NULL
 *   struct filter_rule_stats *eval_rule_stats(const __u32 *id)   a rule's counters, or NULL
 *   struct scratch *scratch(void)                     the (per-CPU) scratch, or NULL
 *   void count(__u32 idx)                             adds one to counter idx
 *   EVAL_LOOP(n, cb, ctx)   calls cb(i, ctx) for i = 0 .. n-1 until it returns nonzero
 */
#ifndef FILTER_EVAL_H
#define FILTER_EVAL_H

#define UEVENT_MAX 2048 /* UEVENT_BUFFER_SIZE, include/linux/kobject.h */
#define BUF_MASK   (FILTER_BUF_SIZE - 1)

/* Hides a value's known range from clang, so the masks the verifier needs stay in the code. */
#define hide_range(v) asm volatile("" : "+r"(v))

struct scratch {
	char buf[FILTER_BUF_SIZE];
	__u32 voff[FILTER_MAX_KEYS]; /* value of keys[k] at buf[voff], vlen bytes */
	__u32 vlen[FILTER_MAX_KEYS];
	__u32 seg_end[128]; /* MAX_SEGS */
	struct filter_sock_facts facts;
};

struct eval_ctx {
	__u32 set; /* active rule set */
	__u32 nkeys;
	__u32 len;     /* uevent bytes in scratch.buf; buf[len] is a NUL we wrote */
	__u32 nsegs;   /* entries of scratch.seg_end */
	__u32 verdict; /* enum filter_action, 0 = no rule matched */
	__u32 found;   /* bit k: keys[k] seen; the first occurrence counts, as in trace -m */
};

/* Whether rule r applies to a socket with facts f (user space attaches by it too). */
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

/* The evaluator itself: for includers that define the accessors and EVAL_LOOP. */
#ifdef EVAL_LOOP

/* The accessors, declared here, defined by the includer. */
static __always_inline struct filter_config *eval_config(void);
static __always_inline struct filter_rule *eval_rule(const __u32 *slot);
static __always_inline struct filter_rule_stats *eval_rule_stats(const __u32 *id);
static __always_inline struct scratch *scratch(void);
static __always_inline void count(__u32 idx);

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
	__u32 seg, end, k, j;

	cfg = eval_config();
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
		if (!same || s->buf[(seg + key->len) & BUF_MASK] != '=' || (ctx->found & (1u << k)))
			continue;
		ctx->found |= 1u << k;
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

/* One rule per call, in order; stops at the first match. */
static long rule_cb(__u32 i, struct eval_ctx *ctx)
{
	__u32 slot = (ctx->set & 1) * FILTER_MAX_RULES + (i & (FILTER_MAX_RULES - 1));
	struct filter_rule_stats *st;
	struct filter_rule *r;
	struct scratch *s = scratch();
	__u32 t, a;

	r = eval_rule(&slot);
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
	st = eval_rule_stats(&r->id);
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
	__u32 k, n, set;

	cfg = eval_config();
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
	EVAL_LOOP(len / CHUNK + 1, scan_cb, &ctx);
	if (ctx.nkeys)
		EVAL_LOOP(ctx.nsegs & (2 * MAX_SEGS - 1), key_cb, &ctx);
	n = cfg->nrules[set];
	if (n > FILTER_MAX_RULES)
		n = FILTER_MAX_RULES;
	EVAL_LOOP(n, rule_cb, &ctx);
	if (!ctx.verdict) {
		count(FILTER_CNT_DEFAULT_ALLOW);
		return FILTER_ALLOW;
	}
	return ctx.verdict;
}

#endif /* EVAL_LOOP */

#endif /* FILTER_EVAL_H */
