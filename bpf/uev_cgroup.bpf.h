/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A socket's cgroup v2 id, level and ancestors, on every kernel of the
 * matrix. Two layouts changed under us (the tests are load-time constants,
 * CO-RE, so the verifier only walks the running kernel's branch):
 *  - sock_cgroup_data: since 5.15 it holds the cgroup pointer; before
 *    (5.10) a u64 val, the pointer itself unless a low bit tags it as
 *    classid/prioidx data, in which case (and when 0) the socket is in the
 *    root cgroup (sock_cgroup_ptr());
 *  - struct cgroup: since 6.0 ancestors[] holds pointers (the id is
 *    ancestors[l]->kn->id); before it ancestor_ids[] held the ids.
 * The old layouts are read with probe reads: their pointer carries no BTF type.
 */
#ifndef UEV_CGROUP_BPF_H
#define UEV_CGROUP_BPF_H

#include "uevscope.h"
#include "uev_access.bpf.h"

#define UEV_ROOT_CGROUP_ID 1 /* the cgroup v2 root's kernfs id */

struct sock_cgroup_data___val {
	u64 val;
} __attribute__((preserve_access_index));

struct sock___val {
	struct sock_cgroup_data___val sk_cgrp_data;
} __attribute__((preserve_access_index));

struct cgroup___ids {
	u64 ancestor_ids[0];
} __attribute__((preserve_access_index));

static __always_inline __u64 uev_cgroup_ancestor_id(const struct cgroup *cg, __u32 level)
{
	if (bpf_core_field_exists(cg->ancestors)) {
		barrier_var(cg);
		return BPF_CORE_READ(cg, ancestors[level & 0xff], kn, id);
	}
	barrier_var(cg); /* as in uev_sk_cgroup_val() */
	return BPF_CORE_READ((const struct cgroup___ids *)cg, ancestor_ids[level & 0xff]);
}

/* The socket's cgroup through the old val (5.10), NULL for the root. */
static __always_inline const struct cgroup *uev_sk_cgroup_val(const struct sock *sk)
{
	__u64 v;

	/*
	 * The offset of a field the running kernel lacks is a poisoned instruction: the
	 * barrier keeps clang from hoisting its computation out of the branch never taken.
	 */
	barrier_var(sk);
	v = BPF_CORE_READ((const struct sock___val *)sk, sk_cgrp_data.val);

	return (v & 3) ? NULL : (const struct cgroup *)v;
}

#define UEV_SK_CGROUP_PTR(sk) bpf_core_field_exists((sk)->sk_cgrp_data.cgroup)

/* The socket's cgroup id; direct as for UEV_LOAD. */
static __always_inline __u64 uev_sk_cgroup_id(const struct sock *sk, bool direct)
{
	const struct cgroup *cg;

	if (UEV_SK_CGROUP_PTR(sk)) {
		const struct kernfs_node *kn;

		barrier_var(sk);
		cg = UEV_LOAD(direct, sk, sk_cgrp_data.cgroup);
		kn = UEV_LOAD(direct, cg, kn);
		return UEV_LOAD(direct, kn, id);
	}
	cg = uev_sk_cgroup_val(sk);
	return cg ? BPF_CORE_READ(cg, kn, id) : UEV_ROOT_CGROUP_ID;
}

/* The socket's cgroup level (0: the root). */
static __always_inline int uev_sk_cgroup_level(const struct sock *sk, bool direct)
{
	const struct cgroup *cg;

	if (UEV_SK_CGROUP_PTR(sk)) {
		barrier_var(sk);
		cg = UEV_LOAD(direct, sk, sk_cgrp_data.cgroup);
		return UEV_LOAD(direct, cg, level);
	}
	cg = uev_sk_cgroup_val(sk);
	return cg ? BPF_CORE_READ(cg, level) : 0;
}

/* The id of the socket's ancestor cgroup at level (not above the socket's own level). */
static __always_inline __u64 uev_sk_cgroup_ancestor_id(const struct sock *sk, __u32 level,
						       bool direct)
{
	const struct cgroup *cg;

	if (UEV_SK_CGROUP_PTR(sk)) {
		barrier_var(sk);
		cg = UEV_LOAD(direct, sk, sk_cgrp_data.cgroup);
	} else {
		cg = uev_sk_cgroup_val(sk);
	}
	if (!cg)
		return level ? 0 : UEV_ROOT_CGROUP_ID;
	return uev_cgroup_ancestor_id(cg, level);
}

#endif /* UEV_CGROUP_BPF_H */
