// SPDX-License-Identifier: GPL-2.0
/*
 * uevscope report: per-namespace delivery, aggregated in the kernel and
 * printed every interval (report_model.c reads, report_print.c prints).
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "common.h"
#include "nsnames.h"
#include "report_session.h"
#include "report_model.h"
#include "report_print.h"
#include "subcommands.h"
#include "trace/trace_attach.h"

static volatile sig_atomic_t exiting;

static void on_signal(int sig)
{
	(void)sig;
	exiting = 1;
}

static const char report_usage[] =
    "usage: uevscope report [OPTIONS] [INTERVAL [COUNT]]\n"
    "\n"
    "Per network namespace, every INTERVAL seconds (default 1), COUNT times (default:\n"
    "until interrupted): uevents delivered, bytes, listeners, receiver drops and\n"
    "injected uevents; counts per SUBSYSTEM and ACTION; for each SEQNUM how many\n"
    "namespaces and sockets it reached; namespaces kept out of kernel uevents\n"
    "because a non-initial user namespace owns them; where the kernel lets emission\n"
    "be traced, uevents that found no listener and emit-to-delivery latency.\n"
    "Counted in the kernel, in per-CPU maps; every count is a total since start.\n"
    "\n"
    "  -j, --json            one JSON document per interval, on one line\n"
    "      --tier NAME       force a delivery or an emission attach tier\n"
    "      --no-emission     do not trace emissions even where the kernel allows it\n"
    "      --retire SECONDS  forget a namespace with no listener, delivery or broadcast\n"
    "                        for this long (default 300, 0 = never); its counts go to\n"
    "                        the retired totals, so the maps never fill with old ones\n"
    "      --max-entries N   entries of each aggregation map (default: 4096 netns x\n"
    "                        event keys and sockets, 1024 SUBSYSTEM/ACTION names and\n"
    "                        namespaces emitted into, 16384 finished SEQNUMs per CPU\n"
    "                        between folds); what a\n"
    "                        full map cannot hold is counted and shown\n"
    "  -v, --verbose         say which attach tiers were refused and why\n"
    "  -h, --help            this help\n"
    "\n"
    "EXAMPLES:\n"
    "  uevscope report                 # a table every second\n"
    "  uevscope report 5 12            # every 5 s for a minute\n"
    "  uevscope report -j 1 3 | jq .   # three JSON documents\n"
    "\n"
    "Exit status: 0 done (also on SIGINT/SIGTERM), 1 environment (not root, no BPF),\n"
    "2 bad usage.\n";

static const struct option report_options[] = {
    {"json", no_argument, NULL, 'j'},
    REPORT_MODEL_OPTIONS,
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {},
};

int report_parse_args(int argc, char **argv, struct report_args *a)
{
	uint64_t count;
	int opt;
	const char *cmd = a->cmd, *usage = a->usage;

	memset(a, 0, sizeof(*a));
	a->cmd = cmd;
	a->usage = usage;
	a->interval_s = 1;
	a->retire_s = RM_RETIRE_DEFAULT_NS / 1e9;
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":jvh", report_options, NULL)) != -1) {
		int rc = report_parse_model_opt(a, opt, optarg);

		if (rc != 1) {
			if (rc)
				return rc;
			continue;
		}
		switch (opt) {
		case 'j':
			a->json = true;
			break;
		case 'v':
			verbose = true;
			break;
		case 'h':
			fputs(a->usage, stdout);
			return EXIT_OK;
		default: /* ':' or '?' */
			return cmd_getopt_error(a->cmd, opt, argv);
		}
	}
	if (optind < argc && !parse_seconds(argv[optind], &a->interval_s))
		return cmd_usage_error(
		    a->cmd, "the interval must be a positive number of seconds, not '%s'",
		    argv[optind]);
	if (optind < argc)
		optind++;
	if (optind < argc) {
		if (!parse_u64(argv[optind], &count) || !count)
			return cmd_usage_error(
			    a->cmd, "the count must be a positive number, not '%s'", argv[optind]);
		a->count = count;
		optind++;
	}
	if (optind < argc)
		return cmd_usage_error(a->cmd, "unexpected argument '%s'", argv[optind]);
	return -1;
}

