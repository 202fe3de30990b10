// SPDX-License-Identifier: GPL-2.0
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <linux/sockios.h>
#include <bpf/bpf.h>
#include "common.h"
#include "cgroupfs.h"
#include "filter_attach.h"
#include "idmap.h"
#include "socks.h"
#include "procfs.h"

#ifndef SO_ATTACH_BPF
#define SO_ATTACH_BPF 50
#endif
#ifndef SO_LOCK_FILTER
#define SO_LOCK_FILTER 44
#endif
#ifndef SO_COOKIE
#define SO_COOKIE 57
#endif
#ifndef SO_GET_FILTER
#define SO_GET_FILTER 26
#endif
#define NETLINK_KOBJECT_UEVENT 15

/* glibc 2.36 has no wrappers in every build we link (static VM binary): raw syscalls. */
static int take_fd(pid_t pid, int fd)
{
	int pidfd = syscall(SYS_pidfd_open, pid, 0), sfd;

	if (pidfd < 0)
		return -errno;
	sfd = syscall(SYS_pidfd_getfd, pidfd, fd, 0);
	if (sfd < 0)
		sfd = -errno;
	close(pidfd);
	return sfd;
}

/* The holder's cgroup v2 and its ancestors' ids, root first (the socket keeps its creator's). */
static void cgroup_facts(pid_t pid, struct filter_sock_facts *f)
{
	const char *root = cgroup2_mount();
	char *rel = cgroup_of_pid(pid), path[PATH_MAX];
	struct stat sb;
	size_t rlen, i;

	if (!root || !rel)
		goto out;
	rlen = snprintf(path, sizeof(path), "%s", root);
	if (!stat(path, &sb))
		f->cg_ids[0] = sb.st_ino;
	for (i = 0; rel[i] && rlen < sizeof(path) - 1; i++) {
		if (rel[i] == '/' && i > 0 && f->cg_level + 1 < FILTER_CG_DEPTH) {
			path[rlen] = '\0';
			if (!stat(path, &sb))
				f->cg_ids[++f->cg_level] = sb.st_ino;
		}
		path[rlen++] = rel[i];
	}
	path[rlen] = '\0';
	if (strcmp(rel, "/") && f->cg_level + 1 < FILTER_CG_DEPTH && !stat(path, &sb))
		f->cg_ids[++f->cg_level] = sb.st_ino;
out:
	free(rel);
}

static unsigned int scope_flags(const struct filter_set *set, const struct filter_sock_facts *f,
				bool *in_scope)
{
	unsigned int i, flags = 0;

	*in_scope = false;
	for (i = 0; i < set->nrules; i++) {
		if (filter_rule_in_scope(&set->rules[i], f)) {
			*in_scope = true;
			flags |= set->rules[i].flags;
		}
	}
	return flags;
}

/* 0 none, 1 a filter is attached (classic: its length; eBPF: -EACCES from SO_GET_FILTER). */
static bool has_filter(int sfd)
{
	socklen_t len = 0;

	if (getsockopt(sfd, SOL_SOCKET, SO_GET_FILTER, NULL, &len) < 0)
		return errno == EACCES;
	return len > 0;
}

