// SPDX-License-Identifier: GPL-2.0
/*
 * uevcraft - inject a crafted uevent payload, byte for byte, as a hostile container would.
 *
 * Usage: uevcraft PAYLOAD...
 *
 * The arguments are joined, each followed by a NUL (one segment each), after C escapes are
 * decoded: \xNN, \0, \\. So `uevcraft 'ab@/\x02' ACTION=add` sends "ab@/\x02\0ACTION=add\0".
 * The payload is framed as the kernel requires (struct nlmsghdr, type 20, NLM_F_REQUEST |
 * NLM_F_ACK) and sent to the kernel on a NETLINK_KOBJECT_UEVENT socket, which appends
 * "SEQNUM=N\0" and broadcasts it into the sender's network namespace. Prints
 * "sent len=N ack=ERR" (ERR 0: accepted), exit 1 if refused or no ack came within 1 s.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/netlink.h>

#ifndef NETLINK_KOBJECT_UEVENT
#define NETLINK_KOBJECT_UEVENT 15
#endif

static size_t unescape(char *dst, const char *s)
{
	size_t o = 0;

	while (*s) {
		if (s[0] == '\\' && s[1] == 'x' && s[2] && s[3]) {
			char hex[3] = {s[2], s[3], 0};

			dst[o++] = (char)strtoul(hex, NULL, 16);
			s += 4;
		} else if (s[0] == '\\' && s[1] == '0') {
			dst[o++] = 0;
			s += 2;
		} else if (s[0] == '\\' && s[1] == '\\') {
			dst[o++] = '\\';
			s += 2;
		} else {
			dst[o++] = *s++;
		}
	}
	return o;
}

int main(int argc, char **argv)
{
	static char msg[65536] __attribute__((aligned(NLMSG_ALIGNTO)));
	static char buf[8192] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK}, kernel = {.nl_family = AF_NETLINK};
	struct nlmsghdr *nlh = (struct nlmsghdr *)msg;
	struct pollfd pfd;
	size_t off = NLMSG_HDRLEN;
	ssize_t n;
	int fd;

	if (argc < 2) {
		fprintf(stderr, "usage: uevcraft PAYLOAD...\n");
		return 2;
	}
	for (int i = 1; i < argc; i++) {
		if (off + 2 * strlen(argv[i]) + 1 > sizeof(msg)) {
			fprintf(stderr, "uevcraft: payload over %zu bytes\n", sizeof(msg));
			return 2;
		}
		off += unescape(msg + off, argv[i]);
		msg[off++] = 0;
	}
	nlh->nlmsg_len = (__u32)off;
	nlh->nlmsg_type = 20;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = 1;
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_KOBJECT_UEVENT);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("uevcraft: socket");
		return 1;
	}
	if (sendto(fd, msg, off, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0) {
		fprintf(stderr, "uevcraft: sendto: %s\n", strerror(errno));
		return 1;
	}
	pfd.fd = fd;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, 1000) != 1 || (n = recv(fd, buf, sizeof(buf), 0)) < 0) {
		fprintf(stderr, "uevcraft: no ack from the kernel within 1 s\n");
		return 1;
	}
	for (nlh = (struct nlmsghdr *)buf; NLMSG_OK(nlh, (size_t)n); nlh = NLMSG_NEXT(nlh, n)) {
		int err;

		if (nlh->nlmsg_type != NLMSG_ERROR)
			continue;
		err = ((struct nlmsgerr *)NLMSG_DATA(nlh))->error;
		printf("sent len=%zu ack=%d\n", off - NLMSG_HDRLEN, err);
		return err ? 1 : 0;
	}
	fprintf(stderr, "uevcraft: no ack in the reply\n");
	return 1;
}
