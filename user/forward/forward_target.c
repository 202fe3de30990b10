// SPDX-License-Identifier: GPL-2.0
/* Targets of `uevscope forward`: resolving --to, cgroup scans, checks and locks. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <linux/nsfs.h>
#include "cgroupfs.h"
#include "common.h"
#include "forward.h"
#include "inject.h"

static bool is_nsfs(const char *path, struct stat *st)
{
	struct statfs sfs;

	return !stat(path, st) && !statfs(path, &sfs) && sfs.f_type == NSFS_MAGIC;
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

/* A cgroup directory: a path in a cgroup file system, or one relative to the cgroup2 root. */
static bool find_cgroup(const char *arg, char *out, size_t len)
{
	const char *root = cgroup2_mount();
	char probe[4200];

	snprintf(probe, sizeof(probe), "%s/cgroup.procs", arg);
	if (arg[0] == '/' && !access(probe, R_OK)) {
		snprintf(out, len, "%s", arg);
		return true;
	}
	if (!root)
		return false;
	snprintf(probe, sizeof(probe), "%s/%s/cgroup.procs", root, arg + (arg[0] == '/'));
	if (access(probe, R_OK))
		return false;
	snprintf(out, len, "%s/%s", root, arg + (arg[0] == '/'));
	return true;
}

int fwd_spec_resolve(const char *arg, struct fwd_spec *spec, char *err, size_t errlen)
{
	struct stat st;

	memset(spec, 0, sizeof(*spec));
	spec->arg = arg;
	spec->kind = FWD_SPEC_NSFILE;
	if (all_digits(arg)) {
		snprintf(spec->path, sizeof(spec->path), "/proc/%s/ns/net", arg);
		if (!is_nsfs(spec->path, &st)) {
			int e = errno == ENOENT ? ESRCH : errno;

			snprintf(err, errlen, "--to %s: %s", arg,
				 e == ESRCH ? "no such process" : strerror(e));
			return -e;
		}
	} else if (is_nsfs(arg, &st)) {
		snprintf(spec->path, sizeof(spec->path), "%s", arg);
	} else if (!strchr(arg, '/') &&
		   (snprintf(spec->path, sizeof(spec->path), "/run/netns/%s", arg),
		    is_nsfs(spec->path, &st))) {
	} else if (find_cgroup(arg, spec->path, sizeof(spec->path))) {
		spec->kind = FWD_SPEC_CGROUP;
		return 0;
	} else {
		snprintf(err, errlen,
			 "--to %s: no such container (give a pid, /proc/PID/ns/net, a /run/netns "
			 "name or a cgroup path)",
			 arg);
		return -ENOENT;
	}
	spec->first_ino = st.st_ino;
	return 0;
}

