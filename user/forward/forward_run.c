// SPDX-License-Identifier: GPL-2.0
/* The forwarder's loop: host socket, targets, coldplug, resync, state file. See forward.h. */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include "common.h"
#include "forward_run.h"
#include "forward_sysfs.h"
#include "match.h"
#include "uevent.h"

#ifndef NETLINK_KOBJECT_UEVENT
#define NETLINK_KOBJECT_UEVENT 15
#endif
#define HOST_RCVBUF	(8u << 20)
#define RECV_SIZE	(16 * 1024)
#define RESCAN_NS	(250 * 1000000ull)
#define STATE_EVERY_NS	(1000 * 1000000ull)
#define MAX_NS_PER_SPEC 256

static const enum inject_format formats[2] = {INJECT_KERNEL, INJECT_UDEV};

void fwd_init(struct fwd *f)
{
	memset(f, 0, sizeof(*f));
	f->ml = match_list_new();
	f->fmt = INJECT_KERNEL;
	f->ready_fd = -1;
	f->host = -1;
	idmap_init(&f->refused);
	sb_init(&f->pl[0], 4096);
	sb_init(&f->pl[1], 4096);
	sb_init(&f->scratch, 4096);
}

static int open_host(struct fwd *f)
{
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK, .nl_groups = 1};
	int sz = f->rcvbuf ? (int)f->rcvbuf : (int)HOST_RCVBUF;

	f->host =
	    socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_KOBJECT_UEVENT);
	if (f->host < 0)
		return -errno;
	/* Root in the host: FORCE passes net.core.rmem_max, a flood needs it. */
	if (setsockopt(f->host, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)))
		setsockopt(f->host, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	if (bind(f->host, (struct sockaddr *)&sa, sizeof(sa)))
		return -errno;
	return 0;
}

static const char *spec_label(const struct fwd_target *t)
{
	return t->spec->arg;
}

/* One line for a target's failure, unless it is the same failure as last said. */
static void say_failure(struct fwd_target *t, int err, const char *what)
{
	if (t->last_err == err)
		return;
	t->last_err = err;
	uev_err("forward: netns %u (%s): %s; still serving the other targets (said once)", t->ino,
		spec_label(t), what);
}

/* Builds the payloads of msg in every format asked for into f->pl. 0 or -errno. */
static int build(struct fwd *f, const struct uevent_msg *m)
{
	size_t i;
	int ret;

	for (i = 0; i < 2; i++) {
		if (!(f->fmt & formats[i]))
			continue;
		sb_reset(&f->pl[i]);
		ret = inject_build(m, formats[i], &f->pl[i]);
		if (ret)
			return ret;
	}
	return 0;
}

/* Sends what build() made into one target; counts it. */
static void send_built(struct fwd *f, struct fwd_target *t)
{
	char err[256];
	size_t i;
	int ret;

	for (i = 0; i < 2; i++) {
		if (!(f->fmt & formats[i]))
			continue;
		ret = inject_send(t->sock, formats[i], &f->pl[i], err, sizeof(err));
		if (ret) {
			t->c.failed++;
			say_failure(t, -ret, err);
			return;
		}
	}
	t->c.forwarded++;
	t->last_err = 0;
}

/*
 * The message as a parsed uevent, for the matcher: "ACTION@DEVPATH\0" then
 * every KEY=VALUE, in f->scratch.
 */
static int msg_event(struct fwd *f, const struct uevent_msg *m, struct uevent *ev)
{
	size_t i;

	sb_reset(&f->scratch);
	sb_printf(&f->scratch, "%s@%s", m->action, m->devpath);
	sb_putc(&f->scratch, '\0');
	sb_printf(&f->scratch, "ACTION=%s", m->action);
	sb_putc(&f->scratch, '\0');
	sb_printf(&f->scratch, "DEVPATH=%s", m->devpath);
	sb_putc(&f->scratch, '\0');
	for (i = 0; i < m->n_env; i++) {
		sb_puts(&f->scratch, m->env[i]);
		sb_putc(&f->scratch, '\0');
	}
	return uevent_parse(f->scratch.buf, f->scratch.len, ev);
}

struct coldplug_ctx {
	struct fwd *f;
	struct fwd_target *t; /* NULL: every active target (resync) */
	const char *action;
	unsigned int sent;
};

static void send_all(struct fwd *f, struct fwd_target *only)
{
	size_t i;

	if (only) {
		send_built(f, only);
		return;
	}
	for (i = 0; i < f->nt; i++)
		if (!f->t[i].gone)
			send_built(f, &f->t[i]);
}

