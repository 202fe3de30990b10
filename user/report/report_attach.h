/* SPDX-License-Identifier: GPL-2.0 */
#ifndef UEVSCOPE_REPORT_ATTACH_H
#define UEVSCOPE_REPORT_ATTACH_H

#include <stdbool.h>
#include <stdint.h>
#include "emit.h"

struct report_bpf;

struct report_attached {
	struct report_bpf *skel;
	const char *delivery_tier; /* e.g. "tp_btf/sk_data_ready" */
	const char *emission_tier; /* NULL when emission is not traceable here */
	struct emit_attached emit; /* the emission object's report job */
};

/*
 * Loads the aggregation programs at the first delivery tier of the trace
 * plan that loads and attaches (force_tier: only that one), with the first
 * emission tier that works too, unless no_emission. Returns 0, or -errno
 * after printing one line saying why no delivery tier works.
 */
int report_attach(struct report_attached *ra, const char *force_tier,
		  const char *force_emission_tier, bool no_emission, uint32_t max_entries);
void report_detach(struct report_attached *ra);

#endif /* UEVSCOPE_REPORT_ATTACH_H */
