// SPDX-License-Identifier: GPL-2.0
/* The policy's one commit point (policy_commit.h, include/commit.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <bpf/bpf.h>
#include "common.h"
#include "fault.h"
#include "policy_commit.h"

#define COMMIT_LOCK_FILE "/run/lock/uevscope-policy.lock"

static int lock_file(void)
{
	mkdir("/run/lock", 0755); /* a bare initramfs has /run only */
	return open(COMMIT_LOCK_FILE, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
}

static int write_state(struct commit *c, char *err, size_t errlen);
static int open_map(bool create);

/* What a change that died part way left, relative to the generation in force. */
static void repair(struct commit *c)
{
	char err[128];

	uev_err("repairing what an unfinished change (pid %u, killed?) left part way", c->cur.pid);
	filter_repair();
	devices_repair();
	/* A repair that removed the last pins removed ucommit too: open it again, or make it. */
	close(c->fd);
	c->fd = open_map(false);
	if (c->fd < 0)
		return;
	c->cur.state = COMMIT_IDLE;
	c->cur.pid = 0;
	write_state(c, err, sizeof(err));
}

int commit_lock(struct commit *c, char *err, size_t errlen)
{
	__u32 zero = 0;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->lock_fd = lock_file();
	if (c->lock_fd < 0 || flock(c->lock_fd, LOCK_EX)) {
		int e = errno;

		snprintf(err, errlen, "cannot lock %s: %s", COMMIT_LOCK_FILE, strerror(e));
		if (c->lock_fd >= 0)
			close(c->lock_fd);
		c->lock_fd = -1;
		return -e;
	}
	/* Every change repairs first, even one that turns out to change nothing. */
	c->fd = bpf_obj_get(COMMIT_PIN);
	if (c->fd >= 0 && !bpf_map_lookup_elem(c->fd, &zero, &c->cur) &&
	    c->cur.state != COMMIT_IDLE)
		repair(c);
	return 0;
}

/* The pinned map, made here when no BPF object made it yet (the objects reuse the pin). */
static int open_map(bool create)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts);
	int fd = bpf_obj_get(COMMIT_PIN);

	if (fd >= 0 || !create)
		return fd;
	mkdir(COMMIT_PIN_ROOT, 0700);
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "ucommit", sizeof(__u32), sizeof(struct uev_commit),
			    1, &opts);
	if (fd < 0)
		return fd;
	if (bpf_obj_pin(fd, COMMIT_PIN)) {
		close(fd);
		return -1;
	}
	return fd;
}

static int write_state(struct commit *c, char *err, size_t errlen)
{
	__u32 zero = 0;

	if (bpf_map_update_elem(c->fd, &zero, &c->cur, BPF_ANY)) {
		snprintf(err, errlen, "cannot write %s: %s", COMMIT_PIN, strerror(errno));
		return -errno;
	}
	return 0;
}

int commit_begin(struct commit *c, char *err, size_t errlen)
{
	struct statfs sfs;
	__u32 zero = 0;
	int ret;

	if (fault_point("start")) {
		snprintf(err, errlen, "cannot begin the change: %s", strerror(EIO));
		return -EIO;
	}
	if (c->fd < 0 && (statfs("/sys/fs/bpf", &sfs) || sfs.f_type != BPF_FS_MAGIC)) {
		snprintf(err, errlen,
			 "bpffs is not mounted at /sys/fs/bpf; mount it with 'mount -t bpf bpf "
			 "/sys/fs/bpf'");
		return -ENOENT;
	}
	if (c->fd < 0)
		c->fd = open_map(true);
	if (c->fd < 0) {
		snprintf(err, errlen, "cannot open or make %s: %s", COMMIT_PIN, strerror(errno));
		return -errno;
	}
	if (bpf_map_lookup_elem(c->fd, &zero, &c->cur)) {
		snprintf(err, errlen, "cannot read %s: %s", COMMIT_PIN, strerror(errno));
		return -errno;
	}
	if (c->cur.state != COMMIT_IDLE) {
		repair(c);
		if (c->fd < 0)
			c->fd = open_map(true);
		if (c->fd < 0 || bpf_map_lookup_elem(c->fd, &zero, &c->cur)) {
			snprintf(err, errlen, "cannot open or make %s: %s", COMMIT_PIN,
				 strerror(errno));
			return -errno;
		}
	}
	c->next = (c->cur.active & 1) ^ 1;
	c->cur.state = COMMIT_WRITING;
	c->cur.pid = getpid();
	ret = write_state(c, err, errlen);
	if (!ret)
		c->begun = true;
	return ret;
}

int commit_flip(struct commit *c, char *err, size_t errlen)
{
	struct uev_commit was = c->cur;
	int ret;

	if (fault_point("commit")) {
		snprintf(err, errlen, "cannot write %s: %s", COMMIT_PIN, strerror(EIO));
		return -EIO;
	}
	/* The commit point: the programs read active, so this one write switches both. */
	c->cur.active = c->next;
	c->cur.state = COMMIT_CLEANING;
	c->cur.serial++;
	ret = write_state(c, err, errlen);
	if (ret)
		c->cur = was;
	return ret;
}

void commit_end(struct commit *c)
{
	char err[128];

	if (c->begun) {
		c->cur.state = COMMIT_IDLE;
		c->cur.pid = 0;
		write_state(c, err, sizeof(err));
	}
	commit_unpin_if_unused();
	commit_close(c);
}

void commit_close(struct commit *c)
{
	if (c->fd >= 0)
		close(c->fd);
	if (c->lock_fd >= 0)
		close(c->lock_fd); /* drops the flock */
	c->fd = c->lock_fd = -1;
	c->begun = false;
}

static bool read_commit(struct uev_commit *v)
{
	int fd = open_map(false);
	__u32 zero = 0;
	bool ok;

	if (fd < 0)
		return false;
	ok = !bpf_map_lookup_elem(fd, &zero, v);
	close(fd);
	return ok;
}

unsigned int commit_active(void)
{
	struct uev_commit v;

	return read_commit(&v) ? v.active & 1 : 0;
}

unsigned int commit_unfinished(void)
{
	struct uev_commit v;
	unsigned int pid = 0;
	int fd;

	if (!read_commit(&v) || v.state == COMMIT_IDLE)
		return 0;
	/* A change under way holds the lock: that is not unfinished, only not finished yet. */
	fd = lock_file();
	if (fd >= 0 && !flock(fd, LOCK_SH | LOCK_NB) && read_commit(&v) && v.state != COMMIT_IDLE)
		pid = v.pid ? v.pid : 1;
	if (fd >= 0)
		close(fd);
	return pid;
}

void commit_warn_unfinished(void)
{
	unsigned int pid = commit_unfinished();

	if (pid)
		uev_err(
		    "an unfinished change (pid %u, killed?) was left part way; what is in force "
		    "is listed, and the next change repairs the rest",
		    pid);
}

void commit_unpin_if_unused(void)
{
	if (!access(COMMIT_PIN_ROOT "/filter", F_OK) || !access(COMMIT_PIN_ROOT "/devices", F_OK))
		return;
	unlink(COMMIT_PIN);
	rmdir(COMMIT_PIN_ROOT);
}
