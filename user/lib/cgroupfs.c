// SPDX-License-Identifier: GPL-2.0
/* Finding cgroup v2 (its mount point differs between unified and hybrid layouts). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include "cgroupfs.h"

static char cg2_path[PATH_MAX];
static int cg2_state; /* 0 = not looked yet, 1 = found, -1 = none */

const char *cgroup2_mount(void)
{
	char line[4096], mnt[PATH_MAX], fstype[64];
	FILE *f;

	if (cg2_state)
		return cg2_state > 0 ? cg2_path : NULL;
	cg2_state = -1;
	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return NULL;
	/* "36 25 0:30 / /sys/fs/cgroup/unified rw,... shared:9 - cgroup2 cgroup2 rw,..." */
	while (fgets(line, sizeof(line), f)) {
		char *sep = strstr(line, " - ");

		if (!sep || sscanf(sep + 3, "%63s", fstype) != 1 || strcmp(fstype, "cgroup2"))
			continue;
		if (sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1)
			continue;
		snprintf(cg2_path, sizeof(cg2_path), "%s", mnt);
		cg2_state = 1;
		break;
	}
	fclose(f);
	return cg2_state > 0 ? cg2_path : NULL;
}

static int depth_of(const char *rel)
{
	int depth = 0;

	for (; *rel; rel++)
		if (*rel != '/' && (rel[-1] == '/'))
			depth++;
	return depth;
}

int cgroup_resolve(const char *path, uint64_t *id, int *level, char *err, size_t errlen)
{
	const char *root = cgroup2_mount();
	char full[PATH_MAX];
	const char *rel;
	struct statfs sfs;
	struct stat st;
	size_t rlen;

	if (!root) {
		snprintf(err, errlen,
			 "no cgroup v2 hierarchy is mounted (see /proc/self/mountinfo)");
		return -ENOENT;
	}
	rlen = strlen(root);
	if (!strncmp(path, root, rlen) && (path[rlen] == '/' || !path[rlen]))
		snprintf(full, sizeof(full), "%s", path);
	else if (path[0] == '/')
		snprintf(full, sizeof(full), "%s%s", root, path);
	else
		snprintf(full, sizeof(full), "%s/%s", root, path);
	if (stat(full, &st) || !S_ISDIR(st.st_mode) || statfs(full, &sfs) ||
	    sfs.f_type != CGROUP2_SUPER_MAGIC) {
		snprintf(err, errlen,
			 "'%s' is not a cgroup v2 directory (cgroup v2 is mounted at %s)", path,
			 root);
		return -ENOENT;
	}
	rel = full + rlen;
	/* depth_of() looks one byte back; the leading '/' (or end) keeps that in bounds. */
	*level = *rel ? depth_of(rel) : 0;
	*id = st.st_ino;
	return 0;
}

char *cgroup_of_pid(pid_t pid)
{
	char fn[64], line[PATH_MAX + 8], *path = NULL;
	FILE *f;

	snprintf(fn, sizeof(fn), "/proc/%d/cgroup", (int)pid);
	f = fopen(fn, "re");
	if (!f)
		return NULL;
	/* The unified hierarchy is the "0::" line, in both cgroup layouts. */
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "0::", 3))
			continue;
		line[strcspn(line, "\n")] = '\0';
		path = strdup(line + 3);
		break;
	}
	fclose(f);
	return path;
}
