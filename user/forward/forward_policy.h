/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `forward` lines of policy files (policy_file.h):
 *   forward CONTAINER kernel|udev|both [coldplug] [force] [MATCH-EXPRESSION...]
 * `policy apply` stops the forwarders a previous apply started and starts one
 * `uevscope forward` per line, in the background, once the filter and device
 * rules are in force.
 */
#ifndef UEVSCOPE_FORWARD_POLICY_H
#define UEVSCOPE_FORWARD_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#define FWD_POLICY_MAX 16

struct fwd_policy_line {
	char to[256];
	char format[8];
	bool coldplug, force;
	char match[1024]; /* one -m expression, "" for every uevent */
};

/* Parses the words after `forward`; rest is the line after FORMAT. 0 or -EINVAL with err. */
int fwd_policy_parse(struct fwd_policy_line *l, const char *to, const char *format, char *rest,
		     char *err, size_t errlen);

/*
 * Stops every forwarder a previous `policy apply` started (SIGTERM, then waits
 * for it), then starts one per line and waits until each serves. Returns an
 * exit code; a forwarder that cannot start is said in one line, with its own.
 */
int fwd_policy_apply(const struct fwd_policy_line *lines, size_t n);

#endif /* UEVSCOPE_FORWARD_POLICY_H */
