// SPDX-License-Identifier: GPL-2.0
/*
 * readyat - the CLOCK_MONOTONIC time at which a program says it is ready, for bench/peers.sh.
 *
 * Usage: readyat                        prints CLOCK_MONOTONIC now, in ns
 *        readyat FILE TEXT PID [SECS]   waits until FILE holds TEXT, then prints the time at
 *                                       which it was seen, in ns
 *
 * The file is read as it grows, every millisecond: a shell loop of `sleep 0.05` and grep would
 * add tens of milliseconds to start-up times of a few (udevadm monitor). Exit 1 when PID ends
 * before TEXT appears or SECS (default 60) pass, 2 on bad usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* Ended: gone, or a zombie its parent (the shell that started both of us) has not reaped. */
static int ended(long pid)
{
	char path[64], stat[256], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT;
	n = read(fd, stat, sizeof(stat) - 1);
	close(fd);
	if (n <= 0)
		return 1;
	stat[n] = 0;
	p = strrchr(stat, ')'); /* the state follows the command name, which may hold blanks */
	return p && p[1] == ' ' && (p[2] == 'Z' || p[2] == 'X');
}

static void usage(void)
{
	fprintf(stderr, "usage: readyat [FILE TEXT PID [SECS]]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const struct timespec ms = {.tv_nsec = 1000000};
	char buf[65536 + 4096];
	size_t tlen, keep = 0;
	uint64_t deadline;
	long pid, secs = 60;
	ssize_t n;
	char *e;
	int fd = -1;

	if (argc == 1) {
		printf("%llu\n", (unsigned long long)now_ns());
		return 0;
	}
	if (argc < 4 || argc > 5)
		usage();
	tlen = strlen(argv[2]);
	pid = strtol(argv[3], &e, 10);
	if (!tlen || tlen > 4096 || *e || pid <= 0)
		usage();
	if (argc == 5) {
		secs = strtol(argv[4], &e, 10);
		if (*e || secs <= 0)
			usage();
	}
	deadline = now_ns() + secs * 1000000000ull;
	for (;;) {
		if (fd < 0)
			fd = open(argv[1], O_RDONLY | O_CLOEXEC);
		/* Read what was added since the last pass; keep the tail a match may straddle. */
		while (fd >= 0 && (n = read(fd, buf + keep, sizeof(buf) - keep)) > 0) {
			uint64_t seen = now_ns();
			size_t len = keep + n;

			if (memmem(buf, len, argv[2], tlen)) {
				printf("%llu\n", (unsigned long long)seen);
				return 0;
			}
			keep = len < tlen - 1 ? len : tlen - 1;
			memmove(buf, buf + len - keep, keep);
		}
		if (ended(pid)) {
			fprintf(stderr, "readyat: process %ld ended before \"%s\"\n", pid, argv[2]);
			return 1;
		}
		if (now_ns() > deadline) {
			fprintf(stderr, "readyat: no \"%s\" in %s after %ld s\n", argv[2], argv[1],
				secs);
			return 1;
		}
		nanosleep(&ms, NULL);
	}
}
