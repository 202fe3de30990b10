// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "fwdstate.h"
#include "common.h"
#include "hotplug.h"
#include "json.h"
#include "nsnames.h"
#include "report_print.h"

static void now_hms(char *buf, size_t len)
{
	time_t t = time(NULL);
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(buf, len, "%H:%M:%S", &tm);
}

static void json_netns(struct json_writer *w, const struct rm_netns *e)
{
	jw_object(w, NULL);
	jw_u64(w, "inode", e->netns);
	jw_str(w, "name", netns_name(e->netns));
	json_netns_container(jw_value(w, "container"), e->netns);
	jw_u64(w, "userns", e->userns);
	jw_u64(w, "listeners", e->listeners);
	jw_u64(w, "delivered", e->deliveries);
	jw_u64(w, "bytes", e->bytes);
	jw_u64(w, "injected", e->injected);
	jw_u64(w, "kernel", e->deliveries - e->injected);
	jw_u64(w, "drops", e->drops);
	jw_u64(w, "last_seqnum", e->last_seqnum);
	jw_u64(w, "emitted", e->broadcasts);
	jw_u64(w, "no_listener", e->no_listener);
	jw_object_end(w);
}

/* Linear fan-out slots, nonzero ones only; the last slot means "this many or more". */
static void json_fanout_hist(struct json_writer *w, const char *key, const struct rm_hist *h)
{
	int i;

	jw_array(w, key);
	for (i = 0; i < RM_FANOUT_SLOTS; i++) {
		if (!h->slot[i])
			continue;
		jw_object(w, NULL);
		jw_u64(w, "value", i);
		if (i == RM_FANOUT_SLOTS - 1)
			jw_bool(w, "or_more", true);
		jw_u64(w, "count", h->slot[i]);
		jw_object_end(w);
	}
	jw_array_end(w);
}

static void json_log2_hist(struct json_writer *w, const char *key, const struct rm_hist *h)
{
	int i;

	jw_array(w, key);
	for (i = 0; i < REPORT_HIST_SLOTS; i++) {
		if (!h->slot[i])
			continue;
		jw_object(w, NULL);
		jw_u64(w, "min", i ? 1ull << i : 0);
		jw_u64(w, "max", (2ull << i) - 1);
		jw_u64(w, "count", h->slot[i]);
		jw_object_end(w);
	}
	jw_array_end(w);
}

/* Devices `uevscope attach` hotplugged, per container (its state file). */
static void attached(struct strbuf *sb, struct json_writer *w)
{
	struct hotplug_entry *e;
	size_t n, i;

	if (hotplug_read(&e, &n))
		n = 0;
	if (w)
		jw_array(w, "attached");
	for (i = 0; i < n; i++) {
		/* report only reads: a device gone is said; attach, detach, devices list detach it.
		 */
		char why[128];
		bool gone = hotplug_gone(&e[i], why, sizeof(why));

		if (!w) {
			sb_printf(sb, "  attached: %c %u:%u %s in %s (pid %u, netns %u, %s)%s%s\n",
				  e[i].type, e[i].major, e[i].minor, e[i].node, e[i].cgroup,
				  e[i].pid, e[i].netns, e[i].access, gone ? " gone: " : "",
				  gone ? why : "");
			continue;
		}
		jw_object(w, NULL);
		jw_str(w, "cgroup", e[i].cgroup);
		jw_u64(w, "pid", e[i].pid);
		jw_u64(w, "netns", e[i].netns);
		jw_strn(w, "type", &e[i].type, 1);
		jw_u64(w, "major", e[i].major);
		jw_u64(w, "minor", e[i].minor);
		jw_str(w, "node", e[i].node);
		jw_str(w, "access", e[i].access);
		jw_str(w, "state", gone ? "gone" : "attached");
		jw_object_end(w);
	}
	if (w)
		jw_array_end(w);
	free(e);
}

/* The running forwarders' counters per target (`uevscope forward`, fwdstate.h). */
static void json_forwarders(struct json_writer *w, const struct report_model *m)
{
	size_t i, j;

	jw_array(w, "forward");
	for (i = 0; i < m->nfwd; i++) {
		const struct fwd_state *f = &m->fwd[i];

		jw_object(w, NULL);
		jw_u64(w, "pid", f->pid);
		jw_bool(w, "policy", f->policy);
		jw_u64(w, "resyncs", f->resyncs);
		jw_array(w, "targets");
		for (j = 0; j < f->ntargets; j++) {
			const struct fwd_target_state *t = &f->targets[j];

			jw_object(w, NULL);
			jw_u64(w, "netns", t->netns);
			jw_str(w, "to", t->spec);
			jw_str(w, "state", t->gone ? "gone" : "active");
			jw_u64(w, "forwarded", t->c.forwarded);
			jw_u64(w, "filtered", t->c.filtered);
			jw_u64(w, "failed", t->c.failed);
			jw_object_end(w);
		}
		jw_array_end(w);
		jw_object_end(w);
	}
	jw_array_end(w);
}

