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
#include "procfs.h"
#include "socks.h"
#include "locks_print.h"
#include "locks_report.h"
#include "locks.skel.h"

#define LK_EVENTS_BYTES (16u << 20) /* --events ring buffer: ~400,000 events */

static void read_counters(struct lk_run *run, uint64_t *out)
{
	int ncpus = libbpf_num_possible_cpus(), fd = bpf_map__fd(run->la.skel->maps.locks_counters);
	uint64_t vals[ncpus > 0 ? ncpus : 1];

	for (__u32 k = 0; k < LOCKS_CNT__COUNT; k++) {
		out[k] = 0;
		if (ncpus <= 0 || bpf_map_lookup_elem(fd, &k, vals))
			continue;
		for (int c = 0; c < ncpus; c++)
			out[k] += vals[c];
	}
}

static void read_bcast(struct lk_run *run, struct lk_stat *out, uint32_t gen)
{
	int ncpus = libbpf_num_possible_cpus();
	struct locks_stat *vals;
	__u32 zero = 0;

	memset(out, 0, sizeof(*out));
	if (!run->la.bcast_tier || ncpus <= 0 || !(vals = calloc((size_t)ncpus, sizeof(*vals))))
		return;
	if (!bpf_map_lookup_elem(bpf_map__fd(run->la.skel->maps.bcast_stats), &zero, vals))
		lk_stat_sum(out, vals, ncpus, gen);
	free(vals);
}

/* True once no CPU has a program run in generation gen's slot; waits up to a second. */
static bool wait_quiet(struct lk_run *run, uint32_t gen)
{
	int ncpus = libbpf_num_possible_cpus(), fd = bpf_map__fd(run->la.skel->maps.busy);
	struct locks_busy vals[ncpus > 0 ? ncpus : 1];
	struct timespec pause = {0, 20000};
	__u32 zero = 0;

	for (int tries = 0; ncpus > 0 && tries < 50000; tries++) {
		bool busy = false;

		if (bpf_map_lookup_elem(fd, &zero, vals))
			return false;
		for (int c = 0; c < ncpus && !busy; c++)
			busy = vals[c].runs[gen & 1] != 0;
		if (!busy)
			return true;
		nanosleep(&pause, NULL); /* runs last a microsecond or so: rarely reached */
	}
	return false;
}

/*
 * Generation g ends here: the next one is switched to, the programs still
 * in g are waited for (bpf/locks.bpf.c: gen_enter() says why that is
 * all of them), then g's slot, which nothing writes any more until g + 2,
 * is read in every map. So locks, paths, tasks and histograms of a report
 * come from one set of updates and agree exactly. The cumulative counters
 * and SEQNUM are read beside it, as close as can be.
 */
