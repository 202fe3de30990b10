/* SPDX-License-Identifier: GPL-2.0 */
/* What report, top and export share: options, the attached aggregation, the periodic loop. */
#ifndef UEVSCOPE_REPORT_SESSION_H
#define UEVSCOPE_REPORT_SESSION_H

#include <stdbool.h>
#include <stdint.h>
#include "report_attach.h"
#include "report_model.h"

/* Command line shared by report and top. */
struct report_args {
	const char *cmd;   /* "report" or "top", for messages */
	const char *usage; /* its --help text */
	bool json;
	bool no_emission;
	const char *force_tier;
	const char *force_emission_tier;
	double interval_s;
	uint64_t count;	      /* 0 = until interrupted */
	uint32_t max_entries; /* entries of each aggregation map, 0 = the defaults */
	double retire_s;      /* --retire: idle seconds before a netns is retired, 0 = never */
};

/*
 * The options of the in-kernel aggregation, shared by report, top and export:
 * their getopt_long() codes (a command's own start at REPORT_OPT_NEXT), their
 * table entries, and their parser.
 */
enum {
	REPORT_OPT_TIER = 256,
	REPORT_OPT_NO_EMISSION,
	REPORT_OPT_MAX_ENTRIES,
	REPORT_OPT_RETIRE,
	REPORT_OPT_NEXT,
};
#define REPORT_MODEL_OPTIONS                                                  \
	{"tier", required_argument, NULL, REPORT_OPT_TIER},                   \
	    {"no-emission", no_argument, NULL, REPORT_OPT_NO_EMISSION},       \
	    {"max-entries", required_argument, NULL, REPORT_OPT_MAX_ENTRIES}, \
	{                                                                     \
		"retire", required_argument, NULL, REPORT_OPT_RETIRE          \
	}
/* getopt_long()'s result opt: 1 not one of them, 0 taken into a, else an exit code (said why). */
int report_parse_model_opt(struct report_args *a, int opt, const char *arg);

/* Parses options and [INTERVAL [COUNT]]; -1 to go on, else the exit code. cmd, usage kept. */
int report_parse_args(int argc, char **argv, struct report_args *a);

/* What report and top share: the attached programs and the model reading them. */
struct report_session {
	struct report_attached ra;
	struct report_model model;
};

/* Checks privileges, attaches, starts the model; returns an exit code (0 = ready). */
int report_session_open(struct report_session *s, const struct report_args *a);
void report_session_close(struct report_session *s);
/* The tiers in use, on stderr. */
void report_announce(const struct report_session *s, const char *cmd);
/* report's plain periodic output; top's fallback without a terminal. */
int report_loop(const struct report_args *a);

#endif /* UEVSCOPE_REPORT_SESSION_H */
