// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "fwdstate.h"
#include "common.h"
#include "emit.h"
#include "report_model.h"
#include "socks.h"
#include "report.skel.h"

/* init_user_ns's inode, fixed by the kernel (PROC_USER_INIT_INO in include/linux/proc_ns.h). */
#define PROC_USER_INIT_INO 0xEFFFFFFDU

const char *const rm_counter_names[REP_CNT_MAX] = {
    [REP_CNT_DELIVERIES] = "deliveries",
    [REP_CNT_UNICAST] = "unicast_skipped",
    [REP_CNT_NO_PAYLOAD] = "no_payload",
    [REP_CNT_NO_SEQNUM] = "no_seqnum",
    [REP_CNT_NETNS_FULL] = "netns_map_full",
    [REP_CNT_SA_FULL] = "event_map_full",
    [REP_CNT_SOCK_FULL] = "socket_map_full",
    [REP_CNT_FANOUT_FULL] = "fanout_map_full",
    [REP_CNT_EMIT_FULL] = "emission_map_full",
    [REP_CNT_EMISSIONS] = "emissions",
    [REP_CNT_LATENCY_NOSTART] = "latency_without_start",
    [REP_CNT_LATENCY_SUM_NS] = "latency_sum_ns",
};

const int rm_overflow_counters[RM_NOVERFLOW] = {
    REP_CNT_NETNS_FULL, REP_CNT_SA_FULL, REP_CNT_SOCK_FULL, REP_CNT_FANOUT_FULL, REP_CNT_EMIT_FULL};

#define STORED(v) ((void *)(uintptr_t)((v) + 1))
#define LOADED(p) ((uint64_t)(uintptr_t)(p)-1)

static int ncpus(void)
{
	int n = libbpf_num_possible_cpus();

	return n > 0 ? n : 1;
}

static void baseline_cb(const struct uev_sock_info *info, void *ctx)
{
	overrun_baseline(ctx, info->sock_ino, info->sk_drops);
}

/*
 * Deliveries are stamped with the time of the latest readout (readout_ns in
 * report.bpf.c): publish this one's, and keep it to judge stamps later.
 */
static void publish_epoch(struct report_model *m, uint64_t now)
{
	m->skel->bss->readout_ns = now;
	m->epochs[m->nepochs++ % RM_EPOCHS] = now;
	seqgap_mark(&m->seqnums);
}

int report_model_init(struct report_model *m, struct report_bpf *skel,
		      const struct emit_attached *emit)
{
	struct stat st;

	memset(m, 0, sizeof(*m));
	m->skel = skel;
	m->emit = emit;
	m->emission = emit != NULL;
	/* pid 1 may be out of reach (a sandbox); the constant is what it would show. */
	m->init_userns = stat("/proc/1/ns/user", &st) ? PROC_USER_INIT_INO : st.st_ino;
	overrun_init(&m->overruns);
	idmap_init(&m->netns_drops);
	idmap_init(&m->sock_drops);
	idmap_init(&m->activity);
	m->retire_ns = RM_RETIRE_DEFAULT_NS;
	/* After attach: every delivery of a SEQNUM above the base is seen. */
	seqgap_init(&m->seqnums);
	publish_epoch(m, now_monotonic_ns());
	m->inventory = socks_open();
	if (!m->inventory)
		return -ENOMEM;
	/* Drops from before we started are history: only growth counts. */
	m->sockets_listed = socks_list(m->inventory, baseline_cb, &m->overruns) >= 0;
	overrun_baseline_done(&m->overruns);
	return 0;
}

static struct rm_netns *netns_entry(struct report_model *m, uint32_t netns, uint32_t userns)
{
	size_t i;

	for (i = 0; i < m->nnetns; i++)
		if (m->netns[i].netns == netns)
			return &m->netns[i];
	m->netns = realloc(m->netns, (m->nnetns + 1) * sizeof(*m->netns));
	if (!m->netns)
		abort();
	memset(&m->netns[m->nnetns], 0, sizeof(*m->netns));
	m->netns[m->nnetns].netns = netns;
	m->netns[m->nnetns].userns = userns;
	return &m->netns[m->nnetns++];
}

