/* SPDX-License-Identifier: GPL-2.0 */
#ifndef UEVSCOPE_TRACE_ATTACH_H
#define UEVSCOPE_TRACE_ATTACH_H

#include <stdbool.h>
#include <stdint.h>
#include "emit.h"

struct trace_bpf;

struct trace_attach_cfg {
	uint32_t netns;	    /* 0 = every network namespace */
	uint64_t cgroup_id; /* 0 = every cgroup */
	int cgroup_level;
	uint64_t ringbuf_bytes;		 /* power of two, multiple of the page size */
	const char *force_tier;		 /* delivery tier name to use, or NULL to probe */
	const char *force_emission_tier; /* emission tier name to use, or NULL to probe */
	bool no_emission;
};

struct trace_attached {
	struct trace_bpf *trace;
	struct emit_attached emit; /* its skel NULL when emission is not traceable here */
	const char *delivery_tier; /* e.g. "tp_btf/sk_data_ready" */
	const char *emission_tier; /* NULL when none */
	char emission_why[512];	   /* each refused emission tier and its reason */
};

/*
 * Loads and attaches the delivery programs (first tier that loads and
 * attaches wins) and, where possible, the emission programs sharing their
 * ring buffer and counters. Returns 0, or -errno after printing one line that
 * says why no delivery tier works.
 */
int trace_attach(struct trace_attached *ta, const struct trace_attach_cfg *cfg);
void trace_detach(struct trace_attached *ta);
/*
 * Times the kernel skipped one of our programs because another BPF program
 * was already running on that CPU (it fired from inside one): each may be a
 * delivery we never saw, so the summary shows the count.
 */
uint64_t trace_missed_runs(const struct trace_attached *ta);

/* Whether name is a known delivery tier (for --tier). */
bool trace_tier_known(const char *name);
/* Whether name is a known emission tier (--tier takes those too). */
bool trace_emission_tier_known(const char *name);
/* The delivery, then the emission tiers in order, for --help and error messages. */
const char *trace_tier_list(void);

#endif /* UEVSCOPE_TRACE_ATTACH_H */
