// SPDX-License-Identifier: GPL-2.0
/* `uevscope policy apply|check FILE`: a whole policy from a file, all or nothing. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include "common.h"
#include "filter_cli.h"
#include "policy_file.h"
#include "subcommands.h"

static void usage(FILE *f)
{
	fputs("usage: uevscope policy check FILE\n"
	      "       uevscope policy apply [--lock] [--replace] [--no-watch] FILE\n"
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
	      "every filter rule. forward lines start one `uevscope forward` each, in the\n"
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

static int apply(const char *path, unsigned int flags, bool no_watch)
{
	struct filter_state st;
	char err[512];
	int ret;

	if (!require_root("policy apply") || !require_btf())
		return EXIT_ENV;
	if (filter_state_open(&st, true, err, sizeof(err))) {
		uev_err("%s", err);
		return EXIT_ENV;
	}
	/* Ids continue after the previous policy's, never reused while pinned. */
	ret = policy_parse_file(path, &pol, flags, st.cfg.next_id, err, sizeof(err));
	if (ret) {
		uev_err("%s", err);
		filter_state_close(&st);
		return EXIT_USAGE;
	}
	/* Devices first: it replaces all or nothing, and the filter's commit hardly fails. */
	if (devices_replace(pol.dev, pol.ndev, err, sizeof(err))) {
		uev_err("devices rules not applied, nothing changed: %s", err);
		filter_state_close(&st);
		return EXIT_ENV;
	}
	printf("%s: %u filter rule(s)", path, pol.filter.nrules);
	if (pol.filter.nrules)
		printf(", ids %u-%u", st.cfg.next_id, st.cfg.next_id + pol.filter.nrules - 1);
	printf("; %zu devices rule(s)%s\n", pol.ndev, pol.ndev ? ", enforced via cgroup/dev" : "");
	ret = filter_install(&st, &pol.filter, no_watch);
	filter_state_close(&st);
	return ret;
}

int cmd_policy(int argc, char **argv)
{
	enum { OPT_LOCK = 256, OPT_REPLACE, OPT_NO_WATCH };
	static const struct option opts[] = {
	    {"lock", no_argument, NULL, OPT_LOCK},
	    {"replace", no_argument, NULL, OPT_REPLACE},
	    {"no-watch", no_argument, NULL, OPT_NO_WATCH},
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
	if (!do_apply && (flags || no_watch))
		return cmd_usage_error("policy", "--lock, --replace and --no-watch go with apply");
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
