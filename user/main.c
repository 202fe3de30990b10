// SPDX-License-Identifier: GPL-2.0
/* uevscope: see where uevents go across network and user namespaces. */
#include <stdio.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "common.h"
#include "subcommands.h"

static const struct subcommand {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
} subcommands[] = {
    {"trace", cmd_trace, "print every uevent delivery, tagged with its namespaces"},
    {"listeners", cmd_listeners, "every uevent socket, its namespaces and processes"},
    {"report", cmd_report, "per-namespace deliveries, drops, fan-out, every interval"},
    {"top", cmd_top, "live full-screen view of uevent deliveries per namespace"},
    {"filter", cmd_filter, "decide which uevents reach which listeners"},
    {"policy", cmd_policy, "check or apply a whole policy file"},
    {"devices", cmd_devices, "allow or deny device access per cgroup (cgroup/dev)"},
    {"attach", cmd_attach, "hotplug a device into a running container"},
    {"detach", cmd_detach, "take a hotplugged device out of a container again"},
    {"locks", cmd_locks, "lock contention on the uevent paths, beside uevent rate and netns churn"},
    {"export", cmd_export, "serve the report's metrics to Prometheus (/metrics, textfile)"},
    {"inject", cmd_inject, "send a uevent into a network namespace (kernel or udev format)"},
    {"record", cmd_record, "record what trace sees into a compact file (trace -i prints it)"},
    {"replay", cmd_replay, "inject a recording's uevents into a network namespace"},
    {"forward", cmd_forward, "re-inject host uevents into containers' network namespaces"},
    {"features", cmd_features, "probe which attach points this kernel allows"},
};

static void usage(FILE *f)
{
	size_t i;

	fputs("usage: uevscope [-v] COMMAND [OPTIONS]\n\nCommands:\n", f);
	for (i = 0; i < ARRAY_SIZE(subcommands); i++)
		fprintf(f, "  %-10s %s\n", subcommands[i].name, subcommands[i].summary);
	fputs(
	    "\n'uevscope COMMAND --help' describes one command.\n"
	    "\n"
	    "EXAMPLES:\n"
	    "  uevscope trace                  # live trace of every uevent delivery\n"
	    "  uevscope trace -j -p -c 5       # five deliveries as JSON, with properties\n"
	    "  uevscope listeners              # who listens for uevents, in which netns\n"
	    "  uevscope report -j 5            # per-namespace delivery every 5 s, as JSON\n"
	    "  uevscope top                    # live view; q quits\n"
	    "  uevscope filter add --netns c1 'SUBSYSTEM==\"block\"' deny  # c1 hears no block "
	    "uevents\n"
	    "  uevscope policy apply /etc/uevscope/policy   # a whole policy file, all or nothing\n"
	    "  uevscope devices deny --cgroup /c1 c 1:3 rwm   # no /dev/null in cgroup /c1\n"
	    "  uevscope locks -d 10            # who waits for the global uevent lock, and why\n"
	    "  uevscope export --locks         # Prometheus metrics at "
	    "http://127.0.0.1:9464/metrics\n"
	    "  uevscope inject --netns c1 add /devices/virtual/mem/null SUBSYSTEM=mem\n"
	    "  uevscope forward --to 4242 -m 'SUBSYSTEM==\"block\"'  # block uevents into a "
	    "container\n"
	    "  uevscope features               # what this kernel lets uevscope attach to\n"
	    "\n"
	    "Exit status: 0 success, 1 environment (privileges, kernel features), 2 usage.\n",
	    f);
}

int main(int argc, char **argv)
{
	int i = 1;
	size_t j;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-v") || !strcmp(argv[i], "--verbose")) {
			verbose = true;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return EXIT_OK;
		} else if (!strcmp(argv[i], "--version")) {
			printf("uevscope %s (libbpf %u.%u)\n", UEVSCOPE_VERSION,
			       libbpf_major_version(), libbpf_minor_version());
			return EXIT_OK;
		} else {
			uev_err("unknown option '%s'; see 'uevscope --help'", argv[i]);
			return EXIT_USAGE;
		}
	}
	if (i == argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	for (j = 0; j < ARRAY_SIZE(subcommands); j++)
		if (!strcmp(argv[i], subcommands[j].name))
			return subcommands[j].run(argc - i, argv + i);
	uev_err("unknown command '%s'; see 'uevscope --help'", argv[i]);
	return EXIT_USAGE;
}