void rm_forget_drops(struct report_model *m, uint32_t netns)
{
	if (idmap_get(&m->netns_drops, netns))
		idmap_put(&m->netns_drops, netns, STORED(0));
}

const struct rm_netns *rm_find_netns(const struct report_model *m, uint32_t netns)
{
	size_t i;

	for (i = 0; i < m->nnetns; i++)
		if (m->netns[i].netns == netns)
			return &m->netns[i];
	return NULL;
}

/* names map: id -> struct report_name (malloc'ed), for read_events(). */
static void read_names(struct report_model *m, struct idmap *ids)
{
	int fd = bpf_map__fd(m->skel->maps.names);
	struct report_name key, next, *prev = NULL, *copy;
	__u32 id;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &id) || !id)
			continue;
		copy = malloc(sizeof(*copy));
		if (!copy)
			abort();
		*copy = key;
		free(idmap_put(ids, id, copy));
	}
}

static void add_event(struct report_model *m, uint32_t netns, bool injected,
		      const struct report_name *name, uint64_t count)
{
	struct rm_sa *e;

	m->sa = realloc(m->sa, (m->nsa + 1) * sizeof(*m->sa));
	if (!m->sa)
		abort();
	e = &m->sa[m->nsa++];
	memset(e, 0, sizeof(*e));
	e->netns = netns;
	e->injected = injected;
	memcpy(e->subsystem, name->subsystem, sizeof(e->subsystem) - 1);
	memcpy(e->action, name->action, sizeof(e->action) - 1);
	e->count = count;
}

/*
 * Per netns x origin x name counts: each one is a row of the event table and
 * adds to its netns's totals. The kernel interns a name before it counts
 * under its id, so names read after an id was seen include it.
 */
static void read_events(struct report_model *m)
{
	int fd = bpf_map__fd(m->skel->maps.event_stats), n = ncpus(), c;
	struct report_event_key key, next, *prev = NULL;
	struct report_event_val vals[n];
	struct idmap ids;

	idmap_init(&ids);
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		uint64_t deliveries = 0;
		struct rm_netns *e;
		bool injected;
		uint32_t id;

		key = next;
		prev = &key;
		injected = key.name & REPORT_NAME_INJECTED;
		if (bpf_map_lookup_elem(fd, &key, vals))
			continue;
		e = netns_entry(m, key.netns_ino, key.userns_ino);
		for (c = 0; c < n; c++) {
			deliveries += vals[c].deliveries;
			e->bytes += vals[c].bytes;
			if (vals[c].last_ts_ns > e->last_ts_ns)
				e->last_ts_ns = vals[c].last_ts_ns;
		}
		e->deliveries += deliveries;
		if (injected)
			e->injected += deliveries;
		id = key.name & ~REPORT_NAME_INJECTED; /* key stays the walk's cursor */
		if (id == REPORT_NAME_NONE)
			continue;
		/* Not there: interned after the names were last read; read them again. */
		if (!idmap_get(&ids, id))
			read_names(m, &ids);
		if (idmap_get(&ids, id))
			add_event(m, key.netns_ino, injected, idmap_get(&ids, id), deliveries);
	}
	idmap_free(&ids, free);
}

static void read_emissions(struct report_model *m)
{
	int fd = bpf_map__fd(m->skel->maps.emit_stats), n = ncpus(), c;
	struct report_netns_key key, next, *prev = NULL;
	struct report_emit_val vals[n];

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, vals))
			continue;
		struct rm_netns *e = netns_entry(m, key.netns_ino, key.userns_ino);

		for (c = 0; c < n; c++) {
			e->broadcasts += vals[c].broadcasts;
			e->no_listener += vals[c].no_listener;
		}
	}
}

/* Sockets alive now, from the iterator, with what the kernel counted for each. */
struct sock_scan {
	struct report_model *m;
	struct idmap alive;
};

