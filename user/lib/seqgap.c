// SPDX-License-Identifier: GPL-2.0
/*
 * Uevents emitted, and those that reached no socket, without any emission
 * hook: every uevent, from the kernel (kobject_uevent_env()) or injected by
 * a process (uevent_net_broadcast()), takes the next number of the global
 * uevent_seqnum, which /sys/kernel/uevent_seqnum shows. So the numbers
 * taken since start are the uevents emitted since start, and a number no
 * delivery carried in its SEQNUM= reached no listener: nobody listened, a
 * socket filter dropped it everywhere, or the kernel refused it after
 * numbering it (an injection too big for UEVENT_BUFFER_SIZE).
 *
 * A number is judged once every delivery it will get has been folded from
 * the fan-out (report) or the ring buffer (trace): it was taken at least
 * settle_ns before now (a broadcast runs in one go, the same assumption the
 * fan-out makes) and no SEQNUM at or below it is still pending.
 * Numbers seen delivered above that point wait, sorted, until it passes
 * them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common.h"
#include "procfs.h"
#include "seqgap.h"

void seqgap_init(struct seqgap *q)
{
	memset(q, 0, sizeof(*q));
	q->available = read_uevent_seqnum(&q->base);
	q->latest = q->accounted = q->base;
}

void seqgap_free(struct seqgap *q)
{
	free(q->above);
	memset(q, 0, sizeof(*q));
}

void seqgap_mark(struct seqgap *q)
{
	uint64_t v;

	if (!q->available || !read_uevent_seqnum(&v))
		return;
	/* Read, then stamped: every number up to v was taken before the stamp. */
	q->marks[q->nmarks % SEQGAP_MARKS].ts_ns = now_monotonic_ns();
	q->marks[q->nmarks % SEQGAP_MARKS].seqnum = v;
	q->nmarks++;
	if (v > q->latest)
		q->latest = v;
	q->emitted = q->latest - q->base;
}

void seqgap_delivered(struct seqgap *q, uint64_t seqnum)
{
	size_t i;

	if (!q->available || seqnum <= q->base)
		return; /* taken before we started */
	if (seqnum <= q->accounted) {
		/*
		 * Delivered after it was judged (a broadcast slower than settle_ns):
		 * shown, not corrected, as whether it was judged delivered is not kept.
		 */
		q->late++;
		return;
	}
	if (q->nabove == q->cap) {
		q->cap = q->cap ? 2 * q->cap : 256;
		q->above = realloc(q->above, q->cap * sizeof(*q->above));
		if (!q->above)
			abort();
	}
	/* Fan-out folds come in about SEQNUM order: insert from the end. */
	for (i = q->nabove; i > 0 && q->above[i - 1] > seqnum; i--)
		;
	if (i > 0 && q->above[i - 1] == seqnum)
		return; /* another socket of the same uevent */
	memmove(q->above + i + 1, q->above + i, (q->nabove - i) * sizeof(*q->above));
	q->above[i] = seqnum;
	q->nabove++;
}

void seqgap_pending(struct seqgap *q, uint64_t seqnum)
{
	if (seqnum > q->base && (!q->min_pending || seqnum < q->min_pending))
		q->min_pending = seqnum;
}

void seqgap_settle(struct seqgap *q, uint64_t settle_ns, uint64_t now,
		   void (*gap)(void *ctx, uint64_t first, uint64_t last), void *ctx)
{
	uint64_t upto = q->accounted, next, distinct = 0;
	unsigned int i;
	size_t n = 0;

	if (!q->available)
		return;
	for (i = 0; i < SEQGAP_MARKS && i < q->nmarks; i++)
		if (q->marks[i].ts_ns + settle_ns <= now && q->marks[i].seqnum > upto)
			upto = q->marks[i].seqnum;
	if (q->min_pending && upto >= q->min_pending)
		upto = q->min_pending - 1;
	q->min_pending = 0; /* the next fold finds them again */
	if (upto <= q->accounted)
		return;
	/* Walk (accounted, upto]: runs between delivered SEQNUMs are gaps. */
	next = q->accounted + 1;
	for (; n < q->nabove && q->above[n] <= upto; n++) {
		/* A SEQNUM seen twice (a fan-out part folded after the rest) is one. */
		if (q->above[n] < next)
			continue;
		if (gap && q->above[n] > next)
			gap(ctx, next, q->above[n] - 1);
		distinct++;
		next = q->above[n] + 1;
	}
	if (gap && next <= upto)
		gap(ctx, next, upto);
	q->delivered += distinct;
	q->no_listener += upto - q->accounted - distinct;
	memmove(q->above, q->above + n, (q->nabove - n) * sizeof(*q->above));
	q->nabove -= n;
	q->accounted = upto;
}
