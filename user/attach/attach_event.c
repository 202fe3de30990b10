// SPDX-License-Identifier: GPL-2.0
/*
 * The add/remove uevent of a hotplugged device, injected into the container's
 * network namespace with the injection library (user/lib/inject.h) in both
 * formats: the kernel's (the kernel adds SEQNUM and broadcasts to group 1 of
 * that netns only) and libudev's (group 2, what udev's monitor hears). A netns
 * owned by a container's user namespace gets no kernel uevents at all
 * ("netns: restrict uevents", 4.18), so without this its listeners never learn.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "attach.h"
#include "common.h"
#include "inject.h"

/* The kernel names nodes below /dev (DEVNAME=loop3); udev gives the whole path. */
static int build(struct uevent_msg_buf *b, const struct att_dev *d, const char *action, bool udev)
{
	char num[16];
	const char *name = d->node;
	int rc;

	if (!udev && !strncmp(name, "/dev/", 5))
		name += 5;
	uevent_msg_buf_init(b, action, d->devpath);
	rc = uevent_msg_buf_add(b, "SUBSYSTEM", d->subsystem);
	snprintf(num, sizeof(num), "%u", d->major);
	rc = rc ?: uevent_msg_buf_add(b, "MAJOR", num);
	snprintf(num, sizeof(num), "%u", d->minor);
	rc = rc ?: uevent_msg_buf_add(b, "MINOR", num);
	rc = rc ?: uevent_msg_buf_add(b, "DEVNAME", name);
	if (d->devtype[0])
		rc = rc ?: uevent_msg_buf_add(b, "DEVTYPE", d->devtype);
	return rc;
}

int att_event(const struct att_ctr *c, const struct att_dev *d, const char *action, char *err,
	      size_t errlen)
{
	static struct uevent_msg_buf kmsg, umsg;
	int sock, rc;

	if (!d->devpath[0]) {
		snprintf(err, errlen, "%c %u:%u has no device in /sys: no %s event sent", d->type,
			 d->major, d->minor, action);
		return -ENODEV;
	}
	if (c->host_netns) {
		/* The host's udev would take a second add for a device it knows: none is sent. */
		uev_dbg("attach: %d shares the host's network namespace: no %s event injected",
			(int)c->pid, action);
		return 0;
	}
	if (build(&kmsg, d, action, false) || build(&umsg, d, action, true)) {
		snprintf(err, errlen, "the %s uevent for %s does not fit", action, d->devpath);
		return -E2BIG;
	}
	sock = inject_socket(c->netns_fd);
	if (sock < 0) {
		snprintf(err, errlen, "cannot open a uevent socket in the container's netns: %s",
			 strerror(-sock));
		return sock;
	}
	rc = inject_msg(sock, &kmsg.msg, INJECT_KERNEL, err, errlen);
	rc = rc ?: inject_msg(sock, &umsg.msg, INJECT_UDEV, err, errlen);
	close(sock);
	return rc;
}
