// SPDX-License-Identifier: GPL-2.0
/*
 * uevlisten - minimal NETLINK_KOBJECT_UEVENT listener for uevscope tests.
 *
 * Usage: uevlisten [-b RCVBUF] [-n COUNT] [-t IDLE_MS] [-P] [-q] [-S] [-p] [-B] [-I MS] [-F] [-L]
 *                  [-K] [--own-filter] [--try-detach]
 *
 * Prints "ready pid= portid= ino= netns= rcvbuf=" once the socket is bound, then one line per
 * uevent (-S: only "SEQNUM LENGTH"; -p: followed by "props" and every KEY=VALUE,
 * space-separated), then
 * "total= enobufs= drops=" when it stops. -B never sleeps: it polls the socket in a loop, as a
 * reader busy in recv() on another core, which can dequeue a message before a program at
 * sk_data_ready reads it. -I MS drains the socket every MS milliseconds and sleeps in between
 * without waiting on it: never on the socket's wait queue, so a delivery wakes nobody (the
 * locks benches compare such listeners with ones blocked in recv()). (COUNT reached, IDLE_MS
 * without a message, SIGTERM or SIGINT). -P waits for SIGUSR1 before reading at all, so a small -b
 * buffer can be overrun on purpose. -F attaches a classic BPF socket filter that accepts every
 * message (SO_ATTACH_FILTER), -L then locks it (SO_LOCK_FILTER), for `uevscope listeners`.
 * -K forks a child that only keeps the socket open (a socket two processes hold) and dies
 * with its parent; the ready line then ends with child=PID.
 * --own-filter is -F (a listener with a filter of its own, like udevd). --try-detach makes
 * SIGUSR2 try SO_DETACH_FILTER and print "detach=ok" or "detach=ERRNO-NAME".
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <linux/filter.h>
#include <linux/netlink.h>

#ifndef NETLINK_KOBJECT_UEVENT
#define NETLINK_KOBJECT_UEVENT 15
#endif
#ifndef SO_MEMINFO
#define SO_MEMINFO 55
#endif
/* Index into the SO_MEMINFO array (enum in linux/sock_diag.h), stable UAPI. */
#define MEMINFO_DROPS 8
#define MEMINFO_VARS  9

#ifndef SO_LOCK_FILTER
#define SO_LOCK_FILTER 44
#endif

#define RECV_BUF_SIZE (64 * 1024)

static volatile sig_atomic_t stop_req;
static volatile sig_atomic_t resume_req;
static volatile sig_atomic_t detach_req;

static void on_detach(int sig)
{
	(void)sig;
	detach_req = 1;
}

/* SO_DETACH_FILTER as the socket's owner would try it (the kernel wants an int). */
static void try_detach(int fd)
{
	int unused = 0, ret = setsockopt(fd, SOL_SOCKET, SO_DETACH_FILTER, &unused, sizeof(unused));

	printf("detach=%s\n", !ret		? "ok"
			      : errno == EPERM	? "EPERM"
			      : errno == ENOENT ? "ENOENT"
						: strerror(errno));
	fflush(stdout);
}

static void on_stop(int sig)
{
	(void)sig;
	stop_req = 1;
}

static void on_resume(int sig)
{
	(void)sig;
	resume_req = 1;
}

static void usage(void)
{
	fprintf(stderr, "usage: uevlisten [-b RCVBUF] [-n COUNT] [-t IDLE_MS] [-P] [-q] [-S] [-p] "
			"[-B] [-F] [-L] [-K] "
			"[--own-filter] [--try-detach]\n");
	exit(2);
}

static long long parse_num(const char *s, const char *what)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 0);
	if (errno || end == s || *end || v < 0) {
		fprintf(stderr, "uevlisten: invalid %s '%s'\n", what, s);
		exit(2);
	}
	return v;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void set_handler(int sig, void (*fn)(int))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: poll() and recv() must return EINTR so a stop request is seen. */
	if (sigaction(sig, &sa, NULL) < 0) {
		perror("uevlisten: sigaction");
		exit(1);
	}
}

/* Look up KEY=VALUE properties; the first string is the ACTION@DEVPATH summary, skip it. */
static void parse_props(const char *buf, size_t len, const char **action, const char **devpath,
			const char **subsys, const char **seqnum)
{
	size_t off = strnlen(buf, len) + 1;

	while (off < len) {
		const char *p = buf + off;
		size_t n = strnlen(p, len - off);

		if (n == len - off)
			break; /* unterminated tail: not a complete property */
		if (!strncmp(p, "ACTION=", 7))
			*action = p + 7;
		else if (!strncmp(p, "DEVPATH=", 8))
			*devpath = p + 8;
		else if (!strncmp(p, "SUBSYSTEM=", 10))
			*subsys = p + 10;
		else if (!strncmp(p, "SEQNUM=", 7))
			*seqnum = p + 7;
		off += n + 1;
	}
}

