// SPDX-License-Identifier: GPL-2.0
/*
 * The metric families of `uevscope export` (see export_metrics.h): the
 * entry point, what the exporter says of itself, losses and the lock. The
 * report model's families are in export_delivery_metrics.c, the policies'
 * in export_policy_metrics.c.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "common.h"
#include "export_families.h"
#include "prom.h"

void export_rows_family(struct strbuf *sb, struct prom_cap *cap, const char *name, const char *type,
			const char *help, struct prom_rows *rows)
{
	prom_family(sb, name, type, help);
	prom_rows_emit(sb, name, !strcmp(type, "counter"), rows, cap);
	prom_rows_free(rows);
}

/* log2 slots [2^i, 2^(i+1)) ns, the last one open-ended: bounds in seconds. */
void export_log2_histogram(struct strbuf *sb, const char *name, const struct prom_label *labels,
			   size_t nlabels, const uint64_t *slots, size_t nslots, double sum_s)
{
	double bounds[64];
	size_t i;

	for (i = 0; i + 1 < nslots && i < ARRAY_SIZE(bounds); i++)
		bounds[i] = ldexp(1.0, (int)i + 1) / NS_PER_S;
	prom_histogram(sb, name, labels, nlabels, bounds, slots, nslots - 1, sum_s);
}

void export_counter_family(struct strbuf *sb, const char *name, const char *help, uint64_t v)
{
	prom_family(sb, name, "counter", help);
	prom_sample_u64(sb, name, NULL, NULL, 0, v);
}

static const char *const lost_labels[] = {"component", "reason"};

static const struct {
	int idx;
	const char *reason;
} locks_lost[] = {
    {LOCKS_CNT_STACK_FAIL, "stack_capture_failed"},
    {LOCKS_CNT_TASK_FULL, "task_map_full"},
    {LOCKS_CNT_LOCK_FULL, "lock_map_full"},
    {LOCKS_CNT_PATH_FULL, "path_map_full"},
    {LOCKS_CNT_WAITER_FULL, "waiter_map_full"},
    {LOCKS_CNT_BCAST_TASK_FULL, "broadcast_map_full"},
    {LOCKS_CNT_GEN_RACE, "generation_race"},
    {LOCKS_CNT_RETURN_MISSED, "return_missed"},
};

static void add_lost(struct prom_rows *rows, const char *component, const char *reason, uint64_t v)
{
	const char *values[] = {component, reason};

	prom_rows_add(rows, values, v);
}

static void loss_families(struct strbuf *sb, const struct export_input *in)
{
	const struct report_model *m = in->model;
	static const char *const comp_label[] = {"component"};
	struct prom_rows rows;
	const char *v[1];
	size_t i;

	prom_rows_init(&rows, lost_labels, ARRAY_SIZE(lost_labels));
	for (i = 0; i < RM_NOVERFLOW; i++)
		add_lost(&rows, "report", rm_counter_names[rm_overflow_counters[i]],
			 m->counters[rm_overflow_counters[i]]);
	if (in->locks && in->locks->on)
		for (i = 0; i < ARRAY_SIZE(locks_lost); i++)
			add_lost(&rows, "locks", locks_lost[i].reason,
				 in->locks->counters[locks_lost[i].idx]);
	if (in->filter && in->filter->loaded)
		add_lost(&rows, "filter", "stats_missing",
			 in->filter->counters[FILTER_CNT_NO_STATS]);
	export_rows_family(sb, NULL, "uevscope_lost_total", "counter",
			   "Detail the kernel side could not record: a full map, a failed stack "
			   "capture. What is named here is missing from the other families.",
			   &rows);

	prom_rows_init(&rows, comp_label, 1);
	v[0] = "report";
	prom_rows_add(&rows, v, m->missed_runs);
	if (in->locks && in->locks->on) {
		v[0] = "locks";
		prom_rows_add(&rows, v, in->locks->missed_runs);
	}
	export_rows_family(sb, NULL, "uevscope_bpf_missed_runs_total", "counter",
			   "Runs of the exporter's BPF programs the kernel skipped because another "
			   "BPF program was running on that CPU.",
			   &rows);
}

