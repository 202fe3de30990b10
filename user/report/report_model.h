/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The metrics model of `uevscope report`: one readout of the in-kernel maps
 * (bpf/report.bpf.c) and of the socket inventory (iter/netlink), as plain C
 * structs. Printers (report_print.c, top.c) and exporters only read it.
 * Every count is cumulative since report_model_init(), like a Prometheus
 * counter; rates are differences between two readouts.
 */
#ifndef UEVSCOPE_REPORT_MODEL_H
#define UEVSCOPE_REPORT_MODEL_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/types.h>
#include "idmap.h"
#include "overrun.h"
#include "seqgap.h"
#include "report.h"

struct emit_attached;

/* Fan-out values 0..RM_FANOUT_SLOTS-2 count exactly; the last slot is "or more". */
#define RM_FANOUT_SLOTS 32
/* Readout times kept to tell a SEQNUM settled (see fold_fanout()). */
#define RM_EPOCHS 16

struct rm_netns {
	uint32_t netns, userns;
	uint64_t deliveries, bytes, injected;
	uint64_t last_ts_ns; /* CLOCK_MONOTONIC of the readout before the last delivery, 0 = none */
	uint64_t last_seqnum; /* of the last delivery seen on any of its sockets */
	uint32_t listeners;   /* uevent sockets there now */
	uint64_t drops;	      /* receiver overruns since start (sk_drops growth) */
	uint64_t broadcasts;  /* emission: netlink_broadcast() calls into it */
	uint64_t no_listener; /* emission: ... that found nobody listening */
	bool isolated;	      /* owned by a non-initial user namespace, has listeners */
};

struct rm_sa {
	uint32_t netns;
	bool injected;
	char subsystem[REPORT_SUBSYS_LEN];
	char action[REPORT_ACTION_LEN];
	uint64_t count;
};

struct rm_sock {
	uint32_t sock_ino, netns, userns, portid, groups;
	uint32_t rmem_alloc, rcvbuf, sk_drops;
	uint64_t deliveries, bytes, last_ts_ns, last_seqnum;
	uint64_t drops; /* since start */
};

struct rm_hist {
	uint64_t slot[REPORT_HIST_SLOTS];
	uint64_t total;
	uint64_t sum; /* of the values counted (exact for fan-out; ns for latency) */
};

/* Names of the kernel's counters (JSON keys, metric reasons); the ones a full map bumps. */
#define RM_NOVERFLOW 5
extern const char *const rm_counter_names[REP_CNT_MAX];
extern const int rm_overflow_counters[RM_NOVERFLOW];

/* What idle namespaces taken out of the maps had counted (report_retire.c). */
struct rm_retired {
	uint64_t netns;
	uint64_t deliveries, bytes, injected, drops;
	uint64_t broadcasts, no_listener;
};

/* A namespace idle this long (no listener, no delivery, no broadcast) is retired, by default. */
#define RM_RETIRE_DEFAULT_NS (300 * 1000000000ull)

/* A part of a SEQNUM's fan-out: a ring record, or a CPU's current SEQNUM. */
struct rm_fanout_part {
	uint64_t seqnum, last_ts_ns;
	uint32_t netns, sockets;
	int cpu; /* the CPU whose current SEQNUM this is, -1: a ring record */
};

/* Per possible CPU: how far its ring was read. */
struct rm_fanout_cpu {
	uint64_t tail;	     /* records read (or counted lost) */
	uint64_t folded_cur; /* its current SEQNUM, counted before it reached the ring */
};

struct rm_fanout {
	struct rm_fanout_part *parts; /* ring records of SEQNUMs not yet settled, sorted */
	size_t nparts, cap;
	struct rm_fanout_part *spare; /* room to merge into, cap of them */
	struct rm_fanout_cpu *cpus;
	int ncpus;
	uint32_t ring_len;		     /* records per CPU */
	const struct report_fanout_rec *map; /* the ring, mmap-ed; NULL: read by lookups */
	size_t map_bytes;
	uint64_t lost;	  /* records overwritten before they were read */
	uint64_t not_yet; /* reads of a record or slot that did not check: retried */
	uint64_t busiest; /* most records one CPU added since the fold before */
};

struct report_bpf;
struct socks;
struct fwd_state;

