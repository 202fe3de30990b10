// SPDX-License-Identifier: GPL-2.0
/* `uevscope devices`: allow or deny device access per cgroup, list the rules, flush them. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "attach/attach.h"
#include "common.h"
#include "devices.h"
#include "devices_pins.h"
#include "hotplug.h"
#include "policy_commit.h"
#include "json.h"
#include "probe.h"
#include "strbuf.h"
#include "subcommands.h"

static const char devices_usage[] =
    "usage: uevscope devices allow|deny --cgroup PATH TYPE MAJOR:MINOR ACCESS\n"
    "       uevscope devices list [-j] [INTERVAL [COUNT]]\n"
    "       uevscope devices flush\n"
    "\n"
    "Decide which device nodes the processes of a cgroup v2 (and its descendants)\n"
    "may open or create, with a cgroup/dev BPF program attached there alongside the\n"
    "container runtime's own (all attached programs must allow). Rules are tried in\n"
    "the order they were added, first match wins, no match allows. They are pinned\n"
    "under " DEV_PIN_DIR " and stay in force after uevscope exits.\n"
    "\n"
    "  TYPE          c (char), b (block) or a (both)\n"
    "  MAJOR:MINOR   decimal numbers, * for any: 1:3, 8:*, *:* (or just *)\n"
    "  ACCESS        some of r (read), w (write), m (mknod); an allow rule matches an\n"
    "                access it covers entirely, a deny rule any access it names\n"
    "  --cgroup PATH a cgroup v2 directory, full or relative to the cgroup2 mount; attach\n"
    "                at a parent of a container's cgroup: runtimes detach device programs\n"
    "                they did not load from the container's own cgroup\n"
    "  -j, --json    list as one JSON object\n"
    "      --hook H  link or prog-attach instead of the first that works (tests)\n"
    "  -v, --verbose say why an attach mode was refused; libbpf logs\n"
    "  -h, --help    this help\n"
    "\n"
    "EXAMPLES:\n"
    "  uevscope devices deny --cgroup /machine.slice b '*:*' rwm   # no block devices\n"
    "  uevscope devices allow --cgroup /machine.slice c 1:3 rw     # /dev/null\n"
    "  uevscope devices list                                       # rules and counters\n"
    "  uevscope devices list -j 1 5                                # every second, 5 times\n"
    "  uevscope devices flush                                      # remove everything\n"
    "\n"
    "Exit status: 0 done, 1 environment (not root, no cgroup/dev, bpffs), 2 bad usage.\n";

static volatile sig_atomic_t exiting;

static void on_signal(int sig)
{
	(void)sig;
	exiting = 1;
}

struct devices_args {
	const char *action;
	const char *cgroup;
	char **words;
	int nwords;
	bool json;
};

enum { OPT_CGROUP = 256, OPT_HOOK };

static const struct option devices_options[] = {
    {"cgroup", required_argument, NULL, OPT_CGROUP},
    {"json", no_argument, NULL, 'j'},
    {"hook", required_argument, NULL, OPT_HOOK},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {},
};

/* Returns -1 to go on, or the exit code. */
static int parse_args(int argc, char **argv, struct devices_args *a)
{
	int opt;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":jvh", devices_options, NULL)) != -1) {
		switch (opt) {
		case OPT_CGROUP:
			a->cgroup = optarg;
			break;
		case 'j':
			a->json = true;
			break;
		case OPT_HOOK:
			if (strcmp(optarg, "link") && strcmp(optarg, "prog-attach"))
				return cmd_usage_error(
				    "devices", "--hook is link or prog-attach, not '%s'", optarg);
			devices_force_hook = optarg;
			break;
		case 'v':
			verbose = true;
			break;
		case 'h':
			fputs(devices_usage, stdout);
			return EXIT_OK;
		default: /* ':' or '?' */
			return cmd_getopt_error("devices", opt, argv);
		}
	}
	if (optind == argc)
		return cmd_usage_error("devices", "%s", "say allow, deny, list or flush");
	a->action = argv[optind++];
	a->words = argv + optind;
	a->nwords = argc - optind;
	return -1;
}

