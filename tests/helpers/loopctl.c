// SPDX-License-Identifier: GPL-2.0
/*
 * loopctl: adds or removes a loop device through /dev/loop-control, so a test
 * can make a device leave for real. `losetup -d` only detaches the backing
 * file (a change uevent); LOOP_CTL_REMOVE deletes the gendisk, whose kobject
 * goes with a remove uevent, and devtmpfs drops /dev/loopN.
 * usage: loopctl add N | remove N
 * Prints "loop N added" or "loop N removed"; exit 1 with the errno name on failure
 * (EBUSY: still bound to a file, or open; EEXIST: there already).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <linux/loop.h>

int main(int argc, char **argv)
{
	unsigned long req;
	char *end;
	long n;
	int fd, rc;

	if (argc != 3 || (strcmp(argv[1], "add") && strcmp(argv[1], "remove"))) {
		fprintf(stderr, "usage: loopctl add N | remove N\n");
		return 2;
	}
	n = strtol(argv[2], &end, 10);
	if (*end || n < 0 || n > (1 << 20)) {
		fprintf(stderr, "loopctl: '%s' is not a loop number\n", argv[2]);
		return 2;
	}
	req = strcmp(argv[1], "add") ? LOOP_CTL_REMOVE : LOOP_CTL_ADD;
	fd = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "loopctl: /dev/loop-control: %s\n", strerror(errno));
		return 1;
	}
	rc = ioctl(fd, req, n);
	if (rc < 0) {
		fprintf(stderr, "loopctl: %s %ld: %s\n", argv[1], n, strerror(errno));
		close(fd);
		return 1;
	}
	close(fd);
	printf("loop %ld %s\n", n, req == LOOP_CTL_ADD ? "added" : "removed");
	return 0;
}
