// SPDX-License-Identifier: GPL-2.0
/*
 * The devices that exist, from /sys: a device is a directory under
 * /sys/devices with a uevent file (what udevadm trigger walks too). Read only:
 * nothing here writes a uevent file, so no host-wide uevent is made.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "forward.h"
#include "forward_sysfs.h"

#define SYS "/sys"

/* Pre-order: a parent before its children, as `add` events come at boot. */
static int walk(char *path, size_t len, int depth, fwd_sysfs_fn fn, void *ctx)
{
	struct dirent *de;
	int ret = 0, dfd;
	DIR *d;

	if (depth > 64)
		return 0;
	d = opendir(path);
	if (!d)
		return 0; /* gone meanwhile */
	dfd = dirfd(d);
	if (!faccessat(dfd, "uevent", F_OK, 0))
		ret = fn(path, path + strlen(SYS), ctx);
	while (!ret && (de = readdir(d))) {
		size_t n = strlen(de->d_name);

		if (de->d_type != DT_DIR || de->d_name[0] == '.' || len + 1 + n >= PATH_MAX)
			continue;
		path[len] = '/';
		memcpy(path + len + 1, de->d_name, n + 1);
		ret = walk(path, len + 1 + n, depth + 1, fn, ctx);
		path[len] = '\0';
	}
	closedir(d);
	return ret;
}

int fwd_sysfs_walk(fwd_sysfs_fn fn, void *ctx)
{
	char path[PATH_MAX] = SYS "/devices";

	return walk(path, strlen(path), 0, fn, ctx);
}

static int by_devpath(const void *a, const void *b)
{
	return strcmp(((const struct fwd_dev *)a)->devpath, ((const struct fwd_dev *)b)->devpath);
}

static void push(struct fwd_devset *s, const char *devpath, const char *subsystem)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 1024;
		s->v = realloc(s->v, s->cap * sizeof(*s->v));
		if (!s->v)
			abort();
	}
	s->v[s->n].devpath = strdup(devpath);
	s->v[s->n].subsystem = strdup(subsystem ? subsystem : "");
	if (!s->v[s->n].devpath || !s->v[s->n].subsystem)
		abort();
	s->n++;
}

static int scan_one(const char *syspath, const char *devpath, void *ctx)
{
	char link[PATH_MAX], target[PATH_MAX];
	ssize_t n;
	const char *sub = "";

	snprintf(link, sizeof(link), "%s/subsystem", syspath);
	n = readlink(link, target, sizeof(target) - 1);
	if (n > 0) {
		target[n] = '\0';
		sub = strrchr(target, '/') ? strrchr(target, '/') + 1 : target;
	}
	push(ctx, devpath, sub);
	return 0;
}

int fwd_devset_scan(struct fwd_devset *s)
{
	memset(s, 0, sizeof(*s));
	fwd_sysfs_walk(scan_one, s);
	if (s->n)
		qsort(s->v, s->n, sizeof(*s->v), by_devpath);
	return 0;
}

/* The index of devpath, or where it would go (*found false). */
static size_t find(const struct fwd_devset *s, const char *devpath, bool *found)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(s->v[mid].devpath, devpath);

		if (!c) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

void fwd_devset_add(struct fwd_devset *s, const char *devpath, const char *subsystem)
{
	bool found;
	size_t i = find(s, devpath, &found);

	if (found)
		return;
	push(s, devpath, subsystem);
	/* push() appended it; move it into its place. */
	{
		struct fwd_dev d = s->v[s->n - 1];

		memmove(&s->v[i + 1], &s->v[i], (s->n - 1 - i) * sizeof(*s->v));
		s->v[i] = d;
	}
}

void fwd_devset_del(struct fwd_devset *s, const char *devpath)
{
	bool found;
	size_t i = find(s, devpath, &found);

	if (!found)
		return;
	free(s->v[i].devpath);
	free(s->v[i].subsystem);
	memmove(&s->v[i], &s->v[i + 1], (s->n - i - 1) * sizeof(*s->v));
	s->n--;
}

void fwd_devset_free(struct fwd_devset *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		free(s->v[i].devpath);
		free(s->v[i].subsystem);
	}
	free(s->v);
	memset(s, 0, sizeof(*s));
}
