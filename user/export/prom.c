// SPDX-License-Identifier: GPL-2.0
/* Prometheus text exposition format. See prom.h. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include "prom.h"

void prom_label_value(struct strbuf *sb, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '\\':
			sb_puts(sb, "\\\\");
			break;
		case '"':
			sb_puts(sb, "\\\"");
			break;
		case '\n':
			sb_puts(sb, "\\n");
			break;
		default:
			sb_putc(sb, *s);
		}
	}
}

/* HELP text escapes only backslash and newline (the format's rule for docstrings). */
static void help_text(struct strbuf *sb, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			sb_puts(sb, "\\\\");
		else if (*s == '\n')
			sb_puts(sb, "\\n");
		else
			sb_putc(sb, *s);
	}
}

void prom_family(struct strbuf *sb, const char *name, const char *type, const char *help)
{
	sb_printf(sb, "# HELP %s ", name);
	help_text(sb, help);
	sb_printf(sb, "\n# TYPE %s %s\n", name, type);
}

void prom_f64(struct strbuf *sb, double v)
{
	char buf[40];
	int prec;

	if (isnan(v)) {
		sb_puts(sb, "NaN");
		return;
	}
	if (isinf(v)) {
		sb_puts(sb, v > 0 ? "+Inf" : "-Inf");
		return;
	}
	/*
	 * Whole numbers as integers: le="10", not the shortest form "1e+01". The range test comes
	 * first: converting a double beyond long long's range is undefined.
	 */
	if (fabs(v) < 1e15 && v == (double)(long long)v) {
		sb_printf(sb, "%lld", (long long)v);
		return;
	}
	/* Bucket bounds such as 1.024e-06 should read as written, not 1.0240000000000001e-06. */
	for (prec = 1; prec < 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	if (prec == 17)
		snprintf(buf, sizeof(buf), "%.17g", v);
	sb_puts(sb, buf);
}

static void series_name(struct strbuf *sb, const char *name, const char *suffix,
			const struct prom_label *labels, size_t nlabels, const char *le)
{
	size_t i;

	sb_puts(sb, name);
	if (suffix)
		sb_puts(sb, suffix);
	if (!nlabels && !le)
		goto value;
	sb_putc(sb, '{');
	for (i = 0; i < nlabels; i++) {
		sb_printf(sb, "%s%s=\"", i ? "," : "", labels[i].name);
		prom_label_value(sb, labels[i].value);
		sb_putc(sb, '"');
	}
	if (le)
		sb_printf(sb, "%sle=\"%s\"", nlabels ? "," : "", le);
	sb_putc(sb, '}');
value:
	sb_putc(sb, ' ');
}

void prom_sample_u64(struct strbuf *sb, const char *name, const char *suffix,
		     const struct prom_label *labels, size_t nlabels, uint64_t value)
{
	series_name(sb, name, suffix, labels, nlabels, NULL);
	sb_u64(sb, value);
	sb_putc(sb, '\n');
}

void prom_sample_f64(struct strbuf *sb, const char *name, const char *suffix,
		     const struct prom_label *labels, size_t nlabels, double value)
{
	series_name(sb, name, suffix, labels, nlabels, NULL);
	prom_f64(sb, value);
	sb_putc(sb, '\n');
}

void prom_histogram(struct strbuf *sb, const char *name, const struct prom_label *labels,
		    size_t nlabels, const double *bounds, const uint64_t *counts, size_t nbounds,
		    double sum)
{
	struct strbuf le;
	uint64_t cumulative = 0;
	size_t i;

	sb_init(&le, 32);
	for (i = 0; i < nbounds; i++) {
		cumulative += counts[i];
		sb_reset(&le);
		prom_f64(&le, bounds[i]);
		series_name(sb, name, "_bucket", labels, nlabels, le.buf);
		sb_u64(sb, cumulative);
		sb_putc(sb, '\n');
	}
	cumulative += counts[nbounds];
	series_name(sb, name, "_bucket", labels, nlabels, "+Inf");
	sb_u64(sb, cumulative);
	sb_putc(sb, '\n');
	prom_sample_f64(sb, name, "_sum", labels, nlabels, sum);
	prom_sample_u64(sb, name, "_count", labels, nlabels, cumulative);
	sb_free(&le);
}
