// SPDX-License-Identifier: GPL-2.0
/*
 * Probe, then choose, then load: the tiers of each job are taken in the order
 * of its attach plan, which `uevscope features` reports too, so what features
 * predicts and what a command does cannot drift apart. A tier the probe table
 * refuses is never loaded; the others are tried for real, since a program
 * can be refused where the probe's two instructions were not.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <bpf/libbpf.h>

#include "attach.h"
#include "common.h"

static const struct tier_progs *find_tier(const struct attach_obj *o, int probe)
{
	for (size_t i = 0; i < o->ntiers; i++)
		if (o->tiers[i].probe == probe)
			return &o->tiers[i];
	return NULL;
}

bool attach_tier_known(const struct tier_progs *tiers, size_t ntiers, enum plan_id plan,
		       const char *name)
{
	const struct attach_plan *p = plan_get(plan);
	int id = probe_id_by_name(name);

	for (int i = 0; p && id >= 0 && i < p->ntiers; i++)
		for (size_t t = 0; p->tiers[i] == id && t < ntiers; t++)
			if (tiers[t].probe == id)
				return true;
	return false;
}

static void add_why(char *buf, size_t size, const char *name, const char *why)
{
	size_t len = strlen(buf);

	if (len < size)
		snprintf(buf + len, size - len, "%s%s: %s", len ? "; " : "", name, why);
}

/* A tier the probe table refuses: its reason, else NULL. */
static const char *probe_refuses(struct probe_set *ps, const struct attach_plan *p, int i)
{
	const struct probe_result *r = probe_one(ps, p->tiers[i]);

	if (r && !r->ok)
		return r->reason[0] ? r->reason : "refused";
	if (p->requires[i] == PROBE_NONE)
		return NULL;
	r = probe_one(ps, p->requires[i]);
	return r && !r->ok ? (r->reason[0] ? r->reason : "refused") : NULL;
}

/* The job's candidates: the plan's tiers the object has, unless forced out; then none. */
static void job_candidates(const struct attach_obj *o, struct attach_job *j)
{
	const struct attach_plan *p = plan_get(j->plan);

	j->ncand = 0;
	j->tier = NULL;
	j->why[0] = '\0';
	for (int i = 0; !j->off && i < p->ntiers && j->ncand < ATTACH_MAX_CAND - 1; i++) {
		if (!find_tier(o, p->tiers[i]) ||
		    (j->force && strcmp(j->force, probe_name(p->tiers[i]))))
			continue;
		j->cand_why[j->ncand][0] = '\0';
		j->cand_state[j->ncand] = 0;
		j->cand_plan[j->ncand] = i;
		j->cand[j->ncand++] = p->tiers[i];
	}
	if (p->optional)
		j->cand[j->ncand++] = PROBE_NONE;
}

/*
 * Whether the probe table refuses a tier of this combination. Probed when
 * first reached, so -v names only the tiers tried before the one used.
 */
static bool combination_refused(struct attach_job *jobs, int njobs, const int *idx,
				struct probe_set *ps)
{
	for (int j = 0; j < njobs; j++) {
		struct attach_job *job = &jobs[j];
		int c = idx[j];
		const char *why;

		if (job->cand[c] == PROBE_NONE)
			continue;
		if (!job->cand_state[c]) {
			why = probe_refuses(ps, plan_get(job->plan), job->cand_plan[c]);
			job->cand_state[c] = why ? 2 : 1;
			if (why) {
				snprintf(job->cand_why[c], sizeof(job->cand_why[c]), "%s", why);
				uev_dbg("%s tier %s refused: %s", plan_get(job->plan)->job,
					probe_name(job->cand[c]), why);
			}
		}
		if (job->cand_state[c] == 2)
			return true;
	}
	return false;
}

static const char *probe_name_or_null(int probe)
{
	return probe == PROBE_NONE ? NULL : probe_name(probe);
}

static bool tier_has(const struct tier_progs *t, const char *name)
{
	for (int i = 0; t && i < (int)ARRAY_SIZE(t->progs) && t->progs[i]; i++)
		if (!strcmp(t->progs[i], name))
			return true;
	return false;
}

