/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The devices `uevscope attach` has hotplugged into containers: one line per
 * device in /run/uevscope/attached, written by attach/detach, read by
 * detach, `devices list`, `report` and `export`.
 */
#ifndef UEVSCOPE_HOTPLUG_H
#define UEVSCOPE_HOTPLUG_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

#define HOTPLUG_DIR  "/run/uevscope"
#define HOTPLUG_FILE HOTPLUG_DIR "/attached"
#define HOTPLUG_LOCK "/run/lock/uevscope-attach.lock"
/* What a running attach/detach has begun: its intents, one a device, see below. */
#define HOTPLUG_JOURNAL HOTPLUG_DIR "/attach.journal"

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
	/*
	 * The inode of the device's sysfs uevent file when it was attached (0:
	 * unknown). kernfs numbers its nodes from a cyclic id with a generation
	 * in the high bits, so a new device, even of the same name and number,
	 * never has it: what tells a device replaced from the one attached.
	 */
	uint64_t sysino;
};

/*
 * An attach or detach in flight, for one device: written before each step
 * (access, node, event) with what undoing it needs, marked "done" after the
 * last, and dropped once the state file says the outcome. A journal that
 * outlives its command (killed) is resolved by the next attach, detach or
 * `devices list`: an attach is rolled back from the step it had begun, a
 * detach completed (user/attach/attach_journal.c).
 */
struct hotplug_intent {
	char op[8];   /* "attach" or "detach" */
	char step[8]; /* the step begun last: "access", "node", "event", or "done" */
	struct hotplug_entry e;
};

/* One line of the file into *e (line is changed): 0, or -EINVAL. hotplug_print() writes one. */
int hotplug_parse(char *line, struct hotplug_entry *e);
void hotplug_print(FILE *f, const struct hotplug_entry *e);
/* All entries (malloc'ed array in *out, count in *n; none when the file is absent). 0 or -errno. */
int hotplug_read(struct hotplug_entry **out, size_t *n);
/* Replaces the file with these entries (written aside, then renamed). 0 or -errno. */
int hotplug_write(const struct hotplug_entry *e, size_t n);
/* The journal's intents, as the state file's entries; none when it is absent. 0 or -errno. */
int hotplug_journal_read(struct hotplug_intent **out, size_t *n);
/* Replaces the journal (written aside, then renamed); n == 0 removes it. 0 or -errno. */
int hotplug_journal_write(const struct hotplug_intent *v, size_t n);

/*
 * Whether the device of e is still the one attached: 0 when it is (or when
 * nothing can tell: no sysfs path was recorded), 1 when it is gone, with why
 * ("removed from the host", "replaced: ...") in why. It is looked up by its
 * number (/sys/dev/{block,char}/MAJ:MIN, which the kernel removes before it
 * sends the device's remove uevent) and told by its sysfs inode (sysino).
 */
int hotplug_gone(const struct hotplug_entry *e, char *why, size_t whylen);

/* Serialises attach and detach (flock). A fd, or -errno. */
int hotplug_lock(void);
void hotplug_unlock(int fd);

#endif /* UEVSCOPE_HOTPLUG_H */
