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
 * Kernels before 5.17 have no bpf_loop(). There the includer defines
 * EVAL_BOUNDED (bpf/filter_bounded.bpf.c): each callback becomes a global
 * function, which the verifier checks once on its own (5.6+), called from a
 * plain bounded loop (5.3+) of at most EVAL_LOOP_MAX calls, so verification
 * stays one pass per callback as with bpf_loop(). A global function takes
 * scalars only, so the loop state (struct eval_ctx) then lives in the
 * per-CPU scratch instead of the stack. The callbacks' bodies are the same
 * source in both: EVAL_CB() only wraps them.
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
 *                           (with EVAL_BOUNDED: cb(i), ctx being the scratch's)
 */
#ifndef FILTER_EVAL_H
#define FILTER_EVAL_H

#define BUF_MASK (FILTER_BUF_SIZE - 1)
/* Bytes of a payload the programs copy and evaluate; the rest is "too large" (fail closed). */
#define EVAL_MAX (FILTER_BUF_SIZE - 1)

/* Hides a value's known range from clang, so the masks the verifier needs stay in the code. */
#define hide_range(v) asm volatile("" : "+r"(v))

struct eval_ctx {
	__u32 set; /* active rule set */
	__u32 nkeys;
	__u32 len;     /* uevent bytes in scratch.buf; buf[len] is a NUL we wrote */
	__u32 nsegs;   /* entries of scratch.seg_end */
	__u32 verdict; /* enum filter_action, 0 = no rule matched */
	__u32 extra;   /* position + 1 of a NUL found after MAX_SEGS segments, 0 if none */
	__u32 header;  /* segment 0 holds an '@': the ACTION@DEVPATH header, not a property */
};

struct scratch {
	char buf[FILTER_BUF_SIZE];
	__u32 voff[FILTER_MAX_KEYS]; /* value of keys[k] at buf[voff], vlen bytes */
	__u32 vlen[FILTER_MAX_KEYS];
	__u32 seg_end[128]; /* MAX_SEGS */
	struct filter_sock_facts facts;
	struct eval_ctx ctx; /* the loop state of a bounded evaluator (EVAL_BOUNDED) */
};

/* What evaluate() is told about where the payload came from. */
enum eval_origin {
	EVAL_MAYBE_ACK = 1, /* may be a unicast ack (the socket filter cannot tell) */
	EVAL_BROADCAST = 2, /* known to be a broadcast (LSM: NETLINK_CB(skb).dst_group != 0) */
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
/* The most calls one loop makes: segments (key_cb, 2 * MAX_SEGS - 1), chunks, rules. */
#define EVAL_LOOP_MAX (2 * MAX_SEGS)

#ifdef EVAL_BOUNDED
/*
 * A callback as a global function of the loop index alone: verified once, whatever its
 * caller; its loop state is the scratch's. Its body is the static function below it.
 */
#define EVAL_CB(name)                                                           \
	static __always_inline long name##_body(__u32 i, struct eval_ctx *ctx); \
	__attribute__((noinline)) int name(__u32 i)                             \
	{                                                                       \
		struct scratch *s_ = scratch();                                 \
                                                                                \
		return s_ ? name##_body(i, &s_->ctx) : 1;                       \
	}                                                                       \
	static __always_inline long name##_body(__u32 i, struct eval_ctx *ctx)
/* The loop state: the scratch's, where the global callbacks find it. */
#define EVAL_CTX(s, local) ((void)(local), &(s)->ctx)
#else
#define EVAL_CB(name)	   static long name(__u32 i, struct eval_ctx *ctx)
#define EVAL_CTX(s, local) (local)
#endif

/*
 * Pass 1, one call per CHUNK bytes: where each segment ends (its NUL). A NUL past MAX_SEGS
 * segments is noted in ctx->extra (its position + 1) and ends the pass. Kept to one branch per
 * byte: the verifier walks all CHUNK bytes of each call.
 */
EVAL_CB(scan_cb)
{
	struct scratch *s = scratch();
	__u32 j, pos;

	if (!s)
		return 1;
	for (j = 0; j < CHUNK; j++) {
		pos = i * CHUNK + j;
		if (pos > ctx->len)
			return 1;
		if (s->buf[pos & BUF_MASK])
			continue;
		if (ctx->nsegs >= MAX_SEGS) {
			ctx->extra = pos + 1;
			return 1;
		}
		s->seg_end[ctx->nsegs++ & (MAX_SEGS - 1)] = pos;
	}
	return 0;
}

/* Pass 1b, one call per CHUNK bytes of segment 0: whether it holds an '@' (a header). */
EVAL_CB(hdr_cb)
{
	struct scratch *s = scratch();
	__u32 j, pos;

	if (!s)
		return 1;
	for (j = 0; j < CHUNK; j++) {
		pos = i * CHUNK + j;
		if (pos >= s->seg_end[0])
			return 1;
		if (s->buf[pos & BUF_MASK] == '@') {
			ctx->header = 1;
			return 1;
		}
	}
	return 0;
}

/*
 * Pass 2, one call per segment: if it is "KEY=..." for a key the policy uses, note the value.
 * As libudev (systemd's device_new_from_nulstr() -> device_add_property_internal(), which
 * replaces an existing key's value), the LAST occurrence of a repeated key wins, and the
 * ACTION@DEVPATH header (segment 0, when it holds an '@') is not a property.
 */
EVAL_CB(key_cb)
{
	struct filter_config *cfg;
	struct scratch *s = scratch();
	__u32 seg, end, k, j;

	cfg = eval_config();
	if (!s || !cfg)
		return 1;
	if (!i && ctx->header)
		return 0;
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

/*
 * One comparison for every kind: the kind only picks where it starts and whether the length
 * allows it. Three inlined comparisons would triple what the verifier walks in rule_cb.
 */
static __always_inline bool alt_match(const struct scratch *s, __u32 off, __u32 len,
				      const struct filter_alt *alt)
{
	__u32 start = off;

	switch (alt->kind) {
	case FILTER_ALT_ANY:
		return true;
	case FILTER_ALT_EXACT:
		if (len != alt->len)
			return false;
		break;
	case FILTER_ALT_PREFIX:
		if (len < alt->len)
			return false;
		break;
	case FILTER_ALT_SUFFIX:
		if (len < alt->len)
			return false;
		start = off + len - alt->len;
		break;
	default:
		return false;
	}
	hide_range(start);
	return same_at(s, start, alt);
}

/* One rule per call, in order; stops at the first match. */
EVAL_CB(rule_cb)
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

/* One rule per call: whether any deny rule of the set applies to this socket. */
EVAL_CB(deny_cb)
{
	__u32 slot = (ctx->set & 1) * FILTER_MAX_RULES + (i & (FILTER_MAX_RULES - 1));
	struct scratch *s = scratch();
	struct filter_rule *r;

	r = eval_rule(&slot);
	if (!s || !r)
		return 1;
	if (!r->id || r->action != FILTER_DENY || !in_scope(r, &s->facts))
		return 0;
	ctx->verdict = FILTER_DENY;
	return 1;
}

static __always_inline __u32 le32_at(const struct scratch *s, __u32 off)
{
	return (__u32)(__u8)s->buf[off] | (__u32)(__u8)s->buf[off + 1] << 8 |
	       (__u32)(__u8)s->buf[off + 2] << 16 | (__u32)(__u8)s->buf[off + 3] << 24;
}

/*
 * Whether the payload is the one thing that passes unevaluated: the kernel's positive ack to
 * an injector (netlink_ack() -> netlink_unicast(), which runs sk_filter() too). The kernel
 * builds it whole: struct nlmsghdr {len 36, NLMSG_ERROR, seq} then struct nlmsgerr {error 0,
 * a copy of the request's nlmsghdr} (36 bytes: an error 0 ack never carries the request's
 * payload, and a uevent request sets no extack message or cookie, so no TLVs either).
 *
 * What an injector cannot forge: on the LSM tier the skb's NETLINK_CB, where a broadcast
 * (kernel or injected uevent, lib/kobject_uevent.c sets dst_group 1) is never an ack. The socket
 * filter cannot read NETLINK_CB (bpf_prog_run_save_cb() hides skb->cb), so there only the exact
 * shape decides: a 36-byte payload whose first 20 bytes are this binary header leaves an
 * injector 16 bytes, of which the kernel takes 9 or more for its own "SEQNUM=N\0", and no
 * '@' header (bytes 0-1 are 0x24 0x00): no uevent parser reads that as a uevent. Error acks
 * (which echo the request) and anything else are evaluated as uevents.
 */
static __always_inline bool is_ack(const struct scratch *s, __u32 len, __u32 full_len, __u32 origin)
{
	if (origin != EVAL_MAYBE_ACK || len != 36 || full_len != 36)
		return false;
	return le32_at(s, 0) == 36 && s->buf[4] == 2 && s->buf[5] == 0 && /* NLMSG_ERROR */
	       le32_at(s, 16) == 0 &&					  /* error 0 */
	       le32_at(s, 8) == le32_at(s, 28) &&			  /* seq == request's */
	       le32_at(s, 20) >= 16;					  /* request's nlmsg_len */
}

/* A udev-format message ("libudev\0" + struct monitor_netlink_header): not a kernel uevent. */
static __always_inline bool is_udev_format(const struct scratch *s, __u32 len)
{
	return len >= 8 && s->buf[0] == 'l' && s->buf[1] == 'i' && s->buf[2] == 'b' &&
	       s->buf[3] == 'u' && s->buf[4] == 'd' && s->buf[5] == 'e' && s->buf[6] == 'v' &&
	       !s->buf[7];
}

/*
 * s->facts and the first len bytes of s->buf are filled in; the payload is full_len bytes
 * (len < full_len when it did not fit the scratch). origin: enum eval_origin.
 */
static __always_inline __u32 evaluate(struct scratch *s, __u32 len, __u32 full_len, __u32 origin)
{
	struct eval_ctx local = {}, *ctx = EVAL_CTX(s, &local);
	struct filter_config *cfg;
	__u32 k, n, set, why = 0;

	cfg = eval_config();
	if (!cfg)
		return FILTER_ALLOW;
	__builtin_memset(ctx, 0, sizeof(*ctx));
	set = cfg->active & 1;
	ctx->set = set;
	ctx->nkeys = cfg->nkeys[set];
	for (k = 0; k < FILTER_MAX_KEYS; k++) {
		s->voff[k] = 0;
		s->vlen[k] = 0; /* an absent key compares as "" (like trace -m) */
	}
	if (len > EVAL_MAX)
		len = EVAL_MAX;
	hide_range(len);
	s->buf[len & BUF_MASK] = 0; /* so a payload without a final NUL ends its last segment */
	if (is_ack(s, len, full_len, origin)) {
		count(FILTER_CNT_ACK);
		return FILTER_ALLOW;
	}
	count(FILTER_CNT_SEEN);
	n = cfg->nrules[set];
	if (n > FILTER_MAX_RULES)
		n = FILTER_MAX_RULES;
	ctx->len = len;
	EVAL_LOOP(len / CHUNK + 1, scan_cb, ctx);
	/*
	 * Fail closed: what cannot be evaluated whole, as libudev would read it, is denied
	 * whenever a deny rule applies to this socket (kernel uevents never get here: at most
	 * 1 + UEVENT_NUM_ENVP (64) segments and ACTION@DEVPATH plus 2048 bytes).
	 */
	/* More than MAX_SEGS segments, unless the one left is the empty one after a final NUL. */
	if (full_len > len ||
	    (ctx->extra && (ctx->extra != len + 1 || s->seg_end[MAX_SEGS - 1] + 1 != len)))
		why = FILTER_CNT_TOO_LARGE;
	else if (is_udev_format(s, len))
		why = FILTER_CNT_UDEV_FORMAT;
	if (why) {
		EVAL_LOOP(n, deny_cb, ctx);
		if (ctx->verdict == FILTER_DENY) {
			count(why);
			return FILTER_DENY;
		}
		count(FILTER_CNT_DEFAULT_ALLOW);
		return FILTER_ALLOW;
	}
	if (ctx->nkeys) {
		EVAL_LOOP(s->seg_end[0] / CHUNK + 1, hdr_cb, ctx);
		EVAL_LOOP(ctx->nsegs & (2 * MAX_SEGS - 1), key_cb, ctx);
	}
	EVAL_LOOP(n, rule_cb, ctx);
	if (!ctx->verdict) {
		count(FILTER_CNT_DEFAULT_ALLOW);
		return FILTER_ALLOW;
	}
	return ctx->verdict;
}

#endif /* EVAL_LOOP */

#endif /* FILTER_EVAL_H */