/* cgroup/dev must load and attach here; -v says what the probe saw. */
static bool probe_hook(void)
{
	struct probe_set ps = {};
	const struct probe_result *r;

	silence_libbpf(true);
	r = probe_one(&ps, PROBE_CGROUP_DEV);
	silence_libbpf(false);
	probe_caches_free(&ps);
	if (!r || !r->ok) {
		uev_err("devices: this kernel refuses cgroup/dev programs: %s",
			r ? r->reason : "probe failed");
		return false;
	}
	uev_dbg("devices: cgroup/dev works here (%s)", r->detail);
	return true;
}

static const char *hook_of(uint64_t cgroup_id)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/link-%" PRIu64, DEV_PIN_DIR, cgroup_id);
	if (!access(path, F_OK))
		return "link";
	snprintf(path, sizeof(path), "%s/prog-%" PRIu64, DEV_PIN_DIR, cgroup_id);
	return access(path, F_OK) ? "none" : "prog-attach";
}

static int add_rule(const struct devices_args *a, bool allow)
{
	static struct dev_state st;
	char err[512], desc[64];
	struct dev_rule rule;
	struct commit c;
	size_t i;
	int lock, rc;

	if (dev_rule_parse(a->cgroup, allow, a->nwords, a->words, &rule, err, sizeof(err))) {
		fprintf(stderr, "uevscope: devices: %s\n", err);
		return EXIT_USAGE;
	}
	if (!require_root("devices") || !probe_hook())
		return EXIT_ENV;
	if (commit_lock(&c, err, sizeof(err)))
		goto env;
	lock = devices_lock(err, sizeof(err));
	if (lock < 0) {
		commit_close(&c);
		goto env;
	}
	rc = devices_read(&st, err, sizeof(err));
	if (rc)
		goto env_locked;
	dev_rule_format(&rule, desc, sizeof(desc));
	for (i = 0; i < st.n && !dev_rule_same(&st.rules[i], &rule); i++)
		;
	if (i < st.n) {
		fprintf(stderr,
			"uevscope: devices: %s %s on %s is rule %zu already; nothing changed\n",
			allow ? "allow" : "deny", desc, rule.cgroup, i + 1);
		devices_unlock(lock);
		commit_close(&c);
		return EXIT_OK;
	}
	if (st.n == DEV_RULES_MAX) {
		fprintf(stderr, "uevscope: devices: already %d rules, the most there can be\n",
			DEV_RULES_MAX);
		devices_unlock(lock);
		commit_close(&c);
		return EXIT_USAGE;
	}
	st.rules[st.n++] = rule;
	rc = devices_commit(&c, st.rules, st.n, err, sizeof(err));
	if (rc)
		goto env_locked;
	devices_unlock(lock);
	fprintf(stderr, "uevscope: devices: rule %zu: %s %s on %s, enforced via cgroup/dev (%s)\n",
		st.n, allow ? "allow" : "deny", desc, rule.cgroup, hook_of(rule.cgroup_id));
	return EXIT_OK;
env_locked:
	devices_unlock(lock);
	commit_close(&c);
env:
	uev_err("devices: %s", err);
	return EXIT_ENV;
}

