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

#endif /* UEVSCOPE_MATCH_H */
