/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * SUBSYSTEM, ACTION and SEQNUM of a queued uevent, parsed in the kernel by
 * report.bpf.c: the payload is copied into per-CPU scratch and scanned with
 * bpf_loop(), which the verifier checks once however long the payload.
 */
#ifndef REPORT_PARSE_BPF_H
#define REPORT_PARSE_BPF_H

/* Scratch is twice the payload so that a bounded offset plus a key fits. */
#define SCRATCH_LEN  (2 * UEV_PAYLOAD_MAX)
#define PAYLOAD_MASK (UEV_PAYLOAD_MAX - 1)
#define SCRATCH_MASK (SCRATCH_LEN - 1)

#define TAIL_LEN 32 /* "SEQNUM=" + 20 digits + NUL fits */

struct parsed {
	__u64 seqnum; /* 0: none */
	__u32 name;   /* interned id of str (report.bpf.c), REPORT_NAME_NONE: none */
	__u32 reserved;
	struct report_name str;
};

/*
 * Per-CPU room for one payload, and what depends only on the broadcast
 * (see parse_payload()), reused for the other sockets it reaches.
 */
struct scratch {
	char buf[SCRATCH_LEN];
	const void *data; /* of the last parse, NULL while invalid */
	__u64 len;
	__u64 tail[TAIL_LEN / 8];
	struct parsed p;
	struct report_name last_name; /* the last name interned on this CPU ... */
	__u32 last_name_id;	      /* ... and its id, 0: none */
	__u32 names_made;	      /* names interned by this CPU */
	__u64 fanout_seqnum;	      /* the SEQNUM whose fan-out entry this CPU saw last */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scratch);
} scratch SEC(".maps");

/* Where SUBSYSTEM= and SEQNUM= values start in the scratch copy (0: not found). */
struct parse_ctx {
	struct scratch *s;
	__u32 len;
	__u32 start; /* of the string being scanned */
	__u32 subsys_off;
	__u32 seq_off;
	bool seq_found; /* read from the tail already */
};

/* The string [c->start, end) is complete: is it one of the two keys we need? */
static __always_inline void match_key(struct parse_ctx *c, const char *b)
{
	__u32 st = c->start & PAYLOAD_MASK;

	if (b[st] != 'S')
		return;
	if (b[st + 1] == 'U' && b[st + 2] == 'B' && b[st + 3] == 'S' && b[st + 4] == 'Y' &&
	    b[st + 5] == 'S' && b[st + 6] == 'T' && b[st + 7] == 'E' && b[st + 8] == 'M' &&
	    b[st + 9] == '=')
		c->subsys_off = st + 10;
	else if (b[st + 1] == 'E' && b[st + 2] == 'Q' && b[st + 3] == 'N' && b[st + 4] == 'U' &&
		 b[st + 5] == 'M' && b[st + 6] == '=')
		c->seq_off = st + 7;
}

#define ONES  0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL

/*
 * Eight bytes per call of bpf_loop(): the verifier checks this body once,
 * where a plain loop over up to 2048 bytes with branches would be explored
 * per iteration. A word without a NUL (most of them) costs one test; at each
 * NUL the string that ends there is matched against the keys. KEY=VALUE
 * strings follow "ACTION@DEVPATH" in any order (an injector picks its own),
 * but the kernel's own put SUBSYSTEM third (kobject_uevent_env() adds
 * ACTION, DEVPATH, SUBSYSTEM first): the scan stops once it has both keys.
 */
static long parse_word(__u32 i, struct parse_ctx *c)
{
	const char *b = c->s->buf;
	__u32 base = (i * 8) & PAYLOAD_MASK, k;
	__u64 w;

	if (base >= c->len)
		return 1;
	w = *(const __u64 *)(b + base);
	if (!((w - ONES) & ~w & HIGHS))
		return 0;
#pragma unroll
	for (k = 0; k < 8; k++) {
		if (base + k >= c->len)
			return 1;
		if (b[base + k])
			continue;
		match_key(c, b);
		c->start = base + k + 1;
	}
	return c->subsys_off && (c->seq_found || c->seq_off);
}