/* The properties on one line, so a test can grep a KEY=VALUE of its own. */
static void print_props(const char *buf, size_t len)
{
	size_t off = strnlen(buf, len) + 1;

	printf("props");
	while (off < len) {
		size_t n = strnlen(buf + off, len - off);

		printf(" %.*s", (int)n, buf + off);
		off += n + 1;
	}
	printf("\n");
}

static void print_event(const char *buf, ssize_t len, int seq_only, int props)
{
	const char *action = "-", *devpath = "-", *subsys = "-", *seqnum = "-";
	/* With MSG_TRUNC, len is the full datagram size even if it did not fit the buffer. */
	size_t have = (size_t)len < RECV_BUF_SIZE ? (size_t)len : RECV_BUF_SIZE;

	parse_props(buf, have, &action, &devpath, &subsys, &seqnum);
	if (seq_only) {
		printf("%s %zd\n", seqnum, len);
		return;
	}
	printf("uevent seqnum=%s action=%s devpath=%s subsystem=%s len=%zd\n", seqnum, action,
	       devpath, subsys, len);
	if (props)
		print_props(buf, have);
	fflush(stdout);
}

static long long read_drops(int fd)
{
	uint32_t mem[MEMINFO_VARS];
	socklen_t sl = sizeof(mem);

	memset(mem, 0, sizeof(mem));
	if (getsockopt(fd, SOL_SOCKET, SO_MEMINFO, mem, &sl) < 0 ||
	    sl < (MEMINFO_DROPS + 1) * sizeof(uint32_t))
		return -1;
	return mem[MEMINFO_DROPS];
}

