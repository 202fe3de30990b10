// SPDX-License-Identifier: GPL-2.0
/*
 * The one emission object: open, switch on the command's job (rodata), share
 * the command's maps (bpf_map__reuse_fd()), then the attach module loads it
 * at the first tier of the job's plan that works. Maps the job does not use
 * stay small: the ring buffer of trace's records is 16 MiB by default.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "attach.h"
#include "common.h"
#include "emit.h"
#include "emit.skel.h"

static const struct tier_progs tiers[] = {
    {PROBE_FEXIT_NETLINK_BROADCAST, {"broadcast_fentry", "broadcast_fexit"}},
    {PROBE_KPROBE_NETLINK_BROADCAST, {"broadcast_kprobe", "broadcast_kretprobe"}},
};

struct emit_ctx {
	struct emit_attached *ea;
	const struct emit_cfg *cfg;
};

static const struct emit_share *shared(const struct emit_cfg *cfg, const char *name)
{
	for (int i = 0; i < cfg->nshare; i++)
		if (!strcmp(cfg->share[i].name, name))
			return &cfg->share[i];
	return NULL;
}

static struct bpf_object_skeleton *open_emit(void *ctx)
{
	struct emit_ctx *c = ctx;
	const struct emit_cfg *cfg = c->cfg;
	struct emit_bpf *skel = emit_bpf__open();
	const struct emit_share *sh;
	struct bpf_map *map;
	int err = 0;

	if (!skel)
		return NULL;
	c->ea->skel = skel;
	skel->rodata->job_records = cfg->job == EMIT_RECORDS;
	skel->rodata->job_report = cfg->job == EMIT_REPORT;
	skel->rodata->job_timing = cfg->job == EMIT_TIMING;
	skel->rodata->targ_netns = cfg->targ_netns;
	if (cfg->wakeup_every)
		skel->rodata->wakeup_every = cfg->wakeup_every;
	if (cfg->tasks)
		err = bpf_map__set_max_entries(skel->maps.broadcasts, cfg->tasks);
	if (!shared(cfg, "events"))
		err = err ?: bpf_map__set_max_entries(skel->maps.events, getpagesize());
	bpf_object__for_each_map(map, skel->obj)
	{
		sh = shared(cfg, bpf_map__name(map));
		if (sh && !err)
			err = bpf_map__reuse_fd(map, sh->fd);
	}
	if (err) {
		emit_bpf__destroy(skel);
		c->ea->skel = NULL;
		errno = -err;
		return NULL;
	}
	return skel->skeleton;
}

static void close_emit(void *ctx)
{
	struct emit_ctx *c = ctx;

	emit_bpf__destroy(c->ea->skel);
	c->ea->skel = NULL;
}

int emit_attach(struct emit_attached *ea, const struct emit_cfg *cfg)
{
	struct emit_ctx ctx = {.ea = ea, .cfg = cfg};
	const struct attach_obj obj = ATTACH_OBJ(cfg->what, tiers, open_emit, close_emit, &ctx);
	struct attach_job job = {.plan = cfg->plan, .force = cfg->force};
	int err;

	memset(ea, 0, sizeof(*ea));
	err = attach_load(&obj, &job, 1);
	ea->tier = err ? NULL : job.tier;
	snprintf(ea->why, sizeof(ea->why), "%s", job.why);
	if (!err && !ea->tier) { /* an optional job may load without a tier: nothing runs */
		emit_detach(ea);
		err = -ENOENT;
	}
	return err;
}

bool emit_tier_known(enum plan_id plan, const char *name)
{
	return attach_tier_known(tiers, ARRAY_SIZE(tiers), plan, name);
}

void emit_stop(struct emit_attached *ea)
{
	if (ea->skel)
		emit_bpf__detach(ea->skel);
}

void emit_detach(struct emit_attached *ea)
{
	emit_bpf__destroy(ea->skel);
	ea->skel = NULL;
}

uint64_t emit_missed_runs(const struct emit_attached *ea)
{
	return ea->skel ? bpf_obj_missed_runs(ea->skel->obj) : 0;
}

void emit_set_locks_gen(struct emit_attached *ea, uint32_t gen)
{
	if (ea->skel)
		__atomic_store_n(&ea->skel->bss->locks_gen, gen, __ATOMIC_SEQ_CST);
}
