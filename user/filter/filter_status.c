// SPDX-License-Identifier: GPL-2.0
/* `uevscope filter list` and `filter status`: text and JSON printers of the pinned state. */
#include <signal.h>
#include <stdio.h>
#include <unistd.h>
#include <string.h>
#include <bpf/bpf.h>
#include "common.h"
#include "filter_attach.h"
#include "filter_cli.h"
#include "filter_watch.h"
#include "json.h"
#include "nsnames.h"

static const char *const counter_names[FILTER_CNT_MAX] = {
    [FILTER_CNT_SEEN] = "evaluated",	     [FILTER_CNT_DEFAULT_ALLOW] = "default_allow",
    [FILTER_CNT_NO_FACTS] = "no_facts",	     [FILTER_CNT_LOAD_FAIL] = "load_failed",
    [FILTER_CNT_NO_STATS] = "stats_missing",
};

static bool parse_json_flag(int argc, char **argv, const char *what, bool *json)
{
	*json = false;
	if (argc == 2 && (!strcmp(argv[1], "-j") || !strcmp(argv[1], "--json"))) {
		*json = true;
		return true;
	}
	if (argc == 1)
		return true;
	cmd_usage_error("filter", "%s takes no argument but -j", what);
	return false;
}

static int open_ro(struct filter_state *st, bool json)
{
	char err[256];

	if (!filter_state_exists()) {
		if (json)
			printf("{\"rules\":[],\"loaded\":false}\n");
		else
			printf("no filter policy loaded\n");
		return 1;
	}
	if (filter_state_open(st, false, err, sizeof(err))) {
		uev_err("%s", err);
		return -1;
	}
	return 0;
}

static void json_str(struct strbuf *sb, const char *s)
{
	sb_json_str(sb, s, strlen(s));
}

static void print_rules(const struct filter_state *st, const struct filter_set *set, bool json,
			struct strbuf *sb)
{
	__u64 allowed, denied;
	unsigned int i;

	if (!json)
		printf("%-4s %10s %10s  %s\n", "ID", "ALLOWED", "DENIED", "RULE");
	for (i = 0; i < set->nrules; i++) {
		const struct filter_rule *r = &set->rules[i];

		filter_state_rule_stats(st, r->id, &allowed, &denied);
		if (!json) {
			printf("%-4u %10llu %10llu  %s%s\n", r->id, (unsigned long long)allowed,
			       (unsigned long long)denied, r->text,
			       r->flags & FILTER_RULE_LOCK ? " [lock]" : "");
			continue;
		}
		sb_printf(sb,
			  "%s{\"id\":%u,\"action\":\"%s\",\"scope\":\"%s\",\"rule\":", i ? "," : "",
			  r->id, filter_action_name(r->action), filter_scope_name(r->scope));
		json_str(sb, r->text);
		sb_printf(sb, ",\"netns\":%u,\"cgroup_id\":%llu,\"pid\":%u,\"lock\":%s",
			  r->netns_ino, (unsigned long long)r->cgroup_id, r->pid,
			  r->flags & FILTER_RULE_LOCK ? "true" : "false");
		sb_printf(sb, ",\"allowed\":%llu,\"denied\":%llu}", (unsigned long long)allowed,
			  (unsigned long long)denied);
	}
}

int filter_list(int argc, char **argv)
{
	struct filter_state st;
	struct filter_set set;
	struct strbuf sb;
	bool json;
	int ret;

	if (!parse_json_flag(argc, argv, "list", &json))
		return EXIT_USAGE;
	if (!require_root("filter list"))
		return EXIT_ENV;
	ret = open_ro(&st, json);
	if (ret)
		return ret < 0 ? EXIT_ENV : EXIT_OK;
	filter_state_read_set(&st, &set);
	sb_init(&sb, 4096);
	if (json)
		sb_puts(&sb, "{\"loaded\":true,\"rules\":[");
	print_rules(&st, &set, json, &sb);
	if (json) {
		sb_puts(&sb, "]}");
		puts(sb.buf);
	}
	sb_free(&sb);
	filter_state_close(&st);
	return EXIT_OK;
}

static const char *sock_state(const struct filter_sock_facts *f)
{
	if (f->flags & FILTER_SOCK_FOREIGN)
		return "refused: own filter";
	if (!(f->flags & FILTER_SOCK_ATTACHED))
		return "lsm";
	if (f->flags & FILTER_SOCK_LOCKED)
		return f->flags & FILTER_SOCK_REPLACED ? "filtered, locked, replaced"
						       : "filtered, locked";
	return f->flags & FILTER_SOCK_REPLACED ? "filtered, replaced" : "filtered";
}

static void print_socks(const struct filter_state *st, bool json, struct strbuf *sb)
{
	int fd = filter_state_fsocks_fd(st), n = 0;
	__u64 key, next, *prev = NULL;
	struct filter_sock_facts f;

	if (!json)
		printf("\n%-12s %-8s %-5s %-22s %s\n", "SOCKET", "PID", "FD", "NETNS", "STATE");
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		const char *name;

		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &f) || !filter_sock_alive(&f))
			continue;
		name = netns_name(f.netns_ino);
		if (!json) {
			printf("%-12u %-8u %-5u %u%s%s%s %s\n", f.sock_ino, f.tgid, f.fd,
			       f.netns_ino, name ? "[" : "", name ? name : "", name ? "]" : "",
			       sock_state(&f));
			continue;
		}
		sb_printf(sb,
			  "%s{\"socket\":%u,\"pid\":%u,\"fd\":%u,\"netns\":%u,\"state\":\"%s\"}",
			  n++ ? "," : "", f.sock_ino, f.tgid, f.fd, f.netns_ino, sock_state(&f));
	}
}

