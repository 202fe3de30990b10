// SPDX-License-Identifier: GPL-2.0
/*
 * fwdlat - forwarding latency and flood throughput, host delivery to container delivery.
 *
 * Usage: fwdlat [-n COUNT] [-f] [-w IDLE_MS] NETNS_FILE
 *
 * Listens on two NETLINK_KOBJECT_UEVENT sockets, one in the host netns and one made inside
 * NETNS_FILE's netns (where a forwarder re-injects), and writes `change UUID` into
 * /sys/class/mem/null/uevent COUNT times; the UUID numbers each uevent, as the forwarded copy
 * carries SYNTH_UUID too (its SEQNUM is new). Each arrival is stamped with CLOCK_MONOTONIC
 * when recv() returns it.
 *   paced (default): one uevent at a time, the next once both copies arrived (or after
 *     IDLE_MS): latency = container arrival - return of the write() (the kernel delivered to
 *     the host's listeners inside it), per uevent, p50/p99/max in us.
 *   -f (flood): all COUNT written as fast as possible, then read until IDLE_MS pass without a
 *     container arrival: throughput = container arrivals / (last container arrival - first
 *     host arrival), and how many never arrived.
 * Prints one line: "mode=paced n= received= p50_us= p99_us= max_us=" or
 * "mode=flood n= host= received= lost= secs= rate=".
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/netlink.h>

#ifndef NETLINK_KOBJECT_UEVENT
#define NETLINK_KOBJECT_UEVENT 15
#endif

static uint32_t tag;
static uint64_t *t_host, *t_ctr, *lat; /* per uevent: arrivals; sorted latencies */
static unsigned int n_host, n_ctr;
static uint64_t first_host, last_ctr;
static unsigned int count = 1000;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static int listener(void)
{
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK, .nl_groups = 1};
	int sz = 64 << 20, fd;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_KOBJECT_UEVENT);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		perror("fwdlat: listener");
		exit(1);
	}
	return fd;
}

/* The index a SYNTH_UUID of ours carries, or -1. */
static long index_of(const char *buf, ssize_t n)
{
	ssize_t off = 0;
	unsigned int t, i;

	while (off < n) {
		const char *s = buf + off;

		if (!strncmp(s, "SYNTH_UUID=", 11) &&
		    sscanf(s + 11, "%8x-0000-4000-8000-%12x", &t, &i) == 2 && t == tag && i < count)
			return i;
		off += strnlen(s, n - off) + 1;
	}
	return -1;
}

static void drain(int fd, uint64_t *stamps, unsigned int *got, bool ctr)
{
	static char buf[8192];
	ssize_t n;
	long i;

	while ((n = recv(fd, buf, sizeof(buf), 0)) > 0 || (n < 0 && errno == ENOBUFS)) {
		uint64_t t = now_ns();

		if (n < 0) {
			fprintf(stderr, "fwdlat: %s socket overran\n", ctr ? "container" : "host");
			continue;
		}
		i = index_of(buf, n);
		if (i < 0 || stamps[i])
			continue;
		stamps[i] = t;
		(*got)++;
		if (!ctr && !first_host)
			first_host = t;
		if (ctr)
			last_ctr = t;
	}
}

static void fire(int sys, unsigned int i)
{
	char w[64];
	int len = snprintf(w, sizeof(w), "change %08x-0000-4000-8000-%012x", tag, i);

	if (pwrite(sys, w, len, 0) != len) {
		perror("fwdlat: write /sys/class/mem/null/uevent");
		exit(1);
	}
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	struct pollfd p[2];
	bool flood = false;
	unsigned int idle_ms = 1000, i, k = 0, p50, p99;
	int opt, home, ns, sys;

	while ((opt = getopt(argc, argv, "n:fw:")) != -1) {
		switch (opt) {
		case 'n':
			count = strtoul(optarg, NULL, 10);
			break;
		case 'f':
			flood = true;
			break;
		case 'w':
			idle_ms = strtoul(optarg, NULL, 10);
			break;
		default:
			fprintf(stderr, "usage: fwdlat [-n COUNT] [-f] [-w IDLE_MS] NETNS_FILE\n");
			return 2;
		}
	}
	if (optind != argc - 1 || !count || count > 10000000) {
		fprintf(stderr, "usage: fwdlat [-n COUNT] [-f] [-w IDLE_MS] NETNS_FILE\n");
		return 2;
	}
	t_host = calloc(count, sizeof(*t_host));
	t_ctr = calloc(count, sizeof(*t_ctr));
	lat = calloc(count, sizeof(*lat));
	home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	ns = open(argv[optind], O_RDONLY | O_CLOEXEC);
	sys = open("/sys/class/mem/null/uevent", O_WRONLY | O_CLOEXEC);
	if (!t_host || !t_ctr || !lat || home < 0 || ns < 0 || sys < 0) {
		perror("fwdlat: setup");
		exit(1); /* the process goes, and its memory with it */
	}
	p[0].fd = listener();
	if (setns(ns, CLONE_NEWNET)) {
		perror("fwdlat: setns");
		exit(1);
	}
	p[1].fd = listener();
	setns(home, CLONE_NEWNET);
	p[0].events = p[1].events = POLLIN;
	tag = (uint32_t)(now_ns() ^ getpid());

	if (flood) {
		uint64_t last = 0;

		for (i = 0; i < count; i++)
			fire(sys, i);
		last = now_ns();
		for (;;) {
			unsigned int before = n_ctr;

			poll(p, 2, 50);
			drain(p[0].fd, t_host, &n_host, false);
			drain(p[1].fd, t_ctr, &n_ctr, true);
			if (n_ctr != before)
				last = now_ns();
			if (n_ctr == count || now_ns() - last > idle_ms * 1000000ull)
				break;
		}
		printf("mode=flood n=%u host=%u received=%u lost=%u secs=%.3f rate=%.0f\n", count,
		       n_host, n_ctr, count - n_ctr, (last_ctr - first_host) / 1e9,
		       n_ctr && last_ctr > first_host ? n_ctr / ((last_ctr - first_host) / 1e9)
						      : 0);
		return 0;
	}
	for (i = 0; i < count; i++) {
		uint64_t deadline, t_fire;

		fire(sys, i);
		/*
		 * The kernel broadcast to the host's listeners (the forwarder's among
		 * them) inside that write(): its return is the host delivery time.
		 * Our own recv() of the host copy would be later, by our wakeup.
		 */
		t_fire = now_ns();
		deadline = t_fire + idle_ms * 1000000ull;
		while ((!t_host[i] || !t_ctr[i]) && now_ns() < deadline) {
			poll(p, 2, 20);
			drain(p[0].fd, t_host, &n_host, false);
			drain(p[1].fd, t_ctr, &n_ctr, true);
		}
		if (t_host[i] && t_ctr[i])
			lat[k++] = t_ctr[i] - t_fire;
	}
	qsort(lat, k, sizeof(*lat), cmp_u64);
	p50 = k / 2;
	p99 = k * 99 / 100 < k ? k * 99 / 100 : k - 1;
	printf("mode=paced n=%u received=%u p50_us=%.1f p99_us=%.1f max_us=%.1f\n", count, k,
	       k ? (double)lat[p50] / 1e3 : 0, k ? (double)lat[p99] / 1e3 : 0,
	       k ? (double)lat[k - 1] / 1e3 : 0);
	return 0;
}