static void text_forwarders(struct strbuf *sb, const struct report_model *m)
{
	size_t i, j;

	for (i = 0; i < m->nfwd; i++)
		for (j = 0; j < m->fwd[i].ntargets; j++) {
			const struct fwd_target_state *t = &m->fwd[i].targets[j];

			sb_printf(
			    sb,
			    "  forward: pid %u into netns %u (--to %s%s): forwarded %llu, "
			    "filtered %llu, failed %llu; resyncs %llu\n",
			    m->fwd[i].pid, t->netns, t->spec, t->gone ? ", gone" : "",
			    (unsigned long long)t->c.forwarded, (unsigned long long)t->c.filtered,
			    (unsigned long long)t->c.failed, (unsigned long long)m->fwd[i].resyncs);
		}
}

/* Host-wide uevents by SEQNUM (report_seqnums.c); null where the counter cannot be read. */
/*
 * A delivery read without its SEQNUM, or whose fan-out record the ring
 * could not hold, makes its uevent look undelivered: no_listener is then
 * only an upper bound.
 */
static bool seqnums_exact(const struct report_model *m)
{
	return !m->counters[REP_CNT_NO_PAYLOAD] && !m->counters[REP_CNT_NO_SEQNUM] &&
	       !m->counters[REP_CNT_FANOUT_FULL] && !m->seqnums.late;
}

static void json_seqnums(struct json_writer *w, const struct report_model *m)
{
	const struct seqgap *q = &m->seqnums;

	if (!q->available) {
		jw_null(w, "uevents");
		return;
	}
	jw_object(w, "uevents");
	jw_u64(w, "first_seqnum", q->base + 1);
	jw_u64(w, "last_seqnum", q->latest);
	jw_u64(w, "emitted", q->emitted);
	jw_u64(w, "settled_to", q->accounted);
	jw_u64(w, "delivered", q->delivered);
	jw_u64(w, "no_listener", q->no_listener);
	jw_u64(w, "unsettled", q->latest - q->accounted);
	jw_u64(w, "late", q->late);
	jw_bool(w, "exact", seqnums_exact(m));
	jw_object_end(w);
}

static void text_seqnums(struct strbuf *sb, const struct report_model *m)
{
	const struct seqgap *q = &m->seqnums;

	if (!q->available || !q->emitted)
		return;
	sb_printf(sb,
		  "  uevents: %llu emitted (SEQNUM %llu-%llu); up to %llu: %llu delivered, %s%llu "
		  "reached no listener; %llu not settled yet\n",
		  (unsigned long long)q->emitted, (unsigned long long)q->base + 1,
		  (unsigned long long)q->latest, (unsigned long long)q->accounted,
		  (unsigned long long)q->delivered, seqnums_exact(m) ? "" : "at most ",
		  (unsigned long long)q->no_listener,
		  (unsigned long long)(q->latest - q->accounted));
}

