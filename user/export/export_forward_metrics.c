// SPDX-License-Identifier: GPL-2.0
/* The running forwarders' families (`uevscope forward`, fwdstate.h), from the report model. */
#include <stdio.h>
#include "common.h"
#include "export_families.h"
#include "fwdstate.h"
#include "prom.h"

void export_forward_families(struct strbuf *sb, const struct export_input *in, struct prom_cap *cap)
{
	static const char *const labels[] = {"netns", "to", "result"};
	static const char *const fwd_label[] = {"pid"};
	const struct report_model *m = in->model;
	struct prom_rows rows;
	size_t i, j;

	prom_rows_init(&rows, labels, ARRAY_SIZE(labels));
	for (i = 0; m && i < m->nfwd; i++)
		for (j = 0; j < m->fwd[i].ntargets; j++) {
			const struct fwd_target_state *t = &m->fwd[i].targets[j];
			char netns[16];
			const char *v[3] = {netns, t->spec, "forwarded"};

			snprintf(netns, sizeof(netns), "%u", t->netns);
			prom_rows_add(&rows, v, t->c.forwarded);
			v[2] = "filtered";
			prom_rows_add(&rows, v, t->c.filtered);
			v[2] = "failed";
			prom_rows_add(&rows, v, t->c.failed);
		}
	export_rows_family(sb, cap, "uevscope_forward_uevents_total", "counter",
			   "Host uevents a running `uevscope forward` handled per target netns: "
			   "forwarded, filtered (no -m match) or failed.",
			   &rows);
	prom_rows_init(&rows, fwd_label, 1);
	for (i = 0; m && i < m->nfwd; i++) {
		char pid[16];
		const char *v[1] = {pid};

		snprintf(pid, sizeof(pid), "%u", m->fwd[i].pid);
		prom_rows_add(&rows, v, m->fwd[i].resyncs);
	}
	export_rows_family(sb, NULL, "uevscope_forward_resyncs_total", "counter",
			   "Overruns (ENOBUFS) of a forwarder's host socket, each followed by a "
			   "resync from /sys.",
			   &rows);
}
