/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What `uevscope export` reads besides the report model: the pinned filter
 * and device policies (read only, never changed), /sys/kernel/uevent_seqnum,
 * and with --locks its own run of the locks programs, whose per-interval
 * reports it sums into totals since start.
 */
#ifndef UEVSCOPE_EXPORT_SOURCES_H
#define UEVSCOPE_EXPORT_SOURCES_H

#include <stdbool.h>
#include "export_metrics.h"
#include "filter/filter_state.h"
#include "locks/locks_report.h"

struct export_sources {
	struct filter_state filter_st;
	bool filter_open;
	bool filter_warned; /* said once that the pinned filter could not be read */
	struct export_filter filter;
	struct dev_state devices;
	bool devices_warned;
	bool seqnum_ok;
	uint64_t seqnum;
	struct lk_args lk_args;
	struct lk_run lk;
	struct export_locks locks;
};

void export_sources_init(struct export_sources *s);
/* Attaches the contention programs (export --locks). Returns an exit code. */
int export_sources_locks(struct export_sources *s);
void export_sources_read(struct export_sources *s);
/* Component and attach type of each program in use or not, appended to in->programs. */
void export_sources_programs(const struct export_sources *s, struct export_input *in);
void export_sources_close(struct export_sources *s);

#endif /* UEVSCOPE_EXPORT_SOURCES_H */
