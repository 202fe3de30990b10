// SPDX-License-Identifier: GPL-2.0
/* `uevscope policy apply|check FILE`: a whole policy from a file, all or nothing. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include "common.h"
#include "devices/devices.h"
#include "filter_cli.h"
#include "filter_watch.h"
#include "policy_commit.h"
#include "policy_file.h"
#include "subcommands.h"

static void usage(FILE *f)
{
	fputs("usage: uevscope policy check FILE\n"
	      "       uevscope policy apply [--lock] [--replace] [--no-watch] [--strict] FILE\n"
	      "\n"
	      "One rule per line, first match wins, default allow; '#' starts a comment line:\n"
	      "  filter  SCOPE allow|deny MATCH-EXPRESSION...\n"
	      "  devices SCOPE allow|deny c|b|a MAJOR:MINOR|* ACCESS\n"
	      "  forward CONTAINER kernel|udev|both [coldplug] [force] [MATCH-EXPRESSION...]\n"
	      "SCOPE is netns=NS, cgroup=PATH or pid=PID (devices: cgroup= only); the match\n"
	      "expression is the rest of the line, as trace -m takes it. apply replaces the\n"
	      "whole policy at once, device rules included (a file without devices lines\n"
	      "removes every device rule); a file with any bad line changes nothing and is\n"
	      "reported as FILE:LINE: what is wrong (exit 2). --lock and --replace apply to\n"
	      "every filter rule. --strict refuses (exit 1, nothing changed) where a socket\n"
	      "created later could see a uevent before its filter (filter status: best effort).\n"
	      "forward lines start one `uevscope forward` each, in the\n"
	      "background, once the rules are in force; apply stops those of the previous\n"
	      "policy first.\n"
	      "\n"
	      "EXAMPLES:\n"
	      "  uevscope policy check /etc/uevscope/policy\n"
	      "  uevscope policy apply --lock /etc/uevscope/policy\n"
	      "\n"
	      "  # no block device uevents for the box, and no block device nodes either:\n"
	      "  filter  cgroup=/machine.slice/box deny SUBSYSTEM==\"block\"\n"
	      "  devices cgroup=/machine.slice/box deny b * rwm\n",
	      f);
}

/* Parsed twice (check without ids, apply with them): too big for the stack. */
static struct policy pol;
static bool strict;

static int apply(const char *path, unsigned int flags, bool no_watch)
{
	struct filter_state st;
	struct commit c;
	char err[512];
	bool fresh;
	int ret, dlock;

	if (!require_root("policy apply") || !require_btf())
		return EXIT_ENV;
	fresh = !filter_state_exists();
	/* Locks in the one order: policy, filter, devices. */
	if (commit_lock(&c, err, sizeof(err)) || filter_state_open(&st, true, err, sizeof(err))) {
		uev_err("%s", err);
		commit_close(&c);
		return EXIT_ENV;
	}
	dlock = devices_lock(err, sizeof(err));
	if (dlock < 0) {
		uev_err("%s", err);
		filter_state_close(&st);
		commit_close(&c);
		return EXIT_ENV;
	}
	if (strict && filter_strict_check(&st, no_watch, err, sizeof(err))) {
		uev_err("%s", err);
		if (fresh)
			filter_state_unpin(); /* made by this open: nothing stays behind */
		ret = EXIT_ENV;
		goto out;
	}
	/* Ids continue after the previous policy's, never reused while pinned. */
	ret = policy_parse_file(path, &pol, flags, st.cfg.next_id, err, sizeof(err));
	if (ret) {
		uev_err("%s", err);
		ret = EXIT_USAGE;
		goto out;
	}
	printf("%s: %u filter rule(s)", path, pol.filter.nrules);
	if (pol.filter.nrules)
		printf(", ids %u-%u", st.cfg.next_id, st.cfg.next_id + pol.filter.nrules - 1);
	printf("; %zu devices rule(s)%s\n", pol.ndev, pol.ndev ? ", enforced via cgroup/dev" : "");
	/* Filter and device rules as one new generation, in force with one write. */
	ret = filter_install(&c, &st, &pol.filter, pol.dev, pol.ndev, no_watch);
out:
	devices_unlock(dlock);
	filter_state_close(&st);
	commit_close(&c);
	return ret;
}

int cmd_policy(int argc, char **argv)
{
	enum { OPT_LOCK = 256, OPT_REPLACE, OPT_NO_WATCH, OPT_STRICT };
	static const struct option opts[] = {
	    {"lock", no_argument, NULL, OPT_LOCK},
	    {"replace", no_argument, NULL, OPT_REPLACE},
	    {"no-watch", no_argument, NULL, OPT_NO_WATCH},
	    {"strict", no_argument, NULL, OPT_STRICT},
	    {"help", no_argument, NULL, 'h'},
	    {},
	};
	unsigned int flags = 0;
	bool do_apply, no_watch = false;
	char err[512];
	int opt, rc;

	setup_libbpf_logging();
	if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		usage(stdout);
		return EXIT_OK;
	}
	if (argc < 2 || (strcmp(argv[1], "apply") && strcmp(argv[1], "check")))
		return cmd_usage_error("policy", "say check FILE or apply FILE");
	do_apply = !strcmp(argv[1], "apply");
	argc--, argv++;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":hv", opts, NULL)) != -1) {
		switch (opt) {
		case OPT_LOCK:
			flags |= FILTER_RULE_LOCK;
			break;
		case OPT_REPLACE:
			flags |= FILTER_RULE_REPLACE;
			break;
		case OPT_NO_WATCH:
			no_watch = true;
			break;
		case OPT_STRICT:
			strict = true;
			break;
		case 'v':
			verbose = true;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			return cmd_getopt_error("policy", opt, argv);
		}
	}
	if (optind != argc - 1)
		return cmd_usage_error("policy", "give exactly one FILE");
	if (!do_apply && (flags || no_watch || strict))
		return cmd_usage_error("policy",
				       "--lock, --replace, --no-watch and --strict go with apply");
	/* Everything is parsed and compiled before the kernel state is touched. */
	if (policy_parse_file(argv[optind], &pol, flags, 1, err, sizeof(err))) {
		uev_err("%s", err);
		return EXIT_USAGE;
	}
	if (!do_apply) {
		printf("%s: %u filter rule(s), %zu devices rule(s)", argv[optind],
		       pol.filter.nrules, pol.ndev);
		if (pol.nfwd)
			printf(", %zu forward line(s)", pol.nfwd);
		printf(", ok\n");
		return EXIT_OK;
	}
	rc = apply(argv[optind], flags, no_watch);
	/* Forwarders last, once the rules are in force; a file without forward lines stops them. */
	return rc ? rc : fwd_policy_apply(pol.fwd, pol.nfwd);
}
