/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Uevents emitted since start, from /sys/kernel/uevent_seqnum, and the
 * SEQNUMs no delivery carried (seqgap.c), for report, export and trace:
 * exact without any emission hook, while every delivery is read with its
 * SEQNUM (no payload gone, no record lost).
 */
#ifndef UEVSCOPE_SEQGAP_H
#define UEVSCOPE_SEQGAP_H

#include <stdbool.h>
#include <stdint.h>

#define SEQGAP_MARKS 16

struct seqgap {
	bool available;	      /* the file could be read at start */
	uint64_t base;	      /* its value at start: SEQNUMs above it are counted */
	uint64_t latest;      /* its value at the latest mark */
	uint64_t emitted;     /* latest - base: uevents emitted, kernel and injected */
	uint64_t accounted;   /* every SEQNUM up to this one is counted below */
	uint64_t delivered;   /* SEQNUMs in (base, accounted] that reached a socket */
	uint64_t no_listener; /* ... that reached none */
	uint64_t late;	      /* deliveries of a SEQNUM already judged: settle_ns too short */
	struct {
		uint64_t ts_ns, seqnum;
	} marks[SEQGAP_MARKS]; /* the file's value at recent marks, a ring */
	unsigned int nmarks;
	uint64_t min_pending; /* lowest SEQNUM still being delivered, 0: none */
	uint64_t *above;      /* SEQNUMs seen delivered above accounted, sorted */
	size_t nabove, cap;
};

/* Reads the base: call once every delivery from now on will be seen. */
void seqgap_init(struct seqgap *q);
void seqgap_free(struct seqgap *q);
/* Reads the counter now (CLOCK_MONOTONIC stamp taken after the read). */
void seqgap_mark(struct seqgap *q);
/* This SEQNUM reached a socket. */
void seqgap_delivered(struct seqgap *q, uint64_t seqnum);
/* This SEQNUM is still being delivered (report's fan-out); cleared by each settle. */
void seqgap_pending(struct seqgap *q, uint64_t seqnum);
/*
 * Judges the SEQNUMs taken at least settle_ns before now and below any
 * pending one; gap(ctx, first, last), if given, for each run of them that
 * reached no socket.
 */
void seqgap_settle(struct seqgap *q, uint64_t settle_ns, uint64_t now,
		   void (*gap)(void *ctx, uint64_t first, uint64_t last), void *ctx);

#endif /* UEVSCOPE_SEQGAP_H */
