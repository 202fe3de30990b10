/* SPDX-License-Identifier: GPL-2.0 */
#ifndef UEVSCOPE_LOCKS_ATTACH_H
#define UEVSCOPE_LOCKS_ATTACH_H

#include <stdbool.h>
#include <stdint.h>
#include "emit.h"

struct locks_bpf;

struct locks_attached {
	struct locks_bpf *skel;
	struct emit_attached emit; /* broadcast timing: the emission object's timing job */
	const char *tier;	   /* "tp_btf/contention_begin" or "raw_tp/contention_begin" */
	const char *bcast_tier; /* "fexit/netlink_broadcast", "kprobe/netlink_broadcast" or NULL */
	bool churn;		/* netns churn counted */
	const char *walk_tier;	/* "tp_btf/sk_data_ready", "raw_tp/sk_data_ready" or NULL */
	char walk_why[400];	/* why broadcast walks are not timed */
	/* Set before locks_attach(): */
	uint32_t events_bytes;	/* --events: ring buffer size, 0 = no event stream */
	uint32_t stack_entries; /* stack map size; 0 = LOCKS_MAX_STACKS */
	bool walks;		/* time broadcast walks (sk_data_ready) */
	char bcast_why[400];	/* why broadcast timing is not available */
	char churn_why[400];	/* why churn is not counted */
};

/*
 * Loads and attaches: the contention tier (first of the attach plan that
 * works, or force_tier), and where possible netns churn counting (unless
 * churn is false) and
 * broadcast timing. Returns 0 or -errno after one line saying why.
 */
int locks_attach(struct locks_attached *la, const char *force_tier, const char *force_bcast,
		 bool churn);
/* The event stream's ring buffer (--events), or -1. */
int locks_events_fd(const struct locks_attached *la);
/* Detaches the programs, keeping the maps readable: nothing moves under a last read. */
/* The report generation, for the programs of both objects (include/locks.h). */
void locks_set_gen(struct locks_attached *la, uint32_t gen);
void locks_stop(struct locks_attached *la);
void locks_detach(struct locks_attached *la);
uint64_t locks_missed_runs(const struct locks_attached *la);
enum locks_tier_kind { LOCKS_TIER_UNKNOWN, LOCKS_TIER_CONTENTION, LOCKS_TIER_BROADCAST };
/* Which job a --tier name forces: contention timing or broadcast timing. */
enum locks_tier_kind locks_tier_kind(const char *name);

#endif /* UEVSCOPE_LOCKS_ATTACH_H */
