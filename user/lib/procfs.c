// SPDX-License-Identifier: GPL-2.0
/* Small reads from /proc and /sys: see procfs.h. */
#include <stdio.h>
#include <string.h>
#include "procfs.h"

void proc_comm(uint32_t pid, char *comm, size_t len)
{
	char fn[64];
	FILE *f;

	snprintf(fn, sizeof(fn), "/proc/%u/comm", pid);
	comm[0] = '\0';
	f = fopen(fn, "re");
	if (!f)
		return;
	if (fgets(comm, (int)len, f))
		comm[strcspn(comm, "\n")] = '\0';
	fclose(f);
}

bool read_uevent_seqnum(uint64_t *out)
{
	FILE *f = fopen("/sys/kernel/uevent_seqnum", "re");
	unsigned long long v;
	bool ok;

	if (!f)
		return false;
	ok = fscanf(f, "%llu", &v) == 1;
	fclose(f);
	if (ok)
		*out = v;
	return ok;
}
