// SPDX-License-Identifier: GPL-2.0
/* `uevscope filter add|del|list|flush|status|watch`. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "common.h"
#include "devices/devices.h"
#include "fault.h"
#include "filter_attach.h"
#include "filter_cli.h"
#include "filter_watch.h"
#include "policy_commit.h"
#include "strbuf.h"
#include "subcommands.h"

static void usage(FILE *f)
{
	fputs(
	    "usage: uevscope filter add (--netns NS|--cgroup PATH|--pid PID) [--lock] [--replace]\n"
	    "                           [--no-watch] [--strict] [--tier TIER]...\n"
	    "                           [MATCH...] allow|deny\n"
	    "       uevscope filter del ID\n"
	    "       uevscope filter list [-j]\n"
	    "       uevscope filter status [-j] [INTERVAL [COUNT]]\n"
	    "       uevscope filter flush\n"
	    "       uevscope filter watch [-v]\n"
	    "\n"
	    "Decides which uevents reach the listeners in a scope. Rules are evaluated in the\n"
	    "order they were added, first match wins, default allow. MATCH is trace -m syntax\n"
	    "(several are ANDed; none matches every uevent); the kernel side takes literal,\n"
	    "PREFIX*, *SUFFIX and * patterns. The policy is pinned under " FILTER_PIN_DIR "\n"
	    "and stays in force after uevscope exits.\n"
	    "\n"
	    "  --netns NS     inode, /proc/PID/ns/net, /run/netns/NAME or NAME\n"
	    "  --cgroup PATH  sockets of processes in this cgroup v2 or below\n"
	    "  --pid PID      sockets this process holds\n"
	    "  --lock         SO_LOCK_FILTER: the holder cannot detach the filter\n"
	    "  --replace      replace a socket's own filter (refused and reported otherwise)\n"
	    "  --tier TIER    when this rule makes the policy, force its hook\n"
	    "                 (lsm/socket_sock_rcv_skb, socket_filter/netlink_uevent)\n"
	    "                 or evaluator (eval/bpf_loop, eval/bounded), once each\n"
	    "  --no-watch     do not start the watcher that covers sockets created later\n"
	    "  --strict       refuse (exit 1, nothing changed) where a new socket could see a\n"
	    "                 uevent before its filter (see 'filter status': best effort)\n"
	    "\n"
	    "EXAMPLES:\n"
	    "  uevscope filter add --netns c1 'SUBSYSTEM==\"block\"' deny\n"
	    "  uevscope filter add --cgroup /system.slice/box.service --lock deny\n"
	    "  uevscope filter status            # rules, counters, sockets enforced on\n"
	    "  uevscope filter status -j 1 10    # every second, ten times, as JSON\n"
	    "  uevscope filter del 2; uevscope filter flush\n"
	    "\n"
	    "Exit status: 0 success, 1 environment, 2 usage or a rule that does not compile.\n",
	    f);
}

/*
 * del and flush: set as the new generation, device rules unchanged, flipped in one write;
 * stats of the rules that went are removed. With keep (flush, which has pins to remove),
 * c stays locked in its cleanup state until the caller's commit_end(). 0 or -errno + err.
 */
static int commit_change(struct commit *c, struct filter_state *st, const struct filter_set *set,
			 bool keep, char *err, size_t errlen)
{
	struct filter_set old;
	struct dev_txn dt = {};
	int ret;

	filter_state_read_set(st, &old);
	ret = commit_begin(c, err, errlen);
	if (!ret)
		ret = devices_prepare(&dt, NULL, 0, c->next, err, errlen);
	if (!ret)
		ret = filter_state_write(st, set, c->next, err, errlen);
	if (!ret)
		ret = commit_flip(c, err, errlen);
	if (ret) {
		devices_abort(&dt);
		filter_repair();
		commit_end(c);
		return ret;
	}
	fault_point("cleanup");
	filter_state_committed(st, &old, set);
	devices_finish(&dt);
	if (!keep)
		commit_end(c);
	return 0;
}