static void take_mark(struct lk_run *run, struct lk_mark *m)
{
	struct locks_bpf *skel = run->la.skel;
	uint32_t g = run->gen;

	run->gen = g + 1;
	locks_set_gen(&run->la, run->gen);
	/* The full barrier between that store and reading the busy counts. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	m->ns = now_monotonic_ns();
	if (run->seqnum_ok)
		run->seqnum_ok = read_uevent_seqnum(&m->seqnum);
	read_counters(run, m->counters);
	if (!wait_quiet(run, g) && !run->quiet_warned) {
		run->quiet_warned = true;
		fputs("uevscope: locks: programs still recording after 1s; a report may be "
		      "inconsistent\n",
		      stderr);
	}
	/* The last run's stores come before its ordered decrement: read after it. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	lk_table_read(&m->locks, bpf_map__fd(skel->maps.lock_stats), sizeof(__u64), false, g);
	lk_table_read(&m->paths, bpf_map__fd(skel->maps.path_stats), sizeof(struct locks_path_key),
		      false, g);
	lk_table_read(&m->waiters, bpf_map__fd(skel->maps.waiter_stats),
		      sizeof(struct locks_waiter_key), true, g);
	read_bcast(run, &m->bcast, g);
	if (run->la.walk_tier)
		lk_table_read(&m->walks, bpf_map__fd(skel->maps.walk_stats), sizeof(__u32), false,
			      g);
}

int lk_run_open(struct lk_run *run, const struct lk_args *args)
{
	int err = lk_names_init(&run->names);

	if (err) {
		uev_err("locks: cannot read kernel symbols from /proc/kallsyms (%s)%s",
			strerror(-err),
			err == -EPERM ? "; run as root with kptr_restrict < 2" : "");
		lk_names_free(&run->names);
		return EXIT_ENV;
	}
	setup_libbpf_logging();
	run->la.events_bytes = args->events ? LK_EVENTS_BYTES : 0;
	run->la.stack_entries = args->stack_entries;
	run->la.walks = args->walks;
	if (locks_attach(&run->la, args->tier, args->bcast_tier, !args->no_churn)) {
		lk_names_free(&run->names);
		return EXIT_ENV;
	}
	run->args = args;
	/* The sockets every broadcast scans are counted at each report (walks only). */
	if (run->la.walk_tier)
		run->socks = socks_open();
	lk_run_start(run);
	return EXIT_OK;
}

void lk_run_start(struct lk_run *run)
{
	/* Generation 0, from the attach until now, also waits out its runs: not reported. */
	run->gen = 0;
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
	r->locks = calloc(run->cur.locks.n + 1, sizeof(*r->locks));
	for (size_t i = 0; r->locks && i < run->cur.locks.n; i++) {
		struct lk_lock_view *l = &r->locks[r->nlocks];
		const struct ksym *sym;

		memcpy(&l->addr, run->cur.locks.e[i].key, sizeof(l->addr));
		if (!l->addr)
			continue;
		l->st = &run->cur.locks.e[i].st;
		sym = ksyms_data_at(&run->names.ks, l->addr);
		l->symbol = sym ? sym->name : NULL;
		l->paths = calloc(run->cur.paths.n + 1, sizeof(*l->paths));
		l->tasks = calloc(run->cur.waiters.n + 1, sizeof(*l->tasks));
		r->contentions += l->st->count;
		idmap_put(&idx, l->addr, (void *)(uintptr_t)++r->nlocks);
	}
	for (size_t i = 0; i < run->cur.paths.n; i++) {
		const struct locks_path_key *k = (const void *)run->cur.paths.e[i].key;
		struct lk_lock_view *l = find_lock(r, &idx, k->lock);
		struct lk_path_view *p;

		if (!l || !l->paths)
			continue;
		p = &l->paths[l->npaths++];
		p->st = &run->cur.paths.e[i].st;
		p->stack_id = k->stack_id;
		p->stack = lk_stack_get(&run->names, stacks_fd, k->stack_id);
		if (p->stack && p->stack->pc.uevent_fn)
			l->uevent_path = true;
	}
	for (size_t i = 0; i < run->cur.waiters.n; i++) {
		const struct locks_waiter_key *k = (const void *)run->cur.waiters.e[i].key;
		struct lk_lock_view *l = find_lock(r, &idx, k->lock);
		struct lk_task_view *t;

		if (!l || !l->tasks)
			continue;
		t = &l->tasks[l->ntasks++];
		t->comm = k->comm;
		t->cgroup_id = k->cgroup_id;
		t->cgroup = lk_cgroup_path(&run->names, k->cgroup_id);
		t->st = &run->cur.waiters.e[i].st;
	}
	idmap_free(&idx, NULL);
	for (size_t i = 0; i < r->nlocks; i++) {
		struct lk_lock_view *l = &r->locks[i];

		/*
		 * paths is NULL when empty: qsort(NULL, 0) is undefined. l is not NULL: nlocks > 0
		 * only when the calloc() of locks above succeeded.
		 */
		/* NOLINTNEXTLINE(clang-analyzer-core.NullDereference) */
		if (l->npaths > 1)
			qsort(l->paths, l->npaths, sizeof(*l->paths), cmp_path);
		/* Named after its busiest path calling mutex_lock from a uevent function. */
		for (size_t j = 0; j < l->npaths && !l->identified; j++) {
			if (l->paths[j].stack && l->paths[j].stack->pc.mutex_owner) {
				l->identified = "uevent_sock_mutex";
				l->identified_by = l->paths[j].stack->pc.mutex_owner;
			}
		}
		if (l->ntasks > 1)
			qsort(l->tasks, l->ntasks, sizeof(*l->tasks), cmp_task);
		l->paths_shown = l->npaths < top ? l->npaths : top;
		l->tasks_shown = l->ntasks < top ? l->ntasks : top;
	}
	if (r->locks)
		qsort(r->locks, r->nlocks, sizeof(*r->locks), cmp_lock);
	r->locks_shown = r->nlocks < top ? r->nlocks : top;
}

