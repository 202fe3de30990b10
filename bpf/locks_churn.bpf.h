/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* uevscope locks: network namespaces created and destroyed (included by locks.bpf.c). */
#ifndef LOCKS_CHURN_BPF_H
#define LOCKS_CHURN_BPF_H

#include "locks_stat.bpf.h"

/* The kmem_cache struct net comes from, learned at its first allocation. */
const void *net_cache = NULL;
/*
 * Network namespace churn, exact: every struct net is allocated from its own
 * kmem_cache ("net_namespace", net_alloc() in net/core/net_namespace.c) and
 * freed to it by net_free() once cleanup_net() is done and the last passive
 * reference is gone; kernels with net_complete_free() defer that free to
 * the next cleanup_net() run, so a destruction shows one teardown late. There is no netns
 * tracepoint, so the slab tracepoints are used with one pointer compare per event once the cache is
 * known; until then only objects of exactly sizeof(struct net) get their cache name read.
 */
static __always_inline bool is_net_cache(const struct kmem_cache *s)
{
	static const char want[] = "net_namespace";
	char name[sizeof(want)];

	if (net_cache)
		return (const void *)s == net_cache;
	if (BPF_CORE_READ(s, object_size) != bpf_core_type_size(struct net))
		return false;
	if (bpf_probe_read_kernel_str(name, sizeof(name), BPF_CORE_READ(s, name)) != sizeof(want))
		return false;
	for (int i = 0; i < (int)sizeof(want); i++)
		if (name[i] != want[i])
			return false;
	net_cache = (const void *)s;
	return true;
}

SEC("tp_btf/kmem_cache_alloc")
int BPF_PROG(net_alloc_btf, unsigned long call_site, const void *ptr, const struct kmem_cache *s)
{
	/* ptr is not read: verifiers before ~6.13 refuse a void * tracepoint argument. */
	if (is_net_cache(s))
		count(LOCKS_CNT_NET_ALLOC);
	return 0;
}

SEC("tp_btf/kmem_cache_free")
int BPF_PROG(net_free_btf, unsigned long call_site, const void *ptr, const struct kmem_cache *s)
{
	if (is_net_cache(s))
		count(LOCKS_CNT_NET_FREE);
	return 0;
}

#endif /* LOCKS_CHURN_BPF_H */
