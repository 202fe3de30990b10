/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One run of uevscope locks: the reads at each report (one generation of
 * the kernel's statistics each), recognising uevent_sock_mutex and turning on the in-kernel
 * lock filter, and assembling a report for the printers.
 */
#ifndef UEVSCOPE_LOCKS_REPORT_H
#define UEVSCOPE_LOCKS_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "locks_attach.h"
#include "locks_snap.h"
#include "strbuf.h"

struct lk_args {
	double duration; /* seconds, 0 = until SIGINT */
	double interval; /* seconds, 0 = one report at the end */
	uint64_t count;	 /* reports, 0 = unlimited */
	size_t top;
	bool json, all_locks, no_churn;
	const char *tier;	/* forced contention tier, or NULL */
	const char *bcast_tier; /* forced broadcast tier, or NULL */
	const char *events;	/* --events FILE: every contention and walk, or NULL */
	uint32_t stack_entries; /* --stack-map-entries (tests): stack map size, 0 = default */
	bool walks;		/* time broadcast walks (locks does; export --locks does not) */
};

/*
 * One read: the cumulative counters and SEQNUM (a report is the difference
 * of two), and the generation that just ended (a report's own).
 */
struct lk_mark {
	uint64_t ns, seqnum;
	uint64_t counters[LOCKS_CNT__COUNT];
	struct lk_table locks, paths, waiters, walks;
	struct lk_stat bcast;
};

struct socks;

struct lk_run {
	const struct lk_args *args;
	struct locks_attached la;
	struct lk_names names;
	bool seqnum_ok;
	uint64_t start_ns, last_report_ns, reports;
	uint32_t gen;
	struct lk_mark prev, cur;
	bool quiet_warned; /* said once that a generation did not go quiet */
	uint64_t filter_lock;
	double filter_since;
	struct socks *socks; /* counts the uevent sockets a broadcast scans; NULL: not listed */
};

/*
 * Reads kallsyms, attaches (args->tier, ...) and starts the run; args must
 * outlive it. Returns an exit code, after one line saying why when not 0.
 */
int lk_run_open(struct lk_run *run, const struct lk_args *args);
void lk_run_start(struct lk_run *run);
/* Reads the stacks seen so far; once uevent_sock_mutex shows, filters on it (unless -a). */
void lk_run_identify(struct lk_run *run);
struct lk_report;
/*
 * One report's data (since the last one, or since the start when final),
 * for a caller that is not a printer; lk_run_release() frees it and makes
 * this report the base of the next.
 */
void lk_run_collect(struct lk_run *run, struct lk_report *r, bool final);
void lk_run_release(struct lk_run *run, struct lk_report *r);
/* Appends one report to out: since the last one, or since the start when final. */
void lk_run_report(struct lk_run *run, struct strbuf *out, bool final);
void lk_run_free(struct lk_run *run);

#define LK_EVENT_FRAMES 6 /* frames of a contention's call path in an event line */
/*
 * One --events line (docs/locks.md): "contention BEGIN END TID LOCK
 * STACK_ID KIND UEVENT_FN FRAMES" or "walk FIRST LAST TID NAMESPACES OFF_NS
 * PREEMPTED YIELDED SLEPT", times in CLOCK_MONOTONIC ns. Returns what
 * fprintf() does.
 */
int lk_event_line(struct lk_run *run, FILE *f, const struct locks_event *e);

#endif /* UEVSCOPE_LOCKS_REPORT_H */
