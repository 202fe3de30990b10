// SPDX-License-Identifier: GPL-2.0
#include "overrun.h"

#define STORED(d) ((void *)(uintptr_t)((uint64_t)(d) + 1))
#define LOADED(p) ((uint32_t)((uintptr_t)(p)-1))

void overrun_init(struct overrun_tracker *t)
{
	idmap_init(&t->seen);
	t->have_baseline = false;
	t->total_lost = 0;
}

void overrun_free(struct overrun_tracker *t)
{
	idmap_free(&t->seen, NULL);
}

void overrun_baseline(struct overrun_tracker *t, uint32_t ino, uint32_t drops)
{
	if (ino)
		idmap_put(&t->seen, ino, STORED(drops));
}

void overrun_baseline_done(struct overrun_tracker *t)
{
	t->have_baseline = true;
}

uint32_t overrun_update(struct overrun_tracker *t, uint32_t ino, uint32_t drops)
{
	void *prev = idmap_get(&t->seen, ino);
	uint32_t last, lost;

	if (!ino)
		return 0;
	if (!prev && !t->have_baseline) {
		idmap_put(&t->seen, ino, STORED(drops));
		return 0;
	}
	last = prev ? LOADED(prev) : 0;
	if (drops <= last)
		return 0;
	lost = drops - last;
	idmap_put(&t->seen, ino, STORED(drops));
	t->total_lost += lost;
	return lost;
}

void overrun_prune(struct overrun_tracker *t, const struct idmap *alive)
{
	struct idmap kept;
	size_t i;

	idmap_init(&kept);
	for (i = 0; i < t->seen.cap; i++)
		if (t->seen.keys[i] && idmap_get(alive, t->seen.keys[i]))
			idmap_put(&kept, t->seen.keys[i], t->seen.vals[i]);
	idmap_free(&t->seen, NULL);
	t->seen = kept;
}
