// SPDX-License-Identifier: GPL-2.0
/* Small reads from /proc/PID: see procfs.h. */
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
