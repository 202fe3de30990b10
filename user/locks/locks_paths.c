// SPDX-License-Identifier: GPL-2.0
/* Stack classification for uevscope locks: see locks_paths.h. */
#include <string.h>

#include "common.h"
#include "locks_paths.h"

/*
 * lib/kobject_uevent.c. kobject_uevent_net_broadcast() and
 * uevent_net_broadcast_untagged() are often inlined into kobject_uevent_env()
 * (they are on 6.18), so any of them may be the frame that calls mutex_lock.
 */
static const char *const uevent_fns[] = {
    "kobject_uevent_env",
    "kobject_uevent_net_broadcast",
    "uevent_net_broadcast_untagged",
    "uevent_net_broadcast_tagged",
    "uevent_net_init",
    "uevent_net_exit",
    "uevent_net_rcv",
    "uevent_net_rcv_skb",
};

/* Of those, the ones that take uevent_sock_mutex themselves. */
static const char *const sock_mutex_takers[] = {
    "kobject_uevent_env",
    "kobject_uevent_net_broadcast",
    "uevent_net_broadcast_untagged",
    "uevent_net_init",
    "uevent_net_exit",
    "uevent_net_rcv",
};

static bool in_list(const char *name, const char *const *list, size_t n)
{
	for (size_t i = 0; name && i < n; i++)
		if (!strcmp(name, list[i]))
			return true;
	return false;
}

bool path_is_uevent_fn(const char *name)
{
	return in_list(name, uevent_fns, ARRAY_SIZE(uevent_fns));
}

static bool starts_with(const char *s, const char *prefix)
{
	return s && !strncmp(s, prefix, strlen(prefix));
}

/* The BPF program, its dispatcher and the tracepoint's iterator sit above the lock code. */
static bool is_tracing_frame(const char *name)
{
	return starts_with(name, "bpf_") || starts_with(name, "__bpf_") ||
	       starts_with(name, "__traceiter_") || starts_with(name, "__probestub_") ||
	       starts_with(name, "trace_contention_");
}

/* BPF program, its dispatcher, bpf_trace_run, __traceiter: never deeper than this. */
#define TRACING_FRAMES_MAX 6

/* mutex_lock, __mutex_lock, __mutex_lock_slowpath, mutex_lock_nested, ... */
static bool is_mutex_lock_frame(const char *name)
{
	return name && strstr(name, "mutex_lock") && !strstr(name, "trylock");
}

void path_classify(const char *const *frames, size_t n, struct path_class *pc)
{
	size_t i;

	memset(pc, 0, sizeof(*pc));
	/*
	 * The BPF program itself may have no kallsyms name (bpf_jit_kallsyms
	 * off): the lock code starts after the last tracing frame near the top.
	 */
	for (i = 0; i < n && i < TRACING_FRAMES_MAX; i++)
		if (is_tracing_frame(frames[i]))
			pc->first = i + 1;
	for (i = pc->first; i < n; i++) {
		if (path_is_uevent_fn(frames[i])) {
			pc->uevent_fn = frames[i];
			break;
		}
	}
	i = pc->first;
	if (i >= n || !is_mutex_lock_frame(frames[i]))
		return;
	while (i < n && is_mutex_lock_frame(frames[i]))
		i++;
	if (i < n && in_list(frames[i], sock_mutex_takers, ARRAY_SIZE(sock_mutex_takers)))
		pc->mutex_owner = frames[i];
}
