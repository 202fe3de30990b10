/* SPDX-License-Identifier: GPL-2.0 */
#ifndef UEVSCOPE_EXPORT_ARGS_H
#define UEVSCOPE_EXPORT_ARGS_H

#include <stdbool.h>
#include <stdint.h>
#include "report/report_session.h"

struct export_args {
	const char *listen; /* NULL: the default, unless only --textfile was given */
	const char *textfile;
	const char *web_config; /* --web-config FILE, or NULL */
	uint64_t max_series;
	bool locks;
	double interval_s;
	uint64_t count;
	struct report_args report; /* tiers, emission, map sizes */
};

/* Parses the options; -1 to go on, else the exit code (--help, a usage error). */
int export_parse_args(int argc, char **argv, struct export_args *a);

#endif /* UEVSCOPE_EXPORT_ARGS_H */
