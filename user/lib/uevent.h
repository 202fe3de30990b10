/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Parser for uevent payloads as broadcast on NETLINK_KOBJECT_UEVENT:
 * "ACTION@DEVPATH\0KEY=VALUE\0...". Tolerates anything a process may inject.
 */
#ifndef UEVSCOPE_UEVENT_H
#define UEVSCOPE_UEVENT_H

#include <stdbool.h>
#include <stddef.h>

#define UEV_MAX_PROPS 64

struct uev_prop {
	const char *key; /* NUL-terminated, point into the parsed buffer */
	const char *val;
};

struct uevent {
	const char *action;    /* ACTION= property, else the header's part before '@', else "" */
	const char *devpath;   /* DEVPATH= property, else header's part after '@', else "" */
	const char *subsystem; /* SUBSYSTEM= or "" */
	unsigned long long seqnum;
	bool has_seqnum; /* SEQNUM= present and a valid decimal number */
	bool has_header; /* first segment was ACTION@DEVPATH */
	bool truncated;	 /* payload did not end with NUL (last segment kept anyway) */
	unsigned int nprops;
	struct uev_prop props[UEV_MAX_PROPS]; /* in payload order, header not included */
	unsigned int dropped_props; /* properties beyond UEV_MAX_PROPS, counted not lost silently */
	unsigned int malformed;	    /* segments without '=' after the header, or with empty key */
};

/*
 * buf holds len payload bytes and must have room for one more byte (buf[len] is written):
 * the parser NUL-terminates in place and never reads past buf[len].
 * Returns 0, or -EINVAL when len == 0 or nothing at all could be parsed (no header, no KEY=VALUE).
 * len > UEV_PAYLOAD_MAX is accepted (caller decides).
 */
int uevent_parse(char *buf, size_t len, struct uevent *ev);

/* Property value or NULL; ACTION/DEVPATH fall back to the header values. */
const char *uevent_get(const struct uevent *ev, const char *key);

#endif /* UEVSCOPE_UEVENT_H */
