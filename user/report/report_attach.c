// SPDX-License-Identifier: GPL-2.0
/*
 * Probe, then choose, for the aggregation programs: the delivery and
 * emission tiers are report's attach plans (user/lib/probe.c, the same tiers as
 * trace's), tried in order, so `uevscope features` predicts what report uses.
 * The delivery programs live in report.bpf.c; a tier's programs are
 * autoloaded, the others never reach the kernel. Emission is the emission
 * object's report job (lib/emit.c), loaded next into report's maps.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "attach.h"
#include "common.h"
#include "emit.h"
#include "probe.h"
#include "report.h"
#include "report_attach.h"
#include "report.skel.h"

static const struct tier_progs tiers[] = {
    {PROBE_FENTRY_NETLINK_SENDSKB, {"report_sendskb_fentry"}},
    {PROBE_TP_BTF_SK_DATA_READY, {"report_tp_btf"}},
    {PROBE_RAW_TP_SK_DATA_READY, {"report_raw_tp"}},
    {PROBE_KPROBE_NETLINK_SENDSKB, {"report_sendskb_kprobe"}},
    {PROBE_FENTRY_SOCK_DEF_READABLE, {"report_readable_fentry"}},
    {PROBE_KPROBE_SOCK_DEF_READABLE, {"report_readable_kprobe"}},
};

struct report_open_ctx {
	struct report_attached *ra;
	uint32_t max_entries;
};

static struct bpf_object_skeleton *open_report(void *ctx)
{
	struct report_open_ctx *c = ctx;
	struct report_bpf *skel = report_bpf__open();
	int ncpus = libbpf_num_possible_cpus();
	uint32_t ring = REPORT_MAX_FANOUT;

	if (!skel)
		return NULL;
	c->ra->skel = skel;
	/* The fan-out ring: --max-entries records per CPU, rounded up to a power of 2. */
	if (c->max_entries) {
		for (ring = 1; ring < c->max_entries && ring < (1u << 20);)
			ring <<= 1;
	}
	skel->rodata->fanout_ring_len = ring;
	bpf_map__set_max_entries(skel->maps.fanout_ring, (ncpus > 0 ? ncpus : 1) * ring);
	if (c->max_entries) {
		bpf_map__set_max_entries(skel->maps.event_stats, c->max_entries);
		bpf_map__set_max_entries(skel->maps.names, c->max_entries);
		bpf_map__set_max_entries(skel->maps.emit_stats, c->max_entries);
		bpf_map__set_max_entries(skel->maps.sock_stats, c->max_entries);
	}
	return skel->skeleton;
}

static void close_report(void *ctx)
{
	struct report_open_ctx *c = ctx;

	report_bpf__destroy(c->ra->skel);
	c->ra->skel = NULL;
}

int report_attach(struct report_attached *ra, const char *force_tier,
		  const char *force_emission_tier, bool no_emission, uint32_t max_entries)
{
	struct attach_job job = {.plan = PLAN_REPORT_DELIVERY, .force = force_tier};
	struct report_open_ctx ctx = {.ra = ra, .max_entries = max_entries};
	const struct attach_obj obj = ATTACH_OBJ("report", tiers, open_report, close_report, &ctx);
	struct emit_share share[3];
	struct emit_cfg ecfg = {
	    .what = "report",
	    .job = EMIT_REPORT,
	    .plan = PLAN_REPORT_EMISSION,
	    .force = force_emission_tier,
	    .share = share,
	    .nshare = ARRAY_SIZE(share),
	};
	int err;

	memset(ra, 0, sizeof(*ra));
	err = attach_load(&obj, &job, 1);
	if (err) {
		uev_err("cannot aggregate uevent deliveries on this kernel (%s); "
			"see 'uevscope features -v'",
			job.why[0] ? job.why : "no tier");
		return err;
	}
	ra->delivery_tier = job.tier;
	if (no_emission)
		return 0;
	/* The per-thread start the deliveries read, and the maps report reads. */
	share[0] = (struct emit_share){"broadcasts", bpf_map__fd(ra->skel->maps.broadcasts)};
	share[1] = (struct emit_share){"emit_stats", bpf_map__fd(ra->skel->maps.emit_stats)};
	share[2] = (struct emit_share){"rep_counters", bpf_map__fd(ra->skel->maps.rep_counters)};
	if (!emit_attach(&ra->emit, &ecfg)) {
		ra->emission_tier = ra->emit.tier;
		ra->skel->bss->emission_traced = true;
	}
	return 0;
}

void report_detach(struct report_attached *ra)
{
	emit_detach(&ra->emit);
	report_bpf__destroy(ra->skel);
	ra->skel = NULL;
}
