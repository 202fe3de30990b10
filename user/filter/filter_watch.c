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
#include <sys/wait.h>
#include <bpf/libbpf.h>
#include "attach.h"
#include "common.h"
#include "filter_attach.h"
#include "filter_watch.h"
#include "filter_watch.skel.h"
#include "probe.h"

/* Full rescans catch what the notices cannot: rule changes, fd passing, a full ring buffer. */
#define RESCAN_MS 1000

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

void filter_watch_rescan(void)
{
	pid_t pid = watch_pid_settled();

	if (pid > 1)
		kill(pid, SIGUSR1);
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
		return "tracepoint/syscalls/sys_exit_{socket,bind,setsockopt}";
	case FILTER_WATCH_RAW_TP:
		return "raw_tp/sys_exit";
	case FILTER_WATCH_RESCAN:
		return "a rescan every second";
	}
	return "?";
}

/*
 * Ways to make or bind a uevent socket that neither syscall tracepoints nor raw_tp/sys_exit
 * see, so no hold: io_uring's IORING_OP_SOCKET and IORING_OP_BIND (registered files are out
 * of pidfd_getfd()'s reach too), unless kernel.io_uring_disabled is 2; and 32-bit syscalls
 * (ia32 emulation, `int $0x80` from any task), which the syscall tracepoints skip. Conservative: a
 * fact that cannot be read counts as a gap.
 */
/*
 * Whether this kernel takes 32-bit syscalls (ia32 emulation, also `int $0x80` from a 64-bit
 * task): a child tries getpid() that way; with emulation off it dies of SIGSEGV.
 */
static bool compat_syscalls_work(void)
{
#if defined(__x86_64__)
	pid_t pid = fork();
	int st;

	if (pid < 0)
		return true; /* cannot tell: count it as a gap */
	if (!pid) {
		long ret = 20; /* __NR_getpid on i386 */

		__asm__ volatile("int $0x80" : "+a"(ret) : : "memory", "r8", "r9", "r10", "r11");
		_exit(ret > 0 ? 0 : 1);
	}
	if (waitpid(pid, &st, 0) != pid)
		return true;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0;
#else
	return false;
#endif
}

static void hold_gaps(char *buf, size_t len)
{
	char v[16] = "";
	size_t off = 0;
	int fd;

	buf[0] = '\0';
	fd = open("/proc/sys/kernel/io_uring_disabled", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (read(fd, v, sizeof(v) - 1) < 0)
			v[0] = '\0';
		close(fd);
	}
	if (atoi(v) != 2 || !v[0])
		off += snprintf(buf + off, len - off, "io_uring (kernel.io_uring_disabled=%s)",
				v[0] ? (v[strcspn(v, "\n")] = '\0', v) : "absent");
	if (compat_syscalls_work() && off < len)
		snprintf(buf + off, len - off, "%s32-bit syscalls (ia32 emulation)",
			 off ? " and " : "");
}

const char *filter_new_sockets(const struct filter_state *st, const struct filter_watch_stats *ws,
			       pid_t watcher, char *gaps, size_t len)
{
	gaps[0] = '\0';
	if (st->tier == FILTER_TIER_LSM)
		return "lsm";
	if (!watcher)
		return "not_covered";
	if (ws->method != FILTER_WATCH_TRACEPOINTS && ws->method != FILTER_WATCH_RAW_TP)
		return "best_effort";
	hold_gaps(gaps, len);
	return "held";
}

int filter_strict_check(const struct filter_state *st, bool no_watch, char *why, size_t len)
{
	struct filter_watch_stats ws = {};
	char gaps[160];
	pid_t w;

	if (st->tier == FILTER_TIER_LSM)
		return 0;
	if (no_watch) {
		snprintf(why, len, "--strict needs the watcher: drop --no-watch");
		return -1;
	}
	/* A watcher that runs says how it watches; one we are about to start will hold. */
	w = filter_watch_running();
	filter_state_watch_get(st, &ws);
	if (!w)
		ws.method = FILTER_WATCH_TRACEPOINTS;
	if (!strcmp(filter_new_sockets(st, &ws, w ? w : 1, gaps, sizeof(gaps)), "held") && !gaps[0])
		return 0;
	if (!gaps[0]) {
		snprintf(why, len,
			 "--strict refused: on the socket filter tier (no BPF LSM) the watcher "
			 "finds new uevent sockets by rescans only; mount tracefs, or boot with "
			 "bpf in lsm=");
		return -1;
	}
	snprintf(why, len,
		 "--strict refused: on the socket filter tier (no BPF LSM) new uevent sockets "
		 "made through %s are covered best effort; %s%s%sor boot with bpf in lsm=",
		 gaps, strstr(gaps, "io_uring") ? "set kernel.io_uring_disabled=2" : "",
		 strstr(gaps, "32-bit")
		     ? (strstr(gaps, "io_uring") ? " and boot with "
						   "ia32_emulation=off"
						 : "boot with ia32_emulation=off")
		     : "",
		 ", ");
	return -1;
}

