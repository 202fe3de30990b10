/* SPDX-License-Identifier: GPL-2.0 */
/* The device rules a container runtime gave a container, read from its state (attach only). */
#ifndef UEVSCOPE_ATTACH_JSON_H
#define UEVSCOPE_ATTACH_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct att_json_dev {
	long major;	/* -1 = any */
	long minor;	/* -1 = any */
	char access[4]; /* some of "rwm" */
	char type;	/* 'a', 'b' or 'c' */
	bool allow;
};

/*
 * The rules in the runtime's order (OCI: the last match wins), from runc's
 * /run/runc/ID/state.json (config.cgroups.devices, the whole list runc
 * enforces, its defaults included) or crun's /run/crun/ID/config.json
 * (linux.resources.devices), or a folder of either given as --runtime-root,
 * for the container whose init is pid or whose
 * cgroups path is cgroup. src names the file. 0, or -ENOENT.
 */
/* One more state folder to look in (--runtime-root), or NULL. */
extern const char *att_runtime_root;

int att_runtime_devices(pid_t pid, const char *cgroup, struct att_json_dev *out, size_t max,
			size_t *n, char *src, size_t srclen);

/* Parses one state or config text (for tests): rules at the given key path. */
int att_json_devices(const char *text, const char *const *path, size_t depth, bool runc,
		     struct att_json_dev *out, size_t max, size_t *n);

#endif /* UEVSCOPE_ATTACH_JSON_H */