static void fail_all(struct fwd *f, struct fwd_target *only, int err, const char *what)
{
	size_t i;

	for (i = 0; i < f->nt; i++) {
		struct fwd_target *t = &f->t[i];

		if (t->gone || (only && t != only))
			continue;
		t->c.failed++;
		say_failure(t, err, what);
	}
}

/* One device from /sys, if it matches: `add` (coldplug, resync). */
static int sysfs_one(const char *syspath, const char *devpath, void *arg)
{
	struct coldplug_ctx *c = arg;
	static struct uevent_msg_buf mb; /* 9 KiB: not on the stack */
	struct uevent ev;
	char what[300];
	int ret;

	(void)devpath;
	if (inject_msg_from_sysfs(syspath, c->action, &mb))
		return 0; /* gone meanwhile, or unreadable: not a device to announce */
	if (!msg_event(c->f, &mb.msg, &ev) && match_list_eval(c->f->ml, &ev)) {
		ret = build(c->f, &mb.msg);
		if (ret) {
			snprintf(what, sizeof(what), "%s %s not sent: %s", c->action, devpath,
				 strerror(-ret));
			fail_all(c->f, c->t, -ret, what);
		} else {
			send_all(c->f, c->t);
			c->sent++;
		}
	}
	return 0;
}

static void coldplug(struct fwd *f, struct fwd_target *t)
{
	struct coldplug_ctx c = {.f = f, .t = t, .action = "add"};

	fwd_sysfs_walk(sysfs_one, &c);
	printf("coldplug: %u add uevent(s) sent into netns %u\n", c.sent, t->ino);
}

static struct fwd_target *find_target(struct fwd *f, uint32_t ino)
{
	size_t i;

	for (i = 0; i < f->nt; i++)
		if (!f->t[i].gone && f->t[i].ino == ino)
			return &f->t[i];
	return NULL;
}

/*
 * A netns found by a spec. At start an explicit target refused is the end
 * (exit code); under a cgroup, a refusal is said once and the rest goes on.
 */
static int add_target(struct fwd *f, const struct fwd_spec *spec, uint32_t ino, int fd,
		      bool startup)
{
	struct fwd_target t;
	char err[512];
	int ret;

	ret = fwd_target_take(&t, spec, ino, fd, f->force, err, sizeof(err));
	if (ret) {
		close(fd);
		if (startup && spec->kind == FWD_SPEC_NSFILE) {
			uev_err("forward: --to %s: %s", spec->arg, err);
			return ret == -EBUSY || ret == -EAGAIN || ret == -EACCES || ret == -EPERM ||
				       ret == -ENOMEM
				   ? EXIT_ENV
				   : EXIT_USAGE;
		}
		if (idmap_get(&f->refused, ino) != (void *)(intptr_t)(-ret + 1)) {
			uev_err("forward: --to %s: %s", spec->arg, err);
			idmap_put(&f->refused, ino, (void *)(intptr_t)(-ret + 1));
		}
		return EXIT_OK;
	}
	if (f->nt == f->capt) {
		f->capt = f->capt ? f->capt * 2 : 8;
		f->t = realloc(f->t, f->capt * sizeof(*f->t));
		if (!f->t)
			abort();
	}
	f->t[f->nt] = t;
	f->t[f->nt].seen = true;
	f->dirty = true;
	f->nt++;
	printf("forwarding into netns %u (%s)\n", ino, spec->arg);
	if (f->coldplug)
		coldplug(f, &f->t[f->nt - 1]);
	return EXIT_OK;
}

/* Finds new targets and drops gone ones. Returns an exit code (startup only can fail). */
static int rescan(struct fwd *f, bool startup)
{
	uint32_t inos[MAX_NS_PER_SPEC];
	int fds[MAX_NS_PER_SPEC];
	size_t s, i;
	int n, j, ret;

	for (i = 0; i < f->nt; i++)
		f->t[i].seen = false;
	for (s = 0; s < f->nspecs; s++) {
		n = fwd_spec_list(&f->specs[s], inos, fds, MAX_NS_PER_SPEC);
		if (n < 0 && startup) {
			uev_err("forward: --to %s: gone before forwarding started",
				f->specs[s].arg);
			return EXIT_USAGE;
		}
		for (j = 0; j < n; j++) {
			struct fwd_target *t = find_target(f, inos[j]);

			if (t) {
				t->seen = true;
				close(fds[j]);
				continue;
			}
			ret = add_target(f, &f->specs[s], inos[j], fds[j], startup);
			if (ret) {
				while (++j < n)
					close(fds[j]);
				return ret;
			}
		}
	}
	for (i = 0; i < f->nt; i++) {
		struct fwd_target *t = &f->t[i];

		if (t->gone || t->seen)
			continue;
		printf("netns %u (%s) is gone: dropped after %llu forwarded, %llu failed\n", t->ino,
		       spec_label(t), (unsigned long long)t->c.forwarded,
		       (unsigned long long)t->c.failed);
		fwd_target_release(t);
		t->gone = true;
		f->dirty = true;
	}
	return EXIT_OK;
}

