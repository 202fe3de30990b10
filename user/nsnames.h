/* SPDX-License-Identifier: GPL-2.0 */
#ifndef UEVSCOPE_NSNAMES_H
#define UEVSCOPE_NSNAMES_H

#include <stdint.h>

/*
 * A network namespace's name, for people: its /run/netns name ("ip netns
 * add"), "init" for the host's (pid 1's) namespace, or NULL. Unknown inodes
 * trigger a rescan of /run/netns, at most every 200 ms.
 */
const char *netns_name(uint32_t inode);

/*
 * Turns a --netns argument (an inode number, /proc/PID/ns/net or
 * /run/netns/NAME, or a bare NAME from /run/netns) into an inode.
 * Returns 0 or -errno with a one-line reason in err.
 */
int netns_resolve(const char *arg, uint32_t *inode, char *err, size_t errlen);

void netns_names_free(void);

#endif /* UEVSCOPE_NSNAMES_H */
