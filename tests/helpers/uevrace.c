// SPDX-License-Identifier: GPL-2.0
/*
 * uevrace - the new-socket race against a deny rule, for uevscope tests.
 *
 * Usage: uevrace [-b] [-d DEADLINE_MS] MODE N
 *
 * Run inside the network namespace a rule denies SUBSYSTEM=="racedeny" in. N times: create a
 * uevent socket, join group 1, inject a denied uevent (SUBSYSTEM=racedeny) and then an allowed
 * control (SUBSYSTEM=raceallow) into this netns, and read until that iteration's control
 * arrives or the deadline passes. A denied uevent read is a leak. -b also injects denied
 * uevents from a child, without pause, for the whole run. MODE is how the socket is made and
 * joined:
 *   bind     socket(), bind() with nl_groups 1, as any listener does
 *   sigcont  the same, while a sibling sends SIGCONT to this process without pause
 *   passfd   the same sibling; the socket is made here and passed (SCM_RIGHTS) to a child,
 *            which binds and reads; this process keeps its copy open
 *   thread   a second thread binds the descriptor number socket() is about to return,
 *            without pause, before socket() has returned it
 *   ia32     prints "ia32 yes" when this kernel takes a 32-bit syscall (int $0x80), else
 *            "ia32 no" (a child tries; with ia32 emulation off it dies of SIGSEGV)
 *   time     no uevents: times socket() N times, prints "socket_us median M p90 P max X"
 *            (for bench/filter-hold.sh: what holding a task at socket() costs it)
 * One line per iteration on stdout, flushed: "iter I leaks L control 0|1"; at the end
 * "done iterations N leaks L controls C". A process killed midway stops printing: the test
 * reads its exit status. Exit 0 when done, 1 on an error of the run itself.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <linux/netlink.h>

#ifndef NETLINK_KOBJECT_UEVENT
#define NETLINK_KOBJECT_UEVENT 15
#endif

static int deadline_ms = 5000;
static int inj_fd = -1;
static unsigned long leaks, controls;

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void die(const char *what)
{
	fprintf(stderr, "uevrace: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int uevent_socket(void)
{
	int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_KOBJECT_UEVENT);

	if (fd < 0)
		die("socket");
	return fd;
}

static void join(int fd)
{
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK, .nl_groups = 1};

	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)))
		die("bind");
}

/* One uevent into this netns: ACTION=add, DEVPATH=/devices/virtual/SUBSYS/TAG. */
static void inject(const char *subsys, const char *tag)
{
	char msg[512] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
	struct nlmsghdr *nlh = (struct nlmsghdr *)msg;
	size_t off = NLMSG_HDRLEN;

	memset(msg, 0, sizeof(msg));
	off += sprintf(msg + off, "add@/devices/virtual/%s/%s", subsys, tag) + 1;
	off += sprintf(msg + off, "ACTION=add") + 1;
	off += sprintf(msg + off, "DEVPATH=/devices/virtual/%s/%s", subsys, tag) + 1;
	off += sprintf(msg + off, "SUBSYSTEM=%s", subsys) + 1;
	nlh->nlmsg_len = off;
	nlh->nlmsg_type = 20;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	if (sendto(inj_fd, msg, off, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
		die("inject");
}

/* Injects the denied uevent and the control of iteration i, reads until the control. */
static void one_window(int fd, unsigned long i)
{
	char tag[32], want[64], buf[4096];
	long long end = now_ms() + deadline_ms;
	unsigned long got_leaks = 0;
	int control = 0;

	snprintf(tag, sizeof(tag), "i%lu", i);
	snprintf(want, sizeof(want), "add@/devices/virtual/raceallow/%s", tag);
	inject("racedeny", tag);
	inject("raceallow", tag);
	while (!control) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		long long left = end - now_ms();
		ssize_t n;

		if (left <= 0)
			break;
		if (poll(&p, 1, (int)left) <= 0)
			continue;
		n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
		if (n <= 0)
			continue;
		buf[n] = '\0';
		if (strstr(buf, "@/devices/virtual/racedeny/"))
			got_leaks++;
		else if (!strcmp(buf, want))
			control = 1;
	}
	leaks += got_leaks;
	controls += control;
	printf("iter %lu leaks %lu control %d\n", i, got_leaks, control);
	fflush(stdout);
}

/* A child that dies with its parent and runs fn forever. */
static pid_t spawn(void (*fn)(pid_t), pid_t arg)
{
	pid_t pid = fork();

	if (pid < 0)
		die("fork");
	if (!pid) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		fn(arg);
		_exit(0);
	}
	return pid;
}

static void sigcont_loop(pid_t target)
{
	for (;;)
		if (kill(target, SIGCONT) && errno == ESRCH)
			return;
}

static void deny_loop(pid_t unused)
{
	unsigned long i = 0;
	char tag[32];

	(void)unused;
	for (;;) {
		snprintf(tag, sizeof(tag), "bg%lu", i++);
		inject("racedeny", tag);
		usleep(50);
	}
}

static int send_fd(int via, int fd)
{
	char c = 'f', cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = {.iov_base = &c, .iov_len = 1};
	struct msghdr m = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&m);

	memset(cbuf, 0, sizeof(cbuf));
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(via, &m, 0) == 1 ? 0 : -1;
}

