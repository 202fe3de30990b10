// SPDX-License-Identifier: GPL-2.0
/*
 * uevscope listeners: every NETLINK_KOBJECT_UEVENT socket in every network
 * namespace with the processes holding it (one iter/task_file walk, else
 * iter/netlink entered in each netns: user/lib/socks.c). The numbers are the
 * ones /proc/net/netlink shows per netns.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common.h"
#include "listeners_print.h"
#include "nsnames.h"
#include "socks.h"
#include "strbuf.h"
#include "subcommands.h"

static const char listeners_usage[] =
    "usage: uevscope listeners [OPTIONS]\n"
    "\n"
    "Every NETLINK_KOBJECT_UEVENT socket on the host, in every network namespace:\n"
    "netns (inode and name, or the container that owns it), owning user namespace,\n"
    "portid, multicast groups, the processes holding it (pid, comm, cgroup), receive\n"
    "buffer size and fill, drops (receive buffer overruns), and whether a socket\n"
    "filter is attached and locked (SO_LOCK_FILTER). The kernel's own socket in each\n"
    "netns is not listed.\n"
    "\n"
    "  -j, --json            one JSON document\n"
    "      --tier NAME       force the socket walk: iter/task_file (one walk of every\n"
    "                        process's files) or iter/netlink (one walk per netns)\n"
    "  -v, --verbose         libbpf messages\n"
    "  -h, --help            this help\n"
    "\n"
    "EXAMPLES:\n"
    "  uevscope listeners\n"
    "  uevscope listeners -j | jq '.sockets[] | select(.drops > 0)'\n"
    "\n"
    "Exit status: 0 done, 1 environment (not root, no socket iterator), 2 bad usage.\n";

static const struct option listeners_options[] = {
    {"json", no_argument, NULL, 'j'},
    {"tier", required_argument, NULL, 'T'},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {},
};

struct sock_list {
	struct uev_sock_info *v;
	size_t n;
};

static void collect_cb(const struct uev_sock_info *info, void *ctx)
{
	struct sock_list *l = ctx;

	l->v = realloc(l->v, (l->n + 1) * sizeof(*l->v));
	if (!l->v)
		abort();
	l->v[l->n++] = *info;
}

static int by_netns_portid(const void *a, const void *b)
{
	const struct uev_sock_info *x = a, *y = b;

	if (x->netns_ino != y->netns_ino)
		return x->netns_ino < y->netns_ino ? -1 : 1;
	return x->portid < y->portid ? -1 : x->portid > y->portid;
}

static const char *filter_state(const struct uev_sock_info *s)
{
	return s->filter_locked ? "locked" : s->has_filter ? "yes" : "-";
}

static void print_text(struct strbuf *sb, struct socks *socks, const struct sock_list *l)
{
	char label[200];
	size_t i;
	unsigned int j;

	sb_printf(sb, "%-11s %-11s %-10s %-8s %8s %8s %7s %-6s %-20s %s\n", "NETNS", "USERNS",
		  "PORTID", "GROUPS", "RCVBUF", "RMEM", "DROPS", "FILTER", "NAME", "PROCESSES");
	for (i = 0; i < l->n; i++) {
		const struct uev_sock_info *s = &l->v[i];
		const struct sock_entry *e = socks_owners(socks, s->sock_ino);

		sb_printf(sb, "%-11u %-11u %-10u %08x %8u %8u %7u %-6s %-20s", s->netns_ino,
			  s->userns_ino, s->portid, s->groups, s->rcvbuf, s->rmem_alloc,
			  s->sk_drops, filter_state(s),
			  netns_label(s->netns_ino, label, sizeof(label)));
		for (j = 0; e && j < e->nowners; j++)
			sb_printf(sb, "%s%u/%s:%s", j ? "," : " ", e->owners[j].tgid,
				  e->owners[j].comm,
				  e->owners[j].cgroup ? e->owners[j].cgroup : "?");
		if (e && e->extra_owners)
			sb_printf(sb, ",+%u more", e->extra_owners);
		if (!e || !e->nowners)
			sb_puts(sb, " -");
		sb_putc(sb, '\n');
	}
}

static void print_json(struct strbuf *sb, struct socks *socks, const struct sock_list *l)
{
	struct listener_view *v = calloc(l->n ? l->n : 1, sizeof(*v));
	size_t i;

	if (!v) {
		uev_err("listeners: out of memory");
		exit(EXIT_ENV);
	}
	for (i = 0; i < l->n; i++) {
		v[i].sock = &l->v[i];
		v[i].netns_name = netns_name(l->v[i].netns_ino);
		v[i].owners = socks_owners(socks, l->v[i].sock_ino);
	}
	listeners_print_json(sb, v, l->n, socks_tier(socks));
	free(v);
}

int cmd_listeners(int argc, char **argv)
{
	struct sock_list l = {};
	struct socks *socks;
	struct strbuf sb;
	const char *tier = NULL;
	bool json = false;
	int opt, n;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "jvh", listeners_options, NULL)) != -1) {
		switch (opt) {
		case 'j':
			json = true;
			break;
		case 'v':
			verbose = true;
			break;
		case 'T':
			if (tier) {
				uev_err("listeners: --tier given twice; give one socket walk");
				return EXIT_USAGE;
			}
			tier = optarg;
			if (!socks_tier_valid(tier)) {
				uev_err("listeners: --tier takes %s or %s, not '%s'",
					SOCKS_TIER_FILES, SOCKS_TIER_NETLINK, tier);
				return EXIT_USAGE;
			}
			break;
		case 'h':
			fputs(listeners_usage, stdout);
			return EXIT_OK;
		default:
			uev_err("listeners: unknown option '%s'; see 'uevscope listeners --help'",
				argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		uev_err("listeners: unexpected argument '%s'; see 'uevscope listeners --help'",
			argv[optind]);
		return EXIT_USAGE;
	}
	if (!require_root("listeners") || !require_btf())
		return EXIT_ENV;
	setup_libbpf_logging();
	socks = tier ? socks_open_tier(tier) : socks_open();
	if (!socks || !socks_can_list(socks)) {
		uev_err("listeners: this kernel refused %s that lists sockets; see 'uevscope "
			"features -v'",
			tier ? tier : "both iterators (iter/task_file, iter/netlink)");
		socks_close(socks);
		return EXIT_ENV;
	}
	n = socks_list(socks, collect_cb, &l);
	if (n < 0) {
		uev_err("listeners: reading the socket iterator failed: %s", strerror(-n));
		socks_close(socks);
		return EXIT_ENV;
	}
	if (l.n > 1) /* v is NULL when empty: qsort(NULL, 0) is undefined */
		qsort(l.v, l.n, sizeof(*l.v), by_netns_portid);
	/* The one walk named the holders already; the per-netns walk needs /proc. */
	if (strcmp(socks_tier(socks), SOCKS_TIER_FILES))
		socks_refresh_owners(socks);
	sb_init(&sb, 4096);
	if (json)
		print_json(&sb, socks, &l);
	else
		print_text(&sb, socks, &l);
	fputs(sb.buf, stdout);
	sb_free(&sb);
	free(l.v);
	socks_close(socks);
	netns_names_free();
	return EXIT_OK;
}
