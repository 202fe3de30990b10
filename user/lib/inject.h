/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Uevent injection into a network namespace, for `inject`, `replay`, `forward` and `attach`.
 *
 * Kernel format: a netlink message (nlmsghdr with a type >= NLMSG_MIN_TYPE and NLM_F_REQUEST,
 * then "ACTION@DEVPATH\0KEY=VALUE\0...") sent to the kernel (portid 0) on a
 * NETLINK_KOBJECT_UEVENT socket created inside the target netns. uevent_net_rcv_skb() checks
 * CAP_SYS_ADMIN over the netns's owning user namespace, appends SEQNUM= from the global counter
 * and broadcasts into that netns only (group 1). Udev format: the libudev monitor message
 * (udev_monitor.h), multicast by us to group 2 of that netns, with SCM_CREDENTIALS that say
 * uid 0 in the netns's user namespace, as sd-device requires.
 */
#ifndef UEVSCOPE_INJECT_H
#define UEVSCOPE_INJECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "strbuf.h"

/* One uevent to send. */
struct uevent_msg {
	const char *action;	/* "add", "remove", ... */
	const char *devpath;	/* "/devices/..." */
	const char *const *env; /* "KEY=VALUE" strings: SUBSYSTEM, DEVNAME, MAJOR, ... */
	size_t n_env;
};

enum inject_format { INJECT_KERNEL = 1, INJECT_UDEV = 2, INJECT_BOTH = 3 };

/*
 * The kernel refuses an injected message when nlmsghdr + payload + "SEQNUM=N\0" exceeds
 * UEVENT_BUFFER_SIZE (2048, lib/kobject_uevent.c uevent_net_broadcast()). With room for a
 * 20-digit SEQNUM, a kernel-format payload may hold 2048 - 16 - 28 bytes.
 */
#define INJECT_KERNEL_PAYLOAD_MAX 2004
/* sd-device reads a monitor message into an 8192-byte buffer (device-monitor.c). */
#define INJECT_UDEV_PAYLOAD_MAX 8192
/* Properties one uevent_msg_buf holds (the kernel's UEVENT_NUM_ENVP is 64). */
#define INJECT_MAX_ENV 128

/* A uevent_msg with its own storage: no allocation, no free. */
struct uevent_msg_buf {
	struct uevent_msg msg;
	const char *envp[INJECT_MAX_ENV];
	size_t used;			    /* bytes of data in use */
	char data[INJECT_UDEV_PAYLOAD_MAX]; /* action, devpath and KEY=VALUE strings */
};

/*
 * Builds one format's payload into out (reset first): INJECT_KERNEL "ACTION@DEVPATH\0
 * ACTION=..\0DEVPATH=..\0env...\0" without SEQNUM (the kernel appends its own, so a SEQNUM in
 * env is left out); INJECT_UDEV the libudev monitor message (header + properties, SEQNUM kept,
 * or the current /sys/kernel/uevent_seqnum when env has none: sd-device drops a message
 * without one). ACTION= and DEVPATH= in env are left out (the header's win).
 * -E2BIG past the format's limit, -EINVAL on a bad KEY=VALUE, action or devpath.
 */
int inject_build(const struct uevent_msg *m, enum inject_format fmt, struct strbuf *out);

/*
 * Checks a message for the formats in fmt: action (no space, '@' or '='), devpath (starts with
 * '/'), every KEY=VALUE, and SUBSYSTEM= for the udev format. 0, or -EINVAL with the reason.
 */
int inject_validate(const struct uevent_msg *m, enum inject_format fmt, char *err, size_t errlen);

/* Checks one "KEY=VALUE": 0, or -EINVAL with the reason in err. */
int inject_check_env(const char *kv, char *err, size_t errlen);

/*
 * Opens a --netns argument as an nsfs fd: a /run/netns NAME, a path (/proc/PID/ns/net,
 * /run/netns/NAME) or a pid. fd, or -errno with one line in err.
 */
int inject_open_netns(const char *arg, char *err, size_t errlen);

/*
 * A NETLINK_KOBJECT_UEVENT socket created inside the netns of netns_fd (the current netns
 * when netns_fd < 0); bound, with extended acks. fd or -errno.
 */
int inject_socket(int netns_fd);

/*
 * Sends one built payload: kernel format through the kernel's uevent_net_rcv with NLM_F_ACK,
 * and waits for the ack; udev format to the udev group (2) of the socket's netns, with
 * credentials that map to uid 0 in the netns's user namespace. fmt is INJECT_KERNEL or
 * INJECT_UDEV (not BOTH: the payloads differ). 0 or -errno, with one clear line for the user
 * in err (no permission names the capability and the namespace).
 */
int inject_send(int sock, enum inject_format fmt, const struct strbuf *payload, char *err,
		size_t errlen);

/* inject_build() then inject_send() for each format in fmt (kernel first). */
int inject_msg(int sock, const struct uevent_msg *m, enum inject_format fmt, char *err,
	       size_t errlen);

/*
 * Builds a uevent_msg for an existing device from /sys: DEVPATH from the resolved syspath,
 * SUBSYSTEM from its subsystem link, then the uevent file's lines (MAJOR, MINOR, DEVNAME,
 * DEVTYPE, DRIVER...), in the kernel's order. For coldplug and attach. 0 or -errno.
 */
int inject_msg_from_sysfs(const char *syspath, const char *action, struct uevent_msg_buf *out);

/* Builder of a uevent_msg_buf. */
void uevent_msg_buf_init(struct uevent_msg_buf *b, const char *action, const char *devpath);
/* Appends "KEY=VALUE" (val NULL: kv is already "KEY=VALUE"). -E2BIG when full. */
int uevent_msg_buf_add(struct uevent_msg_buf *b, const char *kv, const char *val);

/*
 * Parses a whole payload: NUL-separated (as the kernel broadcasts it, SEQNUM included) or one
 * item per line; the first item may be "ACTION@DEVPATH", else ACTION= and DEVPATH= are taken
 * from the properties. ACTION=/DEVPATH= properties are not repeated in env. 0, or -EINVAL /
 * -E2BIG with the reason in err.
 */
int inject_msg_parse(const char *buf, size_t len, struct uevent_msg_buf *out, char *err,
		     size_t errlen);

/* Last /sys/kernel/uevent_seqnum value, 0 when unreadable. */
uint64_t inject_seqnum_now(void);

#endif /* UEVSCOPE_INJECT_H */
