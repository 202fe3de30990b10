// SPDX-License-Identifier: GPL-2.0
/* Which container and which devices: the arguments of attach and detach, resolved. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include "attach.h"
#include "cgroupfs.h"
#include "match.h"
#include "nsnames.h"
#include "strbuf.h"
#include "uevent.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* Reads a small file; its inode into *ino when ino is not NULL. */
static int read_small_ino(const char *path, char *buf, size_t len, uint64_t *ino)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	ssize_t n;

	if (fd < 0)
		return -errno;
	if (ino)
		*ino = fstat(fd, &st) ? 0 : st.st_ino;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

static int read_small(const char *path, char *buf, size_t len)
{
	return read_small_ino(path, buf, len, NULL);
}

/* The mount point of the v1 hierarchy that carries the devices controller, or NULL. */
static const char *v1_devices_mount(void)
{
	static char mnt[PATH_MAX];
	char line[4096], fstype[64], opts[1024];
	FILE *f = fopen("/proc/self/mountinfo", "re");

	if (!f)
		return NULL;
	mnt[0] = '\0';
	while (fgets(line, sizeof(line), f)) {
		char *sep = strstr(line, " - ");

		if (!sep || sscanf(sep + 3, "%63s %*s %1023s", fstype, opts) != 2 ||
		    strcmp(fstype, "cgroup"))
			continue;
		if (!strstr(opts, ",devices") && strncmp(opts, "devices", 7))
			continue;
		if (sscanf(line, "%*s %*s %*s %*s %4095s", mnt) == 1)
			break;
	}
	fclose(f);
	return mnt[0] ? mnt : NULL;
}

static void cgroups_of(struct att_ctr *c)
{
	char fn[64], line[PATH_MAX + 32], *p;
	const char *v1 = v1_devices_mount();
	FILE *f;

	snprintf(fn, sizeof(fn), "/proc/%d/cgroup", (int)c->pid);
	f = fopen(fn, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (!strncmp(line, "0::", 3)) {
			snprintf(c->cgroup, sizeof(c->cgroup), "%.255s", line + 3);
			continue;
		}
		p = strchr(line, ':');
		if (!p || strncmp(p + 1, "devices:", 8) || !v1)
			continue;
		/* The root devices cgroup restricts nothing: no v1 control then. */
		if (strcmp(p + 9, "/"))
			snprintf(c->v1dir, sizeof(c->v1dir), "%s%s", v1, p + 9);
	}
	fclose(f);
}

static pid_t first_pid_of_cgroup(const char *dir)
{
	char fn[PATH_MAX];
	long pid = 0;
	FILE *f;

	snprintf(fn, sizeof(fn), "%.4000s/cgroup.procs", dir);
	f = fopen(fn, "re");
	if (!f)
		return 0;
	if (fscanf(f, "%ld", &pid) != 1)
		pid = 0;
	fclose(f);
	return pid;
}

static int pid_of(const char *arg, pid_t *pid, char *err, size_t errlen)
{
	const char *root = cgroup2_mount();
	char dir[PATH_MAX];
	uint32_t ino;
	struct stat st;

	if (all_digits(arg)) {
		*pid = strtol(arg, NULL, 10);
		return 0;
	}
	if (arg[0] == '/' && strncmp(arg, "/run/netns/", 11)) {
		if (root && strncmp(arg, root, strlen(root)))
			snprintf(dir, sizeof(dir), "%s%s", root, arg);
		else
			snprintf(dir, sizeof(dir), "%s", arg);
		if (stat(dir, &st) || !S_ISDIR(st.st_mode)) {
			snprintf(err, errlen,
				 "no container '%s': neither a pid, a cgroup v2 path nor a "
				 "/run/netns name",
				 arg);
			return -ENOENT;
		}
		*pid = first_pid_of_cgroup(dir);
		if (!*pid) {
			snprintf(err, errlen, "no process in cgroup %s: is the container running?",
				 arg);
			return -ESRCH;
		}
		return 0;
	}
	if (netns_resolve(arg, &ino, err, errlen))
		return -ENOENT;
	const struct netns_container *nc = netns_container(ino);
	if (!nc || !nc->pid) {
		snprintf(err, errlen, "no process in network namespace %s", arg);
		return -ESRCH;
	}
	*pid = nc->pid;
	return 0;
}

