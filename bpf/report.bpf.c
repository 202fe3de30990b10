// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * In-kernel aggregation for `uevscope report` and `uevscope top`: per netns x
 * origin x SUBSYSTEM/ACTION, per socket and per SEQNUM counts in per-CPU
 * maps, read by the loader every interval (which sums the first into per-netns
 * totals). Nothing goes through a BPF ring buffer. A delivery costs two hash
 * map operations (event, socket); the fan-out counts in a per-CPU slot and
 * writes a finished SEQNUM into an array ring (include/report.h); what
 * depends only on the broadcast (parse, interned name) is reused for its
 * other sockets.
 *
 * Same attach tiers as trace (user/report/report_attach.c picks one with the probe
 * plans): sock:sk_data_ready as tp_btf or raw_tp, else fentry or kprobe on
 * __netlink_sendskb(). Emission on netlink_broadcast() is the emission
 * object's report job (emit.bpf.c), where the kernel allows fentry/fexit or
 * kprobes: it counts into emit_stats and rep_counters, and keeps the start
 * of each broadcast in the per-thread map the deliveries here read.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "uevscope.h"
#include "report.h"
#include "uev_access.bpf.h"
#include "uev_delivery.bpf.h"
#include "uev_log2.bpf.h"
#include "uev_broadcast.bpf.h"

/*
 * SUBSYSTEM, ACTION and SEQNUM of a queued uevent, parsed in the kernel by
 * report.bpf.c: the payload is copied into per-CPU scratch and scanned by a
 * global function called from a bounded loop, which the verifier checks once
 * however long the payload, as it would a bpf_loop() callback, and on every
 * kernel of the matrix (bpf_loop() arrived in 5.17, global functions in 5.6).
 */

/* Where SUBSYSTEM= and SEQNUM= values start in the scratch copy (0: not found). */
struct parse_ctx {
	__u32 len;
	__u32 start; /* of the string being scanned */
	__u32 subsys_off;
	__u32 seq_off;
	__u32 seq_found; /* read from the tail already */
	__u32 reserved;
};

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
	struct parse_ctx pc;	      /* the scan's state: parse_word() takes the index only */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scratch);
} scratch SEC(".maps");

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
 * Eight bytes per call: a global function, so the verifier checks this body once,
 * where a plain loop over up to 2048 bytes with branches would be explored
 * per iteration. A word without a NUL (most of them) costs one test; at each
 * NUL the string that ends there is matched against the keys. KEY=VALUE
 * strings follow "ACTION@DEVPATH" in any order (an injector picks its own),
 * but the kernel's own put SUBSYSTEM third (kobject_uevent_env() adds
 * ACTION, DEVPATH, SUBSYSTEM first): the scan stops once it has both keys.
 */
__attribute__((noinline)) int parse_word(__u32 i)
{
	__u32 base = (i * 8) & PAYLOAD_MASK, k, zero = 0;
	struct parse_ctx *c;
	struct scratch *s;
	const char *b;
	__u64 w;

	s = bpf_map_lookup_elem(&scratch, &zero);
	if (!s)
		return 1;
	b = s->buf;
	c = &s->pc;

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
	struct parse_ctx *c = &s->pc;
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
	__builtin_memset(c, 0, sizeof(*c));
	c->seq_found = s->p.seqnum != 0;
	asm volatile("if %[n] <= %[max] goto +1\n\t%[n] = %[max]"
		     : [n] "+r"(len)
		     : [max] "i"(UEV_PAYLOAD_MAX));
	if (bpf_probe_read_kernel(s->buf, len, data))
		return true;
	/* The scan needs a NUL at the end even when the payload was cut. */
	s->buf[(len - 1) & PAYLOAD_MASK] = 0;
	c->len = len;
	for (k = 0; k < UEV_PAYLOAD_MAX / 8; k++)
		if (parse_word(k))
			break;
	/* ACTION is the header's part before '@' ("change@/devices/..."). */
	for (k = 0; k < REPORT_ACTION_LEN - 1; k++) {
		char ch = s->buf[k];

		if (!ch || ch == '@')
			break;
		s->p.str.action[k] = ch;
	}
	if (c->subsys_off)
		bpf_probe_read_kernel_str(s->p.str.subsystem, sizeof(s->p.str.subsystem),
					  &s->buf[c->subsys_off & PAYLOAD_MASK]);
	if (!c->seq_found && c->seq_off)
		s->p.seqnum = parse_seqnum(s->buf, c->seq_off & PAYLOAD_MASK, SCRATCH_MASK);
	s->data = data;
	s->len = len;
	return true;
}

