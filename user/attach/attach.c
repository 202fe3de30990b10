// SPDX-License-Identifier: GPL-2.0
/*
 * `uevscope attach` and `detach`: hotplug devices into a running container.
 * Per device, in this order, each step undone when a later one fails:
 * access (attach_access.c), the node (attach_node.c), the add event
 * (attach_event.c), then one line in the state file (user/lib/hotplug.c).
 * Detach runs the steps backwards. A failing device rolls back the devices
 * this command attached before it, so a command does all or nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <linux/netlink.h>
#include "attach.h"
#include "attach_json.h"
#include "common.h"
#include "cgroupfs.h"
#include "hotplug.h"
#include "match.h"
#include "subcommands.h"
#include "uevent.h"

static const char attach_usage[] =
    "usage: uevscope attach --container CONTAINER [--follow] DEVICE... | -m MATCH...\n"
    "       uevscope detach --container CONTAINER DEVICE... | -m MATCH... | --all\n"
    "\n"
    "Hotplug devices into a running container, and take them out again:\n"
    "  1. access: MAJ:MIN allowed for the container's cgroup, every rule of the\n"
    "     runtime kept (cgroup v1: devices.allow; cgroup v2: the runtime's cgroup/dev\n"
    "     program set aside for one with all its rules plus the allow);\n"
    "  2. the node, at the host's path in the container's mount namespace (mknod,\n"
    "     or the host's node bind-mounted when the container has a user namespace);\n"
    "  3. the uevent: add (remove on detach), kernel and udev formats, injected into\n"
    "     the container's network namespace.\n"
    "\n"
    "  --container C  a pid, a cgroup v2 path or a /run/netns name\n"
    "  DEVICE         a device node (/dev/loop3) or a /sys device path\n"
    "  -m MATCH       udev-style match (SUBSYSTEM==\"block\",KERNEL==\"loop*\"): every device\n"
    "                 with a node that matches, or whose parent does\n"
    "  --follow       attach: keep running, attach matching devices as they appear and\n"
    "                 detach them as they leave, until SIGINT or SIGTERM (devices stay\n"
    "                 attached) or until the container exits (its devices are detached)\n"
    "  --all          detach: every device attached to the container\n"
    "  --runtime-root DIR  the runtime's state folder when not /run/runc or /run/crun\n"
    "                 (its --root): where cgroup v2 rules are read from\n"
    "  -v, --verbose  timings of each step\n"
    "  -h, --help     this help\n"
    "\n"
    "EXAMPLES:\n"
    "  uevscope attach --container 4242 /dev/loop3\n"
    "  uevscope attach --container /machine.slice/c1 -m "
    "'SUBSYSTEM==\"usb\",ENV{ID_VENDOR_ID}==\"2b3e\"'\n"
    "  uevscope attach --container c1 --follow -m 'KERNEL==\"loop*\"'\n"
    "  uevscope detach --container 4242 /dev/loop3\n"
    "  uevscope devices list      # the access rules, and for whom\n"
    "\n"
    "Exit status: 0 done (--follow: also when its container exited and all it was given\n"
    "was taken back, said in one line); 1 environment (not root, container or device gone,\n"
    "no device control on the container, the kernel refused; nothing is left half-done);\n"
    "2 bad usage, already attached, not attached. An attach or detach killed part way is\n"
    "rolled back (attach) or completed (detach) by the next attach, detach or devices list,\n"
    "which says so. A device that left the host after it was attached is detached by the\n"
    "next attach, detach or devices list (and at once by --follow), which says so.\n";

static volatile sig_atomic_t exiting;

static void on_signal(int sig)
{
	(void)sig;
	exiting = 1;
}

struct attach_args {
	const char *container;
	struct match_list *ml;
	const char *expr;
	char **devs;
	int ndevs;
	bool follow, all;
};

enum { OPT_CONTAINER = 256, OPT_FOLLOW, OPT_ALL, OPT_RUNTIME_ROOT };

static const struct option attach_options[] = {
    {"container", required_argument, NULL, OPT_CONTAINER},
    {"follow", no_argument, NULL, OPT_FOLLOW},
    {"all", no_argument, NULL, OPT_ALL},
    {"runtime-root", required_argument, NULL, OPT_RUNTIME_ROOT},
    {"match", required_argument, NULL, 'm'},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {},
};

static int parse_args(const char *cmd, int argc, char **argv, struct attach_args *a)
{
	char err[256];
	int opt;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":m:vh", attach_options, NULL)) != -1) {
		switch (opt) {
		case OPT_CONTAINER:
			a->container = optarg;
			break;
		case OPT_FOLLOW:
			a->follow = true;
			break;
		case OPT_ALL:
			a->all = true;
			break;
		case OPT_RUNTIME_ROOT:
			att_runtime_root = optarg;
			break;
		case 'm':
			if (!a->ml)
				a->ml = match_list_new();
			if (!a->ml || match_list_add(a->ml, optarg, err, sizeof(err)))
				return cmd_usage_error(cmd, "-m: %s",
						       a->ml ? err : "out of memory");
			a->expr = optarg;
			break;
		case 'v':
			verbose = true;
			break;
		case 'h':
			fputs(attach_usage, stdout);
			return EXIT_OK;
		default:
			return cmd_getopt_error(cmd, opt, argv);
		}
	}
	a->devs = argv + optind;
	a->ndevs = argc - optind;
	if (!a->container)
		return cmd_usage_error(cmd, "%s", "say which container with --container");
	if (!a->ndevs && !a->ml && !a->all)
		return cmd_usage_error(cmd, "%s", "say which devices: DEVICE... or -m MATCH");
	if (a->follow && (strcmp(cmd, "attach") || !a->ml))
		return cmd_usage_error(cmd, "%s", "--follow goes with attach -m MATCH");
	if (a->all && strcmp(cmd, "detach"))
		return cmd_usage_error(cmd, "%s", "--all goes with detach");
	return -1;
}

static bool same_dev(const struct hotplug_entry *e, const struct att_ctr *c,
		     const struct att_dev *d)
{
	return !strcmp(e->cgroup, c->cgroup) && e->type == d->type && e->major == d->major &&
	       e->minor == d->minor;
}

static bool same_entry(const struct hotplug_entry *a, const struct hotplug_entry *b)
{
	return !strcmp(a->cgroup, b->cgroup) && a->type == b->type && a->major == b->major &&
	       a->minor == b->minor;
}

ssize_t att_find(const struct hotplug_entry *e, size_t n, const struct hotplug_entry *like)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (same_entry(&e[i], like))
			return i;
	return -1;
}

static ssize_t find(const struct att_session *s, const struct att_dev *d)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (same_dev(&s->e[i], &s->ctr, d))
			return i;
	return -1;
}

bool att_last_v2(const struct hotplug_entry *v, size_t n, const struct hotplug_entry *e)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(v[i].cgroup, e->cgroup) && !strcmp(v[i].access, "v2") &&
		    !same_entry(&v[i], e))
			return false;
	return true;
}

static double ms_since(uint64_t t0)
{
	return (now_monotonic_ns() - t0) / 1e6;
}

/*
 * The container or the device went away while attaching (before or during
 * step): the caller undoes what is done. sysfd is the device's uevent file,
 * opened when the attach began: once the kernel removes the device, reading it
 * fails with ENODEV (kernfs), even when a new device took the same name.
 */