static int attach_fd(struct filter_state *st, const struct filter_set *set, pid_t pid, int fd,
		     int sfd, struct attach_report *rep)
{
	int fsocks = filter_state_fsocks_fd(st), type = 0, proto = 0, nsfd, one = 1;
	struct filter_sock_facts f = {}, old;
	socklen_t len = sizeof(int);
	unsigned int flags;
	__u64 cookie = 0;
	char comm[32];
	struct stat sb;
	bool in_scope, had;

	if (getsockopt(sfd, SOL_SOCKET, SO_DOMAIN, &type, &len) || type != AF_NETLINK ||
	    getsockopt(sfd, SOL_SOCKET, SO_PROTOCOL, &proto, &len) ||
	    proto != NETLINK_KOBJECT_UEVENT)
		return -ENOTSOCK;
	len = sizeof(cookie);
	if (getsockopt(sfd, SOL_SOCKET, SO_COOKIE, &cookie, &len) || fstat(sfd, &sb))
		return -errno;
	f.tgid = pid;
	f.fd = fd;
	f.sock_ino = sb.st_ino;
	nsfd = ioctl(sfd, SIOCGSKNS);
	if (nsfd >= 0) {
		if (!fstat(nsfd, &sb))
			f.netns_ino = sb.st_ino;
		close(nsfd);
	}
	cgroup_facts(pid, &f);
	flags = scope_flags(set, &f, &in_scope);
	had = !bpf_map_lookup_elem(fsocks, &cookie, &old);
	proc_comm((uint32_t)pid, comm, sizeof(comm));
	if (!comm[0])
		snprintf(comm, sizeof(comm), "?");

	if (st->tier == FILTER_TIER_LSM) {
		/* Facts only: the LSM program sees every socket already. */
		if (had) {
			rep->already++;
			return 0;
		}
		if (!bpf_map_update_elem(fsocks, &cookie, &f, BPF_ANY))
			rep->attached++;
		return 0;
	}
	if (had && (old.flags & (FILTER_SOCK_ATTACHED | FILTER_SOCK_FOREIGN))) {
		if (old.flags & FILTER_SOCK_FOREIGN)
			rep->foreign++;
		else
			rep->already++;
		return 0;
	}
	if (!in_scope)
		return 0;
	if (has_filter(sfd)) {
		if (!(flags & FILTER_RULE_REPLACE)) {
			f.flags = FILTER_SOCK_FOREIGN;
			bpf_map_update_elem(fsocks, &cookie, &f, BPF_ANY);
			rep->foreign++;
			uev_err(
			    "socket:[%u] of pid %d (%s) has a filter of its own: left untouched "
			    "(--replace replaces it)",
			    f.sock_ino, (int)pid, comm);
			return 0;
		}
		f.flags |= FILTER_SOCK_REPLACED;
	}
	/* Facts first: the program must find them from the first uevent on. */
	f.flags |= FILTER_SOCK_ATTACHED | (flags & FILTER_RULE_LOCK ? FILTER_SOCK_LOCKED : 0);
	if (bpf_map_update_elem(fsocks, &cookie, &f, BPF_ANY) ||
	    setsockopt(sfd, SOL_SOCKET, SO_ATTACH_BPF, &st->prog_fd, sizeof(st->prog_fd))) {
		uev_err("cannot attach the filter to socket:[%u] of pid %d (%s): %s", f.sock_ino,
			(int)pid, comm, strerror(errno));
		bpf_map_delete_elem(fsocks, &cookie);
		rep->failed++;
		return 0;
	}
	if ((flags & FILTER_RULE_LOCK) &&
	    setsockopt(sfd, SOL_SOCKET, SO_LOCK_FILTER, &one, sizeof(one)))
		uev_err("cannot lock the filter on socket:[%u] of pid %d (%s): %s", f.sock_ino,
			(int)pid, comm, strerror(errno));
	if (f.flags & FILTER_SOCK_REPLACED)
		rep->replaced++;
	rep->attached++;
	uev_dbg("filter on socket:[%u] of pid %d (%s), netns %u%s", f.sock_ino, (int)pid, comm,
		f.netns_ino, flags & FILTER_RULE_LOCK ? ", locked" : "");
	return 0;
}

int filter_attach_one(struct filter_state *st, const struct filter_set *set, pid_t pid, int fd,
		      struct attach_report *rep)
{
	int sfd = take_fd(pid, fd), ret;

	if (sfd < 0)
		return sfd;
	ret = attach_fd(st, set, pid, fd, sfd, rep);
	close(sfd);
	return ret;
}

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif
#ifndef NETLINK_LIST_MEMBERSHIPS
#define NETLINK_LIST_MEMBERSHIPS 9
#endif

/* Joined a group, or has anything queued: then empties its queue. True when it had either. */
static bool purge_if_used(int sfd)
{
	__u32 groups[4] = {};
	socklen_t len = sizeof(groups);
	char buf[8192];
	bool used = false;
	size_t i;

	if (!getsockopt(sfd, SOL_NETLINK, NETLINK_LIST_MEMBERSHIPS, groups, &len))
		for (i = 0; i < ARRAY_SIZE(groups) && i * sizeof(groups[0]) < len; i++)
			used |= groups[i] != 0;
	while (recv(sfd, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC) >= 0)
		used = true;
	return used;
}

int filter_attach_held(struct filter_state *st, const struct filter_set *set, pid_t pid, int fd,
		       __u64 ino, struct attach_report *rep, bool *used)
{
	int sfd = take_fd(pid, fd), ret;
	struct stat sb;

	*used = false;
	if (sfd < 0)
		return sfd;
	if (fstat(sfd, &sb) || sb.st_ino != ino) {
		close(sfd);
		return -ESTALE;
	}
	ret = attach_fd(st, set, pid, fd, sfd, rep);
	/* After the attach: what reached it before has to go, whatever the scope says. */
	if (!ret)
		*used = purge_if_used(sfd);
	close(sfd);
	return ret;
}