static int open_ns(pid_t pid, const char *what, char *err, size_t errlen)
{
	char fn[64];
	int fd;

	snprintf(fn, sizeof(fn), "/proc/%d/%s", (int)pid, what);
	fd = open(fn, O_RDONLY | O_CLOEXEC | (strcmp(what, "root") ? 0 : O_DIRECTORY));
	if (fd < 0)
		snprintf(err, errlen, "cannot open %s: %s", fn, strerror(errno));
	return fd < 0 ? -errno : fd;
}

int att_ctr_open(const char *arg, struct att_ctr *c, char *err, size_t errlen)
{
	struct stat a, b;
	char fn[64];
	int rc, level;

	memset(c, 0, sizeof(*c));
	c->netns_fd = c->mnt_fd = c->root_fd = c->pidfd = -1;
	rc = pid_of(arg, &c->pid, err, errlen);
	if (rc)
		return rc;
	snprintf(fn, sizeof(fn), "/proc/%d", (int)c->pid);
	c->pidfd = syscall(SYS_pidfd_open, c->pid, 0);
	if (stat(fn, &a)) {
		snprintf(err, errlen, "no process %d: is the container running?", (int)c->pid);
		return -ESRCH;
	}
	cgroups_of(c);
	/*
	 * A runtime on v1 only (crun here) leaves the container in its own
	 * caller's cgroup2: then the v1 devices cgroup names the container.
	 */
	char *mine = cgroup_of_pid(getpid());
	if (c->v1dir[0] &&
	    (!c->cgroup[0] || !strcmp(c->cgroup, "/") || (mine && !strcmp(mine, c->cgroup))))
		snprintf(c->cgroup, sizeof(c->cgroup), "%.255s",
			 c->v1dir + strlen(v1_devices_mount()));
	free(mine);
	if (c->cgroup[0] && cgroup_resolve(c->cgroup, &c->cgroup_id, &level, err, errlen))
		c->cgroup_id = 0;
	if (c->v1dir[0] && !stat(c->v1dir, &a))
		c->v1ino = a.st_ino;
	c->netns_fd = open_ns(c->pid, "ns/net", err, errlen);
	c->mnt_fd = c->netns_fd < 0 ? -1 : open_ns(c->pid, "ns/mnt", err, errlen);
	c->root_fd = c->mnt_fd < 0 ? -1 : open_ns(c->pid, "root", err, errlen);
	if (c->root_fd < 0) {
		att_ctr_close(c);
		return -ESRCH;
	}
	fstat(c->netns_fd, &a);
	c->netns = a.st_ino;
	c->host_netns = !stat("/proc/1/ns/net", &b) && a.st_ino == b.st_ino && a.st_dev == b.st_dev;
	snprintf(fn, sizeof(fn), "/proc/%d/ns/user", (int)c->pid);
	c->own_userns = !stat(fn, &a) && !stat("/proc/self/ns/user", &b) && a.st_ino != b.st_ino;
	snprintf(fn, sizeof(fn), "/proc/%d/uid_map", (int)c->pid);
	read_small(fn, c->uid_map, sizeof(c->uid_map));
	snprintf(fn, sizeof(fn), "/proc/%d/gid_map", (int)c->pid);
	read_small(fn, c->gid_map, sizeof(c->gid_map));
	return 0;
}

void att_ctr_close(struct att_ctr *c)
{
	if (c->netns_fd >= 0)
		close(c->netns_fd);
	if (c->mnt_fd >= 0)
		close(c->mnt_fd);
	if (c->root_fd >= 0)
		close(c->root_fd);
	if (c->pidfd >= 0)
		close(c->pidfd);
	c->netns_fd = c->mnt_fd = c->root_fd = c->pidfd = -1;
}

bool att_ctr_gone(const struct att_ctr *c)
{
	struct pollfd p = {.fd = c->pidfd, .events = POLLIN};
	char fn[64];

	if (c->pidfd >= 0)
		return poll(&p, 1, 0) == 1;
	/* Kernels before 5.3: the pid's directory, which a reused pid would fool. */
	snprintf(fn, sizeof(fn), "/proc/%d/ns/net", (int)c->pid);
	return access(fn, F_OK) != 0;
}