int filter_install(struct commit *c, struct filter_state *st, const struct filter_set *set,
		   const struct dev_rule *dev, size_t ndev, bool no_watch)
{
	struct attach_report rep = {};
	struct filter_set old;
	struct dev_txn dt = {};
	char err[512];
	pid_t w = 0;
	int ret;

	filter_state_read_set(st, &old);
	ret = commit_begin(c, err, sizeof(err));
	if (!ret)
		ret = devices_prepare(&dt, dev, ndev, c->next, err, sizeof(err));
	if (!ret)
		ret = filter_state_write(st, set, c->next, err, sizeof(err));
	/* Sockets in the new scopes get the program now: it runs the rules in force. */
	if (!ret && (fault_point("filter-attach") || filter_attach_scan(st, set, &rep) < 0)) {
		snprintf(err, sizeof(err),
			 "cannot attach the socket filter to the sockets in scope");
		ret = -EIO;
	}
	if (!ret)
		ret = commit_flip(c, err, sizeof(err));
	if (ret) {
		uev_err("%s; nothing changed", err);
		devices_abort(&dt);
		filter_repair();
		commit_end(c);
		return EXIT_ENV;
	}
	fault_point("cleanup");
	filter_state_committed(st, &old, set);
	devices_finish(&dt);
	commit_end(c);
	if (!no_watch) {
		struct filter_watch_stats before = {}, now;
		int i;

		/*
		 * A watcher holds new sockets in the rules' scopes once it has taken them: a
		 * running one is told, a new one takes them first thing. Wait for that (it
		 * needs the policy lock) so that a socket made after we return is held.
		 */
		filter_state_watch_get(st, &before);
		w = filter_watch_spawn();
		filter_watch_rescan();
		filter_state_unlock(st);
		for (i = 0; w > 1 && i < 500; i++) {
			if (!filter_state_watch_get(st, &now) && (pid_t)now.pid == w &&
			    (now.pid != before.pid || now.scans != before.scans))
				break;
			usleep(10000);
		}
	}
	if (st->tier == FILTER_TIER_LSM)
		printf("enforced by %s on every uevent socket", st->tier_name);
	else
		printf("enforced by %s on %u new and %u already covered socket(s)", st->tier_name,
		       rep.attached, rep.already);
	if (rep.foreign)
		printf(", %u left alone (own filter, see --replace)", rep.foreign);
	if (rep.replaced)
		printf(", %u own filter(s) replaced", rep.replaced);
	if (rep.failed)
		printf(", %u failed", rep.failed);
	if (w > 0)
		printf("; watcher pid %d\n", (int)w);
	else
		printf("; no watcher: sockets created from now on are not covered\n");
	return rep.failed ? EXIT_ENV : EXIT_OK;
}