static int status_once(bool json)
{
	struct filter_watch_stats ws = {};
	__u64 cnt[FILTER_CNT_MAX];
	struct filter_state st;
	struct filter_set set;
	struct strbuf sb;
	pid_t watcher;
	int ret, i;

	ret = open_ro(&st, json);
	if (ret)
		return ret < 0 ? EXIT_ENV : EXIT_OK;
	filter_state_read_set(&st, &set);
	filter_state_counters(&st, cnt);
	filter_state_watch_get(&st, &ws);
	watcher = filter_watch_running();
	sb_init(&sb, 4096);
	if (!json) {
		printf("tier: %s\n", st.tier_name);
		if (watcher)
			printf(
			    "watcher: pid %d via %s, %llu socket(s) covered as they appeared, "
			    "window last %.3f ms, max %.3f ms, %llu rescans, %llu notices lost\n",
			    (int)watcher, watch_method_name(ws.method),
			    (unsigned long long)ws.attached, ws.last_window_ns / 1e6,
			    ws.max_window_ns / 1e6, (unsigned long long)ws.scans,
			    (unsigned long long)ws.lost);
		else
			printf("watcher: not running (sockets created from now on are not covered; "
			       "run 'uevscope filter watch')\n");
		printf("counters:");
		for (i = 0; i < FILTER_CNT_MAX; i++)
			printf(" %s=%llu", counter_names[i], (unsigned long long)cnt[i]);
		printf("\n\n");
		print_rules(&st, &set, false, NULL);
		print_socks(&st, false, NULL);
	} else {
		sb_printf(&sb, "{\"loaded\":true,\"tier\":\"%s\",\"watcher\":{\"pid\":%d",
			  st.tier == FILTER_TIER_LSM ? "lsm" : "socket_filter", (int)watcher);
		sb_puts(&sb, ",\"method\":");
		json_str(&sb, watch_method_name(ws.method));
		sb_printf(&sb, ",\"notices\":%llu,\"lost\":%llu,\"scans\":%llu",
			  (unsigned long long)ws.notices, (unsigned long long)ws.lost,
			  (unsigned long long)ws.scans);
		sb_printf(&sb, ",\"attached\":%llu,\"last_window_ns\":%llu,\"max_window_ns\":%llu}",
			  (unsigned long long)ws.attached, (unsigned long long)ws.last_window_ns,
			  (unsigned long long)ws.max_window_ns);
		sb_puts(&sb, ",\"counters\":{");
		for (i = 0; i < FILTER_CNT_MAX; i++)
			sb_printf(&sb, "%s\"%s\":%llu", i ? "," : "", counter_names[i],
				  (unsigned long long)cnt[i]);
		sb_puts(&sb, "},\"rules\":[");
		print_rules(&st, &set, true, &sb);
		sb_puts(&sb, "],\"sockets\":[");
		print_socks(&st, true, &sb);
		sb_puts(&sb, "]}");
		puts(sb.buf);
	}
	sb_free(&sb);
	filter_state_close(&st);
	return EXIT_OK;
}

static volatile sig_atomic_t stop_req;

static void on_stop(int sig)
{
	(void)sig;
	stop_req = 1;
}

/* filter status [-j] [INTERVAL [COUNT]]: an interval alone repeats until interrupted. */
int filter_status(int argc, char **argv)
{
	double interval = 0;
	uint64_t count = 1;
	const char *pos[2];
	int npos = 0, i, ret = EXIT_OK;
	bool json = false;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-j") || !strcmp(argv[i], "--json"))
			json = true;
		else if (npos < 2 && argv[i][0] != '-')
			pos[npos++] = argv[i];
		else
			return cmd_usage_error("filter", "status takes [-j] [INTERVAL [COUNT]]");
	}
	if (npos >= 1 && (!parse_seconds(pos[0], &interval) || interval <= 0))
		return cmd_usage_error("filter", "INTERVAL wants seconds > 0, not '%s'", pos[0]);
	if (npos == 2 && (!parse_u64(pos[1], &count) || !count))
		return cmd_usage_error("filter", "COUNT wants a positive number, not '%s'", pos[1]);
	if (npos == 1)
		count = 0;
	if (!require_root("filter status"))
		return EXIT_ENV;
	/* A periodic status ends on SIGINT/SIGTERM with exit 0, like trace. */
	signal(SIGINT, on_stop);
	signal(SIGTERM, on_stop);
	for (uint64_t n = 0; !stop_req && (!count || n < count); n++) {
		if (n) {
			usleep((useconds_t)(interval * 1e6));
			if (stop_req)
				break;
			if (!json)
				printf("\n");
		}
		ret = status_once(json);
		fflush(stdout);
		if (ret != EXIT_OK)
			break;
	}
	return ret;
}
