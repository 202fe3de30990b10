// SPDX-License-Identifier: GPL-2.0
/*
 * devprog: stands in for a container runtime's own device program. Attaches
 * (BPF_PROG_ATTACH, BPF_F_ALLOW_MULTI) a cgroup/dev program named
 * "runtime_dev" that refuses one char device and allows everything else, or
 * detaches every "runtime_dev" from a cgroup. Raw bpf(2), no libbpf.
 * Before 5.11 the kernel charges BPF programs and maps to their user's
 * RLIMIT_MEMLOCK (64 KiB by default before 5.16), all of root's objects
 * together: a loader that keeps the default fails with EPERM while uevscope's
 * maps are loaded, or not yet freed after a flush. So it raises the limit
 * first, as runtimes and libbpf do.
 * usage: devprog attach CGROUP_DIR MAJOR MINOR | devprog detach CGROUP_DIR
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <linux/bpf.h>
#include <sys/syscall.h>

#define PROG_NAME "runtime_dev"

static int sys_bpf(int cmd, union bpf_attr *attr)
{
	return (int)syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

static struct bpf_insn insn(__u8 code, __u8 dst, __u8 src, __s16 off, __s32 imm)
{
	struct bpf_insn i = {.code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm};

	return i;
}

static const char *step = "attach";

static int attach(int cgfd, int major, int minor)
{
	struct rlimit unlimited = {RLIM_INFINITY, RLIM_INFINITY};
	/* r1 = struct bpf_cgroup_dev_ctx: access_type @0, major @4, minor @8. */
	struct bpf_insn prog[] = {
	    insn(BPF_LDX | BPF_MEM | BPF_W, 2, 1, 4, 0),
	    insn(BPF_JMP | BPF_JNE | BPF_K, 2, 0, 4, major),
	    insn(BPF_LDX | BPF_MEM | BPF_W, 2, 1, 8, 0),
	    insn(BPF_JMP | BPF_JNE | BPF_K, 2, 0, 2, minor),
	    insn(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0),
	    insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
	    insn(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 1),
	    insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
	};
	union bpf_attr a;
	int pfd;

	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	a.insns = (__u64)(unsigned long)prog;
	a.insn_cnt = sizeof(prog) / sizeof(prog[0]);
	a.license = (__u64)(unsigned long)"GPL";
	strncpy(a.prog_name, PROG_NAME, sizeof(a.prog_name) - 1);
	/* Refused without CAP_SYS_RESOURCE; from 5.11 on the limit is not used for BPF. */
	setrlimit(RLIMIT_MEMLOCK, &unlimited);
	step = "load";
	pfd = sys_bpf(BPF_PROG_LOAD, &a);
	if (pfd < 0)
		return -1;
	step = "attach";
	memset(&a, 0, sizeof(a));
	a.target_fd = cgfd;
	a.attach_bpf_fd = pfd;
	a.attach_type = BPF_CGROUP_DEVICE;
	a.attach_flags = BPF_F_ALLOW_MULTI;
	return sys_bpf(BPF_PROG_ATTACH, &a);
}

static int detach(int cgfd)
{
	__u32 ids[64], n, i;
	struct bpf_prog_info info;
	union bpf_attr a;
	int pfd, found = 0;

	memset(&a, 0, sizeof(a));
	a.query.target_fd = cgfd;
	a.query.attach_type = BPF_CGROUP_DEVICE;
	a.query.prog_ids = (__u64)(unsigned long)ids;
	a.query.prog_cnt = 64;
	if (sys_bpf(BPF_PROG_QUERY, &a))
		return -1;
	n = a.query.prog_cnt;
	for (i = 0; i < n; i++) {
		memset(&a, 0, sizeof(a));
		a.prog_id = ids[i];
		pfd = sys_bpf(BPF_PROG_GET_FD_BY_ID, &a);
		if (pfd < 0)
			continue;
		memset(&info, 0, sizeof(info));
		memset(&a, 0, sizeof(a));
		a.info.bpf_fd = pfd;
		a.info.info_len = sizeof(info);
		a.info.info = (__u64)(unsigned long)&info;
		if (!sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &a) && !strcmp(info.name, PROG_NAME)) {
			memset(&a, 0, sizeof(a));
			a.target_fd = cgfd;
			a.attach_bpf_fd = pfd;
			a.attach_type = BPF_CGROUP_DEVICE;
			if (sys_bpf(BPF_PROG_DETACH, &a))
				return -1;
			found++;
		}
		close(pfd);
	}
	printf("detached %d\n", found);
	return 0;
}

int main(int argc, char **argv)
{
	int cgfd, rc;

	if (argc < 3 || ((strcmp(argv[1], "attach") || argc != 5) && strcmp(argv[1], "detach"))) {
		fprintf(stderr,
			"usage: devprog attach CGROUP_DIR MAJOR MINOR | detach CGROUP_DIR\n");
		return 2;
	}
	cgfd = open(argv[2], O_RDONLY | O_DIRECTORY);
	if (cgfd < 0) {
		fprintf(stderr, "devprog: %s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	rc = !strcmp(argv[1], "attach") ? attach(cgfd, atoi(argv[3]), atoi(argv[4])) : detach(cgfd);
	if (rc) {
		fprintf(stderr, "devprog: %s: %s\n", strcmp(argv[1], "attach") ? argv[1] : step,
			strerror(errno));
		return 1;
	}
	return 0;
}
