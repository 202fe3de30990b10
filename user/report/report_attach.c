// SPDX-License-Identifier: GPL-2.0
/*
 * Probe, then choose, for the aggregation programs: the delivery and
 * emission tiers are report's attach plans (user/lib/probe.c, the same tiers as
 * trace's), tried in order, so `uevscope features` predicts what report uses. All
 * programs live in one object; a tier's programs are autoloaded, the others
 * never reach the kernel.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "attach.h"
#include "common.h"
#include "probe.h"
#include "report_attach.h"
#include "report.skel.h"

static const struct tier_progs tiers[] = {
    {PROBE_TP_BTF_SK_DATA_READY, {"report_tp_btf"}},
    {PROBE_RAW_TP_SK_DATA_READY, {"report_raw_tp"}},
    {PROBE_FENTRY_NETLINK_SENDSKB, {"report_sendskb_fentry"}},
    {PROBE_KPROBE_NETLINK_SENDSKB, {"report_sendskb_kprobe"}},
    {PROBE_FEXIT_NETLINK_BROADCAST, {"report_bcast_fentry", "report_bcast_fexit"}},
    {PROBE_KPROBE_NETLINK_BROADCAST, {"report_bcast_kprobe", "report_bcast_kretprobe"}},
};

struct report_open_ctx {
	struct report_attached *ra;
	const struct attach_job *emission; /* its tier is set before each open */
	uint32_t max_entries;
};

static struct bpf_object_skeleton *open_report(void *ctx)
{
	struct report_open_ctx *c = ctx;
	struct report_bpf *skel = report_bpf__open();

	if (!skel)
		return NULL;
	c->ra->skel = skel;
	skel->rodata->emission_traced = c->emission->tier != NULL;
	if (c->max_entries) {
		bpf_map__set_max_entries(skel->maps.event_stats, c->max_entries);
		bpf_map__set_max_entries(skel->maps.names, c->max_entries);
		bpf_map__set_max_entries(skel->maps.emit_stats, c->max_entries);
		bpf_map__set_max_entries(skel->maps.sock_stats, c->max_entries);
		bpf_map__set_max_entries(skel->maps.fanout, c->max_entries);
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
	struct attach_job jobs[2] = {
	    {.plan = PLAN_REPORT_DELIVERY, .force = force_tier},
	    {.plan = PLAN_REPORT_EMISSION, .force = force_emission_tier, .off = no_emission},
	};
	struct report_open_ctx ctx = {.ra = ra, .emission = &jobs[1], .max_entries = max_entries};
	const struct attach_obj obj = ATTACH_OBJ("report", tiers, open_report, close_report, &ctx);
	int err;

	memset(ra, 0, sizeof(*ra));
	err = attach_load(&obj, jobs, 2);
	if (err) {
		uev_err("cannot aggregate uevent deliveries on this kernel (%s); "
			"see 'uevscope features -v'",
			jobs[0].why[0] ? jobs[0].why : "no tier");
		return err;
	}
	ra->delivery_tier = jobs[0].tier;
	ra->emission_tier = jobs[1].tier;
	return 0;
}

void report_detach(struct report_attached *ra)
{
	report_bpf__destroy(ra->skel);
	ra->skel = NULL;
}