int main(int argc, char **argv)
{
	long long rcvbuf_req = -1, count = 0, idle_ms = -1, total = 0, enobufs = 0, every_ms = 0;
	int paused = 0, quiet = 0, seq_only = 0, props = 0, busy = 0, filter = 0, lock = 0,
	    keeper = 0, detach_opt = 0;
	static const struct option longopts[] = {
	    {"own-filter", no_argument, NULL, 'F'},
	    {"try-detach", no_argument, NULL, 256},
	    {NULL, 0, NULL, 0},
	};
	struct sockaddr_nl sa;
	socklen_t sl;
	struct stat st, nst;
	unsigned long long netns = 0;
	sigset_t block, orig, wait_mask;
	struct timespec ts;
	char *buf;
	int fd, opt, rcvbuf = 0;
	long long deadline;

	while ((opt = getopt_long(argc, argv, "b:n:t:PqSpBI:FLK", longopts, NULL)) != -1) {
		switch (opt) {
		case 256:
			detach_opt = 1;
			break;
		case 'b':
			rcvbuf_req = parse_num(optarg, "RCVBUF");
			break;
		case 'n':
			count = parse_num(optarg, "COUNT");
			break;
		case 't':
			idle_ms = parse_num(optarg, "IDLE_MS");
			break;
		case 'P':
			paused = 1;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'S':
			seq_only = 1;
			break;
		case 'p':
			props = 1;
			break;
		case 'B':
			busy = 1;
			break;
		case 'I':
			every_ms = parse_num(optarg, "MS");
			break;
		case 'F':
			filter = 1;
			break;
		case 'L':
			lock = 1;
			break;
		case 'K':
			keeper = 1;
			break;
		default:
			usage();
		}
	}
	if (optind != argc || (rcvbuf_req > INT32_MAX))
		usage();

	/*
	 * Fully buffered, flushed explicitly whenever the socket runs dry (and after each
	 * line when not in -S mode): readers see lines promptly, big -S bursts stay cheap.
	 */
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);

	/* Block the signals until we wait for them, so a SIGUSR1 sent right after "ready" counts.
	 */
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGUSR2);
	sigprocmask(SIG_BLOCK, &block, &orig);
	set_handler(SIGUSR1, on_resume);
	set_handler(SIGTERM, on_stop);
	set_handler(SIGINT, on_stop);
	if (detach_opt)
		set_handler(SIGUSR2, on_detach);

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_KOBJECT_UEVENT);
	if (fd < 0) {
		perror("uevlisten: socket");
		return 1;
	}
	if (rcvbuf_req >= 0) {
		int v = (int)rcvbuf_req;

		/* FORCE bypasses rmem_max but needs CAP_NET_ADMIN; fall back when unprivileged. */
		if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &v, sizeof(v)) < 0 &&
		    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v)) < 0) {
			perror("uevlisten: SO_RCVBUF");
			return 1;
		}
	}
	if (filter) {
		/* One instruction: accept the whole message. */
		struct sock_filter accept_all = BPF_STMT(BPF_RET | BPF_K, 0xffffffff);
		struct sock_fprog prog = {.len = 1, .filter = &accept_all};

		if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) < 0) {
			perror("uevlisten: SO_ATTACH_FILTER");
			return 1;
		}
	}
	if (lock) {
		int one = 1;

		if (setsockopt(fd, SOL_SOCKET, SO_LOCK_FILTER, &one, sizeof(one)) < 0) {
			perror("uevlisten: SO_LOCK_FILTER");
			return 1;
		}
	}
	memset(&sa, 0, sizeof(sa));
	sa.nl_family = AF_NETLINK;
	sa.nl_groups = 1;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("uevlisten: bind");
		return 1;
	}
	sl = sizeof(sa);
	if (getsockname(fd, (struct sockaddr *)&sa, &sl) < 0) {
		perror("uevlisten: getsockname");
		return 1;
	}
	if (fstat(fd, &st) < 0) {
		perror("uevlisten: fstat");
		return 1;
	}
	sl = sizeof(rcvbuf);
	getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, &sl);

	if (stat("/proc/self/ns/net", &nst) == 0)
		netns = (unsigned long long)nst.st_ino;

	buf = malloc(RECV_BUF_SIZE);
	if (!buf) {
		perror("uevlisten: malloc");
		return 1;
	}

	if (keeper) {
		pid_t parent = getpid(), child = fork();

		if (child < 0) {
			perror("uevlisten: fork");
			free(buf);
			return 1;
		}
		if (child == 0) {
			/* Hold the inherited socket, never read it; go when the parent goes. */
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			if (getppid() != parent)
				_exit(0);
			for (;;)
				pause();
		}
		keeper = child;
	}
	printf("ready pid=%d portid=%u ino=%llu netns=%llu rcvbuf=%d", (int)getpid(), sa.nl_pid,
	       (unsigned long long)st.st_ino, netns, rcvbuf);
	if (keeper)
		printf(" child=%d", keeper);
	printf("\n");
	fflush(stdout);

	/*
	 * The signals stay blocked except inside sigsuspend() and ppoll(): a stop
	 * request that arrived between recv() and a plain poll() would be missed
	 * and leave us asleep forever.
	 */
	wait_mask = orig;
	sigdelset(&wait_mask, SIGUSR1);
	sigdelset(&wait_mask, SIGTERM);
	sigdelset(&wait_mask, SIGINT);
	if (detach_opt)
		sigdelset(&wait_mask, SIGUSR2);
	if (paused) {
		while (!resume_req && !stop_req)
			sigsuspend(&wait_mask);
	}

	/* A busy reader never waits in ppoll(), where the stop signals are let in: let them in
	 * at any time. */
	if (busy)
		sigprocmask(SIG_SETMASK, &wait_mask, NULL);
	deadline = idle_ms >= 0 ? now_ms() + idle_ms : -1;
	while (!stop_req && (count == 0 || total < count)) {
		ssize_t n;

		n = recv(fd, buf, RECV_BUF_SIZE, MSG_DONTWAIT | MSG_TRUNC);
		if (n < 0) {
			struct pollfd pfd = {.fd = fd, .events = POLLIN};
			int timeout = -1;

			if (errno == ENOBUFS) {
				/* Receive queue overran; the kernel reports it once, then carries
				 * on. */
				enobufs++;
				continue;
			}
			if (errno == EINTR)
				continue;
			if (detach_req) {
				detach_req = 0;
				try_detach(fd);
			}
			if (errno != EAGAIN && errno != EWOULDBLOCK) {
				fprintf(stderr, "uevlisten: recv: %s\n", strerror(errno));
				return 1;
			}
			fflush(stdout);
			if (busy) {
				/* Never sleeps: a reader always in recv(), as a busy daemon is. */
				if (deadline >= 0 && now_ms() >= deadline)
					break;
				continue;
			}
			if (deadline >= 0) {
				long long left = deadline - now_ms();

				if (left <= 0)
					break;
				timeout = left > INT32_MAX ? INT32_MAX : (int)left;
			}
			if (every_ms > 0) {
				/* A sleep on no file: nothing for sk_data_ready to wake. */
				long long nap =
				    timeout >= 0 && timeout < every_ms ? timeout : every_ms;

				ts.tv_sec = nap / 1000;
				ts.tv_nsec = (nap % 1000) * 1000000L;
				ppoll(NULL, 0, &ts, &wait_mask);
				continue;
			}
			ts.tv_sec = timeout / 1000;
			ts.tv_nsec = (timeout % 1000) * 1000000L;
			if (ppoll(&pfd, 1, timeout < 0 ? NULL : &ts, &wait_mask) < 0 &&
			    errno != EINTR) {
				fprintf(stderr, "uevlisten: poll: %s\n", strerror(errno));
				return 1;
			}
			if (detach_req) {
				detach_req = 0;
				try_detach(fd);
			}
			continue;
		}

		total++;
		if (idle_ms >= 0)
			deadline = now_ms() + idle_ms;
		if (quiet)
			continue;

		print_event(buf, n, seq_only, props);
	}

	printf("total=%lld enobufs=%lld drops=%lld\n", total, enobufs, read_drops(fd));
	fflush(stdout);
	close(fd);
	free(buf);
	return 0;
}
