// SPDX-License-Identifier: GPL-2.0
/* Map reading, differencing and naming for uevscope locks: see locks_snap.h. */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "common.h"
#include "cgroupfs.h"
#include "locks_snap.h"

static size_t g_key_size; /* for the qsort/bsearch comparator */

static int key_cmp(const void *a, const void *b)
{
	return memcmp(((const struct lk_entry *)a)->key, ((const struct lk_entry *)b)->key,
		      g_key_size);
}

static struct lk_entry *table_add(struct lk_table *t)
{
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 256;
		struct lk_entry *e = realloc(t->e, cap * sizeof(*e));

		if (!e)
			return NULL;
		t->e = e;
		t->cap = cap;
	}
	memset(&t->e[t->n], 0, sizeof(t->e[0]));
	return &t->e[t->n++];
}

static bool gen_in(uint32_t g, uint32_t lo, uint32_t hi)
{
	return g && g - lo <= hi - lo; /* wraps like the kernel's counter */
}

void lk_stat_sum(struct lk_stat *out, const struct locks_stat *v, int ncpus, uint32_t lo,
		 uint32_t hi)
{
	for (int c = 0; c < ncpus; c++, v++) {
		out->count += v->count;
		out->total_ns += v->total_ns;
		for (int s = 0; s < 2; s++)
			if (gen_in(v->gen[s], lo, hi) && v->gen_max_ns[s] > out->ival_max_ns)
				out->ival_max_ns = v->gen_max_ns[s];
		out->flags |= v->flags;
		for (int i = 0; i < LOCKS_HIST_SLOTS; i++)
			out->hist[i] += v->hist[i];
	}
}

int lk_table_read(struct lk_table *t, int map_fd, size_t key_size, bool waiters, uint32_t gen_lo,
		  uint32_t gen_hi)
{
	int ncpus = libbpf_num_possible_cpus();
	size_t vsize = waiters ? sizeof(struct locks_waiter_val) : sizeof(struct locks_stat);
	uint8_t key[LK_KEY_MAX], next[LK_KEY_MAX];
	void *vals;
	int err = 0;
	bool first = true;

	if (ncpus <= 0 || key_size > LK_KEY_MAX)
		return -EINVAL;
	vals = calloc((size_t)ncpus, vsize);
	if (!vals)
		return -ENOMEM;
	t->n = 0;
	t->key_size = key_size;
	while (!bpf_map_get_next_key(map_fd, first ? NULL : key, next)) {
		struct lk_entry *e;

		first = false;
		memcpy(key, next, key_size);
		if (bpf_map_lookup_elem(map_fd, key, vals))
			continue; /* deleted meanwhile: the kernel side never deletes, so not seen
				   */
		if (!(e = table_add(t))) {
			err = -ENOMEM;
			break;
		}
		memcpy(e->key, key, key_size);
		if (waiters) {
			const struct locks_waiter_val *w = vals;

			for (int c = 0; c < ncpus; c++) {
				e->st.count += w[c].count;
				e->st.total_ns += w[c].total_ns;
			}
		} else {
			lk_stat_sum(&e->st, vals, ncpus, gen_lo, gen_hi);
		}
	}
	free(vals);
	g_key_size = key_size;
	qsort(t->e, t->n, sizeof(t->e[0]), key_cmp);
	return err;
}

const struct lk_entry *lk_table_find(const struct lk_table *t, const void *key)
{
	struct lk_entry probe;

	memset(probe.key, 0, sizeof(probe.key));
	memcpy(probe.key, key, t->key_size);
	g_key_size = t->key_size;
	return t->n ? bsearch(&probe, t->e, t->n, sizeof(t->e[0]), key_cmp) : NULL;
}

void lk_table_delta(struct lk_table *out, const struct lk_table *cur, const struct lk_table *prev)
{
	out->n = 0;
	out->key_size = cur->key_size;
	for (size_t i = 0; i < cur->n; i++) {
		const struct lk_entry *p = prev ? lk_table_find(prev, cur->e[i].key) : NULL;
		struct lk_entry *e;

		if (p && p->st.count == cur->e[i].st.count)
			continue;
		if (!(e = table_add(out)))
			return;
		memcpy(e->key, cur->e[i].key, sizeof(e->key));
		lk_stat_sub(&e->st, &cur->e[i].st, p ? &p->st : NULL);
	}
}

