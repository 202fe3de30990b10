/* SPDX-License-Identifier: GPL-2.0 */
#ifndef UEVSCOPE_NSNAMES_H
#define UEVSCOPE_NSNAMES_H

#include <stddef.h>
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

/*
 * The container a network namespace belongs to, for namespaces without a
 * /run/netns name: the first process found in it (lowest pid, from
 * /proc/PID/ns/net), its comm and cgroup v2 path. pid 0 when no process is in
 * it any more. Cached; unknown inodes rescan /proc at most every 200 ms.
 */
struct netns_container {
	uint32_t pid;
	char comm[16];
	char *cgroup; /* "/system.slice/..." or NULL */
};

const struct netns_container *netns_container(uint32_t inode);

/*
 * One label for people, the same in every subcommand: the /run/netns name,
 * "init", or "PID/COMM:CGROUP" of the container; "-" when nothing is known.
 */
const char *netns_label(uint32_t inode, char *buf, size_t len);

/* JSON of netns_container(): {"pid":N,"comm":"...","cgroup":"..."}, or null. */
struct strbuf;
void json_netns_container(struct strbuf *sb, uint32_t netns_ino);

void netns_names_free(void);

#endif /* UEVSCOPE_NSNAMES_H */
