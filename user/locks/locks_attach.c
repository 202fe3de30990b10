// SPDX-License-Identifier: GPL-2.0
/*
 * Probe, then choose, for uevscope locks: the contention tiers of the
 * PLAN_LOCKS attach plan in order with the optional netns churn job, dropped
 * when the kernel refuses it; then broadcast timing, the emission object's
 * timing job (lib/emit.c), sharing the generations of locks.bpf.c
 * (locks_gen.bpf.h). Each refusal is said once.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/types.h>

#include "attach.h"
#include "common.h"
#include "emit.h"
#include "locks.h"
#include "locks_attach.h"
#include "probe.h"
#include "locks.skel.h"

static const struct tier_progs tiers[] = {
    {PROBE_TP_BTF_CONTENTION_BEGIN, {"contention_begin_btf", "contention_end_btf"}},
    {PROBE_RAW_TP_CONTENTION_BEGIN, {"contention_begin_raw", "contention_end_raw"}},
    {PROBE_FEXIT_MUTEX_SLOWPATH, {"mutex_slow_entry", "mutex_slow_exit"}},
    {PROBE_KPROBE_MUTEX_SLOWPATH, {"mutex_slow_kprobe", "mutex_slow_kretprobe"}},
    {PROBE_TP_BTF_KMEM_CACHE_ALLOC, {"net_alloc_btf", "net_free_btf"}},
    {PROBE_TP_BTF_SK_DATA_READY, {"walk_btf", "walk_switch_btf", "walk_waking_btf"}},
    {PROBE_RAW_TP_SK_DATA_READY, {"walk_raw", "walk_switch_raw", "walk_waking_raw"}},
};

static struct bpf_object_skeleton *open_locks(void *ctx)
{
	struct locks_attached *la = ctx;

	la->skel = locks_bpf__open();
	if (!la->skel)
		return NULL;
	if (la->events_bytes) {
		la->skel->rodata->events_on = true;
		bpf_map__set_max_entries(la->skel->maps.events, la->events_bytes);
	}
	if (la->stack_entries)
		bpf_map__set_max_entries(la->skel->maps.stacks, la->stack_entries);
	return la->skel->skeleton;
}

static void close_locks(void *ctx)
{
	struct locks_attached *la = ctx;

	locks_bpf__destroy(la->skel);
	la->skel = NULL;
}

enum locks_tier_kind locks_tier_kind(const char *name)
{
	int id = probe_id_by_name(name);

	if (id == PROBE_TP_BTF_CONTENTION_BEGIN || id == PROBE_RAW_TP_CONTENTION_BEGIN ||
	    id == PROBE_FEXIT_MUTEX_SLOWPATH || id == PROBE_KPROBE_MUTEX_SLOWPATH)
		return LOCKS_TIER_CONTENTION;
	if (id == PROBE_FEXIT_NETLINK_BROADCAST || id == PROBE_KPROBE_NETLINK_BROADCAST)
		return LOCKS_TIER_BROADCAST;
	return LOCKS_TIER_UNKNOWN;
}

int locks_attach(struct locks_attached *la, const char *force_tier, const char *force_bcast,
		 bool churn)
{
	/* Contention matters most: each of its tiers with churn, then without. */
	struct attach_job jobs[3] = {
	    {.plan = PLAN_LOCKS, .force = force_tier},
	    {.plan = PLAN_LOCKS_WALK, .off = !la->walks},
	    {.plan = PLAN_LOCKS_CHURN, .off = !churn},
	};
	uint32_t events_bytes = la->events_bytes, stack_entries = la->stack_entries;
	bool walks = la->walks;
	const struct attach_obj obj = ATTACH_OBJ("locks", tiers, open_locks, close_locks, la);
	struct emit_share share[3];
	struct emit_cfg ecfg = {
	    .what = "locks",
	    .job = EMIT_TIMING,
	    .plan = PLAN_LOCKS_BROADCAST,
	    .force = force_bcast,
	    .tasks = LOCKS_MAX_TASKS,
	    .share = share,
	    .nshare = ARRAY_SIZE(share),
	};
	int err;

	memset(la, 0, sizeof(*la));
	la->events_bytes = events_bytes;
	la->stack_entries = stack_entries;
	la->walks = walks;
	err = attach_load(&obj, jobs, ARRAY_SIZE(jobs));
	if (err) {
		uev_err("locks: cannot time lock contention on this kernel (%s); "
			"see 'uevscope features -v'",
			jobs[0].why[0] ? jobs[0].why : "no tier");
		return err;
	}
	la->tier = jobs[0].tier;
	la->churn = jobs[2].tier != NULL;
	la->walk_tier = jobs[1].tier;
	snprintf(la->walk_why, sizeof(la->walk_why), "%s", jobs[1].why);
	if (!churn)
		snprintf(la->churn_why, sizeof(la->churn_why), "--no-churn");
	else if (!la->churn)
		snprintf(la->churn_why, sizeof(la->churn_why), "%s", jobs[2].why);
	/* The generations user space reads by, the counters and the stats it reads. */
	share[0] = (struct emit_share){"busy", bpf_map__fd(la->skel->maps.busy)};
	share[1] =
	    (struct emit_share){"locks_counters", bpf_map__fd(la->skel->maps.locks_counters)};
	share[2] = (struct emit_share){"bcast_stats", bpf_map__fd(la->skel->maps.bcast_stats)};
	emit_attach(&la->emit, &ecfg);
	la->bcast_tier = la->emit.tier;
	snprintf(la->bcast_why, sizeof(la->bcast_why), "%s", la->emit.why);
	return 0;
}

int locks_events_fd(const struct locks_attached *la)
{
	return la->skel && la->events_bytes ? bpf_map__fd(la->skel->maps.events) : -1;
}

void locks_set_gen(struct locks_attached *la, uint32_t gen)
{
	/* Both objects' programs read it: stored into each before the busy counts are read. */
	__atomic_store_n(&la->skel->bss->locks_gen, gen, __ATOMIC_SEQ_CST);
	emit_set_locks_gen(&la->emit, gen);
}

void locks_stop(struct locks_attached *la)
{
	emit_stop(&la->emit);
	locks_bpf__detach(la->skel);
}

void locks_detach(struct locks_attached *la)
{
	emit_detach(&la->emit);
	locks_bpf__destroy(la->skel);
	la->skel = NULL;
}

uint64_t locks_missed_runs(const struct locks_attached *la)
{
	return (la->skel ? bpf_obj_missed_runs(la->skel->obj) : 0) + emit_missed_runs(&la->emit);
}