static int check_gone(const struct att_session *s, const struct att_dev *d, int sysfd,
		      const char *when, char *err, size_t errlen)
{
	struct stat st;
	char b;

	if (att_ctr_gone(&s->ctr)) {
		snprintf(err, errlen,
			 "container %d (%.200s) went away while attaching %c %u:%u (%s): nothing "
			 "of it is left",
			 (int)s->ctr.pid, s->ctr.cgroup, d->type, d->major, d->minor, when);
		return -ESRCH;
	}
	/* sysfd -2: the uevent file could not be opened, or was another device's (sysino). */
	if (sysfd == -2 ||
	    (sysfd >= 0 && ((pread(sysfd, &b, 1, 0) < 0 && errno == ENODEV) ||
			    (d->sysino && !fstat(sysfd, &st) && st.st_ino != d->sysino)))) {
		snprintf(err, errlen,
			 "device %.300s went away while attaching (%s): nothing of it is left",
			 d->syspath, when);
		return -ENODEV;
	}
	return 0;
}

static int attach_one(struct att_session *s, const struct att_dev *d, char *err, size_t errlen)
{
	struct hotplug_entry e = {};
	uint64_t t0 = now_monotonic_ns();
	double t_acc, t_node;
	char e2[256], fn[600];
	int rc, sysfd = -1;

	if (find(s, d) >= 0) {
		snprintf(err, errlen, "%c %u:%u (%.200s) is attached to %.200s already", d->type,
			 d->major, d->minor, d->node, s->ctr.cgroup);
		return -EEXIST;
	}
	snprintf(e.cgroup, sizeof(e.cgroup), "%s", s->ctr.cgroup);
	e.pid = s->ctr.pid;
	e.netns = s->ctr.netns;
	e.type = d->type;
	e.major = d->major;
	e.minor = d->minor;
	snprintf(e.node, sizeof(e.node), "%s", d->node);
	snprintf(e.syspath, sizeof(e.syspath), "%s", d->syspath[0] ? d->syspath : "-");
	snprintf(e.how, sizeof(e.how), "%s", s->ctr.own_userns ? "bind" : "mknod");
	e.sysino = d->sysino;
	if (d->syspath[0]) {
		snprintf(fn, sizeof(fn), "%s/uevent", d->syspath);
		sysfd = open(fn, O_RDONLY | O_CLOEXEC);
		if (sysfd < 0 && errno == ENOENT)
			sysfd = -2; /* gone since it was resolved */
	}
	/* Each step journaled before it starts, with what undoing it needs. */
	rc = att_access_plan(&s->ctr, d, e.access, sizeof(e.access), e.v1prev, sizeof(e.v1prev),
			     err, errlen);
	rc = rc ?: att_journal_step(s, "attach", "access", &e, err, errlen);
	rc = rc ?: check_gone(s, d, sysfd, "before its access step", err, errlen);
	rc = rc ?: att_access_allow(&s->ctr, d, e.access, e.v1prev, &e.orig_prog, err, errlen);
	if (rc)
		goto out;
	t_acc = ms_since(t0);
	rc = att_journal_step(s, "attach", "node", &e, err, errlen);
	rc = rc ?: check_gone(s, d, sysfd, "before its node step", err, errlen);
	rc = rc ?: att_node_make(&s->ctr, d, e.how, sizeof(e.how), err, errlen);
	if (rc)
		goto undo_access;
	t_node = ms_since(t0);
	rc = att_journal_step(s, "attach", "event", &e, err, errlen);
	rc = rc ?: check_gone(s, d, sysfd, "before its add event", err, errlen);
	if (rc)
		goto undo_node;
	rc = att_event(&s->ctr, d, "add", err, errlen);
	if (rc && rc != -ENODEV)
		goto undo_node;
	if (rc)
		uev_dbg("attach: %s", err);
	/* Gone while the add went out: the container heard add, so it hears remove. */
	rc = check_gone(s, d, sysfd, "as its add event was sent", err, errlen);
	rc = rc ?: att_journal_step(s, "attach", "done", &e, err, errlen);
	if (rc)
		goto undo_event;
	uev_dbg("attach: %c %u:%u access %.2f ms, node %.2f ms, event %.2f ms", d->type, d->major,
		d->minor, t_acc, t_node - t_acc, ms_since(t0) - t_node);
	struct hotplug_entry *ne = realloc(s->e, (s->n + 1) * sizeof(*ne));
	if (!ne) {
		rc = -ENOMEM;
		snprintf(err, errlen, "out of memory");
		goto undo_event;
	}
	s->e = ne;
	s->e[s->n++] = e;
	if (sysfd >= 0)
		close(sysfd);
	fprintf(stderr,
		"uevscope: attach: %c %u:%u %s attached to %s (pid %d): access %s%s, node %s, "
		"add sent\n",
		d->type, d->major, d->minor, d->node, s->ctr.cgroup, (int)s->ctr.pid, e.access,
		!strcmp(e.v1prev, "all") ? " (allowed already)" : "", e.how);
	return 0;
undo_event:
	att_event(&s->ctr, d, "remove", e2, sizeof(e2));
undo_node:
	att_node_remove(&s->ctr, d, e.how, e2, sizeof(e2));
undo_access:
	att_access_revoke(&s->ctr, d, e.access, e.v1prev, e.orig_prog, e.orig_prog != 0, e2,
			  sizeof(e2));
out:
	att_journal_forget(s, &e);
	if (sysfd >= 0)
		close(sysfd);
	return rc;
}

