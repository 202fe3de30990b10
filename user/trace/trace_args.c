// SPDX-License-Identifier: GPL-2.0
/* uevscope trace's command line: options, help text, validation. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include "cgroupfs.h"
#include "common.h"
#include "match.h"
#include "nsnames.h"
#include "trace_args.h"

static const char trace_usage[] =
    "usage: uevscope trace [OPTIONS]\n"
    "\n"
    "Print every delivery of a uevent to a listening NETLINK_KOBJECT_UEVENT socket,\n"
    "tagged with the receiving network namespace, its owning user namespace, the\n"
    "receiving process and cgroup, and the origin (kernel, or the injecting process).\n"
    "Receive buffer overruns are printed as OVERRUN lines, records the kernel could\n"
    "not hand over as LOST lines.\n"
    "\n"
    "  -p, --properties      print every KEY=VALUE of each uevent\n"
    "  -j, --json            one JSON object per line\n"
    "  -m, --match EXPR      udev-style match, e.g. 'SUBSYSTEM==\"block\"', 'ACTION!=\"remove\"',\n"
    "                        globs * ? [...] and alternatives a|b; repeated -m are ANDed\n"
    "      --netns NS        only this receiving netns: inode, /proc/PID/ns/net,\n"
    "                        /run/netns/NAME or NAME (filtered in the kernel)\n"
    "      --cgroup PATH     only receivers in this cgroup v2 or below it (in the kernel)\n"
    "  -c, --count N         stop after N deliveries printed\n"
    "  -d, --duration SECS   stop after SECS seconds\n"
    "      --tier NAME       force a delivery or an emission attach tier instead of\n"
    "                        probing (once for each)\n"
    "      --no-emission     do not trace emissions even where the kernel allows it\n"
    "      --buffer-mb N     ring buffer size in MiB, a power of two (default 16)\n"
    "      --gaps            also print a gap line for each run of uevents (SEQNUMs)\n"
    "                        that reached no listener at all, content unknown; needs\n"
    "                        every delivery: not with -m, --netns, --cgroup or -i\n"
    "  -i, --input FILE      print a recording of `uevscope record` (FILE or '-') as it\n"
    "                        was traced, instead of tracing; -m, --netns, -c apply\n"
    "  -v, --verbose         say which attach tiers were refused and why; libbpf logs\n"
    "  -h, --help            this help\n"
    "\n"
    "EXAMPLES:\n"
    "  uevscope trace                                # every delivery, host-wide\n"
    "  uevscope trace -p -m 'SUBSYSTEM==\"block\"'     # block uevents with properties\n"
    "  uevscope trace --netns /run/netns/c1 -j       # one container's netns, as JSON\n"
    "  uevscope trace -m 'ACTION==\"add|remove\"' -c 10\n"
    "  uevscope trace -i storm.uevrec -j             # a recording, as JSON\n"
    "\n"
    "Exit status: 0 done (also on SIGINT/SIGTERM), 1 environment (not root, no BPF),\n"
    "2 bad usage.\n";

enum { OPT_NETNS = 256, OPT_CGROUP, OPT_TIER, OPT_NO_EMISSION, OPT_BUFFER_MB, OPT_GAPS };

static const struct option trace_options[] = {
    {"properties", no_argument, NULL, 'p'},
    {"json", no_argument, NULL, 'j'},
    {"match", required_argument, NULL, 'm'},
    {"netns", required_argument, NULL, OPT_NETNS},
    {"cgroup", required_argument, NULL, OPT_CGROUP},
    {"count", required_argument, NULL, 'c'},
    {"duration", required_argument, NULL, 'd'},
    {"tier", required_argument, NULL, OPT_TIER},
    {"no-emission", no_argument, NULL, OPT_NO_EMISSION},
    {"buffer-mb", required_argument, NULL, OPT_BUFFER_MB},
    {"gaps", no_argument, NULL, OPT_GAPS},
    {"input", required_argument, NULL, 'i'},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {},
};

int trace_parse_args(int argc, char **argv, struct trace_args *a)
{
	const char *netns_arg = NULL, *cgroup_arg = NULL;
	char err[256];
	uint64_t mb = 16;
	int opt;

	a->attach.cgroup_level = -1;
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":pjm:c:d:i:vh", trace_options, NULL)) != -1) {
		switch (opt) {
		case 'p':
			a->print.properties = true;
			break;
		case 'j':
			a->print.json = true;
			break;
		case 'm':
			if (match_list_add(a->match, optarg, err, sizeof(err)))
				return cmd_usage_error("trace", "bad match expression: %s", err);
			break;
		case OPT_NETNS:
			netns_arg = optarg;
			break;
		case OPT_CGROUP:
			cgroup_arg = optarg;
			break;
		case 'c':
			if (!parse_u64(optarg, &a->max_count) || !a->max_count)
				return cmd_usage_error(
				    "trace", "-c wants a positive count, not '%s'", optarg);
			break;
		case 'd':
			if (!parse_seconds(optarg, &a->duration))
				return cmd_usage_error(
				    "trace", "-d wants a positive number of seconds, not '%s'",
				    optarg);
			break;
		case OPT_TIER:
			if (trace_tier_known(optarg)) {
				a->attach.force_tier = optarg;
			} else if (trace_emission_tier_known(optarg)) {
				a->attach.force_emission_tier = optarg;
			} else {
				fprintf(stderr,
					"uevscope: trace: unknown tier '%s'; the tiers are: %s\n",
					optarg, trace_tier_list());
				return EXIT_USAGE;
			}
			break;
		case OPT_NO_EMISSION:
			a->attach.no_emission = true;
			break;
		case OPT_BUFFER_MB:
			if (!parse_u64(optarg, &mb) || !mb || mb > 1024 || (mb & (mb - 1)))
				return cmd_usage_error(
				    "trace",
				    "--buffer-mb wants a power of two from 1 to 1024, "
				    "not '%s'",
				    optarg);
			break;
		case OPT_GAPS:
			a->gaps = true;
			break;
		case 'i':
			a->input = optarg;
			break;
		case 'v':
			verbose = true;
			break;
		case 'h':
			fputs(trace_usage, stdout);
			return EXIT_OK;
		default: /* ':' or '?' */
			return cmd_getopt_error("trace", opt, argv);
		}
	}
	if (optind < argc)
		return cmd_usage_error("trace", "unexpected argument '%s'", argv[optind]);
	a->attach.ringbuf_bytes = mb << 20;
	if (a->input && (cgroup_arg || a->attach.force_tier || a->attach.force_emission_tier))
		return cmd_usage_error("trace", "-i reads a recording: --cgroup and --tier do not "
						"apply (record with them instead)");
	/* A SEQNUM filtered out here was delivered elsewhere: it would look like a gap. */
	if (a->gaps && (a->input || netns_arg || cgroup_arg || match_list_count(a->match)))
		return cmd_usage_error("trace", "--gaps needs every delivery: drop -m, --netns, "
						"--cgroup and -i, or drop --gaps");
	if (netns_arg && netns_resolve(netns_arg, &a->attach.netns, err, sizeof(err))) {
		fprintf(stderr, "uevscope: trace: %s\n", err);
		return EXIT_USAGE;
	}
	if (cgroup_arg && cgroup_resolve(cgroup_arg, &a->attach.cgroup_id, &a->attach.cgroup_level,
					 err, sizeof(err))) {
		fprintf(stderr, "uevscope: trace: --cgroup: %s\n", err);
		return EXIT_USAGE;
	}
	return -1;
}