/* One attempt at the tiers idx[] picks: open, autoload only theirs, load, attach. */
static int try_once(const struct attach_obj *o, struct attach_job *jobs, int njobs, const int *idx,
		    char *why, size_t whylen)
{
	struct bpf_object_skeleton *s;
	struct bpf_program *prog;
	int err;

	for (int j = 0; j < njobs; j++)
		jobs[j].tier = probe_name_or_null(jobs[j].cand[idx[j]]);
	s = o->open(o->ctx);

	if (!s) {
		err = -errno;
		snprintf(why, whylen, "open: %s", strerror(-err));
		return err;
	}
	bpf_object__for_each_program(prog, *s->obj)
	{
		const char *name = bpf_program__name(prog);
		bool want = false;

		for (int j = 0; j < njobs && !want; j++)
			want = tier_has(find_tier(o, jobs[j].cand[idx[j]]), name);
		bpf_program__set_autoload(prog, want);
	}
	err = bpf_object__load_skeleton(s);
	if (err) {
		snprintf(why, whylen, "load: %s", strerror(-err));
		goto fail;
	}
	/* The skeleton attaches only the programs that were loaded, and owns the links. */
	err = bpf_object__attach_skeleton(s);
	if (err) {
		snprintf(why, whylen, "attach: %s", strerror(-err));
		goto fail;
	}
	return 0;
fail:
	o->close(o->ctx);
	return err;
}

/* The next combination, the last job varying fastest; false when none is left. */
static bool next_combination(const struct attach_job *jobs, int njobs, int *idx)
{
	for (int j = njobs - 1; j >= 0; j--) {
		if (idx[j] + 1 < jobs[j].ncand) {
			idx[j]++;
			for (int k = j + 1; k < njobs; k++)
				idx[k] = 0;
			return true;
		}
	}
	return false;
}

static bool all_none(const struct attach_job *jobs, int njobs, const int *idx)
{
	for (int j = 0; j < njobs; j++)
		if (jobs[j].cand[idx[j]] != PROBE_NONE)
			return false;
	return true;
}

/* Each job's tiers that were tried and are not the one used, with their last reason. */
static void collect_why(struct attach_job *jobs, int njobs, const int *idx, bool loaded)
{
	for (int j = 0; j < njobs; j++) {
		struct attach_job *job = &jobs[j];
		int used = loaded ? job->cand[idx[j]] : PROBE_NONE;

		job->tier = used != PROBE_NONE ? probe_name(used) : NULL;
		for (int c = 0; c < job->ncand; c++)
			if (job->cand[c] != PROBE_NONE && job->cand[c] != used &&
			    job->cand_why[c][0])
				add_why(job->why, sizeof(job->why), probe_name(job->cand[c]),
					job->cand_why[c]);
	}
}

int attach_load(const struct attach_obj *o, struct attach_job *jobs, int njobs)
{
	struct probe_set ps = {};
	int idx[8] = {}, err = -ENOENT;
	char why[160];

	if (njobs > (int)ARRAY_SIZE(idx))
		return -EINVAL;
	for (int j = 0; j < njobs; j++)
		job_candidates(o, &jobs[j]);
	for (int j = 0; j < njobs; j++)
		if (!jobs[j].ncand)
			return -ENOENT;
	silence_libbpf(!verbose);
	do {
		if (all_none(jobs, njobs, idx) || combination_refused(jobs, njobs, idx, &ps))
			continue;
		err = try_once(o, jobs, njobs, idx, why, sizeof(why));
		if (!err)
			break;
		/* The job varied last is the one the refusal is blamed on. */
		for (int j = njobs - 1; j >= 0; j--) {
			int t = jobs[j].cand[idx[j]];

			if (t == PROBE_NONE)
				continue;
			snprintf(jobs[j].cand_why[idx[j]], sizeof(jobs[j].cand_why[0]), "%s", why);
			uev_dbg("%s tier %s refused: %s", plan_get(jobs[j].plan)->job,
				probe_name(t), why);
			break;
		}
	} while (next_combination(jobs, njobs, idx));
	silence_libbpf(false);
	if (err && err != -ENOENT)
		uev_dbg("%s: no combination of tiers loads", o->what);
	collect_why(jobs, njobs, idx, !err);
	return err;
}