/*
 * The maps and configuration of bpf/report.bpf.c, and the small helpers that
 * count into them; the loader reads them through user/report/report_model.c.
 */

#define EEXIST 17
#define ENOENT 2
#define E2BIG  7

/*
 * Set by the loader once the emission object is attached: deliveries have a
 * start time in broadcasts (uev_broadcast.bpf.h) from then on.
 */
volatile bool emission_traced = false;

/*
 * The time stamp of deliveries: CLOCK_MONOTONIC ns of the loader's latest
 * readout, which it writes here. A delivery stamped T happened after the
 * readout at T and before the next one: enough for "last seen" and for the
 * fan-out's settle time (report_model.c), and one load where
 * bpf_ktime_get_ns() costs about 90 ns on a kvm-clock guest
 * (bpf_ktime_get_coarse_ns() is refused to tracing programs).
 */
volatile __u64 readout_ns = 0;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, REPORT_MAX_EVENTS);
	__type(key, struct report_event_key);
	__type(value, struct report_event_val);
} event_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, REPORT_MAX_NAMES);
	__type(key, struct report_name);
	__type(value, __u32);
} names SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, REPORT_MAX_SOCKS);
	__type(key, struct report_sock_key);
	__type(value, struct report_sock_val);
} sock_stats SEC(".maps");

/* The SEQNUM being delivered on this CPU (include/report.h). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct report_fanout_cpu);
} fanout_cpu SEC(".maps");

/*
 * Finished parts: CPU c owns [c * fanout_ring_len, (c + 1) * fanout_ring_len).
 * The loader sets the size (possible CPUs x fanout_ring_len) and maps it.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, REPORT_MAX_FANOUT);
	__type(key, __u32);
	__type(value, struct report_fanout_rec);
} fanout_ring SEC(".maps");

/* Records per CPU, a power of 2: set by the loader. */
const volatile __u32 fanout_ring_len = REPORT_MAX_FANOUT;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, REPORT_MAX_NETNS);
	__type(key, struct report_netns_key);
	__type(value, struct report_emit_val);
} emit_stats SEC(".maps");

/* emit-to-delivery latency, ns, log2 slots. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, REPORT_HIST_SLOTS);
	__type(key, __u32);
	__type(value, __u64);
} latency SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, REP_CNT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} rep_counters SEC(".maps");

static __always_inline void rep_count(__u32 idx)
{
	__u64 *val = bpf_map_lookup_elem(&rep_counters, &idx);

	if (val)
		*val += 1; /* per-CPU slot */
}

/* The entry for key, created zeroed if missing; NULL (counted in full_idx) when the map is full. */
static __always_inline void *lookup_or_init(void *map, const void *key, const void *zero,
					    __u32 full_idx)
{
	void *val = bpf_map_lookup_elem(map, key);
	long err;

	if (val)
		return val;
	err = bpf_map_update_elem(map, key, zero, BPF_NOEXIST);
	if (err && err != -EEXIST) {
		rep_count(full_idx);
		return NULL;
	}
	return bpf_map_lookup_elem(map, key);
}

static __always_inline __u32 log2_slot(__u64 v)
{
	__u32 slot = uev_log2(v);

	return slot < REPORT_HIST_SLOTS ? slot : REPORT_HIST_SLOTS - 1;
}

