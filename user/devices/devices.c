// SPDX-License-Identifier: GPL-2.0
/*
 * Device policy state in bpffs: the maps of bpf/devices.bpf.c pinned under
 * DEV_PIN_DIR, and one cgroup/dev attachment per scope cgroup pinned there as
 * link-<cgroup id> (a bpf_link, kernel 5.7+) or prog-<cgroup id> (a program
 * attached with BPF_PROG_ATTACH and BPF_F_ALLOW_MULTI, the fallback). Pins keep
 * the programs in force after uevscope exits, so nothing here runs for long.
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
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "cgroupfs.h"
#include "common.h"
#include "fault.h"
#include "policy_commit.h"
#include "devices.h"
#include "devices_pins.h"

const char *devices_hook = "link";

int devices_lock(char *err, size_t errlen)
{
	/* bpffs holds no regular files, so the lock lives in /run (tmpfs, root only). */
	const char *path = access("/run/lock", W_OK) ? "/run/uevscope-devices.lock"
						     : "/run/lock/uevscope-devices.lock";
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

	if (fd < 0 || flock(fd, LOCK_EX)) {
		int e = errno;

		snprintf(err, errlen, "cannot lock %s: %s", path, strerror(e));
		if (fd >= 0)
			close(fd);
		return -e;
	}
	return fd;
}

void devices_unlock(int fd)
{
	if (fd >= 0)
		close(fd); /* drops the flock */
}

/* The distinct scope cgroups of a rule set, in first-use order. */
struct scope_set {
	const struct dev_rule *first[DEV_SCOPES_MAX];
	size_t n;
};

static int collect_scopes(const struct dev_rule *rules, size_t n, struct scope_set *ss, char *err,
			  size_t errlen)
{
	size_t i, j;

	ss->n = 0;
	for (i = 0; i < n; i++) {
		for (j = 0; j < ss->n && ss->first[j]->cgroup_id != rules[i].cgroup_id; j++)
			;
		if (j < ss->n)
			continue;
		if (ss->n == DEV_SCOPES_MAX) {
			snprintf(err, errlen, "too many cgroups with device rules (at most %d)",
				 DEV_SCOPES_MAX);
			return -E2BIG;
		}
		ss->first[ss->n++] = &rules[i];
	}
	return 0;
}

/* Copies the per-CPU counters of one slot to another (the new generation's). */
static void carry_counter(int fd, uint32_t from, uint32_t to)
{
	int ncpu = libbpf_num_possible_cpus();
	struct dev_counter *v;

	if (ncpu <= 0)
		return;
	v = calloc(ncpu, sizeof(*v));
	if (!v)
		return;
	if (from != UINT32_MAX && bpf_map_lookup_elem(fd, &from, v))
		memset(v, 0, ncpu * sizeof(*v));
	bpf_map_update_elem(fd, &to, v, BPF_ANY);
	free(v);
}

/*
 * Writes the rules into generation next, which is not in force until the commit
 * (policy_commit.h) flips to it. Counters of rules that stay are carried over; a
 * check that lands between the copy and the flip (microseconds) is counted in the
 * old slot only.
 */