static int filter_add(int argc, char **argv)
{
	/* Long-only options take values >= 256, so getopt errors name them as typed. */
	enum {
		OPT_NETNS = 256,
		OPT_CGROUP,
		OPT_PID,
		OPT_LOCK,
		OPT_REPLACE,
		OPT_NO_WATCH,
		OPT_STRICT,
		OPT_TIER
	};
	static const struct option opts[] = {
	    {"netns", required_argument, NULL, OPT_NETNS},
	    {"cgroup", required_argument, NULL, OPT_CGROUP},
	    {"pid", required_argument, NULL, OPT_PID},
	    {"lock", no_argument, NULL, OPT_LOCK},
	    {"replace", no_argument, NULL, OPT_REPLACE},
	    {"no-watch", no_argument, NULL, OPT_NO_WATCH},
	    {"strict", no_argument, NULL, OPT_STRICT},
	    {"tier", required_argument, NULL, OPT_TIER},
	    {"help", no_argument, NULL, 'h'},
	    {},
	};
	struct filter_set set, probe = {};
	struct filter_state st;
	struct filter_rule r;
	struct commit c;
	struct strbuf expr;
	const char *arg = NULL;
	unsigned int flags = 0;
	bool no_watch = false, strict = false, fresh;
	int scope = 0, opt, i, ret;
	char err[256];

	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":hv", opts, NULL)) != -1) {
		switch (opt) {
		case OPT_NETNS:
		case OPT_CGROUP:
		case OPT_PID:
			if (scope) {
				return cmd_usage_error(
				    "filter", "give one scope: --netns, --cgroup or --pid");
			}
			scope = opt == OPT_NETNS    ? FILTER_SCOPE_NETNS
				: opt == OPT_CGROUP ? FILTER_SCOPE_CGROUP
						    : FILTER_SCOPE_PID;
			arg = optarg;
			break;
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
		case OPT_TIER:
			/* Tests force each fallback where the kernel has the first choice too. */
			ret = filter_state_force_tier(optarg);
			if (ret == -EEXIST)
				return cmd_usage_error(
				    "filter", "--tier %s: that job's tier is forced already",
				    optarg);
			if (ret)
				return cmd_usage_error("filter",
						       "--tier %s: use lsm/socket_sock_rcv_skb, "
						       "socket_filter/netlink_uevent, "
						       "eval/bpf_loop or eval/bounded",
						       optarg);
			break;
		case 'v':
			verbose = true;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			return cmd_getopt_error("filter", opt, argv);
		}
	}
	if (!scope) {
		return cmd_usage_error(
		    "filter", "a rule needs a scope: --netns NS, --cgroup PATH or --pid PID");
	}
	if (optind >= argc) {
		return cmd_usage_error("filter", "a rule ends with its action: allow or deny");
	}
	sb_init(&expr, 256);
	for (i = optind; i < argc - 1; i++) {
		if (i > optind)
			sb_puts(&expr, ", ");
		sb_puts(&expr, argv[i]);
	}
	/* Compile once against an empty set: a bad rule fails before anything is touched. */
	ret = filter_rule_make(&probe, &r, scope, arg, argv[argc - 1], expr.buf, flags, err,
			       sizeof(err));
	if (ret) {
		sb_free(&expr);
		return cmd_usage_error("filter", "%s", err);
	}
	if (!require_root("filter add") || !require_btf()) {
		sb_free(&expr);
		return EXIT_ENV;
	}
	fresh = !filter_state_exists();
	if (commit_lock(&c, err, sizeof(err)) || filter_state_open(&st, true, err, sizeof(err))) {
		uev_err("%s", err);
		commit_close(&c);
		sb_free(&expr);
		return EXIT_ENV;
	}
	filter_state_read_set(&st, &set);
	if (strict && filter_strict_check(&st, no_watch, err, sizeof(err))) {
		uev_err("%s", err);
		if (fresh)
			filter_state_unpin(); /* made by this open: nothing stays behind */
		filter_state_close(&st);
		commit_close(&c);
		sb_free(&expr);
		return EXIT_ENV;
	}
	ret = filter_rule_make(&set, &r, scope, arg, argv[argc - 1], expr.buf, flags, err,
			       sizeof(err));
	sb_free(&expr);
	if (!ret) {
		r.id = st.cfg.next_id;
		ret = filter_set_append(&set, &r, err, sizeof(err));
	}
	if (ret) {
		uev_err("%s", err);
		filter_state_close(&st);
		commit_close(&c);
		return EXIT_USAGE;
	}
	printf("rule %u: %s\n", r.id, r.text);
	ret = filter_install(&c, &st, &set, NULL, 0, no_watch);
	filter_state_close(&st);
	return ret;
}