/*
 * The syscall tracepoints run only for socket(), bind() and setsockopt(), but need tracefs;
 * raw_tp/sys_exit needs nothing and runs at every syscall exit of the host.
 */
static const struct tier_progs watch_tiers[] = {
    {PROBE_TRACEPOINT_SYS_EXIT_BIND,
     {"uev_enter_socket", "uev_exit_socket", "uev_enter_bind", "uev_exit_bind", "uev_enter_sockopt",
      "uev_exit_sockopt"}},
    {PROBE_RAW_TP_SYS_EXIT, {"uev_sys_exit"}},
};

static struct bpf_object_skeleton *open_watch(void *ctx)
{
	struct filter_watch_bpf **skel = ctx;

	*skel = filter_watch_bpf__open();
	if (*skel)
		(*skel)->rodata->self_tgid = getpid();
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
static struct filter_watch_bpf *g_skel;
static bool state_ready(void);

static volatile sig_atomic_t rescan_req;

static void on_rescan(int sig)
{
	(void)sig;
	rescan_req = 1;
}

static struct filter_hold_scope scope_key(const struct filter_rule *r)
{
	struct filter_hold_scope k = {.kind = r->scope};

	if (r->scope == FILTER_SCOPE_NETNS)
		k.id = r->netns_ino;
	else if (r->scope == FILTER_SCOPE_PID)
		k.id = r->pid;
	else {
		k.level = r->cgroup_level;
		k.id = r->cgroup_id;
	}
	return k;
}

/* The hold scopes in the kernel become the active rules' own: new ones first, stale ones after. */
static void sync_hold_scope(const struct filter_set *set)
{
	struct filter_hold_scope k, next, *prev = NULL;
	unsigned int i;
	__u8 one = 1;
	bool keep;

	if (!g_skel)
		return;
	/* The LSM program sees every socket from its first uevent: nothing to hold for. */
	for (i = 0; g_st.tier != FILTER_TIER_LSM && i < set->nrules; i++) {
		k = scope_key(&set->rules[i]);
		bpf_map__update_elem(g_skel->maps.hold_scope, &k, sizeof(k), &one, sizeof(one), 0);
	}
	while (!bpf_map__get_next_key(g_skel->maps.hold_scope, prev, &next, sizeof(next))) {
		k = next;
		prev = &k;
		keep = false;
		for (i = 0; g_st.tier != FILTER_TIER_LSM && i < set->nrules && !keep; i++) {
			struct filter_hold_scope r = scope_key(&set->rules[i]);

			keep = !memcmp(&r, &k, sizeof(r));
		}
		if (!keep)
			bpf_map__delete_elem(g_skel->maps.hold_scope, &k, sizeof(k), 0);
	}
}

/* One socket, or everything when fd < 0, under the policy lock. */
static void handle(struct filter_watch_stats *ws, pid_t pid, int fd, __u64 ts_ns)
{
	struct attach_report rep = {};
	struct filter_set set;

	if (!g_open || filter_state_relock(&g_st))
		return;
	filter_state_read_set(&g_st, &set);
	if (fd < 0) {
		sync_hold_scope(&set);
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

/* The kernel-side counters into ws (the watcher owns fwatch). */
static void read_bpf_counters(struct filter_watch_stats *ws)
{
	if (!g_skel)
		return;
	ws->lost = g_skel->bss->lost;
	ws->hold_failed = g_skel->bss->hold_failed;
	ws->bind_killed = g_skel->bss->bind_killed;
}

/*
 * The policy lock, waited for 2 s at most: the holder could be a uevscope command that is
 * itself held (a probe socket in a rule's scope) and waits for us. Then the socket is left to
 * its bind() notice, and the task continued.
 */
static bool lock_bounded(void)
{
	int i;

	for (i = 0; i < 2000; i++) {
		if (!flock(g_st.lock_fd, LOCK_EX | LOCK_NB))
			return true;
		if (errno != EWOULDBLOCK)
			return false;
		usleep(1000);
	}
	uev_err("the filter policy lock is held for 2 s: a new socket is covered at its bind()");
	return false;
}

/*
 * A task held at socket() (bpf/filter_watch.bpf.c): cover its socket, make sure nothing reached
 * it before, then let it go. It is continued whatever happens here: a task left stopped would
 * be a denial of service of our own. A socket that was bound or had data before we covered it
 * (its task was continued by someone else, or another holder bound it) is purged and all its
 * holders killed: they may hold denied uevents.
 */
static void handle_created(struct filter_watch_stats *ws, const struct filter_new_sock *ev)
{
	int pidfd = ev->held ? (int)syscall(SYS_pidfd_open, ev->tgid, 0) : -1;
	struct attach_report rep = {};
	struct filter_held h = {};
	bool used = false, locked = false, tainted;
	struct filter_set set;
	__u64 ino = ev->ino;
	int ret = -ENOENT;

	if (state_ready() && lock_bounded() && !filter_state_relock(&g_st)) {
		locked = true;
		filter_state_read_set(&g_st, &set);
		ret = filter_attach_held(&g_st, &set, ev->tgid, ev->fd, ino, &rep, &used);
	}
	tainted = !bpf_map__lookup_elem(g_skel->maps.held, &ino, sizeof(ino), &h, sizeof(h), 0) &&
		  h.tainted;
	/*
	 * Not at its fd any more (-ESTALE, -EBADF...): the held task was continued by someone
	 * else and moved or passed the socket; whoever holds it now is killed (none when the
	 * socket is gone).
	 */
	if (tainted || (locked && ret < 0) || (used && (rep.attached || rep.already))) {
		ws->purged++;
		ws->purge_killed += filter_kill_holders(ino);
		uev_dbg("socket:[%llu] of pid %u was used before it was covered (%s): purged, "
			"holders killed",
			(unsigned long long)ino, ev->tgid,
			tainted		 ? "bound while held"
			: ret == -ESTALE ? "moved"
					 : "joined or queued");
	}
	bpf_map__delete_elem(g_skel->maps.held, &ino, sizeof(ino), 0);
	if (ev->held) {
		if (pidfd >= 0 ? syscall(SYS_pidfd_send_signal, pidfd, SIGCONT, NULL, 0)
			       : kill((pid_t)ev->tgid, SIGCONT))
			uev_dbg("continuing pid %u: %s", ev->tgid, strerror(errno));
		ws->held++;
		ws->last_hold_ns = now_monotonic_ns() - ev->ts_ns;
		if (ws->last_hold_ns > ws->max_hold_ns)
			ws->max_hold_ns = ws->last_hold_ns;
		uev_dbg("pid %u held %.3f ms at socket() until socket:[%llu] was covered", ev->tgid,
			ws->last_hold_ns / 1e6, (unsigned long long)ino);
	}
	if (pidfd >= 0)
		close(pidfd);
	if (rep.attached)
		ws->attached += rep.attached;
	read_bpf_counters(ws);
	if (locked) {
		filter_state_watch_put(&g_st, ws);
		filter_state_unlock(&g_st);
	}
}

static int on_new_sock(void *ctx, void *data, size_t len)
{
	const struct filter_new_sock *ev = data;

	(void)ctx;
	if (len < sizeof(*ev))
		return 0;
	if (ev->kind == FILTER_NEW_SOCK_CREATED) {
		handle_created(g_ws, ev);
		return 0;
	}
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
	/* Before the lock: filter add may signal us as soon as it sees our pid. */
	signal(SIGUSR1, on_rescan);
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
		if (!rb) {
			/* Attached programs with no reader would hold tasks for ever. */
			uev_dbg("%s refused: %s", watch_method_name(ws.method), strerror(errno));
			filter_watch_bpf__destroy(skel);
			skel = NULL;
		}
		g_skel = skel;
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
		if (rescan_req || now_monotonic_ns() - last_scan >= RESCAN_MS * 1000000ull) {
			rescan_req = 0;
			if (!state_ready())
				break; /* flushed */
			read_bpf_counters(&ws);
			handle(&ws, 0, -1, 0);
			last_scan = now_monotonic_ns();
		}
		if (rb)
			ring_buffer__poll(rb, 100);
		else
			usleep(100000);
	}
	/*
	 * No new holds from here on; every task already held is in the ring buffer (a hold
	 * without room for its notice is not made): continue each before the map goes.
	 */
	if (skel)
		filter_watch_bpf__detach(skel);
	if (rb)
		ring_buffer__consume(rb);
	ring_buffer__free(rb);
	g_skel = NULL;
	filter_watch_bpf__destroy(skel);
	if (g_open)
		filter_state_close(&g_st);
	close(lock_fd);
	return EXIT_OK;
}
