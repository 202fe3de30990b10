/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What `uevscope export` serves, as Prometheus metrics: the report model
 * (report_model.h, the same readout `report -j` prints), the pinned filter
 * and device policies' counters, optionally uevent_sock_mutex contention,
 * which programs are attached how, and the exporter's own health. Pure
 * rendering from plain structs, so the exposition is unit-tested without a
 * kernel.
 */
#ifndef UEVSCOPE_EXPORT_METRICS_H
#define UEVSCOPE_EXPORT_METRICS_H

#include <stdbool.h>
#include <stdint.h>
#include "devices/devices.h"
#include "filter.h"
#include "locks.h"
#include "locks/locks_snap.h"
#include "prom_series.h"
#include "report/report_model.h"
#include "strbuf.h"

#define EXPORT_DEFAULT_MAX_SERIES 1000

struct export_program {
	const char *component;	 /* "report_delivery", "filter", ... */
	const char *attach_type; /* "tp_btf/sk_data_ready", ...; "none" when not attached */
	bool attached;
};

struct export_filter_rule {
	uint32_t id;
	char text[FILTER_TEXT_LEN];
	__u64 allowed, denied; /* as filter_state.h reads them */
};

/* The pinned filter policy (filter_state.h), read without changing it. */
struct export_filter {
	bool loaded;
	size_t nrules;
	struct export_filter_rule rules[FILTER_MAX_RULES];
	__u64 counters[FILTER_CNT_MAX];
};

/* uevent_sock_mutex contention since the exporter started (export --locks). */
struct export_locks {
	bool on;
	bool churn; /* netns creation and destruction counted */
	bool bcast; /* netlink_broadcast() timed */
	struct lk_stat wait, broadcast;
	uint64_t netns_created, netns_destroyed;
	uint64_t counters[LOCKS_CNT__COUNT];
	uint64_t missed_runs;
};

struct export_self {
	uint64_t scrapes, readouts;
	uint64_t textfile_errors; /* writes of --textfile that failed */
	double readout_seconds;	  /* how long the last readout took */
};

#define EXPORT_MAX_PROGRAMS 8 /* report's 3, filter, devices, locks' 2 */

struct export_input {
	const struct report_model *model;
	/* The container label of a netns: a /run/netns name, "init", a cgroup path, or "". */
	const char *(*container)(void *ctx, uint32_t netns);
	void *container_ctx;
	bool seqnum_ok;
	uint64_t seqnum; /* /sys/kernel/uevent_seqnum */
	struct export_program programs[EXPORT_MAX_PROGRAMS];
	size_t nprograms;
	const char *version, *libbpf_version, *kernel;
	const struct export_filter *filter; /* NULL: not read */
	const struct dev_state *devices;    /* NULL: not read */
	const struct export_locks *locks;   /* NULL or !on: not collected */
	struct export_self self;
};

/* Appends every family (HELP, TYPE, samples); labeled series go through cap. */
void export_render(struct strbuf *sb, const struct export_input *in, struct prom_cap *cap);

#endif /* UEVSCOPE_EXPORT_METRICS_H */
