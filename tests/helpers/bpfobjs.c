// SPDX-License-Identifier: GPL-2.0
/*
 * bpfobjs: what BPF programs and maps the kernel holds right now, for the VMs,
 * which have no bpftool. One line per object: "prog ID TYPE NAME MEMLOCK" or
 * "map ID TYPE NAME MEMLOCK" (MEMLOCK: the bytes fdinfo says it charges, 0
 * where fdinfo has no memlock line), then "memlock TOTAL": what the objects
 * charge; before 5.11 that is charged to their user's RLIMIT_MEMLOCK.
 * With a NAME argument: only the programs and maps of that name, exit 1
 * when there is none. "hold PATH" opens a pinned object, says "held", and
 * keeps it open until killed, as any root process may: a pinned link held so
 * outlives its pin (and the program stays attached). Raw bpf(2), no libbpf.
 * usage: bpfobjs [NAME] | bpfobjs hold PATH
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <sys/syscall.h>

static int sys_bpf(int cmd, union bpf_attr *attr)
{
	return (int)syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

/* The "memlock:" line of /proc/self/fdinfo/FD, 0 when there is none. */
static unsigned long long fd_memlock(int fd)
{
	unsigned long long v = 0;
	char path[64], line[256];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "memlock: %llu", &v) == 1)
			break;
	fclose(f);
	return v;
}

/* Walks programs (maps = 0) or maps; prints those named name (all when NULL). */
static int walk(int maps, const char *name, unsigned long long *total)
{
	int next_cmd = maps ? BPF_MAP_GET_NEXT_ID : BPF_PROG_GET_NEXT_ID;
	int fd_cmd = maps ? BPF_MAP_GET_FD_BY_ID : BPF_PROG_GET_FD_BY_ID;
	struct bpf_prog_info pi;
	struct bpf_map_info mi;
	union bpf_attr a;
	__u32 id = 0;
	int fd, found = 0;

	for (;;) {
		unsigned long long ml;
		const char *n;
		__u32 type;

		memset(&a, 0, sizeof(a));
		a.start_id = id;
		if (sys_bpf(next_cmd, &a))
			break;
		id = a.next_id;
		memset(&a, 0, sizeof(a));
		if (maps)
			a.map_id = id;
		else
			a.prog_id = id;
		fd = sys_bpf(fd_cmd, &a);
		if (fd < 0)
			continue; /* freed meanwhile */
		memset(&pi, 0, sizeof(pi));
		memset(&mi, 0, sizeof(mi));
		memset(&a, 0, sizeof(a));
		a.info.bpf_fd = fd;
		a.info.info_len = maps ? sizeof(mi) : sizeof(pi);
		a.info.info = maps ? (__u64)(unsigned long)&mi : (__u64)(unsigned long)&pi;
		if (sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &a)) {
			close(fd);
			continue;
		}
		n = maps ? mi.name : pi.name;
		type = maps ? mi.type : pi.type;
		ml = fd_memlock(fd);
		close(fd);
		*total += ml;
		if (name && strcmp(name, n))
			continue;
		found++;
		printf("%s %u %u %s %llu\n", maps ? "map" : "prog", id, type, n[0] ? n : "-", ml);
	}
	return found;
}

static int hold(const char *path)
{
	union bpf_attr a;
	int fd;

	memset(&a, 0, sizeof(a));
	a.pathname = (__u64)(unsigned long)path;
	fd = sys_bpf(BPF_OBJ_GET, &a);
	if (fd < 0) {
		fprintf(stderr, "bpfobjs: %s: %s\n", path, strerror(errno));
		return 1;
	}
	printf("held %s\n", path);
	fflush(stdout);
	for (;;)
		pause();
}

int main(int argc, char **argv)
{
	const char *name = argc > 1 ? argv[1] : NULL;
	unsigned long long total = 0;
	int found;

	if (argc == 3 && !strcmp(argv[1], "hold"))
		return hold(argv[2]);
	if (argc > 2) {
		fprintf(stderr, "usage: bpfobjs [NAME] | bpfobjs hold PATH\n");
		return 2;
	}
	found = walk(0, name, &total) + walk(1, name, &total);
	if (name)
		return found ? 0 : 1;
	printf("memlock %llu\n", total);
	return 0;
}
