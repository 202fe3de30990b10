// SPDX-License-Identifier: GPL-2.0
/* The metric families of `uevscope export`. See export_metrics.h. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "common.h"
#include "export_metrics.h"
#include "prom.h"

#define NS_PER_S 1e9

static const char *const netns_labels[] = {"netns", "userns", "container"};
static const char *const delivery_labels[] = {"netns",	   "userns", "container",
					      "subsystem", "action", "origin"};

/* The three netns labels of one namespace, formatted into bufs. */
struct netns_values {
	char netns[16], userns[16];
	const char *v[6];
};

static void netns_values(struct netns_values *nv, const struct export_input *in, uint32_t netns,
			 uint32_t userns)
{
	snprintf(nv->netns, sizeof(nv->netns), "%u", netns);
	snprintf(nv->userns, sizeof(nv->userns), "%u", userns);
	nv->v[0] = nv->netns;
	nv->v[1] = nv->userns;
	nv->v[2] = in->container ? in->container(in->container_ctx, netns) : "";
}

static void rows_family(struct strbuf *sb, struct prom_cap *cap, const char *name, const char *type,
			const char *help, struct prom_rows *rows)
{
	prom_family(sb, name, type, help);
	prom_rows_emit(sb, name, rows, cap);
	prom_rows_free(rows);
}

/* One of the per-netns families: field is read from each struct rm_netns. */
typedef uint64_t (*netns_field)(const struct rm_netns *n);

static void netns_family(struct strbuf *sb, const struct export_input *in, struct prom_cap *cap,
			 const char *name, const char *type, const char *help, netns_field field)
{
	const struct report_model *m = in->model;
	struct prom_rows rows;
	size_t i;

	prom_rows_init(&rows, netns_labels, ARRAY_SIZE(netns_labels));
	for (i = 0; i < m->nnetns; i++) {
		struct netns_values nv;

		netns_values(&nv, in, m->netns[i].netns, m->netns[i].userns);
		prom_rows_add(&rows, nv.v, field(&m->netns[i]));
	}
	rows_family(sb, cap, name, type, help, &rows);
}

static uint64_t f_bytes(const struct rm_netns *n)
{
	return n->bytes;
}

static uint64_t f_drops(const struct rm_netns *n)
{
	return n->drops;
}

static uint64_t f_listeners(const struct rm_netns *n)
{
	return n->listeners;
}

static uint64_t f_isolated(const struct rm_netns *n)
{
	return n->isolated;
}

static uint64_t f_broadcasts(const struct rm_netns *n)
{
	return n->broadcasts;
}

static uint64_t f_no_listener(const struct rm_netns *n)
{
	return n->no_listener;
}

/*
 * Per netns x SUBSYSTEM x ACTION x origin. Deliveries the kernel could not
 * name (payload gone before it was read, names map full) are in the netns
 * totals only: they are shown as subsystem and action "unknown" (never an
 * empty label, which Prometheus reads as no label), so the family sums to
 * every delivery counted.
 */
static void deliveries(struct strbuf *sb, const struct export_input *in, struct prom_cap *cap)
{
	const struct report_model *m = in->model;
	struct prom_rows rows;
	size_t i, j;

	prom_rows_init(&rows, delivery_labels, ARRAY_SIZE(delivery_labels));
	for (i = 0; i < m->nnetns; i++) {
		const struct rm_netns *n = &m->netns[i];
		uint64_t named[2] = {0, 0}; /* kernel, injected */
		struct netns_values nv;

		netns_values(&nv, in, n->netns, n->userns);
		for (j = 0; j < m->nsa; j++) {
			const struct rm_sa *e = &m->sa[j];

			if (e->netns != n->netns)
				continue;
			named[e->injected] += e->count;
			/* Read without a SUBSYSTEM or ACTION (payload gone): as unnamed ones. */
			nv.v[3] = e->subsystem[0] ? e->subsystem : "unknown";
			nv.v[4] = e->action[0] ? e->action : "unknown";
			nv.v[5] = e->injected ? "injected" : "kernel";
			prom_rows_add(&rows, nv.v, e->count);
		}
		nv.v[3] = nv.v[4] = "unknown";
		nv.v[5] = "kernel";
		if (n->deliveries - n->injected > named[0])
			prom_rows_add(&rows, nv.v, n->deliveries - n->injected - named[0]);
		nv.v[5] = "injected";
		if (n->injected > named[1])
			prom_rows_add(&rows, nv.v, n->injected - named[1]);
	}
	rows_family(sb, cap, "uevscope_deliveries_total", "counter",
		    "Uevents queued on uevent sockets (one per receiving socket), by the "
		    "receiving network namespace, SUBSYSTEM, ACTION and origin (kernel, or "
		    "injected by a process).",
		    &rows);
}

