/* SPDX-License-Identifier: GPL-2.0 */
/* Parsed uevents from string literals, for the unit tests of matchers and policies. */
#ifndef UEVSCOPE_UEVENT_LIT_H
#define UEVSCOPE_UEVENT_LIT_H

#include <stdlib.h>
#include <string.h>
#include "uevent.h"

/* An event parsed from a literal; the storage must outlive its use. */
struct test_ev {
	char buf[1024];
	struct uevent ev;
};

static inline const struct uevent *mkev(struct test_ev *t, const char *payload, size_t len)
{
	memcpy(t->buf, payload, len);
	if (uevent_parse(t->buf, len, &t->ev))
		abort();
	return &t->ev;
}

/* lit is a string literal with embedded NULs: its size, not strlen, is the length. */
#define EV(t, lit) mkev(t, lit, sizeof(lit) - 1)

#endif /* UEVSCOPE_UEVENT_LIT_H */
