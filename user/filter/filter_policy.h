/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The filter policy compiler: rules written as `SCOPE allow|deny MATCH` (the
 * match in `trace -m` syntax) become struct filter_rule, which the BPF
 * programs evaluate. Pure user space apart from resolving a scope's name.
 */
#ifndef UEVSCOPE_FILTER_POLICY_H
#define UEVSCOPE_FILTER_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "filter.h"
#include "uevent.h"

/* A rule set as user space edits it before writing it into the inactive half of the maps. */
struct filter_set {
	struct filter_rule rules[FILTER_MAX_RULES];
	unsigned int nrules;
	struct filter_key keys[FILTER_MAX_KEYS];
	unsigned int nkeys;
};

/* "netns=X", "cgroup=PATH", "pid=PID" -> scope and a pointer to X. Returns 0 or -EINVAL. */
int filter_scope_split(const char *word, int *scope, const char **arg, char *err, size_t errlen);

/*
 * Builds one rule (id left 0) against set's key table, which may grow. expr may be empty
 * (matches every uevent). Nothing in set changes on error. Returns 0 or -errno, err says why.
 */
int filter_rule_make(struct filter_set *set, struct filter_rule *r, int scope, const char *arg,
		     const char *action, const char *expr, unsigned int flags, char *err,
		     size_t errlen);

/* Appends r (its id must be set). -ENOSPC when the set is full. */
int filter_set_append(struct filter_set *set, const struct filter_rule *r, char *err,
		      size_t errlen);
/* Removes rule id and compacts the key table. -ENOENT if no such rule. */
int filter_set_remove(struct filter_set *set, __u32 id);

bool filter_rule_in_scope(const struct filter_rule *r, const struct filter_sock_facts *f);

const char *filter_scope_name(int scope);
const char *filter_action_name(int action);

#endif /* UEVSCOPE_FILTER_POLICY_H */
