// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "common.h"
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

static void key(struct strbuf *sb, const char *k, bool *first)
{
	if (!*first)
		sb_putc(sb, ',');
	*first = false;
	sb_putc(sb, '"');
	sb_puts(sb, k);
	sb_puts(sb, "\":");
}

static void ju64(struct strbuf *sb, const char *k, uint64_t v, bool *first)
{
	key(sb, k, first);
	sb_u64(sb, v);
}

static void jstr(struct strbuf *sb, const char *k, const char *v, bool *first)
{
	key(sb, k, first);
	sb_json_cstr(sb, v);
}

static void json_container(struct strbuf *sb, uint32_t netns, bool *first)
{
	key(sb, "container", first);
	json_netns_container(sb, netns);
}

static void json_netns(struct strbuf *sb, const struct rm_netns *e)
{
	bool f = true;

	sb_putc(sb, '{');
	ju64(sb, "inode", e->netns, &f);
	jstr(sb, "name", netns_name(e->netns), &f);
	json_container(sb, e->netns, &f);
	ju64(sb, "userns", e->userns, &f);
	ju64(sb, "listeners", e->listeners, &f);
	ju64(sb, "delivered", e->deliveries, &f);
	ju64(sb, "bytes", e->bytes, &f);
	ju64(sb, "injected", e->injected, &f);
	ju64(sb, "kernel", e->deliveries - e->injected, &f);
	ju64(sb, "drops", e->drops, &f);
	ju64(sb, "last_seqnum", e->last_seqnum, &f);
	ju64(sb, "emitted", e->broadcasts, &f);
	ju64(sb, "no_listener", e->no_listener, &f);
	sb_putc(sb, '}');
}

/* Linear fan-out slots, nonzero ones only; the last slot means "this many or more". */
static void json_fanout_hist(struct strbuf *sb, const struct rm_hist *h)
{
	bool first = true;
	int i;

	sb_putc(sb, '[');
	for (i = 0; i < RM_FANOUT_SLOTS; i++) {
		bool f = true;

		if (!h->slot[i])
			continue;
		if (!first)
			sb_putc(sb, ',');
		first = false;
		sb_putc(sb, '{');
		ju64(sb, "value", i, &f);
		if (i == RM_FANOUT_SLOTS - 1)
			sb_puts(sb, ",\"or_more\":true");
		ju64(sb, "count", h->slot[i], &f);
		sb_putc(sb, '}');
	}
	sb_putc(sb, ']');
}

static void json_log2_hist(struct strbuf *sb, const struct rm_hist *h)
{
	bool first = true;
	int i;

	sb_putc(sb, '[');
	for (i = 0; i < REPORT_HIST_SLOTS; i++) {
		bool f = true;

		if (!h->slot[i])
			continue;
		if (!first)
			sb_putc(sb, ',');
		first = false;
		sb_putc(sb, '{');
		ju64(sb, "min", i ? 1ull << i : 0, &f);
		ju64(sb, "max", (2ull << i) - 1, &f);
		ju64(sb, "count", h->slot[i], &f);
		sb_putc(sb, '}');
	}
	sb_putc(sb, ']');
}

