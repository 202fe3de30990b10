// SPDX-License-Identifier: GPL-2.0
/*
 * Devices that left the host after attach's last check. The state would
 * still say "attached", and worse, the container would keep access to the
 * device's number: the next device the kernel gives that number (a loop
 * device made again, a USB stick plugged in) would open through the old
 * allow and the old node. So every command that holds the attach lock
 * (attach, detach, `devices list`, each event of --follow) first detaches
 * such devices: access revoked, node removed, remove sent, as detach does,
 * journaled the same way. A device is judged by its number and the inode of
 * its sysfs uevent file (hotplug_gone()), which no later device shares.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "attach.h"
#include "common.h"
#include "hotplug.h"

static int remember(struct att_session *s, const struct hotplug_entry *e)
{
	struct hotplug_entry *v = realloc(s->gone, (s->ngone + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	s->gone = v;
	s->gone[s->ngone++] = *e;
	return 0;
}

int att_sweep_gone(struct att_session *s, const char *cmd)
{
	char why[128], err[512];
	size_t i = 0, swept = 0;
	struct att_ctr c;
	int rc;

	while (i < s->n) {
		struct hotplug_entry e = s->e[i];

		if (!hotplug_gone(&e, why, sizeof(why))) {
			i++;
			continue;
		}
		if (!att_ctr_reopen(&e, &c)) {
			/* Its cgroup and nodes went with the container: only our rules stay. */
			if (!strcmp(e.access, "v2") && att_last_v2(s->e, s->n, &e) &&
			    att_access_forget(e.cgroup, err, sizeof(err)))
				uev_err("%s: %s", cmd, err);
			att_drop(s, i);
			fprintf(stderr,
				"uevscope: %s: %c %u:%u %s attached to %s (pid %u): the device is "
				"gone (%s), and so is the container: forgotten\n",
				cmd, e.type, e.major, e.minor, e.node, e.cgroup, e.pid, why);
		} else {
			rc = att_detach_entry(s, &c, i, err, sizeof(err));
			att_ctr_close(&c);
			if (rc) {
				/* Kept, so that detach can try again: the access may stand. */
				uev_err("%s: %c %u:%u %s attached to %s is gone (%s) but %s", cmd,
					e.type, e.major, e.minor, e.node, e.cgroup, why, err);
				i++;
				continue;
			}
			fprintf(
			    stderr,
			    "uevscope: %s: %c %u:%u %s detached from %s (pid %u): the device is "
			    "gone (%s); access restored (%s), node removed, remove sent\n",
			    cmd, e.type, e.major, e.minor, e.node, e.cgroup, e.pid, why, e.access);
		}
		swept++;
		if (remember(s, &e))
			return -ENOMEM;
	}
	if (!swept)
		return 0;
	rc = att_journal_commit(s, "detach", err, sizeof(err));
	if (rc)
		uev_err("%s: %s", cmd, err);
	return rc;
}
