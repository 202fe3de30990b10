/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Per-SEQNUM fan-out and interned SUBSYSTEM/ACTION names for
 * bpf/report.bpf.c: both keep per-CPU state in struct scratch
 * (report_parse.bpf.h) so a burst of one uevent costs as few map operations
 * as possible.
 */
#ifndef REPORT_NAMES_BPF_H
#define REPORT_NAMES_BPF_H

static __always_inline void fanout_add(struct report_fanout *f, __u32 netns, __u64 now)
{
	/* One task delivers one SEQNUM, netns after netns: no other writer. */
	f->sockets++;
	if (f->last_netns != netns) {
		f->netns++;
		f->last_netns = netns;
	}
	f->last_ts_ns = now;
}

/*
 * The first delivery of a SEQNUM inserts its entry without looking it up
 * first (one hash operation, not two); the next ones on this CPU look it
 * up. A broadcast that moved to another CPU between namespaces finds its
 * entry there through the failed insert.
 */
static __always_inline void count_fanout(struct scratch *s, __u64 seqnum, __u32 netns,
					 bool injected, __u64 now)
{
	struct report_fanout first = {
	    .last_ts_ns = now, .netns = 1, .sockets = 1, .last_netns = netns, .injected = injected};
	struct report_fanout *f;
	long err;

	if (s->fanout_seqnum == seqnum) {
		f = bpf_map_lookup_elem(&fanout, &seqnum);
		if (f) {
			fanout_add(f, netns, now);
			return;
		}
	}
	err = bpf_map_update_elem(&fanout, &seqnum, &first, BPF_NOEXIST);
	if (!err) {
		s->fanout_seqnum = seqnum;
		return;
	}
	f = err == -EEXIST ? bpf_map_lookup_elem(&fanout, &seqnum) : NULL;
	if (!f) {
		rep_count(REP_CNT_FANOUT_FULL);
		return;
	}
	s->fanout_seqnum = seqnum;
	fanout_add(f, netns, now);
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

#endif /* REPORT_NAMES_BPF_H */
