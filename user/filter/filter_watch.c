// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <bpf/libbpf.h>
#include "attach.h"
#include "common.h"
#include "filter_attach.h"
#include "filter_watch.h"
#include "filter_watch.skel.h"
#include "probe.h"

/* Full rescans catch what the notices cannot: rule changes, fd passing, a full ring buffer. */
#define RESCAN_MS 1000

struct new_sock {
	__u32 tgid;
	__u32 fd;
	__u64 ts_ns;
};

static volatile sig_atomic_t stop_req;

static void on_stop(int sig)
{
	(void)sig;
	stop_req = 1;
}

pid_t filter_watch_running(void)
{
	int fd = open(FILTER_WATCH_LOCK, O_RDONLY | O_CLOEXEC);
	char buf[32] = "";
	pid_t pid = 0;

	if (fd < 0)
		return 0;
	if (flock(fd, LOCK_SH | LOCK_NB) && errno == EWOULDBLOCK) {
		if (read(fd, buf, sizeof(buf) - 1) > 0)
			pid = atoi(buf);
		if (pid <= 0)
			pid = 1; /* running, pid not written yet */
	}
	close(fd);
	return pid;
}

/*
 * The watcher's pid once it has written it: between the watcher's flock() and
 * that write the lock reads as "running, pid 1", and a caller that signalled
 * or printed that pid would mean init. Waits up to 3 s; 0 when none runs.
 */
static pid_t watch_pid_settled(void)
{
	pid_t pid = filter_watch_running();
	int i;

	for (i = 0; i < 300 && pid == 1; i++) {
		usleep(10000);
		pid = filter_watch_running();
	}
	return pid;
}

pid_t filter_watch_spawn(void)
{
	pid_t pid = watch_pid_settled(), child;
	int i;

	if (pid)
		return pid;
	child = fork();
	if (child < 0)
		return -errno;
	if (!child) {
		int null = open("/dev/null", O_RDWR);

		setsid();
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		/*
		 * Nothing else may stay open: an inherited flock (flock(1) wrappers, the
		 * policy lock) or pipe would be held for the daemon's whole life.
		 */
		syscall(SYS_close_range, 3, ~0U, 0);
		execl("/proc/self/exe", "uevscope", "filter", "watch", (char *)NULL);
		_exit(127);
	}
	/* Wait until it holds the lock, so a second spawn right after sees it. */
	for (i = 0; i < 300 && !filter_watch_running(); i++)
		usleep(10000);
	pid = watch_pid_settled();
	return pid > 1 ? pid : child;
}

void filter_watch_stop(void)
{
	pid_t pid = watch_pid_settled();
	int i;

	if (pid <= 1 || kill(pid, SIGTERM))
		return;
	for (i = 0; i < 200 && filter_watch_running(); i++)
		usleep(10000);
}

const char *watch_method_name(__u32 method)
{
	switch (method) {
	case FILTER_WATCH_TRACEPOINTS:
		return "tracepoint/syscalls/sys_exit_{bind,setsockopt}";
	case FILTER_WATCH_RAW_TP:
		return "raw_tp/sys_exit";
	case FILTER_WATCH_RESCAN:
		return "a rescan every second";
	}
	return "?";
}

/*
 * The syscall tracepoints run only for bind() and setsockopt(), but need tracefs;
 * raw_tp/sys_exit needs nothing and runs at every syscall exit of the host.
 */
static const struct tier_progs watch_tiers[] = {
    {PROBE_TRACEPOINT_SYS_EXIT_BIND,
     {"uev_enter_bind", "uev_exit_bind", "uev_enter_sockopt", "uev_exit_sockopt"}},
    {PROBE_RAW_TP_SYS_EXIT, {"uev_sys_exit"}},
};

static struct bpf_object_skeleton *open_watch(void *ctx)
{
	struct filter_watch_bpf **skel = ctx;

	*skel = filter_watch_bpf__open();
	return *skel ? (*skel)->skeleton : NULL;
}

static void close_watch(void *ctx)
{
	struct filter_watch_bpf **skel = ctx;

	filter_watch_bpf__destroy(*skel);
	*skel = NULL;
}

static struct filter_state g_st;
static bool g_open;
static struct filter_watch_stats *g_ws;

/* One socket, or everything when fd < 0, under the policy lock. */
static void handle(struct filter_watch_stats *ws, pid_t pid, int fd, __u64 ts_ns)
{
	struct attach_report rep = {};
	struct filter_set set;

	if (!g_open || filter_state_relock(&g_st))
		return;
	filter_state_read_set(&g_st, &set);
	if (fd < 0) {
		filter_attach_scan(&g_st, &set, &rep);
		ws->scans++;
	} else if (!filter_attach_one(&g_st, &set, pid, fd, &rep) && rep.attached) {
		ws->attached += rep.attached;
		ws->last_window_ns = now_monotonic_ns() - ts_ns;
		if (ws->last_window_ns > ws->max_window_ns)
			ws->max_window_ns = ws->last_window_ns;
		uev_dbg("new socket fd %d of pid %d covered %.3f ms after it joined", fd, (int)pid,
			ws->last_window_ns / 1e6);
	}
	filter_state_watch_put(&g_st, ws);
	filter_state_unlock(&g_st);
}

