/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The Prometheus text exposition format (version 0.0.4): family headers,
 * samples, histograms, label escaping. Pure formatting, no I/O. Labeled
 * series go through struct prom_rows, which caps their number (see
 * prom_series.c).
 */
#ifndef UEVSCOPE_PROM_H
#define UEVSCOPE_PROM_H

#include <stddef.h>
#include <stdint.h>
#include "strbuf.h"

#define PROM_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

struct prom_label {
	const char *name;
	const char *value;
};

/* "# HELP name help" and "# TYPE name type"; type is counter, gauge or histogram. */
void prom_family(struct strbuf *sb, const char *name, const char *type, const char *help);

/* One sample line: name{labels} value. suffix ("_bucket", ...) may be NULL. */
void prom_sample_u64(struct strbuf *sb, const char *name, const char *suffix,
		     const struct prom_label *labels, size_t nlabels, uint64_t value);
void prom_sample_f64(struct strbuf *sb, const char *name, const char *suffix,
		     const struct prom_label *labels, size_t nlabels, double value);

/*
 * A histogram's samples. counts[i] is the number of observations in bucket i
 * alone (not cumulative) for i < nbounds, whose upper bound is bounds[i];
 * counts[nbounds] holds those above the last bound. sum is the sum of every
 * observation, in the family's unit. Prints the cumulative _bucket series with
 * le, +Inf, _sum and _count.
 */
void prom_histogram(struct strbuf *sb, const char *name, const struct prom_label *labels,
		    size_t nlabels, const double *bounds, const uint64_t *counts, size_t nbounds,
		    double sum);

/* v the shortest way that reads back as the same double; "+Inf", "-Inf", "NaN". */
void prom_f64(struct strbuf *sb, double v);
/* A label value with \\, \" and \n escaped, as the format wants. */
void prom_label_value(struct strbuf *sb, const char *s);

#endif /* UEVSCOPE_PROM_H */