static int write_policy(const struct dev_maps *m, const struct dev_rule *rules, size_t n,
			unsigned int next, char *err, size_t errlen)
{
	struct dev_policy_cfg cfg = {};
	struct dev_rule_bpf old[DEV_RULES_MAX], nr;
	uint32_t zero = 0, cur = next ^ 1, slot, i, j, nold;

	if (bpf_map_lookup_elem(m->cfg, &zero, &cfg))
		memset(&cfg, 0, sizeof(cfg));
	nold = cfg.nrules[cur] < DEV_RULES_MAX ? cfg.nrules[cur] : DEV_RULES_MAX;
	for (j = 0; j < nold; j++) {
		slot = cur * DEV_RULES_MAX + j;
		if (bpf_map_lookup_elem(m->rules, &slot, &old[j]))
			memset(&old[j], 0, sizeof(old[j]));
	}
	for (i = 0; i < n; i++) {
		dev_rule_to_bpf(&rules[i], &nr);
		slot = next * DEV_RULES_MAX + i;
		if (bpf_map_update_elem(m->rules, &slot, &nr, BPF_ANY)) {
			snprintf(err, errlen, "cannot write rule %u: %s", i + 1, strerror(errno));
			return -errno;
		}
		for (j = 0; j < nold && memcmp(&old[j], &nr, sizeof(nr)); j++)
			;
		carry_counter(m->counters, j < nold ? cur * DEV_RULES_MAX + j : UINT32_MAX, slot);
	}
	/* policy_cfg.active is no longer read: ucommit.active names the generation. */
	cfg.active = next;
	cfg.nrules[next] = n;
	cfg.generation++;
	if (bpf_map_update_elem(m->cfg, &zero, &cfg, BPF_ANY)) {
		snprintf(err, errlen, "cannot write the policy: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

/* Adds the paths of the new scopes for list; the old ones go after the commit. */
static void add_scopes(const struct dev_maps *m, const struct scope_set *ss)
{
	struct dev_scope sc;
	size_t i;

	for (i = 0; i < ss->n; i++) {
		memset(&sc, 0, sizeof(sc));
		snprintf(sc.path, sizeof(sc.path), "%s", ss->first[i]->cgroup);
		sc.cgroup_id = ss->first[i]->cgroup_id;
		bpf_map_update_elem(m->scopes, &sc.cgroup_id, &sc, BPF_ANY);
	}
}

static bool in_ids(const uint64_t *ids, size_t n, uint64_t id)
{
	size_t i;

	for (i = 0; i < n && ids[i] != id; i++)
		;
	return i < n;
}

/* Detaches the programs of cgroups that have no rule in keep, and forgets their paths. */
static void drop_scopes(const uint64_t *keep, size_t nkeep)
{
	struct dev_maps m = {.cfg = -1, .rules = -1, .counters = -1, .scopes = -1};
	uint64_t attached[DEV_SCOPES_MAX * 2], key, next, *prev = NULL;
	size_t n = 0, i;
	char err[256];

	if (!dev_pins_attached(attached, ARRAY_SIZE(attached), &n, err, sizeof(err)))
		for (i = 0; i < n; i++)
			if (!in_ids(keep, nkeep, attached[i]))
				dev_pins_detach(attached[i]);
	if (dev_maps_open(&m, err, sizeof(err)))
		return;
	while (!bpf_map_get_next_key(m.scopes, prev, &next)) {
		if (!in_ids(keep, nkeep, next) && !bpf_map_delete_elem(m.scopes, &next))
			continue; /* deleted: the same prev still leads to the next one */
		key = next;
		prev = &key;
	}
	dev_maps_close(&m);
}

int devices_prepare(struct dev_txn *t, const struct dev_rule *rules, size_t n, unsigned int next,
		    char *err, size_t errlen)
{
	static struct dev_state cur;
	struct dev_maps m = {.cfg = -1, .rules = -1, .counters = -1, .scopes = -1};
	struct scope_set ss;
	size_t i;
	int rc;

	memset(t, 0, sizeof(*t));
	if (!rules) {
		/* A filter change: the device rules in force, copied into generation next. */
		rc = devices_read(&cur, err, errlen);
		if (rc || !cur.present)
			return rc;
		rules = cur.rules;
		n = cur.n;
	}
	if (n > DEV_RULES_MAX) {
		snprintf(err, errlen, "too many device rules: %zu (at most %d)", n, DEV_RULES_MAX);
		return -E2BIG;
	}
	rc = collect_scopes(rules, n, &ss, err, errlen);
	if (rc)
		return rc;
	for (i = 0; i < ss.n; i++)
		t->keep[t->nkeep++] = ss.first[i]->cgroup_id;
	if (!n && access(DEV_PIN_DIR, F_OK))
		return 0; /* none before, none after */
	t->active = true;
	t->remove_all = !n;
	rc = dev_pins_prepare(err, errlen);
	if (rc)
		return rc;
	rc = dev_pins_attached(t->attached, DEV_SCOPES_MAX, &t->nattached, err, errlen);
	if (rc)
		return rc;
	/* New attachments first: the rules in force have none for them, so they allow. */
	for (i = 0; i < ss.n; i++) {
		if (in_ids(t->attached, t->nattached, ss.first[i]->cgroup_id))
			continue;
		rc = fault_point("devices-attach") ?: dev_pins_attach(ss.first[i], err, errlen);
		if (rc)
			return rc;
		t->added[t->nadded++] = ss.first[i]->cgroup_id;
	}
	if (fault_point("devices-write")) {
		snprintf(err, errlen, "cannot write the device rules: %s", strerror(EIO));
		return -EIO;
	}
	rc = dev_maps_open(&m, err, errlen);
	if (rc)
		return rc;
	add_scopes(&m, &ss);
	rc = write_policy(&m, rules, n, next, err, errlen);
	dev_maps_close(&m);
	return rc;
}

void devices_abort(struct dev_txn *t)
{
	size_t i;

	for (i = 0; i < t->nadded; i++)
		dev_pins_detach(t->added[i]);
	if (t->active && !t->nattached)
		dev_pins_remove_all(NULL, 0); /* there was nothing before */
}

void devices_finish(struct dev_txn *t)
{
	if (!t->active)
		return;
	if (t->remove_all)
		dev_pins_remove_all(NULL, 0);
	else
		drop_scopes(t->keep, t->nkeep);
}

void devices_repair(void)
{
	static struct dev_state cur;
	uint64_t keep[DEV_SCOPES_MAX];
	size_t nkeep = 0, i;
	char err[256];

	if (access(DEV_PIN_DIR, F_OK) || devices_read(&cur, err, sizeof(err)))
		return;
	if (!cur.n) {
		dev_pins_remove_all(NULL, 0);
		return;
	}
	for (i = 0; i < cur.n; i++)
		if (!in_ids(keep, nkeep, cur.rules[i].cgroup_id) && nkeep < DEV_SCOPES_MAX)
			keep[nkeep++] = cur.rules[i].cgroup_id;
	drop_scopes(keep, nkeep);
}

int devices_commit(struct commit *c, const struct dev_rule *rules, size_t n, char *err,
		   size_t errlen)
{
	struct dev_txn t;
	int rc;

	rc = commit_begin(c, err, errlen);
	if (rc)
		return rc;
	rc = devices_prepare(&t, rules, n, c->next, err, errlen);
	if (!rc)
		rc = filter_state_copy_half(c->next, err, errlen);
	if (!rc)
		rc = commit_flip(c, err, errlen);
	if (rc) {
		devices_abort(&t);
		commit_end(c);
		return rc;
	}
	fault_point("cleanup");
	devices_finish(&t);
	commit_end(c);
	return 0;
}

int devices_read(struct dev_state *st, char *err, size_t errlen)
{
	struct dev_maps m = {.cfg = -1, .rules = -1, .counters = -1, .scopes = -1};
	int ncpu = libbpf_num_possible_cpus(), rc;
	uint64_t attached[DEV_SCOPES_MAX];
	size_t nattached;
	struct dev_counter *v = NULL;
	struct dev_policy_cfg cfg;
	struct dev_rule_bpf rb;
	struct dev_scope sc;
	uint32_t zero = 0, gen, slot, i;
	int c;

	memset(st, 0, sizeof(*st));
	if (access(DEV_PIN_DIR, F_OK))
		return 0;
	rc = dev_maps_open(&m, err, errlen);
	/* A first run killed while pinning its maps left some: no program, so no policy yet. */
	if (rc == -ENOENT &&
	    !dev_pins_attached(attached, ARRAY_SIZE(attached), &nattached, err, errlen) &&
	    !nattached)
		return 0;
	if (rc)
		return rc;
	st->present = true;
	v = calloc(ncpu > 0 ? ncpu : 1, sizeof(*v));
	if (!v || bpf_map_lookup_elem(m.cfg, &zero, &cfg)) {
		snprintf(err, errlen, "cannot read %s/policy_cfg: %s", DEV_PIN_DIR,
			 strerror(errno));
		rc = -EIO;
		goto out;
	}
	gen = commit_active();
	st->generation = cfg.generation;
	st->n = cfg.nrules[gen] < DEV_RULES_MAX ? cfg.nrules[gen] : DEV_RULES_MAX;
	for (i = 0; i < st->n; i++) {
		struct dev_rule *r = &st->rules[i];

		slot = gen * DEV_RULES_MAX + i;
		if (bpf_map_lookup_elem(m.rules, &slot, &rb)) {
			snprintf(err, errlen, "cannot read rule %u: %s", i + 1, strerror(errno));
			rc = -EIO;
			goto out;
		}
		r->cgroup_id = rb.cgroup_id;
		r->major = rb.major;
		r->minor = rb.minor;
		r->access = rb.access;
		r->allow = rb.allow;
		r->type = rb.types == DEV_TYPE_CHAR ? 'c' : rb.types == DEV_TYPE_BLOCK ? 'b' : 'a';
		if (!bpf_map_lookup_elem(m.scopes, &rb.cgroup_id, &sc))
			snprintf(r->cgroup, sizeof(r->cgroup), "%s", sc.path);
		else
			snprintf(r->cgroup, sizeof(r->cgroup), "cgroup-id:%" PRIu64,
				 (uint64_t)rb.cgroup_id);
		if (bpf_map_lookup_elem(m.counters, &slot, v))
			continue;
		for (c = 0; c < ncpu; c++) {
			r->allowed += v[c].allowed;
			r->denied += v[c].denied;
		}
	}
	slot = 2 * DEV_RULES_MAX;
	if (!bpf_map_lookup_elem(m.counters, &slot, v))
		for (c = 0; c < ncpu; c++)
			st->undecided += v[c].allowed;
out:
	free(v);
	dev_maps_close(&m);
	return rc;
}
