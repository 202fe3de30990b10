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
	uint64_t v1ino;	    /* its inode: a cgroup made again at that path has another */
	uint32_t netns;	    /* inode */
	int netns_fd, mnt_fd, root_fd;
	int pidfd; /* pidfd_open(pid): readable once that very process has exited, -1 if none */
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
	uint64_t sysino; /* inode of its sysfs uevent file (hotplug.h): who it is, 0 unknown */
};

/* attach_target.c */
int att_ctr_open(const char *arg, struct att_ctr *c, char *err, size_t errlen);
void att_ctr_close(struct att_ctr *c);
/* The container's process has exited since att_ctr_open() (the pidfd, not a reused pid). */
bool att_ctr_gone(const struct att_ctr *c);
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

/*
 * attach_access.c: how (v1, v2) the device is allowed, and for v1 the exact
 * entry before (prev), decided before anything is written, so that the journal
 * holds what undoing needs; then the allow itself (orig: the runtime's v2
 * program set aside, 0 when none).
 */
int att_access_plan(const struct att_ctr *c, const struct att_dev *d, char *how, size_t howlen,
		    char *prev, size_t prevlen, char *err, size_t errlen);
int att_access_allow(const struct att_ctr *c, const struct att_dev *d, const char *how,
		     const char *prev, uint32_t *orig, char *err, size_t errlen);
/* The runtime's v2 program of this cgroup is pinned aside. */
bool att_access_pinned(uint64_t cgroup_id);
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

/*
 * attach.c: a command's view of the state file and its journal, held under the
 * attach lock (hotplug.h) for the whole command.
 */
struct hotplug_entry;
struct hotplug_intent;
struct att_session {
	int lock;
	struct hotplug_entry *e; /* the state file, as this command changes it */
	size_t n;
	struct hotplug_intent *j; /* the journal: what this command has begun */
	size_t nj;
	struct hotplug_entry *gone; /* what att_sweep_gone() detached: their devices left */
	size_t ngone;
	struct att_ctr ctr;
};
/* The device of a state entry, from /sys when it is still there, else as recorded. */
void att_dev_of(const struct hotplug_entry *e, struct att_dev *d);
/* The entry of the same cgroup and device, or -1. */
ssize_t att_find(const struct hotplug_entry *e, size_t n, const struct hotplug_entry *like);
/* No other v2 entry of e's cgroup is in the state: e's detach brings the runtime's program back. */
bool att_last_v2(const struct hotplug_entry *v, size_t n, const struct hotplug_entry *e);
/*
 * Detaches entry i of the state (journaled, access first) for its container c,
 * and drops it from s->e: 0, or -errno with err filled (then nothing changed).
 */
int att_detach_entry(struct att_session *s, const struct att_ctr *c, size_t i, char *err,
		     size_t errlen);
/* Drops entry i from s->e, handing the runtime's v2 program to another entry of its cgroup. */
void att_drop(struct att_session *s, size_t i);
/* The container of an entry, if that very one still runs (pid, netns and cgroup agree). */
bool att_ctr_reopen(const struct hotplug_entry *e, struct att_ctr *c);
/*
 * attach_gone.c: every entry whose device left the host (or was replaced by
 * another of its number) since it was attached is detached from its container
 * as `detach` would (its container gone too: forgotten), one line each on
 * stderr, and the state saved; the entries go to s->gone. Under the lock,
 * after att_recover(). 0, or -errno when the state cannot be saved.
 */
int att_sweep_gone(struct att_session *s, const char *cmd);

/*
 * attach_journal.c. att_journal_step() records that op ("attach", "detach")
 * begins step ("access", "node", "event"; "done" after the last) for entry e,
 * then passes the fault point OP-STEP: 0, or -errno with err filled.
 * att_journal_commit() writes the state (after the fault point OP-save), then
 * drops the journal. att_recover() resolves a journal left by a killed
 * command (attach rolled back, detach completed; one line each on stderr) and
 * saves the state: under the lock, s->e read; the session's container unused.
 */
int att_journal_step(struct att_session *s, const char *op, const char *step,
		     const struct hotplug_entry *e, char *err, size_t errlen);
void att_journal_forget(struct att_session *s, const struct hotplug_entry *e);
int att_journal_commit(struct att_session *s, const char *op, char *err, size_t errlen);
int att_recover(struct att_session *s, const char *cmd);
/*
 * For `devices list`: takes the lock, resolves a journal left behind and
 * detaches devices gone from the host (att_sweep_gone()), 0 or -errno.
 */
int att_recover_locked(const char *cmd);

#endif /* UEVSCOPE_ATTACH_CMD_H */
