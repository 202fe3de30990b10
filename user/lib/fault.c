// SPDX-License-Identifier: GPL-2.0
/* Fault points for the crash-consistency tests (fault.h, docs/tests.md). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "common.h"
#include "fault.h"

/*
 * Every step, in the order a change passes them; docs/tests.md says which
 * commands pass which. A fault at a step happens before the step's work.
 */
static const char *const steps[] = {
    "start",	      /* locks taken, state opened: nothing written yet */
    "devices-attach", /* attach cgroup/dev programs to the new rules' cgroups */
    "devices-write",  /* write the device rules of the new generation */
    "filter-write",   /* write the filter rules of the new generation */
    "filter-attach",  /* attach the socket filter to the sockets in the new scopes */
    "commit",	      /* the one write that makes the new generation active */
    "cleanup",	      /* remove what only the old generation used */
    "unpin",	      /* flush: remove the pins */
    "attach-access",  /* attach: intent journaled; allow the device for the container */
    "attach-node",    /* attach: make the node in the container */
    "attach-event",   /* attach: inject add into the container's netns */
    "attach-save",    /* attach: every step done; write the state file, drop the journal */
    "detach-access",  /* detach: intent journaled; revoke the container's access */
    "detach-node",    /* detach: remove the node in the container */
    "detach-event",   /* detach: inject remove */
    "detach-save",    /* detach: every step done; write the state file, drop the journal */
};

int fault_point(const char *step)
{
	const char *env = getenv("UEVSCOPE_FAULT"), *colon;
	size_t i, len;

	if (!env || !*env)
		return 0;
	if (!strcmp(env, "trace")) {
		fprintf(stderr, "uevscope: fault point %s\n", step);
		return 0;
	}
	colon = strchr(env, ':');
	len = colon ? (size_t)(colon - env) : strlen(env);
	for (i = 0; i < ARRAY_SIZE(steps); i++)
		if (strlen(steps[i]) == len && !strncmp(steps[i], env, len))
			break;
	if (i == ARRAY_SIZE(steps) ||
	    (colon && strcmp(colon, ":kill") && strcmp(colon, ":fail") && strcmp(colon, ":stop"))) {
		uev_err("UEVSCOPE_FAULT='%s' is not STEP[:kill|:fail|:stop] with a step of "
			"docs/tests.md",
			env);
		exit(EXIT_USAGE);
	}
	if (strlen(step) != len || strncmp(step, env, len))
		return 0;
	if (colon && !strcmp(colon, ":fail")) {
		uev_err("fault point %s: failing as UEVSCOPE_FAULT asks", step);
		return -EIO;
	}
	if (colon && !strcmp(colon, ":stop")) {
		/* A test does something now (removes the device), then sends SIGCONT. */
		fprintf(stderr, "uevscope: fault point %s: stopped\n", step);
		fflush(NULL);
		raise(SIGSTOP);
		return 0;
	}
	fflush(NULL);
	kill(getpid(), SIGKILL);
	pause();
	return 0;
}
