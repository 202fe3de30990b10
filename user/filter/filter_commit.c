// SPDX-License-Identifier: GPL-2.0
/*
 * The filter side of a policy change made by someone holding no filter skeleton
 * (policy_commit.h): copying the rules in force into the next generation for a change
 * of the device rules only, and repairing what an unfinished change left. Pinned maps
 * only, opened by path.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "fault.h"
#include "filter_state.h"
#include "policy_commit.h"

#define PIN_CONFIG FILTER_PIN_DIR "/fconfig"
#define PIN_RULES  FILTER_PIN_DIR "/frules"
#define PIN_STATS  FILTER_PIN_DIR "/fstats"

/* The rule set of generation gen, from the pins (for those who have no skeleton open). */
static int read_pinned_set(int cfd, int rfd, __u32 gen, struct filter_config *cfg,
			   struct filter_rule *rules)
{
	__u32 i, slot;

	if (bpf_map_lookup_elem(cfd, &gen, cfg))
		return -errno;
	if (cfg->nrules[gen] > FILTER_MAX_RULES)
		return -EINVAL;
	for (i = 0; i < cfg->nrules[gen]; i++) {
		slot = gen * FILTER_MAX_RULES + i;
		if (bpf_map_lookup_elem(rfd, &slot, &rules[i]))
			return -errno;
	}
	return 0;
}

int filter_state_copy_half(unsigned int next, char *err, size_t errlen)
{
	static struct filter_rule rules[FILTER_MAX_RULES];
	struct filter_config cfg;
	__u32 cur = next ^ 1, i, slot;
	int cfd, rfd, ret = 0;

	if (!filter_state_exists())
		return 0;
	if (fault_point("filter-write"))
		return -EIO;
	cfd = bpf_obj_get(PIN_CONFIG);
	rfd = bpf_obj_get(PIN_RULES);
	if (cfd < 0 || rfd < 0) {
		ret = -errno;
		goto out;
	}
	ret = read_pinned_set(cfd, rfd, cur, &cfg, rules);
	for (i = 0; !ret && i < cfg.nrules[cur]; i++) {
		slot = next * FILTER_MAX_RULES + i;
		if (bpf_map_update_elem(rfd, &slot, &rules[i], BPF_ANY))
			ret = -errno;
	}
	if (ret)
		goto out;
	cfg.active = next;
	cfg.nrules[next] = cfg.nrules[cur];
	cfg.nkeys[next] = cfg.nkeys[cur];
	memcpy(cfg.keys[next], cfg.keys[cur], sizeof(cfg.keys[cur]));
	if (bpf_map_update_elem(cfd, &next, &cfg, BPF_ANY))
		ret = -errno;
out:
	if (ret)
		snprintf(err, errlen, "cannot copy the filter rules into the new generation: %s",
			 strerror(-ret));
	if (cfd >= 0)
		close(cfd);
	if (rfd >= 0)
		close(rfd);
	return ret;
}

/* What an unfinished change may have left: statistics of rule ids not in force. */
void filter_repair(void)
{
	static struct filter_rule rules[FILTER_MAX_RULES];
	struct filter_config cfg;
	__u32 gen = commit_active(), key, next, *prev = NULL, i;
	int cfd = bpf_obj_get(PIN_CONFIG), rfd = bpf_obj_get(PIN_RULES);
	int sfd = bpf_obj_get(PIN_STATS);

	if (cfd < 0 || rfd < 0 || sfd < 0 || read_pinned_set(cfd, rfd, gen, &cfg, rules))
		goto out;
	while (!bpf_map_get_next_key(sfd, prev, &next)) {
		for (i = 0; i < cfg.nrules[gen] && rules[i].id != next; i++)
			;
		if (i == cfg.nrules[gen] && !bpf_map_delete_elem(sfd, &next))
			continue; /* deleted: the same prev leads to the next one */
		key = next;
		prev = &key;
	}
out:
	if (cfd >= 0)
		close(cfd);
	if (rfd >= 0)
		close(rfd);
	if (sfd >= 0)
		close(sfd);
}
