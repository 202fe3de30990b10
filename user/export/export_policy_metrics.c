// SPDX-License-Identifier: GPL-2.0
/* The pinned filter and device policies' metric families. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common.h"
#include "export_families.h"
#include "hotplug.h"
#include "prom.h"

/* Two rows of a per-rule family: (a, b, "allowed") and (a, b, "denied"). */
static void add_verdicts(struct prom_rows *rows, const char *a, const char *b, uint64_t allowed,
			 uint64_t denied)
{
	const char *v[3] = {a, b, "allowed"};

	prom_rows_add(rows, v, allowed);
	v[2] = "denied";
	prom_rows_add(rows, v, denied);
}

static void filter_families(struct strbuf *sb, const struct export_input *in, struct prom_cap *cap)
{
	static const char *const rule_labels[] = {"rule", "text", "verdict"};
	static const char *const reason_label[] = {"reason"};
	const struct export_filter *f = in->filter;
	bool loaded = f && f->loaded;
	struct prom_rows rows;
	size_t i;

	prom_rows_init(&rows, rule_labels, ARRAY_SIZE(rule_labels));
	for (i = 0; loaded && i < f->nrules; i++) {
		char id[16];

		snprintf(id, sizeof(id), "%u", f->rules[i].id);
		add_verdicts(&rows, id, f->rules[i].text, f->rules[i].allowed, f->rules[i].denied);
	}
	export_rows_family(
	    sb, cap, "uevscope_filter_rule_uevents_total", "counter",
	    "Uevents a rule of the pinned filter policy matched, by rule id and text "
	    "and verdict (allowed or denied).",
	    &rows);
	prom_family(sb, "uevscope_filter_evaluated_total", "counter",
		    "Uevents the filter programs evaluated.");
	prom_family(sb, "uevscope_filter_default_allowed_total", "counter",
		    "Uevents no filter rule matched, allowed by default.");
	prom_rows_init(&rows, reason_label, 1);
	if (loaded) {
		const char *v[1] = {"no_socket_facts"};

		prom_sample_u64(sb, "uevscope_filter_evaluated_total", NULL, NULL, 0,
				f->counters[FILTER_CNT_SEEN]);
		prom_sample_u64(sb, "uevscope_filter_default_allowed_total", NULL, NULL, 0,
				f->counters[FILTER_CNT_DEFAULT_ALLOW]);
		prom_rows_add(&rows, v, f->counters[FILTER_CNT_NO_FACTS]);
		v[0] = "payload_unreadable";
		prom_rows_add(&rows, v, f->counters[FILTER_CNT_LOAD_FAIL]);
	}
	export_rows_family(sb, NULL, "uevscope_filter_unchecked_total", "counter",
			   "Uevents the filter let through without evaluating the policy, and why.",
			   &rows);
}

static void device_families(struct strbuf *sb, const struct export_input *in, struct prom_cap *cap)
{
	static const char *const labels[] = {"cgroup", "rule", "verdict"};
	const struct dev_state *d = in->devices;
	bool loaded = d && d->present;
	struct prom_rows rows;
	size_t i;

	prom_rows_init(&rows, labels, ARRAY_SIZE(labels));
	for (i = 0; loaded && i < d->n; i++) {
		char spec[64], rule[80];

		dev_rule_format(&d->rules[i], spec, sizeof(spec));
		snprintf(rule, sizeof(rule), "%s %s", d->rules[i].allow ? "allow" : "deny", spec);
		add_verdicts(&rows, d->rules[i].cgroup, rule, d->rules[i].allowed,
			     d->rules[i].denied);
	}
	export_rows_family(
	    sb, cap, "uevscope_device_access_total", "counter",
	    "Device accesses a rule of the pinned device policy decided, by cgroup, rule "
	    "and verdict.",
	    &rows);
	prom_family(sb, "uevscope_device_unchecked_total", "counter",
		    "Device accesses allowed because the policy could not be read.");
	if (loaded)
		prom_sample_u64(sb, "uevscope_device_unchecked_total", NULL, NULL, 0, d->undecided);
}

/* The devices `uevscope attach` hotplugged, one series each (its state file). */
static void attached_family(struct strbuf *sb, struct prom_cap *cap)
{
	static const char *const labels[] = {"cgroup", "device", "node", "access", "state"};
	struct hotplug_entry *e;
	struct prom_rows rows;
	size_t n, i;

	if (hotplug_read(&e, &n))
		n = 0;
	prom_rows_init(&rows, labels, ARRAY_SIZE(labels));
	for (i = 0; i < n; i++) {
		char dev[40], why[128];
		/* export only reads: a device gone stays until attach, detach, devices list. */
		const char *v[5] = {e[i].cgroup, dev, e[i].node, e[i].access,
				    hotplug_gone(&e[i], why, sizeof(why)) ? "gone" : "attached"};

		snprintf(dev, sizeof(dev), "%c %u:%u", e[i].type, e[i].major, e[i].minor);
		prom_rows_add(&rows, v, 1);
	}
	export_rows_family(sb, cap, "uevscope_attached_device", "gauge",
			   "Devices uevscope attach hotplugged into a container, by its cgroup, "
			   "the device, its node, how access was given (v1, v2) and whether the "
			   "device is still on the host (attached) or gone.",
			   &rows);
	free(e);
}

void export_policy_families(struct strbuf *sb, const struct export_input *in, struct prom_cap *cap)
{
	filter_families(sb, in, cap);
	device_families(sb, in, cap);
	attached_family(sb, cap);
}
