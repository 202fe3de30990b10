/* SPDX-License-Identifier: GPL-2.0 */
/*
 * udev-rule style match expressions on uevent properties:
 * KEY=="glob|glob", KEY!="glob", ENV{KEY}=="glob". All terms are ANDed.
 */
#ifndef UEVSCOPE_MATCH_H
#define UEVSCOPE_MATCH_H

#include <stdbool.h>
#include <stddef.h>

#include "uevent.h"

struct match_list;

struct match_list *match_list_new(void);
/*
 * Parses one -m expression and appends its terms. Returns 0, or -EINVAL with a one-line
 * human message in err (what is wrong and where). On error, nothing from this expr is added.
 */
int match_list_add(struct match_list *ml, const char *expr, char *err, size_t errlen);
/* An empty list matches everything; an absent property compares as "". */
bool match_list_eval(const struct match_list *ml, const struct uevent *ev);
unsigned int match_list_count(const struct match_list *ml);
void match_list_free(struct match_list *ml);
/*
 * Term i as parsed, for compilers of other evaluators (the filter policy): its key, whether
 * it is !=, and its '|' alternatives as fnmatch(3) patterns. Returns false past the end.
 */
bool match_list_term(const struct match_list *ml, unsigned int i, const char **key, bool *negate,
		     const char *const **alts, unsigned int *nalts);

#endif /* UEVSCOPE_MATCH_H */
