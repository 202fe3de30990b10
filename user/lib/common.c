// SPDX-License-Identifier: GPL-2.0
/* Error reporting, privilege checks and small parsers used by every subcommand. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "caps.h"
#include "common.h"

bool verbose;
static bool libbpf_silenced;

void uev_err(const char *fmt, ...)
{
	va_list ap;

	fputs("uevscope: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void uev_dbg(const char *fmt, ...)
{
	va_list ap;

	if (!verbose)
		return;
	fputs("uevscope: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (libbpf_silenced || (level == LIBBPF_DEBUG && !verbose))
		return 0;
	/* libbpf warns about every failed load; those are expected while probing tiers. */
	if (level == LIBBPF_WARN && !verbose)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

void setup_libbpf_logging(void)
{
	libbpf_set_print(libbpf_print);
}

void silence_libbpf(bool on)
{
	libbpf_silenced = on;
}

bool require_root(const char *subcommand)
{
	return caps_require(subcommand); /* caps.c: the capabilities, not the uid */
}

bool require_btf(void)
{
	if (access("/sys/kernel/btf/vmlinux", R_OK) == 0)
		return true;
	uev_err("this kernel has no BTF (/sys/kernel/btf/vmlinux missing); "
		"uevscope needs a kernel built with CONFIG_DEBUG_INFO_BTF=y");
	return false;
}

bool parse_u64(const char *s, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end)
		return false;
	*out = v;
	return true;
}

bool parse_seconds(const char *s, double *out)
{
	char *end;
	double v;

	if (!s || !*s)
		return false;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || !(v > 0) || v > 1e9)
		return false;
	*out = v;
	return true;
}

uint64_t now_monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

int cmd_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "uevscope: %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "; see 'uevscope %s --help'\n", cmd);
	return EXIT_USAGE;
}

int cmd_getopt_error(const char *cmd, int c, char **argv)
{
	char shortopt[3] = {'-', (char)optopt, 0};
	const char *name = optopt > 0 && optopt < 256 ? shortopt : argv[optind - 1];

	if (c == ':')
		return cmd_usage_error(cmd, "option '%s' needs a value", name);
	return cmd_usage_error(cmd, "unknown option '%s'", name);
}

uint64_t bpf_obj_missed_runs(struct bpf_object *obj)
{
	struct bpf_program *prog;
	uint64_t sum = 0;

	bpf_object__for_each_program(prog, obj)
	{
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);
		int fd = bpf_program__fd(prog);

		if (fd >= 0 && !bpf_obj_get_info_by_fd(fd, &info, &len))
			sum += info.recursion_misses;
	}
	return sum;
}
