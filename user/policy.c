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
	      "SCOPE is netns=NS, cgroup=PATH or pid=PID (devices: cgroup= only); the match\n"
	      "expression is the rest of the line, as trace -m takes it. apply replaces the\n"
	      "whole policy at once; a file with any bad line changes nothing and is reported\n"
	      "as FILE:LINE: what is wrong (exit 2). --lock and --replace apply to every rule.\n"
	      "\n"
	      "EXAMPLES:\n"
	      "  uevscope policy check /etc/uevscope/policy\n"
	      "  uevscope policy apply --lock /etc/uevscope/policy\n",
	      f);
}

int cmd_policy(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"lock", no_argument, NULL, 'L'},
	    {"replace", no_argument, NULL, 'R'},
	    {"no-watch", no_argument, NULL, 'W'},
	    {"help", no_argument, NULL, 'h'},
	    {},
	};
	struct filter_state st;
	struct filter_set set;
	unsigned int flags = 0;
	bool apply, no_watch = false;
	char err[512];
	int opt, ret;

	setup_libbpf_logging();
	if (argc < 2 || (strcmp(argv[1], "apply") && strcmp(argv[1], "check"))) {
		if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
			usage(stdout);
			return EXIT_OK;
		}
		usage(stderr);
		return EXIT_USAGE;
	}
	apply = !strcmp(argv[1], "apply");
	argc--, argv++;
	while ((opt = getopt_long(argc, argv, "hv", opts, NULL)) != -1) {
		switch (opt) {
		case 'L':
			flags |= FILTER_RULE_LOCK;
			break;
		case 'R':
			flags |= FILTER_RULE_REPLACE;
			break;
		case 'W':
			no_watch = true;
			break;
		case 'v':
			verbose = true;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc - 1 || (!apply && (flags || no_watch))) {
		usage(stderr);
		return EXIT_USAGE;
	}
	/* Everything is parsed and compiled before the kernel state is touched. */
	ret = policy_parse_file(argv[optind], &set, flags, 1, err, sizeof(err));
	if (ret) {
		uev_err("%s", err);
		return EXIT_USAGE;
	}
	if (!apply) {
		printf("%s: %u filter rule(s), ok\n", argv[optind], set.nrules);
		return EXIT_OK;
	}
	if (!require_root("policy apply") || !require_btf())
		return EXIT_ENV;
	if (filter_state_open(&st, true, err, sizeof(err))) {
		uev_err("%s", err);
		return EXIT_ENV;
	}
	/* Ids continue after the previous policy's, never reused while pinned. */
	ret = policy_parse_file(argv[optind], &set, flags, st.cfg.next_id, err, sizeof(err));
	if (ret) {
		uev_err("%s", err);
		filter_state_close(&st);
		return EXIT_USAGE;
	}
	printf("%s: %u filter rule(s), ids %u-%u\n", argv[optind], set.nrules, st.cfg.next_id,
	       st.cfg.next_id + set.nrules - 1);
	ret = filter_install(&st, &set, no_watch);
	filter_state_close(&st);
	return ret;
}
