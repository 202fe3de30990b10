// SPDX-License-Identifier: GPL-2.0
/*
 * uevscope locks: lock contention seen from lock:contention_begin/end,
 * aggregated in the kernel, reported per lock and per call path beside the
 * uevent rate and network namespace churn of the same interval. The global
 * uevent_sock_mutex is recognised by the stacks that wait for it; from then
 * on the kernel side counts that lock only.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <linux/types.h>
#include <bpf/libbpf.h>

#include "common.h"
#include "locks_attach.h"
#include "locks_report.h"
#include "strbuf.h"
#include "subcommands.h"

#define POLL_NS	 (100 * 1000000ull)
#define IDENT_NS (250 * 1000000ull) /* how often stacks are read until the lock is known */

static volatile sig_atomic_t exiting;

static void on_signal(int sig)
{
	(void)sig;
	exiting = 1;
}

static const char locks_usage[] =
    "usage: uevscope locks [OPTIONS] [INTERVAL [COUNT]]\n"
    "\n"
    "Time lock contention in the kernel (lock:contention_begin/end) and report, per\n"
    "lock and per kernel call path: contentions, total, max and mean wait, a log2\n"
    "wait histogram, the top stacks and the contending tasks by name and cgroup;\n"
    "beside them the uevent rate and network namespaces created and destroyed in the\n"
    "same span. Contention on the uevent paths (kobject_uevent_env, uevent_net_init,\n"
    "uevent_net_exit, ...) is marked; the global uevent_sock_mutex is recognised by\n"
    "its waiters' stacks, and from then on only that lock is counted in the kernel.\n"
    "Without INTERVAL one report covers the whole run (until -d or Ctrl-C).\n"
    "\n"
    "  -d, --duration SECS   stop after SECS seconds\n"
    "  -j, --json            one JSON object per report\n"
    "  -a, --all-locks       keep counting every lock once uevent_sock_mutex is known\n"
    "      --no-churn        do not count netns churn (saves its slab tracepoints,\n"
    "                        about 60 ns per slab allocation and free)\n"
    "      --top N           locks, call paths and tasks shown per report (default 5)\n"
    "      --tier NAME       force a tier, once per job: contention (tp_btf/ or\n"
    "                        raw_tp/contention_begin), broadcast (fexit/ or\n"
    "                        kprobe/netlink_broadcast)\n"
    "      --events FILE     also write every timed contention and broadcast walk to\n"
    "                        FILE, one line each, CLOCK_MONOTONIC ns (docs/locks.md)\n"
    "      --stack-map-entries N  (tests) a stack map of N entries: captures that\n"
    "                        do not fit fail and are counted (stack_capture_failed)\n"
    "  -v, --verbose         which attach tiers were refused and why; libbpf logs\n"
    "  -h, --help            this help\n"
    "\n"
    "EXAMPLES:\n"
    "  uevscope locks -d 10           # ten seconds, one report\n"
    "  uevscope locks 1 5             # five one-second reports\n"
    "  uevscope locks -a -j -d 5      # every lock, as JSON\n"
    "  uevscope locks -d 5 --events ev.txt   # and each event, to match with perf\n"
    "\n"
    "Exit status: 0 done (also on SIGINT/SIGTERM), 1 environment (not root, no BPF),\n"
    "2 bad usage.\n";

enum { OPT_TOP = 256, OPT_TIER, OPT_NO_CHURN, OPT_EVENTS, OPT_STACK_ENTRIES };

static const struct option locks_options[] = {
    {"duration", required_argument, NULL, 'd'},
    {"json", no_argument, NULL, 'j'},
    {"all-locks", no_argument, NULL, 'a'},
    {"top", required_argument, NULL, OPT_TOP},
    {"tier", required_argument, NULL, OPT_TIER},
    {"no-churn", no_argument, NULL, OPT_NO_CHURN},
    {"events", required_argument, NULL, OPT_EVENTS},
    {"stack-map-entries", required_argument, NULL, OPT_STACK_ENTRIES},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {},
};

