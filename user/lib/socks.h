/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Inventory of uevent sockets: their state (iter/netlink) and the processes
 * that hold them (a /proc/PID/fd walk). The delivery programs run in the
 * sender's context, so this is how a delivery learns its receiving process.
 * iter/task_file would do the walk in the kernel, but on 6.18 it was seen to
 * attach and then list no task but the reader's own children.
 */
#ifndef UEVSCOPE_SOCKS_H
#define UEVSCOPE_SOCKS_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/types.h>
#include "uevscope.h"

#define SOCK_MAX_OWNERS 4

struct sock_owner {
	uint32_t tgid;
	char comm[UEV_COMM_LEN];
	char *cgroup; /* cgroup v2 path, or NULL */
};

struct sock_entry {
	unsigned int nowners;
	unsigned int extra_owners; /* holders beyond SOCK_MAX_OWNERS, counted */
	struct sock_owner owners[SOCK_MAX_OWNERS];
};

struct socks;

struct socks *socks_open(void);
void socks_close(struct socks *s);

/* Whether iter/netlink works, so socket drops can be polled. */
bool socks_can_list(const struct socks *s);

/* Calls cb for every uevent socket on the host. Returns the count or -errno. */
typedef void (*sock_info_cb)(const struct uev_sock_info *info, void *ctx);
int socks_list(struct socks *s, sock_info_cb cb, void *ctx);

/* Who holds socket inode ino; NULL while unknown (the socket may be gone). */
const struct sock_entry *socks_owners(struct socks *s, uint32_t ino);

/* Resolve the holders of every uevent socket alive now, so short-lived ones keep a name. */
void socks_refresh_owners(struct socks *s);
bool socks_owner_known(struct socks *s, uint32_t ino);

#endif /* UEVSCOPE_SOCKS_H */
