/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Device access policy enforced by cgroup/dev programs, kept in pinned maps
 * under /sys/fs/bpf/uevscope/devices/ so it outlives the process. Used by
 * `uevscope devices` and by the policy file loader (`policy apply`).
 */
#ifndef UEVSCOPE_USER_DEVICES_H
#define UEVSCOPE_USER_DEVICES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>
/* The BPF-shared header has the same name as this one: name it by its path. */
#include "devices_abi.h"

#define DEV_PIN_DIR "/sys/fs/bpf/uevscope/devices"

struct dev_rule {
	char cgroup[DEV_PATH_MAX]; /* as the user gave it */
	uint64_t cgroup_id;	   /* its cgroup v2 id (kernfs inode) */
	char type;		   /* 'c', 'b' or 'a' */
	int32_t major;		   /* DEV_ANY = any */
	int32_t minor;		   /* DEV_ANY = any */
	uint16_t access;	   /* DEV_ACC_* bits */
	bool allow;
	/* Filled in by devices_read() only. */
	uint64_t allowed, denied;
};

/*
 * argv = words after "allow|deny", e.g. {"c","1:3","rwm"}. 0 or -errno with a
 * one-line reason in err. The cgroup must be a cgroup v2 directory.
 */
int dev_rule_parse(const char *cgroup_path, bool allow, int argc, char **argv,
		   struct dev_rule *rule, char *err, size_t errlen);
/* Just the device words (type, MAJOR:MINOR, access), no cgroup: pure, for tests. */
int dev_rule_parse_spec(int argc, char **argv, struct dev_rule *rule, char *err, size_t errlen);
/* "c 1:3 rw", "b *:* m", "a 8:* rwm" */
void dev_rule_format(const struct dev_rule *rule, char *buf, size_t len);
bool dev_rule_same(const struct dev_rule *a, const struct dev_rule *b);
void dev_rule_to_bpf(const struct dev_rule *rule, struct dev_rule_bpf *out);

/* What is in force now. */
struct dev_state {
	struct dev_rule rules[DEV_RULES_MAX];
	size_t n;
	uint32_t generation;
	uint64_t undecided; /* checks allowed because a map lookup failed */
	bool present;	    /* anything of ours is pinned */
};

int devices_read(struct dev_state *st, char *err, size_t errlen);

/*
 * Serialises every change from any process (flock); held from reading the old
 * rules to writing the new. Returns a fd for devices_unlock(), or -errno.
 */
int devices_lock(char *err, size_t errlen);
void devices_unlock(int fd);
struct commit;

/*
 * The device part of one policy change (policy_commit.h): devices_prepare() attaches
 * programs to the new rules' cgroups and writes the rules as generation next (rules =
 * NULL: the rules in force, for a change of the filter rules only); after the commit,
 * devices_finish() detaches what only the old generation used (everything when there
 * are no rules left); devices_abort() undoes a prepare that will not be committed.
 */
struct dev_txn {
	uint64_t attached[DEV_SCOPES_MAX]; /* cgroups with a program before */
	size_t nattached;
	uint64_t added[DEV_SCOPES_MAX]; /* attached by this change */
	size_t nadded;
	uint64_t keep[DEV_SCOPES_MAX]; /* the cgroups of the new rules */
	size_t nkeep;
	bool active;	 /* there is anything of ours to change */
	bool remove_all; /* no rules in the new generation */
};
int devices_prepare(struct dev_txn *t, const struct dev_rule *rules, size_t n, unsigned int next,
		    char *err, size_t errlen);
void devices_finish(struct dev_txn *t);
void devices_abort(struct dev_txn *t);
/*
 * A whole change of the device rules only, for a caller holding the policy lock
 * (commit_lock()) and the devices lock: n = 0 removes everything. All or nothing.
 */
int devices_commit(struct commit *c, const struct dev_rule *rules, size_t n, char *err,
		   size_t errlen);

/* Which attach mode the last change used: "link" (bpf_link) or "prog-attach". */
extern const char *devices_hook;

#endif /* UEVSCOPE_USER_DEVICES_H */
