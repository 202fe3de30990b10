// SPDX-License-Identifier: GPL-2.0
/*
 * uevhold - uevent sockets held in the odd ways the two inventory walks
 * disagree on, for uevscope tests (tests/integration/60-listeners.sh).
 *
 * Usage: uevhold pass|inflight|away|fds N
 *
 *  pass      a socket made here, sent over SCM_RIGHTS to a forked child, then
 *            this process exits: the child, which received it, is its only holder.
 *  inflight  a socket sent over SCM_RIGHTS into a socketpair and never received:
 *            in flight, held by no process (the queued message holds it).
 *  away      a socket made in a new network namespace, then this process goes
 *            back to its own netns: that netns has no process and no name; only
 *            the socket holds it.
 *  fds N     no uevent socket: N open files of /dev/null, spread over as many
 *            processes as RLIMIT_NOFILE needs (each dies with this one): what a
 *            hostile container can put in the one walk's way (bench/).
 *
 * Each socket is bound to uevent group 1. Prints "ready pid=HOLDER ino=SOCKET
 * netns=NETNS" once set up (HOLDER: the process to kill to end it, the child for
 * pass); away then prints the user uevent rows of its netns's /proc/net/netlink
 * as "row PORTID DROPS INODE", read from inside it (the independent truth). The
 * holder then waits for SIGTERM; exit 0, 1 on a setup error.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <linux/netlink.h>
#include <linux/sockios.h>

#ifndef NETLINK_KOBJECT_UEVENT
#define NETLINK_KOBJECT_UEVENT 15
#endif

static int die(const char *what)
{
	fprintf(stderr, "uevhold: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int uevent_socket(void)
{
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK, .nl_groups = 1};
	int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_KOBJECT_UEVENT);

	if (fd < 0)
		die("socket");
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)))
		die("bind");
	return fd;
}

static unsigned long ino_of(int fd)
{
	struct stat st;

	if (fstat(fd, &st))
		die("fstat");
	return st.st_ino;
}

/* The socket's own netns (SIOCGSKNS), not ours: the kernel's word for where it lives. */
static unsigned long netns_of(int sock)
{
	int ns = ioctl(sock, SIOCGSKNS);
	unsigned long ino;

	if (ns < 0)
		die("SIOCGSKNS");
	ino = ino_of(ns);
	close(ns);
	return ino;
}

static void send_fd(int via, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = {0}, byte = 'x';
	struct iovec iov = {.iov_base = &byte, .iov_len = 1};
	struct msghdr msg = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	if (sendmsg(via, &msg, 0) != 1)
		die("sendmsg");
}

static int recv_fd(int via)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = {0}, byte;
	struct iovec iov = {.iov_base = &byte, .iov_len = 1};
	struct msghdr msg = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
	struct cmsghdr *c;
	int fd;

	if (recvmsg(via, &msg, MSG_CMSG_CLOEXEC) != 1)
		die("recvmsg");
	c = CMSG_FIRSTHDR(&msg);
	if (!c || c->cmsg_type != SCM_RIGHTS)
		die("no SCM_RIGHTS");
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

static void wait_term(void)
{
	sigset_t set;
	int sig;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	sigwait(&set, &sig);
	exit(0);
}

static void print_rows(void)
{
	char line[512];
	FILE *f = fopen("/proc/thread-self/net/netlink", "r");
	unsigned long ino;
	unsigned int proto, portid, drops;

	if (!f)
		die("/proc/thread-self/net/netlink");
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%*s %u %u %*s %*s %*s %*s %*s %u %lu", &proto, &portid, &drops,
			   &ino) == 4 &&
		    proto == NETLINK_KOBJECT_UEVENT && portid)
			printf("row %u %u %lu\n", portid, drops, ino);
	fclose(f);
}

static void hold_fds(long n)
{
	struct rlimit rl;
	long per, left, i, procs = 0;
	int done[2];
	char c;

	if (n <= 0 || getrlimit(RLIMIT_NOFILE, &rl))
		die("fds: N > 0");
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
	per = (long)rl.rlim_cur - 64;
	if (per <= 0 || pipe(done))
		die("fds: RLIMIT_NOFILE");
	fflush(stdout);
	for (left = n; left > 0; left -= per, procs++) {
		pid_t p = fork();

		if (p < 0)
			die("fork");
		if (!p) {
			prctl(PR_SET_PDEATHSIG, SIGTERM);
			for (i = 0; i < (left < per ? left : per); i++)
				if (open("/dev/null", O_RDONLY) < 0)
					die("open");
			if (write(done[1], "k", 1) != 1)
				die("write");
			wait_term();
		}
	}
	for (i = 0; i < procs; i++)
		if (read(done[0], &c, 1) != 1)
			die("read");
	printf("ready pid=%d fds=%ld procs=%ld\n", getpid(), n, procs);
	fflush(stdout);
	wait_term();
}

int main(int argc, char **argv)
{
	int sv[2], sock, self, there;
	pid_t child;

	if (argc == 3 && !strcmp(argv[1], "fds"))
		hold_fds(atol(argv[2]));
	if (argc != 2)
		return fprintf(stderr, "usage: uevhold pass|inflight|away|fds N\n"), 2;
	if (!strcmp(argv[1], "away")) {
		self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
		if (self < 0 || unshare(CLONE_NEWNET))
			die("unshare");
		sock = uevent_socket();
		there = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
		if (there < 0 || setns(self, CLONE_NEWNET))
			die("setns back");
		printf("ready pid=%d ino=%lu netns=%lu\n", getpid(), ino_of(sock), netns_of(sock));
		/* The truth from inside, then nothing but the socket keeps that netns. */
		if (setns(there, CLONE_NEWNET))
			die("setns there");
		print_rows();
		if (setns(self, CLONE_NEWNET))
			die("setns back");
		close(there);
		close(self);
		fflush(stdout);
		wait_term();
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		die("socketpair");
	sock = uevent_socket();
	if (!strcmp(argv[1], "inflight")) {
		unsigned long ino = ino_of(sock), ns = netns_of(sock);

		send_fd(sv[0], sock);
		close(sock);
		printf("ready pid=%d ino=%lu netns=%lu\n", getpid(), ino, ns);
		fflush(stdout);
		wait_term();
	}
	if (strcmp(argv[1], "pass"))
		return fprintf(stderr, "uevhold: unknown mode '%s'\n", argv[1]), 2;
	fflush(stdout);
	child = fork();
	if (child < 0)
		die("fork");
	if (!child) {
		char ok = 'k';
		int got;

		close(sock);
		got = recv_fd(sv[1]);
		printf("ready pid=%d ino=%lu netns=%lu\n", getpid(), ino_of(got), netns_of(got));
		fflush(stdout);
		if (write(sv[1], &ok, 1) != 1)
			die("write");
		wait_term();
	}
	send_fd(sv[0], sock);
	close(sock);
	/* Exit only once the child holds it: then it is the socket's only holder. */
	if (read(sv[0], argv[1], 1) != 1)
		die("read");
	return 0;
}