/*
 * On-CPU time of the walks of one size against the wake-ups in them, least
 * squares: t = base + wake * k. Walks of one size differ in how many of their
 * listeners were asleep (woken) or still busy (not woken), so the slope is
 * the cost of one wake-up in the sender and base the walk with none.
 */
static void fit_wakes(struct lk_walk_size *sz)
{
	const struct lk_stat *on = sz->part[LOCKS_WALK_ON_CPU], *k = sz->part[LOCKS_WALK_WAKES];
	const struct lk_stat *kk = sz->part[LOCKS_WALK_WAKES_SQ];
	const struct lk_stat *kt = sz->part[LOCKS_WALK_WAKES_X_ON];
	double n, sk, skk, st, skt, var;

	sz->wake_ns = -1;
	if (!on || !on->count)
		return;
	n = (double)on->count;
	st = (double)on->total_ns;
	sk = k ? (double)k->total_ns : 0;
	skk = kk ? (double)kk->total_ns : 0;
	skt = kt ? (double)kt->total_ns : 0;
	sz->wakes_mean = sk / n;
	sz->base_ns = st / n;
	var = n * skk - sk * sk;
	/* A spread of at least one wake-up in ten walks, or the slope is noise. */
	if (n < 100 || var < 0.1 * n * n)
		return;
	sz->wake_ns = (n * skt - sk * st) / var;
	sz->base_ns = (st - sz->wake_ns * sk) / n;
	if (sz->wake_ns < 0 || sz->base_ns < 0) { /* not a cost: no fit */
		sz->wake_ns = -1;
		sz->base_ns = st / n;
		return;
	}
	sz->fit_ok = true;
}

/*
 * The model's b, w and f come from one size, the one with the most walks
 * (with netns churn, walks of a few more or fewer namespaces are rare and
 * their fits noisy): preferably one whose fit worked.
 */
static void pick_model(struct lk_walk_view *w)
{
	const struct lk_walk_size *best = NULL;

	for (size_t i = 0; i < w->nsizes; i++) {
		const struct lk_walk_size *sz = &w->sizes[i];
		const struct lk_stat *on = sz->part[LOCKS_WALK_ON_CPU];

		if (sz->nets < 2 || !on)
			continue;
		if (!best || (sz->fit_ok && !best->fit_ok) ||
		    (sz->fit_ok == best->fit_ok &&
		     on->count > best->part[LOCKS_WALK_ON_CPU]->count))
			best = sz;
	}
	if (!best)
		return;
	w->wakes_per_step = best->wakes_mean / (best->nets - 1);
	if (best->fit_ok) {
		w->step_base_ns = best->base_ns / (best->nets - 1);
		w->wake_ns = best->wake_ns;
	}
}

/*
 * The walks by size, and the step from one namespace's delivery to the
 * next: the walk time over the namespaces after the first, summed over
 * walks of two namespaces or more; the same for the time on CPU.
 */
