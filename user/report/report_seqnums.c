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
 * the fan-out map: it was taken at least settle_ns before now (a broadcast
 * runs in one go, the same assumption the fan-out makes) and no fan-out
 * entry at or below it is still pending. Numbers seen delivered above that
 * point wait, sorted, until it passes them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common.h"
#include "report_model.h"

#define SEQNUM_FILE "/sys/kernel/uevent_seqnum"

/* The counter now, or false when the file is missing (no CONFIG_SYSFS) or unreadable. */
static bool read_seqnum(uint64_t *out)
{
	FILE *f = fopen(SEQNUM_FILE, "re");
	unsigned long long v;
	bool ok;

	if (!f)
		return false;
	ok = fscanf(f, "%llu", &v) == 1;
	fclose(f);
	if (ok)
		*out = v;
	return ok;
}

void rm_seqnums_init(struct rm_seqnums *q)
{
	memset(q, 0, sizeof(*q));
	q->available = read_seqnum(&q->base);
	q->latest = q->accounted = q->base;
}

void rm_seqnums_free(struct rm_seqnums *q)
{
	free(q->above);
	memset(q, 0, sizeof(*q));
}

void rm_seqnums_mark(struct rm_seqnums *q)
{
	uint64_t v;

	if (!q->available || !read_seqnum(&v))
		return;
	/* Read, then stamped: every number up to v was taken before the stamp. */
	q->marks[q->nmarks % RM_EPOCHS].ts_ns = now_monotonic_ns();
	q->marks[q->nmarks % RM_EPOCHS].seqnum = v;
	q->nmarks++;
	if (v > q->latest)
		q->latest = v;
	q->emitted = q->latest - q->base;
}

void rm_seqnums_delivered(struct rm_seqnums *q, uint64_t seqnum)
{
	size_t i;

	if (!q->available || seqnum <= q->base)
		return; /* taken before we started */
	if (seqnum <= q->accounted) {
		/* Delivered after it was judged (a broadcast slower than settle_ns): correct it. */
		q->late++;
		if (q->no_listener) {
			q->no_listener--;
			q->delivered++;
		}
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
		q->above[i] = q->above[i - 1];
	q->above[i] = seqnum;
	q->nabove++;
}

void rm_seqnums_pending(struct rm_seqnums *q, uint64_t seqnum)
{
	if (seqnum > q->base && (!q->min_pending || seqnum < q->min_pending))
		q->min_pending = seqnum;
}

void rm_seqnums_settle(struct rm_seqnums *q, uint64_t settle_ns, uint64_t now)
{
	uint64_t upto = q->accounted, distinct = 0;
	unsigned int i;
	size_t n = 0, k;

	if (!q->available)
		return;
	for (i = 0; i < RM_EPOCHS && i < q->nmarks; i++)
		if (q->marks[i].ts_ns + settle_ns <= now && q->marks[i].seqnum > upto)
			upto = q->marks[i].seqnum;
	if (q->min_pending && upto >= q->min_pending)
		upto = q->min_pending - 1;
	q->min_pending = 0; /* the next fold finds them again */
	if (upto <= q->accounted)
		return;
	while (n < q->nabove && q->above[n] <= upto)
		n++;
	/* A SEQNUM folded twice (an entry made again after its fold) is one uevent. */
	for (k = 0; k < n; k++)
		if (!k || q->above[k] != q->above[k - 1])
			distinct++;
	q->delivered += distinct;
	q->no_listener += upto - q->accounted - distinct;
	memmove(q->above, q->above + n, (q->nabove - n) * sizeof(*q->above));
	q->nabove -= n;
	q->accounted = upto;
}