/* Adds the netns of pid to the list unless it is there already. */
static void add_pid(const char *pid, uint32_t *inos, int *fds, int *n, int max)
{
	char path[64];
	struct stat st;
	int i, fd;

	if (*n >= max)
		return;
	snprintf(path, sizeof(path), "/proc/%s/ns/net", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return; /* exited since cgroup.procs was read */
	if (fstat(fd, &st)) {
		close(fd);
		return;
	}
	for (i = 0; i < *n; i++)
		if (inos[i] == st.st_ino) {
			close(fd);
			return;
		}
	inos[*n] = st.st_ino;
	fds[(*n)++] = fd;
}

/* Every process of the cgroup and of the cgroups below it. */
static void scan_cgroup(const char *dir, uint32_t *inos, int *fds, int *n, int max, int depth)
{
	char path[4200], line[32];
	struct dirent *de;
	FILE *f;
	DIR *d;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	f = fopen(path, "re");
	if (f) {
		while (fgets(line, sizeof(line), f)) {
			line[strcspn(line, "\n")] = '\0';
			add_pid(line, inos, fds, n, max);
		}
		fclose(f);
	}
	if (depth > 16)
		return;
	d = opendir(dir);
	if (!d)
		return;
	while ((de = readdir(d)))
		if (de->d_type == DT_DIR && de->d_name[0] != '.') {
			snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
			scan_cgroup(path, inos, fds, n, max, depth + 1);
		}
	closedir(d);
}

int fwd_spec_list(const struct fwd_spec *spec, uint32_t *inos, int *fds, int max)
{
	struct stat st;
	int n = 0, fd;

	if (spec->kind == FWD_SPEC_CGROUP) {
		if (stat(spec->path, &st))
			return -ENOENT;
		scan_cgroup(spec->path, inos, fds, &n, max, 0);
		return n;
	}
	/* The same nsfs file now naming another netns (a pid reused) is a target gone. */
	fd = open(spec->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -ENOENT;
	if (fstat(fd, &st) || st.st_ino != spec->first_ino || max < 1) {
		close(fd);
		return -ENOENT;
	}
	inos[0] = st.st_ino;
	fds[0] = fd;
	return 1;
}

/*
 * The initial user namespace's inode is fixed (PROC_USER_INIT_INO in
 * include/linux/proc_ns.h); /proc/1/ns/user is not always readable (a
 * sandboxed pid 1), the constant is.
 */
#define PROC_USER_INIT_INO 0xEFFFFFFDU

/* The netns's owning user namespace is the initial one. */
static int owned_by_init(int nsfd)
{
	struct stat own;
	int ufd = ioctl(nsfd, NS_GET_USERNS);
	int ret;

	if (ufd < 0)
		return -errno;
	ret = fstat(ufd, &own) ? -errno : own.st_ino == PROC_USER_INIT_INO;
	close(ufd);
	return ret;
}

/*
 * flock() on a file that stays where it is: after taking the lock, the path
 * must still name the locked inode (a releasing forwarder unlinks it first).
 */
static int take_lock(uint32_t ino, char *err, size_t errlen)
{
	char path[128], holder[32] = "";
	struct stat a, b;
	int fd, tries;

	mkdir("/run/uevscope", 0755);
	mkdir(FWD_STATE_DIR, 0755);
	snprintf(path, sizeof(path), FWD_STATE_DIR "/netns-%u.lock", ino);
	for (tries = 0; tries < 8; tries++) {
		fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
		if (fd < 0) {
			snprintf(err, errlen, "cannot create %s: %s", path, strerror(errno));
			return -errno;
		}
		if (flock(fd, LOCK_EX | LOCK_NB)) {
			ssize_t len = pread(fd, holder, sizeof(holder) - 1, 0);

			holder[len > 0 ? len : 0] = '\0';
			holder[strcspn(holder, "\n")] = '\0';
			close(fd);
			snprintf(err, errlen,
				 "netns %u already has a forwarder (pid %s, %s); stop it first",
				 ino, holder[0] ? holder : "?", path);
			return -EBUSY;
		}
		if (!fstat(fd, &a) && !stat(path, &b) && a.st_ino == b.st_ino) {
			int len = snprintf(holder, sizeof(holder), "%d\n", getpid());

			/* The pid is for the refusal message only: a failed write is harmless. */
			if (ftruncate(fd, 0) || pwrite(fd, holder, len, 0) != len)
				uev_dbg("forward: cannot write %s", path);
			return fd;
		}
		close(fd);
	}
	snprintf(err, errlen, "cannot lock %s: it keeps being replaced", path);
	return -EAGAIN;
}

int fwd_target_take(struct fwd_target *t, const struct fwd_spec *spec, uint32_t ino, int nsfd,
		    bool force, char *err, size_t errlen)
{
	struct stat self;
	int ret;

	memset(t, 0, sizeof(*t));
	t->spec = spec;
	t->ino = ino;
	t->nsfd = t->sock = t->lockfd = -1;
	if (!stat("/proc/self/ns/net", &self) && self.st_ino == ino) {
		snprintf(err, errlen,
			 "netns %u is the forwarder's own: forwarding into it would loop forever",
			 ino);
		return -ELOOP;
	}
	ret = owned_by_init(nsfd);
	if (ret < 0) {
		snprintf(err, errlen, "netns %u: cannot find its owner: %s", ino, strerror(-ret));
		return ret;
	}
	if (ret && !force) {
		snprintf(err, errlen,
			 "netns %u is owned by the initial user namespace: it already gets every "
			 "kernel uevent (use --force to send duplicates)",
			 ino);
		return -EEXIST;
	}
	t->lockfd = take_lock(ino, err, errlen);
	if (t->lockfd < 0)
		return t->lockfd;
	t->sock = inject_socket(nsfd);
	if (t->sock < 0) {
		ret = t->sock;
		snprintf(err, errlen, "netns %u: cannot open a uevent socket in it: %s", ino,
			 strerror(-ret));
		fwd_target_release(t);
		return ret;
	}
	t->nsfd = nsfd;
	return 0;
}

void fwd_target_release(struct fwd_target *t)
{
	char path[128];

	if (t->sock >= 0)
		close(t->sock);
	if (t->nsfd >= 0)
		close(t->nsfd);
	if (t->lockfd >= 0) {
		/* Unlinked while still held: the next forwarder checks the path after locking. */
		snprintf(path, sizeof(path), FWD_STATE_DIR "/netns-%u.lock", t->ino);
		unlink(path);
		close(t->lockfd);
	}
	t->sock = t->nsfd = t->lockfd = -1;
}
