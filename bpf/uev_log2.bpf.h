/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Log2 histogram slots, shared by the report and locks programs. */
#ifndef UEV_LOG2_BPF_H
#define UEV_LOG2_BPF_H

/* floor(log2(v)), 0 for 0 and 1: branch-free, a handful of instructions. */
static __always_inline __u32 uev_log2(__u64 v)
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
	return r | (__u32)(v >> 1);
}

#endif /* UEV_LOG2_BPF_H */
