// SPDX-License-Identifier: GPL-2.0
/*
 * uevfarm - one uevent listener in each of many network namespaces, one process, plus a churner
 * that opens and closes uevent sockets in them, for bench/report-scale.sh.
 *
 * Usage: uevfarm [-b RCVBUF] [-c CHURN] [-r PER_S] [-w WINDOW] [-C CPU] [-s FIFO] NETNS_PATH...
 *
 * For each NETNS_PATH (a /run/netns file) it setns()es there and binds one NETLINK_KOBJECT_UEVENT
 * socket to the uevent group, then prints "ready n=N". One process for all of them: a thousand
 * uevlisten processes would take longer to start than the run they serve. The sockets are read
 * with epoll and counted per namespace.
 *
 * The churner thread starts with the "ready" line, or with -s once a line can be read from FIFO
 * (so a run can measure a flood without churn first): CHURN sockets (default 10000), PER_S a second
 * (0: as fast as it can), round-robin over the namespaces. Each is bound to the group, so it
 * receives deliveries while it lives; WINDOW of them (default 16) are open at once, the oldest
 * closed as a new one opens. Before a socket is closed it leaves the group
 * (NETLINK_DROP_MEMBERSHIP: under the netlink table's write lock, so no broadcast queues on it
 * afterwards) and is drained: what it received is counted exactly, none is left queued unread.
 *
 * SIGTERM or SIGINT stops the churner (it closes its open sockets the same way), drains every
 * listener and prints, per namespace:
 *   ns INODE listener=RECEIVED drops=OVERRUNS churn=RECEIVED churn_drops=OVERRUNS
 * then "total listener= drops= churn= churn_drops= churned=SOCKETS". Overruns are the sockets'
 * own sk_drops (SO_MEMINFO): deliveries the kernel dropped, never queued. Exit 0; 1 on a setup
 * error (one line); 2 on bad usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <linux/netlink.h>

#ifndef NETLINK_KOBJECT_UEVENT
#define NETLINK_KOBJECT_UEVENT 15
#endif
#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif
#ifndef SO_MEMINFO
#define SO_MEMINFO 55
#endif
#define MEMINFO_DROPS 8 /* index in SO_MEMINFO's array (linux/sock_diag.h) */
#define MEMINFO_VARS  9
#define MAX_WINDOW    256

struct ns {
	int nsfd, fd;
	unsigned long long ino;
	unsigned long long got, drops;
	unsigned long long churn_got, churn_drops; /* written by the churner only */
};

static struct ns *nss;
static int nns, rcvbuf = 16 << 20;
static long churn_total = 10000, churn_rate, window = 16, churn_cpu = -1;
static const char *start_fifo;
static volatile int churn_stop;
static long churned;
static char buf[64 * 1024];

static void die(const char *what)
{
	fprintf(stderr, "uevfarm: %s: %s\n", what, strerror(errno));
	exit(1);
}

static long num(const char *s, const char *what)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 0);
	if (errno || end == s || *end || v < 0) {
		fprintf(stderr, "uevfarm: invalid %s '%s'\n", what, s);
		exit(2);
	}
	return v;
}

static unsigned long long sock_drops(int fd)
{
	uint32_t mem[MEMINFO_VARS] = {0};
	socklen_t sl = sizeof(mem);

	if (getsockopt(fd, SOL_SOCKET, SO_MEMINFO, mem, &sl) < 0 ||
	    sl < (MEMINFO_DROPS + 1) * sizeof(uint32_t))
		return 0;
	return mem[MEMINFO_DROPS];
}

/* Reads until the queue is empty or max were read (0: no limit); returns the messages read. */
static unsigned long long drain(int fd, unsigned long long max)
{
	unsigned long long n = 0;

	while (!max || n < max) {
		ssize_t r = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);

		if (r >= 0)
			n++;
		else if (errno == EAGAIN || errno == EWOULDBLOCK)
			return n;
		else if (errno != ENOBUFS &&
			 errno != EINTR) /* ENOBUFS: an overrun, reported once */
			die("recv");
	}
	return n;
}

/* A uevent socket in the calling thread's netns, bound to the uevent group. */
static int uevent_socket(void)
{
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK, .nl_groups = 1};
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_KOBJECT_UEVENT);

	if (fd < 0)
		die("socket");
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) < 0)
		die("SO_RCVBUFFORCE");
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		die("bind");
	return fd;
}

/* Out of the group first, so nothing arrives after the drain, then close. */
static void retire(int fd, struct ns *n)
{
	int group = 1;

	if (setsockopt(fd, SOL_NETLINK, NETLINK_DROP_MEMBERSHIP, &group, sizeof(group)) < 0)
		die("NETLINK_DROP_MEMBERSHIP");
	n->churn_got += drain(fd, 0);
	n->churn_drops += sock_drops(fd);
	close(fd);
}

