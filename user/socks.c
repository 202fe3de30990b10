// SPDX-License-Identifier: GPL-2.0
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "common.h"
#include "cgroupfs.h"
#include "idmap.h"
#include "socks.h"
#include "socks.skel.h"

/* Rescans on a miss are rate-limited: a socket that vanished must not cost a scan per event. */
#define RESCAN_MIN_NS	 (100 * 1000000ull)
#define UNKNOWN_RETRY_NS (1000 * 1000000ull)

struct socks {
	struct socks_bpf *skel;
	struct bpf_link *netlink_link;
	struct bpf_link *task_file_link;
	struct idmap owners;  /* sock inode -> struct sock_entry */
	struct idmap unknown; /* sock inode -> time of the scan that missed it, as a pointer */
	uint64_t last_scan_ns;
};

static void free_entry(void *p)
{
	struct sock_entry *e = p;
	unsigned int i;

	for (i = 0; i < e->nowners; i++)
		free(e->owners[i].cgroup);
	free(e);
}

struct socks *socks_open(void)
{
	struct socks *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	idmap_init(&s->owners);
	idmap_init(&s->unknown);
	silence_libbpf(true);
	s->skel = socks_bpf__open_and_load();
	if (s->skel) {
		s->netlink_link = bpf_program__attach_iter(s->skel->progs.dump_uevent_socks, NULL);
		s->task_file_link =
		    bpf_program__attach_iter(s->skel->progs.dump_uevent_owners, NULL);
	}
	silence_libbpf(false);
	if (!s->netlink_link)
		uev_dbg(
		    "iter/netlink unavailable: socket drops are seen only at the next delivery");
	if (!s->task_file_link)
		uev_dbg("iter/task_file unavailable: receivers resolved by scanning /proc/PID/fd");
	return s;
}

void socks_close(struct socks *s)
{
	if (!s)
		return;
	bpf_link__destroy(s->netlink_link);
	bpf_link__destroy(s->task_file_link);
	socks_bpf__destroy(s->skel);
	idmap_free(&s->owners, free_entry);
	idmap_free(&s->unknown, NULL);
	free(s);
}

const char *socks_owner_method(const struct socks *s)
{
	return s->task_file_link ? "iter/task_file" : "/proc/PID/fd scan";
}

bool socks_can_list(const struct socks *s)
{
	return s->netlink_link != NULL;
}

/* Reads a whole iterator into a malloc'ed buffer; returns its length or -errno. */
static ssize_t read_iter(struct bpf_link *link, char **out)
{
	size_t cap = 16384, len = 0;
	char *buf = malloc(cap);
	int fd = bpf_iter_create(bpf_link__fd(link));
	ssize_t n;

	if (fd < 0 || !buf) {
		free(buf);
		if (fd >= 0)
			close(fd);
		return fd < 0 ? fd : -ENOMEM;
	}
	for (;;) {
		if (cap - len < 4096) {
			char *bigger = realloc(buf, cap * 2);

			if (!bigger) {
				len = -ENOMEM;
				break;
			}
			buf = bigger;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n < 0)
				len = -errno;
			break;
		}
		len += n;
	}
	close(fd);
	if ((ssize_t)len < 0) {
		free(buf);
		return (ssize_t)len;
	}
	*out = buf;
	return len;
}

int socks_list(struct socks *s, sock_info_cb cb, void *ctx)
{
	const struct uev_sock_info *info;
	char *buf = NULL;
	ssize_t len, off;
	int count = 0;

	if (!s->netlink_link)
		return -EOPNOTSUPP;
	len = read_iter(s->netlink_link, &buf);
	if (len < 0)
		return len;
	for (off = 0; off + (ssize_t)sizeof(*info) <= len; off += sizeof(*info), count++) {
		info = (const void *)(buf + off);
		cb(info, ctx);
	}
	free(buf);
	return count;
}

