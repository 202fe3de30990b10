// SPDX-License-Identifier: GPL-2.0
/*
 * Probe, then choose, for uevscope locks: the contention tiers of the
 * PLAN_LOCKS attach plan in order, and the two optional jobs (netns churn,
 * broadcast timing) dropped one by one when the kernel refuses them, each
 * refusal said once.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "attach.h"
#include "common.h"
#include "locks_attach.h"
#include "probe.h"
#include "locks.skel.h"

static const struct tier_progs tiers[] = {
    {PROBE_TP_BTF_CONTENTION_BEGIN, {"contention_begin_btf", "contention_end_btf"}},
    {PROBE_RAW_TP_CONTENTION_BEGIN, {"contention_begin_raw", "contention_end_raw"}},
    {PROBE_FEXIT_NETLINK_BROADCAST, {"bcast_fentry", "bcast_fexit"}},
    {PROBE_KPROBE_NETLINK_BROADCAST, {"bcast_kprobe", "bcast_kretprobe"}},
    {PROBE_TP_BTF_KMEM_CACHE_ALLOC, {"net_alloc_btf", "net_free_btf"}},
};

static struct bpf_object_skeleton *open_locks(void *ctx)
{
	struct locks_attached *la = ctx;

	la->skel = locks_bpf__open();
	return la->skel ? la->skel->skeleton : NULL;
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

	if (id == PROBE_TP_BTF_CONTENTION_BEGIN || id == PROBE_RAW_TP_CONTENTION_BEGIN)
		return LOCKS_TIER_CONTENTION;
	if (id == PROBE_FEXIT_NETLINK_BROADCAST || id == PROBE_KPROBE_NETLINK_BROADCAST)
		return LOCKS_TIER_BROADCAST;
	return LOCKS_TIER_UNKNOWN;
}

int locks_attach(struct locks_attached *la, const char *force_tier, const char *force_bcast,
		 bool churn)
{
	/* Contention matters most: each of its tiers with broadcast timing and churn, then less. */
	struct attach_job jobs[3] = {
	    {.plan = PLAN_LOCKS, .force = force_tier},
	    {.plan = PLAN_LOCKS_BROADCAST, .force = force_bcast},
	    {.plan = PLAN_LOCKS_CHURN, .off = !churn},
	};
	const struct attach_obj obj = ATTACH_OBJ("locks", tiers, open_locks, close_locks, la);
	int err;

	memset(la, 0, sizeof(*la));
	err = attach_load(&obj, jobs, ARRAY_SIZE(jobs));
	if (err) {
		uev_err("locks: cannot time lock contention on this kernel (%s); "
			"see 'uevscope features -v'",
			jobs[0].why[0] ? jobs[0].why : "no tier");
		return err;
	}
	la->tier = jobs[0].tier;
	la->bcast_tier = jobs[1].tier;
	la->churn = jobs[2].tier != NULL;
	snprintf(la->bcast_why, sizeof(la->bcast_why), "%s", jobs[1].why);
	if (!churn)
		snprintf(la->churn_why, sizeof(la->churn_why), "--no-churn");
	else if (!la->churn)
		snprintf(la->churn_why, sizeof(la->churn_why), "%s", jobs[2].why);
	return 0;
}

void locks_stop(struct locks_attached *la)
{
	locks_bpf__detach(la->skel);
}

void locks_detach(struct locks_attached *la)
{
	locks_bpf__destroy(la->skel);
	la->skel = NULL;
}

uint64_t locks_missed_runs(const struct locks_attached *la)
{
	return la->skel ? bpf_obj_missed_runs(la->skel->obj) : 0;
}
