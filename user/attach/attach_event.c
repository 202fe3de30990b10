// SPDX-License-Identifier: GPL-2.0
/*
 * The add/remove uevent of a hotplugged device, injected into the container's
 * network namespace in both formats: the kernel's (sent to the kernel, which
 * adds SEQNUM and broadcasts to group 1 of the sender's netns only, see
 * uevent_net_rcv_skb()) and libudev's (group 2, what udev's monitor hears).
 * A netns owned by a container's user namespace gets no kernel uevents at all
 * ("netns: restrict uevents", 4.18), so without this its listeners never learn.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include "attach.h"
#include "strbuf.h"

#ifndef NETLINK_KOBJECT_UEVENT
#define NETLINK_KOBJECT_UEVENT 15
#endif

/* libudev's monitor header (systemd's sd-device-monitor.c), all fields big endian but sizes. */
struct udev_nl_header {
	char prefix[8]; /* "libudev" */
	uint32_t magic; /* htonl(0xfeedcafe) */
	uint32_t header_size;
	uint32_t properties_off;
	uint32_t properties_len;
	uint32_t filter_subsystem_hash;
	uint32_t filter_devtype_hash;
	uint32_t filter_tag_bloom_hi;
	uint32_t filter_tag_bloom_lo;
};

/* MurmurHash2 with seed 0: libudev's string_hash32(), matched by subsystem filters. */
static uint32_t murmur2(const char *s)
{
	const uint32_t m = 0x5bd1e995;
	uint32_t len = strlen(s), h = len, k;
	const unsigned char *d = (const unsigned char *)s;

	for (; len >= 4; d += 4, len -= 4) {
		k = d[0] | d[1] << 8 | d[2] << 16 | (uint32_t)d[3] << 24;
		k *= m;
		k ^= k >> 24;
		k *= m;
		h = h * m ^ k;
	}
	switch (len) {
	case 3:
		h ^= d[2] << 16;
		/* fallthrough */
	case 2:
		h ^= d[1] << 8;
		/* fallthrough */
	case 1:
		h ^= d[0];
		h *= m;
	}
	h ^= h >> 13;
	h *= m;
	return h ^ (h >> 15);
}

static void props(struct strbuf *sb, const struct att_dev *d, const char *action, bool udev)
{
	const char *name = d->node;

	/* The kernel names nodes below /dev; udev gives the whole path. */
	if (!udev && !strncmp(name, "/dev/", 5))
		name += 5;
	sb_printf(sb, "ACTION=%s", action);
	sb_putc(sb, '\0');
	sb_printf(sb, "DEVPATH=%s", d->devpath);
	sb_putc(sb, '\0');
	sb_printf(sb, "SUBSYSTEM=%s", d->subsystem);
	sb_putc(sb, '\0');
	sb_printf(sb, "MAJOR=%u", d->major);
	sb_putc(sb, '\0');
	sb_printf(sb, "MINOR=%u", d->minor);
	sb_putc(sb, '\0');
	sb_printf(sb, "DEVNAME=%s", name);
	sb_putc(sb, '\0');
	if (d->devtype[0]) {
		sb_printf(sb, "DEVTYPE=%s", d->devtype);
		sb_putc(sb, '\0');
	}
	if (udev) {
		sb_puts(sb, "UEVSCOPE_ATTACH=1");
		sb_putc(sb, '\0');
	}
}

/* A uevent socket in the netns of netns_fd: the socket keeps the netns it was made in. */
static int socket_in(int netns_fd)
{
	int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC), sock, err;

	if (self < 0)
		return -errno;
	if (setns(netns_fd, CLONE_NEWNET)) {
		err = -errno;
		close(self);
		return err;
	}
	sock = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_KOBJECT_UEVENT);
	err = sock < 0 ? -errno : 0;
	if (setns(self, CLONE_NEWNET) && !err) {
		/* Never go on in the container's netns. */
		close(sock);
		close(self);
		return -ENOTRECOVERABLE;
	}
	close(self);
	return err ? err : sock;
}

