// SPDX-License-Identifier: GPL-2.0
/*
 * Probe, then choose: each tier is tried for real (open, load, attach) in the
 * order of the attach plan that `uevscope features` also reports, so what
 * features predicts and what trace does cannot drift apart.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "common.h"
#include "probe.h"
#include "trace_attach.h"
#include "trace.skel.h"
#include "emit.skel.h"

struct tier_progs {
	int probe;	      /* enum probe_id naming the tier */
	const char *progs[2]; /* programs of the skeleton the tier needs */
};

static const struct tier_progs delivery_progs[] = {
    {PROBE_TP_BTF_SK_DATA_READY, {"sk_data_ready_btf"}},
    {PROBE_RAW_TP_SK_DATA_READY, {"sk_data_ready_raw"}},
    {PROBE_FENTRY_NETLINK_SENDSKB, {"netlink_sendskb_fentry"}},
    {PROBE_KPROBE_NETLINK_SENDSKB, {"netlink_sendskb_kprobe"}},
};

static const struct tier_progs emission_progs[] = {
    {PROBE_FEXIT_NETLINK_BROADCAST, {"broadcast_fentry", "broadcast_fexit"}},
    {PROBE_KPROBE_NETLINK_BROADCAST, {"broadcast_kprobe", "broadcast_kretprobe"}},
};

static const struct tier_progs *find_tier(const struct tier_progs *t, size_t n, int probe)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (t[i].probe == probe)
			return &t[i];
	return NULL;
}

bool trace_tier_known(const char *name)
{
	int id = probe_id_by_name(name);

	return id >= 0 && find_tier(delivery_progs, ARRAY_SIZE(delivery_progs), id);
}

bool trace_emission_tier_known(const char *name)
{
	int id = probe_id_by_name(name);

	return id >= 0 && find_tier(emission_progs, ARRAY_SIZE(emission_progs), id);
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

/* Autoload only the tier's programs; every other one stays out of the kernel. */
static void select_progs(struct bpf_object *obj, const struct tier_progs *tier)
{
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, obj)
	{
		const char *name = bpf_program__name(prog);
		bool want = (tier->progs[0] && !strcmp(name, tier->progs[0])) ||
			    (tier->progs[1] && !strcmp(name, tier->progs[1]));

		bpf_program__set_autoload(prog, want);
	}
}

/* Attaches the tier's programs; links are owned by the skeleton and freed with it. */
static int attach_progs(struct bpf_object *obj, const struct tier_progs *tier,
			struct bpf_link **links)
{
	int i;