/* log2 slots [2^i, 2^(i+1)) ns, the last one open-ended: bounds in seconds. */
static void log2_seconds_histogram(struct strbuf *sb, const char *name,
				   const struct prom_label *labels, size_t nlabels,
				   const uint64_t *slots, size_t nslots, double sum_s)
{
	double bounds[64];
	size_t i;

	for (i = 0; i + 1 < nslots && i < ARRAY_SIZE(bounds); i++)
		bounds[i] = ldexp(1.0, (int)i + 1) / NS_PER_S;
	prom_histogram(sb, name, labels, nlabels, bounds, slots, nslots - 1, sum_s);
}

/* Exact counts 0..RM_FANOUT_SLOTS-2, the last slot is "or more". */
static void fanout_histogram(struct strbuf *sb, const char *name, const char *help,
			     const struct rm_hist *h)
{
	double bounds[RM_FANOUT_SLOTS - 1];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bounds); i++)
		bounds[i] = (double)i;
	prom_family(sb, name, "histogram", help);
	prom_histogram(sb, name, NULL, 0, bounds, h->slot, ARRAY_SIZE(bounds), (double)h->sum);
}

static void delivery_families(struct strbuf *sb, const struct export_input *in,
			      struct prom_cap *cap)
{
	const struct report_model *m = in->model;

	deliveries(sb, in, cap);
	netns_family(sb, in, cap, "uevscope_delivered_bytes_total", "counter",
		     "Payload bytes of the uevents queued on uevent sockets, per receiving "
		     "network namespace.",
		     f_bytes);
	netns_family(sb, in, cap, "uevscope_receive_drops_total", "counter",
		     "Uevents lost by receivers whose socket buffer was full (sk_drops growth "
		     "since the exporter started), per network namespace.",
		     f_drops);
	netns_family(sb, in, cap, "uevscope_listeners", "gauge",
		     "Uevent (NETLINK_KOBJECT_UEVENT) sockets bound in the network namespace now.",
		     f_listeners);
	netns_family(sb, in, cap, "uevscope_netns_isolated", "gauge",
		     "1 when the network namespace has uevent listeners and is owned by a "
		     "non-initial user namespace: kernel uevents never reach it.",
		     f_isolated);
	if (m->emission) {
		netns_family(sb, in, cap, "uevscope_broadcasts_total", "counter",
			     "netlink_broadcast() calls of uevents into the network namespace.",
			     f_broadcasts);
		netns_family(sb, in, cap, "uevscope_broadcasts_no_listener_total", "counter",
			     "Uevent broadcasts into the network namespace that found no listener.",
			     f_no_listener);
	}
	fanout_histogram(sb, "uevscope_fanout_namespaces",
			 "Network namespaces one uevent (SEQNUM) was delivered into.",
			 &m->fanout_netns);
	fanout_histogram(sb, "uevscope_fanout_sockets",
			 "Uevent sockets one uevent (SEQNUM) was delivered to.",
			 &m->fanout_sockets);
	prom_family(sb, "uevscope_fanout_pending", "gauge",
		    "Uevents still being delivered, not yet in the fan-out histograms.");
	prom_sample_u64(sb, "uevscope_fanout_pending", NULL, NULL, 0, m->fanout_pending);
	if (m->emission) {
		prom_family(
		    sb, "uevscope_delivery_latency_seconds", "histogram",
		    "Time from a uevent's netlink_broadcast() to its queueing on a socket.");
		log2_seconds_histogram(sb, "uevscope_delivery_latency_seconds", NULL, 0,
				       m->latency.slot, REPORT_HIST_SLOTS,
				       (double)m->latency.sum / NS_PER_S);
	}
}

