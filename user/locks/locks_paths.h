/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reading a contention's kernel stack (symbol names, innermost first): which
 * frames are the tracing machinery, whether it is on a uevent path, and
 * whether the lock it waits for is uevent_sock_mutex. Pure functions.
 */
#ifndef UEVSCOPE_LOCKS_PATHS_H
#define UEVSCOPE_LOCKS_PATHS_H

#include <stdbool.h>
#include <stddef.h>

struct path_class {
	size_t first;		 /* first frame that is not BPF or tracepoint machinery */
	const char *uevent_fn;	 /* the uevent-path function on the stack, or NULL */
	const char *mutex_owner; /* the uevent function that called mutex_lock directly, or NULL */
};

/*
 * Classifies frames[0..n) (NULL entries: unknown addresses). mutex_owner is
 * set when the waiting frame is the mutex slow path called straight from a
 * function that takes uevent_sock_mutex (lib/kobject_uevent.c): that is how
 * the lock is recognised on kernels that list no data symbols.
 */
void path_classify(const char *const *frames, size_t n, struct path_class *pc);

/* Whether a function belongs to the uevent emission or netns setup/teardown path. */
bool path_is_uevent_fn(const char *name);

#endif /* UEVSCOPE_LOCKS_PATHS_H */