static int filter_del(int argc, char **argv)
{
	struct filter_state st;
	struct filter_set set;
	struct commit c;
	uint64_t id;
	char err[256];
	int ret;

	if (argc != 2 || !parse_u64(argv[1], &id) || !id || id > UINT32_MAX) {
		return cmd_usage_error("filter",
				       "del takes one rule ID (see 'uevscope filter list')");
	}
	if (!require_root("filter del"))
		return EXIT_ENV;
	if (commit_lock(&c, err, sizeof(err)) || filter_state_open(&st, false, err, sizeof(err))) {
		uev_err("%s", err);
		commit_close(&c);
		return EXIT_ENV;
	}
	filter_state_read_set(&st, &set);
	if (filter_set_remove(&set, id)) {
		uev_err("no rule %llu (see 'uevscope filter list')", (unsigned long long)id);
		filter_state_close(&st);
		commit_close(&c);
		return EXIT_USAGE;
	}
	ret = commit_change(&c, &st, &set, false, err, sizeof(err));
	if (ret)
		uev_err("%s; nothing changed", err);
	else
		printf("rule %llu deleted, %u left\n", (unsigned long long)id, set.nrules);
	filter_state_close(&st);
	return ret ? EXIT_ENV : EXIT_OK;
}

static int filter_flush(int argc, char **argv)
{
	unsigned int detached = 0, locked = 0;
	struct filter_state st;
	struct filter_set empty;
	struct commit c;
	char err[512];
	int ret;

	if (argc == 2 && !strcmp(argv[1], "-v"))
		verbose = true;
	else if (argc != 1) {
		return cmd_usage_error("filter", "flush takes no argument but -v");
	}
	if (!require_root("filter flush"))
		return EXIT_ENV;
	filter_watch_stop();
	if (commit_lock(&c, err, sizeof(err))) {
		uev_err("%s", err);
		return EXIT_ENV;
	}
	if (!filter_state_exists()) {
		commit_unpin_if_unused(); /* a first change killed early may have left ucommit */
		commit_close(&c);
		printf("no filter policy loaded\n");
		return EXIT_OK;
	}
	if (filter_state_open(&st, false, err, sizeof(err))) {
		uev_err("%s", err);
		commit_close(&c);
		return EXIT_ENV;
	}
	/* Empty first: a locked socket keeps the program, and with it these maps. */
	memset(&empty, 0, sizeof(empty));
	ret = commit_change(&c, &st, &empty, true, err, sizeof(err));
	if (ret) {
		uev_err("%s; nothing changed", err);
		filter_state_close(&st);
		return EXIT_ENV;
	}
	/*
	 * The rules are gone (committed). Empty the other generation too: what outlives the pins
	 * (locked sockets, an LSM link the kernel releases later) must hold no rule that a later
	 * flip of ucommit by the device rules could bring back into force.
	 */
	if (filter_state_empty(&st, err, sizeof(err))) {
		/* No rule is in force; the pins stay, so that the next flush can finish. */
		uev_err("%s; the rules are gone, the empty policy stays loaded: run flush again",
			err);
		filter_state_close(&st);
		commit_end(&c);
		return EXIT_ENV;
	}
	filter_detach_all(&st, &detached, &locked);
	fault_point("unpin");
	filter_state_unpin();
	filter_state_close(&st);
	commit_end(&c);
	printf("filter policy removed: detached from %u socket(s)", detached);
	if (locked)
		printf("; %u locked socket(s) keep the (now rule-less) program until they close",
		       locked);
	printf("\n");
	return EXIT_OK;
}

int cmd_filter(int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : NULL;

	setup_libbpf_logging();
	if (!sub)
		return cmd_usage_error("filter", "say add, del, list, status, flush or watch");
	if (!strcmp(sub, "-h") || !strcmp(sub, "--help")) {
		usage(stdout);
		return EXIT_OK;
	}
	if (!strcmp(sub, "add"))
		return filter_add(argc - 1, argv + 1);
	if (!strcmp(sub, "del"))
		return filter_del(argc - 1, argv + 1);
	if (!strcmp(sub, "list"))
		return filter_list(argc - 1, argv + 1);
	if (!strcmp(sub, "status"))
		return filter_status(argc - 1, argv + 1);
	if (!strcmp(sub, "flush"))
		return filter_flush(argc - 1, argv + 1);
	if (!strcmp(sub, "watch"))
		return filter_watch_main(argc - 1, argv + 1);
	return cmd_usage_error("filter", "unknown command '%s'", sub);
}