static void *churner(void *arg)
{
	/* Zeroed: a slot is read only once the window filled it; the analyzer cannot see that. */
	int fds[MAX_WINDOW] = {0}, idx[MAX_WINDOW] = {0};
	struct timespec t0, next;
	long i, head = 0, open = 0;

	(void)arg;
	if (start_fifo) { /* blocks until a writer opens it and writes, or closes it */
		FILE *f = fopen(start_fifo, "r");

		if (!f)
			die(start_fifo);
		fgetc(f);
		fclose(f);
	}
	/* Cancelled only while it waits for the FIFO (a stop before the start); after that a stop
	 * request ends the churn between two sockets, never inside one. */
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
	if (churn_cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(churn_cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set) < 0)
			die("sched_setaffinity");
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < churn_total && !churn_stop; i++) {
		int k = (int)(i % nns);

		if (open == window) {
			retire(fds[head], &nss[idx[head]]);
			open--;
		}
		if (setns(nss[k].nsfd, CLONE_NEWNET) < 0)
			die("setns");
		fds[head] = uevent_socket();
		idx[head] = k;
		head = (head + 1) % window;
		open++;
		churned++;
		if (churn_rate) { /* pacing, not synchronisation: spread the churn over the flood */
			long long at = (long long)(i + 1) * 1000000000LL / churn_rate;

			next.tv_sec = t0.tv_sec + (t0.tv_nsec + at) / 1000000000LL;
			next.tv_nsec = (t0.tv_nsec + at) % 1000000000LL;
			while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) ==
			       EINTR)
				;
		}
	}
	for (; open; open--) { /* the oldest first: head - open, modulo window */
		long j = (head - open + window) % window;

		retire(fds[j], &nss[idx[j]]);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	struct epoll_event ev, evs[256];
	unsigned long long t_got = 0, t_drops = 0, t_cgot = 0, t_cdrops = 0;
	pthread_t churn_thread;
	int opt, self, ep, sfd, i;
	struct signalfd_siginfo si;
	struct stat st;
	sigset_t mask;

	while ((opt = getopt(argc, argv, "b:c:r:w:C:s:")) != -1) {
		switch (opt) {
		case 'b':
			rcvbuf = (int)num(optarg, "RCVBUF");
			break;
		case 'c':
			churn_total = num(optarg, "CHURN");
			break;
		case 'r':
			churn_rate = num(optarg, "PER_S");
			break;
		case 'w':
			window = num(optarg, "WINDOW");
			break;
		case 'C':
			churn_cpu = num(optarg, "CPU");
			break;
		case 's':
			start_fifo = optarg;
			break;
		default:
			goto usage;
		}
	}
	if (optind >= argc || window < 1 || window > MAX_WINDOW)
		goto usage;
	nns = argc - optind;
	nss = calloc(nns, sizeof(*nss));
	if (!nss)
		die("calloc");

	/* The signals arrive on a signalfd; the churner inherits the mask. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
		die("sigprocmask");
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	ep = epoll_create1(EPOLL_CLOEXEC);
	self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (sfd < 0 || ep < 0 || self < 0)
		die("signalfd, epoll or /proc/thread-self/ns/net");
	ev.events = EPOLLIN;
	ev.data.u32 = UINT32_MAX;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev) < 0)
		die("epoll_ctl");
	for (i = 0; i < nns; i++) {
		struct ns *n = &nss[i];

		n->nsfd = open(argv[optind + i], O_RDONLY | O_CLOEXEC);
		if (n->nsfd < 0 || fstat(n->nsfd, &st) < 0) {
			fprintf(stderr, "uevfarm: %s: %s\n", argv[optind + i], strerror(errno));
			return 1;
		}
		n->ino = st.st_ino;
		if (setns(n->nsfd, CLONE_NEWNET) < 0)
			die(argv[optind + i]);
		n->fd = uevent_socket();
		ev.data.u32 = (uint32_t)i;
		if (epoll_ctl(ep, EPOLL_CTL_ADD, n->fd, &ev) < 0)
			die("epoll_ctl");
	}
	if (setns(self, CLONE_NEWNET) < 0)
		die("setns back");
	if (pthread_create(&churn_thread, NULL, churner, NULL))
		die("pthread_create");
	printf("ready n=%d\n", nns);
	fflush(stdout);

	for (;;) {
		int k, nev = epoll_wait(ep, evs, 256, -1);

		if (nev < 0 && errno != EINTR)
			die("epoll_wait");
		for (k = 0; k < nev; k++) {
			if (evs[k].data.u32 != UINT32_MAX) {
				/* a bounded turn: under a flood one socket is never empty */
				nss[evs[k].data.u32].got += drain(nss[evs[k].data.u32].fd, 64);
				continue;
			}
			if (read(sfd, &si, sizeof(si)) != sizeof(si))
				die("signalfd read");
			goto stop;
		}
	}
stop:
	churn_stop = 1;
	pthread_cancel(churn_thread);
	pthread_join(churn_thread, NULL);
	for (i = 0; i < nns; i++) {
		struct ns *n = &nss[i];

		n->got += drain(n->fd, 0);
		n->drops = sock_drops(n->fd);
		printf("ns %llu listener=%llu drops=%llu churn=%llu churn_drops=%llu\n", n->ino,
		       n->got, n->drops, n->churn_got, n->churn_drops);
		t_got += n->got;
		t_drops += n->drops;
		t_cgot += n->churn_got;
		t_cdrops += n->churn_drops;
	}
	printf("total listener=%llu drops=%llu churn=%llu churn_drops=%llu churned=%ld\n", t_got,
	       t_drops, t_cgot, t_cdrops, churned);
	return 0;
usage:
	fprintf(stderr, "usage: uevfarm [-b RCVBUF] [-c CHURN] [-r PER_S] [-w WINDOW] [-C CPU] "
			"[-s FIFO] NETNS_PATH...\n");
	return 2;
}