long att_map_to_inside(const char *map, unsigned long id)
{
	unsigned long in, out, len;
	const char *p = map;
	int used;

	while (sscanf(p, " %lu %lu %lu%n", &in, &out, &len, &used) == 3) {
		if (id >= out && id - out < len)
			return (long)(in + (id - out));
		p += used;
	}
	return -1;
}

unsigned long att_map_to_outside(const char *map, unsigned long id)
{
	unsigned long in, out, len;
	const char *p = map;
	int used;

	while (sscanf(p, " %lu %lu %lu%n", &in, &out, &len, &used) == 3) {
		if (id >= in && id - in < len)
			return out + (id - in);
		p += used;
	}
	return 65534; /* the overflow id */
}

static void host_node(struct att_dev *d)
{
	struct stat st;

	d->host_node = !stat(d->node, &st) && (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) &&
		       major(st.st_rdev) == d->major && minor(st.st_rdev) == d->minor;
	d->mode = d->host_node ? st.st_mode & 07777 : 0660;
	d->uid = d->host_node ? st.st_uid : 0;
	d->gid = d->host_node ? st.st_gid : 0;
}

int att_dev_from_sys(const char *syspath, struct att_dev *d, char *err, size_t errlen)
{
	char fn[PATH_MAX], buf[4096], link[PATH_MAX], *line, *save = NULL;
	char devname[200] = "";
	ssize_t n;
	int have = 0;

	memset(d, 0, sizeof(*d));
	if (!realpath(syspath, d->syspath) || strncmp(d->syspath, "/sys/devices/", 13)) {
		snprintf(err, errlen, "'%s' is not a device in /sys/devices", syspath);
		return -ENODEV;
	}
	snprintf(d->devpath, sizeof(d->devpath), "%s", d->syspath + 4);
	snprintf(fn, sizeof(fn), "%s/uevent", d->syspath);
	if (read_small_ino(fn, buf, sizeof(buf), &d->sysino)) {
		snprintf(err, errlen, "device %s is gone", d->syspath);
		return -ENODEV;
	}
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, "MAJOR=", 6) && ++have)
			d->major = strtoul(line + 6, NULL, 10);
		else if (!strncmp(line, "MINOR=", 6) && ++have)
			d->minor = strtoul(line + 6, NULL, 10);
		else if (!strncmp(line, "DEVNAME=", 8))
			snprintf(devname, sizeof(devname), "%s", line + 8);
		else if (!strncmp(line, "DEVTYPE=", 8))
			snprintf(d->devtype, sizeof(d->devtype), "%s", line + 8);
	}
	snprintf(fn, sizeof(fn), "%s/subsystem", d->syspath);
	n = readlink(fn, link, sizeof(link) - 1);
	if (n > 0) {
		link[n] = '\0';
		snprintf(d->subsystem, sizeof(d->subsystem), "%s", strrchr(link, '/') + 1);
	}
	if (have != 2 || !devname[0]) {
		snprintf(err, errlen, "%s has no device node (no MAJOR, MINOR and DEVNAME)",
			 d->syspath);
		return -ENODEV;
	}
	d->type = strcmp(d->subsystem, "block") ? 'c' : 'b';
	snprintf(d->node, sizeof(d->node), "/dev/%s", devname);
	host_node(d);
	return 0;
}

int att_dev_resolve(const char *arg, struct att_dev *d, char *err, size_t errlen)
{
	char sys[128], node[256];
	struct stat st;

	if (!strncmp(arg, "/sys/", 5))
		return att_dev_from_sys(arg, d, err, errlen);
	if (stat(arg, &st)) {
		snprintf(err, errlen, "no device '%s': %s", arg, strerror(errno));
		return -ENODEV;
	}
	if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode)) {
		snprintf(err, errlen, "'%s' is not a device node or a /sys device path", arg);
		return -EINVAL;
	}
	snprintf(node, sizeof(node), "%s", arg);
	snprintf(sys, sizeof(sys), "/sys/dev/%s/%u:%u", S_ISBLK(st.st_mode) ? "block" : "char",
		 major(st.st_rdev), minor(st.st_rdev));
	/* The node's own name wins over the kernel's DEVNAME: that is what was asked for. */
	if (att_dev_from_sys(sys, d, err, errlen)) {
		memset(d, 0, sizeof(*d));
		d->type = S_ISBLK(st.st_mode) ? 'b' : 'c';
		d->major = major(st.st_rdev);
		d->minor = minor(st.st_rdev);
	}
	snprintf(d->node, sizeof(d->node), "%s", node);
	host_node(d);
	return 0;
}