void att_dev_of(const struct hotplug_entry *e, struct att_dev *d)
{
	char e2[256];

	memset(d, 0, sizeof(*d));
	if (strcmp(e->syspath, "-"))
		att_dev_from_sys(e->syspath, d, e2, sizeof(e2));
	d->type = e->type;
	d->major = e->major;
	d->minor = e->minor;
	snprintf(d->node, sizeof(d->node), "%s", e->node);
	if (!d->devpath[0] && strcmp(e->syspath, "-")) {
		/* The device is gone from /sys: the remove event still names it. */
		snprintf(d->syspath, sizeof(d->syspath), "%s", e->syspath);
		snprintf(d->devpath, sizeof(d->devpath), "%s", e->syspath + 4);
		snprintf(d->subsystem, sizeof(d->subsystem), "%s", e->type == 'b' ? "block" : "");
	}
}

/*
 * Backwards: access first, so the container loses the device before anything
 * else. Only the access step can fail a detach; every step after it is done
 * (a journal error there is said, not fatal: the next command completes it).
 * c is the container of entry i (the session's, or one reopened for it).
 */
int att_detach_entry(struct att_session *s, const struct att_ctr *c, size_t i, char *err,
		     size_t errlen)
{
	struct hotplug_entry e = s->e[i];
	struct att_dev d;
	bool last = att_last_v2(s->e, s->n, &e);
	char e2[256] = "";
	int rc;

	att_dev_of(&e, &d);
	rc = att_journal_step(s, "detach", "access", &e, err, errlen);
	rc = rc ?: att_access_revoke(c, &d, e.access, e.v1prev, e.orig_prog, last, err, errlen);
	if (rc) {
		att_journal_forget(s, &e);
		return rc;
	}
	if (att_journal_step(s, "detach", "node", &e, e2, sizeof(e2)))
		uev_err("detach: %s", e2);
	rc = att_node_remove(c, &d, e.how, err, errlen);
	if (rc)
		uev_err("detach: %s; access is revoked", err);
	if (att_journal_step(s, "detach", "event", &e, e2, sizeof(e2)))
		uev_err("detach: %s", e2);
	if (att_event(c, &d, "remove", e2, sizeof(e2)))
		uev_dbg("detach: %s", e2);
	if (att_journal_step(s, "detach", "done", &e, e2, sizeof(e2)))
		uev_err("detach: %s", e2);
	/* The runtime's program is kept by whichever entry of the cgroup remains. */
	att_drop(s, i);
	return 0;
}

