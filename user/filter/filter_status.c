// SPDX-License-Identifier: GPL-2.0
/* `uevscope filter list` and `filter status`: text and JSON printers of the pinned state. */
#include <signal.h>
#include <stdio.h>
#include <unistd.h>
#include <string.h>
#include <bpf/bpf.h>
#include "common.h"
#include "policy_commit.h"
#include "filter_attach.h"
#include "filter_cli.h"
#include "filter_watch.h"
#include "json.h"
#include "nsnames.h"

static const char *const counter_names[FILTER_CNT_MAX] = {
    [FILTER_CNT_SEEN] = "evaluated",
    [FILTER_CNT_DEFAULT_ALLOW] = "default_allow",
    [FILTER_CNT_NO_FACTS] = "no_facts",
    [FILTER_CNT_LOAD_FAIL] = "load_failed",
    [FILTER_CNT_NO_STATS] = "stats_missing",
    [FILTER_CNT_ACK] = "acks",
    [FILTER_CNT_TOO_LARGE] = "denied_too_large",
    [FILTER_CNT_UDEV_FORMAT] = "denied_udev_format",
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

	commit_warn_unfinished(); /* stderr: what is listed is in force all the same */

	if (!filter_state_exists()) {
		if (json) {
			struct json_writer w;
			struct strbuf sb;

			sb_init(&sb, 64);
			jw_record(&w, &sb);
			jw_array(&w, "rules");
			jw_array_end(&w);
			jw_bool(&w, "loaded", false);
			jw_record_end(&w);
			fputs(sb.buf, stdout);
			sb_free(&sb);
		} else
			printf("no filter policy loaded\n");
		return 1;
	}
	if (filter_state_open(st, false, err, sizeof(err))) {
		uev_err("%s", err);
		return -1;
	}
	return 0;
}

/* Text on stdout, or JSON objects into w's "rules" array. */
static void print_rules(const struct filter_state *st, const struct filter_set *set,
			struct json_writer *w)
{
	__u64 allowed, denied;
	unsigned int i;

	if (!w)
		printf("%-4s %10s %10s  %s\n", "ID", "ALLOWED", "DENIED", "RULE");
	for (i = 0; i < set->nrules; i++) {
		const struct filter_rule *r = &set->rules[i];

		filter_state_rule_stats(st, r->id, &allowed, &denied);
		if (!w) {
			printf("%-4u %10llu %10llu  %s%s\n", r->id, (unsigned long long)allowed,
			       (unsigned long long)denied, r->text,
			       r->flags & FILTER_RULE_LOCK ? " [lock]" : "");
			continue;
		}
		jw_object(w, NULL);
		jw_u64(w, "id", r->id);
		jw_str(w, "action", filter_action_name(r->action));
		jw_str(w, "scope", filter_scope_name(r->scope));
		jw_str(w, "rule", r->text);
		jw_u64(w, "netns", r->netns_ino);
		jw_u64(w, "cgroup_id", r->cgroup_id);
		jw_u64(w, "pid", r->pid);
		jw_bool(w, "lock", r->flags & FILTER_RULE_LOCK);
		jw_u64(w, "allowed", allowed);
		jw_u64(w, "denied", denied);
		jw_object_end(w);
	}
}

int filter_list(int argc, char **argv)
{
	struct json_writer w;
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
	if (json) {
		jw_record(&w, &sb);
		jw_bool(&w, "loaded", true);
		jw_array(&w, "rules");
		print_rules(&st, &set, &w);
		jw_array_end(&w);
		jw_record_end(&w);
		fputs(sb.buf, stdout);
	} else {
		print_rules(&st, &set, NULL);
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

/* Text on stdout, or JSON objects into w's "sockets" array. */
static void print_socks(const struct filter_state *st, struct json_writer *w)
{
	int fd = filter_state_fsocks_fd(st);
	__u64 key, next, *prev = NULL;
	struct filter_sock_facts f;

	if (!w)
		printf("\n%-12s %-8s %-5s %-22s %s\n", "SOCKET", "PID", "FD", "NETNS", "STATE");
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		const char *name;

		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &f) || !filter_sock_alive(&f))
			continue;
		name = netns_name(f.netns_ino);
		if (!w) {
			printf("%-12u %-8u %-5u %u%s%s%s %s\n", f.sock_ino, f.tgid, f.fd,
			       f.netns_ino, name ? "[" : "", name ? name : "", name ? "]" : "",
			       sock_state(&f));
			continue;
		}
		jw_object(w, NULL);
		jw_u64(w, "socket", f.sock_ino);
		jw_u64(w, "pid", f.tgid);
		jw_u64(w, "fd", f.fd);
		jw_u64(w, "netns", f.netns_ino);
		jw_str(w, "state", sock_state(&f));
		jw_object_end(w);
	}
}