static void build_walk(struct lk_run *run, struct lk_report *r)
{
	struct lk_walk_view *w = &r->walk;
	const struct lk_table *t = &run->cur.walks;
	uint64_t steps = 0, step_total = 0, step_on = 0;

	w->tier = run->la.walk_tier;
	if (!w->tier || !t->n || !(w->sizes = calloc(t->n, sizeof(*w->sizes))))
		return;
	for (size_t i = 0; i < t->n; i++) { /* the table is sorted by key bytes, not by value */
		uint32_t key, nets, part;
		size_t j;

		memcpy(&key, t->e[i].key, sizeof(key));
		nets = LOCKS_WALK_KEY_NETS(key);
		part = LOCKS_WALK_KEY_PART(key);
		if (part >= LOCKS_WALK__PARTS)
			continue;
		for (j = 0; j < w->nsizes && w->sizes[j].nets < nets; j++)
			;
		if (j == w->nsizes || w->sizes[j].nets != nets) {
			memmove(&w->sizes[j + 1], &w->sizes[j],
				(w->nsizes - j) * sizeof(*w->sizes));
			memset(&w->sizes[j], 0, sizeof(*w->sizes));
			w->sizes[j].nets = nets;
			w->nsizes++;
		}
		w->sizes[j].part[part] = &t->e[i].st;
	}
	for (size_t i = 0; i < w->nsizes; i++) {
		const struct lk_walk_size *sz = &w->sizes[i];

		for (int p = 0; p < LOCKS_WALK__PARTS; p++) {
			const struct lk_stat *st = sz->part[p];
			struct lk_stat *all = &w->part[p];

			if (!st)
				continue;
			all->count += st->count;
			all->total_ns += st->total_ns;
			all->max_ns = st->max_ns > all->max_ns ? st->max_ns : all->max_ns;
			for (int h = 0; h < LOCKS_HIST_SLOTS; h++)
				all->hist[h] += st->hist[h];
		}
		if (!sz->part[LOCKS_WALK_ALL])
			continue;
		w->nets_sum += (uint64_t)sz->nets * sz->part[LOCKS_WALK_ALL]->count;
		w->nets_max = sz->nets;
		if (sz->nets > 1) {
			steps += (uint64_t)(sz->nets - 1) * sz->part[LOCKS_WALK_ALL]->count;
			step_total += sz->part[LOCKS_WALK_ALL]->total_ns;
			step_on +=
			    sz->part[LOCKS_WALK_ON_CPU] ? sz->part[LOCKS_WALK_ON_CPU]->total_ns : 0;
		}
	}
	w->step_ns = steps ? (double)step_total / steps : 0;
	w->step_on_ns = steps ? (double)step_on / steps : 0;
	for (size_t i = 0; i < w->nsizes; i++)
		fit_wakes(&w->sizes[i]);
	pick_model(w);
}

static void count_bound(const struct uev_sock_info *info, void *ctx)
{
	if (info->groups) /* subscribed: on the protocol's mc_list (netlink_update_subscriptions) */
		++*(int *)ctx;
}

/*
 * netlink_broadcast() (net/netlink/af_netlink.c) scans the one mc_list of
 * NETLINK_KOBJECT_UEVENT, every subscribed socket of every network
 * namespace, and skips those of other namespaces (do_one_broadcast()); a
 * walk calls it once per listening namespace. So each step of a walk scans
 * every bound uevent socket on the host, listening netns or not: -1 when
 * they cannot be listed.
 */
static int bound_sockets(struct lk_run *run)
{
	int n = 0;

	return run->socks && socks_list(run->socks, count_bound, &n) >= 0 ? n : -1;
}

static void free_views(struct lk_report *r)
{
	free(r->walk.sizes);
	for (size_t i = 0; i < r->nlocks; i++) {
		free(r->locks[i].paths);
		free(r->locks[i].tasks);
	}
	free(r->locks);
}

