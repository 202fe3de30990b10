// SPDX-License-Identifier: GPL-2.0
/*
 * Loading, attaching and pinning the cgroup/dev programs of the device policy,
 * and removing them again. First choice is a bpf_link (BPF_LINK_CREATE, 5.7+),
 * which always composes like BPF_F_ALLOW_MULTI and which a runtime cannot
 * detach with BPF_PROG_DETACH; the fallback is BPF_PROG_ATTACH with
 * BPF_F_ALLOW_MULTI and the program pinned, so it can be found and detached.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "cgroupfs.h"
#include "common.h"
#include "devices.h"
#include "devices_pins.h"
#include "fault.h"
#include "policy_commit.h"
#include "devices.skel.h"

#define BPFFS_ROOT    "/sys/fs/bpf"
#define UEVSCOPE_PINS BPFFS_ROOT "/uevscope"
#define FILEID_KERNFS 0xfe /* include/linux/exportfs.h: handle = the 64-bit cgroup id */

const char *devices_force_hook;

static const char *const map_names[] = {"policy_cfg", "rules", "counters", "scopes"};

int dev_maps_open(struct dev_maps *m, char *err, size_t errlen)
{
	int *fds[] = {&m->cfg, &m->rules, &m->counters, &m->scopes};
	char path[128];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(fds); i++) {
		snprintf(path, sizeof(path), "%s/%s", DEV_PIN_DIR, map_names[i]);
		*fds[i] = bpf_obj_get(path);
		if (*fds[i] < 0) {
			int e = errno;

			snprintf(err, errlen, "cannot open pinned map %s: %s", path, strerror(e));
			dev_maps_close(m);
			return -e;
		}
	}
	return 0;
}

void dev_maps_close(struct dev_maps *m)
{
	int *fds[] = {&m->cfg, &m->rules, &m->counters, &m->scopes};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(fds); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
}

int dev_pins_prepare(char *err, size_t errlen)
{
	struct statfs sfs;

	if (statfs(BPFFS_ROOT, &sfs) || sfs.f_type != BPF_FS_MAGIC) {
		snprintf(err, errlen,
			 "bpffs is not mounted at %s; mount it with 'mount -t bpf bpf %s'",
			 BPFFS_ROOT, BPFFS_ROOT);
		return -ENOENT;
	}
	if ((mkdir(UEVSCOPE_PINS, 0700) && errno != EEXIST) ||
	    (mkdir(DEV_PIN_DIR, 0700) && errno != EEXIST)) {
		int e = errno;

		snprintf(err, errlen, "cannot create %s: %s", DEV_PIN_DIR, strerror(e));
		return -e;
	}
	return 0;
}

/* "link-123" or "prog-123" -> 123 */
static bool pin_cgroup_id(const char *name, uint64_t *id)
{
	if (strncmp(name, "link-", 5) && strncmp(name, "prog-", 5))
		return false;
	return parse_u64(name + 5, id);
}

int dev_pins_attached(uint64_t *ids, size_t max, size_t *n, char *err, size_t errlen)
{
	struct dirent *de;
	uint64_t id;
	DIR *d;

	*n = 0;
	d = opendir(DEV_PIN_DIR);
	if (!d) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "cannot read %s: %s", DEV_PIN_DIR, strerror(errno));
		return -errno;
	}
	while ((de = readdir(d)))
		if (pin_cgroup_id(de->d_name, &id) && *n < max)
			ids[(*n)++] = id;
	closedir(d);
	return 0;
}

