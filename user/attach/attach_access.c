// SPDX-License-Identifier: GPL-2.0
/*
 * Device access for a hotplugged device, by the mechanism the runtime uses:
 * - cgroup v1: "TYPE MAJ:MIN rwm" into devices.allow. The entry there before
 *   (devices.list) is recorded, so detach restores it exactly: devices.deny
 *   removes only the exact exception (dev_exception_rm()), never a wildcard.
 * - cgroup v2: the runtime's cgroup/dev program denies everything it was not
 *   told about, and with BPF_F_ALLOW_MULTI any program's deny wins, so an
 *   allow of ours beside it does nothing. Its rules (the runtime's state,
 *   OCI order, last match wins) become uevscope device rules for the
 *   container's cgroup (first match wins: reversed), our allows in front;
 *   ours is attached, then the runtime's program is pinned and detached.
 *   Detach attaches it again before ours goes, so access never widens.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include "attach.h"
#include "attach_json.h"
#include "cgroupfs.h"
#include "common.h"
#include "devices/devices.h"
#include "policy_commit.h"

#define ORIG_DIR "/sys/fs/bpf/uevscope/attach"

static int write_rule(const char *dir, const char *file, char type, unsigned int maj,
		      unsigned int min, const char *acc)
{
	char fn[PATH_MAX], rule[64];
	int fd, len, rc = 0;

	snprintf(fn, sizeof(fn), "%s/%s", dir, file);
	len = snprintf(rule, sizeof(rule), "%c %u:%u %s", type, maj, min, acc);
	fd = open(fn, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, rule, len) != len)
		rc = -errno;
	if (fd >= 0)
		close(fd);
	return rc;
}

/* devices.list entry "c 1:* rwm" covers type, major, minor with the access all of rwm? */
static bool covers(const char *line, char type, unsigned int maj, unsigned int min, bool *exact,
		   char *acc, size_t acclen)
{
	char t, smaj[16], smin[16], a[8];

	*exact = false;
	if (sscanf(line, "%c %15[^:]:%15s %7s", &t, smaj, smin, a) != 4)
		return false;
	if (t != 'a' && t != type)
		return false;
	if (strcmp(smaj, "*") && strtoul(smaj, NULL, 10) != maj)
		return false;
	if (strcmp(smin, "*") && strtoul(smin, NULL, 10) != min)
		return false;
	*exact = t == type && strcmp(smaj, "*") && strcmp(smin, "*");
	if (*exact)
		snprintf(acc, acclen, "%s", a);
	return strchr(a, 'r') && strchr(a, 'w') && strchr(a, 'm');
}

/* The exact entry devices.list holds for the device now ("-" none, "all" covered by rwm). */
static int v1_prev(const struct att_ctr *c, const struct att_dev *d, char *prev, size_t prevlen,
		   char *err, size_t errlen)
{
	char fn[PATH_MAX], line[128], acc[8];
	bool exact, all = false;
	FILE *f;

	snprintf(prev, prevlen, "-");
	snprintf(fn, sizeof(fn), "%s/devices.list", c->v1dir);
	f = fopen(fn, "re");
	if (!f) {
		snprintf(err, errlen, "cannot read %s: %s", fn, strerror(errno));
		return -errno;
	}
	while (fgets(line, sizeof(line), f)) {
		if (covers(line, d->type, d->major, d->minor, &exact, acc, sizeof(acc)))
			all = true;
		if (exact)
			snprintf(prev, prevlen, "%s", acc);
	}
	fclose(f);
	/* Allowed already: leave it to the runtime, and leave it be on detach. */
	if (all)
		snprintf(prev, prevlen, "all");
	return 0;
}

static int v1_allow(const struct att_ctr *c, const struct att_dev *d, const char *prev, char *err,
		    size_t errlen)
{
	int rc;

	if (!strcmp(prev, "all"))
		return 0;
	rc = write_rule(c->v1dir, "devices.allow", d->type, d->major, d->minor, "rwm");
	if (rc)
		snprintf(err, errlen, "cannot allow %c %u:%u in %s/devices.allow: %s", d->type,
			 d->major, d->minor, c->v1dir, strerror(-rc));
	return rc;
}

