// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The filter object for kernels without bpf_loop() (before 5.17, Debian's
 * 5.10): the same maps, programs and evaluator source as filter.bpf.c, the
 * evaluator's callbacks built as global functions called from bounded loops
 * (bpf/filter_eval.h, EVAL_BOUNDED). The loader picks this build when the
 * probe table refuses eval/bpf_loop, or when --tier eval/bounded forces it.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "commit.h"
#include "filter.h"

/* Each callback a global function; the loop ends early when one returns nonzero. */
#define EVAL_BOUNDED
#define EVAL_LOOP(n, cb, ctx)                                           \
	do {                                                            \
		__u32 n_ = (n);                                         \
                                                                        \
		for (__u32 i_ = 0; i_ < n_ && i_ < EVAL_LOOP_MAX; i_++) \
			if (cb(i_))                                     \
				break;                                  \
	} while (0)
#include "filter_progs.bpf.h"
