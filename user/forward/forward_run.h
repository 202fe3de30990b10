/* SPDX-License-Identifier: GPL-2.0 */
/* The forwarder's state and loop (forward_run.c); forward.c parses the options. */
#ifndef UEVSCOPE_FORWARD_RUN_H
#define UEVSCOPE_FORWARD_RUN_H

#include <signal.h>
#include "forward.h"
#include "idmap.h"
#include "inject.h"
#include "strbuf.h"

struct match_list;

struct fwd {
	const char *spec_args[FWD_MAX_SPECS];
	struct fwd_spec specs[FWD_MAX_SPECS];
	size_t nspecs;
	struct match_list *ml;
	enum inject_format fmt;
	bool coldplug, force, policy;
	uint64_t rcvbuf; /* SO_RCVBUF of the host socket; 0: 8 MiB */
	int ready_fd;	 /* -1, or told "ready" once serving (policy apply waits for it) */

	int host; /* the host's uevents */
	struct fwd_target *t;
	size_t nt, capt;
	struct idmap refused; /* netns inode -> errno + 1 of a refusal already said */
	struct fwd_devset devs;
	uint64_t resyncs;
	uint64_t last_state_ns;
	bool dirty;
	struct strbuf pl[2], scratch;
};

void fwd_init(struct fwd *f);
/* Host socket, first targets, coldplug. Returns an exit code. */
int fwd_start(struct fwd *f);
/* Serves until *stop or no target can come any more. Returns an exit code. */
int fwd_loop(struct fwd *f, volatile sig_atomic_t *stop);
void fwd_stop(struct fwd *f);

#endif /* UEVSCOPE_FORWARD_RUN_H */