int report_parse_model_opt(struct report_args *a, int opt, const char *arg)
{
	uint64_t n;

	switch (opt) {
	case REPORT_OPT_TIER:
		if (trace_tier_known(arg))
			a->force_tier = arg;
		else if (trace_emission_tier_known(arg))
			a->force_emission_tier = arg;
		else
			return cmd_usage_error(a->cmd, "unknown tier '%s'; the tiers are: %s", arg,
					       trace_tier_list());
		return 0;
	case REPORT_OPT_NO_EMISSION:
		a->no_emission = true;
		return 0;
	case REPORT_OPT_MAX_ENTRIES:
		if (!parse_u64(arg, &n) || !n || n > 1000000)
			return cmd_usage_error(
			    a->cmd, "--max-entries wants a number from 1 to 1000000, not '%s'",
			    arg);
		a->max_entries = n;
		return 0;
	case REPORT_OPT_RETIRE:
		if (!strcmp(arg, "0"))
			a->retire_s = 0;
		else if (!parse_seconds(arg, &a->retire_s))
			return cmd_usage_error(
			    a->cmd, "--retire wants a number of seconds (0 = never), not '%s'",
			    arg);
		return 0;
	}
	return 1;
}

int report_session_open(struct report_session *s, const struct report_args *a)
{
	memset(s, 0, sizeof(*s));
	if (!require_root(a->cmd) || !require_btf())
		return EXIT_ENV;
	setup_libbpf_logging();
	if (report_attach(&s->ra, a->force_tier, a->force_emission_tier, a->no_emission,
			  a->max_entries))
		return EXIT_ENV;
	if (report_model_init(&s->model, s->ra.skel, s->ra.emission_tier ? &s->ra.emit : NULL)) {
		uev_err("%s: out of memory", a->cmd);
		report_detach(&s->ra);
		return EXIT_ENV;
	}
	s->model.retire_ns = (uint64_t)(a->retire_s * 1e9);
	if (!s->model.sockets_listed)
		uev_err("iter/netlink unavailable: listeners and drops are not counted "
			"(see 'uevscope features')");
	return EXIT_OK;
}

void report_session_close(struct report_session *s)
{
	report_model_free(&s->model);
	report_detach(&s->ra);
	netns_names_free();
}

/* Sleeps up to secs; false when a signal asked us to stop. */
static bool nap(double secs)
{
	struct timespec ts = {.tv_sec = (time_t)secs,
			      .tv_nsec = (long)((secs - (time_t)secs) * 1e9)};

	while (!exiting && nanosleep(&ts, &ts))
		;
	return !exiting;
}

/*
 * Sleeps until the next readout, secs from now, folding the fan-out
 * meanwhile as often as its rings need (rm_fanout_fold_every()), so that a
 * flood does not overrun them between readouts; false on a signal.
 */
static bool nap_folding(struct report_model *m, double secs)
{
	uint64_t due = now_monotonic_ns() + (uint64_t)(secs * 1e9);

	for (;;) {
		uint64_t now = now_monotonic_ns(), step = rm_fanout_fold_every(m);

		if (now >= due)
			return !exiting;
		if (!nap((double)(due - now < step ? due - now : step) / 1e9))
			return false;
		if (now_monotonic_ns() < due)
			report_model_fold(m, REPORT_SETTLE_NS);
	}
}

void report_announce(const struct report_session *s, const char *cmd)
{
	fprintf(stderr, "uevscope: %s: aggregating uevent deliveries via %s\n", cmd,
		s->ra.delivery_tier);
	if (s->ra.emission_tier)
		fprintf(stderr, "uevscope: %s: aggregating uevent emissions via %s\n", cmd,
			s->ra.emission_tier);
	else
		fprintf(stderr,
			"uevscope: %s: emission unavailable on this kernel: no broadcasts per "
			"netns, no latency; uevents with no listener counted by SEQNUM (-v says "
			"why)\n",
			cmd);
}

int report_loop(const struct report_args *a)
{
	struct report_print_ctx pc = {.interval_s = a->interval_s};
	struct report_session s;
	struct strbuf sb;
	uint64_t n = 0;
	int rc;

	rc = report_session_open(&s, a);
	if (rc)
		return rc;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	setvbuf(stdout, NULL, _IOLBF, 0);
	report_announce(&s, a->cmd);
	pc.delivery_tier = s.ra.delivery_tier;
	pc.emission_tier = s.ra.emission_tier;
	idmap_init(&pc.prev);
	sb_init(&sb, 4096);
	while (nap_folding(&s.model, a->interval_s)) {
		report_model_read(&s.model, REPORT_SETTLE_NS);
		sb_reset(&sb);
		if (a->json)
			report_print_json(&sb, &s.model, &pc);
		else
			report_print_text(&sb, &s.model, &pc);
		if (fputs(sb.buf, stdout) == EOF || fflush(stdout) == EOF)
			break; /* the reader went away */
		if (a->count && ++n >= a->count)
			break;
	}
	sb_free(&sb);
	idmap_free(&pc.prev, NULL);
	report_session_close(&s);
	return EXIT_OK;
}

int cmd_report(int argc, char **argv)
{
	struct report_args a;
	int rc;

	a.cmd = "report";
	a.usage = report_usage;
	rc = report_parse_args(argc, argv, &a);
	if (rc >= 0)
		return rc;
	return report_loop(&a);
}