static int detach_one(struct att_session *s, size_t i, char *err, size_t errlen)
{
	struct hotplug_entry e = s->e[i];
	int rc = att_detach_entry(s, &s->ctr, i, err, errlen);

	if (rc)
		return rc;
	fprintf(stderr,
		"uevscope: detach: %c %u:%u %s detached from %s: access restored (%s), "
		"node removed, remove sent\n",
		e.type, e.major, e.minor, e.node, e.cgroup, e.access);
	return 0;
}

static int save(struct att_session *s, const char *op, char *err, size_t errlen)
{
	return att_journal_commit(s, op, err, errlen);
}

static int exit_for(int rc)
{
	return rc == -EEXIST || rc == -ENOENT || rc == -EINVAL ? EXIT_USAGE : EXIT_ENV;
}

/*
 * detach of a container that is gone: its cgroup and nodes went with it, what
 * stays is ours to drop: the entries, and for v2 our rules and the pin of the
 * runtime's program. True when some entry named the container (pid or cgroup).
 */
static bool forget_gone(const char *arg)
{
	struct hotplug_entry *e = NULL;
	size_t n = 0, i, j, dropped = 0;
	char err[512], pid[16];
	int lock;

	if (!arg)
		return false;
	att_recover_locked("detach");
	lock = hotplug_lock();
	if (lock < 0 || hotplug_read(&e, &n)) {
		hotplug_unlock(lock);
		return false;
	}
	for (i = j = 0; i < n; i++) {
		snprintf(pid, sizeof(pid), "%u", e[i].pid);
		if (strcmp(arg, pid) && strcmp(arg, e[i].cgroup)) {
			e[j++] = e[i];
			continue;
		}
		dropped++;
		if (!strcmp(e[i].access, "v2") && att_access_forget(e[i].cgroup, err, sizeof(err)))
			uev_err("detach: %s", err);
	}
	if (dropped && !hotplug_write(e, j))
		fprintf(stderr,
			"uevscope: detach: container %s is gone; forgot its %zu device%s and our "
			"rules for it\n",
			arg, dropped, dropped == 1 ? "" : "s");
	free(e);
	hotplug_unlock(lock);
	return dropped > 0;
}