/* A uevent built from a sysfs directory's uevent file, for the matcher. */
static bool sys_matches(const struct match_list *ml, const char *dir)
{
	char fn[PATH_MAX], buf[4096], link[PATH_MAX], *p;
	struct strbuf sb;
	struct uevent ev;
	ssize_t n;
	bool ok;

	snprintf(fn, sizeof(fn), "%.4000s/uevent", dir);
	if (read_small(fn, buf, sizeof(buf)))
		return false;
	sb_init(&sb, 1024);
	sb_printf(&sb, "add@%s", dir + 4);
	sb_putc(&sb, '\0');
	sb_printf(&sb, "ACTION=add");
	sb_putc(&sb, '\0');
	sb_printf(&sb, "DEVPATH=%s", dir + 4);
	sb_putc(&sb, '\0');
	/* udev's KERNEL, the kernel's name of the device, for -m 'KERNEL=="loop*"'. */
	sb_printf(&sb, "KERNEL=%s", strrchr(dir, '/') + 1);
	sb_putc(&sb, '\0');
	snprintf(fn, sizeof(fn), "%.4000s/subsystem", dir);
	n = readlink(fn, link, sizeof(link) - 1);
	if (n > 0) {
		link[n] = '\0';
		sb_printf(&sb, "SUBSYSTEM=%s", strrchr(link, '/') + 1);
		sb_putc(&sb, '\0');
	}
	for (p = buf; *p; p++)
		sb_putc(&sb, *p == '\n' ? '\0' : *p);
	sb_grow(&sb, 1);
	ok = !uevent_parse(sb.buf, sb.len, &ev) && match_list_eval(ml, &ev);
	sb_free(&sb);
	return ok;
}

static int add_dev(struct att_dev **v, size_t *n, const struct att_dev *d)
{
	struct att_dev *nv = realloc(*v, (*n + 1) * sizeof(**v));

	if (!nv)
		return -ENOMEM;
	*v = nv;
	nv[(*n)++] = *d;
	return 0;
}

bool att_sys_matches_up(const struct match_list *ml, const char *syspath)
{
	char walk[PATH_MAX];

	snprintf(walk, sizeof(walk), "%s", syspath);
	while (strlen(walk) > 13) {
		if (sys_matches(ml, walk))
			return true;
		*strrchr(walk, '/') = '\0';
	}
	return false;
}

int att_dev_match(const struct match_list *ml, const char *expr, struct att_dev **out, size_t *n,
		  char *err, size_t errlen)
{
	static const char *const classes[] = {"/sys/dev/char", "/sys/dev/block"};
	char fn[PATH_MAX], real[PATH_MAX], e2[256];
	struct att_dev d;
	struct dirent *de;
	size_t i;
	int rc = 0;

	*out = NULL;
	*n = 0;
	/* Every device with a node; it is taken when it or an ancestor matches. */
	for (i = 0; i < 2 && !rc; i++) {
		DIR *dir = opendir(classes[i]);

		while (dir && (de = readdir(dir)) && !rc) {
			if (de->d_name[0] == '.')
				continue;
			snprintf(fn, sizeof(fn), "%s/%s", classes[i], de->d_name);
			if (!realpath(fn, real) || !att_sys_matches_up(ml, real))
				continue;
			if (!att_dev_from_sys(real, &d, e2, sizeof(e2)))
				rc = add_dev(out, n, &d);
		}
		if (dir)
			closedir(dir);
	}
	if (!rc && !*n) {
		snprintf(err, errlen, "no device with a node matches '%s'", expr);
		return -ENODEV;
	}
	return rc;
}
