// SPDX-License-Identifier: GPL-2.0
/*
 * uevscope replay: the uevents of a recording (uevscope record) injected into
 * a network namespace, in order, at the recorded pace (--speed) or as fast as
 * the kernel takes them (--flood): udev rules and libudev consumers in a
 * scratch netns meet a real storm again.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common.h"
#include "idmap.h"
#include "inject.h"
#include "inject/inject_cmd.h"
#include "match.h"
#include "subcommands.h"
#include "trace/trace_record.h"
#include "uevent.h"

static const char replay_usage[] =
    "usage: uevscope replay FILE --netns NS [--speed X | --flood] [OPTIONS]\n"
    "\n"
    "Inject the uevents of a recording (uevscope record -o FILE; '-': stdin) into a\n"
    "network namespace, each once (a uevent delivered to many listeners is recorded\n"
    "once per delivery, and replayed once per SEQNUM), in the recorded order.\n"
    "\n"
    "      --netns NS        target: a /run/netns NAME, /proc/PID/ns/net or a PID\n"
    "      --speed X         X times the recorded pace (default 1)\n"
    "      --flood           no pauses: as fast as the kernel acks them\n"
    "  -F, --format F        kernel (default), udev or both\n"
    "  -m, --match EXPR      only uevents that match (udev syntax, as trace -m)\n"
    "  -h, --help            this help\n"
    "\n"
    "EXAMPLES:\n"
    "  ip netns add scratch; uevscope replay storm.uevrec --netns scratch --flood\n"
    "  uevscope replay storm.uevrec --netns 4242 -F udev --speed 10\n"
    "\n"
    "Prints 'replayed N uevents into netns INODE in S s (K skipped: ...)'.\n"
    "Exit status: 0 done, 1 no permission or the kernel refused one (stops there),\n"
    "2 bad usage or not a recording.\n";

enum { OPT_NETNS = 256, OPT_SPEED, OPT_FLOOD };

static const struct option replay_options[] = {
    {"netns", required_argument, NULL, OPT_NETNS},
    {"speed", required_argument, NULL, OPT_SPEED},
    {"flood", no_argument, NULL, OPT_FLOOD},
    {"format", required_argument, NULL, 'F'},
    {"match", required_argument, NULL, 'm'},
    {"help", no_argument, NULL, 'h'},
    {},
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void sleep_until(uint64_t t)
{
	uint64_t now;

	while (!stop && (now = now_monotonic_ns()) < t) {
		struct timespec ts = {.tv_sec = (t - now) / 1000000000,
				      .tv_nsec = (t - now) % 1000000000};

		nanosleep(&ts, NULL);
	}
}

struct replay {
	enum inject_format fmt;
	double speed; /* 0: flood */
	struct match_list *match;
	struct idmap seen; /* SEQNUMs injected */
	uint64_t first_ts, start, sent, dup, nopayload, noseq, unmatched;
	struct uevent_msg_buf *mb;
	char copy[UEV_PAYLOAD_MAX + 1];
	struct uevent ev;
};

/* 1 sent, 0 skipped, -exit code on failure. */
static int replay_one(struct replay *rp, int sock, const struct uev_record *rec, uint32_t len,
		      const char *ns_arg)
{
	char err[300];

	if (rec->kind != UEV_REC_DELIVERY && rec->kind != UEV_REC_EMISSION)
		return 0;
	if ((rec->flags & (UEV_F_NO_PAYLOAD | UEV_F_TRUNCATED)) ||
	    len < sizeof(*rec) + rec->payload_len || !rec->payload_len ||
	    rec->payload_len > UEV_PAYLOAD_MAX) {
		rp->nopayload++;
		return 0;
	}
	memcpy(rp->copy, rec->payload, rec->payload_len);
	/* libudev monitor messages (udevd's, on group 2) are not uevents of the kernel's. */
	if (uevent_parse(rp->copy, rec->payload_len, &rp->ev) || !rp->ev.has_seqnum ||
	    !rp->ev.seqnum) {
		rp->noseq++;
		return 0;
	}
	if (idmap_get(&rp->seen, rp->ev.seqnum)) {
		rp->dup++;
		return 0;
	}
	idmap_put(&rp->seen, rp->ev.seqnum, (void *)1);
	if (!match_list_eval(rp->match, &rp->ev)) {
		rp->unmatched++;
		return 0;
	}
	if (inject_msg_parse(rec->payload, rec->payload_len, rp->mb, err, sizeof(err))) {
		rp->nopayload++;
		return 0;
	}
	if (!rp->first_ts) {
		rp->first_ts = rec->ts_ns;
		rp->start = now_monotonic_ns();
	} else if (rp->speed > 0) {
		sleep_until(rp->start + (uint64_t)((rec->ts_ns - rp->first_ts) / rp->speed));
	}
	if (inject_msg(sock, &rp->mb->msg, rp->fmt, err, sizeof(err))) {
		uev_err("replay: netns %s: SEQNUM %llu: %s", ns_arg,
			(unsigned long long)rp->ev.seqnum, err);
		return -EXIT_ENV;
	}
	rp->sent++;
	return 1;
}