void report_print_json(struct strbuf *sb, const struct report_model *m,
		       const struct report_print_ctx *ctx)
{
	uint64_t deliveries = 0, bytes = 0, injected = 0, drops = 0;
	struct json_writer w;
	size_t i;

	for (i = 0; i < m->nnetns; i++) {
		deliveries += m->netns[i].deliveries;
		bytes += m->netns[i].bytes;
		injected += m->netns[i].injected;
		drops += m->netns[i].drops;
	}
	jw_record(&w, sb);
	jw_str(&w, "type", "report");
	jw_u64(&w, "time_ns", m->ts_ns);
	jw_str(&w, "delivery_tier", ctx->delivery_tier);
	jw_str(&w, "emission_tier", ctx->emission_tier);
	jw_object(&w, "totals");
	jw_u64(&w, "delivered", deliveries);
	jw_u64(&w, "bytes", bytes);
	jw_u64(&w, "injected", injected);
	jw_u64(&w, "drops", drops);
	jw_object_end(&w);

	jw_object(&w, "retired");
	jw_u64(&w, "netns", m->retired.netns);
	jw_u64(&w, "delivered", m->retired.deliveries);
	jw_u64(&w, "bytes", m->retired.bytes);
	jw_u64(&w, "injected", m->retired.injected);
	jw_u64(&w, "drops", m->retired.drops);
	jw_u64(&w, "no_listener", m->retired.no_listener);
	jw_object_end(&w);

	jw_array(&w, "netns");
	for (i = 0; i < m->nnetns; i++)
		json_netns(&w, &m->netns[i]);
	jw_array_end(&w);

	jw_array(&w, "events");
	for (i = 0; i < m->nsa; i++) {
		jw_object(&w, NULL);
		jw_u64(&w, "netns", m->sa[i].netns);
		jw_str(&w, "origin", m->sa[i].injected ? "injected" : "kernel");
		jw_str(&w, "subsystem", m->sa[i].subsystem);
		jw_str(&w, "action", m->sa[i].action);
		jw_u64(&w, "count", m->sa[i].count);
		jw_object_end(&w);
	}
	jw_array_end(&w);

	jw_object(&w, "fanout");
	jw_u64(&w, "seqnums", m->fanout_netns.total);
	jw_u64(&w, "pending", m->fanout_pending);
	json_fanout_hist(&w, "netns", &m->fanout_netns);
	json_fanout_hist(&w, "sockets", &m->fanout_sockets);
	jw_object_end(&w);

	jw_array(&w, "isolation");
	for (i = 0; i < m->nnetns; i++) {
		const struct rm_netns *e = &m->netns[i];

		if (!e->isolated)
			continue;
		jw_object(&w, NULL);
		jw_u64(&w, "netns", e->netns);
		jw_u64(&w, "userns", e->userns);
		jw_u64(&w, "listeners", e->listeners);
		json_netns_container(jw_value(&w, "container"), e->netns);
		jw_u64(&w, "injected", e->injected);
		jw_u64(&w, "kernel", e->deliveries - e->injected);
		jw_object_end(&w);
	}
	jw_array_end(&w);

	json_seqnums(&w, m);

	jw_object(&w, "emission");
	jw_bool(&w, "traced", ctx->emission_tier);
	if (ctx->emission_tier) {
		uint64_t no_listener = 0;

		for (i = 0; i < m->nnetns; i++)
			no_listener += m->netns[i].no_listener;
		jw_u64(&w, "no_listener", no_listener);
		json_log2_hist(&w, "latency_ns", &m->latency);
	}
	jw_object_end(&w);

	json_forwarders(&w, m);

	jw_object(&w, "counters");
	for (i = 0; i < REP_CNT_MAX; i++)
		jw_u64(&w, rm_counter_names[i], m->counters[i]);
	jw_u64(&w, "missed_runs", m->missed_runs);
	jw_object_end(&w);
	attached(sb, &w);
	jw_record_end(&w);
}

static const char *label(uint32_t netns, char *buf, size_t len)
{
	return netns_label(netns, buf, len);
}

void report_print_text(struct strbuf *sb, const struct report_model *m,
		       struct report_print_ctx *ctx)
{
	char hms[16], name[200];
	uint64_t overflow = 0;
	size_t i;
	int j;

