/* SPDX-License-Identifier: GPL-2.0 */
/* `uevscope attach` and `detach`: hotplug a device into a running container (attach*.c only). */
#ifndef UEVSCOPE_ATTACH_CMD_H
#define UEVSCOPE_ATTACH_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* A running container, as its first process sees it. */
struct att_ctr {
	pid_t pid;
	char cgroup[256];   /* cgroup v2 path, as /proc/PID/cgroup's "0::" line */
	uint64_t cgroup_id; /* its id (kernfs inode), 0 when not resolvable */
	char v1dir[512];    /* the v1 devices cgroup directory, "" without one */
	uint32_t netns;	    /* inode */
	int netns_fd, mnt_fd, root_fd;
	bool host_netns; /* shares pid 1's network namespace: no event is injected */
	bool own_userns; /* in a user namespace other than ours: its tmpfs is nodev */
	char uid_map[512], gid_map[512];
};

/* One device to hotplug. */
struct att_dev {
	char type; /* 'c' or 'b' */
	unsigned int major, minor;
	char node[256]; /* path in the container, the same as the host's */
	bool host_node; /* node exists on the host (bind source) */
	mode_t mode;	/* permission bits of the host's node (0660 without one) */
	uid_t uid;	/* owner and group of the host's node, host ids */
	gid_t gid;
	char syspath[512]; /* /sys/devices/..., "" when the kernel has none */
	char devpath[512]; /* syspath without /sys */
	char subsystem[64];
	char devtype[64];
};

/* attach_target.c */
int att_ctr_open(const char *arg, struct att_ctr *c, char *err, size_t errlen);
void att_ctr_close(struct att_ctr *c);
/* A /dev node or a /sys path. */
int att_dev_resolve(const char *arg, struct att_dev *d, char *err, size_t errlen);
/* The device of a sysfs directory, its node /dev/DEVNAME. */
int att_dev_from_sys(const char *syspath, struct att_dev *d, char *err, size_t errlen);
/*
 * Devices matching expr (udev syntax) with a node, and all their children
 * (their syspath below a match's). *out malloc'ed.
 */
struct match_list;
int att_dev_match(const struct match_list *ml, const char *expr, struct att_dev **out, size_t *n,
		  char *err, size_t errlen);
/* The sysfs device or one of its ancestors matches. */
bool att_sys_matches_up(const struct match_list *ml, const char *syspath);
/* Maps a host id into the container through map ("0 100000 65536" lines); -1 if unmapped. */
long att_map_to_inside(const char *map, unsigned long id);

/* The host id of the container's id (the overflow id 65534 when unmapped). */
unsigned long att_map_to_outside(const char *map, unsigned long id);

/* attach_access.c: allow MAJ:MIN for the container; prev and orig filled for undo. */
int att_access_allow(const struct att_ctr *c, const struct att_dev *d, char *how, size_t howlen,
		     char *prev, size_t prevlen, uint32_t *orig, char *err, size_t errlen);
int att_access_revoke(const struct att_ctr *c, const struct att_dev *d, const char *how,
		      const char *prev, uint32_t orig, bool last_v2, char *err, size_t errlen);
/* A container gone: our rules for its cgroup and the pin of the runtime's program go. */
int att_access_forget(const char *cgroup, char *err, size_t errlen);
/* Whether this cgroup's devices are enforced by v1, v2, or nothing ("open"). */
const char *att_access_mode(const struct att_ctr *c);

/* attach_node.c */
int att_node_make(const struct att_ctr *c, const struct att_dev *d, char *how, size_t howlen,
		  char *err, size_t errlen);
int att_node_remove(const struct att_ctr *c, const struct att_dev *d, const char *how, char *err,
		    size_t errlen);

/* attach_event.c: inject action ("add", "remove") into the container's netns. */
int att_event(const struct att_ctr *c, const struct att_dev *d, const char *action, char *err,
	      size_t errlen);

#endif /* UEVSCOPE_ATTACH_CMD_H */