/* The cgroup directory by its id, wherever it is now (kernfs file handles). */
static int open_cgroup_by_id(uint64_t id)
{
	union {
		struct file_handle fh;
		char buf[sizeof(struct file_handle) + sizeof(uint64_t)];
	} h;
	const char *root = cgroup2_mount();
	int mfd, fd;

	h.fh.handle_bytes = sizeof(uint64_t);
	h.fh.handle_type = FILEID_KERNFS;
	memcpy(h.fh.f_handle, &id, sizeof(id));
	if (!root)
		return -ENOENT;
	mfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (mfd < 0)
		return -errno;
	fd = open_by_handle_at(mfd, &h.fh, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		fd = -errno;
	close(mfd);
	return fd;
}

static int attach_one(struct devices_bpf *skel, int cgfd, char *pin, char *err, size_t errlen)
{
	struct bpf_program *prog = skel->progs.device_policy;
	struct bpf_link *link;
	int rc;

	if (!devices_force_hook || !strcmp(devices_force_hook, "link")) {
		link = bpf_program__attach_cgroup(prog, cgfd);
		if (link) {
			devices_hook = "link";
			memcpy(strrchr(pin, '/') + 1, "link-", 5);
			rc = bpf_link__pin(link, pin);
			if (rc) {
				snprintf(err, errlen, "cannot pin %s: %s", pin, strerror(-rc));
				bpf_link__destroy(link); /* not pinned: this detaches it */
				return rc;
			}
			bpf_link__disconnect(link);
			bpf_link__destroy(link);
			return 0;
		}
		rc = -errno;
		if (devices_force_hook) {
			snprintf(err, errlen, "cgroup/dev bpf_link refused: %s", strerror(-rc));
			return rc;
		}
		uev_dbg("devices: cgroup/dev bpf_link refused (%s); using BPF_PROG_ATTACH",
			strerror(-rc));
	}
	devices_hook = "prog-attach";
	memcpy(strrchr(pin, '/') + 1, "prog-", 5);
	rc = bpf_program__pin(prog, pin);
	if (rc) {
		snprintf(err, errlen, "cannot pin %s: %s", pin, strerror(-rc));
		return rc;
	}
	if (bpf_prog_attach(bpf_program__fd(prog), cgfd, BPF_CGROUP_DEVICE, BPF_F_ALLOW_MULTI)) {
		rc = -errno;
		snprintf(err, errlen, "cannot attach cgroup/dev program: %s", strerror(-rc));
		unlink(pin);
		return rc;
	}
	return 0;
}

int dev_pins_attach(const struct dev_rule *scope, char *err, size_t errlen)
{
	struct devices_bpf *skel;
	struct bpf_map *map;
	char path[PATH_MAX];
	int cgfd, rc;

	cgfd = open_cgroup_by_id(scope->cgroup_id);
	if (cgfd < 0) {
		snprintf(err, errlen, "cgroup '%s' is gone (id %" PRIu64 "): %s", scope->cgroup,
			 scope->cgroup_id, strerror(-cgfd));
		return cgfd;
	}
	skel = devices_bpf__open();
	if (!skel) {
		rc = -errno;
		snprintf(err, errlen, "cannot open the devices BPF object: %s", strerror(-rc));
		goto out;
	}
	skel->rodata->scope_cgroup_id = scope->cgroup_id;
	/* libbpf reuses a compatible pinned map of that path, or creates and pins it. */
	bpf_object__for_each_map(map, skel->obj)
	{
		if (bpf_map__is_internal(map))
			continue;
		snprintf(path, sizeof(path), "%s/%s", DEV_PIN_DIR, bpf_map__name(map));
		if (map == skel->maps.ucommit)
			snprintf(path, sizeof(path), "%s", COMMIT_PIN);
		bpf_map__set_pin_path(map, path);
	}
	rc = devices_bpf__load(skel);
	if (rc) {
		snprintf(err, errlen,
			 "cannot load the cgroup/dev program: %s (pinned maps in %s from another "
			 "uevscope version? 'uevscope devices flush' removes them)",
			 strerror(-rc), DEV_PIN_DIR);
		goto out;
	}
	snprintf(path, sizeof(path), "%s/link-%" PRIu64, DEV_PIN_DIR, scope->cgroup_id);
	rc = attach_one(skel, cgfd, path, err, errlen);
out:
	devices_bpf__destroy(skel);
	close(cgfd);
	return rc;
}

void dev_pins_detach(uint64_t cgroup_id)
{
	char path[128];
	int fd, cgfd;

	/* Detach now: dropping the pin alone frees a link from a workqueue, later. */
	snprintf(path, sizeof(path), "%s/link-%" PRIu64, DEV_PIN_DIR, cgroup_id);
	fd = bpf_obj_get(path);
	if (fd >= 0) {
		bpf_link_detach(fd);
		close(fd);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/prog-%" PRIu64, DEV_PIN_DIR, cgroup_id);
	fd = bpf_obj_get(path);
	if (fd >= 0) {
		cgfd = open_cgroup_by_id(cgroup_id);
		if (cgfd >= 0) {
			bpf_prog_detach2(fd, cgfd, BPF_CGROUP_DEVICE);
			close(cgfd);
		}
		close(fd);
		unlink(path);
	}
}

int dev_pins_remove_all(char *err, size_t errlen)
{
	uint64_t ids[DEV_SCOPES_MAX * 2];
	char path[128], dummy[8];
	size_t n, i;
	int e;

	if (!err) {
		err = dummy;
		errlen = sizeof(dummy);
	}
	if (dev_pins_attached(ids, ARRAY_SIZE(ids), &n, err, errlen) == 0)
		for (i = 0; i < n; i++)
			dev_pins_detach(ids[i]);
	fault_point("unpin");
	for (i = 0; i < ARRAY_SIZE(map_names); i++) {
		snprintf(path, sizeof(path), "%s/%s", DEV_PIN_DIR, map_names[i]);
		unlink(path);
	}
	if (rmdir(DEV_PIN_DIR) && errno != ENOENT) {
		e = errno;
		snprintf(err, errlen, "cannot remove %s: %s", DEV_PIN_DIR, strerror(e));
		return -e;
	}
	/* ucommit and the root are shared with `uevscope filter`: only when that left nothing. */
	commit_unpin_if_unused();
	return 0;
}
