// SPDX-License-Identifier: GPL-2.0
/*
 * The fan-out histograms, from the parts bpf/report.bpf.c leaves
 * (include/report.h): each CPU's ring of finished parts and its current
 * SEQNUM. A SEQNUM is delivered by one task in one go (kobject_uevent_env()
 * holds uevent_sock_mutex over the whole broadcast; an injection is
 * broadcast inside its sendmsg()), so once its newest part has been idle for
 * settle_ns no more deliveries can come: its parts, merged by SEQNUM (a
 * broadcast may move to another CPU between namespaces), are counted once.
 *
 * The ring is read through a read-only mapping: no system call per record.
 * Each fold also tells report_seqnums.c which SEQNUMs were delivered and
 * which are still pending, so that it can count those that reached nobody.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "report_model.h"
#include "report.skel.h"

/*
 * A delivery stamped ts was before a readout at least settle_ns before now
 * when ts is below the newest such readout: that, once per fold, or 0.
 */
static uint64_t settled_below(const struct report_model *m, uint64_t settle_ns, uint64_t now)
{
	uint64_t below = 0;
	unsigned int i;

	for (i = 0; i < RM_EPOCHS && i < m->nepochs; i++)
		if (m->epochs[i] + settle_ns <= now && m->epochs[i] > below)
			below = m->epochs[i];
	return below;
}

static void hist_add(struct rm_hist *h, uint32_t value)
{
	h->slot[value < RM_FANOUT_SLOTS ? value : RM_FANOUT_SLOTS - 1]++;
	h->total++;
	h->sum += value;
}

static struct rm_fanout_part *new_part(struct rm_fanout *f)
{
	if (f->nparts == f->cap) {
		f->cap = f->cap ? 2 * f->cap : 4096;
		f->parts = realloc(f->parts, f->cap * sizeof(*f->parts));
		f->spare = realloc(f->spare, f->cap * sizeof(*f->spare));
		if (!f->parts || !f->spare)
			abort();
	}
	return &f->parts[f->nparts++];
}

/* First fold: the sizes the loader chose, and the mapping (NULL if refused). */
static int fanout_setup(struct report_model *m)
{
	struct rm_fanout *f = &m->fanout;
	int fd = bpf_map__fd(m->skel->maps.fanout_ring), n = libbpf_num_possible_cpus();
	long page = sysconf(_SC_PAGESIZE);
	void *p;

	f->ncpus = n > 0 ? n : 1;
	f->ring_len = m->skel->rodata->fanout_ring_len;
	f->cpus = calloc(f->ncpus, sizeof(*f->cpus));
	if (!f->cpus)
		abort();
	f->map_bytes = (size_t)f->ncpus * f->ring_len * sizeof(struct report_fanout_rec);
	f->map_bytes = (f->map_bytes + page - 1) / page * page;
	p = mmap(NULL, f->map_bytes, PROT_READ, MAP_SHARED, fd, 0);
	f->map = p == MAP_FAILED ? NULL : p;
	return 0;
}

enum rm_rec_state rm_fanout_rec_state(const struct report_fanout_rec *r, uint32_t want)
{
	if (r->pos == want &&
	    r->check == report_fanout_check(want, r->netns, r->sockets, r->seqnum, r->last_ts_ns))
		return RM_REC_OK;
	/* A later lap wrote its pos: p is gone. Else p, or part of it, is not visible yet. */
	return (int32_t)(r->pos - want) > 0 ? RM_REC_OVERWRITTEN : RM_REC_NOT_YET;
}

bool rm_fanout_cpu_ok(const struct report_fanout_cpu *c)
{
	return c->check == report_fanout_check((uint32_t)c->head, c->netns, c->sockets, c->seqnum,
					       c->last_ts_ns);
}

/* Record p of a CPU's ring, copied field by field (the writer may be at it). */
static enum rm_rec_state read_rec(const struct rm_fanout *f, int fd, int cpu, uint64_t p,
				  struct report_fanout_rec *out)
{
	uint32_t idx = (uint32_t)cpu * f->ring_len + ((uint32_t)p & (f->ring_len - 1));

