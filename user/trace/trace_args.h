/* SPDX-License-Identifier: GPL-2.0 */
/* uevscope trace's command line. */
#ifndef UEVSCOPE_TRACE_ARGS_H
#define UEVSCOPE_TRACE_ARGS_H

#include <stdint.h>
#include "trace_attach.h"
#include "trace_print.h"

struct match_list;

struct trace_args {
	struct print_opts print;
	struct match_list *match;
	struct trace_attach_cfg attach;
	uint64_t max_count; /* 0 = unlimited */
	double duration;    /* seconds, 0 = unlimited */
	const char *input;  /* -i: print this recording instead of tracing live */
	const char *output; /* record -o: write a recording instead of printing */
	bool gaps;	    /* --gaps: print the SEQNUMs no delivery carried */
};

/*
 * Fills a from argv (a->match must be a fresh match_list_new()). Returns -1
 * to go on, or the exit code after printing help or one usage error line.
 * Nothing is loaded before all input is valid.
 */
int trace_parse_args(int argc, char **argv, struct trace_args *a);

#endif /* UEVSCOPE_TRACE_ARGS_H */
