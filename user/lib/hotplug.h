/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The devices `uevscope attach` has hotplugged into containers: one line per
 * device in /run/uevscope/attached, written by attach/detach, read by
 * detach, `devices list`, `report` and `export`.
 */
#ifndef UEVSCOPE_HOTPLUG_H
#define UEVSCOPE_HOTPLUG_H

#include <stddef.h>
#include <stdint.h>

#define HOTPLUG_DIR  "/run/uevscope"
#define HOTPLUG_FILE HOTPLUG_DIR "/attached"
#define HOTPLUG_LOCK "/run/lock/uevscope-attach.lock"

struct hotplug_entry {
	char cgroup[256]; /* the container's cgroup v2 path ("/machine.slice/x") */
	uint32_t pid;	  /* the container process it was resolved to */
	uint32_t netns;	  /* its network namespace inode (events went there) */
	char type;	  /* 'c' or 'b' */
	uint32_t major, minor;
	char node[256];	    /* path of the node inside the container */
	char how[8];	    /* "mknod" or "bind" (the host's node bind-mounted) */
	char access[8];	    /* "v1" (devices.allow), "v2" (runtime program replaced), "open" */
	char v1prev[8];	    /* v1: the exact entry's access before ("-" none, "all" covered) */
	uint32_t orig_prog; /* v2: id of the runtime's program we replaced, 0 otherwise */
	char syspath[512];  /* /sys/devices/... or "-" */
};

/* All entries (malloc'ed array in *out, count in *n; none when the file is absent). 0 or -errno. */
int hotplug_read(struct hotplug_entry **out, size_t *n);
/* Replaces the file with these entries (written aside, then renamed). 0 or -errno. */
int hotplug_write(const struct hotplug_entry *e, size_t n);
/* Serialises attach and detach (flock). A fd, or -errno. */
int hotplug_lock(void);
void hotplug_unlock(int fd);

#endif /* UEVSCOPE_HOTPLUG_H */