static int send_kernel(int sock, const struct att_dev *d, const char *action)
{
	struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
	struct strbuf sb;
	struct nlmsghdr *h;
	char ack[256];
	struct nlmsgerr *e;
	struct pollfd p = {.fd = sock, .events = POLLIN};
	ssize_t n;
	int rc;

	sb_init(&sb, 512);
	sb_grow(&sb, NLMSG_HDRLEN);
	sb.len = NLMSG_HDRLEN;
	sb_printf(&sb, "%s@%s", action, d->devpath);
	sb_putc(&sb, '\0');
	props(&sb, d, action, false);
	h = (struct nlmsghdr *)sb.buf;
	memset(h, 0, NLMSG_HDRLEN);
	h->nlmsg_len = sb.len;
	/* Below NLMSG_MIN_TYPE, or without NLM_F_REQUEST, the kernel acks and drops it. */
	h->nlmsg_type = NLMSG_MIN_TYPE;
	h->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	h->nlmsg_seq = 1;
	n = sendto(sock, sb.buf, sb.len, 0, (struct sockaddr *)&kernel, sizeof(kernel));
	rc = n < 0 ? -errno : 0;
	sb_free(&sb);
	if (rc)
		return rc;
	if (poll(&p, 1, 2000) != 1)
		return -ETIMEDOUT;
	n = recv(sock, ack, sizeof(ack), 0);
	if (n < (ssize_t)(NLMSG_HDRLEN + sizeof(*e)))
		return n < 0 ? -errno : -EPROTO;
	h = (struct nlmsghdr *)ack;
	if (h->nlmsg_type != NLMSG_ERROR)
		return -EPROTO;
	e = NLMSG_DATA(h);
	return e->error;
}

static int send_udev(int sock, const struct att_dev *d, const char *action)
{
	struct sockaddr_nl group = {.nl_family = AF_NETLINK, .nl_groups = 2};
	struct udev_nl_header hdr = {.prefix = "libudev"};
	struct strbuf sb;
	ssize_t n;

	sb_init(&sb, 512);
	props(&sb, d, action, true);
	hdr.magic = htonl(0xfeedcafe);
	hdr.header_size = sizeof(hdr);
	hdr.properties_off = sizeof(hdr);
	hdr.properties_len = sb.len;
	hdr.filter_subsystem_hash = htonl(murmur2(d->subsystem));
	if (d->devtype[0])
		hdr.filter_devtype_hash = htonl(murmur2(d->devtype));
	struct iovec iov[2] = {{&hdr, sizeof(hdr)}, {sb.buf, sb.len}};
	struct msghdr msg = {
	    .msg_name = &group, .msg_namelen = sizeof(group), .msg_iov = iov, .msg_iovlen = 2};
	n = sendmsg(sock, &msg, 0);
	sb_free(&sb);
	/* No listener in the group is no error: ECONNREFUSED is netlink's "nobody heard". */
	return n < 0 && errno != ECONNREFUSED ? -errno : 0;
}

int att_event(const struct att_ctr *c, const struct att_dev *d, const char *action, char *err,
	      size_t errlen)
{
	struct sockaddr_nl self = {.nl_family = AF_NETLINK};
	int sock, rc;

	if (!d->devpath[0]) {
		snprintf(err, errlen, "%c %u:%u has no device in /sys: no %s event sent", d->type,
			 d->major, d->minor, action);
		return -ENODEV;
	}
	sock = socket_in(c->netns_fd);
	if (sock < 0) {
		snprintf(err, errlen, "cannot open a uevent socket in the container's netns: %s",
			 strerror(-sock));
		return sock;
	}
	rc = bind(sock, (struct sockaddr *)&self, sizeof(self)) ? -errno : 0;
	if (!rc)
		rc = send_kernel(sock, d, action);
	if (rc) {
		snprintf(err, errlen, "the kernel refused the %s uevent for %s: %s", action,
			 d->devpath, strerror(-rc));
	} else {
		rc = send_udev(sock, d, action);
		if (rc)
			snprintf(err, errlen, "cannot send the udev %s event for %s: %s", action,
				 d->devpath, strerror(-rc));
	}
	close(sock);
	return rc;
}