void lk_stat_sub(struct lk_stat *out, const struct lk_stat *cur, const struct lk_stat *prev)
{
	*out = *cur;
	out->max_ns = cur->ival_max_ns;
	if (!prev)
		return;
	out->count -= prev->count;
	out->total_ns -= prev->total_ns;
	for (int s = 0; s < LOCKS_HIST_SLOTS; s++)
		out->hist[s] -= prev->hist[s];
	/*
	 * A wait that ended while the previous report read the maps is in that
	 * report's counts but may be in this report's maximum (its generation
	 * had already advanced): no wait of this report exceeds their total.
	 */
	if (out->max_ns > out->total_ns)
		out->max_ns = out->total_ns;
}

void lk_table_free(struct lk_table *t)
{
	free(t->e);
	memset(t, 0, sizeof(*t));
}

int lk_names_init(struct lk_names *nm)
{
	memset(nm, 0, sizeof(*nm));
	idmap_init(&nm->stacks);
	idmap_init(&nm->cgroups);
	return ksyms_load(&nm->ks);
}

void lk_names_free(struct lk_names *nm)
{
	idmap_free(&nm->stacks, free);
	idmap_free(&nm->cgroups, free);
	ksyms_free(&nm->ks);
}

const struct lk_stack *lk_stack_get(struct lk_names *nm, int stacks_fd, int32_t id)
{
	struct lk_stack *s;
	__u64 ips[LOCKS_STACK_DEPTH] = {};

	if (id < 0)
		return NULL;
	s = idmap_get(&nm->stacks, (uint64_t)id + 1);
	if (s)
		return s;
	if (bpf_map_lookup_elem(stacks_fd, &id, ips) || !(s = calloc(1, sizeof(*s))))
		return NULL;
	for (size_t i = 0; i < LOCKS_STACK_DEPTH && ips[i]; i++) {
		const struct ksym *k = ksyms_text(&nm->ks, ips[i], &s->off[i]);

		s->addr[i] = ips[i];
		s->name[i] = k ? k->name : NULL;
		s->n = i + 1;
	}
	path_classify(s->name, s->n, &s->pc);
	idmap_put(&nm->stacks, (uint64_t)id + 1, s);
	return s;
}

/* nftw has no context argument: the map being filled during one walk. */
static struct idmap *walk_map;
static size_t walk_root_len;

static int walk_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)ftw;
	if (type != FTW_D || idmap_get(walk_map, st->st_ino))
		return 0;
	/* cgroup v2 directory inode numbers are the kernfs ids bpf_get_current_cgroup_id() gives.
	 */
	idmap_put(walk_map, st->st_ino, strdup(path[walk_root_len] ? path + walk_root_len : "/"));
	return 0;
}

const char *lk_cgroup_path(struct lk_names *nm, uint64_t id)
{
	const char *root = cgroup2_mount();
	const char *p;
	uint64_t now;

	if (!id || (p = idmap_get(&nm->cgroups, id)))
		return id ? p : NULL;
	now = now_monotonic_ns();
	/* Unknown ids rescan the hierarchy, at most once a second. */
	if (!root || (nm->cgroup_scan_ns && now - nm->cgroup_scan_ns < 1000000000ull))
		return NULL;
	nm->cgroup_scan_ns = now;
	walk_map = &nm->cgroups;
	walk_root_len = strlen(root);
	nftw(root, walk_one, 16, FTW_PHYS | FTW_MOUNT);
	return idmap_get(&nm->cgroups, id);
}

const char *lk_kind(uint32_t flags)
{
	if (flags & LOCKS_F_MUTEX)
		return "mutex";
	if (flags & LOCKS_F_RT)
		return "rtmutex";
	if (flags & LOCKS_F_PERCPU)
		return "percpu-rwsem";
	if ((flags & LOCKS_F_SPIN) && (flags & (LOCKS_F_READ | LOCKS_F_WRITE)))
		return "rwlock";
	if (flags & LOCKS_F_SPIN)
		return "spinlock";
	if (flags & (LOCKS_F_READ | LOCKS_F_WRITE))
		return "rwsem";
	return "lock";
}
