// SPDX-License-Identifier: GPL-2.0
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "common.h"
#include "cgroupfs.h"
#include "idmap.h"
#include "socks.h"
#include "socks.skel.h"
#include "procfs.h"

#define NETNS_REFRESH_NS (1000 * 1000000ull)
/* A socket that vanished must not cost a /proc walk per event. */
#define UNKNOWN_RETRY_NS (1000 * 1000000ull)

struct socks {
	struct socks_bpf *skel;
	struct bpf_link *netlink_link; /* the fallback: one walk per netns */
	struct bpf_link *files_link;   /* the first choice: one walk for all */
	const char *tier;	       /* SOCKS_TIER_*, or NULL when neither loads */
	bool forced;
	struct idmap owners;  /* sock inode -> struct sock_entry */
	struct idmap unknown; /* sock inode -> time of the scan that missed it, as a pointer */
	uint64_t last_scan_ns;
	struct idmap netns_paths; /* netns inode -> a path that opens it */
	uint64_t netns_scan_ns;
};

static void free_entry_owners(struct sock_entry *e)
{
	unsigned int i;

	if (!e)
		return;
	for (i = 0; i < e->nowners; i++)
		free(e->owners[i].cgroup);
	e->nowners = 0;
	e->extra_owners = 0;
}

static void free_entry(void *p)
{
	struct sock_entry *e = p;
	unsigned int i;

	for (i = 0; i < e->nowners; i++)
		free(e->owners[i].cgroup);
	free(e);
}

/* Loads and attaches only the program of one walk; false (and nothing kept) if refused. */
static bool load_tier(struct socks *s, bool files)
{
	struct bpf_program *prog;
	struct bpf_link *link;
	int err;

	s->skel = socks_bpf__open();
	if (!s->skel)
		return false;
	bpf_program__set_autoload(s->skel->progs.dump_uevent_files, files);
	bpf_program__set_autoload(s->skel->progs.dump_uevent_socks, !files);
	prog = files ? s->skel->progs.dump_uevent_files : s->skel->progs.dump_uevent_socks;
	err = socks_bpf__load(s->skel);
	link = err ? NULL : bpf_program__attach_iter(prog, NULL);
	if (!link) {
		uev_dbg("inventory: %s refused: %s", files ? SOCKS_TIER_FILES : SOCKS_TIER_NETLINK,
			strerror(err ? -err : errno));
		socks_bpf__destroy(s->skel);
		s->skel = NULL;
		return false;
	}
	if (files)
		s->files_link = link;
	else
		s->netlink_link = link;
	s->tier = files ? SOCKS_TIER_FILES : SOCKS_TIER_NETLINK;
	return true;
}

bool socks_tier_valid(const char *tier)
{
	return !strcmp(tier, SOCKS_TIER_FILES) || !strcmp(tier, SOCKS_TIER_NETLINK);
}

struct socks *socks_open_tier(const char *force)
{
	struct socks *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	idmap_init(&s->owners);
	idmap_init(&s->unknown);
	idmap_init(&s->netns_paths);
	s->forced = force != NULL;
	silence_libbpf(true);
	if (!force || !strcmp(force, SOCKS_TIER_FILES))
		load_tier(s, true);
	if (!s->tier && (!force || !strcmp(force, SOCKS_TIER_NETLINK)))
		load_tier(s, false);
	silence_libbpf(false);
	if (!s->tier)
		uev_dbg("no socket iterator: socket drops are seen only at the next delivery");
	else
		uev_dbg("inventory via %s%s", s->tier, s->forced ? " (forced)" : "");
	return s;
}

struct socks *socks_open(void)
{
	const char *force = getenv("UEVSCOPE_INVENTORY_TIER");

	if (force && !*force)
		force = NULL;
	if (force && !socks_tier_valid(force)) {
		uev_err("UEVSCOPE_INVENTORY_TIER='%s' is not %s or %s", force, SOCKS_TIER_FILES,
			SOCKS_TIER_NETLINK);
		exit(EXIT_USAGE);
	}
	return socks_open_tier(force);
}

const char *socks_tier(const struct socks *s)
{
	return s ? s->tier : NULL;
}

void socks_close(struct socks *s)
{
	if (!s)
		return;
	bpf_link__destroy(s->files_link);
	bpf_link__destroy(s->netlink_link);
	socks_bpf__destroy(s->skel);
	idmap_free(&s->owners, free_entry);
	idmap_free(&s->unknown, NULL);
	idmap_free(&s->netns_paths, free);
	free(s);
}