int cmd_replay(int argc, char **argv)
{
	struct replay rp = {.fmt = INJECT_KERNEL, .speed = 1};
	const char *ns_arg = NULL, *file = NULL, *body;
	struct sigaction sa = {.sa_handler = on_signal};
	struct rec_reader r = {};
	int opt, sock = -1, netns_fd = -1, rc = EXIT_OK, n = 0;
	bool flood = false, speed_set = false;
	char err[512];
	uint16_t type;
	uint32_t len;

	rp.match = match_list_new();
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":F:m:h", replay_options, NULL)) != -1) {
		switch (opt) {
		case OPT_NETNS:
			ns_arg = optarg;
			break;
		case OPT_SPEED:
			if (!parse_seconds(optarg, &rp.speed)) {
				rc = cmd_usage_error(
				    "replay", "--speed wants a positive factor, not '%s'", optarg);
				goto out;
			}
			speed_set = true;
			break;
		case OPT_FLOOD:
			flood = true;
			break;
		case 'F':
			if (inject_parse_format(optarg, &rp.fmt)) {
				rc = cmd_usage_error(
				    "replay", "--format %s: give kernel, udev or both", optarg);
				goto out;
			}
			break;
		case 'm':
			if (match_list_add(rp.match, optarg, err, sizeof(err))) {
				rc = cmd_usage_error("replay", "bad match expression: %s", err);
				goto out;
			}
			break;
		case 'h':
			fputs(replay_usage, stdout);
			goto out;
		default:
			rc = cmd_getopt_error("replay", opt, argv);
			goto out;
		}
	}
	if (optind + 1 != argc) {
		rc = cmd_usage_error("replay", "give one recording FILE");
		goto out;
	}
	file = argv[optind];
	if (!ns_arg) {
		rc = cmd_usage_error("replay", "give the target with --netns NS");
		goto out;
	}
	if (flood && speed_set) {
		rc = cmd_usage_error("replay", "give --speed or --flood, not both");
		goto out;
	}
	if (flood)
		rp.speed = 0;
	if (recr_open(&r, file, err, sizeof(err))) {
		uev_err("replay: %s", err);
		rc = EXIT_USAGE;
		goto out;
	}
	sock = inject_open_socket("replay", ns_arg, &netns_fd);
	if (sock < 0) {
		rc = -sock;
		goto out;
	}
	rp.mb = calloc(1, sizeof(*rp.mb));
	if (!rp.mb)
		abort();
	idmap_init(&rp.seen);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	while (!stop && (n = recr_next(&r, &type, &body, &len)) > 0) {
		int s;

		if (type != UEVREC_EVENT)
			continue;
		s = replay_one(&rp, sock, (const struct uev_record *)body, len, ns_arg);
		if (s < 0) {
			rc = -s;
			break;
		}
	}
	if (n < 0) {
		uev_err("replay: %s is cut or corrupt at byte %zu; replayed what came before", file,
			r.off);
		rc = EXIT_USAGE;
	}
	printf("replayed %llu uevents into netns %u in %.3f s (skipped: %llu repeated SEQNUM, "
	       "%llu not matching, %llu without payload, %llu without SEQNUM)\n",
	       (unsigned long long)rp.sent, inject_fd_ino(netns_fd),
	       rp.sent ? (now_monotonic_ns() - rp.start) / 1e9 : 0.0, (unsigned long long)rp.dup,
	       (unsigned long long)rp.unmatched, (unsigned long long)rp.nopayload,
	       (unsigned long long)rp.noseq);
	idmap_free(&rp.seen, NULL);
out:
	if (sock >= 0)
		close(sock);
	if (netns_fd >= 0)
		close(netns_fd);
	free(rp.mb);
	recr_close(&r);
	match_list_free(rp.match);
	return rc;
}
