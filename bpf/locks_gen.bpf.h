/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The generations of uevscope locks, shared by the contention programs
 * (locks.bpf.c) and the broadcast timing job of the emission object
 * (emit.bpf.c): the report generation, the in-flight counts user space waits
 * on, the counters, and the per-generation wait statistics. The loader shares
 * the maps between the two objects (bpf_map__reuse_fd()) and stores the
 * generation into both (user/locks/locks_attach.c).
 */
#ifndef LOCKS_GEN_BPF_H
#define LOCKS_GEN_BPF_H

#include "locks.h"
#include "uev_log2.bpf.h"

/*
 * What every uevscope locks program shares: the counters of what could not
 * be recorded, and wait statistics with log2 histograms (struct locks_stat)
 * kept per report generation. Values are per CPU and a program does not run
 * twice at once on a CPU (the kernel's per-program recursion check): plain
 * increments, no atomics, except for the in-flight counts below.
 */

/* Report generation, bumped by user space at each read; see struct locks_slot. */
__u32 locks_gen = 0;

/*
 * Program runs in flight per CPU and generation slot (struct locks_busy):
 * after bumping locks_gen, user space waits until the old slot's count is
 * zero on every CPU before it reads that slot.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct locks_busy);
} busy SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, LOCKS_CNT__COUNT);
	__type(key, __u32);
	__type(value, __u64);
} locks_counters SEC(".maps");

/*
 * The time of each uevent broadcast: written by the emission object's timing
 * job (emit.bpf.c), which reuses this object's map; read through the locks
 * object.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct locks_stat);
} bcast_stats SEC(".maps");

static __always_inline void count(__u32 idx)
{
	__u64 *val = bpf_map_lookup_elem(&locks_counters, &idx);

	if (val)
		*val += 1; /* per CPU, and programs do not nest on a CPU: no atomics */
}

static __always_inline __u32 log2_slot(__u64 v)
{
	__u32 r = uev_log2(v);

	r = r < LOCKS_HIST_SLOTS ? r : LOCKS_HIST_SLOTS - 1;
	/*
	 * Hide r's range from the compiler so the caller's mask is emitted:
	 * 6.1's verifier does not carry the bound through the compare above
	 * and rejects the histogram index as unbounded without it.
	 */
	asm volatile("" : "+r"(r));
	return r;
}

/*
 * A fully ordered add. On x86-64 the plain atomic add (BPF_XADD, every kernel) is JITed as
 * `lock add`, itself a full barrier; the fetch form (BPF_FETCH) arrived only in 5.12, and a
 * program holding it is refused whole before (5.10: "BPF_STX uses reserved fields"), even
 * in code the verifier would never walk. Elsewhere (arm64: a plain add is an unordered
 * stadd) the result is used, so the add keeps its fetch form, fully ordered on every JIT.
 */
static __always_inline void ordered_add(__s64 *p, __s64 v)
{
#ifdef __TARGET_ARCH_x86
	__sync_fetch_and_add(p, v);
#else
	if (__sync_fetch_and_add(p, v) == -(1LL << 62))
		asm volatile("" ::: "memory"); /* never taken: no count goes that low */
#endif
}

/*
 * Enters generation *gen: returns its busy counter (held until gen_exit()),
 * or NULL when the generation moved at every try (counted; nothing recorded).
 * Why a run holding the counter is always waited for: the increment is a
 * fully ordered atomic (lock add on x86-64, BPF_FETCH's ldaddal on arm64, as
 * Linux's fully ordered atomics; see ordered_add()) before the second read of
 * locks_gen, and user space stores locks_gen with a full barrier before it
 * reads the counters. So either this run sees the new
 * generation and retries in the new slot, or user space sees its increment
 * and waits for it (the classic store-buffering pair). Runs of different
 * programs may nest on one CPU (a preempted fexit, a contended map bucket
 * lock inside a program): counts, not flags, keep that right. Each map
 * value is written by one program only, so nesting never interleaves two
 * updates of one value.
 */
static __always_inline __s64 *gen_enter(__u32 *gen)
{
	struct locks_busy *b;
	__u32 zero = 0, g;

	b = bpf_map_lookup_elem(&busy, &zero);
	if (!b)
		return NULL;
	for (int try = 0; try < 3; try++) {
		g = *(volatile __u32 *)&locks_gen;
		ordered_add(&b->runs[g & 1], 1);
		if (*(volatile __u32 *)&locks_gen == g) {
			*gen = g;
			return &b->runs[g & 1];
		}
		ordered_add(&b->runs[g & 1], -1);
	}
	count(LOCKS_CNT_GEN_RACE);
	return NULL;
}

static __always_inline void gen_exit(__s64 *runs)
{
	ordered_add(runs, -1); /* ordered after this run's stores, which user space reads next */
}

/* The slot of generation gen, restarted from zero when it holds an older one. */
static __always_inline struct locks_slot *stat_slot(struct locks_stat *st, __u32 gen)
{
	struct locks_slot *s = &st->slot[gen & 1];

	if (s->gen != gen) {
		s->gen = gen;
		s->count = 0;
		s->total_ns = 0;
		s->max_ns = 0;
		s->flags = 0;
		for (int i = 0; i < LOCKS_HIST_SLOTS; i++)
			s->hist[i] = 0;
	}
	return s;
}

static __always_inline void stat_add(struct locks_stat *st, __u32 gen, __u64 delta, __u32 flags)
{
	struct locks_slot *s = stat_slot(st, gen);

	s->count++;
	s->total_ns += delta;
	if (delta > s->max_ns)
		s->max_ns = delta;
	s->flags |= flags;
	s->hist[log2_slot(delta) & (LOCKS_HIST_SLOTS - 1)]++;
}

#endif /* LOCKS_GEN_BPF_H */