	now_hms(hms, sizeof(hms));
	sb_printf(sb, "%s  %-11s %-11s %9s %9s %10s %8s %8s %8s  %s\n", hms, "NETNS", "USERNS",
		  "LISTENERS", "DELIVERED", "BYTES", "DELIV/s", "INJECTED", "DROPS", "NAME");
	for (i = 0; i < m->nnetns; i++) {
		const struct rm_netns *e = &m->netns[i];
		void *prev = ctx->have_prev ? idmap_get(&ctx->prev, e->netns) : NULL;
		uint64_t before = prev ? (uint64_t)(uintptr_t)prev - 1 : 0;
		double rate = ctx->have_prev && ctx->interval_s > 0
				  ? (e->deliveries - before) / ctx->interval_s
				  : 0;

		sb_printf(sb, "          %-11u %-11u %9u %9llu %10llu %8.1f %8llu %8llu  %s\n",
			  e->netns, e->userns, e->listeners, (unsigned long long)e->deliveries,
			  (unsigned long long)e->bytes, rate, (unsigned long long)e->injected,
			  (unsigned long long)e->drops, label(e->netns, name, sizeof(name)));
		idmap_put(&ctx->prev, e->netns, (void *)(uintptr_t)(e->deliveries + 1));
	}
	ctx->have_prev = true;
	if (m->nsa)
		sb_printf(sb, "  %-11s %-8s %-23s %-15s %9s\n", "NETNS", "ORIGIN", "SUBSYSTEM",
			  "ACTION", "COUNT");
	for (i = 0; i < m->nsa; i++)
		sb_printf(sb, "  %-11u %-8s %-23s %-15s %9llu\n", m->sa[i].netns,
			  m->sa[i].injected ? "injected" : "kernel",
			  m->sa[i].subsystem[0] ? m->sa[i].subsystem : "-",
			  m->sa[i].action[0] ? m->sa[i].action : "-",
			  (unsigned long long)m->sa[i].count);
	if (m->fanout_netns.total || m->fanout_pending) {
		sb_printf(sb, "  fan-out of %llu SEQNUMs (%llu still being delivered):",
			  (unsigned long long)m->fanout_netns.total,
			  (unsigned long long)m->fanout_pending);
		for (j = 0; j < RM_FANOUT_SLOTS; j++)
			if (m->fanout_netns.slot[j])
				sb_printf(sb, " %d netns x%llu", j,
					  (unsigned long long)m->fanout_netns.slot[j]);
		sb_puts(sb, ";");
		for (j = 0; j < RM_FANOUT_SLOTS; j++)
			if (m->fanout_sockets.slot[j])
				sb_printf(sb, " %d sockets x%llu", j,
					  (unsigned long long)m->fanout_sockets.slot[j]);
		sb_putc(sb, '\n');
	}
	for (i = 0; i < m->nnetns; i++) {
		const struct rm_netns *e = &m->netns[i];
		const struct netns_container *c;

		if (!e->isolated)
			continue;
		c = netns_container(e->netns);
		sb_printf(sb,
			  "  isolated: netns %u (userns %u) has %u listener(s), gets no kernel "
			  "uevents; container %u/%s:%s; injected %llu\n",
			  e->netns, e->userns, e->listeners, c ? c->pid : 0, c ? c->comm : "?",
			  c && c->cgroup ? c->cgroup : "?", (unsigned long long)e->injected);
	}
	text_seqnums(sb, m);
	if (ctx->emission_tier && m->latency.total) {
		sb_puts(sb, "  emit-to-delivery latency (ns):");
		for (j = 0; j < REPORT_HIST_SLOTS; j++)
			if (m->latency.slot[j])
				sb_printf(sb, " [%llu,%llu] %llu", j ? 1ull << j : 0,
					  (2ull << j) - 1, (unsigned long long)m->latency.slot[j]);
		sb_putc(sb, '\n');
	}
	if (ctx->emission_tier)
		for (i = 0; i < m->nnetns; i++)
			if (m->netns[i].no_listener)
				sb_printf(
				    sb, "  netns %u: %llu uevent(s) emitted with no listener\n",
				    m->netns[i].netns, (unsigned long long)m->netns[i].no_listener);
	text_forwarders(sb, m);
	if (m->retired.netns)
		sb_printf(sb,
			  "  retired: %llu idle netns, with %llu deliveries, %llu drops (no "
			  "listener, delivery or broadcast for --retire seconds)\n",
			  (unsigned long long)m->retired.netns,
			  (unsigned long long)m->retired.deliveries,
			  (unsigned long long)m->retired.drops);
	for (i = 0; i < RM_NOVERFLOW; i++)
		overflow += m->counters[rm_overflow_counters[i]];
	if (overflow) {
		sb_puts(sb, "  MAP FULL, detail lost:");
		for (i = 0; i < RM_NOVERFLOW; i++)
			if (m->counters[rm_overflow_counters[i]])
				sb_printf(sb, " %s=%llu", rm_counter_names[rm_overflow_counters[i]],
					  (unsigned long long)m->counters[rm_overflow_counters[i]]);
		sb_putc(sb, '\n');
	}
	attached(sb, NULL);
	if (m->missed_runs)
		sb_printf(sb,
			  "  NOT COUNTED: %llu program runs missed (another BPF program ran on "
			  "that CPU)\n",
			  (unsigned long long)m->missed_runs);
	if (m->counters[REP_CNT_NO_PAYLOAD] || m->counters[REP_CNT_NO_SEQNUM])
		sb_printf(sb, "  not parsed: %llu read too late, %llu without SEQNUM\n",
			  (unsigned long long)m->counters[REP_CNT_NO_PAYLOAD],
			  (unsigned long long)m->counters[REP_CNT_NO_SEQNUM]);
	sb_putc(sb, '\n');
}