static void write_state(struct fwd *f)
{
	struct fwd_state st = {.pid = getpid(), .policy = f->policy, .resyncs = f->resyncs};
	struct fwd_target_state *ts = calloc(f->nt ? f->nt : 1, sizeof(*ts));
	size_t i;
	int ret;

	if (!ts)
		return;
	for (i = 0; i < f->nt; i++) {
		ts[i].netns = f->t[i].ino;
		ts[i].gone = f->t[i].gone;
		ts[i].c = f->t[i].c;
		snprintf(ts[i].spec, sizeof(ts[i].spec), "%s", f->t[i].spec->arg);
	}
	st.targets = ts;
	st.ntargets = f->nt;
	ret = fwd_state_write(&st);
	if (ret)
		uev_dbg("forward: cannot write the state file: %s", strerror(-ret));
	free(ts);
	f->dirty = false;
	f->last_state_ns = now_monotonic_ns();
}

int fwd_start(struct fwd *f)
{
	int ret;

	ret = open_host(f);
	if (ret) {
		uev_err("forward: cannot listen to the host's uevents: %s", strerror(-ret));
		return EXIT_ENV;
	}
	/* Before any coldplug: a device added meanwhile is then in the set, or in the queue. */
	fwd_devset_scan(&f->devs);
	ret = rescan(f, true);
	if (ret)
		return ret;
	write_state(f);
	printf("forwarding %s format, %u match term(s), %zu target(s)\n",
	       f->fmt == INJECT_BOTH   ? "kernel and udev"
	       : f->fmt == INJECT_UDEV ? "udev"
				       : "kernel",
	       match_list_count(f->ml), f->nt);
	if (f->ready_fd >= 0) {
		if (write(f->ready_fd, "ready\n", 6) != 6)
			uev_dbg("forward: nobody waits for ready");
		close(f->ready_fd);
		f->ready_fd = -1;
	}
	return EXIT_OK;
}

/*
 * The uevent as a message to re-inject. SEQNUM goes along: the kernel format
 * leaves it out (the kernel appends its own), the udev format keeps the
 * host's, as udevd would.
 */
static void forward_one(struct fwd *f, struct uevent *ev)
{
	const char *env[UEV_MAX_PROPS];
	struct uevent_msg m = {.action = ev->action, .devpath = ev->devpath, .env = env};
	char what[300];
	unsigned int i;
	int ret;

	for (i = 0; i < ev->nprops; i++) {
		const char *k = ev->props[i].key;

		if (!strcmp(k, "ACTION") || !strcmp(k, "DEVPATH"))
			continue;
		/* Parsed in place: KEY\0VALUE, written back as KEY=VALUE for the builder. */
		((char *)ev->props[i].val)[-1] = '=';
		env[m.n_env++] = k;
	}
	ret = build(f, &m);
	if (ret) {
		snprintf(what, sizeof(what), "uevent %llu (%s %s) not forwarded: %s", ev->seqnum,
			 ev->action, ev->devpath,
			 ret == -E2BIG ? "payload over the kernel's 2048-byte limit"
				       : strerror(-ret));
		fail_all(f, NULL, -ret, what);
		return;
	}
	send_all(f, NULL);
}

