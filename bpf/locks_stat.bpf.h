/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What every uevscope locks program shares: the counters of what could not
 * be recorded, and wait statistics with log2 histograms (struct locks_stat).
 * Values are per CPU and programs do not nest on a CPU: no atomics needed.
 */
#ifndef LOCKS_STAT_BPF_H
#define LOCKS_STAT_BPF_H

/* Interval number, bumped by user space; see struct locks_stat. */
__u32 locks_gen = 0;
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, LOCKS_CNT__COUNT);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

static __always_inline void count(__u32 idx)
{
	__u64 *val = bpf_map_lookup_elem(&counters, &idx);

	if (val)
		*val += 1; /* per CPU, and programs do not nest on a CPU: no atomics */
}

static __always_inline __u32 log2_slot(__u64 v)
{
	__u32 r = 0, shift;

	shift = (v > 0xffffffffULL) << 5;
	v >>= shift;
	r |= shift;
	shift = (v > 0xffff) << 4;
	v >>= shift;
	r |= shift;
	shift = (v > 0xff) << 3;
	v >>= shift;
	r |= shift;
	shift = (v > 0xf) << 2;
	v >>= shift;
	r |= shift;
	shift = (v > 0x3) << 1;
	v >>= shift;
	r |= shift;
	r |= (v >> 1);
	return r < LOCKS_HIST_SLOTS ? r : LOCKS_HIST_SLOTS - 1;
}

/* Looks the key up, inserting zeros first if absent; NULL means the map is full. */
static __always_inline void *lookup_or_init(void *map, const void *key, const void *zero)
{
	void *val = bpf_map_lookup_elem(map, key);

	if (val)
		return val;
	bpf_map_update_elem(map, key, zero, BPF_NOEXIST);
	return bpf_map_lookup_elem(map, key);
}

static __always_inline void stat_add(struct locks_stat *st, __u64 delta, __u32 flags)
{
	__u32 gen = locks_gen, slot = gen & 1;

	st->count++;
	st->total_ns += delta;
	if (st->gen[slot] != gen) {
		st->gen[slot] = gen;
		st->gen_max_ns[slot] = 0;
	}
	if (delta > st->gen_max_ns[slot])
		st->gen_max_ns[slot] = delta;
	st->flags |= flags;
	st->hist[log2_slot(delta) & (LOCKS_HIST_SLOTS - 1)]++;
}

#endif /* LOCKS_STAT_BPF_H */