void report_print_json(struct strbuf *sb, const struct report_model *m,
		       const struct report_print_ctx *ctx)
{
	uint64_t deliveries = 0, bytes = 0, injected = 0, drops = 0;
	bool f = true, first;
	size_t i;

	for (i = 0; i < m->nnetns; i++) {
		deliveries += m->netns[i].deliveries;
		bytes += m->netns[i].bytes;
		injected += m->netns[i].injected;
		drops += m->netns[i].drops;
	}
	sb_putc(sb, '{');
	jstr(sb, "type", "report", &f);
	ju64(sb, "time_ns", m->ts_ns, &f);
	jstr(sb, "delivery_tier", ctx->delivery_tier, &f);
	jstr(sb, "emission_tier", ctx->emission_tier, &f);
	key(sb, "totals", &f);
	first = true;
	sb_putc(sb, '{');
	ju64(sb, "delivered", deliveries, &first);
	ju64(sb, "bytes", bytes, &first);
	ju64(sb, "injected", injected, &first);
	ju64(sb, "drops", drops, &first);
	sb_putc(sb, '}');

	key(sb, "retired", &f);
	first = true;
	sb_putc(sb, '{');
	ju64(sb, "netns", m->retired.netns, &first);
	ju64(sb, "delivered", m->retired.deliveries, &first);
	ju64(sb, "bytes", m->retired.bytes, &first);
	ju64(sb, "injected", m->retired.injected, &first);
	ju64(sb, "drops", m->retired.drops, &first);
	ju64(sb, "no_listener", m->retired.no_listener, &first);
	sb_putc(sb, '}');

	key(sb, "netns", &f);
	sb_putc(sb, '[');
	for (i = 0; i < m->nnetns; i++) {
		if (i)
			sb_putc(sb, ',');
		json_netns(sb, &m->netns[i]);
	}
	sb_putc(sb, ']');

	key(sb, "events", &f);
	sb_putc(sb, '[');
	for (i = 0; i < m->nsa; i++) {
		bool g = true;

		if (i)
			sb_putc(sb, ',');
		sb_putc(sb, '{');
		ju64(sb, "netns", m->sa[i].netns, &g);
		jstr(sb, "origin", m->sa[i].injected ? "injected" : "kernel", &g);
		jstr(sb, "subsystem", m->sa[i].subsystem, &g);
		jstr(sb, "action", m->sa[i].action, &g);
		ju64(sb, "count", m->sa[i].count, &g);
		sb_putc(sb, '}');
	}
	sb_putc(sb, ']');

	key(sb, "fanout", &f);
	first = true;
	sb_putc(sb, '{');
	ju64(sb, "seqnums", m->fanout_netns.total, &first);
	ju64(sb, "pending", m->fanout_pending, &first);
	key(sb, "netns", &first);
	json_fanout_hist(sb, &m->fanout_netns);
	key(sb, "sockets", &first);
	json_fanout_hist(sb, &m->fanout_sockets);
	sb_putc(sb, '}');

	key(sb, "isolation", &f);
	sb_putc(sb, '[');
	first = true;
	for (i = 0; i < m->nnetns; i++) {
		const struct rm_netns *e = &m->netns[i];
		bool g = true;

		if (!e->isolated)
			continue;
		if (!first)
			sb_putc(sb, ',');
		first = false;
		sb_putc(sb, '{');
		ju64(sb, "netns", e->netns, &g);
		ju64(sb, "userns", e->userns, &g);
		ju64(sb, "listeners", e->listeners, &g);
		json_container(sb, e->netns, &g);
		ju64(sb, "injected", e->injected, &g);
		ju64(sb, "kernel", e->deliveries - e->injected, &g);
		sb_putc(sb, '}');
	}
	sb_putc(sb, ']');

	key(sb, "emission", &f);
	first = true;
	sb_putc(sb, '{');
	key(sb, "traced", &first);
	sb_puts(sb, ctx->emission_tier ? "true" : "false");
	if (ctx->emission_tier) {
		uint64_t no_listener = 0;

		for (i = 0; i < m->nnetns; i++)
			no_listener += m->netns[i].no_listener;
		ju64(sb, "no_listener", no_listener, &first);
		key(sb, "latency_ns", &first);
		json_log2_hist(sb, &m->latency);
	}
	sb_putc(sb, '}');

	key(sb, "counters", &f);
	first = true;
	sb_putc(sb, '{');
	for (i = 0; i < REP_CNT_MAX; i++)
		ju64(sb, rm_counter_names[i], m->counters[i], &first);
	ju64(sb, "missed_runs", m->missed_runs, &first);
	sb_putc(sb, '}');
	sb_puts(sb, "}\n");
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