static void session_close(struct att_session *s)
{
	att_ctr_close(&s->ctr);
	hotplug_unlock(s->lock);
	free(s->e);
	free(s->j);
	free(s->gone);
	s->e = NULL;
	s->j = NULL;
	s->gone = NULL;
	s->lock = -1;
}

static int session_open(struct att_session *s, const struct attach_args *a, const char *cmd)
{
	char err[512];
	int rc;

	memset(s, 0, sizeof(*s));
	s->lock = -1;
	if (!require_root(cmd))
		return EXIT_ENV;
	rc = att_ctr_open(a->container, &s->ctr, err, sizeof(err));
	if (rc && !strcmp(cmd, "detach") && forget_gone(a->container))
		return EXIT_OK;
	if (rc) {
		uev_err("%s: %s", cmd, err);
		return rc == -ENOENT ? EXIT_USAGE : EXIT_ENV;
	}
	s->lock = hotplug_lock();
	if (s->lock < 0 || hotplug_read(&s->e, &s->n) || att_recover(s, cmd) ||
	    att_sweep_gone(s, cmd)) {
		uev_err("%s: cannot read %s (lock %s)", cmd, HOTPLUG_FILE, HOTPLUG_LOCK);
		session_close(s);
		return EXIT_ENV;
	}
	return -1;
}

/* Resolves the DEVICE words and -m into a list. */
static int collect(const struct attach_args *a, const char *cmd, struct att_dev **out, size_t *n)
{
	struct att_dev *v = NULL, *m = NULL;
	size_t nm = 0, i;
	char err[512];
	int rc;

	*n = 0;
	v = calloc(a->ndevs + 1, sizeof(*v));
	if (!v)
		return EXIT_ENV;
	for (i = 0; i < (size_t)a->ndevs; i++) {
		rc = att_dev_resolve(a->devs[i], &v[*n], err, sizeof(err));
		if (rc) {
			uev_err("%s: %s", cmd, err);
			free(v);
			return rc == -EINVAL ? EXIT_USAGE : EXIT_ENV;
		}
		(*n)++;
	}
	if (a->ml) {
		rc = att_dev_match(a->ml, a->expr, &m, &nm, err, sizeof(err));
		if (rc && !a->follow) {
			uev_err("%s: %s", cmd, err);
			free(v);
			return EXIT_ENV;
		}
		if (nm) {
			struct att_dev *nv = realloc(v, (*n + nm) * sizeof(*v));

			if (!nv) {
				free(v);
				free(m);
				return EXIT_ENV;
			}
			v = nv;
			memcpy(v + *n, m, nm * sizeof(*v));
			*n += nm;
		}
		free(m);
	}
	*out = v;
	return -1;
}

static int follow(struct att_session *s, const struct attach_args *a);

int cmd_attach(int argc, char **argv)
{
	struct attach_args a = {};
	struct att_session s;
	struct att_dev *devs = NULL;
	size_t n = 0, i, before;
	char err[512];
	int rc = parse_args("attach", argc, argv, &a);

	if (rc >= 0)
		goto out;
	rc = session_open(&s, &a, "attach");
	if (rc >= 0)
		goto out;
	rc = collect(&a, "attach", &devs, &n);
	if (rc >= 0)
		goto close;
	before = s.n;
	for (i = 0; i < n; i++) {
		int r = attach_one(&s, &devs[i], err, sizeof(err));

		if (!r)
			continue;
		uev_err("attach: %s%s", err,
			s.n > before ? "; the devices attached before are detached again" : "");
		rc = exit_for(r);
		goto undo;
	}
	if (save(&s, "attach", err, sizeof(err))) {
		uev_err("attach: %s; detached again", err);
		rc = EXIT_ENV;
		goto undo;
	}
	rc = a.follow ? follow(&s, &a) : EXIT_OK;
	goto close;
undo:
	while (s.n > before)
		detach_one(&s, s.n - 1, err, sizeof(err));
	/* The state as it was; the journal, whose intents are all undone, goes. */
	if (save(&s, "detach", err, sizeof(err)))
		uev_err("attach: %s", err);
close:
	session_close(&s);
out:
	free(devs);
	match_list_free(a.ml);
	return rc;
}