/* Decimal digits at b[off & mask]..., up to 20 of them. */
static __always_inline __u64 parse_seqnum(const char *b, __u32 off, __u32 mask)
{
	__u64 v = 0;
	__u32 k;

	for (k = 0; k < 20; k++) {
		char ch = b[(off + k) & mask];

		if (ch < '0' || ch > '9')
			break;
		v = v * 10 + (ch - '0');
	}
	return v;
}

/*
 * SEQNUM from the last string of the payload, which the kernel always puts
 * there (kobject_uevent_env() adds it last; uevent_net_rcv_skb() appends it to
 * an injection): 0 when the tail holds something else (then the scan finds it).
 */
static __always_inline __u64 tail_seqnum(const char *t)
{
	__u32 st = 0, k;

	/* t[TAIL_LEN - 1] is the payload's final NUL: find the one before. */
#pragma unroll
	for (k = TAIL_LEN - 2; k > 0; k--) {
		if (!t[k]) {
			st = k + 1;
			break;
		}
	}
	if (!st || st > TAIL_LEN - 9 || t[TAIL_LEN - 1])
		return 0;
	if (t[st] != 'S' || t[st + 1] != 'E' || t[st + 2] != 'Q' || t[st + 3] != 'N' ||
	    t[st + 4] != 'U' || t[st + 5] != 'M' || t[st + 6] != '=')
		return 0;
	return parse_seqnum(t, st + 7, TAIL_LEN - 1);
}

/*
 * Fills s->p from the payload; returns true when it parsed it, false when
 * s->p already held it. One broadcast queues the same skb data on every
 * socket, back to back in one task: the last parse is kept per CPU and
 * reused when data, length and the last 32 bytes match. Those end with the
 * SEQNUM, so a reused buffer holding a newer uevent never matches. Without
 * a payload (data NULL) s->p is empty.
 */
static __always_inline bool parse_payload(struct scratch *s, const void *data, __u64 len)
{
	struct parse_ctx c = {.s = s};
	__u64 tail[TAIL_LEN / 8] = {};
	__u32 k;

	if (data && len >= TAIL_LEN &&
	    !bpf_probe_read_kernel(tail, sizeof(tail), data + len - sizeof(tail)) &&
	    s->data == data && s->len == len && s->tail[0] == tail[0] && s->tail[1] == tail[1] &&
	    s->tail[2] == tail[2] && s->tail[3] == tail[3])
		return false;
	s->data = NULL; /* invalid until this parse completes */
	__builtin_memset(&s->p, 0, sizeof(s->p));
	if (!data || !len)
		return true;
	__builtin_memcpy(s->tail, tail, sizeof(tail));
	s->p.seqnum = tail_seqnum((const char *)s->tail);
	c.seq_found = s->p.seqnum != 0;
	asm volatile("if %[n] <= %[max] goto +1\n\t%[n] = %[max]"
		     : [n] "+r"(len)
		     : [max] "i"(UEV_PAYLOAD_MAX));
	if (bpf_probe_read_kernel(s->buf, len, data))
		return true;
	/* The scan needs a NUL at the end even when the payload was cut. */
	s->buf[(len - 1) & PAYLOAD_MASK] = 0;
	c.len = len;
	bpf_loop(UEV_PAYLOAD_MAX / 8, parse_word, &c, 0);
	/* ACTION is the header's part before '@' ("change@/devices/..."). */
	for (k = 0; k < REPORT_ACTION_LEN - 1; k++) {
		char ch = s->buf[k];

		if (!ch || ch == '@')
			break;
		s->p.str.action[k] = ch;
	}
	if (c.subsys_off)
		bpf_probe_read_kernel_str(s->p.str.subsystem, sizeof(s->p.str.subsystem),
					  &s->buf[c.subsys_off & PAYLOAD_MASK]);
	if (!c.seq_found && c.seq_off)
		s->p.seqnum = parse_seqnum(s->buf, c.seq_off & PAYLOAD_MASK, SCRATCH_MASK);
	s->data = data;
	s->len = len;
	return true;
}

#endif /* REPORT_PARSE_BPF_H */