unsigned int filter_kill_holders(__u64 ino)
{
	char path[64], link[64], want[32];
	unsigned int killed = 0;
	struct dirent *de, *fe;
	DIR *proc, *d;

	snprintf(want, sizeof(want), "socket:[%llu]", (unsigned long long)ino);
	proc = opendir("/proc");
	if (!proc)
		return 0;
	while ((de = readdir(proc))) {
		pid_t pid = atoi(de->d_name);

		if (pid <= 0 || pid == getpid())
			continue;
		snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
		d = opendir(path);
		if (!d)
			continue;
		while ((fe = readdir(d))) {
			char fpath[320];
			ssize_t n;

			snprintf(fpath, sizeof(fpath), "%s/%s", path, fe->d_name);
			n = readlink(fpath, link, sizeof(link) - 1);
			if (n < 0)
				continue;
			link[n] = '\0';
			if (!strcmp(link, want)) {
				if (!kill(pid, SIGKILL))
					killed++;
				break;
			}
		}
		closedir(d);
	}
	closedir(proc);
	return killed;
}

bool filter_sock_alive(const struct filter_sock_facts *f)
{
	char path[64], link[64], want[32];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%u/fd/%u", f->tgid, f->fd);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return false;
	link[n] = '\0';
	snprintf(want, sizeof(want), "socket:[%u]", f->sock_ino);
	return !strcmp(link, want);
}

static void note_uevent_sock(const struct uev_sock_info *info, void *ctx)
{
	idmap_put(ctx, info->sock_ino, (void *)1);
}

/* fds of pid that are uevent sockets we have not handled in this scan yet. */
static void scan_pid(struct filter_state *st, const struct filter_set *set, pid_t pid,
		     struct idmap *uevent_socks, struct idmap *done, struct attach_report *rep)
{
	char path[64], link[64];
	struct dirent *de;
	unsigned long ino;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	d = opendir(path);
	if (!d)
		return;
	while ((de = readdir(d))) {
		char fpath[320];
		ssize_t n;

		snprintf(fpath, sizeof(fpath), "%s/%s", path, de->d_name);
		n = readlink(fpath, link, sizeof(link) - 1);
		if (n < 0)
			continue;
		link[n] = '\0';
		if (sscanf(link, "socket:[%lu]", &ino) != 1 || !idmap_get(uevent_socks, ino) ||
		    idmap_get(done, ino))
			continue;
		if (!filter_attach_one(st, set, pid, atoi(de->d_name), rep))
			idmap_put(done, ino, (void *)1);
	}
	closedir(d);
}

static void purge_gone(struct filter_state *st)
{
	int fd = filter_state_fsocks_fd(st);
	__u64 key, next, *prev = NULL;
	struct filter_sock_facts f;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (!bpf_map_lookup_elem(fd, &key, &f) && !filter_sock_alive(&f))
			bpf_map_delete_elem(fd, &key); /* iteration goes on from key */
	}
}

int filter_attach_scan(struct filter_state *st, const struct filter_set *set,
		       struct attach_report *rep)
{
	struct idmap uevent_socks, done;
	struct socks *s = socks_open();
	struct dirent *de;
	DIR *proc;
	int ret = 0;

	idmap_init(&uevent_socks);
	idmap_init(&done);
	purge_gone(st);
	if (!s || socks_list(s, note_uevent_sock, &uevent_socks) < 0) {
		uev_err("cannot list uevent sockets (iter/netlink refused, -v says why)");
		ret = -EOPNOTSUPP;
		goto out;
	}
	proc = opendir("/proc");
	if (!proc) {
		ret = -errno;
		goto out;
	}
	while ((de = readdir(proc)))
		if (de->d_name[0] >= '1' && de->d_name[0] <= '9')
			scan_pid(st, set, atoi(de->d_name), &uevent_socks, &done, rep);
	closedir(proc);
out:
	socks_close(s);
	idmap_free(&uevent_socks, NULL);
	idmap_free(&done, NULL);
	return ret;
}

void filter_detach_all(struct filter_state *st, unsigned int *detached, unsigned int *locked)
{
	int fd = filter_state_fsocks_fd(st), sfd;
	__u64 key, next, *prev = NULL;
	struct filter_sock_facts f;
	struct stat sb;
	int unused = 0; /* sock_setsockopt() wants an int even where it reads none */

	*detached = *locked = 0;
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &f) || !(f.flags & FILTER_SOCK_ATTACHED))
			continue;
		sfd = take_fd(f.tgid, f.fd);
		if (sfd < 0) {
			uev_dbg("socket:[%u] of pid %u is gone: %s", f.sock_ino, f.tgid,
				strerror(-sfd));
			continue;
		}
		if (!fstat(sfd, &sb) && sb.st_ino == f.sock_ino) {
			if (!setsockopt(sfd, SOL_SOCKET, SO_DETACH_FILTER, &unused, sizeof(unused)))
				(*detached)++;
			else if (errno == EPERM)
				(*locked)++;
			else
				uev_dbg("detaching from socket:[%u] of pid %u: %s", f.sock_ino,
					f.tgid, strerror(errno));
		}
		close(sfd);
	}
}