static void add_owner(struct idmap *owners, uint32_t ino, uint32_t tgid, const char *comm)
{
	struct sock_entry *e = idmap_get(owners, ino);
	struct sock_owner *o;
	unsigned int i;

	if (!e) {
		e = calloc(1, sizeof(*e));
		if (!e)
			return;
		idmap_put(owners, ino, e);
	}
	for (i = 0; i < e->nowners; i++)
		if (e->owners[i].tgid == tgid)
			return;
	if (e->nowners == SOCK_MAX_OWNERS) {
		e->extra_owners++;
		return;
	}
	o = &e->owners[e->nowners++];
	o->tgid = tgid;
	snprintf(o->comm, sizeof(o->comm), "%s", comm);
	o->cgroup = cgroup_of_pid(tgid);
}

static void scan_task_file(struct socks *s)
{
	const struct uev_sock_owner *rec;
	char *buf = NULL;
	ssize_t len, off;

	len = read_iter(s->task_file_link, &buf);
	if (len < 0) {
		uev_dbg("iter/task_file read failed: %s", strerror((int)-len));
		return;
	}
	for (off = 0; off + (ssize_t)sizeof(*rec) <= len; off += sizeof(*rec)) {
		rec = (const void *)(buf + off);
		add_owner(&s->owners, rec->sock_ino, rec->tgid, rec->comm);
	}
	free(buf);
}

static void read_comm(uint32_t pid, char *comm, size_t len)
{
	char fn[64];
	FILE *f;

	snprintf(fn, sizeof(fn), "/proc/%u/comm", pid);
	comm[0] = '\0';
	f = fopen(fn, "re");
	if (!f)
		return;
	if (fgets(comm, len, f))
		comm[strcspn(comm, "\n")] = '\0';
	fclose(f);
}

/* Fallback: which /proc/PID/fd/N links to "socket:[wanted]". */
static void scan_proc_fds(struct socks *s, uint32_t wanted)
{
	char fn[600], link[64], comm[UEV_COMM_LEN];
	struct dirent *pde, *fde;
	DIR *proc, *fds;
	ssize_t n;

	proc = opendir("/proc");
	if (!proc)
		return;
	while ((pde = readdir(proc))) {
		if (!isdigit((unsigned char)pde->d_name[0]))
			continue;
		snprintf(fn, sizeof(fn), "/proc/%s/fd", pde->d_name);
		fds = opendir(fn);
		if (!fds)
			continue;
		while ((fde = readdir(fds))) {
			unsigned long ino;

			snprintf(fn, sizeof(fn), "/proc/%s/fd/%s", pde->d_name, fde->d_name);
			n = readlink(fn, link, sizeof(link) - 1);
			if (n <= 0)
				continue;
			link[n] = '\0';
			if (sscanf(link, "socket:[%lu]", &ino) != 1 || ino != wanted)
				continue;
			read_comm(atoi(pde->d_name), comm, sizeof(comm));
			add_owner(&s->owners, ino, atoi(pde->d_name), comm);
		}
		closedir(fds);
	}
	closedir(proc);
}

const struct sock_entry *socks_owners(struct socks *s, uint32_t ino)
{
	const struct sock_entry *e = idmap_get(&s->owners, ino);
	uint64_t now, missed;

	if (e || !ino)
		return e;
	now = now_monotonic_ns();
	missed = (uint64_t)(uintptr_t)idmap_get(&s->unknown, ino);
	if ((missed && now - missed < UNKNOWN_RETRY_NS) || now - s->last_scan_ns < RESCAN_MIN_NS)
		return NULL;
	s->last_scan_ns = now;
	if (s->task_file_link) {
		/* One scan refreshes every uevent socket's holders: drop stale pids. */
		idmap_clear(&s->owners, free_entry);
		scan_task_file(s);
	} else {
		scan_proc_fds(s, ino);
	}
	e = idmap_get(&s->owners, ino);
	if (!e)
		idmap_put(&s->unknown, ino, (void *)(uintptr_t)now);
	return e;
}
