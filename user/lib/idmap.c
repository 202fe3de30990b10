// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <stdlib.h>
#include "idmap.h"

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n, size);

	if (!p) {
		fputs("uevscope: out of memory\n", stderr);
		exit(1);
	}
	return p;
}

static size_t slot_of(uint64_t key, size_t cap)
{
	/* Fibonacci hashing: inodes are sequential, this spreads them. */
	return (size_t)((key * 0x9e3779b97f4a7c15ull) >> 17) & (cap - 1);
}

void idmap_init(struct idmap *m)
{
	m->cap = 64;
	m->len = 0;
	m->keys = xcalloc(m->cap, sizeof(*m->keys));
	m->vals = xcalloc(m->cap, sizeof(*m->vals));
}

void *idmap_get(const struct idmap *m, uint64_t key)
{
	size_t i;

	if (!key || !m->cap)
		return NULL;
	for (i = slot_of(key, m->cap); m->keys[i]; i = (i + 1) & (m->cap - 1))
		if (m->keys[i] == key)
			return m->vals[i];
	return NULL;
}

static void grow(struct idmap *m)
{
	struct idmap bigger = {.cap = m->cap * 2};
	size_t i;

	bigger.keys = xcalloc(bigger.cap, sizeof(*bigger.keys));
	bigger.vals = xcalloc(bigger.cap, sizeof(*bigger.vals));
	for (i = 0; i < m->cap; i++)
		if (m->keys[i])
			idmap_put(&bigger, m->keys[i], m->vals[i]);
	free(m->keys);
	free(m->vals);
	*m = bigger;
}

void *idmap_put(struct idmap *m, uint64_t key, void *val)
{
	void *old;
	size_t i;

	if (!m->cap)
		idmap_init(m);
	if ((m->len + 1) * 4 > m->cap * 3)
		grow(m);
	for (i = slot_of(key, m->cap); m->keys[i]; i = (i + 1) & (m->cap - 1)) {
		if (m->keys[i] == key) {
			old = m->vals[i];
			m->vals[i] = val;
			return old;
		}
	}
	m->keys[i] = key;
	m->vals[i] = val;
	m->len++;
	return NULL;
}

void idmap_clear(struct idmap *m, void (*free_val)(void *))
{
	size_t i;

	for (i = 0; i < m->cap; i++) {
		if (m->keys[i] && free_val)
			free_val(m->vals[i]);
		m->keys[i] = 0;
		m->vals[i] = NULL;
	}
	m->len = 0;
}

void idmap_free(struct idmap *m, void (*free_val)(void *))
{
	if (m->cap)
		idmap_clear(m, free_val);
	free(m->keys);
	free(m->vals);
	m->keys = NULL;
	m->vals = NULL;
	m->cap = m->len = 0;
}
