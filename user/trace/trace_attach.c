// SPDX-License-Identifier: GPL-2.0
/*
 * trace's two objects and their tiers: the delivery programs (trace.bpf.c),
 * then, sharing their ring buffer and counters, the emission object's records
 * job (lib/emit.c), each loaded through the attach module (lib/attach.c) in
 * the order of its attach plan, which `uevscope features` reports too.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "attach.h"
#include "common.h"
#include "emit.h"
#include "probe.h"
#include "trace_attach.h"
#include "trace.skel.h"

static const struct tier_progs delivery_progs[] = {
    {PROBE_FENTRY_NETLINK_SENDSKB, {"netlink_sendskb_fentry"}},
    {PROBE_TP_BTF_SK_DATA_READY, {"sk_data_ready_btf"}},
    {PROBE_RAW_TP_SK_DATA_READY, {"sk_data_ready_raw"}},
    {PROBE_KPROBE_NETLINK_SENDSKB, {"netlink_sendskb_kprobe"}},
    {PROBE_FENTRY_SOCK_DEF_READABLE, {"sock_def_readable_fentry"}},
    {PROBE_KPROBE_SOCK_DEF_READABLE, {"sock_def_readable_kprobe"}},
};

bool trace_tier_known(const char *name)
{
	return attach_tier_known(delivery_progs, ARRAY_SIZE(delivery_progs), PLAN_TRACE_DELIVERY,
				 name);
}

bool trace_emission_tier_known(const char *name)
{
	return emit_tier_known(PLAN_TRACE_EMISSION, name);
}

static size_t list_plan(char *list, size_t size, size_t len, enum plan_id id, const char *job)
{
	const struct attach_plan *plan = plan_get(id);
	int i;

	for (i = 0; i < plan->ntiers && len < size; i++)
		len += snprintf(list + len, size - len, "%s%s", i ? ", " : "",
				probe_name(plan->tiers[i]));
	if (len < size)
		len += snprintf(list + len, size - len, " (%s)", job);
	return len;
}

const char *trace_tier_list(void)
{
	static char list[256];
	size_t len;

	if (list[0])
		return list;
	len = list_plan(list, sizeof(list), 0, PLAN_TRACE_DELIVERY, "deliveries");
	if (len < sizeof(list))
		len += snprintf(list + len, sizeof(list) - len, "; ");
	list_plan(list, sizeof(list), len, PLAN_TRACE_EMISSION, "emissions");
	return list;
}

/*
 * Records per CPU between two forced wake-ups: all CPUs together wake the
 * consumer about every 1/16 of the buffer (at a typical 256-byte record), so
 * a burst between two timed polls cannot fill it.
 */
static __u64 wakeup_every(size_t ringbuf_bytes)
{
	int ncpus = libbpf_num_possible_cpus();
	__u64 n = ringbuf_bytes / 16 / 256 / (ncpus > 0 ? ncpus : 1);

	return n ? n : 1;
}

struct trace_open_ctx {
	struct trace_attached *ta;
	const struct trace_attach_cfg *cfg;
};

static struct bpf_object_skeleton *open_delivery(void *ctx)
{
	struct trace_open_ctx *c = ctx;
	struct trace_bpf *skel = trace_bpf__open();

	if (!skel)
		return NULL;
	skel->rodata->targ_netns = c->cfg->netns;
	skel->rodata->targ_cgroup_id = c->cfg->cgroup_id;
	skel->rodata->targ_cgroup_level = c->cfg->cgroup_level;
	skel->rodata->wakeup_every = wakeup_every(c->cfg->ringbuf_bytes);
	bpf_map__set_max_entries(skel->maps.events, c->cfg->ringbuf_bytes);
	c->ta->trace = skel;
	return skel->skeleton;
}

static void close_delivery(void *ctx)
{
	struct trace_open_ctx *c = ctx;

	trace_bpf__destroy(c->ta->trace);
	c->ta->trace = NULL;
}

int trace_attach(struct trace_attached *ta, const struct trace_attach_cfg *cfg)
{
	struct trace_open_ctx ctx = {.ta = ta, .cfg = cfg};
	const struct attach_obj delivery =
	    ATTACH_OBJ("trace", delivery_progs, open_delivery, close_delivery, &ctx);
	struct attach_job djob = {.plan = PLAN_TRACE_DELIVERY, .force = cfg->force_tier};
	struct emit_share share[2];
	struct emit_cfg ecfg = {
	    .what = "trace emission",
	    .job = EMIT_RECORDS,
	    .plan = PLAN_TRACE_EMISSION,
	    .force = cfg->force_emission_tier,
	    .targ_netns = cfg->netns,
	    .wakeup_every = wakeup_every(cfg->ringbuf_bytes),
	    .share = share,
	    .nshare = ARRAY_SIZE(share),
	};
	int err;

	memset(ta, 0, sizeof(*ta));
	err = attach_load(&delivery, &djob, 1);
	if (err) {
		uev_err("cannot trace uevent deliveries on this kernel (%s); "
			"see 'uevscope features -v'",
			djob.why[0] ? djob.why : "no tier");
		return err;
	}
	ta->delivery_tier = djob.tier;
	if (!cfg->no_emission) {
		/* One ring buffer and one set of counters for both, so records stay in order. */
		share[0] = (struct emit_share){"events", bpf_map__fd(ta->trace->maps.events)};
		share[1] = (struct emit_share){"counters", bpf_map__fd(ta->trace->maps.counters)};
		emit_attach(&ta->emit, &ecfg);
		ta->emission_tier = ta->emit.tier;
		snprintf(ta->emission_why, sizeof(ta->emission_why), "%s", ta->emit.why);
	}
	return 0;
}

uint64_t trace_missed_runs(const struct trace_attached *ta)
{
	uint64_t sum = 0;

	if (ta->trace)
		sum += bpf_obj_missed_runs(ta->trace->obj);
	return sum + emit_missed_runs(&ta->emit);
}

void trace_detach(struct trace_attached *ta)
{
	emit_detach(&ta->emit);
	trace_bpf__destroy(ta->trace);
	ta->trace = NULL;
}
