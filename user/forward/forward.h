/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `uevscope forward`: host uevents re-injected into containers' network
 * namespaces. forward.c runs the loop; forward_target.c finds, checks, locks
 * and drops the targets; forward_sysfs.c walks /sys for coldplug and resync.
 */
#ifndef UEVSCOPE_FORWARD_H
#define UEVSCOPE_FORWARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "fwdstate.h"

#define FWD_MAX_SPECS 32

enum fwd_spec_kind {
	FWD_SPEC_NSFILE, /* a pid (its /proc/PID/ns/net), /proc/PID/ns/net, /run/netns/NAME */
	FWD_SPEC_CGROUP, /* a cgroup directory: every netns of the processes under it */
};

struct fwd_spec {
	enum fwd_spec_kind kind;
	const char *arg;    /* as given to --to */
	char path[4096];    /* the nsfs file, or the cgroup directory */
	uint32_t first_ino; /* FWD_SPEC_NSFILE: the netns found at start */
};

struct fwd_target {
	const struct fwd_spec *spec;
	uint32_t ino;
	int nsfd, sock, lockfd;
	bool gone;
	bool seen;    /* marked by the last rescan */
	int last_err; /* errno of the last failure said, so each is said once */
	struct fwd_counts c;
};

/*
 * Resolves one --to argument. Returns 0, or -errno with one line in err
 * (unknown container: -ENOENT).
 */
int fwd_spec_resolve(const char *arg, struct fwd_spec *spec, char *err, size_t errlen);

/*
 * The netns inodes a spec names now, with an fd for each (caller closes):
 * one for an nsfs file, every distinct one under a cgroup. Returns how many
 * (up to max), or -errno when the spec is gone (its nsfs file, its cgroup).
 */
int fwd_spec_list(const struct fwd_spec *spec, uint32_t *inos, int *fds, int max);

/*
 * Checks and takes netns fd for forwarding: never the forwarder's own netns,
 * not one owned by the initial user namespace unless force, and not one
 * another forwarder serves (flock on FWD_STATE_DIR/netns-INODE.lock). Fills
 * t (socket in the netns included). Returns 0, or -errno with one line in err.
 */
int fwd_target_take(struct fwd_target *t, const struct fwd_spec *spec, uint32_t ino, int nsfd,
		    bool force, char *err, size_t errlen);
void fwd_target_release(struct fwd_target *t);

/* A devpath known to exist, with its SUBSYSTEM (for resync's `remove`). */
struct fwd_dev {
	char *devpath;
	char *subsystem;
};

struct fwd_devset {
	struct fwd_dev *v;
	size_t n, cap;
};

/* Every device under /sys/devices (a directory with a uevent file), sorted by devpath. */
int fwd_devset_scan(struct fwd_devset *s);
void fwd_devset_add(struct fwd_devset *s, const char *devpath, const char *subsystem);
void fwd_devset_del(struct fwd_devset *s, const char *devpath);
void fwd_devset_free(struct fwd_devset *s);

#endif /* UEVSCOPE_FORWARD_H */
