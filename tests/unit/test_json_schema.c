// SPDX-License-Identifier: GPL-2.0
/*
 * The JSON schema of trace, report, listeners and features, pinned: each
 * printer runs on hand-made view structs, the output is parsed, and the set
 * of fields (their paths) and their JSON types must be exactly the pinned
 * one, so that a renamed, retyped or dropped field fails here, and with it
 * the reminder to raise JSON_SCHEMA and update docs/json.md.
 */
#include <stdlib.h>
#include <string.h>

#include "fwdstate.h"
#include "json.h"
#include "features/features.h"
#include "report/listeners_print.h"
#include "report/report_print.h"
#include "trace/trace_print.h"
#include "unit.h"
#include "uevent_lit.h"

/* Inodes no namespace has: names and containers resolve to nothing (null). */
#define NS_X 7u

/* --- a small JSON reader: every value's path and type, once each. */
struct schema {
	char *line[512]; /* "path type" */
	int n;
	const char *err;
};

static void note(struct schema *s, const char *path, const char *type)
{
	char buf[256];

	snprintf(buf, sizeof(buf), "%s %s", path, type);
	for (int i = 0; i < s->n; i++)
		if (!strcmp(s->line[i], buf))
			return;
	if (s->n < (int)(sizeof(s->line) / sizeof(s->line[0])))
		s->line[s->n++] = strdup(buf);
}

static const char *skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
		p++;
	return p;
}

static const char *skip_string(const char *p, char *out, size_t outlen)
{
	size_t n = 0;

	p++; /* the opening quote */
	while (*p && *p != '"') {
		if (*p == '\\')
			p++;
		if (out && n + 1 < outlen)
			out[n++] = *p;
		if (*p)
			p++;
	}
	if (out)
		out[n] = '\0';
	return *p == '"' ? p + 1 : NULL;
}

static const char *value(struct schema *s, const char *p, const char *path);

static const char *object(struct schema *s, const char *p, const char *path)
{
	char key[64], sub[256];

	p = skip_ws(p + 1);
	if (*p == '}')
		return p + 1;
	for (;;) {
		if (*p != '"')
			return NULL;
		p = skip_string(p, key, sizeof(key));
		if (!p)
			return NULL;
		p = skip_ws(p);
		if (*p++ != ':')
			return NULL;
		snprintf(sub, sizeof(sub), "%s%s%s", path, *path ? "." : "", key);
		p = value(s, skip_ws(p), sub);
		if (!p)
			return NULL;
		p = skip_ws(p);
		if (*p == '}')
			return p + 1;
		if (*p++ != ',')
			return NULL;
		p = skip_ws(p);
	}
}

static const char *array(struct schema *s, const char *p, const char *path)
{
	char sub[256];

	snprintf(sub, sizeof(sub), "%s[]", path);
	p = skip_ws(p + 1);
	if (*p == ']')
		return p + 1;
	for (;;) {
		p = value(s, p, sub);
		if (!p)
			return NULL;
		p = skip_ws(p);
		if (*p == ']')
			return p + 1;
		if (*p++ != ',')
			return NULL;
		p = skip_ws(p);
	}
}

static const char *value(struct schema *s, const char *p, const char *path)
{
	if (*p == '{') {
		if (*path)
			note(s, path, "object");
		return object(s, p, path);
	}
	if (*p == '[') {
		note(s, path, "array");
		return array(s, p, path);
	}
	if (*p == '"') {
		note(s, path, "string");
		return skip_string(p, NULL, 0);
	}
	if (!strncmp(p, "true", 4) || !strncmp(p, "false", 5)) {
		note(s, path, "bool");
		return p + (*p == 't' ? 4 : 5);
	}
	if (!strncmp(p, "null", 4)) {
		note(s, path, "null");
		return p + 4;
	}
	if (*p == '-' || (*p >= '0' && *p <= '9')) {
		note(s, path, "number");
		p++;
		while ((*p >= '0' && *p <= '9') || *p == '.' || *p == 'e' || *p == 'E' ||
		       *p == '+' || *p == '-')
			p++;
		return p;
	}
	return NULL;
}

/* Every line of text is one record (a top-level object); all of them read into s. */
static bool read_records(struct schema *s, const char *text)
{
	const char *p = text;

	while (*(p = skip_ws(p))) {
		if (*p != '{')
			return false;
		p = value(s, p, "");
		if (!p || *p != '\n')
			return false;
	}
	return true;
}

static void schema_free(struct schema *s)
{
	for (int i = 0; i < s->n; i++)
		free(s->line[i]);
	s->n = 0;
}

