// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "attach.h"
#include "common.h"
#include "fault.h"
#include "filter_state.h"
#include "policy_commit.h"
#include "probe.h"
#include "filter.skel.h"
#include "filter_bounded.skel.h"

#define PIN_ROOT     "/sys/fs/bpf/uevscope"
#define PIN_PROG     FILTER_PIN_DIR "/sockfilter"
#define PIN_LSM_LINK FILTER_PIN_DIR "/lsm_link"
#define PIN_CONFIG   FILTER_PIN_DIR "/fconfig"

static const char *const pinned_maps[] = {"fconfig", "frules",	  "fstats",
					  "fsocks",  "fcounters", "fwatch"};

bool filter_state_exists(void)
{
	return access(PIN_CONFIG, F_OK) == 0;
}

/* bpffs must be mounted for pins; the common brief's hosts have it, a bare VM may not. */
static int ensure_bpffs(char *err, size_t errlen)
{
	struct statfs sfs;

	if (!statfs("/sys/fs/bpf", &sfs) && sfs.f_type == BPF_FS_MAGIC)
		return 0;
	if (mount("bpf", "/sys/fs/bpf", "bpf", 0, NULL)) {
		snprintf(err, errlen,
			 "bpffs is not mounted at /sys/fs/bpf and mounting it failed: %s",
			 strerror(errno));
		return -errno;
	}
	return 0;
}

/* The config of the generation in force (ucommit.active names it). */
static int read_config_fd(int fd, struct filter_config *cfg)
{
	__u32 gen = commit_active();

	return bpf_map_lookup_elem(fd, &gen, cfg) ? -errno : 0;
}

static int read_config(struct filter_config *cfg)
{
	int fd = bpf_obj_get(PIN_CONFIG), ret;

	if (fd < 0)
		return -errno;
	ret = read_config_fd(fd, cfg);
	close(fd);
	return ret;
}

/* The evaluator's two builds own no programs of their own: they pick the object. */
static const struct tier_progs filter_tiers[] = {
    {PROBE_LSM_SOCKET_SOCK_RCV_SKB, {"uev_lsm_rcv"}},
    {PROBE_SOCKET_FILTER_NETLINK_UEVENT, {"uev_sock_filter"}},
    {PROBE_EVAL_BPF_LOOP, {NULL}},
    {PROBE_EVAL_BOUNDED, {NULL}},
};

/* --tier for the next policy made: one tier per job (enforce, evaluate), or NULL. */
static const char *force_enforce, *force_eval;

int filter_state_force_tier(const char *name)
{
	const char **slot;

	if (attach_tier_known(filter_tiers, ARRAY_SIZE(filter_tiers), PLAN_FILTER, name))
		slot = &force_enforce;
	else if (attach_tier_known(filter_tiers, ARRAY_SIZE(filter_tiers), PLAN_FILTER_EVAL, name))
		slot = &force_eval;
	else
		return -EINVAL;
	if (*slot)
		return -EEXIST;
	*slot = name;
	return 0;
}

const char *filter_state_eval_name(const struct filter_state *st)
{
	return probe_name(st->eval == PROBE_EVAL_BOUNDED ? PROBE_EVAL_BOUNDED
							 : PROBE_EVAL_BPF_LOOP);
}

/*
 * The filter object, from the build of the evaluator being tried (st->eval): both builds have
 * the same maps and programs by name, so filter.skel.h binds either; only the ELF bytes differ.
 */
static struct filter_bpf *filter_open_build(const struct bpf_object_open_opts *opts, bool bounded)
{
	struct filter_bpf *obj = calloc(1, sizeof(*obj));
	int err;

	if (!obj) {
		errno = ENOMEM;
		return NULL;
	}
	err = filter_bpf__create_skeleton(obj);
	if (!err && bounded)
		obj->skeleton->data =
		    (void *)filter_bounded_bpf__elf_bytes(&obj->skeleton->data_sz);
	if (!err)
		err = bpf_object__open_skeleton(obj->skeleton, opts);
	if (err) {
		filter_bpf__destroy(obj);
		errno = -err;
		return NULL;
	}
	return obj;
}