static void scan_cb(const struct uev_sock_info *info, void *ctx)
{
	struct sock_scan *scan = ctx;
	struct report_model *m = scan->m;
	int fd = bpf_map__fd(m->skel->maps.sock_stats), n = ncpus(), c;
	struct report_sock_key key = {.sock_ino = info->sock_ino, .netns_ino = info->netns_ino};
	struct report_sock_val vals[n];
	uint32_t lost = overrun_update(&m->overruns, info->sock_ino, info->sk_drops);
	uint64_t netns_drops = LOADED(idmap_get(&m->netns_drops, info->netns_ino));
	struct rm_netns *ne;
	struct rm_sock *s;

	if (!idmap_get(&m->netns_drops, info->netns_ino))
		netns_drops = 0;
	netns_drops += lost;
	idmap_put(&m->netns_drops, info->netns_ino, STORED(netns_drops));
	idmap_put(&scan->alive, info->sock_ino, (void *)1);

	m->socks = realloc(m->socks, (m->nsocks + 1) * sizeof(*m->socks));
	if (!m->socks)
		abort();
	s = &m->socks[m->nsocks++];
	memset(s, 0, sizeof(*s));
	s->sock_ino = info->sock_ino;
	s->netns = info->netns_ino;
	s->userns = info->userns_ino;
	s->portid = info->portid;
	s->groups = info->groups;
	s->rmem_alloc = info->rmem_alloc;
	s->rcvbuf = info->rcvbuf;
	s->sk_drops = info->sk_drops;
	s->drops = lost + (idmap_get(&m->sock_drops, info->sock_ino)
			       ? LOADED(idmap_get(&m->sock_drops, info->sock_ino))
			       : 0);
	idmap_put(&m->sock_drops, info->sock_ino, STORED(s->drops));
	if (!bpf_map_lookup_elem(fd, &key, vals)) {
		for (c = 0; c < n; c++) {
			s->deliveries += vals[c].deliveries;
			s->bytes += vals[c].bytes;
			/* Stamps are readout times (ties): SEQNUMs only grow, take the largest. */
			if (vals[c].last_ts_ns > s->last_ts_ns)
				s->last_ts_ns = vals[c].last_ts_ns;
			if (vals[c].last_seqnum > s->last_seqnum)
				s->last_seqnum = vals[c].last_seqnum;
		}
	}
	ne = netns_entry(m, info->netns_ino, info->userns_ino);
	ne->listeners++;
	if (s->last_seqnum > ne->last_seqnum)
		ne->last_seqnum = s->last_seqnum;
}

/* The readout time published before the current one: deliveries since then stamp it or later. */
static uint64_t previous_epoch(const struct report_model *m)
{
	return m->nepochs >= 2 ? m->epochs[(m->nepochs - 2) % RM_EPOCHS] : 0;
}

/*
 * Entries of sockets that are gone: without this the socket map fills up
 * with every socket a host ever opened (udevadm monitor runs, container
 * restarts) and then loses the new ones. A socket missing from the scan
 * whose last delivery came before the previous readout is closed: one made
 * after the scan could only have deliveries stamped with this readout.
 */
static void prune_sock_stats(struct report_model *m, const struct idmap *alive)
{
	int fd = bpf_map__fd(m->skel->maps.sock_stats), n = ncpus(), c;
	struct report_sock_key key, next, *prev = NULL, *gone = NULL;
	uint64_t since = previous_epoch(m);
	struct report_sock_val vals[n];
	size_t ngone = 0, cap = 0, i;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		uint64_t last = 0;

		key = next;
		prev = &key;
		if (idmap_get(alive, key.sock_ino) || bpf_map_lookup_elem(fd, &key, vals))
			continue;
		for (c = 0; c < n; c++)
			if (vals[c].last_ts_ns > last)
				last = vals[c].last_ts_ns;
		if (last >= since)
			continue;
		if (ngone == cap) {
			cap = cap ? 2 * cap : 64;
			gone = realloc(gone, cap * sizeof(*gone));
			if (!gone)
				abort();
		}
		gone[ngone++] = key;
	}
	for (i = 0; i < ngone; i++)
		bpf_map_delete_elem(fd, &gone[i]);
	free(gone);
}

