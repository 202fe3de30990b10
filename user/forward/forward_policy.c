// SPDX-License-Identifier: GPL-2.0
/* `forward` lines of policy files, and starting their forwarders. See forward_policy.h. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "common.h"
#include "forward_policy.h"
#include "fwdstate.h"
#include "match.h"

int fwd_policy_parse(struct fwd_policy_line *l, const char *to, const char *format, char *rest,
		     char *err, size_t errlen)
{
	struct match_list *ml;
	char *w;
	int ret;

	memset(l, 0, sizeof(*l));
	if (strcmp(format, "kernel") && strcmp(format, "udev") && strcmp(format, "both")) {
		snprintf(err, errlen, "forward: format '%s' is none of kernel, udev, both", format);
		return -EINVAL;
	}
	if (strlen(to) >= sizeof(l->to)) {
		snprintf(err, errlen, "forward: container name longer than %zu bytes",
			 sizeof(l->to) - 1);
		return -EINVAL;
	}
	snprintf(l->to, sizeof(l->to), "%s", to);
	snprintf(l->format, sizeof(l->format), "%s", format);
	for (;;) {
		w = rest + strspn(rest, " \t");
		if (!strncmp(w, "coldplug", 8) && (!w[8] || w[8] == ' ' || w[8] == '\t')) {
			l->coldplug = true;
			rest = w + 8;
		} else if (!strncmp(w, "force", 5) && (!w[5] || w[5] == ' ' || w[5] == '\t')) {
			l->force = true;
			rest = w + 5;
		} else {
			break;
		}
	}
	if (strlen(w) >= sizeof(l->match)) {
		snprintf(err, errlen, "forward: match expression longer than %zu bytes",
			 sizeof(l->match) - 1);
		return -EINVAL;
	}
	snprintf(l->match, sizeof(l->match), "%s", w);
	if (!l->match[0])
		return 0;
	ml = match_list_new();
	ret = match_list_add(ml, l->match, err, errlen);
	match_list_free(ml);
	return ret;
}

static bool pid_alive(pid_t pid)
{
	return !kill(pid, 0) || errno != ESRCH;
}

/* SIGTERM to each forwarder a previous apply started; waits up to 5 s for each. */
static int stop_previous(void)
{
	struct fwd_state *all;
	size_t n = fwd_state_read_all(&all), i;
	struct timespec ts = {0, 20 * 1000000};
	int ret = EXIT_OK, tries;

	for (i = 0; i < n; i++) {
		pid_t pid = all[i].pid;

		if (!all[i].policy)
			continue;
		kill(pid, SIGTERM);
		for (tries = 0; tries < 250 && pid_alive(pid); tries++)
			nanosleep(&ts, NULL);
		if (pid_alive(pid)) {
			uev_err(
			    "policy: the forwarder pid %d of the previous policy does not stop; "
			    "kill it, then apply again",
			    pid);
			ret = EXIT_ENV;
		} else {
			printf("stopped forwarder pid %d of the previous policy\n", pid);
		}
	}
	fwd_state_free_all(all, n);
	return ret;
}

/* The forwarder's last line of output, for the one-line failure. */
static void last_line(const char *log, char *buf, size_t len)
{
	char line[512];
	FILE *f = fopen(log, "re");

	snprintf(buf, len, "no message (see %s)", log);
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0])
			snprintf(buf, len, "%s", line);
	}
	fclose(f);
}

static int start_one(const struct fwd_policy_line *l, size_t idx)
{
	char log[128], ready[8] = "", why[600];
	const char *argv[16];
	int p[2], argc = 0, fd;
	ssize_t n;
	pid_t pid;

	mkdir("/run/uevscope", 0755);
	mkdir(FWD_STATE_DIR, 0755);
	snprintf(log, sizeof(log), FWD_STATE_DIR "/policy-%zu.log", idx);
	if (pipe2(p, O_CLOEXEC))
		return EXIT_ENV;
	argv[argc++] = "uevscope";
	argv[argc++] = "forward";
	argv[argc++] = "--from-policy";
	argv[argc++] = "--ready-fd=3";
	argv[argc++] = "--to";
	argv[argc++] = l->to;
	argv[argc++] = "--format";
	argv[argc++] = l->format;
	if (l->coldplug)
		argv[argc++] = "--coldplug";
	if (l->force)
		argv[argc++] = "--force";
	if (l->match[0]) {
		argv[argc++] = "-m";
		argv[argc++] = l->match;
	}
	argv[argc] = NULL;
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return EXIT_ENV;
	}
	if (!pid) {
		/* A daemon of its own: own session, output to its log, the ready pipe as fd 3. */
		setsid();
		fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		fd = open("/dev/null", O_RDONLY);
		if (fd >= 0)
			dup2(fd, 0);
		if (p[1] == 3)
			fcntl(3, F_SETFD, 0);
		else
			dup2(p[1], 3);
		if (fork() > 0)
			_exit(0); /* not a child of `policy apply`: nobody has to reap it */
		execv("/proc/self/exe", (char *const *)argv);
		_exit(127);
	}
	close(p[1]);
	waitpid(pid, NULL, 0);
	n = read(p[0], ready, sizeof(ready) - 1);
	close(p[0]);
	if (n == 6 && !strncmp(ready, "ready\n", 6)) {
		printf("forward into %s started (%s format%s%s; log %s)\n", l->to, l->format,
		       l->coldplug ? ", coldplug" : "", l->match[0] ? ", matched" : "", log);
		return EXIT_OK;
	}
	last_line(log, why, sizeof(why));
	uev_err("policy: forward into %s did not start: %s", l->to, why);
	return EXIT_ENV;
}

int fwd_policy_apply(const struct fwd_policy_line *lines, size_t n)
{
	int ret = stop_previous(), r;
	size_t i;

	if (ret)
		return ret;
	for (i = 0; i < n; i++) {
		r = start_one(&lines[i], i);
		if (r)
			ret = r;
	}
	return ret;
}
