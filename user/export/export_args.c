// SPDX-License-Identifier: GPL-2.0
/* uevscope export's command line and --help. See export_args.h. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include "common.h"
#include "export_args.h"
#include "export_metrics.h"
#include "export_textfile.h"
#include "listen_addr.h"
#include "trace/trace_attach.h"

static const char export_usage[] =
    "usage: uevscope export [OPTIONS]\n"
    "\n"
    "Serves what 'uevscope report' counts as Prometheus metrics: deliveries per network\n"
    "namespace, SUBSYSTEM, ACTION and origin, bytes, receiver drops, listeners,\n"
    "isolated namespaces, fan-out and (where the kernel lets emission be traced)\n"
    "uevents with no listener and latency; the pinned filter and device policies'\n"
    "counters; what was lost and why; which BPF programs are attached how. The\n"
    "in-kernel maps are read every INTERVAL; a scrape is answered at once from the\n"
    "latest readout, and only waits for a new one when that is older than INTERVAL\n"
    "plus a quarter of a second. A scrape never reads a map itself.\n"
    "\n"
    "  -l, --listen ADDR:PORT  serve /metrics and /healthz there (default " LISTEN_DEFAULT ",\n"
    "                          this host only; any other address only when given:\n"
    "                          0.0.0.0:9464 for every interface; port 0 picks one)\n"
    "      --web-config FILE   TLS and basic auth, in the Prometheus exporter-toolkit's\n"
    "                          format: tls_server_config: cert_file, key_file;\n"
    "                          basic_auth_users: NAME: BCRYPT-HASH (/healthz stays open)\n"
    "      --textfile DIR      also write DIR/" EXPORT_TEXTFILE_NAME " every interval, for\n"
    "                          node_exporter's textfile collector (replaced atomically;\n"
    "                          removed on exit); alone, without --listen: no HTTP\n"
    "      --max-series N      label sets per metric (default 1000, 0 = no cap); more are\n"
    "                          summed into one series labeled \"other\", and counted\n"
    "      --locks             also time uevent_sock_mutex contention (costs a stack\n"
    "                          capture per contended lock until it is identified)\n"
    "  -i, --interval SECONDS  readout period (default 1)\n"
    "  -c, --count N           stop after N readouts (default: until interrupted)\n"
    "      --tier NAME         force a delivery or an emission attach tier\n"
    "      --no-emission       do not trace emissions even where the kernel allows it\n"
    "      --max-entries N     entries of each aggregation map (see 'uevscope report')\n"
    "      --retire SECONDS    forget a namespace with no listener, delivery or\n"
    "                          broadcast for this long (default 300, 0 = never): its\n"
    "                          series go, uevscope_retired_* keep its counts\n"
    "  -v, --verbose           say which attach tiers were refused and why\n"
    "  -h, --help              this help\n"
    "\n"
    "Labels: netns, userns (its owner), container (/run/netns name, \"init\", or the\n"
    "cgroup of a process in it), subsystem, action, origin; never a PID, DEVPATH or\n"
    "SEQNUM.\n"
    "\n"
    "EXAMPLES:\n"
    "  uevscope export                             # http://127.0.0.1:9464/metrics\n"
    "  uevscope export --listen 0.0.0.0:9464 --locks   # for a Prometheus elsewhere\n"
    "  uevscope export --listen 0.0.0.0:9464 --web-config /etc/uevscope/web.yml\n"
    "  uevscope export --textfile /var/lib/node_exporter/textfile_collector\n"
    "  curl -s 127.0.0.1:9464/metrics | promtool check metrics\n"
    "\n"
    "Exit status: 0 done (also on SIGINT/SIGTERM), 1 environment (not root, no BPF,\n"
    "cannot listen: port in use, ...), 2 bad usage (also a --web-config that cannot\n"
    "be read or used: checked before anything listens or loads).\n";

enum { OPT_TEXTFILE = REPORT_OPT_NEXT, OPT_MAX_SERIES, OPT_LOCKS, OPT_WEB_CONFIG };

static const struct option export_options[] = {
    {"listen", required_argument, NULL, 'l'},
    {"textfile", required_argument, NULL, OPT_TEXTFILE},
    {"web-config", required_argument, NULL, OPT_WEB_CONFIG},
    {"max-series", required_argument, NULL, OPT_MAX_SERIES},
    {"locks", no_argument, NULL, OPT_LOCKS},
    {"interval", required_argument, NULL, 'i'},
    {"count", required_argument, NULL, 'c'},
    REPORT_MODEL_OPTIONS,
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {},
};

int export_parse_args(int argc, char **argv, struct export_args *a)
{
	int opt;

	memset(a, 0, sizeof(*a));
	a->max_series = EXPORT_DEFAULT_MAX_SERIES;
	a->interval_s = 1;
	a->report.cmd = "export";
	a->report.retire_s = RM_RETIRE_DEFAULT_NS / 1e9;
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":l:i:c:vh", export_options, NULL)) != -1) {
		int rc = report_parse_model_opt(&a->report, opt, optarg);

		if (rc != 1) {
			if (rc)
				return rc;
			continue;
		}
		switch (opt) {
		case 'l':
			a->listen = optarg;
			break;
		case OPT_TEXTFILE:
			a->textfile = optarg;
			break;
		case OPT_WEB_CONFIG:
			a->web_config = optarg;
			break;
		case OPT_MAX_SERIES:
			if (!parse_u64(optarg, &a->max_series) || a->max_series > 1000000)
				return cmd_usage_error(
				    "export",
				    "--max-series wants a number from 0 (no cap) "
				    "to 1000000, not '%s'",
				    optarg);
			break;
		case OPT_LOCKS:
			a->locks = true;
			break;
		case 'i':
			if (!parse_seconds(optarg, &a->interval_s))
				return cmd_usage_error(
				    "export",
				    "--interval wants a positive number of seconds, not '%s'",
				    optarg);
			break;
		case 'c':
			if (!parse_u64(optarg, &a->count) || !a->count)
				return cmd_usage_error(
				    "export", "--count wants a positive number, not '%s'", optarg);
			break;
		case 'v':
			verbose = true;
			break;
		case 'h':
			fputs(export_usage, stdout);
			return EXIT_OK;
		default: /* ':' or '?' */
			return cmd_getopt_error("export", opt, argv);
		}
	}
	if (optind < argc)
		return cmd_usage_error("export", "unexpected argument '%s'", argv[optind]);
	if (a->web_config && !a->listen && a->textfile)
		return cmd_usage_error("export", "--web-config is for HTTP: give --listen too");
	if (!a->listen && !a->textfile)
		a->listen = LISTEN_DEFAULT;
	return -1;
}
