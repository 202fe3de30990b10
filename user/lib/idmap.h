/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small open-addressing hash map from non-zero 64-bit ids (inodes, cgroup
 * ids) to pointers, for the per-event lookups on the trace hot path.
 */
#ifndef UEVSCOPE_IDMAP_H
#define UEVSCOPE_IDMAP_H

#include <stddef.h>
#include <stdint.h>

struct idmap {
	uint64_t *keys; /* 0 = empty slot */
	void **vals;
	size_t cap; /* power of two */
	size_t len;
};

void idmap_init(struct idmap *m);
void *idmap_get(const struct idmap *m, uint64_t key);
/* Inserts or replaces; returns the previous value or NULL. key must not be 0. */
void *idmap_put(struct idmap *m, uint64_t key, void *val);
/* Calls free_val (if given) on every value, then empties the map. */
void idmap_clear(struct idmap *m, void (*free_val)(void *));
void idmap_free(struct idmap *m, void (*free_val)(void *));

/* Iterate: for (size_t i = 0; i < m->cap; i++) if (m->keys[i]) ... */

#endif /* UEVSCOPE_IDMAP_H */