/* What `uevscope attach` opened, and for whom (its state file). */
static void print_attached(struct strbuf *sb, struct json_writer *w)
{
	struct hotplug_entry *e;
	size_t n, i;

	if (hotplug_read(&e, &n))
		n = 0;
	if (w)
		jw_array(w, "attached");
	for (i = 0; i < n; i++) {
		char why[128];
		bool gone = hotplug_gone(&e[i], why, sizeof(why));
		const char *via = !strcmp(e[i].access, "v1") ? "cgroup v1 devices.allow"
				  : !strcmp(e[i].access, "v2")
				      ? "rules above, replacing the runtime's"
				      : "no device control";
		if (w) {
			jw_object(w, NULL);
			jw_str(w, "cgroup", e[i].cgroup);
			jw_u64(w, "pid", e[i].pid);
			jw_strn(w, "type", &e[i].type, 1);
			jw_u64(w, "major", e[i].major);
			jw_u64(w, "minor", e[i].minor);
			jw_str(w, "node", e[i].node);
			jw_str(w, "access", e[i].access);
			jw_u64(w, "runtime_prog", e[i].orig_prog);
			jw_str(w, "state", gone ? "gone" : "attached");
			jw_object_end(w);
			continue;
		}
		sb_printf(sb, "attached %c %u:%u %s to %s (pid %u) via %s", e[i].type, e[i].major,
			  e[i].minor, e[i].node, e[i].cgroup, e[i].pid, via);
		if (e[i].orig_prog)
			sb_printf(sb, "; runtime program %u set aside (pinned)", e[i].orig_prog);
		/* Only when its detach failed above: the sweep detaches every gone device. */
		if (gone)
			sb_printf(sb, "; gone: %s, not yet detached", why);
		sb_putc(sb, '\n');
	}
	if (w)
		jw_array_end(w);
	free(e);
}

static void print_text(struct strbuf *sb, const struct dev_state *st)
{
	char desc[64];
	size_t i, col;

	if (!st->n) {
		sb_printf(sb, "no device rules\n");
	} else {
		sb_printf(sb, "%-4s %-32s %-6s %-12s %-6s %10s %10s %s\n", "RULE", "CGROUP",
			  "ACTION", "DEVICE", "ACCESS", "ALLOWED", "DENIED", "HOOK");
	}
	for (i = 0; i < st->n; i++) {
		const struct dev_rule *r = &st->rules[i];

		dev_rule_format(r, desc, sizeof(desc));
		/* desc is "c 1:3 rw": split off the access for its own column. */
		col = strrchr(desc, ' ') - desc;
		desc[col] = '\0';
		sb_printf(sb, "%-4zu %-32s %-6s %-12s %-6s %10" PRIu64 " %10" PRIu64 " %s\n", i + 1,
			  r->cgroup, r->allow ? "allow" : "deny", desc, desc + col + 1, r->allowed,
			  r->denied, hook_of(r->cgroup_id));
	}
	if (st->undecided)
		sb_printf(sb, "%" PRIu64 " checks allowed because the policy could not be read\n",
			  st->undecided);
	print_attached(sb, NULL);
}

/* A device number, null for "any". */
static void json_num(struct json_writer *w, const char *key, int32_t v)
{
	if (v == DEV_ANY)
		jw_null(w, key);
	else
		jw_i64(w, key, v);
}

static void print_json(struct strbuf *sb, const struct dev_state *st)
{
	struct json_writer w;
	char desc[64];
	size_t i;

	jw_record(&w, sb);
	jw_u64(&w, "generation", st->generation);
	jw_u64(&w, "undecided", st->undecided);
	jw_array(&w, "rules");
	for (i = 0; i < st->n; i++) {
		const struct dev_rule *r = &st->rules[i];

		dev_rule_format(r, desc, sizeof(desc));
		jw_object(&w, NULL);
		jw_u64(&w, "id", i + 1);
		jw_str(&w, "cgroup", r->cgroup);
		jw_u64(&w, "cgroup_id", r->cgroup_id);
		jw_str(&w, "action", r->allow ? "allow" : "deny");
		jw_strn(&w, "type", &r->type, 1);
		json_num(&w, "major", r->major);
		json_num(&w, "minor", r->minor);
		jw_str(&w, "access", strrchr(desc, ' ') + 1);
		jw_u64(&w, "allowed", r->allowed);
		jw_u64(&w, "denied", r->denied);
		jw_str(&w, "hook", hook_of(r->cgroup_id));
		jw_object_end(&w);
	}
	jw_array_end(&w);
	print_attached(sb, &w);
	jw_record_end(&w);
}