bool socks_can_list(const struct socks *s)
{
	return s->tier != NULL;
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
		/*
		 * bpf_seq_read() gives EAGAIN after visiting a million objects with no output
		 * (kernel/bpf/bpf_iter.c, MAX_ITER_OBJECTS), keeping its place: a host, or a
		 * hostile container, with that many open files must not end the walk there.
		 */
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
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

/*
 * Every network namespace that can be entered: named ones in /run/netns and
 * those of running processes. Kept for NETNS_REFRESH_NS between walks.
 */
static void collect_netns(struct socks *s)
{
	char path[300];
	struct dirent *de;
	struct stat st;
	DIR *dir;
	int i;

	idmap_clear(&s->netns_paths, free);
	for (i = 0; i < 2; i++) {
		dir = opendir(i ? "/proc" : "/run/netns");
		if (!dir)
			continue;
		while ((de = readdir(dir))) {
			if (de->d_name[0] == '.' || (i && !isdigit((unsigned char)de->d_name[0])))
				continue;
			snprintf(path, sizeof(path), i ? "/proc/%s/ns/net" : "/run/netns/%s",
				 de->d_name);
			if (!stat(path, &st) && !idmap_get(&s->netns_paths, st.st_ino))
				idmap_put(&s->netns_paths, st.st_ino, strdup(path));
		}
		closedir(dir);
	}
	s->netns_scan_ns = now_monotonic_ns();
}

static int list_one_netns(struct socks *s, const char *path, sock_info_cb cb, void *ctx)
{
	const struct uev_sock_info *info;
	int fd = open(path, O_RDONLY | O_CLOEXEC), count = 0;
	char *buf = NULL;
	ssize_t len, off;

	if (fd < 0)
		return 0; /* the namespace or its process is gone */
	/* A netlink iterator lists the sockets of the netns it was created in. */
	if (setns(fd, CLONE_NEWNET)) {
		close(fd);
		return 0;
	}
	close(fd);
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

static int list_netns_each(struct socks *s, sock_info_cb cb, void *ctx)
{
	int self, n, count = 0;
	size_t i;

	self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		return -errno;
	if (!s->netns_paths.len || now_monotonic_ns() - s->netns_scan_ns > NETNS_REFRESH_NS)
		collect_netns(s);
	for (i = 0; i < s->netns_paths.cap; i++) {
		if (!s->netns_paths.keys[i])
			continue;
		n = list_one_netns(s, s->netns_paths.vals[i], cb, ctx);
		if (n > 0)
			count += n;
	}
	if (setns(self, CLONE_NEWNET))
		uev_err("cannot return to our own network namespace: %s", strerror(errno));
	close(self);
	return count;
}

static void add_owner_to(struct sock_entry *e, uint32_t tgid, const char *comm)
{
	struct sock_owner *o;
	unsigned int i;

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
}

static bool same_owners(const struct sock_entry *a, const struct sock_entry *b)
{
	unsigned int i;

	if (a->nowners != b->nowners || a->extra_owners != b->extra_owners)
		return false;
	for (i = 0; i < a->nowners; i++)
		if (a->owners[i].tgid != b->owners[i].tgid ||
		    strcmp(a->owners[i].comm, b->owners[i].comm))
			return false;
	return true;
}

/*
 * The one walk (iter/task_file): a record per holder, merged by socket inode.
 * The holders replace the known owners of each socket seen; an unchanged list
 * keeps its entry, so the cgroup paths are read only when holders change.
 * The callback runs after the merge, once per socket, in walk order.
 */
static int list_files(struct socks *s, sock_info_cb cb, void *ctx)
{
	const struct uev_sock_holder *h;
	struct sock_entry *e, *old;
	struct idmap seen;
	char *buf = NULL;
	ssize_t len, off;
	unsigned int i;
	int count = 0;
	size_t k;

	len = read_iter(s->files_link, &buf);
	if (len < 0)
		return len;
	idmap_init(&seen);
	for (off = 0; off + (ssize_t)sizeof(*h) <= len; off += sizeof(*h)) {
		h = (const void *)(buf + off);
		if (!h->info.sock_ino)
			continue;
		e = idmap_get(&seen, h->info.sock_ino);
		if (!e) {
			e = calloc(1, sizeof(*e));
			if (!e)
				break;
			idmap_put(&seen, h->info.sock_ino, e);
		}
		add_owner_to(e, h->tgid, h->comm);
	}
	for (k = 0; k < seen.cap; k++) {
		if (!seen.keys[k])
			continue;
		e = seen.vals[k];
		old = idmap_get(&s->owners, seen.keys[k]);
		if (old && same_owners(old, e))
			continue;
		/* The map now owns e; seen keeps a pointer only to find first records below. */
		for (i = 0; i < e->nowners; i++)
			e->owners[i].cgroup = cgroup_of_pid(e->owners[i].tgid);
		old = idmap_put(&s->owners, seen.keys[k], e);
		if (old)
			free_entry(old);
		seen.vals[k] = NULL;
	}
	for (off = 0; off + (ssize_t)sizeof(*h) <= len; off += sizeof(*h)) {
		h = (const void *)(buf + off);
		/* First record of a socket: mark it done by a value no entry has. */
		if (!h->info.sock_ino || idmap_get(&seen, h->info.sock_ino) == (void *)1)
			continue;
		e = idmap_put(&seen, h->info.sock_ino, (void *)1);
		free(e); /* an unchanged list: a copy never handed over (NULL if handed over) */
		if (cb)
			cb(&h->info, ctx);
		count++;
	}
	idmap_free(&seen, NULL);
	free(buf);
	return count;
}

int socks_list(struct socks *s, sock_info_cb cb, void *ctx)
{
	if (s->files_link)
		return list_files(s, cb, ctx);
	if (s->netlink_link)
		return list_netns_each(s, cb, ctx);
	return -EOPNOTSUPP;
}

static void add_owner(struct idmap *owners, uint32_t ino, uint32_t tgid, const char *comm)
{
	struct sock_entry *e = idmap_get(owners, ino);
	unsigned int n;

	if (!e) {
		e = calloc(1, sizeof(*e));
		if (!e)
			return;
		idmap_put(owners, ino, e);
	}
	n = e->nowners;
	add_owner_to(e, tgid, comm);
	if (e->nowners > n)
		e->owners[n].cgroup = cgroup_of_pid(tgid);
}

static void want_cb(const struct uev_sock_info *info, void *ctx)
{
	idmap_put(ctx, info->sock_ino, (void *)1);
}

/*
 * The fallback's owners: which /proc/PID/fd/N link to "socket:[N]" for a uevent socket.
 * One walk resolves every uevent socket that iter/netlink lists, so a burst of
 * new listeners costs one scan, not one each.
 */
static void scan_proc_fds(struct socks *s, uint32_t missed)
{
	char fn[600], link[64], comm[UEV_COMM_LEN];
	struct dirent *pde, *fde;
	struct idmap wanted;
	DIR *proc, *fds;
	ssize_t n;

	idmap_init(&wanted);
	if (missed)
		idmap_put(&wanted, missed, (void *)1);
	socks_list(s, want_cb, &wanted);
	proc = opendir("/proc");
	if (!proc)
		goto out;
	while ((pde = readdir(proc))) {
		if (!isdigit((unsigned char)pde->d_name[0]))
			continue;
		snprintf(fn, sizeof(fn), "/proc/%s/fd", pde->d_name);
		fds = opendir(fn);
		if (!fds)
			continue;
		comm[0] = '\0';
		while ((fde = readdir(fds))) {
			unsigned long ino;

			snprintf(fn, sizeof(fn), "/proc/%s/fd/%s", pde->d_name, fde->d_name);
			n = readlink(fn, link, sizeof(link) - 1);
			if (n <= 0)
				continue;
			link[n] = '\0';
			if (sscanf(link, "socket:[%lu]", &ino) != 1 || !idmap_get(&wanted, ino))
				continue;
			if (!comm[0])
				proc_comm(atoi(pde->d_name), comm, sizeof(comm));
			/* First holder found in this walk: the old list may name dead pids. */
			if (idmap_get(&wanted, ino) == (void *)1) {
				free_entry_owners(idmap_get(&s->owners, ino));
				idmap_put(&wanted, ino, (void *)2);
			}
			add_owner(&s->owners, ino, atoi(pde->d_name), comm);
		}
		closedir(fds);
	}
	closedir(proc);
out:
	idmap_free(&wanted, NULL);
}

const struct sock_entry *socks_owners(struct socks *s, uint32_t ino)
{
	const struct sock_entry *e = idmap_get(&s->owners, ino);
	uint64_t now, missed;

	if ((e && e->nowners) || !ino)
		return e;
	now = now_monotonic_ns();
	missed = (uint64_t)(uintptr_t)idmap_get(&s->unknown, ino);
	if (missed && now - missed < UNKNOWN_RETRY_NS)
		return NULL;
	s->last_scan_ns = now;
	if (s->files_link)
		list_files(s, NULL, NULL);
	else
		scan_proc_fds(s, ino);
	e = idmap_get(&s->owners, ino);
	if (!e || !e->nowners) {
		idmap_put(&s->unknown, ino, (void *)(uintptr_t)now);
		return NULL;
	}
	return e;
}

void socks_refresh_owners(struct socks *s)
{
	s->last_scan_ns = now_monotonic_ns();
	if (s->files_link)
		list_files(s, NULL, NULL);
	else
		scan_proc_fds(s, 0);
}

bool socks_owner_known(struct socks *s, uint32_t ino)
{
	const struct sock_entry *e = idmap_get(&s->owners, ino);

	return e && e->nowners;
}
