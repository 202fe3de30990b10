// SPDX-License-Identifier: GPL-2.0
/*
 * The device node inside the container's mount namespace, at the host's path.
 * A child process enters the namespace (setns() is per task, and a mount
 * namespace cannot be entered by a multithreaded process) and chroots to the
 * container's root. Where the container has a user namespace of its own its
 * tmpfs /dev is nodev (a mount made inside a user namespace gets
 * SB_I_NODEV), so a node made there would never open: a node is cloned with
 * open_tree() beforehand and move_mount()ed onto an empty file,
 * as rootless runtimes bind-mount /dev/null and friends; the node is a private
 * one whose owner is mapped into the container (private_node()). Otherwise
 * mknod(), with the host node's mode and owner.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/fsuid.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include "attach.h"

#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif
#ifndef MOVE_MOUNT_F_EMPTY_PATH
#define MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#endif

static int sys_open_tree(int dfd, const char *path, unsigned int flags)
{
	return syscall(SYS_open_tree, dfd, path, flags);
}

static int sys_move_mount(int from_dfd, const char *from, int to_dfd, const char *to,
			  unsigned int flags)
{
	return syscall(SYS_move_mount, from_dfd, from, to_dfd, to, flags);
}

#ifndef FSOPEN_CLOEXEC
#define FSOPEN_CLOEXEC 1
#endif
#ifndef FSMOUNT_CLOEXEC
#define FSMOUNT_CLOEXEC 1
#endif
#ifndef FSCONFIG_CMD_CREATE
#define FSCONFIG_CMD_CREATE 6
#endif

/*
 * The node to bind: made in a tmpfs of our own that no path reaches (fsopen,
 * fsmount: a mount of the initial user namespace, so its nodes open), with the
 * host node's mode, and its owner moved into the container's id range
 * (root:disk on the host is root:disk inside). A clone of it is returned.
 */
static int private_node(const struct att_ctr *c, const struct att_dev *d, char *err, size_t errlen)
{
	int fs = syscall(SYS_fsopen, "tmpfs", FSOPEN_CLOEXEC), mnt = -1, tree = -1;

	if (fs < 0 || syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0))
		goto fail;
	mnt = syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, 0);
	if (mnt < 0 ||
	    mknodat(mnt, "node", (d->type == 'b' ? S_IFBLK : S_IFCHR) | d->mode,
		    makedev(d->major, d->minor)) ||
	    fchownat(mnt, "node", att_map_to_outside(c->uid_map, d->uid),
		     att_map_to_outside(c->gid_map, d->gid), 0) ||
	    fchmodat(mnt, "node", d->mode, 0))
		goto fail;
	tree = sys_open_tree(mnt, "node", OPEN_TREE_CLONE | O_CLOEXEC);
	if (tree < 0)
		goto fail;
	close(mnt);
	close(fs);
	return tree;
fail:
	snprintf(err, errlen, "cannot make a node to bind into the container: %s", strerror(errno));
	if (mnt >= 0)
		close(mnt);
	if (fs >= 0)
		close(fs);
	return -1;
}

static void mkdirs(const char *node)
{
	char dir[256], *p;

	snprintf(dir, sizeof(dir), "%s", node);
	for (p = strchr(dir + 1, '/'); p; p = strchr(p + 1, '/')) {
		*p = '\0';
		mkdir(dir, 0755);
		*p = '/';
	}
}

enum { OP_MAKE, OP_REMOVE };

#ifndef UMOUNT_NOFOLLOW
#define UMOUNT_NOFOLLOW 0x00000008
#endif

static bool ours(const struct stat *st, const struct att_dev *d)
{
	if (S_ISREG(st->st_mode))
		return st->st_size == 0;
	return (d->type == 'b' ? S_ISBLK(st->st_mode) : S_ISCHR(st->st_mode)) &&
	       major(st->st_rdev) == d->major && minor(st->st_rdev) == d->minor;
}