/*
 * Interned SUBSYSTEM/ACTION names keep per-CPU state in struct scratch (the
 * parser above), and the fan-out in fanout_cpu, so that a burst of one
 * uevent costs as few map operations as possible.
 */

/*
 * The finished SEQNUM of this CPU into its ring. No store order is needed:
 * the reader trusts the record only when pos and check match
 * (include/report.h), whatever order its stores became visible in.
 */
static __always_inline void fanout_push(const struct report_fanout_cpu *fc)
{
	__u32 idx = bpf_get_smp_processor_id() * fanout_ring_len +
		    ((__u32)fc->head & (fanout_ring_len - 1)),
	      pos = (__u32)fc->head + 1;
	struct report_fanout_rec *r = bpf_map_lookup_elem(&fanout_ring, &idx);

	if (!r) /* never: the loader sized it for every possible CPU */
		return;
	r->pos = pos;
	r->netns = fc->netns;
	r->seqnum = fc->seqnum;
	r->last_ts_ns = fc->last_ts_ns;
	r->sockets = fc->sockets;
	r->check = report_fanout_check(pos, fc->netns, fc->sockets, fc->seqnum, fc->last_ts_ns);
}

/*
 * Same SEQNUM as this CPU's last delivery: counts in place, no map
 * operation. Another one: the last goes to the ring and this one starts.
 * Either way the slot's check is written anew over what it now holds: the
 * loader folds a current SEQNUM only from a copy whose check matches.
 */
static __always_inline void count_fanout(__u64 seqnum, __u32 netns, __u64 now)
{
	__u32 zero = 0;
	struct report_fanout_cpu *fc = bpf_map_lookup_elem(&fanout_cpu, &zero);

	if (!fc) /* never: a one-slot array */
		return;
	if (fc->seqnum == seqnum) {
		fc->sockets++;
		if (fc->last_netns != netns) {
			fc->netns++;
			fc->last_netns = netns;
		}
	} else {
		if (fc->seqnum) {
			fanout_push(fc);
			fc->head++;
		}
		fc->seqnum = seqnum;
		fc->netns = 1;
		fc->sockets = 1;
		fc->last_netns = netns;
	}
	fc->last_ts_ns = now;
	fc->check = report_fanout_check((__u32)fc->head, fc->netns, fc->sockets, seqnum, now);
}

static __always_inline bool same_name(const struct report_name *a, const struct report_name *b)
{
	const __u64 *x = (const __u64 *)a, *y = (const __u64 *)b;

	return x[0] == y[0] && x[1] == y[1] && x[2] == y[2] && x[3] == y[3] && x[4] == y[4];
}

/*
 * A new name id, unique without atomics (fetching adds need -mcpu=v3): the
 * CPU's number in the low NAME_CPU_BITS, the names this CPU made so far + 1
 * above, below REPORT_NAME_INJECTED. 0 when out of room.
 */
#define NAME_CPU_BITS 12
#define NAME_SEQ_MAX  (REPORT_NAME_INJECTED >> NAME_CPU_BITS)

static __always_inline __u32 new_name_id(const struct scratch *s)
{
	__u32 cpu = bpf_get_smp_processor_id(), seq = s->names_made + 1;

	if (cpu >> NAME_CPU_BITS || seq >= NAME_SEQ_MAX)
		return 0;
	return seq << NAME_CPU_BITS | cpu;
}

/*
 * The id of s->p.str, interned on first sight. Uevent bursts repeat one
 * SUBSYSTEM/ACTION, so the last one interned on this CPU is kept and
 * compared first. REPORT_NAME_NONE (counted) when the names map is full.
 */
