// SPDX-License-Identifier: GPL-2.0
/*
 * Retiring idle network namespaces from the report model. The kernel maps
 * are keyed by netns and nothing in them ever goes away on its own: on a
 * host that starts and stops containers for months, every namespace that
 * once had a listener would keep its entries until the maps filled, after
 * which new namespaces would go uncounted. A namespace with no listener and
 * no delivery or broadcast for retire_ns is taken out of the maps (looked up
 * and deleted in one step, so no count is lost) and its counts go into
 * m->retired. If it gets a listener again, it starts over from zero.
 */
#include <stdlib.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "report_model.h"
#include "report.skel.h"

struct rm_activity {
	uint64_t total;	   /* deliveries + broadcasts at the last change */
	uint64_t since_ns; /* readout at which it last changed or had a listener */
};

static bool idle_long_enough(struct report_model *m, const struct rm_netns *e)
{
	struct rm_activity *a = idmap_get(&m->activity, e->netns);
	uint64_t total = e->deliveries + e->broadcasts;

	if (!a) {
		a = calloc(1, sizeof(*a));
		if (!a)
			abort();
		idmap_put(&m->activity, e->netns, a);
	} else if (!e->listeners && a->total == total) {
		return m->ts_ns - a->since_ns >= m->retire_ns;
	}
	a->total = total;
	a->since_ns = m->ts_ns;
	return false;
}

/* Values of one per-CPU entry, removed; false if it was gone already. */
static bool take(int fd, const void *key, void *vals)
{
	if (!bpf_map_lookup_and_delete_elem(fd, key, vals))
		return true;
	/* Kernels before 5.14 cannot do both at once on a hash map: a delivery in between is lost.
	 */
	if (bpf_map_lookup_elem(fd, key, vals))
		return false;
	bpf_map_delete_elem(fd, key);
	return true;
}

static void take_events(struct report_model *m, const struct idmap *retiring, int ncpus)
{
	int fd = bpf_map__fd(m->skel->maps.event_stats), c;
	struct report_event_key key, next, *prev = NULL, *keys = NULL;
	struct report_event_val vals[ncpus];
	size_t n = 0, cap = 0, i;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (!idmap_get(retiring, key.netns_ino))
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			keys = realloc(keys, cap * sizeof(*keys));
			if (!keys)
				abort();
		}
		keys[n++] = key;
	}
	for (i = 0; i < n; i++) {
		if (!take(fd, &keys[i], vals))
			continue;
		for (c = 0; c < ncpus; c++) {
			m->retired.deliveries += vals[c].deliveries;
			m->retired.bytes += vals[c].bytes;
			if (keys[i].name & REPORT_NAME_INJECTED)
				m->retired.injected += vals[c].deliveries;
		}
	}
	free(keys);
}

static void take_emissions(struct report_model *m, const struct rm_netns *e, int ncpus)
{
	int fd = bpf_map__fd(m->skel->maps.emit_stats), c;
	struct report_netns_key key = {.netns_ino = e->netns, .userns_ino = e->userns};
	struct report_emit_val vals[ncpus];

	if (!take(fd, &key, vals))
		return;
	for (c = 0; c < ncpus; c++) {
		m->retired.broadcasts += vals[c].broadcasts;
		m->retired.no_listener += vals[c].no_listener;
	}
}

void rm_retire_idle(struct report_model *m, int ncpus)
{
	struct idmap retiring;
	size_t i, kept;

	/* Without the socket inventory a namespace's listeners are unknown: keep everything. */
	if (!m->retire_ns || !m->sockets_listed)
		return;
	idmap_init(&retiring);
	for (i = 0; i < m->nnetns; i++)
		if (idle_long_enough(m, &m->netns[i]))
			idmap_put(&retiring, m->netns[i].netns, (void *)1);
	if (!retiring.len)
		goto out;
	take_events(m, &retiring, ncpus);
	for (i = 0, kept = 0; i < m->nnetns; i++) {
		const struct rm_netns *e = &m->netns[i];

		if (!idmap_get(&retiring, e->netns)) {
			m->netns[kept++] = *e;
			continue;
		}
		if (m->emission)
			take_emissions(m, e, ncpus);
		m->retired.netns++;
		m->retired.drops += e->drops;
		rm_forget_drops(m, e->netns);
		free(idmap_put(&m->activity, e->netns, NULL));
	}
	m->nnetns = kept;
	for (i = 0, kept = 0; i < m->nsa; i++)
		if (!idmap_get(&retiring, m->sa[i].netns))
			m->sa[kept++] = m->sa[i];
	m->nsa = kept;
out:
	idmap_free(&retiring, NULL);
}