static struct bpf_object_skeleton *open_filter(void *ctx)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = FILTER_PIN_DIR);
	struct filter_state *st = ctx;

	st->skel = filter_open_build(&opts, st->eval == PROBE_EVAL_BOUNDED);
	if (!st->skel)
		return NULL;
	/* Shared with the device program: pinned beside both directories. */
	bpf_map__set_pin_path(st->skel->maps.ucommit, COMMIT_PIN);
	return st->skel->skeleton;
}

static void close_filter(void *ctx)
{
	struct filter_state *st = ctx;

	filter_bpf__destroy(st->skel);
	st->skel = NULL;
}

/*
 * The first rule decides the tier for the policy's whole life (until flush):
 * loaded and, for the LSM, attached here (the skeleton leaves a socket filter
 * to SO_ATTACH_BPF).
 */
/* open_filter() of a choice in progress: the evaluator build of the combination tried. */
static struct bpf_object_skeleton *open_filter_trying(void *ctx)
{
	struct filter_state *st = ctx;

	st->eval = probe_id_by_name(st->eval_job->tier);
	return open_filter(ctx);
}

static int choose_tier(struct filter_state *st, char *err, size_t errlen)
{
	/* The hook varies slowest: LSM with either evaluator before a socket filter. */
	struct attach_job jobs[2] = {
	    {.plan = PLAN_FILTER, .force = force_enforce},
	    {.plan = PLAN_FILTER_EVAL, .force = force_eval},
	};
	const struct attach_obj obj =
	    ATTACH_OBJ("filter", filter_tiers, open_filter_trying, close_filter, st);
	int ret;

	st->eval_job = &jobs[1];
	ret = attach_load(&obj, jobs, 2);
	st->eval_job = NULL;
	if (ret) {
		snprintf(err, errlen,
			 "this kernel refuses both BPF LSM and socket filters (%s%s%s)",
			 jobs[0].why[0] ? jobs[0].why : "no tier", jobs[1].why[0] ? "; " : "",
			 jobs[1].why);
		return ret;
	}
	st->tier = probe_id_by_name(jobs[0].tier) == PROBE_LSM_SOCKET_SOCK_RCV_SKB
		       ? FILTER_TIER_LSM
		       : FILTER_TIER_SOCKET;
	st->eval = probe_id_by_name(jobs[1].tier);
	return 0;
}

/* A policy already loaded: its maps, and the tier's program only if its pin went missing. */
static int load_existing(struct filter_state *st, char *err, size_t errlen)
{
	int ret;

	/* A program reloaded for a lost pin: the build the policy was made with. */
	st->eval = st->cfg.eval == FILTER_EVAL_BOUNDED ? PROBE_EVAL_BOUNDED : PROBE_EVAL_BPF_LOOP;
	if (!open_filter(st)) {
		snprintf(err, errlen, "cannot open the filter BPF object: %s", strerror(errno));
		return -errno;
	}
	bpf_program__set_autoload(st->skel->progs.uev_sock_filter,
				  st->tier == FILTER_TIER_SOCKET && access(PIN_PROG, F_OK));
	bpf_program__set_autoload(st->skel->progs.uev_lsm_rcv,
				  st->tier == FILTER_TIER_LSM && access(PIN_LSM_LINK, F_OK));
	ret = filter_bpf__load(st->skel);
	if (ret) {
		snprintf(err, errlen, "cannot load the filter programs and maps: %s (-v says more)",
			 strerror(-ret));
		return ret;
	}
	return 0;
}