static void lock_families(struct strbuf *sb, const struct export_locks *l)
{
	static const struct prom_label lock = {"lock", "uevent_sock_mutex"};

	if (!l || !l->on)
		return;
	prom_family(sb, "uevscope_lock_wait_seconds", "histogram",
		    "Time tasks waited for the global uevent_sock_mutex (contended acquisitions).");
	export_log2_histogram(sb, "uevscope_lock_wait_seconds", &lock, 1, l->wait.hist,
			      LOCKS_HIST_SLOTS, (double)l->wait.total_ns / NS_PER_S);
	if (l->bcast) {
		prom_family(sb, "uevscope_netlink_broadcast_seconds", "histogram",
			    "Duration of netlink_broadcast() calls on uevent sockets.");
		export_log2_histogram(sb, "uevscope_netlink_broadcast_seconds", NULL, 0,
				      l->broadcast.hist, LOCKS_HIST_SLOTS,
				      (double)l->broadcast.total_ns / NS_PER_S);
	}
	if (l->churn) {
		export_counter_family(sb, "uevscope_netns_created_total",
				      "Network namespaces created (each takes uevent_sock_mutex).",
				      l->netns_created);
		export_counter_family(
		    sb, "uevscope_netns_destroyed_total",
		    "Network namespaces destroyed (each takes uevent_sock_mutex).",
		    l->netns_destroyed);
	}
}

static void program_family(struct strbuf *sb, const struct export_input *in)
{
	static const char *const labels[] = {"component", "attach_type"};
	struct prom_rows rows;
	size_t i;

	prom_rows_init(&rows, labels, ARRAY_SIZE(labels));
	for (i = 0; i < in->nprograms; i++) {
		const char *v[2] = {in->programs[i].component, in->programs[i].attach_type};

		prom_rows_add(&rows, v, in->programs[i].attached);
	}
	export_rows_family(sb, NULL, "uevscope_bpf_program_attached", "gauge",
			   "1 when the component's BPF program is attached, by attach type; 0 when "
			   "this kernel offers none of its attach points or it is not in use.",
			   &rows);
}

static void self_families(struct strbuf *sb, const struct export_input *in, struct prom_cap *cap)
{
	size_t i;

	export_counter_family(sb, "uevscope_exporter_scrapes_total",
			      "HTTP requests for /metrics answered, as of the last readout.",
			      in->self.scrapes);
	export_counter_family(
	    sb, "uevscope_exporter_textfile_errors_total",
	    "Writes of the --textfile that failed (the first one's reason is logged).",
	    in->self.textfile_errors);
	export_counter_family(sb, "uevscope_exporter_readouts_total",
			      "Readouts of the in-kernel maps since the exporter started.",
			      in->self.readouts);
	prom_family(sb, "uevscope_exporter_readout_duration_seconds", "gauge",
		    "How long the last readout of the in-kernel maps took.");
	prom_sample_f64(sb, "uevscope_exporter_readout_duration_seconds", NULL, NULL, 0,
			in->self.readout_seconds);
	prom_family(sb, "uevscope_exporter_max_series", "gauge",
		    "Label sets shown per metric (--max-series; 0 = no cap).");
	prom_sample_u64(sb, "uevscope_exporter_max_series", NULL, NULL, 0, cap->max);
	prom_family(sb, "uevscope_exporter_series_folded", "gauge",
		    "Label sets of a metric over --max-series, summed into its \"other\" series.");
	for (i = 0; i < cap->nfam; i++) {
		struct prom_label l = {"metric", cap->fam[i].name};

		prom_sample_u64(sb, "uevscope_exporter_series_folded", NULL, &l, 1,
				cap->fam[i].nfolded);
	}
}

void export_render(struct strbuf *sb, const struct export_input *in, struct prom_cap *cap)
{
	struct prom_label build[] = {{"version", in->version},
				     {"libbpf_version", in->libbpf_version},
				     {"kernel", in->kernel}};

	prom_family(sb, "uevscope_build_info", "gauge",
		    "Always 1; the labels say which uevscope, libbpf and kernel.");
	prom_sample_u64(sb, "uevscope_build_info", NULL, build, ARRAY_SIZE(build), 1);
	program_family(sb, in);
	export_delivery_families(sb, in, cap);
	if (in->seqnum_ok)
		export_counter_family(
		    sb, "uevscope_kernel_uevents_total",
		    "Uevents the kernel numbered since boot (/sys/kernel/uevent_seqnum).",
		    in->seqnum);
	loss_families(sb, in);
	export_policy_families(sb, in, cap);
	export_forward_families(sb, in, cap);
	lock_families(sb, in->locks);
	self_families(sb, in, cap);
}
