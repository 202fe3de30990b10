/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel's filter evaluator (bpf/filter_eval.h), the very source the BPF
 * program compiles, built here over plain arrays instead of maps and a for
 * loop instead of bpf_loop(). kernel_eval() runs it over a raw uevent payload.
 */
#ifndef UEVSCOPE_FILTER_EVAL_SHIM_H
#define UEVSCOPE_FILTER_EVAL_SHIM_H

#include <stdbool.h>
#include <string.h>
#include <linux/types.h>
#include "filter.h"
#include "filter/filter_policy.h"

#define EVAL_LOOP(n, cb, ctx)                             \
	do {                                              \
		for (__u32 i_ = 0; i_ < (__u32)(n); i_++) \
			if (cb(i_, ctx))                  \
				break;                    \
	} while (0)
#include "filter_eval.h"

static struct filter_config shim_cfg;
static struct filter_rule shim_rules[2 * FILTER_MAX_RULES];
static struct filter_rule_stats shim_stats;
static struct scratch shim_scratch;
static __u64 shim_counters[FILTER_CNT_MAX];
static __u32 shim_matched_id;

static __always_inline struct filter_config *eval_config(void)
{
	return &shim_cfg;
}

static __always_inline struct filter_rule *eval_rule(const __u32 *slot)
{
	return *slot < 2 * FILTER_MAX_RULES ? &shim_rules[*slot] : NULL;
}

/* Looked up for the matching rule only: its id is the one that decided. */
static __always_inline struct filter_rule_stats *eval_rule_stats(const __u32 *id)
{
	shim_matched_id = *id;
	return &shim_stats;
}

static __always_inline struct scratch *scratch(void)
{
	return &shim_scratch;
}

static __always_inline void count(__u32 idx)
{
	if (idx < FILTER_CNT_MAX)
		shim_counters[idx]++;
}

/*
 * The verdict (enum filter_action) of the rule set for a socket with facts f
 * receiving payload (ACTION@DEVPATH\0KEY=VALUE\0...), 0 if no rule matched;
 * the deciding rule's id in *rule_id. The active set alternates between
 * calls, as the kernel's flips between policy changes.
 */
static inline int kernel_eval(const struct filter_set *set, const struct filter_sock_facts *f,
			      const char *payload, size_t len, __u32 *rule_id)
{
	__u32 act = (shim_cfg.active + 1) & 1, verdict;

	memset(&shim_cfg, 0, sizeof(shim_cfg));
	memset(shim_rules, 0, sizeof(shim_rules));
	memset(&shim_scratch, 0x5a, sizeof(shim_scratch)); /* stale bytes, as a reused CPU's */
	shim_cfg.active = act;
	shim_cfg.nrules[act] = set->nrules;
	shim_cfg.nkeys[act] = set->nkeys;
	memcpy(shim_cfg.keys[act], set->keys, sizeof(set->keys));
	memcpy(&shim_rules[act * FILTER_MAX_RULES], set->rules, sizeof(set->rules));
	memcpy(shim_scratch.buf, payload, len > EVAL_MAX ? EVAL_MAX : len);
	shim_scratch.facts = *f;
	shim_matched_id = 0;
	verdict = evaluate(&shim_scratch, len > EVAL_MAX ? EVAL_MAX : len, len, EVAL_MAYBE_ACK);
	if (rule_id)
		*rule_id = shim_matched_id;
	/* A deny without a deciding rule: the payload could not be evaluated whole. */
	return shim_matched_id || verdict == FILTER_DENY ? (int)verdict : 0;
}

/* A string literal with embedded NULs: its size, not strlen, is the length. */
#define KERNEL_EVAL(set, f, lit, id) kernel_eval(set, f, lit, sizeof(lit) - 1, id)

#endif /* UEVSCOPE_FILTER_EVAL_SHIM_H */
