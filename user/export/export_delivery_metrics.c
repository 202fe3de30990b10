// SPDX-License-Identifier: GPL-2.0
/* The report model's metric families: deliveries, namespaces, fan-out, latency. */
#include <stdio.h>
#include <string.h>
#include "common.h"
#include "export_families.h"
#include "prom.h"

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
	export_rows_family(sb, cap, name, type, help, &rows);
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
	export_rows_family(sb, cap, "uevscope_deliveries_total", "counter",
			   "Uevents queued on uevent sockets (one per receiving socket), by the "
			   "receiving network namespace, SUBSYSTEM, ACTION and origin (kernel, or "
			   "injected by a process).",
			   &rows);
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

void export_delivery_families(struct strbuf *sb, const struct export_input *in,
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
		export_counter_family(
		    sb, "uevscope_retired_broadcasts_no_listener_total",
		    "Broadcasts that found no listener, in namespaces since retired.",
		    m->retired.no_listener);
	}
	if (m->seqnums.available) {
		const struct seqgap *q = &m->seqnums;

		export_counter_family(
		    sb, "uevscope_uevents_total",
		    "Uevents emitted host-wide since the exporter started, kernel and "
		    "injected (SEQNUMs taken, from /sys/kernel/uevent_seqnum).",
		    q->emitted);
		export_counter_family(
		    sb, "uevscope_uevents_no_listener_total",
		    "Uevents (SEQNUMs) that reached no uevent socket anywhere, counted once "
		    "settled.",
		    q->no_listener);
		prom_family(sb, "uevscope_uevents_unsettled", "gauge",
			    "Uevents emitted whose deliveries are not all counted yet.");
		prom_sample_u64(sb, "uevscope_uevents_unsettled", NULL, NULL, 0,
				q->latest - q->accounted);
	}
	export_counter_family(sb, "uevscope_retired_netns_total",
			      "Network namespaces retired: no listener, delivery or broadcast for "
			      "--retire seconds; their series are gone, their counts below.",
			      m->retired.netns);
	export_counter_family(sb, "uevscope_retired_deliveries_total",
			      "Deliveries counted in namespaces since retired.",
			      m->retired.deliveries);
	export_counter_family(sb, "uevscope_retired_receive_drops_total",
			      "Receiver overruns counted in namespaces since retired.",
			      m->retired.drops);
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
		export_log2_histogram(sb, "uevscope_delivery_latency_seconds", NULL, 0,
				      m->latency.slot, REPORT_HIST_SLOTS,
				      (double)m->latency.sum / NS_PER_S);
	}
}
