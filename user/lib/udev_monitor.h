/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The libudev monitor message, as udevd multicasts it to group 2 of NETLINK_KOBJECT_UEVENT and
 * as libudev and sd-device (systemd src/libsystemd/sd-device/device-monitor.c) read it: a
 * fixed header, then the properties "KEY=VALUE\0...". The header carries hashes of SUBSYSTEM
 * and DEVTYPE and a bloom filter of the tags, in network order, so that subscribers can filter
 * in the kernel with a socket filter; the other fields are in host order.
 */
#ifndef UEVSCOPE_UDEV_MONITOR_H
#define UEVSCOPE_UDEV_MONITOR_H

#include <stddef.h>
#include <stdint.h>

#include "strbuf.h"

#define UDEV_MONITOR_PREFIX	  "libudev"
#define UDEV_MONITOR_MAGIC	  0xfeedcafeU
#define UDEV_MONITOR_GROUP_KERNEL 1
#define UDEV_MONITOR_GROUP_UDEV	  2

struct udev_monitor_header {
	char prefix[8];		 /* "libudev\0" */
	uint32_t magic;		 /* htobe32(UDEV_MONITOR_MAGIC) */
	uint32_t header_size;	 /* sizeof(struct udev_monitor_header) = 40 */
	uint32_t properties_off; /* from the start of the message */
	uint32_t properties_len;
	uint32_t filter_subsystem_hash; /* htobe32(murmur2(SUBSYSTEM)) */
	uint32_t filter_devtype_hash;	/* htobe32(murmur2(DEVTYPE)), 0 without DEVTYPE */
	uint32_t filter_tag_bloom_hi;	/* htobe32(bloom >> 32) */
	uint32_t filter_tag_bloom_lo;	/* htobe32(bloom & 0xffffffff) */
};

/* MurmurHash2 (Austin Appleby), 32 bits, words read in host order, as libudev hashes. */
uint32_t udev_murmur2(const void *key, size_t len, uint32_t seed);
/* The 64-bit bloom bits of one tag: four 6-bit slices of its hash. */
uint64_t udev_tag_bloom(const char *tag);
/* The bloom of a TAGS value ":a:b:" (0 for NULL or no tag). */
uint64_t udev_tags_bloom(const char *tags);

/*
 * Builds the message from props ("KEY=VALUE", in order: ACTION, DEVPATH, SUBSYSTEM, ...,
 * SEQNUM) into out (appended). Hashes come from SUBSYSTEM=, DEVTYPE= and TAGS= among props.
 */
void udev_monitor_build(const char *const *props, size_t n, struct strbuf *out);

/*
 * Checks a received message the way sd-device does (prefix, magic, properties inside the
 * message). 0 and *props / *props_len pointing at the properties, or -EINVAL.
 */
int udev_monitor_parse(const char *buf, size_t len, struct udev_monitor_header *h,
		       const char **props, size_t *props_len);

#endif /* UEVSCOPE_UDEV_MONITOR_H */