/* The entry of the container c that DEVICE names (node, sysfs path, or its number), or n. */
static size_t named(const struct hotplug_entry *e, size_t n, const struct att_ctr *c,
		    const char *arg)
{
	struct att_dev d;
	char err[256];
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(e[i].cgroup, c->cgroup) &&
		    (!strcmp(e[i].node, arg) || !strcmp(e[i].syspath, arg)))
			return i;
	if (att_dev_resolve(arg, &d, err, sizeof(err)))
		return n;
	for (i = 0; i < n && !same_dev(&e[i], c, &d); i++)
		;
	return i;
}

int cmd_detach(int argc, char **argv)
{
	struct attach_args a = {};
	struct att_session s;
	struct att_dev d;
	char err[512];
	size_t i, j;
	int rc = parse_args("detach", argc, argv, &a), k;

	if (rc >= 0)
		goto out;
	rc = session_open(&s, &a, "detach");
	if (rc >= 0)
		goto out;
	rc = EXIT_OK;
	/* Named by node path or sysfs path as recorded: the device may be gone from the host. */
	for (k = 0; k < a.ndevs && rc == EXIT_OK; k++) {
		i = named(s.e, s.n, &s.ctr, a.devs[k]);
		/* Gone from the host, detached as the session opened (one line said so): done. */
		if (i == s.n && named(s.gone, s.ngone, &s.ctr, a.devs[k]) < s.ngone)
			continue;
		if (i == s.n) {
			uev_err("detach: %s is not attached to %s", a.devs[k], s.ctr.cgroup);
			rc = EXIT_USAGE;
			break;
		}
		if (detach_one(&s, i, err, sizeof(err))) {
			uev_err("detach: %s", err);
			rc = EXIT_ENV;
		}
	}
	for (i = 0, j = 0; rc == EXIT_OK && (a.all || a.ml) && i < s.n;) {
		att_dev_of(&s.e[i], &d);
		if (strcmp(s.e[i].cgroup, s.ctr.cgroup) ||
		    (a.ml && !(d.syspath[0] && att_sys_matches_up(a.ml, d.syspath)))) {
			i++;
			continue;
		}
		if (detach_one(&s, i, err, sizeof(err))) {
			uev_err("detach: %s", err);
			rc = EXIT_ENV;
		}
		j++;
	}
	for (i = 0; a.all && i < s.ngone; i++)
		j += !strcmp(s.gone[i].cgroup, s.ctr.cgroup);
	if (rc == EXIT_OK && (a.all || a.ml) && !j && !a.ndevs) {
		uev_err("detach: nothing %sis attached to %s", a.ml ? "matching " : "",
			s.ctr.cgroup);
		rc = EXIT_USAGE;
	}
	if (save(&s, "detach", err, sizeof(err))) {
		uev_err("detach: %s", err);
		rc = EXIT_ENV;
	}
	session_close(&s);
out:
	match_list_free(a.ml);
	return rc;
}

/* The cgroup an entry's access was given in is still the container's (not one made again). */
static bool cgroup_alive(const struct att_ctr *c, const struct hotplug_entry *e)
{
	char dir[PATH_MAX];
	struct stat st;

	if (!strcmp(e->access, "v1"))
		return c->v1dir[0] && !stat(c->v1dir, &st) && st.st_ino == c->v1ino;
	if (!strcmp(e->access, "v2")) {
		snprintf(dir, sizeof(dir), "%s%s", cgroup2_mount() ?: "", c->cgroup);
		return !stat(dir, &st) && st.st_ino == c->cgroup_id;
	}
	return false;
}

/*
 * --follow's container exited (its pidfd): what this container was given is
 * taken back where its cgroup is still there (access restored, and the node
 * and remove for whatever still holds its mount and network namespaces:
 * ours does, through the fds), forgotten where the cgroup went with it. One
 * line; EXIT_OK when nothing is left, EXIT_ENV when something could not be
 * undone (said).
 */
