// SPDX-License-Identifier: GPL-2.0
/*
 * hookfloor PROGRAM: loads one program of bench/hook_floor.bpf.c, attaches it
 * to tp_btf/sk_data_ready, says so on stderr and holds it until SIGINT or
 * SIGTERM. bench/report-cost.sh runs it beside report and trace.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "hook_floor.skel.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

int main(int argc, char **argv)
{
	struct sigaction sa = {.sa_handler = on_signal};
	struct hook_floor_bpf *skel;
	struct bpf_program *prog, *want = NULL;
	struct bpf_link *link = NULL;
	int err;

	if (argc != 2) {
		fprintf(stderr, "usage: hookfloor floor_empty|floor_count|floor_netns\n");
		return 2;
	}
	skel = hook_floor_bpf__open();
	if (!skel) {
		fprintf(stderr, "hookfloor: cannot open the object: %s\n", strerror(errno));
		return 1;
	}
	bpf_object__for_each_program(prog, skel->obj)
	{
		bool this = !strcmp(bpf_program__name(prog), argv[1]);

		bpf_program__set_autoload(prog, this);
		if (this)
			want = prog;
	}
	if (!want) {
		fprintf(stderr,
			"hookfloor: no program %s (floor_empty, floor_count, floor_netns)\n",
			argv[1]);
		hook_floor_bpf__destroy(skel);
		return 2;
	}
	err = hook_floor_bpf__load(skel);
	if (!err) {
		link = bpf_program__attach(want);
		err = link ? 0 : -errno;
	}
	if (err) {
		fprintf(stderr, "hookfloor: %s does not load or attach here: %s\n", argv[1],
			strerror(-err));
		hook_floor_bpf__destroy(skel);
		return 1;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	fprintf(stderr, "hookfloor: attached %s to tp_btf/sk_data_ready\n", argv[1]);
	while (!stop)
		sleep(1); /* a signal ends it early */
	bpf_link__destroy(link);
	hook_floor_bpf__destroy(skel);
	return 0;
}
