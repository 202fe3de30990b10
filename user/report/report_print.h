/* SPDX-License-Identifier: GPL-2.0 */
/* Printers of the report model (report_model.h): plain text and one JSON document. */
#ifndef UEVSCOPE_REPORT_PRINT_H
#define UEVSCOPE_REPORT_PRINT_H

#include "report_model.h"
#include "strbuf.h"

struct report_print_ctx {
	const char *delivery_tier;
	const char *emission_tier; /* NULL: not traceable here */
	double interval_s;
	struct idmap prev; /* netns -> deliveries at the previous readout + 1 (text rates) */
	bool have_prev;
};

void report_print_text(struct strbuf *sb, const struct report_model *m,
		       struct report_print_ctx *ctx);
/* One JSON document on one line, newline-terminated. */
void report_print_json(struct strbuf *sb, const struct report_model *m,
		       const struct report_print_ctx *ctx);

#endif /* UEVSCOPE_REPORT_PRINT_H */
