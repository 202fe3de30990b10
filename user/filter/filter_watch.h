/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The watcher: a long-lived `uevscope filter watch` that covers uevent sockets
 * created after a rule was added. One per host, enforced by a flock on
 * FILTER_WATCH_LOCK that also holds its pid; `filter add` and `policy apply`
 * start it when it does not run, `filter flush` stops it. Killed (even with
 * -9), it leaves every attached filter in force; started again, it rescans and
 * skips sockets already carrying ours (their cookies are in fsocks).
 */
#ifndef UEVSCOPE_FILTER_WATCH_H
#define UEVSCOPE_FILTER_WATCH_H

#include <stdbool.h>
#include <sys/types.h>
#include <linux/types.h>

#define FILTER_WATCH_LOCK "/run/lock/uevscope-filter-watch.lock"

/* pid of the running watcher, or 0. */
pid_t filter_watch_running(void);
/* Starts a detached watcher unless one runs. Returns its pid or -errno. */
pid_t filter_watch_spawn(void);
/* Tells the running watcher the rules changed: it takes their scopes and rescans at once. */
void filter_watch_rescan(void);
/* Stops the running watcher (SIGTERM, then waits up to 2 s). */
void filter_watch_stop(void);
int filter_watch_main(int argc, char **argv);
struct filter_state;
struct filter_watch_stats;
/*
 * How sockets created from now on are covered: "lsm" (no window), "held" (tasks held at
 * socket() until covered; gaps names what the hold cannot see, "" when nothing),
 * "best_effort" (rescans: a window) or "not_covered" (no watcher).
 */
const char *filter_new_sockets(const struct filter_state *st, const struct filter_watch_stats *ws,
			       pid_t watcher, char *gaps, size_t len);
/* --strict: 0 when no new socket in scope can see a uevent before its filter; else -1, why. */
int filter_strict_check(const struct filter_state *st, bool no_watch, char *why, size_t len);
/* How the watcher learns of new sockets (filter_watch_stats.method), for people. */
const char *watch_method_name(__u32 method);

#endif /* UEVSCOPE_FILTER_WATCH_H */