static int status_once(bool json)
{
	struct filter_watch_stats ws = {};
	__u64 cnt[FILTER_CNT_MAX];
	struct filter_state st;
	struct filter_set set;
	struct strbuf sb;
	const char *news;
	char gaps[160];
	pid_t watcher;
	int ret, i;

	ret = open_ro(&st, json);
	if (ret)
		return ret < 0 ? EXIT_ENV : EXIT_OK;
	filter_state_read_set(&st, &set);
	filter_state_counters(&st, cnt);
	filter_state_watch_get(&st, &ws);
	watcher = filter_watch_running();
	news = filter_new_sockets(&st, &ws, watcher, gaps, sizeof(gaps));
	sb_init(&sb, 4096);
	if (!json) {
		printf("tier: %s\n", st.tier_name);
		printf("evaluator: %s\n", filter_state_eval_name(&st));
		if (!strcmp(news, "lsm"))
			printf("new sockets: no window (the LSM program sees every socket)\n");
		else if (!strcmp(news, "held"))
			printf(
			    "new sockets: held at socket() until covered, %llu held, last %.3f ms, "
			    "max %.3f ms, %llu not held, %llu binders killed, %llu purged "
			    "(%llu holders killed)%s%s%s\n",
			    (unsigned long long)ws.held, ws.last_hold_ns / 1e6,
			    ws.max_hold_ns / 1e6, (unsigned long long)ws.hold_failed,
			    (unsigned long long)ws.bind_killed, (unsigned long long)ws.purged,
			    (unsigned long long)ws.purge_killed,
			    gaps[0] ? "; best effort for sockets made through " : "", gaps,
			    gaps[0] ? " (a window up to the next rescan)" : "");
		else if (!strcmp(news, "best_effort"))
			printf("new sockets: best effort, covered by a rescan every second (no "
			       "syscall "
			       "tracepoint attached)\n");
		else
			printf("new sockets: not covered (no watcher)\n");
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
		printf("\n");
		if (cnt[FILTER_CNT_TOO_LARGE] || cnt[FILTER_CNT_UDEV_FORMAT])
			printf("denied: %llu too large to evaluate, %llu in udev format\n",
			       (unsigned long long)cnt[FILTER_CNT_TOO_LARGE],
			       (unsigned long long)cnt[FILTER_CNT_UDEV_FORMAT]);
		printf("\n");
		print_rules(&st, &set, NULL);
		print_socks(&st, NULL);
	} else {
		struct json_writer w;

		jw_record(&w, &sb);
		jw_bool(&w, "loaded", true);
		jw_str(&w, "tier", st.tier == FILTER_TIER_LSM ? "lsm" : "socket_filter");
		jw_str(&w, "evaluator", filter_state_eval_name(&st));
		jw_object(&w, "watcher");
		jw_i64(&w, "pid", watcher);
		jw_str(&w, "method", watch_method_name(ws.method));
		jw_u64(&w, "notices", ws.notices);
		jw_u64(&w, "lost", ws.lost);
		jw_u64(&w, "scans", ws.scans);
		jw_u64(&w, "attached", ws.attached);
		jw_u64(&w, "last_window_ns", ws.last_window_ns);
		jw_u64(&w, "max_window_ns", ws.max_window_ns);
		jw_str(&w, "new_sockets", news);
		jw_str(&w, "best_effort", gaps);
		jw_u64(&w, "held", ws.held);
		jw_u64(&w, "hold_failed", ws.hold_failed);
		jw_u64(&w, "last_hold_ns", ws.last_hold_ns);
		jw_u64(&w, "max_hold_ns", ws.max_hold_ns);
		jw_u64(&w, "bind_killed", ws.bind_killed);
		jw_u64(&w, "purged", ws.purged);
		jw_u64(&w, "purge_killed", ws.purge_killed);
		jw_object_end(&w);
		jw_object(&w, "counters");
		for (i = 0; i < FILTER_CNT_MAX; i++)
			jw_u64(&w, counter_names[i], cnt[i]);
		jw_object_end(&w);
		jw_array(&w, "rules");
		print_rules(&st, &set, &w);
		jw_array_end(&w);
		jw_array(&w, "sockets");
		print_socks(&st, &w);
		jw_array_end(&w);
		jw_record_end(&w);
		fputs(sb.buf, stdout);
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
