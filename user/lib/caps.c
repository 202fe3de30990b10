// SPDX-License-Identifier: GPL-2.0
/*
 * Least privilege: each subcommand checks for the capabilities it needs before it
 * loads anything, so that a reduced set fails with one line naming what is missing
 * instead of a kernel EPERM (or, worse, a filter that silently covers no socket).
 */
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>
#include "caps.h"
#include "common.h"

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

#define C(x) (1ULL << (x))

static const struct {
	const char *name;
	int cap;
} cap_names[] = {
    {"CAP_BPF", CAP_BPF},
    {"CAP_PERFMON", CAP_PERFMON},
    {"CAP_NET_ADMIN", CAP_NET_ADMIN},
    {"CAP_SYS_ADMIN", CAP_SYS_ADMIN},
    {"CAP_SYS_PTRACE", CAP_SYS_PTRACE},
    {"CAP_SYSLOG", CAP_SYSLOG},
    {"CAP_DAC_OVERRIDE", CAP_DAC_OVERRIDE},
    {"CAP_DAC_READ_SEARCH", CAP_DAC_READ_SEARCH},
};

/*
 * Why each one: CAP_BPF loads programs and maps; CAP_PERFMON lets tracing programs
 * (tp_btf, raw_tp, iter) load and read kernel memory; CAP_SYS_ADMIN enters each
 * network namespace (setns) to list its uevent sockets, and covers CAP_BPF and
 * CAP_PERFMON; CAP_SYS_PTRACE reads other processes' /proc/PID/fd (who holds a
 * socket) and takes a listener's socket with pidfd_getfd(); CAP_SYSLOG reads
 * addresses in /proc/kallsyms (kptr_restrict=1); CAP_NET_ADMIN loads cgroup
 * programs and locks socket filters; CAP_DAC_READ_SEARCH opens a cgroup by its id
 * (open_by_handle_at); CAP_DAC_OVERRIDE makes the probe cgroup of the cgroup/dev
 * check in the cgroup2 root. Without CAP_SYS_ADMIN and CAP_SYS_PTRACE, trace and
 * listeners would still run, but see only the sockets of their own netns.
 */
#define SOCKETS (C(CAP_SYS_ADMIN) | C(CAP_SYS_PTRACE))
#define FILTER	(SOCKETS | C(CAP_NET_ADMIN))
#define DEVICES (C(CAP_BPF) | C(CAP_NET_ADMIN) | C(CAP_DAC_OVERRIDE) | C(CAP_DAC_READ_SEARCH))

static const struct {
	const char *cmd;
	uint64_t caps;
} needs[] = {
    {"trace", SOCKETS},
    {"record", SOCKETS},
    {"listeners", SOCKETS},
    {"report", SOCKETS},
    {"top", SOCKETS},
    {"export", SOCKETS},
    /* setns() and injection into each target, SO_RCVBUFFORCE on the host socket. */
    {"forward", C(CAP_SYS_ADMIN) | C(CAP_NET_ADMIN)},
    {"locks", C(CAP_BPF) | C(CAP_PERFMON) | C(CAP_SYSLOG)},
    {"filter", FILTER},
    {"policy", FILTER | C(CAP_DAC_READ_SEARCH)},
    {"devices", DEVICES},
    {"attach", DEVICES | C(CAP_SYS_ADMIN) | C(CAP_MKNOD) | C(CAP_SYS_CHROOT)},
    {"detach", DEVICES | C(CAP_SYS_ADMIN) | C(CAP_SYS_CHROOT)},
    {"features", C(CAP_BPF) | C(CAP_PERFMON) | C(CAP_NET_ADMIN) | C(CAP_DAC_OVERRIDE)},
};

uint64_t caps_needed(const char *subcommand)
{
	size_t i, n = strcspn(subcommand, " ");

	for (i = 0; i < ARRAY_SIZE(needs); i++)
		if (strlen(needs[i].cmd) == n && !strncmp(needs[i].cmd, subcommand, n))
			return needs[i].caps;
	return 0;
}

void caps_names(uint64_t mask, char *buf, size_t len)
{
	size_t i, off = 0;

	buf[0] = '\0';
	for (i = 0; i < ARRAY_SIZE(cap_names) && off < len; i++)
		if (mask & C(cap_names[i].cap))
			off += snprintf(buf + off, len - off, "%s%s", off ? ", " : "",
					cap_names[i].name);
}

uint64_t caps_missing(uint64_t mask)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
	uint64_t eff;

	if (syscall(SYS_capget, &hdr, data))
		return mask;
	eff = (uint64_t)data[1].effective << 32 | data[0].effective;
	/* bpf_capable() and perfmon_capable() accept CAP_SYS_ADMIN too (before 5.8: only it). */
	if (eff & C(CAP_SYS_ADMIN))
		eff |= C(CAP_BPF) | C(CAP_PERFMON);
	return mask & ~eff;
}

bool caps_require(const char *subcommand)
{
	uint64_t need = caps_needed(subcommand), miss = caps_missing(need);
	char all[256], lack[256];

	if (!miss)
		return true;
	caps_names(need, all, sizeof(all));
	caps_names(miss, lack, sizeof(lack));
	uev_err("%s needs root or %s; missing %s: run it with sudo or grant those capabilities",
		subcommand, all, lack);
	return false;
}