static int list_rules(const struct devices_args *a)
{
	static struct dev_state st;
	uint64_t count = 1, done;
	double interval = 0;
	struct strbuf sb;
	char err[512];
	int lock, rc;

	if (a->nwords > 2)
		return cmd_usage_error("devices", "unexpected argument '%s'", a->words[2]);
	if (a->nwords >= 1 && !parse_seconds(a->words[0], &interval))
		return cmd_usage_error("devices",
				       "INTERVAL wants a positive number of seconds, not '%s'",
				       a->words[0]);
	if (a->nwords == 1)
		count = 0; /* an interval alone repeats until interrupted */
	if (a->nwords == 2 && (!parse_u64(a->words[1], &count) || !count))
		return cmd_usage_error("devices", "COUNT wants a positive number, not '%s'",
				       a->words[1]);
	if (!require_root("devices"))
		return EXIT_ENV;
	/* An attach or detach killed part way is resolved first: the list is then the truth. */
	if (att_recover_locked("devices"))
		uev_err("devices: cannot resolve %s: the attached devices below may be wrong",
			HOTPLUG_JOURNAL);
	/* A periodic list ends on SIGINT/SIGTERM with exit 0, like trace. */
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	sb_init(&sb, 4096);
	for (done = 0; !count || done < count; done++) {
		if (done)
			usleep((useconds_t)(interval * 1e6));
		if (exiting)
			break;
		lock = devices_lock(err, sizeof(err));
		rc = lock < 0 ? lock : devices_read(&st, err, sizeof(err));
		devices_unlock(lock);
		if (rc) {
			uev_err("devices: %s", err);
			sb_free(&sb);
			return EXIT_ENV;
		}
		if (!done)
			commit_warn_unfinished();
		sb_reset(&sb);
		if (a->json)
			print_json(&sb, &st);
		else
			print_text(&sb, &st);
		fputs(sb.buf, stdout);
		fflush(stdout);
	}
	sb_free(&sb);
	return EXIT_OK;
}

static int flush_rules(const struct devices_args *a)
{
	static struct dev_state st;
	struct commit c;
	char err[512];
	int lock, rc;

	if (a->nwords)
		return cmd_usage_error("devices", "unexpected argument '%s'", a->words[0]);
	if (!require_root("devices"))
		return EXIT_ENV;
	if (commit_lock(&c, err, sizeof(err))) {
		uev_err("devices: %s", err);
		return EXIT_ENV;
	}
	lock = devices_lock(err, sizeof(err));
	if (lock < 0) {
		uev_err("devices: %s", err);
		commit_close(&c);
		return EXIT_ENV;
	}
	/* A policy we cannot read is still ours to remove. */
	if (devices_read(&st, err, sizeof(err)))
		st.n = 0;
	/* Nothing of ours pinned: nothing to change (and no ucommit to make). */
	rc = access(DEV_PIN_DIR, F_OK) ? 0 : devices_commit(&c, st.rules, 0, err, sizeof(err));
	commit_unpin_if_unused(); /* a first change killed early may have left ucommit */
	devices_unlock(lock);
	commit_close(&c);
	if (rc) {
		uev_err("devices: %s", err);
		return EXIT_ENV;
	}
	fprintf(stderr, "uevscope: devices: flushed %zu rule%s; nothing of ours is attached\n",
		st.n, st.n == 1 ? "" : "s");
	return EXIT_OK;
}

int cmd_devices(int argc, char **argv)
{
	struct devices_args a = {};
	int rc = parse_args(argc, argv, &a);

	if (rc >= 0)
		return rc;
	setup_libbpf_logging();
	/* parse_args() returns -1 only after setting action from argv[optind < argc]. */
	/* NOLINTNEXTLINE(clang-analyzer-core.NonNullParamChecker) */
	if (!strcmp(a.action, "allow") || !strcmp(a.action, "deny"))
		return add_rule(&a, !strcmp(a.action, "allow"));
	if (strcmp(a.action, "list") && strcmp(a.action, "flush"))
		return cmd_usage_error(
		    "devices", "unknown action '%s': say allow, deny, list or flush", a.action);
	if (a.cgroup)
		return cmd_usage_error("devices", "--cgroup goes with allow or deny, not %s",
				       a.action);
	if (!strcmp(a.action, "list"))
		return list_rules(&a);
	return flush_rules(&a);
}
