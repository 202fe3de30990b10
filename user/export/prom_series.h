/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Labeled series of one metric family, and the cap on how many of them an
 * exporter shows (--max-series). A label set is admitted the first time it is
 * seen while there is room, and stays admitted as long as it is there;
 * others are summed into one series whose labels all read "other", and stay
 * there as long as they are there, so that every series only grows:
 * Prometheus reads a counter that goes down as a restart. A set that goes
 * away (its namespace retired) frees its place; a counter's "other" keeps
 * what a set that went away had counted.
 */
#ifndef UEVSCOPE_PROM_SERIES_H
#define UEVSCOPE_PROM_SERIES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "idmap.h"
#include "strbuf.h"

#define PROM_MAX_LABELS 6
#define PROM_OTHER	"other"

struct prom_row {
	char *key; /* the label values joined, owns them: values[] point into it */
	const char *values[PROM_MAX_LABELS];
	uint64_t value;
};

struct prom_rows {
	const char *const *label_names;
	size_t nlabels;
	struct prom_row *rows;
	size_t n, cap;
};

struct prom_cap_family {
	char *name;
	uint64_t emits;	       /* prom_rows_emit() calls, the stamp of "seen in the last one" */
	struct idmap admitted; /* hash of the label values -> emits when last seen */
	struct idmap folded;   /* hash -> struct prom_folded: sets in "other" now */
	uint64_t other_gone;   /* counters: what sets that left "other" had counted */
	size_t nfolded;	       /* label sets folded into "other" at the last emit */
};

struct prom_cap {
	size_t max; /* label sets shown per family, besides "other"; 0 = no cap */
	struct prom_cap_family *fam;
	size_t nfam;
};

void prom_rows_init(struct prom_rows *r, const char *const *label_names, size_t nlabels);
/* One series' label values (nlabels of them, NULL reads as "") and its value. */
void prom_rows_add(struct prom_rows *r, const char *const *values, uint64_t value);
void prom_rows_free(struct prom_rows *r);

void prom_cap_init(struct prom_cap *c, size_t max);
void prom_cap_free(struct prom_cap *c);

/*
 * Writes the samples of family name (counter: type "counter"): rows with the
 * same labels summed, in label order, the admitted ones as they are, the
 * rest as one "other" series.
 * Returns how many label sets were folded. cap NULL: a family of fixed,
 * few label sets (reasons, components), never capped.
 */
size_t prom_rows_emit(struct strbuf *sb, const char *name, bool counter, struct prom_rows *r,
		      struct prom_cap *cap);

#endif /* UEVSCOPE_PROM_SERIES_H */
