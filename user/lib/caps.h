/* SPDX-License-Identifier: GPL-2.0 */
#ifndef UEVSCOPE_CAPS_H
#define UEVSCOPE_CAPS_H

#include <stdbool.h>
#include <stdint.h>

/*
 * The capabilities each subcommand needs, measured on kernel 6.18 as uid 0 with
 * a reduced bounding set (docs/install.md lists them and how). Returns the mask
 * (1 << CAP_*) for the subcommand's first word ("filter add" -> "filter"), 0
 * when it needs none.
 */
uint64_t caps_needed(const char *subcommand);
/* Comma-separated names of the capabilities in mask, "CAP_BPF, CAP_PERFMON". */
void caps_names(uint64_t mask, char *buf, size_t len);
/* The capabilities in mask that the effective set lacks (CAP_SYS_ADMIN covers CAP_BPF and
 * CAP_PERFMON). */
uint64_t caps_missing(uint64_t mask);
/*
 * True when the effective set holds every capability subcommand needs;
 * otherwise one line naming the missing ones, and false (exit EXIT_ENV).
 */
bool caps_require(const char *subcommand);

#endif /* UEVSCOPE_CAPS_H */