	if (f->map) {
		const volatile struct report_fanout_rec *r = &f->map[idx];

		out->pos = r->pos;
		out->netns = r->netns;
		out->seqnum = r->seqnum;
		out->last_ts_ns = r->last_ts_ns;
		out->sockets = r->sockets;
		out->check = r->check;
	} else if (bpf_map_lookup_elem(fd, &idx, out)) {
		return RM_REC_NOT_YET;
	}
	return rm_fanout_rec_state(out, (uint32_t)p + 1);
}

/*
 * New records of one CPU into f->parts; the overwritten ones are counted
 * lost. A record that does not check yet (its stores not all visible, on a
 * weakly ordered CPU, or being overwritten now) ends this CPU's read: the
 * next fold starts there, and counts it lost if a later lap took its place.
 */
static void read_ring(struct rm_fanout *f, int fd, int cpu, uint64_t head)
{
	struct rm_fanout_cpu *c = &f->cpus[cpu];
	struct report_fanout_rec r;
	struct rm_fanout_part *part;

	if (head - c->tail > f->busiest)
		f->busiest = head - c->tail;
	if (head - c->tail > f->ring_len) {
		f->lost += head - f->ring_len - c->tail;
		c->tail = head - f->ring_len;
	}
	for (; c->tail < head; c->tail++) {
		enum rm_rec_state st = read_rec(f, fd, cpu, c->tail, &r);

		if (st == RM_REC_NOT_YET) {
			f->not_yet++;
			return;
		}
		if (st == RM_REC_OVERWRITTEN) {
			f->lost++;
			continue;
		}
		if (c->folded_cur && r.seqnum == c->folded_cur) {
			c->folded_cur = 0; /* counted already, as this CPU's current one */
			continue;
		}
		part = new_part(f);
		part->seqnum = r.seqnum;
		part->last_ts_ns = r.last_ts_ns;
		part->netns = r.netns;
		part->sockets = r.sockets;
		part->cpu = -1;
	}
}

static int by_seqnum(const void *a, const void *b)
{
	const struct rm_fanout_part *x = a, *y = b;

	return x->seqnum < y->seqnum ? -1 : x->seqnum > y->seqnum;
}

/*
 * The parts kept from the folds before, parts[0..old), are sorted: only the
 * new ones are sorted, then both merged. Under a flood the kept ones are
 * every SEQNUM of the settle time (tens of thousands) and a fold runs every
 * 25 ms: sorting them all each time would cost a good part of a CPU.
 */
static void sort_parts(struct rm_fanout *f, size_t old)
{
	struct rm_fanout_part *a = f->parts, *b = f->parts + old, *tmp;
	size_t i = 0, j = 0, k = 0, nb = f->nparts - old;

	qsort(b, nb, sizeof(*b), by_seqnum);
	if (!old || !nb || a[old - 1].seqnum <= b[0].seqnum)
		return; /* already in order: the usual case, new SEQNUMs above the kept ones */
	while (i < old || j < nb)
		f->spare[k++] =
		    j == nb || (i < old && a[i].seqnum <= b[j].seqnum) ? a[i++] : b[j++];
	tmp = f->parts;
	f->parts = f->spare;
	f->spare = tmp;
}

/*
 * The parts of one SEQNUM, parts[0..n): counted if its newest part settled,
 * else kept (its ring records merged into one, at *keep) as pending.
 */