void lk_run_collect(struct lk_run *run, struct lk_report *r, bool final)
{
	struct lk_mark *base = &run->prev; /* the start mark, when final */
	struct timespec now;

	memset(r, 0, sizeof(*r));
	take_mark(run, &run->cur);
	r->bcast = run->cur.bcast;
	clock_gettime(CLOCK_REALTIME, &now);
	r->wall_ns = (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec;
	r->final = final;
	r->seconds = (run->cur.ns - base->ns) / 1e9;
	r->seqnum_ok = run->seqnum_ok;
	r->churn_ok = run->la.churn;
	r->bcast_tier = run->la.bcast_tier;
	for (int i = 0; i < LOCKS_CNT__COUNT; i++)
		r->counters[i] = run->cur.counters[i] - base->counters[i];
	r->uevents = run->cur.seqnum - base->seqnum;
	r->netns_created = r->counters[LOCKS_CNT_NET_ALLOC];
	r->netns_destroyed = r->counters[LOCKS_CNT_NET_FREE];
	r->missed_runs = locks_missed_runs(&run->la);
	r->filter_lock = run->filter_lock;
	r->filter_since = run->filter_since;
	build_views(run, r);
	build_walk(run, r);
	r->walk.bound = r->walk.tier ? bound_sockets(run) : -1;
}

void lk_run_release(struct lk_run *run, struct lk_report *r)
{
	free_views(r);
	/* cur becomes the base of the next report. */
	lk_table_free(&run->prev.locks);
	lk_table_free(&run->prev.paths);
	lk_table_free(&run->prev.waiters);
	lk_table_free(&run->prev.walks);
	run->prev = run->cur;
	memset(&run->cur, 0, sizeof(run->cur));
	run->last_report_ns = run->prev.ns;
	run->reports++;
}

void lk_run_report(struct lk_run *run, struct strbuf *out, bool final)
{
	struct lk_report r;

	lk_run_collect(run, &r, final);
	if (run->args->json)
		lk_print_json(out, &r);
	else
		lk_print_text(out, &r);
	lk_run_release(run, &r);
}

void lk_run_free(struct lk_run *run)
{
	socks_close(run->socks);
	run->socks = NULL;
	struct lk_mark *marks[] = {&run->prev, &run->cur};

	for (size_t i = 0; i < ARRAY_SIZE(marks); i++) {
		lk_table_free(&marks[i]->locks);
		lk_table_free(&marks[i]->paths);
		lk_table_free(&marks[i]->waiters);
		lk_table_free(&marks[i]->walks);
	}
}

int lk_event_line(struct lk_run *run, FILE *f, const struct locks_event *e)
{
	const struct lk_stack *s;

	if (e->kind == LOCKS_EV_WALK)
		return fprintf(f, "walk %llu %llu %u %u %llu %u %u %u\n",
			       (unsigned long long)e->begin_ns, (unsigned long long)e->end_ns,
			       e->tid, e->arg, (unsigned long long)e->lock, e->flags & 1023,
			       e->flags >> 10 & 1023, e->flags >> 20 & 1023);
	s = lk_stack_get(&run->names, bpf_map__fd(run->la.skel->maps.stacks), e->stack_id);
	fprintf(f, "contention %llu %llu %u 0x%llx %d %s %s ", (unsigned long long)e->begin_ns,
		(unsigned long long)e->end_ns, e->tid, (unsigned long long)e->lock, e->stack_id,
		lk_kind(e->flags), s && s->pc.uevent_fn ? s->pc.uevent_fn : "-");
	for (size_t i = s ? s->pc.first : 0, k = 0; s && i < s->n && k < LK_EVENT_FRAMES;
	     i++, k++) {
		if (k)
			fputs("<-", f);
		if (s->name[i])
			fputs(s->name[i], f);
		else
			fprintf(f, "0x%llx", (unsigned long long)s->addr[i]);
	}
	return fputs(s ? "\n" : "-\n", f);
}
