/* SPDX-License-Identifier: GPL-2.0 */
/* uevscope locks: one report (an interval, or the whole run) as text or JSON. */
#ifndef UEVSCOPE_LOCKS_PRINT_H
#define UEVSCOPE_LOCKS_PRINT_H

#include <stdbool.h>
#include <stdint.h>

#include "locks_snap.h"
#include "strbuf.h"

struct lk_path_view {
	const struct lk_stat *st;
	int32_t stack_id;
	const struct lk_stack *stack; /* NULL: capture failed or stack gone */
};

struct lk_task_view {
	const char *comm; /* not NUL-terminated beyond LOCKS_COMM_LEN */
	uint64_t cgroup_id;
	const char *cgroup; /* NULL: unknown */
	const struct lk_stat *st;
};

struct lk_lock_view {
	uint64_t addr;
	const struct lk_stat *st;
	const char *symbol;	   /* data symbol from kallsyms, or NULL */
	const char *identified;	   /* "uevent_sock_mutex" when recognised by its stacks, or NULL */
	const char *identified_by; /* the function seen calling mutex_lock on it */
	bool uevent_path;	   /* one of its stacks goes through a uevent function */
	struct lk_path_view *paths;
	size_t npaths, paths_shown;
	struct lk_task_view *tasks;
	size_t ntasks, tasks_shown;
};

/*
 * Broadcast walks of one size: how many namespaces one uevent reached; the
 * walk's time and its parts (enum locks_walk_part), each NULL when empty.
 */
struct lk_walk_size {
	uint32_t nets;
	const struct lk_stat *part[LOCKS_WALK__PARTS];
	double wakes_mean; /* tasks the sender woke per walk */
	/*
	 * On-CPU time fitted as base_ns + wake_ns * wakes over the walks of
	 * this size (least squares); wake_ns < 0: wake-ups did not vary enough
	 * to tell (fit_ok false), base_ns is then the mean on-CPU time.
	 */
	double base_ns, wake_ns;
	bool fit_ok;
};

/* Broadcast walks, first to last delivery of one uevent by its sender (sk_data_ready). */
struct lk_walk_view {
	const char *tier; /* NULL: not timed here */
	/* Every walk, whatever its size: [LOCKS_WALK_ALL] the walk, then its parts. */
	struct lk_stat part[LOCKS_WALK__PARTS];
	uint64_t nets_sum; /* namespaces reached, summed over walks */
	uint32_t nets_max;
	double step_ns;	   /* time from one namespace's delivery to the next's, mean; 0: unknown */
	double step_on_ns; /* the same with the sender on CPU: what one more namespace costs */
	/*
	 * The on-CPU step without wake-ups (what one more namespace costs when
	 * its listener is awake already) and one wake-up, from the largest size
	 * whose fit worked; wake_ns 0: none did.
	 */
	double step_base_ns, wake_ns;
	double wakes_per_step;	    /* wake-ups per namespace after the first, that size */
	struct lk_walk_size *sizes; /* by nets, ascending */
	size_t nsizes;
	int bound; /* uevent sockets subscribed host-wide at the report (each step scans them); -1
		    */
};

/*
 * What-if: the mutex held per uevent for a walk of nets listening
 * namespaces, from the on-CPU step: b + f w per namespace after the first
 * (b without wake-up, f wake-ups per step as now, w one wake-up), or with
 * asleep b + w (every listener asleep, each delivery wakes one: what a slower
 * uevent rate gives). Without a fit, the on-CPU step as measured.
 */
static inline double lk_walk_predict_ns(const struct lk_walk_view *w, double nets, bool asleep)
{
	double step = w->step_on_ns;

	if (w->wake_ns > 0)
		step = w->step_base_ns + (asleep ? 1.0 : w->wakes_per_step) * w->wake_ns;
	return nets > 1 ? step * (nets - 1) : 0;
}

struct lk_report {
	uint64_t wall_ns;
	double seconds;
	bool final; /* the whole run, not one interval */
	bool seqnum_ok;
	uint64_t uevents;
	bool churn_ok;
	uint64_t netns_created, netns_destroyed;
	uint64_t contentions;	/* every lock, this report's span */
	const char *bcast_tier; /* NULL: broadcast not timed here */
	struct lk_stat bcast;	/* netlink_broadcast() calls on uevent sockets */
	struct lk_walk_view walk;
	struct lk_lock_view *locks;
	size_t nlocks, locks_shown;
	uint64_t counters[LOCKS_CNT__COUNT]; /* this report's span */
	uint64_t missed_runs;		     /* since the start */
	uint64_t filter_lock;		     /* 0: every lock counted */
	double filter_since;		     /* seconds after start */
};

void lk_print_text(struct strbuf *out, const struct lk_report *r);
void lk_print_json(struct strbuf *out, const struct lk_report *r);

#endif /* UEVSCOPE_LOCKS_PRINT_H */