/* Whether "path type" is allowed by pin "path type[|type...]". */
static bool pin_allows(const char *pin, const char *seen)
{
	size_t plen = strcspn(pin, " "), slen = strcspn(seen, " ");
	const char *types = pin + plen + 1, *type = seen + slen + 1;
	size_t tlen = strlen(type);

	if (plen != slen || strncmp(pin, seen, plen))
		return false;
	for (const char *t = types; *t; t += strcspn(t, "|"), t += *t == '|')
		if (strcspn(t, "|") == tlen && !strncmp(t, type, tlen))
			return true;
	return false;
}

static bool same_path(const char *pin, const char *seen)
{
	size_t plen = strcspn(pin, " ");

	return plen == strcspn(seen, " ") && !strncmp(pin, seen, plen);
}

/*
 * The fields seen must be exactly the pinned ones, each of a pinned type
 * ("number|null": a field that may be null).
 */
static void check_schema(const char *file, int line, const char *text, const char *const *pin,
			 size_t npin)
{
	struct schema s = {};
	size_t i;
	int j;

	if (!read_records(&s, text)) {
		unit_fail(file, line, "not one JSON object per line: %.200s", text);
		goto out;
	}
	if (getenv("UNIT_SCHEMA_DUMP"))
		for (j = 0; j < s.n; j++)
			fprintf(stderr, "    \"%s\",\n", s.line[j]);
	for (j = 0; j < s.n; j++) {
		for (i = 0; i < npin && !pin_allows(pin[i], s.line[j]); i++)
			;
		if (i == npin) {
			unit_fail(file, line, "field not pinned (or of another type): %s",
				  s.line[j]);
			goto out;
		}
	}
	for (i = 0; i < npin; i++) {
		for (j = 0; j < s.n && !same_path(pin[i], s.line[j]); j++)
			;
		if (j == s.n) {
			unit_fail(file, line, "pinned field missing: %s", pin[i]);
			goto out;
		}
	}
out:
	schema_free(&s);
}

#define CHECK_SCHEMA(text, pin) check_schema(__FILE__, __LINE__, text, pin, ARRAY_LEN(pin))
#define ARRAY_LEN(a)		(sizeof(a) / sizeof((a)[0]))

/* --- trace: delivery, emission, overrun and lost records. */
#define PAYLOAD                                                                          \
	"add@/devices/virtual/mem/null\0ACTION=add\0DEVPATH=/devices/virtual/mem/null\0" \
	"SUBSYSTEM=mem\0SEQNUM=42\0"

static const char *const trace_pin[] = {
    "schema number",
    "type string",
    "time_ns number",
    "seqnum number|null",
    "action string|null",
    "devpath string|null",
    "subsystem string|null",
    "properties array",
    "properties[] array",
    "properties[][] string",
    "netns object",
    "netns.inode number",
    "netns.name string|null",
    "netns.container object|null",
    "userns number",
    "receiver object",
    "receiver.portid number",
    "receiver.pid number|null",
    "receiver.comm string|null",
    "receiver.cgroup string|null",
    "receiver.pids array",
    "receiver.pids[] number",
    "receiver.more_pids number",
    "receiver.cgroup_id number",
    "receiver.sock_inode number",
    "receiver.drops number",
    "receiver.rmem_alloc number",
    "receiver.rcvbuf number",
    "origin object",
    "origin.kind string",
    "origin.pid number",
    "origin.tid number",
    "origin.comm string",
    "origin.netns number",
    "origin.userns number",
    "origin.creds_pid number",
    "truncated bool",
    "payload bool",
    "result string",
    "retval number",
    "deliveries number",
    "lost number",
    "drops_total number",
    "netns.name string|null",
    "count number",
    "what string",
};

static void test_trace(void)
{
	struct uev_record rec = {.netns_ino = NS_X, .userns_ino = 1, .portid = 9, .origin_tgid = 5};
	struct sock_entry owners = {.nowners = 1};
	struct print_opts o = {.json = true, .properties = true};
	struct uev_sock_info sock = {.netns_ino = NS_X};
	struct trace_view v = {.rec = &rec, .wall_ns = 1, .netns_name = "blue", .owners = &owners};
	struct overrun_view ov = {.sock = &sock, .wall_ns = 1, .lost = 2, .owners = &owners};
	struct test_ev ev;
	struct strbuf sb;

	owners.owners[0] = (struct sock_owner){.tgid = 5, .comm = "udevd", .cgroup = "/x"};
	memcpy(rec.origin_comm, "udevd", 6);
	v.ev = EV(&ev, PAYLOAD);
	sb_init(&sb, 4096);
	print_delivery(&sb, &v, &o);
	v.retval = -3;
	print_emission(&sb, &v, &o);
	print_overrun(&sb, &ov, &o);
	print_lost(&sb, 1, "deliveries", 3, &o);
	CHECK_SCHEMA(sb.buf, trace_pin);
	sb_free(&sb);
}

