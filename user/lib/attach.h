/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One way to load a BPF object at the tiers its attach plans allow (probe.h),
 * as libbpf-tools does it: open, mark every program of an unchosen tier not
 * to load, load, attach; on a refusal, the next choice. Every command that
 * picks a tier (trace, report, top, export, locks, filter) goes through here.
 */
#ifndef UEVSCOPE_ATTACH_H
#define UEVSCOPE_ATTACH_H

#include <stdbool.h>
#include <stddef.h>
#include "common.h"
#include "probe.h"

struct bpf_object_skeleton;

/* A tier of an object: the probe that names it, and the programs it needs. */
struct tier_progs {
	int probe;	      /* enum probe_id */
	const char *progs[6]; /* program names in the object, NULL after the last */
};

#define ATTACH_MAX_CAND 8

/*
 * One job of an object (delivery, emission, contention...): its attach plan
 * gives the order, the object's table the programs. Jobs whose plan is
 * optional may end without a tier; the others fail the load.
 */
struct attach_job {
	enum plan_id plan;
	const char *force; /* the only tier to try (--tier), or NULL */
	bool off;	   /* optional job not wanted (--no-emission) */
	/* Out: the tier used (its name) or NULL, and each refused tier with its reason. */
	const char *tier;
	char why[400];
	/* Private to attach.c. */
	int cand[ATTACH_MAX_CAND]; /* probe ids to try in order; PROBE_NONE: without this job */
	int cand_plan[ATTACH_MAX_CAND];		   /* its index in the plan */
	unsigned char cand_state[ATTACH_MAX_CAND]; /* 0 not probed, 1 probe passed, 2 refused */
	int ncand;
	char cand_why[ATTACH_MAX_CAND][160];
};

/*
 * An object: open() opens its skeleton into ctx and sets what must be set
 * before the load (rodata, map sizes, shared maps; each job's tier is the one
 * being tried), returning its
 * bpf_object_skeleton (NULL with errno set); close() destroys it (NULL-safe
 * in ctx). The skeleton's own attach runs after the load: it attaches the
 * programs loaded that it can (a socket filter is the caller's, SO_ATTACH_BPF).
 */
struct attach_obj {
	const char *what; /* for messages: "trace", "report", ... */
	const struct tier_progs *tiers;
	size_t ntiers;
	struct bpf_object_skeleton *(*open)(void *ctx);
	void (*close)(void *ctx);
	void *ctx;
};

#define ATTACH_OBJ(what_, tiers_, open_, close_, ctx_)                                       \
	{                                                                                    \
		.what = what_, .tiers = tiers_, .ntiers = ARRAY_SIZE(tiers_), .open = open_, \
		.close = close_, .ctx = ctx_,                                                \
	}

/*
 * Loads the object with the first working tier of each job, the first job
 * varying slowest: for each tier of a required job, every combination of
 * the optional ones, best first, then without them. Returns 0 (the skeleton
 * left open in ctx) or -errno, the skeleton closed; the jobs say why.
 */
int attach_load(const struct attach_obj *o, struct attach_job *jobs, int njobs);

/* Whether name is one of the plan's tiers in this table (for --tier). */
bool attach_tier_known(const struct tier_progs *tiers, size_t ntiers, enum plan_id plan,
		       const char *name);

#endif /* UEVSCOPE_ATTACH_H */