static int v1_revoke(const struct att_ctr *c, const struct att_dev *d, const char *prev, char *err,
		     size_t errlen)
{
	int rc;

	if (!strcmp(prev, "all"))
		return 0;
	rc = write_rule(c->v1dir, "devices.deny", d->type, d->major, d->minor, "rwm");
	if (!rc && strcmp(prev, "-"))
		rc = write_rule(c->v1dir, "devices.allow", d->type, d->major, d->minor, prev);
	if (rc == -ENOENT) /* the cgroup went with the container */
		rc = 0;
	if (rc)
		snprintf(err, errlen, "cannot restore %c %u:%u in %s: %s", d->type, d->major,
			 d->minor, c->v1dir, strerror(-rc));
	return rc;
}

/* The cgroup/dev programs attached to the container's own cgroup; *ours counts device_policy. */
static int v2_progs(const struct att_ctr *c, uint32_t *ids, uint32_t *n, uint32_t *foreign)
{
	char dir[PATH_MAX];
	const char *root = cgroup2_mount();
	uint32_t i, cap = *n;
	int fd, rc;

	*foreign = 0;
	*n = 0;
	if (!root || !c->cgroup[0])
		return -ENOENT;
	snprintf(dir, sizeof(dir), "%s%s", root, c->cgroup);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	*n = cap;
	rc = bpf_prog_query(fd, BPF_CGROUP_DEVICE, 0, NULL, ids, n);
	close(fd);
	if (rc)
		return rc;
	for (i = 0; i < *n; i++) {
		struct bpf_prog_info info = {};
		uint32_t len = sizeof(info);
		int pfd = bpf_prog_get_fd_by_id(ids[i]);

		if (pfd >= 0 && !bpf_obj_get_info_by_fd(pfd, &info, &len) &&
		    strcmp(info.name, "device_policy")) {
			ids[*foreign] = ids[i]; /* foreign ones first */
			(*foreign)++;
		}
		if (pfd >= 0)
			close(pfd);
	}
	return 0;
}

const char *att_access_mode(const struct att_ctr *c)
{
	uint32_t ids[16], n = 16, foreign;

	if (!v2_progs(c, ids, &n, &foreign) && n)
		return "v2";
	return c->v1dir[0] ? "v1" : "open";
}

static void rule_for(const struct att_ctr *c, char type, const char *maj, const char *min,
		     const char *acc, bool allow, struct dev_rule *r)
{
	char ty[2] = {type, 0}, num[40], err[256];
	char *words[3] = {ty, num, (char *)acc};

	snprintf(num, sizeof(num), "%s:%s", maj, min);
	memset(r, 0, sizeof(*r));
	if (dev_rule_parse(c->cgroup, allow, 3, words, r, err, sizeof(err)))
		r->access = 0; /* marks it unusable */
}

/* The runtime's own rules for this container, in first-match order, default deny last. */
static int runtime_rules(const struct att_ctr *c, struct dev_rule *out, size_t max, size_t *n,
			 char *src, size_t srclen)
{
	struct att_json_dev jd[DEV_RULES_MAX];
	size_t nj = 0, i;

	if (att_runtime_devices(c->pid, c->cgroup, jd, ARRAY_SIZE(jd), &nj, src, srclen))
		return -ENOENT;
	*n = 0;
	for (i = nj; i-- > 0 && *n < max - 1;) {
		char maj[24] = "*", min[24] = "*";

		if (jd[i].major >= 0)
			snprintf(maj, sizeof(maj), "%ld", jd[i].major);
		if (jd[i].minor >= 0)
			snprintf(min, sizeof(min), "%ld", jd[i].minor);
		rule_for(c, jd[i].type, maj, min, jd[i].access, jd[i].allow, &out[*n]);
		if (!out[*n].access)
			return -EINVAL;
		(*n)++;
	}
	/* runc's and crun's programs deny what no rule allowed. */
	rule_for(c, 'a', "*", "*", "rwm", false, &out[*n]);
	if (!*n || !dev_rule_same(&out[*n - 1], &out[*n]))
		(*n)++;
	return 0;
}

/*
 * The device rules change through the policy's one commit point: its lock first, then the
 * devices lock (the order every command takes them in).
 */
static int rules_lock(struct commit *c, char *err, size_t errlen)
{
	int rc = commit_lock(c, err, errlen), lock;

	if (rc)
		return rc < 0 ? rc : -EIO;
	lock = devices_lock(err, errlen);
	if (lock < 0)
		commit_close(c);
	return lock;
}

static void rules_unlock(struct commit *c, int lock)
{
	devices_unlock(lock);
	commit_close(c);
}