/* Returns -1 to go on, or the exit code. */
static int parse_args(int argc, char **argv, struct lk_args *a)
{
	uint64_t v;
	int opt;

	a->top = 5;
	a->walks = true;
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":d:jahv", locks_options, NULL)) != -1) {
		switch (opt) {
		case 'd':
			if (!parse_seconds(optarg, &a->duration))
				return cmd_usage_error(
				    "locks", "-d wants a positive number of seconds, not '%s'",
				    optarg);
			break;
		case 'j':
			a->json = true;
			break;
		case 'a':
			a->all_locks = true;
			break;
		case OPT_TOP:
			if (!parse_u64(optarg, &v) || !v || v > 1000)
				return cmd_usage_error(
				    "locks", "--top wants a count from 1 to 1000, not '%s'",
				    optarg);
			a->top = (size_t)v;
			break;
		case OPT_TIER:
			switch (locks_tier_kind(optarg)) {
			case LOCKS_TIER_CONTENTION:
				a->tier = optarg;
				break;
			case LOCKS_TIER_BROADCAST:
				a->bcast_tier = optarg;
				break;
			default:
				fprintf(stderr,
					"uevscope: locks: unknown tier '%s'; the tiers are: "
					"tp_btf/contention_begin, raw_tp/contention_begin "
					"(contention); "
					"fexit/netlink_broadcast, kprobe/netlink_broadcast "
					"(broadcast)\n",
					optarg);
				return EXIT_USAGE;
			}
			break;
		case OPT_NO_CHURN:
			a->no_churn = true;
			break;
		case OPT_EVENTS:
			if (!*optarg)
				return cmd_usage_error("locks", "--events wants a file name");
			a->events = optarg;
			break;
		case OPT_STACK_ENTRIES:
			if (!parse_u64(optarg, &v) || !v || v > LOCKS_MAX_STACKS)
				return cmd_usage_error(
				    "locks",
				    "--stack-map-entries wants a count from 1 to %d, not '%s'",
				    LOCKS_MAX_STACKS, optarg);
			a->stack_entries = (uint32_t)v;
			break;
		case 'v':
			verbose = true;
			break;
		case 'h':
			fputs(locks_usage, stdout);
			return EXIT_OK;
		default: /* ':' or '?' */
			return cmd_getopt_error("locks", opt, argv);
		}
	}
	if (optind < argc && !parse_seconds(argv[optind++], &a->interval))
		return cmd_usage_error("locks",
				       "INTERVAL wants a positive number of seconds, not '%s'",
				       argv[optind - 1]);
	if (optind < argc && (!parse_u64(argv[optind++], &a->count) || !a->count))
		return cmd_usage_error("locks", "COUNT wants a positive number, not '%s'",
				       argv[optind - 1]);
	if (optind < argc)
		return cmd_usage_error("locks", "unexpected argument '%s'", argv[optind]);
	return -1;
}

static void say_setup(const struct locks_attached *la, bool seqnum_ok)
{
	if (strstr(la->tier, "contention_begin"))
		fprintf(stderr, "uevscope: locks: timing lock contention via %s+contention_end\n",
			la->tier);
	else
		fprintf(stderr,
			"uevscope: locks: timing lock contention via %s+its return (mutexes only: "
			"this kernel has no contention tracepoints, 5.19+)\n",
			la->tier);
	if (la->churn)
		fputs("uevscope: locks: netns churn counted via tp_btf/kmem_cache_alloc+"
		      "kmem_cache_free: every struct net allocated and freed (kernels with "
		      "net_complete_free() free it at the next netns teardown)\n",
		      stderr);
	else
		fprintf(stderr, "uevscope: locks: netns churn not counted (%s)\n", la->churn_why);
	if (!seqnum_ok)
		fputs("uevscope: locks: /sys/kernel/uevent_seqnum unreadable: no uevent rate\n",
		      stderr);
	if (la->walk_tier)
		fprintf(stderr,
			"uevscope: locks: timing each broadcast walk via %s (first to last "
			"delivery of one uevent by its sender)\n",
			la->walk_tier);
	else
		fprintf(stderr, "uevscope: locks: broadcast walks not timed%s%s\n",
			verbose ? ": " : "; -v says why", verbose ? la->walk_why : "");
	if (la->bcast_tier)
		fprintf(stderr, "uevscope: locks: timing each uevent broadcast via %s\n",
			la->bcast_tier);
	else
		fprintf(stderr,
			"uevscope: locks: broadcast timing unavailable on this kernel "
			"(needs fentry or kprobes on netlink_broadcast)%s%s\n",
			verbose ? ": " : "; -v says why", verbose ? la->bcast_why : "");
}

struct lk_events {
	struct lk_run *run;
	FILE *f;
	bool failed;
};