/* --- report: one netns of each kind, every histogram and list non-empty. */
static const char *const report_pin[] = {
    "schema number",
    "type string",
    "time_ns number",
    "delivery_tier string",
    "emission_tier string|null",
    "totals object",
    "totals.delivered number",
    "totals.bytes number",
    "totals.injected number",
    "totals.drops number",
    "retired object",
    "retired.netns number",
    "retired.delivered number",
    "retired.bytes number",
    "retired.injected number",
    "retired.drops number",
    "retired.no_listener number",
    "netns array",
    "netns[] object",
    "netns[].inode number",
    "netns[].name string|null",
    "netns[].container object|null",
    "netns[].userns number",
    "netns[].listeners number",
    "netns[].delivered number",
    "netns[].bytes number",
    "netns[].injected number",
    "netns[].kernel number",
    "netns[].drops number",
    "netns[].last_seqnum number",
    "netns[].emitted number",
    "netns[].no_listener number",
    "events array",
    "events[] object",
    "events[].netns number",
    "events[].origin string",
    "events[].subsystem string",
    "events[].action string",
    "events[].count number",
    "fanout object",
    "fanout.seqnums number",
    "fanout.pending number",
    "fanout.netns array",
    "fanout.netns[] object",
    "fanout.netns[].value number",
    "fanout.netns[].count number",
    "fanout.netns[].or_more bool",
    "fanout.sockets array",
    "fanout.sockets[] object",
    "fanout.sockets[].value number",
    "fanout.sockets[].count number",
    "isolation array",
    "isolation[] object",
    "isolation[].netns number",
    "isolation[].userns number",
    "isolation[].listeners number",
    "isolation[].container object|null",
    "isolation[].injected number",
    "isolation[].kernel number",
    "uevents object",
    "uevents.first_seqnum number",
    "uevents.last_seqnum number",
    "uevents.emitted number",
    "uevents.settled_to number",
    "uevents.delivered number",
    "uevents.no_listener number",
    "uevents.unsettled number",
    "uevents.late number",
    "uevents.exact bool",
    "emission object",
    "emission.traced bool",
    "emission.no_listener number",
    "emission.latency_ns array",
    "emission.latency_ns[] object",
    "emission.latency_ns[].min number",
    "emission.latency_ns[].max number",
    "emission.latency_ns[].count number",
    "forward array",
    "forward[] object",
    "forward[].pid number",
    "forward[].policy bool",
    "forward[].resyncs number",
    "forward[].targets array",
    "forward[].targets[] object",
    "forward[].targets[].netns number",
    "forward[].targets[].to string",
    "forward[].targets[].state string",
    "forward[].targets[].forwarded number",
    "forward[].targets[].filtered number",
    "forward[].targets[].failed number",
    "counters object",
    "counters.deliveries number",
    "counters.unicast_skipped number",
    "counters.no_payload number",
    "counters.no_seqnum number",
    "counters.netns_map_full number",
    "counters.event_map_full number",
    "counters.socket_map_full number",
    "counters.fanout_map_full number",
    "counters.emission_map_full number",
    "counters.emissions number",
    "counters.latency_without_start number",
    "counters.latency_sum_ns number",
    "counters.missed_runs number",
    "attached array",
};

static void test_report(void)
{
	struct rm_netns netns = {.netns = NS_X, .userns = 2, .deliveries = 3, .isolated = true};
	struct rm_sa sa = {.netns = NS_X, .subsystem = "mem", .action = "add", .count = 3};
	struct report_print_ctx ctx = {.delivery_tier = "tp_btf/sk_data_ready",
				       .emission_tier = "fexit/netlink_broadcast"};
	struct fwd_target_state ft = {.netns = NS_X, .c = {3, 1, 0}, .spec = "/sys/fs/cgroup/c1"};
	struct fwd_state fwd = {.pid = 42, .resyncs = 1, .ntargets = 1, .targets = &ft};
	struct report_model m = {
	    .netns = &netns, .nnetns = 1, .sa = &sa, .nsa = 1, .fwd = &fwd, .nfwd = 1};
	struct strbuf sb;

	m.fanout_netns.slot[1] = 1;
	m.fanout_netns.slot[RM_FANOUT_SLOTS - 1] = 1;
	m.fanout_sockets.slot[1] = 1;
	m.latency.slot[3] = 1;
	m.seqnums = (struct seqgap){
	    .available = true, .base = 9, .latest = 20, .emitted = 11, .accounted = 19};
	sb_init(&sb, 4096);
	report_print_json(&sb, &m, &ctx);
	CHECK_SCHEMA(sb.buf, report_pin);
	sb_free(&sb);
}