static int v2_allow(const struct att_ctr *c, const struct att_dev *d, uint32_t *orig, char *err,
		    size_t errlen)
{
	static struct dev_state st;
	struct commit cm;
	struct dev_rule mine, rt[DEV_RULES_MAX];
	uint32_t ids[16], n = 16, foreign;
	char maj[16], min[16], src[PATH_MAX], pin[PATH_MAX], cgdir[PATH_MAX];
	size_t nrt = 0, i, first;
	int lock, rc, pfd = -1, cgfd = -1;

	*orig = 0;
	rc = v2_progs(c, ids, &n, &foreign);
	if (rc || foreign > 1) {
		snprintf(err, errlen,
			 "%u device programs of others on %s: cannot tell which is the runtime's",
			 foreign, c->cgroup);
		return rc ? rc : -EBUSY;
	}
	snprintf(maj, sizeof(maj), "%u", d->major);
	snprintf(min, sizeof(min), "%u", d->minor);
	rule_for(c, d->type, maj, min, "rwm", true, &mine);
	if (foreign && runtime_rules(c, rt, ARRAY_SIZE(rt), &nrt, src, sizeof(src))) {
		snprintf(err, errlen,
			 "cannot read the runtime's device rules for %s (runc state.json or crun "
			 "config.json): refusing to replace its program",
			 c->cgroup);
		return -ENOENT;
	}
	lock = rules_lock(&cm, err, errlen);
	if (lock < 0)
		return lock;
	rc = devices_read(&st, err, errlen);
	if (rc)
		goto out;
	for (first = 0; first < st.n && st.rules[first].cgroup_id != mine.cgroup_id; first++)
		;
	if (st.n + 1 + nrt > DEV_RULES_MAX) {
		snprintf(err, errlen, "no room for %zu more device rules", 1 + nrt);
		rc = -ENOSPC;
		goto out;
	}
	/* Ours first in this scope, then the runtime's, then whatever else was there. */
	memmove(&st.rules[first + 1 + nrt], &st.rules[first], (st.n - first) * sizeof(st.rules[0]));
	st.rules[first] = mine;
	for (i = 0; i < nrt; i++)
		st.rules[first + 1 + i] = rt[i];
	st.n += 1 + nrt;
	rc = devices_commit(&cm, st.rules, st.n, err, errlen);
	if (rc || !foreign)
		goto out;
	/* Ours is in force with every rule of the runtime's: now keep its program aside. */
	snprintf(cgdir, sizeof(cgdir), "%s%s", cgroup2_mount(), c->cgroup);
	pfd = bpf_prog_get_fd_by_id(ids[0]);
	cgfd = open(cgdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	mkdir(ORIG_DIR, 0700);
	snprintf(pin, sizeof(pin), ORIG_DIR "/orig-%" PRIu64, c->cgroup_id);
	rc = pfd < 0 || cgfd < 0 ? -errno : bpf_obj_pin(pfd, pin);
	if (!rc) {
		rc = bpf_prog_detach2(pfd, cgfd, BPF_CGROUP_DEVICE);
		if (rc)
			unlink(pin);
	}
	if (rc) {
		snprintf(err, errlen, "cannot set the runtime's device program %u aside: %s",
			 ids[0], strerror(-rc));
		/* Roll back: our rules of this scope go again. */
		memmove(&st.rules[first], &st.rules[first + 1 + nrt],
			(st.n - first - 1 - nrt) * sizeof(st.rules[0]));
		st.n -= 1 + nrt;
		devices_commit(&cm, st.rules, st.n, NULL, 0);
	} else {
		*orig = ids[0];
	}
out:
	if (pfd >= 0)
		close(pfd);
	if (cgfd >= 0)
		close(cgfd);
	rules_unlock(&cm, lock);
	return rc;
}

static int v2_revoke(const struct att_ctr *c, const struct att_dev *d, uint32_t orig, bool last,
		     char *err, size_t errlen)
{
	static struct dev_state st;
	struct commit cm;
	struct dev_rule mine;
	char maj[16], min[16], pin[PATH_MAX], cgdir[PATH_MAX];
	size_t i, j;
	int lock, rc, pfd, cgfd;

	snprintf(maj, sizeof(maj), "%u", d->major);
	snprintf(min, sizeof(min), "%u", d->minor);
	rule_for(c, d->type, maj, min, "rwm", true, &mine);
	if (last && orig) {
		/* The runtime's program first: from here on its rules hold again. */
		snprintf(pin, sizeof(pin), ORIG_DIR "/orig-%" PRIu64, c->cgroup_id);
		snprintf(cgdir, sizeof(cgdir), "%s%s", cgroup2_mount(), c->cgroup);
		pfd = bpf_obj_get(pin);
		cgfd = open(cgdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		rc = pfd < 0 || cgfd < 0
			 ? -errno
			 : bpf_prog_attach(pfd, cgfd, BPF_CGROUP_DEVICE, BPF_F_ALLOW_MULTI);
		if (pfd >= 0)
			close(pfd);
		if (cgfd >= 0)
			close(cgfd);
		/* ENOENT: pin or cgroup gone; EEXIST: never detached (killed before). */
		if (rc && rc != -ENOENT && rc != -EEXIST) {
			snprintf(err, errlen,
				 "cannot attach the runtime's device program again: %s",
				 strerror(-rc));
			return rc;
		}
		unlink(pin);
		rmdir(ORIG_DIR);
	}
	lock = rules_lock(&cm, err, errlen);
	if (lock < 0)
		return lock;
	rc = devices_read(&st, err, errlen);
	for (i = j = 0; !rc && i < st.n; i++) {
		bool drop = st.rules[i].cgroup_id == mine.cgroup_id &&
			    (last || dev_rule_same(&st.rules[i], &mine));

		if (!drop)
			st.rules[j++] = st.rules[i];
		else if (!last)
			mine.cgroup_id = 0; /* only the first such allow */
	}
	if (!rc) {
		st.n = j;
		rc = devices_commit(&cm, st.rules, st.n, err, errlen);
	}
	rules_unlock(&cm, lock);
	return rc;
}

int att_access_forget(const char *cgroup, char *err, size_t errlen)
{
	static struct dev_state st;
	struct commit cm;
	char pin[PATH_MAX];
	uint64_t id = 0;
	size_t i, j;
	int lock, rc;

	lock = rules_lock(&cm, err, errlen);
	if (lock < 0)
		return lock;
	rc = devices_read(&st, err, errlen);
	for (i = j = 0; !rc && i < st.n; i++) {
		if (strcmp(st.rules[i].cgroup, cgroup))
			st.rules[j++] = st.rules[i];
		else
			id = st.rules[i].cgroup_id;
	}
	if (!rc && j < st.n) {
		st.n = j;
		rc = devices_commit(&cm, st.rules, st.n, err, errlen);
	}
	rules_unlock(&cm, lock);
	if (id) {
		snprintf(pin, sizeof(pin), ORIG_DIR "/orig-%" PRIu64, id);
		unlink(pin);
		rmdir(ORIG_DIR);
	}
	return rc;
}

int att_access_plan(const struct att_ctr *c, const struct att_dev *d, char *how, size_t howlen,
		    char *prev, size_t prevlen, char *err, size_t errlen)
{
	const char *mode = att_access_mode(c);

	snprintf(how, howlen, "%s", mode);
	snprintf(prev, prevlen, "-");
	if (!strcmp(mode, "v1"))
		return v1_prev(c, d, prev, prevlen, err, errlen);
	if (!strcmp(mode, "v2"))
		return 0;
	snprintf(err, errlen,
		 "container %d has no device control to open: no devices controller (cgroup v1) "
		 "and no cgroup/dev program (cgroup v2) on its cgroup %s",
		 (int)c->pid, c->cgroup);
	return -EOPNOTSUPP;
}

int att_access_allow(const struct att_ctr *c, const struct att_dev *d, const char *how,
		     const char *prev, uint32_t *orig, char *err, size_t errlen)
{
	*orig = 0;
	if (!strcmp(how, "v2"))
		return v2_allow(c, d, orig, err, errlen);
	return v1_allow(c, d, prev, err, errlen);
}

bool att_access_pinned(uint64_t cgroup_id)
{
	char pin[PATH_MAX];

	snprintf(pin, sizeof(pin), ORIG_DIR "/orig-%" PRIu64, cgroup_id);
	return !access(pin, F_OK);
}

int att_access_revoke(const struct att_ctr *c, const struct att_dev *d, const char *how,
		      const char *prev, uint32_t orig, bool last_v2, char *err, size_t errlen)
{
	if (!strcmp(how, "v2"))
		return v2_revoke(c, d, orig, last_v2, err, errlen);
	if (!strcmp(how, "v1"))
		return v1_revoke(c, d, prev, err, errlen);
	return 0;
}
