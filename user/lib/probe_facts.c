// SPDX-License-Identifier: GPL-2.0
/*
 * The vmlinux BTF and /proc/kallsyms caches, and the probes that need no
 * program: map types and filesystem facts.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/statfs.h>
#include <linux/magic.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "probe.h"

int probe_btf_id(struct probe_set *ps, struct probe_result *r, const char *name, int btf_kind,
		 const char *why)
{
	int id;

	if (!ps->btf && !ps->btf_err) {
		ps->btf = btf__load_vmlinux_btf();
		if (!ps->btf)
			ps->btf_err = errno ? errno : ENOENT;
	}
	if (!ps->btf) {
		probe_fail(r, ps->btf_err, "no vmlinux BTF: %s (CONFIG_DEBUG_INFO_BTF off?)",
			   strerror(ps->btf_err));
		return -1;
	}
	id = btf__find_by_name_kind(ps->btf, name, btf_kind);
	if (id <= 0) {
		probe_fail(r, ENOENT, "no BTF %s %s (%s)",
			   btf_kind == BTF_KIND_FUNC ? "func" : "type", name, why);
		return -1;
	}
	return id;
}

/* procfs reports size 0: getdelim() on '\0' slurps the whole (NUL-free) text at once. */
static bool kallsyms_loaded(struct probe_set *ps)
{
	size_t cap = 0;
	ssize_t n;
	FILE *f;

	if (ps->kallsyms || ps->kallsyms_err)
		return ps->kallsyms != NULL;
	f = fopen("/proc/kallsyms", "re");
	if (!f) {
		ps->kallsyms_err = errno;
		return false;
	}
	errno = 0;
	n = getdelim(&ps->kallsyms, &cap, '\0', f);
	if (n <= 0) {
		ps->kallsyms_err = errno ? errno : ENODATA;
		free(ps->kallsyms);
		ps->kallsyms = NULL;
	} else {
		ps->kallsyms_len = n;
	}
	fclose(f);
	return ps->kallsyms != NULL;
}

/* Lines are "addr type name[\t[module]]\n": match name between a space and \n or \t. */
bool probe_has_symbol(struct probe_set *ps, struct probe_result *r, const char *sym)
{
	size_t n = strlen(sym);
	const char *p, *end;

	if (!kallsyms_loaded(ps)) {
		probe_fail(r, ps->kallsyms_err, "cannot read /proc/kallsyms: %s",
			   strerror(ps->kallsyms_err));
		return false;
	}
	end = ps->kallsyms + ps->kallsyms_len;
	for (p = ps->kallsyms; (p = memmem(p, end - p, sym, n)); p += n) {
		if (p > ps->kallsyms && p[-1] == ' ' && (p[n] == '\n' || p[n] == '\t'))
			return true;
	}
	probe_fail(r, ENOENT, "symbol not in kallsyms (inlined or absent)");
	return false;
}

void probe_map_type(struct probe_result *r, enum probe_id id)
{
	enum bpf_map_type type;
	__u32 key = 4, value = 8, entries = 1;
	int fd;

	switch (id) {
	case PROBE_MAP_RINGBUF:
		/* Ring buffer size must be a power-of-2 multiple of the page size. */
		type = BPF_MAP_TYPE_RINGBUF;
		key = value = 0;
		entries = sysconf(_SC_PAGESIZE);
		break;
	case PROBE_MAP_STACK_TRACE:
		type = BPF_MAP_TYPE_STACK_TRACE;
		value = 8 * 16; /* 16 frames, must be a multiple of 8 */
		break;
	default:
		type = BPF_MAP_TYPE_PERCPU_ARRAY;
		break;
	}
	probe_detail(r, "bpf_map_create(%s, key %u, value %u, entries %u)",
		     libbpf_bpf_map_type_str(type) ?: "?", key, value, entries);
	fd = bpf_map_create(type, "uevscope_probe", key, value, entries, NULL);
	if (fd < 0) {
		probe_fail_step(r, "map create", -fd);
		return;
	}
	close(fd);
	r->ok = true;
}

/*
 * A loop primitive of the filter evaluator: the bpf_loop() helper (5.17), else a bounded loop
 * (5.3), checked by loading a socket filter that loops four times.
 */
void probe_eval_loop(struct probe_result *r, enum probe_id id)
{
	const struct bpf_insn loop[] = {
	    {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0},
	    {.code = BPF_ALU64 | BPF_ADD | BPF_K, .dst_reg = BPF_REG_0, .imm = 1},
	    {.code = BPF_JMP | BPF_JLT | BPF_K, .dst_reg = BPF_REG_0, .off = -2, .imm = 4},
	    {.code = BPF_JMP | BPF_EXIT},
	};
	int ret;

	if (id == PROBE_EVAL_BPF_LOOP) {
		probe_detail(r, "libbpf_probe_bpf_helper(socket_filter, bpf_loop)");
		ret = libbpf_probe_bpf_helper(BPF_PROG_TYPE_SOCKET_FILTER, BPF_FUNC_loop, NULL);
		if (ret < 0)
			probe_fail_step(r, "helper probe", -ret);
		else if (!ret)
			probe_fail(r, ENOENT, "no bpf_loop() helper (5.17+)");
		else
			r->ok = true;
		return;
	}
	probe_detail(r, "socket filter with a 4-pass bounded loop");
	ret = bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "uevscope_probe", "GPL", loop,
			    sizeof(loop) / sizeof(loop[0]), NULL);
	if (ret < 0) {
		probe_fail_step(r, "load", -ret);
		return;
	}
	close(ret);
	r->ok = true;
}

void probe_fs_fact(struct probe_set *ps, struct probe_result *r, enum probe_id id)
{
	struct statfs st;
	int err;

	if (id == PROBE_FS_BPFFS) {
		probe_detail(r, "statfs(/sys/fs/bpf) f_type == BPF_FS_MAGIC");
		err = statfs("/sys/fs/bpf", &st) ? errno : 0;
		if (err)
			probe_fail(r, err, "/sys/fs/bpf: %s", strerror(err));
		else if (st.f_type != BPF_FS_MAGIC)
			probe_fail(r, ENOENT,
				   "bpffs not mounted at /sys/fs/bpf "
				   "(mount -t bpf bpf /sys/fs/bpf)");
		else
			r->ok = true;
	} else if (id == PROBE_FS_BTF_VMLINUX) {
		probe_detail(r, "access(/sys/kernel/btf/vmlinux, R_OK)");
		err = access("/sys/kernel/btf/vmlinux", R_OK) ? errno : 0;
		if (err)
			probe_fail(r, err,
				   "/sys/kernel/btf/vmlinux: %s (CONFIG_DEBUG_INFO_BTF off?)",
				   strerror(err));
		else
			r->ok = true;
	} else {
		/* kptr_restrict (or no CAP_SYSLOG) makes every address read as zero. */
		probe_detail(r, "first /proc/kallsyms address is non-zero");
		if (!kallsyms_loaded(ps))
			probe_fail(r, ps->kallsyms_err, "cannot read /proc/kallsyms: %s",
				   strerror(ps->kallsyms_err));
		else if (!strtoull(ps->kallsyms, NULL, 16))
			probe_fail(r, EPERM, "addresses hidden (kernel.kptr_restrict?)");
		else
			r->ok = true;
	}
}

void probe_caches_free(struct probe_set *ps)
{
	btf__free(ps->btf);
	free(ps->kallsyms);
	ps->btf = NULL;
	ps->btf_err = 0;
	ps->kallsyms = NULL;
	ps->kallsyms_len = 0;
	ps->kallsyms_err = 0;
}
