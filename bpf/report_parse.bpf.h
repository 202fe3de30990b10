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

struct parsed {
	__u64 seqnum; /* 0: none */
	char subsystem[REPORT_SUBSYS_LEN];
	char action[REPORT_ACTION_LEN];
};

/* Per-CPU room for one payload, and the last parse (see parse_payload()). */
struct scratch {
	char buf[SCRATCH_LEN];
	const void *data;
	__u64 len;
	__u64 tail[2];
	struct parsed p;
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
 * strings follow "ACTION@DEVPATH" in any order (an injector picks its own).
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
	return 0;
}

/*
 * One broadcast queues the same skb data on every socket, back to back in one
 * task: the last parse is kept per CPU and reused when data, length and the
 * last 16 bytes match. Those end with SEQNUM=, which the kernel always puts
 * last (kobject_uevent_env() adds it last; uevent_net_rcv_skb() appends it to
 * an injection), so a reused buffer holding a newer uevent never matches.
 */
static __always_inline void parse_payload(const void *data, __u64 len, struct parsed *p)
{
	struct parse_ctx c = {};
	__u32 zero = 0, k;
	struct scratch *s = bpf_map_lookup_elem(&scratch, &zero);
	__u64 tail[2] = {};

	if (!s || !data || len < sizeof(tail))
		return;
	if (bpf_probe_read_kernel(tail, sizeof(tail), data + len - sizeof(tail)))
		return;
	if (s->data == data && s->len == len && s->tail[0] == tail[0] && s->tail[1] == tail[1]) {
		*p = s->p;
		return;
	}
	s->data = NULL; /* invalid until this parse completes */
	asm volatile("if %[n] <= %[max] goto +1\n\t%[n] = %[max]"
		     : [n] "+r"(len)
		     : [max] "i"(UEV_PAYLOAD_MAX));
	if (bpf_probe_read_kernel(s->buf, len, data))
		return;
	/* The scan needs a NUL at the end even when the payload was cut. */
	s->buf[(len - 1) & PAYLOAD_MASK] = 0;
	c.s = s;
	c.len = len;
	bpf_loop(UEV_PAYLOAD_MAX / 8, parse_word, &c, 0);
	/* ACTION is the header's part before '@' ("change@/devices/..."). */
	for (k = 0; k < REPORT_ACTION_LEN - 1; k++) {
		char ch = s->buf[k];

		if (!ch || ch == '@')
			break;
		p->action[k] = ch;
	}
	if (c.subsys_off)
		bpf_probe_read_kernel_str(p->subsystem, sizeof(p->subsystem),
					  &s->buf[c.subsys_off & PAYLOAD_MASK]);
	if (c.seq_off) {
		__u32 off = c.seq_off & PAYLOAD_MASK;

		for (k = 0; k < 20; k++) {
			char ch = s->buf[(off + k) & SCRATCH_MASK];

			if (ch < '0' || ch > '9')
				break;
			p->seqnum = p->seqnum * 10 + (ch - '0');
		}
	}
	s->p = *p;
	s->data = data;
	s->len = len;
	s->tail[0] = tail[0];
	s->tail[1] = tail[1];
}

#endif /* REPORT_PARSE_BPF_H */