struct report_model {
	/* the latest readout */
	uint64_t ts_ns; /* CLOCK_MONOTONIC */
	struct rm_netns *netns;
	size_t nnetns;
	struct rm_sa *sa;
	size_t nsa;
	struct rm_sock *socks;
	size_t nsocks;
	struct rm_hist fanout_netns, fanout_sockets; /* RM_FANOUT_SLOTS linear slots */
	struct rm_hist latency;			     /* log2 slots, ns */
	uint64_t fanout_pending;		     /* SEQNUMs still being delivered */
	uint64_t counters[REP_CNT_MAX];
	uint64_t missed_runs; /* program runs the kernel skipped (nested BPF on a CPU) */
	bool emission;	      /* emission maps are filled on this kernel */
	bool sockets_listed;  /* iter/netlink worked: listeners and drops are real */
	uint32_t init_userns;
	struct rm_retired retired; /* since start */
	struct seqgap seqnums;	   /* uevents emitted and reaching no socket, host-wide */
	uint64_t retire_ns;	   /* idle time before a netns is retired; 0 = never */
	struct fwd_state *fwd;	   /* running `uevscope forward`s, from their state files */
	size_t nfwd;

	/* state between readouts */
	uint64_t epochs[RM_EPOCHS]; /* the last readout times published to the kernel, a ring */
	unsigned int nepochs;
	struct report_bpf *skel;
	const struct emit_attached *emit; /* the emission object, or NULL */
	struct socks *inventory;
	struct overrun_tracker overruns;
	struct idmap netns_drops; /* netns -> drops since start, stored + 1 */
	struct idmap sock_drops;  /* sock inode -> drops since start, stored + 1 */
	struct idmap activity;	  /* netns -> struct rm_activity (report_retire.c) */
	struct rm_fanout fanout;  /* report_fanout.c */
};

/* emit: the emission object where it is attached, else NULL. */
int report_model_init(struct report_model *m, struct report_bpf *skel,
		      const struct emit_attached *emit);
/* Reads every map; a SEQNUM idle for more than settle_ns is folded into the fan-out. */
int report_model_read(struct report_model *m, uint64_t settle_ns);
/*
 * Only the fan-out: settles what can be, between readouts. Under
 * a flood the fan-out rings hold every SEQNUM of a readout period;
 * folding more often keeps them from overrunning (each fold reads the new records).
 */
void report_model_fold(struct report_model *m, uint64_t settle_ns);
void report_model_free(struct report_model *m);

const struct rm_netns *rm_find_netns(const struct report_model *m, uint32_t netns);

/* Inside the model: report_retire.c's step of a readout, and what it needs of report_model.c. */
void rm_retire_idle(struct report_model *m, int ncpus);
/* Settled SEQNUMs into the fan-out histograms (report_fanout.c). */
void rm_fold_fanout(struct report_model *m, uint64_t settle_ns, uint64_t now);
void rm_fanout_free(struct rm_fanout *f);

/* What the loader makes of a ring record read for position want (report_fanout.c). */
enum rm_rec_state {
	RM_REC_OK,	    /* whole, of that position */
	RM_REC_OVERWRITTEN, /* a later lap's: counted lost */
	RM_REC_NOT_YET,	    /* an older lap's, or torn: read again at the next fold */
};
enum rm_rec_state rm_fanout_rec_state(const struct report_fanout_rec *r, uint32_t want);
/* A copy of a CPU's slot that is one state it had (its check matches). */
bool rm_fanout_cpu_ok(const struct report_fanout_cpu *c);
/*
 * How long until the next fold: RM_FOLD_NS, or RM_FOLD_FAST_NS while a CPU
 * filled more than a quarter of its ring since the last one (a flood).
 */
#define RM_FOLD_NS	(50 * 1000000ull)
#define RM_FOLD_FAST_NS (25 * 1000000ull)
uint64_t rm_fanout_fold_every(const struct report_model *m);
void rm_forget_drops(struct report_model *m, uint32_t netns);

/* A SEQNUM idle this long has reached every socket it will (see report_model.c). */
#define REPORT_SETTLE_NS (200 * 1000000ull)

#endif /* UEVSCOPE_REPORT_MODEL_H */
