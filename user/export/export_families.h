/* SPDX-License-Identifier: GPL-2.0 */
/* What the export_*_metrics.c files share; export_metrics.h is the interface. */
#ifndef UEVSCOPE_EXPORT_FAMILIES_H
#define UEVSCOPE_EXPORT_FAMILIES_H

#include "export_metrics.h"
#include "prom.h"

#define NS_PER_S 1e9

/* A family's header, then its rows (capped when cap is not NULL), which are freed. */
void export_rows_family(struct strbuf *sb, struct prom_cap *cap, const char *name, const char *type,
			const char *help, struct prom_rows *rows);
/* A counter without labels. */
void export_counter_family(struct strbuf *sb, const char *name, const char *help, uint64_t v);
/* log2 slots [2^i, 2^(i+1)) ns, the last one open-ended, as a histogram in seconds. */
void export_log2_histogram(struct strbuf *sb, const char *name, const struct prom_label *labels,
			   size_t nlabels, const uint64_t *slots, size_t nslots, double sum_s);

void export_delivery_families(struct strbuf *sb, const struct export_input *in,
			      struct prom_cap *cap);
void export_policy_families(struct strbuf *sb, const struct export_input *in, struct prom_cap *cap);
void export_forward_families(struct strbuf *sb, const struct export_input *in,
			     struct prom_cap *cap);

#endif /* UEVSCOPE_EXPORT_FAMILIES_H */
