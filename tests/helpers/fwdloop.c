// SPDX-License-Identifier: GPL-2.0
/*
 * fwdloop - a plain listen-and-inject loop, the baseline `uevscope forward` is measured against.
 *
 * Usage: fwdloop NETNS_FILE...
 *
 * What LXD's forkuevent does, reduced to its loop: one NETLINK_KOBJECT_UEVENT listener in the
 * host netns, one socket made inside each target netns (setns() there and back), and every
 * kernel uevent re-sent into each target as it came, SEQNUM left out (the kernel appends its
 * own), framed as the kernel requires, without waiting for an ack, without matching, counters,
 * or coldplug. Prints "ready" once listening; on SIGTERM "forwarded=N failed=N enobufs=N".
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/netlink.h>

#ifndef NETLINK_KOBJECT_UEVENT
#define NETLINK_KOBJECT_UEVENT 15
#endif
#define MAX_TARGETS 16

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static int socket_in(const char *nsfile, int home)
{
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
	int ns = open(nsfile, O_RDONLY | O_CLOEXEC), fd;

	if (ns < 0 || setns(ns, CLONE_NEWNET)) {
		fprintf(stderr, "fwdloop: %s: %s\n", nsfile, strerror(errno));
		exit(1);
	}
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_KOBJECT_UEVENT);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || setns(home, CLONE_NEWNET)) {
		fprintf(stderr, "fwdloop: socket in %s: %s\n", nsfile, strerror(errno));
		exit(1);
	}
	close(ns);
	return fd;
}

int main(int argc, char **argv)
{
	static char buf[8192], out[8192 + NLMSG_HDRLEN];
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK, .nl_groups = 1},
			   kernel = {.nl_family = AF_NETLINK};
	struct sigaction act = {.sa_handler = on_term};
	long long forwarded = 0, failed = 0, enobufs = 0;
	int host, home, targets[MAX_TARGETS], nt = 0, sz = 64 << 20, i;

	if (argc < 2 || argc - 1 > MAX_TARGETS) {
		fprintf(stderr, "usage: fwdloop NETNS_FILE...\n");
		return 2;
	}
	home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	for (i = 1; i < argc; i++)
		targets[nt++] = socket_in(argv[i], home);
	host = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_KOBJECT_UEVENT);
	if (host < 0 || setsockopt(host, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) ||
	    bind(host, (struct sockaddr *)&sa, sizeof(sa))) {
		perror("fwdloop: host socket");
		return 1;
	}
	sigaction(SIGTERM, &act, NULL);
	sigaction(SIGINT, &act, NULL);
	printf("ready pid=%d\n", (int)getpid());
	fflush(stdout);
	while (!stop) {
		struct nlmsghdr *nh = (struct nlmsghdr *)out;
		ssize_t n = recv(host, buf, sizeof(buf) - 1, 0);
		size_t len, off, seg;

		if (n < 0) {
			enobufs += errno == ENOBUFS;
			continue;
		}
		/* Every segment but SEQNUM=, which the kernel appends again. */
		for (len = off = 0; off < (size_t)n; off += seg + 1) {
			seg = strnlen(buf + off, n - off);
			if (!strncmp(buf + off, "SEQNUM=", 7))
				continue;
			memcpy(out + NLMSG_HDRLEN + len, buf + off, seg);
			out[NLMSG_HDRLEN + len + seg] = '\0';
			len += seg + 1;
		}
		memset(nh, 0, NLMSG_HDRLEN);
		nh->nlmsg_len = NLMSG_HDRLEN + len;
		nh->nlmsg_type = NLMSG_MIN_TYPE;
		nh->nlmsg_flags = NLM_F_REQUEST;
		for (i = 0; i < nt; i++) {
			if (sendto(targets[i], out, nh->nlmsg_len, 0, (struct sockaddr *)&kernel,
				   sizeof(kernel)) < 0)
				failed++;
			else
				forwarded++;
		}
	}
	printf("forwarded=%lld failed=%lld enobufs=%lld\n", forwarded, failed, enobufs);
	return 0;
}
