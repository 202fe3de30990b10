/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The counters of running `uevscope forward` processes, for `report` and
 * `export`. Each forwarder rewrites FWD_STATE_DIR/PID.state (a temporary file
 * renamed over it, so a reader never sees half of one) every second while it
 * runs, and removes it when it stops. Text, one record a line:
 *
 *   uevscope-forward 1
 *   pid 1234
 *   policy 0|1
 *   resyncs N
 *   target NETNS FORWARDED FILTERED FAILED STATE SPEC
 *
 * STATE is "active" or "gone" (the target exited; its counts are kept);
 * SPEC is the --to argument that found it, to the end of the line.
 */
#ifndef UEVSCOPE_FWDSTATE_H
#define UEVSCOPE_FWDSTATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FWD_STATE_DIR "/run/uevscope/forward"
#define FWD_SPEC_LEN  256

struct fwd_counts {
	uint64_t forwarded; /* uevents delivered into the target (every format sent) */
	uint64_t filtered;  /* uevents -m did not match while the target was served */
	uint64_t failed;    /* uevents the target should have had and did not get */
};

struct fwd_target_state {
	uint32_t netns;
	bool gone;
	struct fwd_counts c;
	char spec[FWD_SPEC_LEN];
};

struct fwd_state {
	uint32_t pid;
	bool policy; /* started by `policy apply` */
	uint64_t resyncs;
	size_t ntargets;
	struct fwd_target_state *targets;
};

/* Writes st to FWD_STATE_DIR/PID.state. Returns 0 or -errno. */
int fwd_state_write(const struct fwd_state *st);
void fwd_state_remove(uint32_t pid);

/*
 * Every running forwarder's state (files of processes that are gone are
 * skipped), sorted by pid. Returns how many, *out malloc'ed (NULL when none).
 */
size_t fwd_state_read_all(struct fwd_state **out);
void fwd_state_free_all(struct fwd_state *all, size_t n);

#endif /* UEVSCOPE_FWDSTATE_H */
