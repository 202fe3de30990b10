// SPDX-License-Identifier: GPL-2.0
/*
 * Probe, then choose, for the aggregation programs: the delivery and
 * emission tiers are report's attach plans (user/probe.c, the same tiers as
 * trace's), tried in order, so `uevscope features` predicts what report uses. All
 * programs live in one object; a tier's programs are autoloaded, the others
 * never reach the kernel.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "common.h"
#include "probe.h"
#include "report_attach.h"
#include "report.skel.h"

struct tier_progs {
	int probe;
	const char *progs[2];
};

static const struct tier_progs tiers[] = {
    {PROBE_TP_BTF_SK_DATA_READY, {"report_tp_btf"}},
    {PROBE_RAW_TP_SK_DATA_READY, {"report_raw_tp"}},
    {PROBE_FENTRY_NETLINK_SENDSKB, {"report_sendskb_fentry"}},
    {PROBE_KPROBE_NETLINK_SENDSKB, {"report_sendskb_kprobe"}},
    {PROBE_FEXIT_NETLINK_BROADCAST, {"report_bcast_fentry", "report_bcast_fexit"}},
    {PROBE_KPROBE_NETLINK_BROADCAST, {"report_bcast_kprobe", "report_bcast_kretprobe"}},
};

static const struct tier_progs *find_tier(int probe)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(tiers); i++)
		if (tiers[i].probe == probe)
			return &tiers[i];
	return NULL;
}

static bool tier_has(const struct tier_progs *t, const char *name)
{
	return t && ((t->progs[0] && !strcmp(t->progs[0], name)) ||
		     (t->progs[1] && !strcmp(t->progs[1], name)));
}

/* One attempt: open, autoload the two tiers' programs, load, attach. */
static int try_tiers(struct report_attached *ra, const struct tier_progs *delivery,
		     const struct tier_progs *emission, uint32_t max_entries, char *why,
		     size_t whylen)
{
	struct report_bpf *skel = report_bpf__open();
	struct bpf_program *prog;
	struct bpf_link *link;
	int err;

	if (!skel)
		return -errno;
	skel->rodata->emission_traced = emission != NULL;
	if (max_entries) {
		bpf_map__set_max_entries(skel->maps.event_stats, max_entries);
		bpf_map__set_max_entries(skel->maps.names, max_entries);
		bpf_map__set_max_entries(skel->maps.emit_stats, max_entries);
		bpf_map__set_max_entries(skel->maps.sock_stats, max_entries);
		bpf_map__set_max_entries(skel->maps.fanout, max_entries);
	}
	bpf_object__for_each_program(prog, skel->obj)
	{
		const char *name = bpf_program__name(prog);

		bpf_program__set_autoload(prog,
					  tier_has(delivery, name) || tier_has(emission, name));
	}
	err = report_bpf__load(skel);
	if (err) {
		snprintf(why, whylen, "load: %s", strerror(-err));
		goto fail;
	}
	/* The skeleton owns the links it attaches, and frees them in destroy. */
	bpf_object__for_each_program(prog, skel->obj)
	{
		if (!bpf_program__autoload(prog))
			continue;
		link = bpf_program__attach(prog);
		if (!link) {
			err = -errno;
			snprintf(why, whylen, "attach %s: %s", bpf_program__name(prog),
				 strerror(-err));
			goto fail;
		}
		/* Skeleton link slots are in program order; find ours by name. */
		if (!strcmp(bpf_program__name(prog), "report_tp_btf"))
			skel->links.report_tp_btf = link;
		else if (!strcmp(bpf_program__name(prog), "report_raw_tp"))
			skel->links.report_raw_tp = link;
		else if (!strcmp(bpf_program__name(prog), "report_sendskb_fentry"))
			skel->links.report_sendskb_fentry = link;
		else if (!strcmp(bpf_program__name(prog), "report_sendskb_kprobe"))
			skel->links.report_sendskb_kprobe = link;
		else if (!strcmp(bpf_program__name(prog), "report_bcast_fentry"))
			skel->links.report_bcast_fentry = link;
		else if (!strcmp(bpf_program__name(prog), "report_bcast_fexit"))
			skel->links.report_bcast_fexit = link;
		else if (!strcmp(bpf_program__name(prog), "report_bcast_kprobe"))
			skel->links.report_bcast_kprobe = link;
		else
			skel->links.report_bcast_kretprobe = link;
	}
	ra->skel = skel;
	return 0;
fail:
	report_bpf__destroy(skel);
	return err;
}

static void add_why(char *buf, size_t size, const char *name, const char *why)
{
	size_t len = strlen(buf);

	if (len < size)
		snprintf(buf + len, size - len, "%s%s: %s", len ? "; " : "", name, why);
}

int report_attach(struct report_attached *ra, const char *force_tier,
		  const char *force_emission_tier, bool no_emission, uint32_t max_entries)
{
	const struct attach_plan *dplan = plan_get(PLAN_REPORT_DELIVERY);
	const struct attach_plan *eplan = plan_get(PLAN_REPORT_EMISSION);
	char why[200], all[600] = "";
	int d, e, err = -ENOENT;

	memset(ra, 0, sizeof(*ra));
	silence_libbpf(!verbose);
	for (d = 0; d < dplan->ntiers && !ra->skel; d++) {
		const char *dname = probe_name(dplan->tiers[d]);
		const struct tier_progs *dt = find_tier(dplan->tiers[d]);

		if (!dt || (force_tier && strcmp(force_tier, dname)))
			continue;
		/* Each emission tier with this delivery tier, then the delivery tier alone. */
		for (e = 0; e <= eplan->ntiers && !ra->skel; e++) {
			const struct tier_progs *et =
			    e < eplan->ntiers && !no_emission ? find_tier(eplan->tiers[e]) : NULL;

			if (e < eplan->ntiers &&
			    (!et || (force_emission_tier &&
				     strcmp(force_emission_tier, probe_name(et->probe)))))
				continue;
			err = try_tiers(ra, dt, et, max_entries, why, sizeof(why));
			if (!err) {
				ra->delivery_tier = dname;
				ra->emission_tier = et ? probe_name(et->probe) : NULL;
			} else if (et) {
				uev_dbg("emission tier %s refused: %s", probe_name(et->probe), why);
			} else {
				uev_dbg("delivery tier %s refused: %s", dname, why);
				add_why(all, sizeof(all), dname, why);
			}
		}
	}
	silence_libbpf(false);
	if (!ra->skel) {
		uev_err("cannot aggregate uevent deliveries on this kernel (%s); "
			"see 'uevscope features -v'",
			all[0] ? all : "no tier");
		return err ? err : -ENOENT;
	}
	return 0;
}

void report_detach(struct report_attached *ra)
{
	report_bpf__destroy(ra->skel);
	ra->skel = NULL;
}