static int on_event(void *ctx, void *data, size_t size)
{
	struct lk_events *ev = ctx;
	struct locks_event e;

	if (size < sizeof(e))
		return 0;
	memcpy(&e, data, sizeof(e)); /* ring buffer pages are read-only: copy out */
	if (!e.gen) /* before the start mark: in no report, so not in the file either */
		return 0;
	if (lk_event_line(ev->run, ev->f, &e) < 0)
		ev->failed = true;
	return 0;
}

int cmd_locks(int argc, char **argv)
{
	struct lk_events ev = {};
	struct ring_buffer *rb = NULL;
	struct lk_args args = {};
	struct lk_run run = {};
	struct strbuf out;
	uint64_t start, next_report, next_ident = 0, end = 0;
	int rc;

	rc = parse_args(argc, argv, &args);
	if (rc >= 0)
		return rc;
	if (!require_root("locks") || !require_btf())
		return EXIT_ENV;
	if (args.events && !(ev.f = fopen(args.events, "w"))) {
		uev_err("locks: cannot write %s (%s); give a writable --events file", args.events,
			strerror(errno));
		return EXIT_ENV;
	}
	/*
	 * Before the first word: whoever reads "timing lock contention" may stop us
	 * at once, and a background job of a shell starts with SIGINT ignored, so a
	 * SIGINT before the handler was lost and the run never ended (6.1 VM, CI).
	 * A stop during the attach is seen by the loop, which then does not run.
	 */
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	rc = lk_run_open(&run, &args);
	if (rc) {
		if (ev.f)
			fclose(ev.f);
		return rc;
	}
	ev.run = &run;
	if (ev.f) {
		rb = ring_buffer__new(locks_events_fd(&run.la), on_event, &ev, NULL);
		if (!rb) {
			uev_err("locks: cannot read the event ring buffer (%s)", strerror(errno));
			fclose(ev.f);
			lk_run_free(&run);
			locks_detach(&run.la);
			lk_names_free(&run.names);
			return EXIT_ENV;
		}
	}
	say_setup(&run.la, run.seqnum_ok);
	sb_init(&out, 64 << 10);
	start = run.start_ns;
	if (args.duration > 0)
		end = start + (uint64_t)(args.duration * 1e9);
	next_report = args.interval > 0 ? start + (uint64_t)(args.interval * 1e9) : 0;
	while (!exiting) {
		uint64_t now = now_monotonic_ns(), wake = now + POLL_NS;
		struct timespec ts;

		if (!run.filter_lock && now >= next_ident) {
			lk_run_identify(&run);
			next_ident = now + IDENT_NS;
		}
		if (next_report && now >= next_report) {
			lk_run_report(&run, &out, false);
			next_report += (uint64_t)(args.interval * 1e9);
			if (args.count && run.reports >= args.count)
				break;
		}
		if (end && now >= end)
			break;
		if (next_report && next_report < wake)
			wake = next_report;
		if (end && end < wake)
			wake = end;
		ts.tv_sec = (time_t)((wake - now) / 1000000000ull);
		ts.tv_nsec = (long)((wake - now) % 1000000000ull);
		if (rb)
			ring_buffer__poll(rb, (int)((wake - now) / 1000000ull) + 1);
		else
			nanosleep(&ts, NULL);
		if (out.len && fwrite(out.buf, 1, out.len, stdout) != out.len)
			exiting = 1;
		fflush(stdout);
		sb_reset(&out);
	}
	/*
	 * The span since the last report, or the whole run when there were no
	 * intervals, read once the programs are detached.
	 */
	locks_stop(&run.la);
	if (rb) {
		ring_buffer__consume(rb); /* what the programs wrote before they stopped */
		ring_buffer__free(rb);
		if (fclose(ev.f) || ev.failed)
			uev_err("locks: writing %s failed (%s); events are missing from it",
				args.events, strerror(errno));
	}
	if (!args.interval || (!(args.count && run.reports >= args.count) &&
			       now_monotonic_ns() - run.last_report_ns > POLL_NS))
		lk_run_report(&run, &out, !args.interval);
	if (out.len)
		fwrite(out.buf, 1, out.len, stdout);
	fflush(stdout);
	sb_free(&out);
	lk_run_free(&run);
	locks_detach(&run.la);
	lk_names_free(&run.names);
	return EXIT_OK;
}
