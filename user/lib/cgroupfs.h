/* SPDX-License-Identifier: GPL-2.0 */
#ifndef UEVSCOPE_CGROUPFS_H
#define UEVSCOPE_CGROUPFS_H

#include <stdint.h>
#include <sys/types.h>

/* The cgroup v2 mount point from /proc/self/mountinfo, or NULL when there is none. */
const char *cgroup2_mount(void);

/*
 * Resolves a cgroup given as a full path under the cgroup2 mount or as a path
 * relative to its root ("/system.slice/x.service", as /proc/PID/cgroup shows it).
 * Gives its id (the kernfs inode) and depth (root = 0). Returns 0 or -errno,
 * with a one-line reason in err.
 */
int cgroup_resolve(const char *path, uint64_t *id, int *level, char *err, size_t errlen);

/* The cgroup v2 path of a process ("/user.slice/..."), malloc'ed, or NULL. */
char *cgroup_of_pid(pid_t pid);

#endif /* UEVSCOPE_CGROUPFS_H */