static __always_inline __u32 intern_name(struct scratch *s)
{
	const struct report_name *n = &s->p.str;
	__u32 *found, id;
	long err;

	if (s->last_name_id && same_name(&s->last_name, n))
		return s->last_name_id;
	found = bpf_map_lookup_elem(&names, n);
	if (found) {
		id = *found;
	} else {
		id = new_name_id(s);
		err = id ? bpf_map_update_elem(&names, n, &id, BPF_NOEXIST) : -E2BIG;
		if (!err)
			s->names_made++;
		if (err == -EEXIST) { /* another CPU interned it first: take its id */
			found = bpf_map_lookup_elem(&names, n);
			err = found ? 0 : -ENOENT;
			id = found ? *found : 0;
		}
		if (err) {
			rep_count(REP_CNT_SA_FULL);
			return REPORT_NAME_NONE;
		}
	}
	__builtin_memcpy(&s->last_name, n, sizeof(*n));
	s->last_name_id = id;
	return id;
}

static __always_inline int handle_delivery(struct sock *sk, const struct sk_buff *skb, bool direct)
{
	struct report_sock_val zero_sock = {}, *sv;
	struct report_event_val zero_event = {}, *ev;
	struct report_event_key ek;
	struct report_sock_key sk_key;
	struct uev_delivered d = {};
	const struct net *net;
	__u32 zero = 0;
	__u64 len = 0, *cnt, now = readout_ns;
	struct scratch *s = bpf_map_lookup_elem(&scratch, &zero);
	struct uev_broadcast *bc;

	if (!s) /* never: a one-slot array */
		return 0;
	if (uev_read_delivered(sk, skb, direct, &d)) {
		if (!d.cb.dst_group) {
			rep_count(REP_CNT_UNICAST);
			return 0;
		}
		len = d.len;
		if (parse_payload(s, d.data, len) || !s->p.name)
			s->p.name = intern_name(s);
		if (!s->p.seqnum)
			rep_count(REP_CNT_NO_SEQNUM);
	} else {
		rep_count(REP_CNT_NO_PAYLOAD);
		parse_payload(s, NULL, 0);
		s->p.name = intern_name(s);
	}
	rep_count(REP_CNT_DELIVERIES);
	net = UEV_LOAD(direct, sk, __sk_common.skc_net.net);
	ek.netns_ino = uev_net_inum(net, direct);
	ek.userns_ino = uev_net_owner_inum(net, direct);
	ek.name = s->p.name | (d.cb.creds_pid ? REPORT_NAME_INJECTED : 0);

	ev = lookup_or_init(&event_stats, &ek, &zero_event, REP_CNT_NETNS_FULL);
	if (ev) {
		ev->deliveries++;
		ev->bytes += len;
		ev->last_ts_ns = now;
	}

	sk_key.sock_ino = uev_sock_inode(sk, direct);
	sk_key.netns_ino = ek.netns_ino;
	sv = lookup_or_init(&sock_stats, &sk_key, &zero_sock, REP_CNT_SOCK_FULL);
	if (sv) {
		sv->deliveries++;
		sv->bytes += len;
		sv->last_ts_ns = now;
		sv->last_seqnum = s->p.seqnum;
	}

	if (s->p.seqnum)
		count_fanout(s->p.seqnum, ek.netns_ino, now);

	if (emission_traced) {
		__u32 tid = (__u32)bpf_get_current_pid_tgid();

		bc = bpf_map_lookup_elem(&broadcasts, &tid);
		if (bc) {
			__u64 delta = bpf_ktime_get_ns() - bc->ts_ns;
			__u32 slot = log2_slot(delta), sum_idx = REP_CNT_LATENCY_SUM_NS;

			cnt = bpf_map_lookup_elem(&latency, &slot);
			if (cnt)
				*cnt += 1;
			cnt = bpf_map_lookup_elem(&rep_counters, &sum_idx);
			if (cnt)
				*cnt += delta;
		} else {
			rep_count(REP_CNT_LATENCY_NOSTART);
		}
	}
	return 0;
}

/* The six delivery tiers, gated (uev_delivery.bpf.h). */
UEV_DELIVERY_PROGRAMS(report_tp_btf, report_raw_tp, report_sendskb_fentry, report_sendskb_kprobe,
		      report_readable_fentry, report_readable_kprobe, handle_delivery)

char LICENSE[] SEC("license") = "Dual BSD/GPL";