static void read_sockets(struct report_model *m)
{
	struct sock_scan scan = {.m = m};
	struct idmap kept;
	size_t i;

	if (!m->sockets_listed)
		return;
	idmap_init(&scan.alive);
	if (socks_list(m->inventory, scan_cb, &scan) >= 0) {
		overrun_prune(&m->overruns, &scan.alive);
		prune_sock_stats(m, &scan.alive);
		/* A socket that is gone keeps its drops in its netns, not in the socket list. */
		idmap_init(&kept);
		for (i = 0; i < m->sock_drops.cap; i++)
			if (m->sock_drops.keys[i] && idmap_get(&scan.alive, m->sock_drops.keys[i]))
				idmap_put(&kept, m->sock_drops.keys[i], m->sock_drops.vals[i]);
		idmap_free(&m->sock_drops, NULL);
		m->sock_drops = kept;
	}
	idmap_free(&scan.alive, NULL);
	for (i = 0; i < m->nnetns; i++) {
		struct rm_netns *e = &m->netns[i];
		void *d = idmap_get(&m->netns_drops, e->netns);

		e->drops = d ? LOADED(d) : 0;
		e->isolated = e->listeners && m->init_userns && e->userns != m->init_userns;
	}
}

static void read_percpu_array(int fd, uint32_t nslots, uint64_t *out)
{
	int n = ncpus(), c;
	uint64_t vals[n];
	uint32_t i;

	for (i = 0; i < nslots; i++) {
		out[i] = 0;
		if (bpf_map_lookup_elem(fd, &i, vals))
			continue;
		for (c = 0; c < n; c++)
			out[i] += vals[c];
	}
}

int report_model_read(struct report_model *m, uint64_t settle_ns)
{
	uint32_t i;

	m->nnetns = 0;
	m->nsa = 0;
	m->nsocks = 0;
	m->ts_ns = now_monotonic_ns();
	publish_epoch(m, m->ts_ns);
	read_events(m);
	if (m->emission)
		read_emissions(m);
	read_sockets(m);
	rm_retire_idle(m, ncpus());
	rm_fold_fanout(m, settle_ns, m->ts_ns);
	read_percpu_array(bpf_map__fd(m->skel->maps.latency), REPORT_HIST_SLOTS, m->latency.slot);
	m->latency.total = 0;
	for (i = 0; i < REPORT_HIST_SLOTS; i++)
		m->latency.total += m->latency.slot[i];
	read_percpu_array(bpf_map__fd(m->skel->maps.rep_counters), REP_CNT_MAX, m->counters);
	m->counters[REP_CNT_FANOUT_FULL] += m->fanout.lost; /* counted here, not in the kernel */
	m->latency.sum = m->counters[REP_CNT_LATENCY_SUM_NS];
	m->missed_runs =
	    bpf_obj_missed_runs(m->skel->obj) + (m->emit ? emit_missed_runs(m->emit) : 0);
	fwd_state_free_all(m->fwd, m->nfwd);
	m->nfwd = fwd_state_read_all(&m->fwd);
	return 0;
}

void report_model_fold(struct report_model *m, uint64_t settle_ns)
{
	uint64_t now = now_monotonic_ns();

	publish_epoch(m, now);
	rm_fold_fanout(m, settle_ns, now);
}

void report_model_free(struct report_model *m)
{
	socks_close(m->inventory);
	overrun_free(&m->overruns);
	idmap_free(&m->netns_drops, NULL);
	idmap_free(&m->sock_drops, NULL);
	idmap_free(&m->activity, free);
	seqgap_free(&m->seqnums);
	free(m->netns);
	free(m->sa);
	free(m->socks);
	rm_fanout_free(&m->fanout);
	fwd_state_free_all(m->fwd, m->nfwd);
	memset(m, 0, sizeof(*m));
}
