/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The filter policy's kernel state, pinned under /sys/fs/bpf/uevscope/filter/
 * so enforcement outlives every uevscope process: maps fconfig, frules,
 * fstats, fsocks, fcounters, fwatch, plus the socket filter program
 * (sockfilter) or the LSM link (lsm_link), whichever tier was chosen when the
 * first rule was added. Every change happens under one flock, so concurrent
 * `filter add` runs serialise and lose nothing.
 */
#ifndef UEVSCOPE_FILTER_STATE_H
#define UEVSCOPE_FILTER_STATE_H

#include <stdbool.h>
#include "filter_policy.h"

#define FILTER_PIN_DIR	 "/sys/fs/bpf/uevscope/filter"
#define FILTER_LOCK_FILE "/run/lock/uevscope-filter.lock"

struct filter_bpf;
struct attach_job;

struct filter_state {
	struct filter_bpf *skel;
	int lock_fd;
	int prog_fd; /* socket tier: the pinned socket filter; else -1 */
	int tier;    /* enum filter_tier */
	const char *tier_name;
	int eval; /* the evaluator build loaded: PROBE_EVAL_BPF_LOOP or PROBE_EVAL_BOUNDED */
	struct attach_job *eval_job; /* while choosing: the evaluator job being tried */
	struct filter_config cfg;
};

/*
 * --tier NAME for the policy this process makes (when none is pinned yet): a filter tier
 * (lsm/..., socket_filter/...) or an evaluator build (eval/bpf_loop, eval/bounded), one each.
 * 0, -EINVAL (not one of them) or -EEXIST (that job was forced already).
 */
int filter_state_force_tier(const char *name);
/* The evaluator build of the loaded policy: "eval/bpf_loop" or "eval/bounded". */
const char *filter_state_eval_name(const struct filter_state *st);

/*
 * Takes the policy lock and opens the pinned state. With create, makes it (choosing the
 * tier) when absent; without, -ENOENT when no policy was ever loaded. 0 or -errno + err.
 */
int filter_state_open(struct filter_state *st, bool create, char *err, size_t errlen);
void filter_state_close(struct filter_state *st);
bool filter_state_exists(void);
/* For the long-lived watcher: keep the state loaded, hold the lock only while working. */
void filter_state_unlock(struct filter_state *st);
int filter_state_relock(struct filter_state *st); /* also re-reads the config */
/* The pinned policy is still the one st has open (not flushed and made again). */
bool filter_state_current(const struct filter_state *st);

/* The active rule set. */
void filter_state_read_set(const struct filter_state *st, struct filter_set *set);
/*
 * Writes set as rule set of generation next (not in force until the commit flips to it,
 * policy_commit.h); stats of new rule ids start at 0.
 */
int filter_state_write(struct filter_state *st, const struct filter_set *set, unsigned int next,
		       char *err, size_t errlen);
/* After the flip: st's config is the new one; stats of the rules of old not in set go. */
void filter_state_committed(struct filter_state *st, const struct filter_set *old,
			    const struct filter_set *set);
/*
 * After a flush's commit: no rule in either generation, for a program that outlives the pins
 * (a locked socket, an LSM link the kernel has not released yet). 0 or -errno + err.
 */
int filter_state_empty(struct filter_state *st, char *err, size_t errlen);
/* filter_state_copy_half() and filter_repair() are in policy_commit.h. */

int filter_state_rule_stats(const struct filter_state *st, __u32 id, __u64 *allowed, __u64 *denied);
void filter_state_counters(const struct filter_state *st, __u64 out[FILTER_CNT_MAX]);
int filter_state_watch_get(const struct filter_state *st, struct filter_watch_stats *w);
int filter_state_watch_put(const struct filter_state *st, const struct filter_watch_stats *w);
int filter_state_fsocks_fd(const struct filter_state *st);

/* Removes every pin of ours (and the directories when empty). Caller holds the state open. */
void filter_state_unpin(void);

#endif /* UEVSCOPE_FILTER_STATE_H */
