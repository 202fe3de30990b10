// SPDX-License-Identifier: GPL-2.0
/* Map reading and naming for uevscope locks: see locks_snap.h. */
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

void lk_stat_sum(struct lk_stat *out, const struct locks_stat *v, int ncpus, uint32_t gen)
{
	for (int c = 0; c < ncpus; c++) {
		const struct locks_slot *s = &v[c].slot[gen & 1];

		if (s->gen != gen) /* nothing on this CPU in gen: an older generation's leftovers */
			continue;
		out->count += s->count;
		out->total_ns += s->total_ns;
		if (s->max_ns > out->max_ns)
			out->max_ns = s->max_ns;
		out->flags |= s->flags;
		for (int i = 0; i < LOCKS_HIST_SLOTS; i++)
			out->hist[i] += s->hist[i];
	}
}

void lk_waiter_sum(struct lk_stat *out, const struct locks_waiter_val *v, int ncpus, uint32_t gen)
{
	for (int c = 0; c < ncpus; c++) {
		const struct locks_waiter_slot *s = &v[c].slot[gen & 1];

		if (s->gen != gen)
			continue;
		out->count += s->count;
		out->total_ns += s->total_ns;
	}
}

int lk_table_read(struct lk_table *t, int map_fd, size_t key_size, bool waiters, uint32_t gen)
{
	int ncpus = libbpf_num_possible_cpus();
	size_t vsize = waiters ? sizeof(struct locks_waiter_val) : sizeof(struct locks_stat);
	uint8_t key[LK_KEY_MAX], next[LK_KEY_MAX];
	struct lk_entry *e = NULL;
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
		first = false;
		memcpy(key, next, key_size);
		if (bpf_map_lookup_elem(map_fd, key, vals))
			continue; /* deleted meanwhile: the kernel side never deletes, so not seen
				   */
		if (!e && !(e = table_add(t))) {
			err = -ENOMEM;
			break;
		}
		memcpy(e->key, key, key_size);
		if (waiters)
			lk_waiter_sum(&e->st, vals, ncpus, gen);
		else
			lk_stat_sum(&e->st, vals, ncpus, gen);
		if (e->st.count) /* kept; otherwise the entry is reused for the next key */
			e = NULL;
		else
			memset(&e->st, 0, sizeof(e->st));
	}
	if (e) /* the last one read had nothing in gen */
		t->n--;
	free(vals);
	g_key_size = key_size;
	if (t->n > 1) /* e is NULL when empty: qsort(NULL, 0) is undefined */
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
