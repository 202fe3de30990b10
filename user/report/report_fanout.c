// SPDX-License-Identifier: GPL-2.0
/*
 * Folding the fan-out map into the model's histograms. A SEQNUM is
 * delivered by one task in one go (kobject_uevent_env() holds
 * uevent_sock_mutex over the whole broadcast; an injection is broadcast
 * inside its sendmsg()), so once its entry has been idle for settle_ns no
 * more deliveries can come: it is counted once, then deleted.
 *
 * Under a flood the map holds thousands of SEQNUMs and is folded five times a
 * second (export): one syscall per key to walk, one to read, one to delete
 * made the exporter spend most of its time entering the kernel. The batch
 * operations (5.6+) read the whole map in a few calls and delete the settled
 * keys in one; the walk key by key remains for kernels without them.
 *
 * Each fold also tells report_seqnums.c which SEQNUMs were delivered and
 * which are still pending, so that it can count those that reached nobody.
 */
#include <errno.h>
#include <stdlib.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "report_model.h"
#include "report.skel.h"

/* Entries per batch call: the kernel wants room for a whole hash bucket at least. */
#define FANOUT_BATCH 4096

/* A delivery stamped ts was before a readout at least settle_ns before now. */
static bool settled(const struct report_model *m, uint64_t ts, uint64_t settle_ns, uint64_t now)
{
	unsigned int i;

	for (i = 0; i < RM_EPOCHS && i < m->nepochs; i++)
		if (m->epochs[i] > ts && m->epochs[i] + settle_ns <= now)
			return true;
	return false;
}

static void hist_add(struct rm_hist *h, uint32_t value)
{
	h->slot[value < RM_FANOUT_SLOTS ? value : RM_FANOUT_SLOTS - 1]++;
	h->total++;
	h->sum += value;
}

/* Counts one entry, or keeps it for later; settled keys go to m->done. */
static void fold_one(struct report_model *m, __u64 key, const struct report_fanout *f,
		     uint64_t settle_ns, uint64_t now)
{
	if (!settled(m, f->last_ts_ns, settle_ns, now)) {
		m->fanout_pending++;
		seqgap_pending(&m->seqnums, key);
		return;
	}
	seqgap_delivered(&m->seqnums, key);
	hist_add(&m->fanout_netns, f->netns);
	hist_add(&m->fanout_sockets, f->sockets);
	if (m->ndone == m->done_cap) {
		m->done_cap = m->done_cap ? 2 * m->done_cap : 1024;
		m->done = realloc(m->done, m->done_cap * sizeof(*m->done));
		if (!m->done)
			abort();
	}
	m->done[m->ndone++] = key;
}

/*
 * The whole map in batches: 0, or -errno when the first call fails (no batch
 * lookup on this kernel; nothing counted). A later failure keeps what was
 * counted; the rest is folded next time.
 */
static int fold_batched(struct report_model *m, int fd, uint64_t settle_ns, uint64_t now,
			bool *complete)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	__u64 in_batch = 0, out_batch = 0, *in = NULL;
	__u64 *keys = malloc(FANOUT_BATCH * sizeof(*keys));
	struct report_fanout *vals = malloc(FANOUT_BATCH * sizeof(*vals));
	int err = 0;

	if (!keys || !vals)
		abort();
	for (;;) {
		__u32 count = FANOUT_BATCH, i;

		err = bpf_map_lookup_batch(fd, in, &out_batch, keys, vals, &count, &opts) ? -errno
											  : 0;
		if (err && err != -ENOENT) {
			if (in) {
				err = 0;
				*complete = false;
			}
			break;
		}
		for (i = 0; i < count; i++)
			fold_one(m, keys[i], &vals[i], settle_ns, now);
		if (err) { /* -ENOENT: that was the last of them */
			err = 0;
			break;
		}
		in_batch = out_batch;
		in = &in_batch;
	}
	free(keys);
	free(vals);
	return err;
}

static void fold_walked(struct report_model *m, int fd, uint64_t settle_ns, uint64_t now)
{
	__u64 key, next, *prev = NULL;
	struct report_fanout f;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (!bpf_map_lookup_elem(fd, &key, &f))
			fold_one(m, key, &f, settle_ns, now);
	}
}

void rm_fold_fanout(struct report_model *m, uint64_t settle_ns, uint64_t now)
{
	int fd = bpf_map__fd(m->skel->maps.fanout);
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	bool complete = true;
	size_t i;

	m->fanout_pending = 0;
	m->ndone = 0;
	if (!m->no_batch && fold_batched(m, fd, settle_ns, now, &complete))
		m->no_batch = true; /* nothing was counted: walk it key by key */
	if (m->no_batch)
		fold_walked(m, fd, settle_ns, now);
	/* A part of the map unread may hold pending SEQNUMs: judge none this time. */
	if (complete)
		seqgap_settle(&m->seqnums, settle_ns, now, NULL, NULL);
	/* Deleted after the walk: deleting while walking would restart it. */
	if (m->ndone) {
		__u32 count = m->ndone;

		if (!m->no_batch && !bpf_map_delete_batch(fd, m->done, &count, &opts))
			return;
		for (i = 0; i < m->ndone; i++)
			bpf_map_delete_elem(fd, &m->done[i]);
	}
}