static void counter_family(struct strbuf *sb, const char *name, const char *help, uint64_t v)
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
	rows_family(sb, NULL, "uevscope_lost_total", "counter",
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
	rows_family(sb, NULL, "uevscope_bpf_missed_runs_total", "counter",
		    "Runs of the exporter's BPF programs the kernel skipped because another "
		    "BPF program was running on that CPU.",
		    &rows);
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
		const char *v[3] = {id, f->rules[i].text, "allowed"};

		snprintf(id, sizeof(id), "%u", f->rules[i].id);
		prom_rows_add(&rows, v, f->rules[i].allowed);
		v[2] = "denied";
		prom_rows_add(&rows, v, f->rules[i].denied);
	}
	rows_family(sb, cap, "uevscope_filter_rule_uevents_total", "counter",
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
	rows_family(sb, NULL, "uevscope_filter_unchecked_total", "counter",
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
		const char *v[3] = {d->rules[i].cgroup, rule, "allowed"};

		dev_rule_format(&d->rules[i], spec, sizeof(spec));
		snprintf(rule, sizeof(rule), "%s %s", d->rules[i].allow ? "allow" : "deny", spec);
		prom_rows_add(&rows, v, d->rules[i].allowed);
		v[2] = "denied";
		prom_rows_add(&rows, v, d->rules[i].denied);
	}
	rows_family(sb, cap, "uevscope_device_access_total", "counter",
		    "Device accesses a rule of the pinned device policy decided, by cgroup, rule "
		    "and verdict.",
		    &rows);
	prom_family(sb, "uevscope_device_unchecked_total", "counter",
		    "Device accesses allowed because the policy could not be read.");
	if (loaded)
		prom_sample_u64(sb, "uevscope_device_unchecked_total", NULL, NULL, 0, d->undecided);
}

static void lock_families(struct strbuf *sb, const struct export_locks *l)
{
	static const struct prom_label lock = {"lock", "uevent_sock_mutex"};

	if (!l || !l->on)
		return;
	prom_family(sb, "uevscope_lock_wait_seconds", "histogram",
		    "Time tasks waited for the global uevent_sock_mutex (contended acquisitions).");
	log2_seconds_histogram(sb, "uevscope_lock_wait_seconds", &lock, 1, l->wait.hist,
			       LOCKS_HIST_SLOTS, (double)l->wait.total_ns / NS_PER_S);
	if (l->bcast) {
		prom_family(sb, "uevscope_netlink_broadcast_seconds", "histogram",
			    "Duration of netlink_broadcast() calls on uevent sockets.");
		log2_seconds_histogram(sb, "uevscope_netlink_broadcast_seconds", NULL, 0,
				       l->broadcast.hist, LOCKS_HIST_SLOTS,
				       (double)l->broadcast.total_ns / NS_PER_S);
	}
	if (l->churn) {
		counter_family(sb, "uevscope_netns_created_total",
			       "Network namespaces created (each takes uevent_sock_mutex).",
			       l->netns_created);
		counter_family(sb, "uevscope_netns_destroyed_total",
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
	rows_family(sb, NULL, "uevscope_bpf_program_attached", "gauge",
		    "1 when the component's BPF program is attached, by attach type; 0 when "
		    "this kernel offers none of its attach points or it is not in use.",
		    &rows);
}

static void self_families(struct strbuf *sb, const struct export_input *in, struct prom_cap *cap)
{
	size_t i;

	counter_family(sb, "uevscope_exporter_scrapes_total",
		       "HTTP requests for /metrics answered, as of the last readout.",
		       in->self.scrapes);
	counter_family(sb, "uevscope_exporter_readouts_total",
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
				cap->fam[i].folded);
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
	delivery_families(sb, in, cap);
	if (in->seqnum_ok)
		counter_family(
		    sb, "uevscope_kernel_uevents_total",
		    "Uevents the kernel numbered since boot (/sys/kernel/uevent_seqnum).",
		    in->seqnum);
	loss_families(sb, in);
	filter_families(sb, in, cap);
	device_families(sb, in, cap);
	lock_families(sb, in->locks);
	self_families(sb, in, cap);
}
