// SPDX-License-Identifier: GPL-2.0
/* The forwarders' state files. See fwdstate.h. */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "common.h"
#include "fwdstate.h"

int fwd_state_write(const struct fwd_state *st)
{
	char path[128], tmp[160];
	size_t i;
	FILE *f;
	int ret = 0;

	mkdir("/run/uevscope", 0755);
	mkdir(FWD_STATE_DIR, 0755);
	snprintf(path, sizeof(path), FWD_STATE_DIR "/%u.state", st->pid);
	snprintf(tmp, sizeof(tmp), FWD_STATE_DIR "/.%u.state.tmp", st->pid);
	f = fopen(tmp, "we");
	if (!f)
		return -errno;
	fprintf(f, "uevscope-forward 1\npid %u\npolicy %d\nresyncs %" PRIu64 "\n", st->pid,
		st->policy, st->resyncs);
	for (i = 0; i < st->ntargets; i++) {
		const struct fwd_target_state *t = &st->targets[i];

		fprintf(f, "target %u %" PRIu64 " %" PRIu64 " %" PRIu64 " %s %s\n", t->netns,
			t->c.forwarded, t->c.filtered, t->c.failed, t->gone ? "gone" : "active",
			t->spec);
	}
	if (fclose(f))
		ret = -errno;
	if (!ret && rename(tmp, path))
		ret = -errno;
	if (ret)
		unlink(tmp);
	return ret;
}

void fwd_state_remove(uint32_t pid)
{
	char path[128];

	snprintf(path, sizeof(path), FWD_STATE_DIR "/%u.state", pid);
	unlink(path);
}

static int read_one(const char *path, struct fwd_state *st)
{
	char line[FWD_SPEC_LEN + 128];
	FILE *f = fopen(path, "re");
	bool magic = false;

	memset(st, 0, sizeof(*st));
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		struct fwd_target_state t = {0}, *n;
		char state[16];
		int off = 0;

		line[strcspn(line, "\n")] = '\0';
		if (!strcmp(line, "uevscope-forward 1"))
			magic = true;
		else if (!strncmp(line, "pid ", 4))
			sscanf(line + 4, "%u", &st->pid);
		else if (!strncmp(line, "policy ", 7))
			st->policy = line[7] == '1';
		else if (!strncmp(line, "resyncs ", 8))
			sscanf(line + 8, "%" SCNu64, &st->resyncs);
		else if (sscanf(line, "target %u %" SCNu64 " %" SCNu64 " %" SCNu64 " %15s %n",
				&t.netns, &t.c.forwarded, &t.c.filtered, &t.c.failed, state,
				&off) == 5 &&
			 off) {
			t.gone = !strcmp(state, "gone");
			snprintf(t.spec, sizeof(t.spec), "%s", line + off);
			n = realloc(st->targets, (st->ntargets + 1) * sizeof(*n));
			if (!n)
				break;
			st->targets = n;
			st->targets[st->ntargets++] = t;
		}
	}
	fclose(f);
	if (!magic || !st->pid) {
		free(st->targets);
		return -EINVAL;
	}
	return 0;
}

static int by_pid(const void *a, const void *b)
{
	const struct fwd_state *x = a, *y = b;

	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

size_t fwd_state_read_all(struct fwd_state **out)
{
	struct fwd_state *all = NULL, st, *n;
	char path[400];
	struct dirent *de;
	size_t cnt = 0;
	DIR *d;

	*out = NULL;
	d = opendir(FWD_STATE_DIR);
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);

		if (de->d_name[0] == '.' || len < 7 || strcmp(de->d_name + len - 6, ".state"))
			continue;
		snprintf(path, sizeof(path), FWD_STATE_DIR "/%s", de->d_name);
		if (read_one(path, &st))
			continue;
		/* A forwarder killed by SIGKILL leaves its file: skip it once its pid is gone. */
		if (kill((pid_t)st.pid, 0) && errno == ESRCH) {
			free(st.targets);
			continue;
		}
		n = realloc(all, (cnt + 1) * sizeof(*n));
		if (!n) {
			free(st.targets);
			break;
		}
		all = n;
		all[cnt++] = st;
	}
	closedir(d);
	if (cnt)
		qsort(all, cnt, sizeof(*all), by_pid);
	*out = all;
	return cnt;
}

void fwd_state_free_all(struct fwd_state *all, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(all[i].targets);
	free(all);
}
