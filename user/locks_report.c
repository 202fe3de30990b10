// SPDX-License-Identifier: GPL-2.0
/* One run of uevscope locks: reads, differences, identification, reports. See locks_report.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "common.h"
#include "locks_print.h"
#include "locks_report.h"
#include "locks.skel.h"

/* The global count of uevents that got a SEQNUM (kernel and injected ones alike). */
static bool read_seqnum(uint64_t *out)
{
	FILE *f = fopen("/sys/kernel/uevent_seqnum", "re");
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

static void read_counters(struct lk_run *run, uint64_t *out)
{
	int ncpus = libbpf_num_possible_cpus(), fd = bpf_map__fd(run->la.skel->maps.counters);
	uint64_t vals[ncpus > 0 ? ncpus : 1];

	for (__u32 k = 0; k < LOCKS_CNT__COUNT; k++) {
		out[k] = 0;
		if (ncpus <= 0 || bpf_map_lookup_elem(fd, &k, vals))
			continue;
		for (int c = 0; c < ncpus; c++)
			out[k] += vals[c];
	}
}

static void read_bcast(struct lk_run *run, struct lk_stat *out, uint32_t lo, uint32_t hi)
{
	int ncpus = libbpf_num_possible_cpus();
	struct locks_stat *vals;
	__u32 zero = 0;

	memset(out, 0, sizeof(*out));
	if (!run->la.bcast_tier || ncpus <= 0 || !(vals = calloc((size_t)ncpus, sizeof(*vals))))
		return;
	if (!bpf_map_lookup_elem(bpf_map__fd(run->la.skel->maps.bcast_stats), &zero, vals))
		lk_stat_sum(out, vals, ncpus, lo, hi);
	free(vals);
}

/*
 * Generation g ends here: later updates go to g + 1. Updates that still
 * carry g land after the read only in a window of one program run, and are
 * then counted in the next report, as is everything read twice is not.
 */
static void take_mark(struct lk_run *run, struct lk_mark *m)
{
	struct locks_bpf *skel = run->la.skel;
	uint32_t g = run->gen;

	run->gen = g + 1;
	__atomic_store_n(&skel->bss->locks_gen, run->gen, __ATOMIC_RELEASE);
	m->ns = now_monotonic_ns();
	if (run->seqnum_ok)
		run->seqnum_ok = read_seqnum(&m->seqnum);
	read_counters(run, m->counters);
	lk_table_read(&m->locks, bpf_map__fd(skel->maps.lock_stats), sizeof(__u64), false, g,
		      g + 1);
	lk_table_read(&m->paths, bpf_map__fd(skel->maps.path_stats), sizeof(struct locks_path_key),
		      false, g, g + 1);
	lk_table_read(&m->waiters, bpf_map__fd(skel->maps.waiter_stats),
		      sizeof(struct locks_waiter_key), true, g, g + 1);
	read_bcast(run, &m->bcast, g, g + 1);
}

void lk_run_start(struct lk_run *run)
{
	run->gen = 1;
	run->la.skel->bss->locks_gen = run->gen;
	run->seqnum_ok = true;
	take_mark(run, &run->prev);
	run->start_ns = run->prev.ns;
	run->last_report_ns = run->start_ns;
}

void lk_run_identify(struct lk_run *run)
{
	int paths_fd = bpf_map__fd(run->la.skel->maps.path_stats);
	int stacks_fd = bpf_map__fd(run->la.skel->maps.stacks);
	struct locks_path_key key, next;
	bool first = true;

	while (!run->filter_lock && !bpf_map_get_next_key(paths_fd, first ? NULL : &key, &next)) {
		const struct lk_stack *s;

		first = false;
		key = next;
		s = lk_stack_get(&run->names, stacks_fd, key.stack_id);
		if (!s || !s->pc.mutex_owner)
			continue;
		if (run->args->all_locks) {
			uev_dbg(
			    "locks: uevent_sock_mutex is lock 0x%llx (mutex_lock called from %s)",
			    (unsigned long long)key.lock, s->pc.mutex_owner);
			return;
		}
		run->filter_lock = key.lock;
		run->filter_since = (now_monotonic_ns() - run->start_ns) / 1e9;
		__atomic_store_n(&run->la.skel->bss->filter_lock, key.lock, __ATOMIC_RELEASE);
		fprintf(stderr,
			"uevscope: locks: uevent_sock_mutex is lock 0x%llx (identified by its "
			"waiters: mutex_lock called from %s); from %.2fs on the kernel counts only "
			"this lock (-a keeps every lock)\n",
			(unsigned long long)key.lock, s->pc.mutex_owner, run->filter_since);
	}
}

static int by_total_desc(const void *a, const void *b, uint64_t x, uint64_t y)
{
	(void)a;
	(void)b;
	return x < y ? 1 : x > y ? -1 : 0;
}

static int cmp_path(const void *a, const void *b)
{
	return by_total_desc(a, b, ((const struct lk_path_view *)a)->st->total_ns,
			     ((const struct lk_path_view *)b)->st->total_ns);
}

static int cmp_task(const void *a, const void *b)
{
	return by_total_desc(a, b, ((const struct lk_task_view *)a)->st->total_ns,
			     ((const struct lk_task_view *)b)->st->total_ns);
}

/* uevent-path locks first: they are what this tool is for; then by total wait. */
static int cmp_lock(const void *a, const void *b)
{
	const struct lk_lock_view *x = a, *y = b;

	if (x->uevent_path != y->uevent_path)
		return x->uevent_path ? -1 : 1;
	return by_total_desc(a, b, x->st->total_ns, y->st->total_ns);
}

static struct lk_lock_view *find_lock(struct lk_report *r, struct idmap *idx, uint64_t addr)
{
	uintptr_t i = (uintptr_t)idmap_get(idx, addr);

	return i ? &r->locks[i - 1] : NULL;
}

static void build_views(struct lk_run *run, struct lk_report *r)
{
	int stacks_fd = bpf_map__fd(run->la.skel->maps.stacks);
	struct idmap idx;
	size_t top = run->args->top;

	idmap_init(&idx);
	r->locks = calloc(run->d_locks.n + 1, sizeof(*r->locks));
	for (size_t i = 0; r->locks && i < run->d_locks.n; i++) {
		struct lk_lock_view *l = &r->locks[r->nlocks];
		const struct ksym *sym;

		memcpy(&l->addr, run->d_locks.e[i].key, sizeof(l->addr));
		if (!l->addr)
			continue;
		l->st = &run->d_locks.e[i].st;
		sym = ksyms_data_at(&run->names.ks, l->addr);
		l->symbol = sym ? sym->name : NULL;
		l->paths = calloc(run->d_paths.n + 1, sizeof(*l->paths));
		l->tasks = calloc(run->d_waiters.n + 1, sizeof(*l->tasks));
		r->contentions += l->st->count;
		idmap_put(&idx, l->addr, (void *)(uintptr_t)++r->nlocks);
	}
	for (size_t i = 0; i < run->d_paths.n; i++) {
		const struct locks_path_key *k = (const void *)run->d_paths.e[i].key;
		struct lk_lock_view *l = find_lock(r, &idx, k->lock);
		struct lk_path_view *p;

		if (!l || !l->paths)
			continue;
		p = &l->paths[l->npaths++];
		p->st = &run->d_paths.e[i].st;
		p->stack_id = k->stack_id;
		p->stack = lk_stack_get(&run->names, stacks_fd, k->stack_id);
		if (p->stack && p->stack->pc.uevent_fn)
			l->uevent_path = true;
	}
	for (size_t i = 0; i < run->d_waiters.n; i++) {
		const struct locks_waiter_key *k = (const void *)run->d_waiters.e[i].key;
		struct lk_lock_view *l = find_lock(r, &idx, k->lock);
		struct lk_task_view *t;

		if (!l || !l->tasks)
			continue;
		t = &l->tasks[l->ntasks++];
		t->comm = k->comm;
		t->cgroup_id = k->cgroup_id;
		t->cgroup = lk_cgroup_path(&run->names, k->cgroup_id);
		t->st = &run->d_waiters.e[i].st;
	}
	idmap_free(&idx, NULL);
	for (size_t i = 0; i < r->nlocks; i++) {
		struct lk_lock_view *l = &r->locks[i];

		qsort(l->paths, l->npaths, sizeof(*l->paths), cmp_path);
		/* Named after its busiest path calling mutex_lock from a uevent function. */
		for (size_t j = 0; j < l->npaths && !l->identified; j++) {
			if (l->paths[j].stack && l->paths[j].stack->pc.mutex_owner) {
				l->identified = "uevent_sock_mutex";
				l->identified_by = l->paths[j].stack->pc.mutex_owner;
			}
		}
		qsort(l->tasks, l->ntasks, sizeof(*l->tasks), cmp_task);
		l->paths_shown = l->npaths < top ? l->npaths : top;
		l->tasks_shown = l->ntasks < top ? l->ntasks : top;
	}
	if (r->locks)
		qsort(r->locks, r->nlocks, sizeof(*r->locks), cmp_lock);
	r->locks_shown = r->nlocks < top ? r->nlocks : top;
}

static void free_views(struct lk_report *r)
{
	for (size_t i = 0; i < r->nlocks; i++) {
		free(r->locks[i].paths);
		free(r->locks[i].tasks);
	}
	free(r->locks);
}

void lk_run_report(struct lk_run *run, struct strbuf *out, bool final)
{
	struct lk_mark *base = &run->prev; /* the start mark, when final */
	struct lk_report r = {};
	struct timespec now;

	take_mark(run, &run->cur);
	lk_table_delta(&run->d_locks, &run->cur.locks, &base->locks);
	lk_table_delta(&run->d_paths, &run->cur.paths, &base->paths);
	lk_table_delta(&run->d_waiters, &run->cur.waiters, &base->waiters);
	lk_stat_sub(&r.bcast, &run->cur.bcast, &base->bcast);
	clock_gettime(CLOCK_REALTIME, &now);
	r.wall_ns = (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec;
	r.final = final;
	r.seconds = (run->cur.ns - base->ns) / 1e9;
	r.seqnum_ok = run->seqnum_ok;
	r.churn_ok = run->la.churn;
	r.bcast_tier = run->la.bcast_tier;
	for (int i = 0; i < LOCKS_CNT__COUNT; i++)
		r.counters[i] = run->cur.counters[i] - base->counters[i];
	r.uevents = run->cur.seqnum - base->seqnum;
	r.netns_created = r.counters[LOCKS_CNT_NET_ALLOC];
	r.netns_destroyed = r.counters[LOCKS_CNT_NET_FREE];
	r.missed_runs = locks_missed_runs(&run->la);
	r.filter_lock = run->filter_lock;
	r.filter_since = run->filter_since;
	build_views(run, &r);
	if (run->args->json)
		lk_print_json(out, &r);
	else
		lk_print_text(out, &r);
	free_views(&r);
	/* cur becomes the base of the next report. */
	lk_table_free(&run->prev.locks);
	lk_table_free(&run->prev.paths);
	lk_table_free(&run->prev.waiters);
	run->prev = run->cur;
	memset(&run->cur, 0, sizeof(run->cur));
	run->last_report_ns = run->prev.ns;
	run->reports++;
}

void lk_run_free(struct lk_run *run)
{
	struct lk_mark *marks[] = {&run->prev, &run->cur};

	for (size_t i = 0; i < ARRAY_SIZE(marks); i++) {
		lk_table_free(&marks[i]->locks);
		lk_table_free(&marks[i]->paths);
		lk_table_free(&marks[i]->waiters);
	}
	lk_table_free(&run->d_locks);
	lk_table_free(&run->d_paths);
	lk_table_free(&run->d_waiters);
}