static int follow_ended(struct att_session *s)
{
	size_t i = 0, detached = 0, forgot = 0, failed = 0;
	char err[512];

	s->lock = hotplug_lock();
	free(s->e);
	s->e = NULL;
	if (s->lock < 0 || hotplug_read(&s->e, &s->n) || att_recover(s, "attach") ||
	    att_sweep_gone(s, "attach")) {
		uev_err("attach: container %d exited; cannot read %s: its devices stay recorded",
			(int)s->ctr.pid, HOTPLUG_FILE);
		return EXIT_ENV;
	}
	while (i < s->n) {
		struct hotplug_entry e = s->e[i];

		if (strcmp(e.cgroup, s->ctr.cgroup) || e.pid != (uint32_t)s->ctr.pid) {
			i++;
			continue;
		}
		if (cgroup_alive(&s->ctr, &e)) {
			if (att_detach_entry(s, &s->ctr, i, err, sizeof(err))) {
				uev_err("attach: %s", err);
				failed++;
				i++;
				continue;
			}
			detached++;
			continue;
		}
		if (!strcmp(e.access, "v2") && att_last_v2(s->e, s->n, &e) &&
		    att_access_forget(e.cgroup, err, sizeof(err))) {
			uev_err("attach: %s", err);
			failed++;
		}
		att_drop(s, i);
		forgot++;
	}
	if (save(s, "detach", err, sizeof(err))) {
		uev_err("attach: %s", err);
		failed++;
	}
	fprintf(stderr,
		"uevscope: attach: container %d (%s) exited: %zu device%s detached, %zu forgotten "
		"with its cgroup%s; --follow ends\n",
		(int)s->ctr.pid, s->ctr.cgroup, detached, detached == 1 ? "" : "s", forgot,
		failed ? ", some not undone (above)" : "");
	return failed ? EXIT_ENV : EXIT_OK;
}

/*
 * --follow: the host's kernel uevents (group 1 of our netns), matched as they
 * come, and the container's pidfd. A remove is not taken on its word: each
 * event first detaches whatever recorded device is gone (att_sweep_gone()),
 * which the kernel's remove always is by then (device_del() drops
 * /sys/dev/TYPE/MAJ:MIN before it sends the uevent).
 */
static int follow(struct att_session *s, const struct attach_args *a)
{
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK, .nl_groups = 1};
	char buf[8192], err[512], sys[600];
	struct uevent ev;
	int sock, rcvbuf = 1 << 20;

	sock = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_KOBJECT_UEVENT);
	if (sock < 0 || setsockopt(sock, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf)) ||
	    bind(sock, (struct sockaddr *)&sa, sizeof(sa))) {
		uev_err("attach: cannot listen for uevents: %s", strerror(errno));
		if (sock >= 0)
			close(sock);
		return EXIT_ENV;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	/* Others may attach meanwhile: the lock is taken per change, not held. */
	hotplug_unlock(s->lock);
	s->lock = -1;
	fprintf(stderr, "uevscope: attach: following '%s' for %s\n", a->expr, s->ctr.cgroup);
	while (!exiting) {
		/* Without a pidfd (before 5.3) the 500 ms timeout checks the pid instead. */
		struct pollfd p[2] = {{.fd = sock, .events = POLLIN},
				      {.fd = s->ctr.pidfd, .events = POLLIN}};
		const char *action;
		struct att_dev d;
		ssize_t n;

		if (att_ctr_gone(&s->ctr)) {
			close(sock);
			return follow_ended(s);
		}
		if (poll(p, 2, 500) < 1 || !(p[0].revents & POLLIN))
			continue;
		n = recv(sock, buf, sizeof(buf) - 1, 0);
		if (n <= 0 || uevent_parse(buf, n, &ev))
			continue;
		action = ev.action;
		if (!uevent_get(&ev, "MAJOR") ||
		    (strcmp(action, "add") && strcmp(action, "remove")))
			continue;
		snprintf(sys, sizeof(sys), "/sys%s", ev.devpath);
		s->lock = hotplug_lock();
		free(s->e);
		s->e = NULL;
		if (s->lock < 0 || hotplug_read(&s->e, &s->n) || att_recover(s, "attach") ||
		    att_sweep_gone(s, "attach")) {
			uev_err("attach: cannot read %s", HOTPLUG_FILE);
			break;
		}
		free(s->gone);
		s->gone = NULL;
		s->ngone = 0;
		if (!strcmp(action, "add") && att_sys_matches_up(a->ml, sys) &&
		    !att_dev_from_sys(sys, &d, err, sizeof(err)) &&
		    (attach_one(s, &d, err, sizeof(err)) || save(s, "attach", err, sizeof(err))))
			uev_err("attach: %s", err);
		hotplug_unlock(s->lock);
		s->lock = -1;
	}
	close(sock);
	return EXIT_OK;
}
