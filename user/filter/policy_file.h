/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Policy files, one rule per line; a line whose first non-blank character is
 * `#` is a comment, blank lines are skipped:
 *   filter  SCOPE allow|deny MATCH-EXPRESSION...
 *   devices SCOPE allow|deny c|b|a MAJOR:MINOR|* ACCESS
 *   forward CONTAINER kernel|udev|both [coldplug] [force] [MATCH-EXPRESSION...]
 * SCOPE is netns=X, cgroup=PATH or pid=PID (devices: cgroup= only). The
 * match expression is the rest of the line, as `trace -m` takes it.
 */
#ifndef UEVSCOPE_POLICY_FILE_H
#define UEVSCOPE_POLICY_FILE_H

#include "devices/devices.h"
#include "filter_policy.h"
#include "forward/forward_policy.h"

/* A whole policy: the uevent filter rules and the device rules (user/devices.h). */
struct policy {
	struct filter_set filter;
	struct dev_rule dev[DEV_RULES_MAX];
	size_t ndev;
	struct fwd_policy_line fwd[FWD_POLICY_MAX]; /* forward lines (forward_policy.h) */
	size_t nfwd;
};

/*
 * Parses and compiles every line of path into pol (flags on every filter rule, ids from
 * first_id on). Returns 0, or -errno with "FILE:LINE: what is wrong" in err.
 */
int policy_parse_file(const char *path, struct policy *pol, unsigned int flags, __u32 first_id,
		      char *err, size_t errlen);

#endif /* UEVSCOPE_POLICY_FILE_H */
