// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * uevent filtering: decides, per listening socket, whether a uevent is
 * queued. Two hooks, picked by the loader (user/filter/filter_state.c):
 *  - socket filter (SO_ATTACH_BPF) on each uevent socket in scope: the kernel
 *    runs it in do_one_broadcast() -> sk_filter(); returning 0 frees the skb
 *    for that socket only, before it reaches the receive queue;
 *  - lsm/socket_sock_rcv_skb, which sk_filter_trim_cap() calls just before the
 *    socket filter for every socket: -EPERM drops the same way, no attach
 *    window, netns and cgroup scopes read from the socket itself.
 * Both build the socket's facts, copy the uevent, and run one evaluator over
 * the active rule set. Maps are pinned under /sys/fs/bpf/uevscope/filter/,
 * but for ucommit, shared with the device program (include/commit.h).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "commit.h"
#include "filter.h"

/* The evaluator (bpf/filter_eval.h) loops with bpf_loop() (5.17+). */
#define EVAL_LOOP(n, cb, ctx) bpf_loop(n, cb, ctx, 0)
#include "filter_progs.bpf.h"