	for (i = 0; i < 2 && tier->progs[i]; i++) {
		struct bpf_program *prog = bpf_object__find_program_by_name(obj, tier->progs[i]);

		links[i] = prog ? bpf_program__attach(prog) : NULL;
		if (!links[i])
			return prog ? -errno : -ENOENT;
	}
	return 0;
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

static int try_delivery(struct trace_attached *ta, const struct trace_attach_cfg *cfg,
			const struct tier_progs *tier, char *why, size_t whylen)
{
	struct trace_bpf *skel = trace_bpf__open();
	struct bpf_link *links[2] = {};
	int err;

	if (!skel)
		return -errno;
	skel->rodata->targ_netns = cfg->netns;
	skel->rodata->targ_cgroup_id = cfg->cgroup_id;
	skel->rodata->targ_cgroup_level = cfg->cgroup_level;
	skel->rodata->wakeup_every = wakeup_every(cfg->ringbuf_bytes);
	bpf_map__set_max_entries(skel->maps.events, cfg->ringbuf_bytes);
	select_progs(skel->obj, tier);
	err = trace_bpf__load(skel);
	if (err) {
		snprintf(why, whylen, "load: %s", strerror(-err));
		goto fail;
	}
	err = attach_progs(skel->obj, tier, links);
	if (err) {
		snprintf(why, whylen, "attach: %s", strerror(-err));
		goto fail;
	}
	/* Hand the links to the skeleton so trace_bpf__destroy() detaches them. */
	if (tier->probe == PROBE_TP_BTF_SK_DATA_READY)
		skel->links.sk_data_ready_btf = links[0];
	else if (tier->probe == PROBE_RAW_TP_SK_DATA_READY)
		skel->links.sk_data_ready_raw = links[0];
	else if (tier->probe == PROBE_FENTRY_NETLINK_SENDSKB)
		skel->links.netlink_sendskb_fentry = links[0];
	else
		skel->links.netlink_sendskb_kprobe = links[0];
	ta->trace = skel;
	return 0;
fail:
	bpf_link__destroy(links[0]);
	bpf_link__destroy(links[1]);
	trace_bpf__destroy(skel);
	return err;
}

static int try_emission(struct trace_attached *ta, const struct trace_attach_cfg *cfg,
			const struct tier_progs *tier, char *why, size_t whylen)
{
	struct emit_bpf *skel = emit_bpf__open();
	struct bpf_link *links[2] = {};
	int err;

	if (!skel)
		return -errno;
	skel->rodata->targ_netns = cfg->netns;
	skel->rodata->wakeup_every = wakeup_every(cfg->ringbuf_bytes);
	/* One ring buffer and one set of counters for both, so records stay in order. */
	err = bpf_map__reuse_fd(skel->maps.events, bpf_map__fd(ta->trace->maps.events));
	if (!err)
		err = bpf_map__reuse_fd(skel->maps.counters, bpf_map__fd(ta->trace->maps.counters));
	if (err) {
		snprintf(why, whylen, "sharing maps: %s", strerror(-err));
		goto fail;
	}
	select_progs(skel->obj, tier);
	err = emit_bpf__load(skel);
	if (err) {
		snprintf(why, whylen, "load: %s", strerror(-err));
		goto fail;
	}
	err = attach_progs(skel->obj, tier, links);
	if (err) {
		snprintf(why, whylen, "attach: %s", strerror(-err));
		goto fail;
	}
	if (tier->probe == PROBE_FEXIT_NETLINK_BROADCAST) {
		skel->links.broadcast_fentry = links[0];
		skel->links.broadcast_fexit = links[1];
	} else {
		skel->links.broadcast_kprobe = links[0];
		skel->links.broadcast_kretprobe = links[1];
	}
	ta->emit = skel;
	return 0;
fail:
	bpf_link__destroy(links[0]);
	bpf_link__destroy(links[1]);
	emit_bpf__destroy(skel);
	return err;
}

static void attach_emission(struct trace_attached *ta, const struct trace_attach_cfg *cfg)
{
	const struct attach_plan *plan = plan_get(PLAN_TRACE_EMISSION);
	size_t len = 0;
	char why[200];
	int i;

	for (i = 0; i < plan->ntiers; i++) {
		const struct tier_progs *tier =
		    find_tier(emission_progs, ARRAY_SIZE(emission_progs), plan->tiers[i]);
		const char *name = probe_name(plan->tiers[i]);

		if (!tier || (cfg->force_emission_tier && strcmp(cfg->force_emission_tier, name)))
			continue;
		if (!try_emission(ta, cfg, tier, why, sizeof(why))) {
			ta->emission_tier = name;
			return;
		}
		uev_dbg("emission tier %s refused: %s", name, why);
		if (len < sizeof(ta->emission_why))
			len += snprintf(ta->emission_why + len, sizeof(ta->emission_why) - len,
					"%s%s: %s", len ? "; " : "", name, why);
	}
}

int trace_attach(struct trace_attached *ta, const struct trace_attach_cfg *cfg)
{
	const struct attach_plan *plan = plan_get(PLAN_TRACE_DELIVERY);
	char why[200], all[600] = "";
	size_t len = 0;
	int i, err = -ENOENT;

	memset(ta, 0, sizeof(*ta));
	silence_libbpf(!verbose);
	for (i = 0; i < plan->ntiers && !ta->trace; i++) {
		const char *name = probe_name(plan->tiers[i]);
		const struct tier_progs *tier =
		    find_tier(delivery_progs, ARRAY_SIZE(delivery_progs), plan->tiers[i]);

		if (!tier || (cfg->force_tier && strcmp(cfg->force_tier, name)))
			continue;
		err = try_delivery(ta, cfg, tier, why, sizeof(why));
		if (!err) {
			ta->delivery_tier = name;
			break;
		}
		uev_dbg("delivery tier %s refused: %s", name, why);
		if (len < sizeof(all))
			len += snprintf(all + len, sizeof(all) - len, "%s%s: %s", len ? "; " : "",
					name, why);
	}
	if (ta->trace && !cfg->no_emission)
		attach_emission(ta, cfg);
	silence_libbpf(false);
	if (!ta->trace) {
		uev_err("cannot trace uevent deliveries on this kernel (%s); "
			"see 'uevscope features -v'",
			all[0] ? all : "no tier");
		return err ? err : -ENOENT;
	}
	return 0;
}

uint64_t trace_missed_runs(const struct trace_attached *ta)
{
	uint64_t sum = 0;

	if (ta->trace)
		sum += bpf_obj_missed_runs(ta->trace->obj);
	if (ta->emit)
		sum += bpf_obj_missed_runs(ta->emit->obj);
	return sum;
}

void trace_detach(struct trace_attached *ta)
{
	emit_bpf__destroy(ta->emit);
	trace_bpf__destroy(ta->trace);
	ta->emit = NULL;
	ta->trace = NULL;
}
