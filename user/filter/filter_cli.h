/* SPDX-License-Identifier: GPL-2.0 */
/* What `filter` and `policy` share: installing a rule set and printing the state. */
#ifndef UEVSCOPE_FILTER_CLI_H
#define UEVSCOPE_FILTER_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include "filter_state.h"

struct commit;
struct dev_rule;

/*
 * One change of the whole policy, for a caller holding the policy lock
 * (commit_lock()): writes set, and dev as the device rules (dev NULL: the device
 * rules stay), as the next generation, attaches to the sockets in scope, flips
 * to it in one write (policy_commit.h), cleans up, starts the watcher unless
 * no_watch, and says what was done. All or nothing. Returns an exit code.
 */
int filter_install(struct commit *c, struct filter_state *st, const struct filter_set *set,
		   const struct dev_rule *dev, size_t ndev, bool no_watch);

int filter_list(int argc, char **argv);
int filter_status(int argc, char **argv);

#endif /* UEVSCOPE_FILTER_CLI_H */
