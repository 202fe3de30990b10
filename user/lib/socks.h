/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Inventory of uevent sockets: their state and the processes that hold them.
 * The delivery programs run in the sender's context, so this is how a
 * delivery learns its receiving process. Two walks (docs/probing.md, plan
 * "listeners"): iter/task_file, the first choice, one walk of every process's
 * files for all namespaces and holders at once; iter/netlink, the fallback,
 * entered in each network namespace, with holders from a /proc/PID/fd walk.
 * What each misses: docs/listeners.md.
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

#define SOCKS_TIER_FILES   "iter/task_file"
#define SOCKS_TIER_NETLINK "iter/netlink"

/*
 * Loads the first walk this kernel accepts; UEVSCOPE_INVENTORY_TIER (tests) forces
 * one, and a bad value exits with EXIT_USAGE.
 */
struct socks *socks_open(void);
/* force: SOCKS_TIER_* or NULL to probe. */
struct socks *socks_open_tier(const char *force);
bool socks_tier_valid(const char *tier);
/* The walk in use (SOCKS_TIER_*), or NULL when neither loaded. */
const char *socks_tier(const struct socks *s);
void socks_close(struct socks *s);

/* Whether a socket iterator works, so socket drops can be polled. */
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