/* Pins what was loaded (program or LSM link), and writes a fresh policy's config. */
static int finish_load(struct filter_state *st, bool fresh, char *err, size_t errlen)
{
	bool need_prog = bpf_program__autoload(st->skel->progs.uev_sock_filter);
	bool need_lsm = bpf_program__autoload(st->skel->progs.uev_lsm_rcv);
	struct bpf_link *link = st->skel->links.uev_lsm_rcv;
	__u32 gen;
	int ret;

	if (fresh) {
		/* Both generations empty; the one in force is read back. */
		memset(&st->cfg, 0, sizeof(st->cfg));
		st->cfg.tier = st->tier;
		st->cfg.eval =
		    st->eval == PROBE_EVAL_BOUNDED ? FILTER_EVAL_BOUNDED : FILTER_EVAL_BPF_LOOP;
		st->cfg.next_id = 1;
		for (gen = 0; gen < 2; gen++) {
			st->cfg.active = gen;
			if (bpf_map__update_elem(st->skel->maps.fconfig, &gen, sizeof(gen),
						 &st->cfg, sizeof(st->cfg), 0))
				return -errno;
		}
		if (read_config_fd(bpf_map__fd(st->skel->maps.fconfig), &st->cfg))
			return -errno;
	}
	if (need_prog && bpf_program__pin(st->skel->progs.uev_sock_filter, PIN_PROG)) {
		snprintf(err, errlen, "cannot pin %s: %s", PIN_PROG, strerror(errno));
		return -errno;
	}
	if (need_lsm) {
		if (!link)
			link = st->skel->links.uev_lsm_rcv =
			    bpf_program__attach_lsm(st->skel->progs.uev_lsm_rcv);
		if (!link || bpf_link__pin(link, PIN_LSM_LINK)) {
			ret = -errno;
			snprintf(err, errlen, "cannot attach lsm/socket_sock_rcv_skb: %s",
				 strerror(errno));
			return ret;
		}
		/* The pin keeps it attached after we exit. */
		bpf_link__disconnect(link);
	}
	if (st->tier == FILTER_TIER_SOCKET) {
		st->prog_fd = bpf_obj_get(PIN_PROG);
		if (st->prog_fd < 0) {
			snprintf(err, errlen, "cannot open %s: %s", PIN_PROG, strerror(errno));
			return -errno;
		}
	}
	return 0;
}

