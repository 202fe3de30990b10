/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Puts the socket filter on the uevent sockets of processes in a rule's scope:
 * the socket is taken from its holder with pidfd_getfd(), its facts (netns,
 * cgroup, holder) recorded in fsocks under its cookie, then SO_ATTACH_BPF
 * (and SO_LOCK_FILTER with --lock). In the LSM tier only the facts are
 * recorded (pid scopes need them; netns and cgroup come from the socket).
 */
#ifndef UEVSCOPE_FILTER_ATTACH_H
#define UEVSCOPE_FILTER_ATTACH_H

#include <sys/types.h>
#include "filter_state.h"

struct attach_report {
	unsigned int attached; /* newly attached (or facts newly recorded) */
	unsigned int already;  /* ours already */
	unsigned int foreign;  /* own filter, left untouched (no --replace) */
	unsigned int replaced;
	unsigned int failed;
};

/* One socket: fd in process pid. 0 when handled (whatever the outcome), -errno if not a uevent
 * socket or gone. */
int filter_attach_one(struct filter_state *st, const struct filter_set *set, pid_t pid, int fd,
		      struct attach_report *rep);
/*
 * A socket made while its task was held at socket() (bpf/filter_watch.bpf.c): fd in pid must
 * still be socket inode ino (-ESTALE if not). Attached as filter_attach_one() does; then, if it
 * joined a group or has anything queued (it was used before we covered it), its queue is
 * emptied and *used set: the caller kills its holders.
 */
int filter_attach_held(struct filter_state *st, const struct filter_set *set, pid_t pid, int fd,
		       __u64 ino, struct attach_report *rep, bool *used);
/* SIGKILL to every process holding socket inode ino; how many. */
unsigned int filter_kill_holders(__u64 ino);
/* Every uevent socket on the host; drops facts of sockets that are gone. */
int filter_attach_scan(struct filter_state *st, const struct filter_set *set,
		       struct attach_report *rep);
/* Takes our filter off every socket it is on; counts those SO_LOCK_FILTER keeps it on. */
void filter_detach_all(struct filter_state *st, unsigned int *detached, unsigned int *locked);
/* The holder recorded in f still has the socket at the recorded fd. */
bool filter_sock_alive(const struct filter_sock_facts *f);

#endif /* UEVSCOPE_FILTER_ATTACH_H */
