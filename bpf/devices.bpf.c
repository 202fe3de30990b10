// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * cgroup/dev: device access policy. One copy of this program is attached
 * (BPF_F_ALLOW_MULTI) to every cgroup that has rules, with that cgroup's id in
 * scope_cgroup_id. The kernel runs every program in the effective array of the
 * opener's cgroup, its own and its ancestors' (__cgroup_bpf_check_dev_permission),
 * and grants access only if all return 1, so the container runtime's program
 * still applies and nested scopes intersect. Each copy applies only the rules
 * of its own scope: first match wins, no match allows.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "commit.h"
#include "devices_abi.h"

const volatile __u64 scope_cgroup_id;

/* The whole policy's commit point (include/commit.h): which generation is active. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct uev_commit);
} ucommit SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct dev_policy_cfg);
} policy_cfg SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2 * DEV_RULES_MAX);
	__type(key, __u32);
	__type(value, struct dev_rule_bpf);
} rules SEC(".maps");

/* The last slot counts checks a program could not decide (map lookups failed). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2 * DEV_RULES_MAX + 1);
	__type(key, __u32);
	__type(value, struct dev_counter);
} counters SEC(".maps");

/* Read by user space only; here so that it is pinned along with the others. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, DEV_SCOPES_MAX);
	__type(key, __u64);
	__type(value, struct dev_scope);
} scopes SEC(".maps");

static __always_inline int count_error(void)
{
	__u32 slot = 2 * DEV_RULES_MAX;
	struct dev_counter *c = bpf_map_lookup_elem(&counters, &slot);

	if (c)
		c->allowed++;
	return 1;
}

/* An allow rule grants only the access it names; a deny rule refuses any of it. */
static __always_inline bool rule_matches(const struct dev_rule_bpf *r, __u32 type, __u32 access,
					 __u32 major, __u32 minor)
{
	if (r->cgroup_id != scope_cgroup_id || !(r->types & type))
		return false;
	if ((r->major != DEV_ANY && (__u32)r->major != major) ||
	    (r->minor != DEV_ANY && (__u32)r->minor != minor))
		return false;
	if (r->allow)
		return (access & r->access) == access;
	return (access & r->access) != 0;
}

SEC("cgroup/dev")
int device_policy(struct bpf_cgroup_dev_ctx *ctx)
{
	/* access_type: device type in the low 16 bits, access in the high 16. */
	__u32 type = ctx->access_type & 0xffff, access = ctx->access_type >> 16;
	struct dev_policy_cfg *cfg;
	struct uev_commit *c;
	__u32 zero = 0, gen, n, i;

	cfg = bpf_map_lookup_elem(&policy_cfg, &zero);
	c = bpf_map_lookup_elem(&ucommit, &zero);
	if (!cfg || !c)
		return count_error();
	gen = c->active & 1;
	n = cfg->nrules[gen];
	for (i = 0; i < DEV_RULES_MAX && i < n; i++) {
		__u32 slot = gen * DEV_RULES_MAX + i;
		struct dev_rule_bpf *r = bpf_map_lookup_elem(&rules, &slot);
		struct dev_counter *c;

		if (!r)
			return count_error();
		if (!rule_matches(r, type, access, ctx->major, ctx->minor))
			continue;
		c = bpf_map_lookup_elem(&counters, &slot);
		if (c && r->allow)
			c->allowed++;
		else if (c)
			c->denied++;
		return r->allow ? 1 : 0;
	}
	return 1;
}

char LICENSE[] SEC("license") = "GPL";