int filter_state_open(struct filter_state *st, bool create, char *err, size_t errlen)
{
	bool fresh = false;
	int ret;

	memset(st, 0, sizeof(*st));
	st->prog_fd = -1;
	mkdir("/run/lock", 0755); /* a bare initramfs has /run only */
	st->lock_fd = open(FILTER_LOCK_FILE, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (st->lock_fd < 0 || flock(st->lock_fd, LOCK_EX)) {
		snprintf(err, errlen, "cannot lock %s: %s", FILTER_LOCK_FILE, strerror(errno));
		return -errno;
	}
	ret = ensure_bpffs(err, errlen);
	if (ret)
		goto fail;
	ret = read_config(&st->cfg);
	if (ret && !create) {
		snprintf(err, errlen, "no filter policy is loaded (nothing pinned at %s)",
			 FILTER_PIN_DIR);
		ret = -ENOENT;
		goto fail;
	}
	if (ret) {
		fresh = true;
		mkdir(PIN_ROOT, 0700);
		if (mkdir(FILTER_PIN_DIR, 0700) && errno != EEXIST) {
			ret = -errno;
			snprintf(err, errlen, "cannot create %s: %s", FILTER_PIN_DIR,
				 strerror(errno));
			goto fail;
		}
		ret = choose_tier(st, err, errlen);
	} else {
		st->tier = st->cfg.tier;
		ret = load_existing(st, err, errlen);
	}
	if (ret)
		goto fail;
	st->tier_name = st->tier == FILTER_TIER_LSM ? "lsm/socket_sock_rcv_skb"
						    : "socket_filter (SO_ATTACH_BPF)";
	ret = finish_load(st, fresh, err, errlen);
	if (ret)
		goto fail;
	return 0;
fail:
	if (fresh)
		filter_state_unpin(); /* nothing half-made stays behind */
	filter_state_close(st);
	return ret < 0 ? ret : -EIO;
}

void filter_state_close(struct filter_state *st)
{
	if (st->prog_fd >= 0)
		close(st->prog_fd);
	filter_bpf__destroy(st->skel);
	st->skel = NULL;
	if (st->lock_fd >= 0)
		close(st->lock_fd); /* drops the flock */
	st->lock_fd = -1;
	st->prog_fd = -1;
}

void filter_state_read_set(const struct filter_state *st, struct filter_set *set)
{
	__u32 active = st->cfg.active & 1, i, slot;

	memset(set, 0, sizeof(*set));
	set->nrules = st->cfg.nrules[active];
	set->nkeys = st->cfg.nkeys[active];
	memcpy(set->keys, st->cfg.keys[active], sizeof(set->keys));
	for (i = 0; i < set->nrules; i++) {
		slot = active * FILTER_MAX_RULES + i;
		bpf_map__lookup_elem(st->skel->maps.frules, &slot, sizeof(slot), &set->rules[i],
				     sizeof(set->rules[i]), 0);
	}
}

static int zero_stats(const struct filter_state *st, __u32 id)
{
	int ncpus = libbpf_num_possible_cpus();
	struct filter_rule_stats *zero = calloc(ncpus, sizeof(*zero));
	int ret;

	if (!zero)
		return -ENOMEM;
	ret = bpf_map__update_elem(st->skel->maps.fstats, &id, sizeof(id), zero,
				   ncpus * sizeof(*zero), BPF_NOEXIST);
	free(zero);
	return ret && errno != EEXIST ? -errno : 0;
}

static bool set_has(const struct filter_set *set, __u32 id)
{
	unsigned int i;

	for (i = 0; i < set->nrules; i++)
		if (set->rules[i].id == id)
			return true;
	return false;
}

int filter_state_write(struct filter_state *st, const struct filter_set *set, unsigned int next,
		       char *err, size_t errlen)
{
	struct filter_config cfg = st->cfg;
	struct filter_rule empty = {};
	__u32 i, slot;

	if (fault_point("filter-write")) {
		errno = EIO;
		goto fail;
	}
	for (i = 0; i < set->nrules; i++)
		if (zero_stats(st, set->rules[i].id))
			goto fail;
	for (i = 0; i < FILTER_MAX_RULES; i++) {
		slot = next * FILTER_MAX_RULES + i;
		if (bpf_map__update_elem(st->skel->maps.frules, &slot, sizeof(slot),
					 i < set->nrules ? &set->rules[i] : &empty, sizeof(empty),
					 0))
			goto fail;
	}
	/* The config of generation next; ucommit.active says which one is in force. */
	cfg.active = next;
	cfg.nrules[next] = set->nrules;
	cfg.nkeys[next] = set->nkeys;
	memcpy(cfg.keys[next], set->keys, sizeof(set->keys));
	for (i = 0; i < set->nrules; i++)
		if (set->rules[i].id >= cfg.next_id)
			cfg.next_id = set->rules[i].id + 1;
	if (bpf_map__update_elem(st->skel->maps.fconfig, &next, sizeof(next), &cfg, sizeof(cfg), 0))
		goto fail;
	return 0;
fail:
	snprintf(err, errlen, "cannot update the pinned filter maps: %s", strerror(errno));
	return -errno;
}

/*
 * Empties both generations, for a flush that has committed the empty set. The maps outlive
 * their pins wherever our program does: on a socket locked with --lock, and under BPF LSM
 * until the kernel has released the unpinned link (5.10 does that seconds later, after RCU
 * tasks grace periods; a root process holding the link open keeps it for as long as it
 * likes). That program goes on reading the shared ucommit, which the device rules go on
 * flipping: left as it was, the next device change made the flushed rules' generation the
 * active one again, in force with no listing showing them.
 */
int filter_state_empty(struct filter_state *st, char *err, size_t errlen)
{
	struct filter_rule empty = {};
	struct filter_config cfg;
	__u32 g, slot;

	for (g = 0; g < 2; g++) {
		if (bpf_map__lookup_elem(st->skel->maps.fconfig, &g, sizeof(g), &cfg, sizeof(cfg),
					 0))
			goto fail;
		memset(cfg.nrules, 0, sizeof(cfg.nrules));
		memset(cfg.nkeys, 0, sizeof(cfg.nkeys));
		memset(cfg.keys, 0, sizeof(cfg.keys));
		if (bpf_map__update_elem(st->skel->maps.fconfig, &g, sizeof(g), &cfg, sizeof(cfg),
					 0))
			goto fail;
	}
	/* No config counts a rule now; the rules themselves go too. */
	for (slot = 0; slot < 2 * FILTER_MAX_RULES; slot++)
		if (bpf_map__update_elem(st->skel->maps.frules, &slot, sizeof(slot), &empty,
					 sizeof(empty), 0))
			goto fail;
	return 0;
fail:
	snprintf(err, errlen, "cannot empty the unpinned filter maps: %s", strerror(errno));
	return -errno;
}

void filter_state_committed(struct filter_state *st, const struct filter_set *old,
			    const struct filter_set *set)
{
	__u32 i, gen = commit_active();

	bpf_map__lookup_elem(st->skel->maps.fconfig, &gen, sizeof(gen), &st->cfg, sizeof(st->cfg),
			     0);
	for (i = 0; i < old->nrules; i++)
		if (!set_has(set, old->rules[i].id))
			bpf_map__delete_elem(st->skel->maps.fstats, &old->rules[i].id,
					     sizeof(__u32), 0);
}

int filter_state_rule_stats(const struct filter_state *st, __u32 id, __u64 *allowed, __u64 *denied)
{
	int ncpus = libbpf_num_possible_cpus(), i;
	struct filter_rule_stats *v = calloc(ncpus, sizeof(*v));

	*allowed = *denied = 0;
	if (!v)
		return -ENOMEM;
	if (bpf_map__lookup_elem(st->skel->maps.fstats, &id, sizeof(id), v, ncpus * sizeof(*v),
				 0)) {
		free(v);
		return -errno;
	}
	for (i = 0; i < ncpus; i++) {
		*allowed += v[i].allowed;
		*denied += v[i].denied;
	}
	free(v);
	return 0;
}

void filter_state_counters(const struct filter_state *st, __u64 out[FILTER_CNT_MAX])
{
	int ncpus = libbpf_num_possible_cpus(), i;
	__u64 *v = calloc(ncpus, sizeof(*v));
	__u32 idx;

	for (idx = 0; idx < FILTER_CNT_MAX; idx++) {
		out[idx] = 0;
		if (!v || bpf_map__lookup_elem(st->skel->maps.fcounters, &idx, sizeof(idx), v,
					       ncpus * sizeof(*v), 0))
			continue;
		for (i = 0; i < ncpus; i++)
			out[idx] += v[i];
	}
	free(v);
}

int filter_state_watch_get(const struct filter_state *st, struct filter_watch_stats *w)
{
	__u32 zero = 0;

	return bpf_map__lookup_elem(st->skel->maps.fwatch, &zero, sizeof(zero), w, sizeof(*w), 0);
}

int filter_state_watch_put(const struct filter_state *st, const struct filter_watch_stats *w)
{
	__u32 zero = 0;

	return bpf_map__update_elem(st->skel->maps.fwatch, &zero, sizeof(zero), w, sizeof(*w), 0);
}

int filter_state_fsocks_fd(const struct filter_state *st)
{
	return bpf_map__fd(st->skel->maps.fsocks);
}

void filter_state_unpin(void)
{
	char path[128];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(pinned_maps); i++) {
		snprintf(path, sizeof(path), FILTER_PIN_DIR "/%s", pinned_maps[i]);
		unlink(path);
	}
	/* Unpinning the link detaches the LSM program once our own fds are gone. */
	unlink(PIN_LSM_LINK);
	unlink(PIN_PROG);
	rmdir(FILTER_PIN_DIR);
	commit_unpin_if_unused(); /* and the root, unless the devices policy still has pins */
}

void filter_state_unlock(struct filter_state *st)
{
	flock(st->lock_fd, LOCK_UN);
}

int filter_state_relock(struct filter_state *st)
{
	if (flock(st->lock_fd, LOCK_EX))
		return -errno;
	return read_config_fd(bpf_map__fd(st->skel->maps.fconfig), &st->cfg);
}

bool filter_state_current(const struct filter_state *st)
{
	struct bpf_map_info a = {}, b = {};
	__u32 la = sizeof(a), lb = sizeof(b);
	int fd = bpf_obj_get(PIN_CONFIG);
	bool same;

	if (fd < 0)
		return false;
	same = !bpf_obj_get_info_by_fd(fd, &a, &la) &&
	       !bpf_obj_get_info_by_fd(bpf_map__fd(st->skel->maps.fconfig), &b, &lb) &&
	       a.id == b.id;
	close(fd);
	return same;
}
