/* SPDX-License-Identifier: GPL-2.0 */
#ifndef UEVSCOPE_FEATURES_H
#define UEVSCOPE_FEATURES_H

#include "probe.h"
#include "strbuf.h"

/*
 * `uevscope features -j`: every probe's result and, for each attach plan,
 * the tier chosen[plan] (a probe id, or -1 for none) and its tiers.
 */
void features_print_json(struct strbuf *sb, const struct probe_set *ps, const int *chosen,
			 const char *kernel);

#endif /* UEVSCOPE_FEATURES_H */
