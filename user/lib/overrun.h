/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Receiver overruns: a listener whose receive buffer is full loses the
 * uevent in netlink_overrun(), which only bumps sk_drops. No delivery
 * record exists for it, so losses are found by watching sk_drops grow, both
 * in delivery records and in periodic scans of every uevent socket.
 */
#ifndef UEVSCOPE_OVERRUN_H
#define UEVSCOPE_OVERRUN_H

#include <stdbool.h>
#include <stdint.h>
#include "idmap.h"

struct overrun_tracker {
	struct idmap seen;   /* sock inode -> last sk_drops + 1 */
	bool have_baseline;  /* every socket alive at start is in seen */
	uint64_t total_lost; /* reported so far */
};

void overrun_init(struct overrun_tracker *t);
void overrun_free(struct overrun_tracker *t);
/* Sockets alive at start: their earlier drops are history, not ours to report. */
void overrun_baseline(struct overrun_tracker *t, uint32_t ino, uint32_t drops);
void overrun_baseline_done(struct overrun_tracker *t);
/*
 * A new sk_drops reading for a socket; returns how many uevents it lost since
 * the last reading. A socket first seen after a complete baseline was created
 * later, with zero drops; without a baseline, the first reading is the base.
 */
uint32_t overrun_update(struct overrun_tracker *t, uint32_t ino, uint32_t drops);
/* Forget sockets that are gone: keep only those in the last complete scan. */
void overrun_prune(struct overrun_tracker *t, const struct idmap *alive);

#endif /* UEVSCOPE_OVERRUN_H */
