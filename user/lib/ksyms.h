/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel symbols from /proc/kallsyms (or any file in its format), sorted by
 * address: text symbols to name stack frames, data symbols to name a lock
 * where the kernel lists them (CONFIG_KALLSYMS_ALL; often off).
 */
#ifndef UEVSCOPE_KSYMS_H
#define UEVSCOPE_KSYMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct ksym {
	uint64_t addr;
	const char *name; /* points into ksyms.names */
	char type;	  /* kallsyms type letter, lowercased */
};

struct ksyms {
	struct ksym *text, *data; /* each sorted by addr */
	size_t ntext, ndata;
	char *names;
	size_t names_len, names_cap;
};

/* Reads kallsyms lines from f. Returns 0, or -errno; all addresses 0 gives -EPERM (not root). */
int ksyms_load_file(struct ksyms *ks, FILE *f);
int ksyms_load(struct ksyms *ks); /* /proc/kallsyms */
void ksyms_free(struct ksyms *ks);

/* The text symbol containing addr (the last one at or below it), offset in *off; NULL if none. */
const struct ksym *ksyms_text(const struct ksyms *ks, uint64_t addr, uint64_t *off);
/* The data symbol at exactly addr, NULL when there is none (or none listed). */
const struct ksym *ksyms_data_at(const struct ksyms *ks, uint64_t addr);

#endif /* UEVSCOPE_KSYMS_H */