/* --- listeners: one socket held by one process. */
static const char *const listeners_pin[] = {
    "schema number",
    "type string",
    "sockets array",
    "sockets[] object",
    "sockets[].netns object",
    "sockets[].netns.inode number",
    "sockets[].netns.name string|null",
    "sockets[].netns.container object|null",
    "sockets[].userns number",
    "sockets[].sock_inode number",
    "sockets[].portid number",
    "sockets[].groups number",
    "sockets[].ngroups number",
    "sockets[].rcvbuf number",
    "sockets[].rmem_alloc number",
    "sockets[].drops number",
    "sockets[].filter object",
    "sockets[].filter.attached bool",
    "sockets[].filter.locked bool",
    "sockets[].cgroup_id number",
    "sockets[].processes array",
    "sockets[].processes[] object",
    "sockets[].processes[].pid number",
    "sockets[].processes[].comm string",
    "sockets[].processes[].cgroup string|null",
    "sockets[].more_processes number",
    "count number",
    "tier string",
};

static void test_listeners(void)
{
	struct uev_sock_info sock = {.netns_ino = NS_X, .portid = 4};
	struct sock_entry owners = {.nowners = 1};
	struct listener_view v = {.sock = &sock, .netns_name = "blue", .owners = &owners};
	struct strbuf sb;

	owners.owners[0] = (struct sock_owner){.tgid = 5, .comm = "udevd", .cgroup = "/x"};
	sb_init(&sb, 4096);
	listeners_print_json(&sb, &v, 1, "iter/task_file");
	CHECK_SCHEMA(sb.buf, listeners_pin);
	sb_free(&sb);
}

/* --- features: the real probe table, hand-made results, one plan without a tier. */
static const char *const features_pin[] = {
    "schema number",
    "kernel string",
    "probes array",
    "probes[] object",
    "probes[].name string",
    "probes[].ok bool",
    "probes[].errno number",
    "probes[].reason string",
    "plans array",
    "plans[] object",
    "plans[].subcommand string",
    "plans[].job string",
    "plans[].uses string|null",
    "plans[].tiers array",
    "plans[].tiers[] string",
    "plans[].uses string|null",
};

static void test_features(void)
{
	static struct probe_set ps;
	int chosen[PLAN__COUNT];
	struct strbuf sb;

	for (int i = 0; i < PROBE__COUNT; i++) {
		ps.r[i].ok = i % 2;
		ps.r[i].err = i % 2 ? 0 : 1;
		snprintf(ps.r[i].reason, sizeof(ps.r[i].reason), "%s", i % 2 ? "" : "refused");
	}
	for (int i = 0; i < PLAN__COUNT; i++)
		chosen[i] = i ? plan_get(i)->tiers[0] : -1;
	sb_init(&sb, 4096);
	features_print_json(&sb, &ps, chosen, "6.18.0");
	CHECK_SCHEMA(sb.buf, features_pin);
	sb_free(&sb);
}

/* Every record of every JSON output starts with the schema version. */
static void test_schema_first(void)
{
	static const char want[] = "{\"schema\":1,\"type\":\"x\",\"a\":[1,{}]}\n";
	struct strbuf sb;
	struct json_writer w;

	sb_init(&sb, 64);
	jw_record(&w, &sb);
	jw_str(&w, "type", "x");
	jw_array(&w, "a");
	jw_u64(&w, NULL, 1);
	jw_object(&w, NULL);
	jw_object_end(&w);
	jw_array_end(&w);
	jw_record_end(&w);
	CHECK_MEM(want, sizeof(want) - 1, sb.buf, sb.len);
	sb_free(&sb);
}

int main(void)
{
	unit_suite("json-schema");
	RUN(test_schema_first, "writer: schema first, commas placed, one record per line");
	RUN(test_trace, "trace -j: delivery, emission, overrun and lost fields and types");
	RUN(test_report, "report -j: fields and types");
	RUN(test_listeners, "listeners -j: fields and types");
	RUN(test_features, "features -j: fields and types");
	return unit_exit();
}
