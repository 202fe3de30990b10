// SPDX-License-Identifier: GPL-2.0
/*
 * Policy files (user/policy_file.c) with their filter and devices lines, read from a memfd the
 * way `uevscope filter --policy FILE` reads a file.
 */
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>
#include "fuzz.h"
#include "filter/policy_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct policy pol;
	static int fd = -1;
	static char path[64];
	char err[512];

	if (size > 64 * 1024)
		return -1;
	if (fd < 0) {
		fd = memfd_create("fuzz-policy", MFD_CLOEXEC);
		if (fd < 0)
			abort();
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	err[0] = '\0';
	if (policy_parse_file(path, &pol, 0, 1, err, sizeof(err)) && !err[0])
		abort(); /* a refusal always says why */
	if (pol.ndev > DEV_RULES_MAX)
		abort();
	return 0;
}
