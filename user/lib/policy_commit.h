/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One transaction for every change of the policy (filter add/del/flush, policy
 * apply, devices allow/deny/flush): the policy lock serialises them all, the
 * new generation of filter and device rules is written while the old one is in
 * force, and one write to the pinned ucommit map (include/commit.h) flips
 * both. A change that died part way left ucommit.state set: the next change
 * repairs what it left (commit_begin()), and the listings say so until then.
 */
#ifndef UEVSCOPE_POLICY_COMMIT_H
#define UEVSCOPE_POLICY_COMMIT_H

#include <stdbool.h>
#include <stddef.h>
#include "commit.h"

#define COMMIT_PIN_ROOT "/sys/fs/bpf/uevscope"
#define COMMIT_PIN	COMMIT_PIN_ROOT "/ucommit"

struct commit {
	int lock_fd;
	int fd; /* the pinned ucommit map */
	struct uev_commit cur;
	unsigned int next; /* the generation being written */
	bool begun;
};

/* Takes the policy lock (first of all locks). 0 or -errno + err. */
int commit_lock(struct commit *c, char *err, size_t errlen);
/*
 * Opens (or makes) ucommit, repairs what an unfinished change left, and marks
 * the inactive generation c->next as being written. 0 or -errno + err.
 */
int commit_begin(struct commit *c, char *err, size_t errlen);
/* The commit point: one write makes c->next active. 0 or -errno + err. */
int commit_flip(struct commit *c, char *err, size_t errlen);
/* Nothing left to do (after cleanup, or after an abort undone): state idle, lock dropped. */
void commit_end(struct commit *c);
/* Drops the lock, leaving ucommit.state as it is (for the next change to repair). */
void commit_close(struct commit *c);

/* The generation in force, 0 when nothing is pinned. */
unsigned int commit_active(void);
/* A change was left part way and no change runs now: pid of who left it, else 0. */
unsigned int commit_unfinished(void);
/* Prints on stderr that a change was left unfinished, if one was. */
void commit_warn_unfinished(void);
/* Removes the ucommit pin (and the pin root) when neither filter nor devices pin anything. */
void commit_unpin_if_unused(void);

/* Each side's repair, called by commit_begin() (user/filter, user/devices). */
void filter_repair(void);
void devices_repair(void);
/* For a change of the device rules only: generation next gets the filter rules in force. */
int filter_state_copy_half(unsigned int next, char *err, size_t errlen);

#endif /* UEVSCOPE_POLICY_COMMIT_H */
