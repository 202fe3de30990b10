// SPDX-License-Identifier: GPL-2.0
/*
 * nsowner - which user namespace owns each namespace, for uevscope tests.
 *
 * Usage: nsowner PATH...
 *
 * For each namespace file (/proc/PID/ns/net, /run/netns/NAME) prints
 * "INODE OWNER_USERNS_INODE PATH", from the kernel's NS_GET_USERNS ioctl: an
 * independent truth to compare uevscope's tagging with (only network namespaces
 * owned by the initial user namespace get kernel uevents). Paths that vanish
 * or cannot be asked are skipped silently; exit 0.
 */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#ifndef NS_GET_USERNS
#define NS_GET_USERNS _IO(0xb7, 0x1)
#endif

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		struct stat ns, owner;
		int fd = open(argv[i], O_RDONLY | O_CLOEXEC);
		int ufd;

		if (fd < 0)
			continue;
		ufd = ioctl(fd, NS_GET_USERNS);
		if (ufd >= 0 && !fstat(fd, &ns) && !fstat(ufd, &owner))
			printf("%llu %llu %s\n", (unsigned long long)ns.st_ino,
			       (unsigned long long)owner.st_ino, argv[i]);
		if (ufd >= 0)
			close(ufd);
		close(fd);
	}
	return 0;
}
