// SPDX-License-Identifier: GPL-2.0
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <ctype.h>
#include "cgroupfs.h"
#include "common.h"
#include "idmap.h"
#include "json.h"
#include "nsnames.h"
#include "procfs.h"

#define NETNS_RUN_DIR "/run/netns"
/* init_net's inode, fixed by the kernel (PROC_NET_INIT_INO in include/linux/proc_ns.h). */
#define PROC_NET_INIT_INO 0xEFFFFFF9U

static struct idmap names;
static uint32_t init_netns;
static uint64_t last_scan_ns;
static bool scanned;

static void rescan(void)
{
	char path[PATH_MAX];
	struct dirent *de;
	struct stat st;
	DIR *dir;

	idmap_clear(&names, free);
	init_netns = stat("/proc/1/ns/net", &st) ? PROC_NET_INIT_INO : st.st_ino;
	dir = opendir(NETNS_RUN_DIR);
	if (!dir)
		return;
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), NETNS_RUN_DIR "/%s", de->d_name);
		/* Only bind-mounted nsfs files name a namespace; a plain file is a leftover. */
		if (stat(path, &st) || st.st_dev == 0 || !st.st_ino)
			continue;
		if (!idmap_get(&names, st.st_ino))
			idmap_put(&names, st.st_ino, strdup(de->d_name));
	}
	closedir(dir);
}

const char *netns_name(uint32_t inode)
{
	const char *name;
	uint64_t now;

	if (!names.cap)
		idmap_init(&names);
	name = scanned ? idmap_get(&names, inode) : NULL;
	if (name)
		return name;
	now = now_monotonic_ns();
	if (!scanned || now - last_scan_ns > 200000000ull) {
		rescan();
		scanned = true;
		last_scan_ns = now;
		name = idmap_get(&names, inode);
		if (name)
			return name;
	}
	return inode == init_netns ? "init" : NULL;
}

static bool is_nsfs(const char *path, struct stat *st)
{
	struct statfs sfs;

	return !stat(path, st) && !statfs(path, &sfs) && sfs.f_type == NSFS_MAGIC;
}

int netns_resolve(const char *arg, uint32_t *inode, char *err, size_t errlen)
{
	char path[PATH_MAX];
	uint64_t ino;
	struct stat st;

	if (parse_u64(arg, &ino)) {
		if (!ino || ino > UINT32_MAX) {
			snprintf(err, errlen, "--netns %s: not a namespace inode number", arg);
			return -EINVAL;
		}
		*inode = ino;
		return 0;
	}
	if (strchr(arg, '/'))
		snprintf(path, sizeof(path), "%s", arg);
	else
		snprintf(path, sizeof(path), NETNS_RUN_DIR "/%s", arg);
	if (!is_nsfs(path, &st)) {
		snprintf(err, errlen,
			 "--netns %s: no such network namespace (give an inode, /proc/PID/ns/net, "
			 "/run/netns/NAME or NAME)",
			 arg);
		return -ENOENT;
	}
	*inode = st.st_ino;
	return 0;
}

static struct idmap containers; /* netns inode -> struct netns_container */
static uint64_t last_proc_scan_ns;

static void free_container(void *p)
{
	struct netns_container *c = p;

	free(c->cgroup);
	free(c);
}

/*
 * Maps every netns that has a process to the lowest pid in it: /proc lists
 * pids in ascending order, so the first one found is the container's init
 * (or the oldest surviving process), which is what names the container.
 */
static void scan_proc(void)
{
	struct netns_container *c;
	struct dirent *de;
	char path[300];
	struct stat st;
	DIR *dir;

	idmap_clear(&containers, free_container);
	last_proc_scan_ns = now_monotonic_ns();
	dir = opendir("/proc");
	if (!dir)
		return;
	while ((de = readdir(dir))) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/ns/net", de->d_name);
		if (stat(path, &st) || idmap_get(&containers, st.st_ino))
			continue;
		c = calloc(1, sizeof(*c));
		if (!c)
			break;
		c->pid = atoi(de->d_name);
		proc_comm(c->pid, c->comm, sizeof(c->comm));
		c->cgroup = cgroup_of_pid(c->pid);
		idmap_put(&containers, st.st_ino, c);
	}
	closedir(dir);
}

const struct netns_container *netns_container(uint32_t inode)
{
	const struct netns_container *c;

	if (!containers.cap)
		idmap_init(&containers);
	c = idmap_get(&containers, inode);
	if (c || !inode)
		return c;
	if (!containers.len || now_monotonic_ns() - last_proc_scan_ns > 200000000ull) {
		scan_proc();
		c = idmap_get(&containers, inode);
	}
	return c;
}

const char *netns_label(uint32_t inode, char *buf, size_t len)
{
	const struct netns_container *c;
	const char *name = netns_name(inode);

	if (name)
		return name;
	c = netns_container(inode);
	if (!c)
		return "-";
	snprintf(buf, len, "%u/%s:%s", c->pid, c->comm, c->cgroup ? c->cgroup : "?");
	return buf;
}

void netns_names_free(void)
{
	idmap_free(&names, free);
	scanned = false;
	if (containers.cap)
		idmap_free(&containers, free_container);
}

void json_netns_container(struct strbuf *sb, uint32_t netns_ino)
{
	const struct netns_container *c = netns_container(netns_ino);
	struct json_writer w = {.sb = sb}; /* a value inside the caller's record */

	if (!c) {
		sb_puts(sb, "null");
		return;
	}
	jw_object(&w, NULL);
	jw_u64(&w, "pid", c->pid);
	jw_str(&w, "comm", c->comm);
	jw_str(&w, "cgroup", c->cgroup);
	jw_object_end(&w);
}
