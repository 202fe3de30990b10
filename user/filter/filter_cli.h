/* SPDX-License-Identifier: GPL-2.0 */
/* What `filter` and `policy` share: installing a rule set and printing the state. */
#ifndef UEVSCOPE_FILTER_CLI_H
#define UEVSCOPE_FILTER_CLI_H

#include <stdbool.h>
#include "filter_state.h"

/*
 * Makes set the active policy, attaches to the sockets in scope, starts the
 * watcher unless no_watch, and says what was done. Returns an exit code.
 */
int filter_install(struct filter_state *st, const struct filter_set *set, bool no_watch);

int filter_list(int argc, char **argv);
int filter_status(int argc, char **argv);

#endif /* UEVSCOPE_FILTER_CLI_H */
