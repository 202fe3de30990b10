/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The user-space half of uevscope locks' aggregation: reads one generation
 * of the per-CPU maps into sorted tables, and symbolizes and classifies
 * stacks (cached by stack id) and cgroup ids.
 */
#ifndef UEVSCOPE_LOCKS_SNAP_H
#define UEVSCOPE_LOCKS_SNAP_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/types.h>

#include "idmap.h"
#include "ksyms.h"
#include "locks.h"
#include "locks_paths.h"

#define LK_KEY_MAX 32

/* One map entry's generation, summed over CPUs. */
struct lk_stat {
	uint64_t count, total_ns;
	uint64_t max_ns;
	uint32_t flags;
	uint64_t hist[LOCKS_HIST_SLOTS];
};

struct lk_entry {
	uint8_t key[LK_KEY_MAX]; /* the map key, zero-padded */
	struct lk_stat st;
};

struct lk_table {
	struct lk_entry *e; /* sorted by key */
	size_t n, cap;
	size_t key_size;
};

/*
 * Reads generation gen (slot gen & 1) of a locks_stat or (waiters)
 * locks_waiter_val map, once no program writes it any more (see take_mark()
 * in locks_report.c). Entries with no contention in gen are left out.
 * Returns 0 or -errno.
 */
int lk_table_read(struct lk_table *t, int map_fd, size_t key_size, bool waiters, uint32_t gen);
const struct lk_entry *lk_table_find(const struct lk_table *t, const void *key);
void lk_table_free(struct lk_table *t);

/* Adds generation gen of one entry's per-CPU values; slots of other generations are stale. */
void lk_stat_sum(struct lk_stat *out, const struct locks_stat *v, int ncpus, uint32_t gen);
void lk_waiter_sum(struct lk_stat *out, const struct locks_waiter_val *v, int ncpus, uint32_t gen);

/* A kernel stack, symbolized and classified once. */
struct lk_stack {
	size_t n;
	uint64_t addr[LOCKS_STACK_DEPTH];
	const char *name[LOCKS_STACK_DEPTH]; /* NULL: not in kallsyms */
	uint64_t off[LOCKS_STACK_DEPTH];
	struct path_class pc;
};

struct lk_names {
	struct ksyms ks;
	struct idmap stacks;  /* stack id + 1 -> struct lk_stack */
	struct idmap cgroups; /* cgroup id -> malloc'ed path */
	uint64_t cgroup_scan_ns;
};

int lk_names_init(struct lk_names *nm); /* loads kallsyms: 0 or -errno */
void lk_names_free(struct lk_names *nm);
/* The stack of id, NULL when it is gone from the stack map or id < 0. */
const struct lk_stack *lk_stack_get(struct lk_names *nm, int stacks_fd, int32_t id);
/* A cgroup v2 id as a path under the cgroup2 mount ("/system.slice/x"), or NULL. */
const char *lk_cgroup_path(struct lk_names *nm, uint64_t id);

/* "mutex", "spinlock", "rwsem", ... from the LCB_F_* flags seen. */
const char *lk_kind(uint32_t flags);

#endif /* UEVSCOPE_LOCKS_SNAP_H */
