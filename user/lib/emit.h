/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one emission object (bpf/emit.bpf.c): netlink_broadcast() hooked once,
 * for the job of the command that loads it. trace, report (top, export) and
 * locks load it after their own object, through the attach module
 * (attach.h), and hand it their maps to write into.
 */
#ifndef UEVSCOPE_EMIT_H
#define UEVSCOPE_EMIT_H

#include <stdbool.h>
#include <stdint.h>
#include "probe.h"

struct emit_bpf;

enum emit_job {
	EMIT_RECORDS, /* trace: EMISSION and EMISSION_DONE records in trace's ring buffer */
	EMIT_REPORT,  /* report: broadcasts per netns, and the start deliveries measure from */
	EMIT_TIMING,  /* locks: the time of each broadcast, per locks generation */
};

/* A map of the emission object, by name, and the fd of the command's map it shares. */
struct emit_share {
	const char *name;
	int fd;
};

struct emit_cfg {
	const char *what; /* for messages: "trace emission", "report", "locks" */
	enum emit_job job;
	enum plan_id plan;     /* the job's attach plan: its tier order and its name in -v */
	const char *force;     /* the only tier to try, or NULL */
	uint32_t targ_netns;   /* records: one netns, 0: all */
	uint64_t wakeup_every; /* records: see uev_submit() */
	uint32_t tasks;	       /* broadcasts in progress at once, 0: the object's default */
	const struct emit_share *share;
	int nshare;
};

struct emit_attached {
	struct emit_bpf *skel; /* NULL when no tier loaded */
	const char *tier;      /* the tier used, or NULL */
	char why[400];	       /* each refused tier and its reason */
};

/*
 * Loads and attaches the object at the first tier of cfg->plan that works.
 * Returns 0 (ea->tier set), or -errno with ea->tier NULL and ea->why saying
 * why. Optional for every command: the caller goes on without it.
 */
int emit_attach(struct emit_attached *ea, const struct emit_cfg *cfg);
bool emit_tier_known(enum plan_id plan, const char *name);
void emit_stop(struct emit_attached *ea); /* detach the programs, keep the maps */
void emit_detach(struct emit_attached *ea);
uint64_t emit_missed_runs(const struct emit_attached *ea);
/* timing: the locks generation, which the programs read from this object. */
void emit_set_locks_gen(struct emit_attached *ea, uint32_t gen);

#endif /* UEVSCOPE_EMIT_H */