/* In the child, in the container's mount namespace: 0 or an errno, with a message. */
static int in_ns(const struct att_ctr *c, const struct att_dev *d, int op, bool bind, int tree,
		 char *msg, size_t len)
{
	struct stat st;
	int fd;

	if (setns(c->mnt_fd, CLONE_NEWNS) || fchdir(c->root_fd) || chroot(".")) {
		snprintf(msg, len, "cannot enter the container's mount namespace: %s",
			 strerror(errno));
		return errno;
	}
	if (op == OP_REMOVE) {
		/* The container's root may have put a symlink there: never follow it. */
		if (bind && umount2(d->node, MNT_DETACH | UMOUNT_NOFOLLOW) && errno != EINVAL &&
		    errno != ENOENT) {
			snprintf(msg, len, "cannot unmount %s in the container: %s", d->node,
				 strerror(errno));
			return errno;
		}
		if (lstat(d->node, &st))
			return 0;
		/*
		 * Only what attach made goes: the device's node, or the empty file a
		 * bind was mounted on. Whatever the container put there instead is
		 * its own (its access is revoked all the same).
		 */
		if (!ours(&st, d)) {
			snprintf(msg, len,
				 "%s in the container is not the node attach made: left alone",
				 d->node);
			return EEXIST;
		}
		if (unlink(d->node) && errno != ENOENT) {
			snprintf(msg, len, "cannot remove %s in the container: %s", d->node,
				 strerror(errno));
			return errno;
		}
		return 0;
	}
	if (!lstat(d->node, &st)) {
		snprintf(msg, len, "%s exists in the container already", d->node);
		return EEXIST;
	}
	if (!bind) {
		mkdirs(d->node);
		long uid = att_map_to_inside(c->uid_map, d->uid), gid;

		gid = att_map_to_inside(c->gid_map, d->gid);
		if (mknod(d->node, (d->type == 'b' ? S_IFBLK : S_IFCHR) | d->mode,
			  makedev(d->major, d->minor))) {
			snprintf(msg, len, "cannot make %s in the container: %s", d->node,
				 strerror(errno));
			return errno;
		}
		/* Owner as the host's, where the container's map has that id. */
		if (uid >= 0 && gid >= 0 && chown(d->node, d->uid, d->gid)) {
			snprintf(msg, len, "cannot chown %s in the container: %s", d->node,
				 strerror(errno));
			unlink(d->node);
			return errno;
		}
		chmod(d->node, d->mode);
		return 0;
	}
	/*
	 * The container's tmpfs takes only ids its user namespace maps (else
	 * EOVERFLOW): the mount point belongs to the container's root.
	 */
	setfsgid(att_map_to_outside(c->gid_map, 0));
	setfsuid(att_map_to_outside(c->uid_map, 0));
	mkdirs(d->node);
	fd = open(d->node, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(msg, len, "cannot make a mount point at %s in the container: %s", d->node,
			 strerror(errno));
		return errno;
	}
	close(fd);
	setfsuid(0);
	setfsgid(0);
	if (sys_move_mount(tree, "", AT_FDCWD, d->node, MOVE_MOUNT_F_EMPTY_PATH)) {
		int e = errno;

		snprintf(msg, len, "cannot bind the host's %s into the container: %s", d->node,
			 strerror(e));
		unlink(d->node);
		return e;
	}
	return 0;
}

static int run_child(const struct att_ctr *c, const struct att_dev *d, int op, bool bind, int tree,
		     char *err, size_t errlen)
{
	int p[2], status;
	char msg[512] = "";
	ssize_t n;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -errno;
	}
	if (!pid) {
		int rc = in_ns(c, d, op, bind, tree, msg, sizeof(msg));

		if (rc && write(p[1], msg, strlen(msg)) < 0)
			rc = EIO;
		_exit(rc);
	}
	close(p[1]);
	n = read(p[0], msg, sizeof(msg) - 1);
	close(p[0]);
	msg[n > 0 ? n : 0] = '\0';
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -ECHILD;
	if (WEXITSTATUS(status)) {
		snprintf(err, errlen, "%s", msg[0] ? msg : "node helper failed");
		return -WEXITSTATUS(status);
	}
	return 0;
}

int att_node_make(const struct att_ctr *c, const struct att_dev *d, char *how, size_t howlen,
		  char *err, size_t errlen)
{
	bool bind = c->own_userns;
	int tree = -1, rc;

	snprintf(how, howlen, "%s", bind ? "bind" : "mknod");
	if (bind) {
		tree = private_node(c, d, err, errlen);
		if (tree < 0)
			return -EPERM;
	}
	rc = run_child(c, d, OP_MAKE, bind, tree, err, errlen);
	if (tree >= 0)
		close(tree);
	return rc;
}

int att_node_remove(const struct att_ctr *c, const struct att_dev *d, const char *how, char *err,
		    size_t errlen)
{
	return run_child(c, d, OP_REMOVE, !strcmp(how, "bind"), -1, err, errlen);
}