static int recv_fd(int via)
{
	char c, cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = {.iov_base = &c, .iov_len = 1};
	struct msghdr m = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
	struct cmsghdr *cm;
	int fd;

	if (recvmsg(via, &m, 0) != 1)
		return -1;
	cm = CMSG_FIRSTHDR(&m);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

static void run_passfd(unsigned long n)
{
	int sv[2], st;
	unsigned long i;
	pid_t child;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		die("socketpair");
	child = fork();
	if (child < 0)
		die("fork");
	if (!child) {
		close(sv[0]);
		for (i = 0; i < n; i++) {
			int fd = recv_fd(sv[1]);

			if (fd < 0)
				die("recv_fd");
			join(fd);
			one_window(fd, i);
			close(fd);
			if (write(sv[1], "k", 1) != 1)
				die("write");
		}
		printf("done iterations %lu leaks %lu controls %lu\n", n, leaks, controls);
		fflush(stdout);
		_exit(0);
	}
	close(sv[1]);
	for (i = 0; i < n; i++) {
		int fd = uevent_socket();
		char c;

		if (send_fd(sv[0], fd) || read(sv[0], &c, 1) != 1)
			break; /* the child is gone: its status tells */
		close(fd);
	}
	if (waitpid(child, &st, 0) != child)
		die("waitpid");
	/* The child's fate is the run's: killed by a signal, or its exit code. */
	if (WIFSIGNALED(st))
		raise(WTERMSIG(st));
	exit(WEXITSTATUS(st));
}

static volatile int next_fd = -1;

static void *binder(void *arg)
{
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK, .nl_groups = 1};

	(void)arg;
	for (;;) {
		int fd = next_fd;

		if (fd >= 0 && !bind(fd, (struct sockaddr *)&sa, sizeof(sa)))
			next_fd = -1;
	}
	return NULL;
}

static void run_thread(unsigned long n)
{
	pthread_t t;
	unsigned long i;

	if (pthread_create(&t, NULL, binder, NULL))
		die("pthread_create");
	for (i = 0; i < n; i++) {
		int probe = dup(0), fd;

		if (probe < 0)
			die("dup");
		close(probe);
		next_fd = probe; /* socket() returns the lowest free number: this one */
		fd = uevent_socket();
		if (fd != probe) {
			errno = EBADFD;
			die("socket() returned another descriptor");
		}
		while (next_fd != -1) /* the thread's bind() has succeeded */
			;
		one_window(fd, i);
		close(fd);
	}
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

static void run_time(unsigned long n)
{
	long long *us = calloc(n ? n : 1, sizeof(*us));
	unsigned long mid, p90;
	struct timespec a, b;
	unsigned long i;

	if (!us || !n)
		die("calloc");
	for (i = 0; i < n; i++) {
		int fd;

		clock_gettime(CLOCK_MONOTONIC, &a);
		fd = uevent_socket();
		clock_gettime(CLOCK_MONOTONIC, &b);
		close(fd);
		us[i] = (b.tv_sec - a.tv_sec) * 1000000000LL + (b.tv_nsec - a.tv_nsec);
	}
	qsort(us, n, sizeof(*us), cmp_ll);
	mid = n / 2;
	p90 = n * 9 / 10;
	printf("socket_us median %.1f p90 %.1f max %.1f\n", (double)us[mid] / 1e3,
	       (double)us[p90] / 1e3, (double)us[n - 1] / 1e3);
	free(us);
	exit(0);
}

static void run_ia32(void)
{
	int st = 1;
#if defined(__x86_64__)
	pid_t pid = fork();

	if (pid < 0)
		die("fork");
	if (!pid) {
		long ret = 20; /* __NR_getpid on i386 */

		__asm__ volatile("int $0x80" : "+a"(ret) : : "memory", "r8", "r9", "r10", "r11");
		_exit(ret > 0 ? 0 : 1);
	}
	if (waitpid(pid, &st, 0) != pid)
		die("waitpid");
#endif
	printf("ia32 %s\n", WIFEXITED(st) && WEXITSTATUS(st) == 0 ? "yes" : "no");
	exit(0);
}

int main(int argc, char **argv)
{
	unsigned long n, i;
	const char *mode;
	int opt, bg = 0;

	while ((opt = getopt(argc, argv, "bd:")) != -1) {
		if (opt == 'b')
			bg = 1;
		else if (opt == 'd')
			deadline_ms = atoi(optarg);
		else
			goto usage;
	}
	if (argc - optind != 2)
		goto usage;
	mode = argv[optind];
	n = strtoul(argv[optind + 1], NULL, 10);
	if (!strcmp(mode, "time"))
		run_time(n);
	if (!strcmp(mode, "ia32"))
		run_ia32();
	inj_fd = uevent_socket();
	if (bg)
		spawn(deny_loop, 0);
	if (!strcmp(mode, "sigcont") || !strcmp(mode, "passfd"))
		spawn(sigcont_loop, getpid());
	if (!strcmp(mode, "passfd")) {
		run_passfd(n);
	} else if (!strcmp(mode, "thread")) {
		run_thread(n);
	} else if (!strcmp(mode, "bind") || !strcmp(mode, "sigcont")) {
		for (i = 0; i < n; i++) {
			int fd = uevent_socket();

			join(fd);
			one_window(fd, i);
			close(fd);
		}
	} else {
		goto usage;
	}
	printf("done iterations %lu leaks %lu controls %lu\n", n, leaks, controls);
	return 0;
usage:
	fprintf(stderr,
		"usage: uevrace [-b] [-d DEADLINE_MS] bind|sigcont|passfd|thread|ia32|time N\n");
	return 2;
}
