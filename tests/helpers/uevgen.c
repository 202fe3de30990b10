// SPDX-License-Identifier: GPL-2.0
/*
 * uevgen - generate synthetic kernel uevents as fast as possible, for uevscope tests.
 *
 * Usage: uevgen [-d SECONDS] [-n COUNT] [-w TEXT] [PATH]
 *
 * Each write of TEXT (default "change") into a sysfs uevent file (default
 * /sys/class/mem/null/uevent) makes the kernel emit one uevent. Stops after COUNT writes or
 * SECONDS, whichever comes first; with neither given, one write. Prints count, elapsed time
 * and rate.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Reading the clock on every write would cost a noticeable share of the rate. */
#define CLOCK_EVERY 256

static volatile sig_atomic_t stop_req;

static void on_stop(int sig)
{
	(void)sig;
	stop_req = 1;
}

static void usage(void)
{
	fprintf(stderr, "usage: uevgen [-d SECONDS] [-n COUNT] [-w TEXT] [PATH]\n");
	exit(2);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	const char *path = "/sys/class/mem/null/uevent", *text = "change";
	unsigned long long count = 0, n = 0;
	double seconds = 0, start, end, elapsed;
	struct sigaction sa;
	size_t len;
	char *e;
	int opt, fd;

	while ((opt = getopt(argc, argv, "d:n:w:")) != -1) {
		switch (opt) {
		case 'd':
			errno = 0;
			seconds = strtod(optarg, &e);
			if (errno || e == optarg || *e || !isfinite(seconds) || seconds <= 0) {
				fprintf(stderr, "uevgen: invalid SECONDS '%s'\n", optarg);
				return 2;
			}
			break;
		case 'n':
			errno = 0;
			count = strtoull(optarg, &e, 0);
			if (errno || e == optarg || *e || optarg[0] == '-') {
				fprintf(stderr, "uevgen: invalid COUNT '%s'\n", optarg);
				return 2;
			}
			break;
		case 'w':
			text = optarg;
			break;
		default:
			usage();
		}
	}
	if (argc - optind > 1)
		usage();
	if (optind < argc)
		path = argv[optind];
	if (!count && seconds <= 0)
		count = 1;
	len = strlen(text);

	/* Let a test stop a timed run early and still get the summary line. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "uevgen: open %s: %s\n", path, strerror(errno));
		return 1;
	}

	start = now_s();
	end = seconds > 0 ? start + seconds : 0;
	while (!stop_req && (!count || n < count)) {
		ssize_t w = pwrite(fd, text, len, 0);

		if (w != (ssize_t)len) {
			if (w < 0 && errno == EINTR)
				continue;
			fprintf(stderr, "uevgen: write %s after %llu writes: %s\n", path, n,
				w < 0 ? strerror(errno) : "short write");
			return 1;
		}
		n++;
		if (end > 0 && !(n % CLOCK_EVERY) && now_s() >= end)
			break;
	}
	elapsed = now_s() - start;

	printf("count=%llu seconds=%.6f rate=%llu\n", n, elapsed,
	       elapsed > 0 ? (unsigned long long)(n / elapsed) : 0ULL);
	close(fd);
	return 0;
}
