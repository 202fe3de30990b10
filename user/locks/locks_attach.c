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

#include "common.h"
#include "locks_attach.h"
#include "probe.h"
#include "locks.skel.h"

struct want {
	int tier;  /* contention probe id */
	int bcast; /* broadcast probe id or PROBE_NONE */
	bool churn;
};

static const char *contention_progs(int tier, int end)
{
	if (tier == PROBE_TP_BTF_CONTENTION_BEGIN)
		return end ? "contention_end_btf" : "contention_begin_btf";
	return end ? "contention_end_raw" : "contention_begin_raw";
}

static const char *bcast_prog(int bcast, int exit)
{
	if (bcast == PROBE_FEXIT_NETLINK_BROADCAST)
		return exit ? "bcast_fexit" : "bcast_fentry";
	return exit ? "bcast_kretprobe" : "bcast_kprobe";
}

static bool wanted(const struct want *w, const char *name)
{
	if (!strcmp(name, contention_progs(w->tier, 0)) ||
	    !strcmp(name, contention_progs(w->tier, 1)))
		return true;
	if (w->churn && (!strcmp(name, "net_alloc_btf") || !strcmp(name, "net_free_btf")))
		return true;
	return w->bcast != PROBE_NONE &&
	       (!strcmp(name, bcast_prog(w->bcast, 0)) || !strcmp(name, bcast_prog(w->bcast, 1)));
}

/* Open, pick programs, load, attach every picked program; links stay with the object. */
static int try_load(struct locks_attached *la, const struct want *w, char *why, size_t len)
{
	struct locks_bpf *skel = locks_bpf__open();
	struct bpf_program *prog;
	int err;

	if (!skel)
		return -errno;
	bpf_object__for_each_program(prog, skel->obj)
	    bpf_program__set_autoload(prog, wanted(w, bpf_program__name(prog)));
	err = locks_bpf__load(skel);
	if (err) {
		snprintf(why, len, "load: %s", strerror(-err));
		locks_bpf__destroy(skel);
		return err;
	}
	/* Loaded programs only: the skeleton's attach skips the others. */
	err = locks_bpf__attach(skel);
	if (err) {
		snprintf(why, len, "attach: %s", strerror(-err));
		locks_bpf__destroy(skel);
		return err;
	}
	la->skel = skel;
	return 0;
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

/* The broadcast tier: the plan `uevscope features` shows as "locks broadcast". */
static int choose_bcast(struct locks_attached *la)
{
	const struct attach_plan *plan = plan_get(PLAN_LOCKS_BROADCAST);
	struct probe_set ps = {};
	size_t n = 0;
	int chosen = plan_choose(&ps, PLAN_LOCKS_BROADCAST);

	if (chosen >= 0)
		return chosen;
	for (int i = 0; i < plan->ntiers && n < sizeof(la->bcast_why); i++)
		n += snprintf(la->bcast_why + n, sizeof(la->bcast_why) - n, "%s%s: %s",
			      i ? "; " : "", probe_name(plan->tiers[i]),
			      ps.r[plan->tiers[i]].reason);
	return PROBE_NONE;
}

int locks_attach(struct locks_attached *la, const char *force_tier, const char *force_bcast,
		 bool churn)
{
	const struct attach_plan *plan = plan_get(PLAN_LOCKS);
	char why[200], all[500] = "";
	size_t n = 0;
	int bcast, err = -ENOENT;

	memset(la, 0, sizeof(*la));
	/* A forced broadcast tier is tried as it is: a refusal is reported like any other. */
	bcast = force_bcast ? probe_id_by_name(force_bcast) : choose_bcast(la);
	silence_libbpf(!verbose);
	for (int i = 0; i < plan->ntiers && !la->skel; i++) {
		struct want w = {.tier = plan->tiers[i], .bcast = bcast, .churn = churn};
		const char *name = probe_name(w.tier);

		if (force_tier && strcmp(force_tier, name))
			continue;
		/*
		 * When the load fails, find the optional job to blame by leaving
		 * each out in turn: the contention tier matters most.
		 */
		err = try_load(la, &w, why, sizeof(why));
		if (err) {
			char full_why[200];

			snprintf(full_why, sizeof(full_why), "%s", why);
			w.churn = false;
			err = try_load(la, &w, why, sizeof(why));
			if (!err) {
				snprintf(la->churn_why, sizeof(la->churn_why),
					 "tp_btf/kmem_cache_alloc+kmem_cache_free: %s", full_why);
			} else if (w.bcast != PROBE_NONE) {
				w.churn = churn;
				w.bcast = PROBE_NONE;
				snprintf(la->bcast_why, sizeof(la->bcast_why), "%s: %s",
					 probe_name(bcast), full_why);
				err = try_load(la, &w, why, sizeof(why));
				if (err) {
					snprintf(la->churn_why, sizeof(la->churn_why),
						 "tp_btf/kmem_cache_alloc+kmem_cache_free: %s",
						 why);
					w.churn = false;
					err = try_load(la, &w, why, sizeof(why));
				}
			}
		}
		if (!err) {
			la->tier = name;
			la->churn = w.churn;
			la->bcast_tier = w.bcast != PROBE_NONE ? probe_name(w.bcast) : NULL;
			break;
		}
		uev_dbg("contention tier %s refused: %s", name, why);
		if (n < sizeof(all))
			n += snprintf(all + n, sizeof(all) - n, "%s%s: %s", n ? "; " : "", name,
				      why);
	}
	silence_libbpf(false);
	if (!la->skel) {
		uev_err("locks: cannot time lock contention on this kernel (%s); "
			"see 'uevscope features -v'",
			all[0] ? all : "no tier");
		return err ? err : -ENOENT;
	}
	if (la->churn)
		la->churn_why[0] = '\0';
	else if (!churn)
		snprintf(la->churn_why, sizeof(la->churn_why), "--no-churn");
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