/* Lost uevents: what was added or removed meanwhile, from /sys. Lost `change`s stay lost. */
static void resync(struct fwd *f)
{
	struct coldplug_ctx c = {.f = f, .t = NULL, .action = "add"};
	struct fwd_devset now;
	char syspath[4200];
	size_t i = 0, j = 0;
	unsigned int removed = 0;

	f->resyncs++;
	f->dirty = true;
	fwd_devset_scan(&now);
	while (i < f->devs.n || j < now.n) {
		int cmp = i == f->devs.n ? 1
			  : j == now.n	 ? -1
					 : strcmp(f->devs.v[i].devpath, now.v[j].devpath);

		if (cmp < 0) { /* gone: a remove built from what we knew */
			char sub[300];
			const char *env[1] = {sub};
			struct uevent_msg m = {.action = "remove",
					       .devpath = f->devs.v[i].devpath,
					       .env = env,
					       .n_env = f->devs.v[i].subsystem[0] != '\0'};
			struct uevent ev;

			snprintf(sub, sizeof(sub), "SUBSYSTEM=%s", f->devs.v[i].subsystem);
			if (!msg_event(f, &m, &ev) && match_list_eval(f->ml, &ev) &&
			    !build(f, &m)) {
				send_all(f, NULL);
				removed++;
			}
			i++;
		} else if (cmp > 0) {
			snprintf(syspath, sizeof(syspath), "/sys%s", now.v[j].devpath);
			sysfs_one(syspath, now.v[j].devpath, &c);
			j++;
		} else {
			i++, j++;
		}
	}
	fwd_devset_free(&f->devs);
	f->devs = now;
	uev_err("forward: the host socket overran (ENOBUFS): resynced from /sys, %u add and %u "
		"remove sent; lost change uevents are not recovered",
		c.sent, removed);
}

static void on_host_message(struct fwd *f, char *buf, size_t len)
{
	struct uevent ev;
	size_t i;

	if (uevent_parse(buf, len, &ev) || !ev.has_header)
		return; /* libudev's format or garbage: only the kernel's uevents go on */
	if (!strcmp(ev.action, "add"))
		fwd_devset_add(&f->devs, ev.devpath, ev.subsystem);
	else if (!strcmp(ev.action, "remove"))
		fwd_devset_del(&f->devs, ev.devpath);
	if (!match_list_eval(f->ml, &ev)) {
		for (i = 0; i < f->nt; i++)
			if (!f->t[i].gone)
				f->t[i].c.filtered++;
		return;
	}
	forward_one(f, &ev);
}

/* Everything queued on the host socket. */
static void drain(struct fwd *f)
{
	static char buf[RECV_SIZE + 1];
	struct sockaddr_nl from;
	struct iovec iov = {buf, RECV_SIZE};
	struct msghdr mh = {
	    .msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = &iov, .msg_iovlen = 1};
	ssize_t n;

	for (;;) {
		mh.msg_namelen = sizeof(from);
		n = recvmsg(f->host, &mh, 0);
		if (n < 0) {
			if (errno == ENOBUFS) {
				resync(f);
				continue;
			}
			return; /* EAGAIN: drained; EINTR: the loop looks at stop */
		}
		/* From the kernel only (portid 0): another process's multicast is not a uevent. */
		if (n == 0 || from.nl_pid != 0)
			continue;
		on_host_message(f, buf, n);
	}
}

static bool any_target_possible(const struct fwd *f)
{
	size_t i;

	for (i = 0; i < f->nspecs; i++)
		if (f->specs[i].kind == FWD_SPEC_CGROUP)
			return true;
	for (i = 0; i < f->nt; i++)
		if (!f->t[i].gone)
			return true;
	return false;
}

int fwd_loop(struct fwd *f, volatile sig_atomic_t *stop)
{
	struct pollfd p = {.fd = f->host, .events = POLLIN};
	uint64_t last_scan = now_monotonic_ns(), now;

	while (!*stop) {
		int r = poll(&p, 1, 250);

		if (r > 0)
			drain(f);
		now = now_monotonic_ns();
		if (now - last_scan >= RESCAN_NS) {
			rescan(f, false);
			last_scan = now;
			if (!any_target_possible(f)) {
				printf("no target left: stopping\n");
				break;
			}
		}
		if (f->dirty || now - f->last_state_ns >= STATE_EVERY_NS)
			write_state(f);
	}
	return EXIT_OK;
}

void fwd_stop(struct fwd *f)
{
	size_t i;

	for (i = 0; i < f->nt; i++)
		if (!f->t[i].gone)
			fwd_target_release(&f->t[i]);
	fwd_state_remove(getpid());
	if (f->host >= 0)
		close(f->host);
	free(f->t);
	fwd_devset_free(&f->devs);
	idmap_free(&f->refused, NULL);
	match_list_free(f->ml);
	sb_free(&f->pl[0]);
	sb_free(&f->pl[1]);
	sb_free(&f->scratch);
}
