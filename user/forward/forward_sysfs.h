/* SPDX-License-Identifier: GPL-2.0 */
#ifndef UEVSCOPE_FORWARD_SYSFS_H
#define UEVSCOPE_FORWARD_SYSFS_H

/* Called per device: its /sys path and its devpath ("/devices/..."); non-zero stops the walk. */
typedef int (*fwd_sysfs_fn)(const char *syspath, const char *devpath, void *ctx);

/* Every device under /sys/devices, parents first. Returns what fn stopped with, or 0. */
int fwd_sysfs_walk(fwd_sysfs_fn fn, void *ctx);

#endif /* UEVSCOPE_FORWARD_SYSFS_H */