static void fold_seqnum(struct report_model *m, struct rm_fanout_part *parts, size_t n,
			size_t *keep, uint64_t below)
{
	struct rm_fanout *f = &m->fanout;
	struct rm_fanout_part sum = {.seqnum = parts[0].seqnum, .cpu = -1};
	bool ring = false;
	size_t i;

	for (i = 0; i < n; i++) {
		sum.netns += parts[i].netns;
		sum.sockets += parts[i].sockets;
		if (parts[i].last_ts_ns > sum.last_ts_ns)
			sum.last_ts_ns = parts[i].last_ts_ns;
	}
	if (sum.last_ts_ns < below) {
		seqgap_delivered(&m->seqnums, sum.seqnum);
		hist_add(&m->fanout_netns, sum.netns);
		hist_add(&m->fanout_sockets, sum.sockets);
		for (i = 0; i < n; i++)
			if (parts[i].cpu >= 0)
				f->cpus[parts[i].cpu].folded_cur = sum.seqnum;
		return;
	}
	m->fanout_pending++;
	seqgap_pending(&m->seqnums, sum.seqnum);
	/* The current parts are read again next time: keep only the ring's. */
	sum.netns = sum.sockets = 0;
	sum.last_ts_ns = 0;
	for (i = 0; i < n; i++) {
		if (parts[i].cpu >= 0)
			continue;
		ring = true;
		sum.netns += parts[i].netns;
		sum.sockets += parts[i].sockets;
		if (parts[i].last_ts_ns > sum.last_ts_ns)
			sum.last_ts_ns = parts[i].last_ts_ns;
	}
	if (ring)
		f->parts[(*keep)++] = sum;
}

void rm_fold_fanout(struct report_model *m, uint64_t settle_ns, uint64_t now)
{
	struct rm_fanout *f = &m->fanout;
	int fd = bpf_map__fd(m->skel->maps.fanout_ring), c;
	struct report_fanout_cpu *cur;
	struct rm_fanout_part *part;
	uint32_t zero = 0;
	size_t i, j, keep = 0, old = f->nparts;
	uint64_t below = settled_below(m, settle_ns, now);

	m->fanout_pending = 0;
	if (!f->cpus)
		fanout_setup(m);
	cur = calloc(f->ncpus, sizeof(*cur));
	if (!cur)
		abort();
	/*
	 * One copy of every CPU's slot. A copy whose check fails met a write
	 * (count_fanout()): its current SEQNUM waits for the next fold. One that
	 * checks is a state the slot had: its SEQNUM is not among the head
	 * records before it (a SEQNUM goes to the ring when another replaces it).
	 */
	if (bpf_map_lookup_elem(bpf_map__fd(m->skel->maps.fanout_cpu), &zero, cur)) {
		free(cur); /* never: a one-slot array; nothing judged this time */
		return;
	}
	f->busiest = 0;
	for (c = 0; c < f->ncpus; c++)
		if (cur[c].head >= f->cpus[c].tail)
			read_ring(f, fd, c, cur[c].head);
	for (c = 0; c < f->ncpus; c++) {
		if (!cur[c].seqnum || cur[c].seqnum == f->cpus[c].folded_cur)
			continue;
		if (!rm_fanout_cpu_ok(&cur[c])) {
			f->not_yet++;
			continue;
		}
		part = new_part(f);
		part->seqnum = cur[c].seqnum;
		part->last_ts_ns = cur[c].last_ts_ns;
		part->netns = cur[c].netns;
		part->sockets = cur[c].sockets;
		part->cpu = c;
	}
	free(cur);
	sort_parts(f, old);
	for (i = 0; i < f->nparts; i = j) {
		for (j = i + 1; j < f->nparts && f->parts[j].seqnum == f->parts[i].seqnum; j++)
			;
		fold_seqnum(m, &f->parts[i], j - i, &keep, below);
	}
	f->nparts = keep;
	seqgap_settle(&m->seqnums, settle_ns, now, NULL, NULL);
}

uint64_t rm_fanout_fold_every(const struct report_model *m)
{
	const struct rm_fanout *f = &m->fanout;

	return f->ring_len && f->busiest > f->ring_len / 4 ? RM_FOLD_FAST_NS : RM_FOLD_NS;
}

void rm_fanout_free(struct rm_fanout *f)
{
	if (f->map)
		munmap((void *)f->map, f->map_bytes);
	free(f->parts);
	free(f->spare);
	free(f->cpus);
	memset(f, 0, sizeof(*f));
}
