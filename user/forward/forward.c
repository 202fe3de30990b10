// SPDX-License-Identifier: GPL-2.0
/*
 * `uevscope forward --to CONTAINER`: listens to the host's uevents on a
 * NETLINK_KOBJECT_UEVENT socket of its own, and re-injects those -m matches
 * into each target network namespace (user/lib/inject.h), which the kernel
 * never broadcasts to when a container's user namespace owns it
 * (uevent_net_init() in lib/kobject_uevent.c lists only init_user_ns's).
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include "common.h"
#include "forward.h"
#include "forward_run.h"
#include "idmap.h"
#include "inject.h"
#include "match.h"
#include "subcommands.h"

static void usage(FILE *f)
{
	fputs(
	    "usage: uevscope forward --to CONTAINER [--to CONTAINER]... [-m MATCH]...\n"
	    "                        [--format kernel|udev|both] [--coldplug] [--force]\n"
	    "                        [--rcvbuf BYTES] [-v]\n"
	    "\n"
	    "Re-injects the host's uevents into containers' network namespaces, which the\n"
	    "kernel leaves out when a container's own user namespace owns them.\n"
	    "\n"
	    "  --to CONTAINER        a pid, /proc/PID/ns/net, a /run/netns name, or a cgroup\n"
	    "                        path: every netns of the processes in it and below it,\n"
	    "                        rescanned (later ones picked up, gone ones dropped)\n"
	    "  -m, --match MATCH     trace's udev match syntax (KEY==\"glob|glob\", "
	    "KEY!=\"glob\");\n"
	    "                        several are ANDed\n"
	    "  --format FORMAT       kernel (default), udev (the libudev monitor format, for\n"
	    "                        udevadm monitor --udev and sd-device) or both\n"
	    "  --coldplug            first send add for every existing matching device, built\n"
	    "                        from /sys (no uevent file is written: the host sees nothing)\n"
	    "  --force               also forward into a netns owned by the initial user\n"
	    "                        namespace, which gets every kernel uevent already\n"
	    "  --rcvbuf BYTES        receive buffer of the host socket (default 8 MiB)\n"
	    "  -v, --verbose         say more\n"
	    "\n"
	    "One forwarder per target netns (lock files in " FWD_STATE_DIR "). Counters per\n"
	    "target: uevscope report, uevscope export, and " FWD_STATE_DIR "/PID.state.\n"
	    "\n"
	    "EXAMPLES:\n"
	    "  uevscope forward --to 4242\n"
	    "  uevscope forward --to /sys/fs/cgroup/unified/box --coldplug -m "
	    "'SUBSYSTEM==\"block\"'\n"
	    "  uevscope forward --to c1 --format both -m 'ACTION!=\"change\"'\n"
	    "\n"
	    "Exit status: 0 stopped by SIGINT/SIGTERM or no target left, 1 environment (not\n"
	    "root, the target has a forwarder already, no socket), 2 usage (bad option or\n"
	    "match, unknown container, a target refused).\n",
	    f);
}

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int parse_format(const char *s, enum inject_format *fmt)
{
	if (!strcmp(s, "kernel"))
		*fmt = INJECT_KERNEL;
	else if (!strcmp(s, "udev"))
		*fmt = INJECT_UDEV;
	else if (!strcmp(s, "both"))
		*fmt = INJECT_BOTH;
	else
		return -EINVAL;
	return 0;
}

int cmd_forward(int argc, char **argv)
{
	enum {
		OPT_TO = 256,
		OPT_FORMAT,
		OPT_COLDPLUG,
		OPT_FORCE,
		OPT_RCVBUF,
		OPT_READY,
		OPT_POLICY
	};
	static const struct option opts[] = {
	    {"to", required_argument, NULL, OPT_TO},
	    {"match", required_argument, NULL, 'm'},
	    {"format", required_argument, NULL, OPT_FORMAT},
	    {"coldplug", no_argument, NULL, OPT_COLDPLUG},
	    {"force", no_argument, NULL, OPT_FORCE},
	    {"rcvbuf", required_argument, NULL, OPT_RCVBUF},
	    {"ready-fd", required_argument, NULL, OPT_READY},
	    {"from-policy", no_argument, NULL, OPT_POLICY},
	    {"verbose", no_argument, NULL, 'v'},
	    {"help", no_argument, NULL, 'h'},
	    {},
	};
	static struct fwd f;
	char err[512];
	uint64_t v;
	int opt, ret;
	size_t i;

	fwd_init(&f);
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":hvm:", opts, NULL)) != -1) {
		switch (opt) {
		case OPT_TO:
			if (f.nspecs == FWD_MAX_SPECS)
				return cmd_usage_error("forward", "more than %d --to",
						       FWD_MAX_SPECS);
			f.spec_args[f.nspecs++] = optarg;
			break;
		case 'm':
			if (match_list_add(f.ml, optarg, err, sizeof(err)))
				return cmd_usage_error("forward", "bad match expression: %s", err);
			break;
		case OPT_FORMAT:
			if (parse_format(optarg, &f.fmt))
				return cmd_usage_error("forward",
						       "--format is kernel, udev or both, not '%s'",
						       optarg);
			break;
		case OPT_COLDPLUG:
			f.coldplug = true;
			break;
		case OPT_FORCE:
			f.force = true;
			break;
		case OPT_RCVBUF:
			if (!parse_u64(optarg, &v) || !v || v > (1u << 30))
				return cmd_usage_error("forward", "--rcvbuf wants bytes, not '%s'",
						       optarg);
			f.rcvbuf = v;
			break;
		case OPT_READY:
			if (!parse_u64(optarg, &v) || v < 3 || v > 1024)
				return cmd_usage_error("forward",
						       "--ready-fd wants an fd, not '%s'", optarg);
			f.ready_fd = v;
			break;
		case OPT_POLICY:
			f.policy = true;
			break;
		case 'v':
			verbose = true;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			return cmd_getopt_error("forward", opt, argv);
		}
	}
	if (optind != argc)
		return cmd_usage_error("forward", "unexpected argument '%s'", argv[optind]);
	if (!f.nspecs)
		return cmd_usage_error("forward", "say where to: --to CONTAINER");
	for (i = 0; i < f.nspecs; i++) {
		ret = fwd_spec_resolve(f.spec_args[i], &f.specs[i], err, sizeof(err));
		if (ret) {
			uev_err("forward: %s", err);
			return ret == -EACCES || ret == -EPERM ? EXIT_ENV : EXIT_USAGE;
		}
	}
	if (!require_root("forward"))
		return EXIT_ENV;
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	{
		struct sigaction sa = {.sa_handler = on_signal};

		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
	}
	ret = fwd_start(&f);
	if (ret == EXIT_OK)
		ret = fwd_loop(&f, &stop);
	fwd_stop(&f);
	return ret;
}