/* (Re)opens the pinned state when it was flushed and made again; false when there is none. */
static bool state_ready(void)
{
	char err[256];

	if (g_open && filter_state_current(&g_st))
		return true;
	if (g_open)
		filter_state_close(&g_st);
	g_open = false;
	if (!filter_state_exists() || filter_state_open(&g_st, false, err, sizeof(err)))
		return false;
	filter_state_unlock(&g_st);
	g_open = true;
	return true;
}

static int on_new_sock(void *ctx, void *data, size_t len)
{
	const struct new_sock *ev = data;

	(void)ctx;
	if (len < sizeof(*ev))
		return 0;
	g_ws->notices++;
	handle(g_ws, ev->tgid, ev->fd, ev->ts_ns);
	return 0;
}

int filter_watch_main(int argc, char **argv)
{
	struct filter_watch_stats ws = {};
	struct filter_watch_bpf *skel = NULL;
	struct ring_buffer *rb = NULL;
	uint64_t last_scan = 0;
	char buf[32];
	int lock_fd, opt;

	static const struct option opts[] = {
	    {"tier", required_argument, NULL, 256},
	    {"help", no_argument, NULL, 'h'},
	    {},
	};
	struct attach_job job = {.plan = PLAN_FILTER_WATCH};
	const struct attach_obj watch_obj =
	    ATTACH_OBJ("filter watch", watch_tiers, open_watch, close_watch, &skel);

	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":hv", opts, NULL)) != -1) {
		if (opt == 'v') {
			verbose = true;
			continue;
		}
		if (opt == 256 && (!strcmp(optarg, "tracepoint") || !strcmp(optarg, "raw_tp"))) {
			/* Tests force the fallback, as trace --tier does. */
			job.force =
			    probe_name(!strcmp(optarg, "raw_tp") ? PROBE_RAW_TP_SYS_EXIT
								 : PROBE_TRACEPOINT_SYS_EXIT_BIND);
			continue;
		}
		if (opt == 256)
			return cmd_usage_error("filter", "--tier takes tracepoint or raw_tp");
		if (opt != 'h')
			return cmd_getopt_error("filter", opt, argv);
		fputs(
		    "usage: uevscope filter watch [-v] [--tier tracepoint|raw_tp]\n\n"
		    "Covers uevent sockets created after the rules were added; started by\n"
		    "'filter add' and 'policy apply', stopped by 'filter flush'. It learns of\n"
		    "them from the syscalls/sys_exit_{bind,setsockopt} tracepoints, else from\n"
		    "raw_tp/sys_exit, else from a rescan every second (--tier forces one).\n\n"
		    "EXAMPLES:\n"
		    "  uevscope filter watch -v     # in the foreground, say each socket covered\n",
		    opt == 'h' ? stdout : stderr);
		return opt == 'h' ? EXIT_OK : EXIT_USAGE;
	}
	if (!require_root("filter watch"))
		return EXIT_ENV;
	mkdir("/run/lock", 0755);
	lock_fd = open(FILTER_WATCH_LOCK, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (lock_fd < 0 || flock(lock_fd, LOCK_EX | LOCK_NB)) {
		uev_err("a watcher already runs (pid %d)", (int)filter_watch_running());
		return EXIT_OK;
	}
	if (ftruncate(lock_fd, 0) == 0) {
		snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
		if (pwrite(lock_fd, buf, strlen(buf), 0) < 0)
			uev_dbg("cannot write the watcher pid: %s", strerror(errno));
	}
	signal(SIGTERM, on_stop);
	signal(SIGINT, on_stop);
	signal(SIGHUP, SIG_IGN);
	g_ws = &ws;

	/* Probe, then choose (user/lib/probe.c, plan "filter watch"); --tier forces one. */
	if (!attach_load(&watch_obj, &job, 1)) {
		ws.method = probe_id_by_name(job.tier) == PROBE_RAW_TP_SYS_EXIT
				? FILTER_WATCH_RAW_TP
				: FILTER_WATCH_TRACEPOINTS;
		rb = ring_buffer__new(bpf_map__fd(skel->maps.new_socks), on_new_sock, NULL, NULL);
		if (!rb)
			uev_dbg("%s refused: %s", watch_method_name(ws.method), strerror(errno));
	}
	if (!rb)
		ws.method = FILTER_WATCH_RESCAN;
	if (rb)
		uev_dbg("watching new uevent sockets via %s", watch_method_name(ws.method));
	else
		uev_err("no syscall tracepoint could be attached: new sockets are found by a "
			"rescan every %d ms",
			RESCAN_MS);

	ws.pid = getpid();
	if (!state_ready()) {
		uev_err(
		    "no filter policy is loaded: nothing to watch ('uevscope filter add' first)");
		stop_req = 1;
	}
	while (!stop_req) {
		if (now_monotonic_ns() - last_scan >= RESCAN_MS * 1000000ull) {
			if (!state_ready())
				break; /* flushed */
			if (skel)
				ws.lost = skel->bss->lost;
			handle(&ws, 0, -1, 0);
			last_scan = now_monotonic_ns();
		}
		if (rb)
			ring_buffer__poll(rb, 100);
		else
			usleep(100000);
	}
	ring_buffer__free(rb);
	filter_watch_bpf__destroy(skel);
	if (g_open)
		filter_state_close(&g_st);
	close(lock_fd);
	return EXIT_OK;
}
