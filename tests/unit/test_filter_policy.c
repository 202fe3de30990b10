// SPDX-License-Identifier: GPL-2.0
/* The filter policy compiler and policy file parser: no root, no BPF. */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "filter/filter_policy.h"
#include "filter_eval_shim.h"
#include "match.h"
#include "filter/policy_file.h"
#include "uevent.h"
#include "unit.h"
#include "uevent_lit.h"

#define SDA_ADD                                                               \
	"add@/devices/pci/block/sda\0ACTION=add\0DEVPATH=/devices/pci/block/" \
	"sda\0SUBSYSTEM=block\0DEVNAME=sda\0"
#define NULL_CHG                                                                         \
	"change@/devices/virtual/mem/null\0ACTION=change\0DEVPATH=/devices/virtual/mem/" \
	"null\0SUBSYSTEM=mem\0"
/* Kernel uevents always carry ACTION= and DEVPATH=: the kernel side reads properties only. */
#define ETH_ADD                                                                          \
	"add@/devices/virtual/net/eth0\0ACTION=add\0DEVPATH=/devices/virtual/net/eth0\0" \
	"SUBSYSTEM=net\0INTERFACE=eth0\0"

static struct filter_sock_facts facts_in_netns(__u32 ino)
{
	struct filter_sock_facts f = {.tgid = 100, .netns_ino = ino};

	return f;
}

/* Adds "netns=NS ACTION EXPR" to set with the next id; returns the error. */
static int add(struct filter_set *set, const char *ns, const char *action, const char *expr,
	       char *err)
{
	struct filter_rule r;
	int ret = filter_rule_make(set, &r, FILTER_SCOPE_NETNS, ns, action, expr, 0, err, 256);

	if (ret)
		return ret;
	r.id = set->nrules + 1;
	return filter_set_append(set, &r, err, 256);
}

static void test_kinds(void)
{
	struct filter_set set = {};
	struct filter_rule *r;
	char err[256] = "";

	CHECK_INT(0, add(&set, "1", "deny",
			 "SUBSYSTEM==\"block|net*\", DEVPATH==\"*/sda\", ACTION!=\"*\"", err));
	r = &set.rules[0];
	CHECK_UINT(3, r->nterms);
	CHECK_UINT(2, r->terms[0].nalts);
	CHECK_UINT(FILTER_ALT_EXACT, r->terms[0].alts[0].kind);
	CHECK_MEM("block", 5, r->terms[0].alts[0].str, r->terms[0].alts[0].len);
	CHECK_UINT(FILTER_ALT_PREFIX, r->terms[0].alts[1].kind);
	CHECK_MEM("net", 3, r->terms[0].alts[1].str, r->terms[0].alts[1].len);
	CHECK_UINT(FILTER_ALT_SUFFIX, r->terms[1].alts[0].kind);
	CHECK_MEM("/sda", 4, r->terms[1].alts[0].str, r->terms[1].alts[0].len);
	CHECK_UINT(FILTER_ALT_ANY, r->terms[2].alts[0].kind);
	CHECK_UINT(1, r->terms[2].negate);
	CHECK_UINT(3, set.nkeys);
	CHECK(!strcmp(r->text, "netns=1 deny SUBSYSTEM==\"block|net*\", DEVPATH==\"*/sda\", "
			       "ACTION!=\"*\""));
}

static void test_escaped_star_is_literal(void)
{
	struct filter_set set = {};
	char err[256] = "";

	CHECK_INT(0, add(&set, "1", "deny", "DEVNAME==\"a\\\\*\"", err));
	CHECK_UINT(FILTER_ALT_EXACT, set.rules[0].terms[0].alts[0].kind);
	CHECK_MEM("a*", 2, set.rules[0].terms[0].alts[0].str, set.rules[0].terms[0].alts[0].len);
}

static void test_unsupported_refused(void)
{
	static const char *const bad[] = {"DEVNAME==\"sd?\"", "DEVNAME==\"sd[ab]\"",
					  "DEVNAME==\"*sd*\"", "DEVNAME==\"s*a\""};
	struct filter_set set = {};
	char err[256];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		CHECK_INT(-EINVAL, add(&set, "1", "deny", bad[i], err));
		CHECK(strstr(err, "cannot be evaluated in the kernel") != NULL);
	}
	CHECK_UINT(0, set.nrules);
	CHECK_UINT(0, set.nkeys); /* a failed rule leaves no key behind */
}

static void test_bad_input(void)
{
	struct filter_set set = {};
	const char *arg;
	char err[256];
	int scope;

	CHECK_INT(-EINVAL, add(&set, "1", "drop", "", err));
	CHECK(strstr(err, "neither allow nor deny") != NULL);
	CHECK_INT(-EINVAL, add(&set, "1", "deny", "SUBSYSTEM=\"block\"", err));
	CHECK(strstr(err, "use == or !=") != NULL);
	CHECK_INT(-EINVAL, add(&set, "0", "deny", "", err));
	CHECK_INT(0, filter_scope_split("pid=42", &scope, &arg, err, sizeof(err)));
	CHECK_INT(FILTER_SCOPE_PID, scope);
	CHECK(!strcmp(arg, "42"));
	CHECK_INT(0, filter_scope_split("cgroup=/a/b", &scope, &arg, err, sizeof(err)));
	CHECK_INT(FILTER_SCOPE_CGROUP, scope);
	CHECK_INT(-EINVAL, filter_scope_split("netns=", &scope, &arg, err, sizeof(err)));
	CHECK_INT(-EINVAL, filter_scope_split("user=1", &scope, &arg, err, sizeof(err)));
	CHECK(strstr(err, "bad scope 'user=1'") != NULL);
	CHECK_UINT(0, set.nrules);
}

static void test_limits(void)
{
	struct filter_set set = {};
	char err[256], expr[64];
	int i;

	for (i = 0; i < FILTER_MAX_KEYS; i++) {
		snprintf(expr, sizeof(expr), "K%d==\"v\"", i);
		CHECK_INT(0, add(&set, "1", "deny", expr, err));
	}
	CHECK_INT(-ENOSPC, add(&set, "1", "deny", "ANOTHER==\"v\"", err));
	CHECK(strstr(err, "distinct keys") != NULL);
	CHECK_UINT(FILTER_MAX_KEYS, set.nkeys);
	for (i = FILTER_MAX_KEYS; i < FILTER_MAX_RULES; i++)
		CHECK_INT(0, add(&set, "1", "allow", "K0==\"x\"", err));
	CHECK_INT(-ENOSPC, add(&set, "1", "allow", "", err));
	CHECK_UINT(FILTER_MAX_RULES, set.nrules);
	CHECK_INT(-EINVAL,
		  add(&set, "1", "deny", "A==\"1\",B==\"2\",C==\"3\",D==\"4\",E==\"5\"", err));
}

/* The kernel's evaluator: first match wins, default allow, scopes. */
static void test_first_match_and_scope(void)
{
	struct filter_sock_facts in = facts_in_netns(7), out = facts_in_netns(8);
	struct filter_set set = {};
	char err[256];
	__u32 id = 0;

	CHECK_INT(0, add(&set, "7", "allow", "DEVNAME==\"sda\"", err));
	CHECK_INT(0, add(&set, "7", "deny", "SUBSYSTEM==\"block|mem\"", err));
	CHECK_INT(FILTER_ALLOW, KERNEL_EVAL(&set, &in, SDA_ADD, &id));
	CHECK_UINT(1, id);
	CHECK_INT(FILTER_DENY, KERNEL_EVAL(&set, &in, NULL_CHG, &id));
	CHECK_UINT(2, id);
	CHECK_INT(0, KERNEL_EVAL(&set, &in, ETH_ADD, &id));
	CHECK_INT(0, KERNEL_EVAL(&set, &out, NULL_CHG, &id));
}

static void test_matches_trace_m(void)
{
	static const char *const exprs[] = {
	    "SUBSYSTEM==\"block\"",
	    "SUBSYSTEM!=\"block\"",
	    "DEVPATH==\"/devices/virtual/*\"",
	    "DEVNAME==\"*a\"",
	    "INTERFACE==\"\"",
	    "ACTION==\"add|change\", SUBSYSTEM!=\"net\"",
	    "ENV{DEVNAME}==\"sda|null\"",
	};
	const char *payloads[] = {SDA_ADD, NULL_CHG, ETH_ADD};
	size_t lens[] = {sizeof(SDA_ADD) - 1, sizeof(NULL_CHG) - 1, sizeof(ETH_ADD) - 1};
	struct filter_sock_facts f = facts_in_netns(1);
	size_t i, j;
	char err[256];

	for (i = 0; i < sizeof(exprs) / sizeof(exprs[0]); i++) {
		struct filter_set set = {};
		struct match_list *ml = match_list_new();

		CHECK_INT(0, add(&set, "1", "deny", exprs[i], err));
		CHECK_INT(0, match_list_add(ml, exprs[i], err, sizeof(err)));
		for (j = 0; j < 3; j++) {
			struct test_ev t;
			const struct uevent *ev = mkev(&t, payloads[j], lens[j]);
			bool want = match_list_eval(ml, ev);
			bool got = kernel_eval(&set, &f, payloads[j], lens[j], NULL) == FILTER_DENY;

			if (want != got) {
				unit_fail(__FILE__, __LINE__,
					  "%s on event %zu: trace -m says %d, policy %d", exprs[i],
					  j, want, got);
				match_list_free(ml);
				return;
			}
		}
		match_list_free(ml);
	}
}

static void test_cgroup_and_pid_scope(void)
{
	struct filter_sock_facts f = {.tgid = 55, .cg_level = 2, .cg_ids = {1, 20, 300}};
	struct filter_rule r = {.scope = FILTER_SCOPE_CGROUP, .cgroup_id = 20, .cgroup_level = 1};

	CHECK(filter_rule_in_scope(&r, &f));
	r.cgroup_id = 21;
	CHECK(!filter_rule_in_scope(&r, &f));
	r.cgroup_id = 300;
	r.cgroup_level = 3; /* deeper than the socket's cgroup */
	CHECK(!filter_rule_in_scope(&r, &f));
	r.scope = FILTER_SCOPE_PID;
	r.pid = 55;
	CHECK(filter_rule_in_scope(&r, &f));
	r.pid = 56;
	CHECK(!filter_rule_in_scope(&r, &f));
}

static void test_remove_compacts_keys(void)
{
	struct filter_set set = {};
	char err[256];

	CHECK_INT(0, add(&set, "1", "deny", "A==\"1\"", err));
	CHECK_INT(0, add(&set, "1", "deny", "B==\"2\"", err));
	CHECK_INT(0, add(&set, "1", "deny", "C==\"3\", A==\"4\"", err));
	CHECK_INT(0, filter_set_remove(&set, 1));
	CHECK_INT(-ENOENT, filter_set_remove(&set, 1));
	CHECK_UINT(2, set.nrules);
	CHECK_UINT(3, set.nkeys); /* B, C, A: A still used by rule 3 */
	CHECK_INT(0, filter_set_remove(&set, 3));
	CHECK_UINT(1, set.nkeys);
	CHECK(!strcmp(set.keys[set.rules[0].terms[0].key_idx].name, "B"));
}

static const char *write_file(const char *text)
{
	static char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/tmp/uevscope-unit-policy.%d", (int)getpid());
	f = fopen(path, "w");
	if (!f)
		abort();
	fputs(text, f);
	fclose(f);
	return path;
}

static void test_policy_file_ok(void)
{
	const char *p =
	    write_file("# uevent policy\n"
		       "\n"
		       "filter netns=5 allow DEVNAME==\"sda\"\n"
		       "   # indented comment\n"
		       "filter\tpid=77\tdeny   SUBSYSTEM==\"block\", ACTION!=\"remove\"\r\n"
		       "filter netns=5 deny\n");
	static struct policy pol;
	struct filter_set *set = &pol.filter;
	char err[256] = "";

	CHECK_INT(0, policy_parse_file(p, &pol, FILTER_RULE_LOCK, 10, err, sizeof(err)));
	unlink(p);
	CHECK_UINT(3, set->nrules);
	CHECK_UINT(0, pol.ndev);
	CHECK_UINT(10, set->rules[0].id);
	CHECK_UINT(12, set->rules[2].id);
	CHECK_UINT(77, set->rules[1].pid);
	CHECK_UINT(FILTER_DENY, set->rules[1].action);
	CHECK_UINT(2, set->rules[1].nterms);
	CHECK_UINT(0, set->rules[2].nterms);
	CHECK_UINT(FILTER_RULE_LOCK, set->rules[2].flags);
	CHECK(!strcmp(set->rules[1].text, "pid=77 deny SUBSYSTEM==\"block\", ACTION!=\"remove\""));
}

static void test_policy_file_errors(void)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
	    {"filter netns=5 deny\nfilter netns=5 deny SUBSYSTEM=\"x\"\n", ":2: '=' at column 10"},
	    {"# c\nfilter netns=5\n", ":2: expected 'filter|devices SCOPE allow|deny ...'"},
	    {"\n\n\nfirewall netns=5 deny\n", ":4: unknown rule kind 'firewall'"},
	    {"devices netns=5 deny c 1:3 rwm\n",
	     ":1: devices rules take a cgroup=PATH scope, not 'netns=5'"},
	    {"filter netns=5 deny\ndevices cgroup=/ drop c 1:3 rwm\n",
	     ":2: action 'drop' is neither"},
	    {"filter host deny\n", ":1: bad scope 'host'"},
	    {"filter netns=5 reject\n", ":1: action 'reject' is neither allow nor deny"},
	    {"filter pid=x deny\n", ":1: pid 'x' is not a process id"},
	    {"filter netns=5 deny DEVNAME==\"sd?\"\n", ":1: pattern 'sd?' of DEVNAME cannot be"},
	};
	static struct policy set;
	char err[256], want[128];
	const char *p;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		p = write_file(cases[i].text);
		err[0] = '\0';
		CHECK_INT(-EINVAL, policy_parse_file(p, &set, 0, 1, err, sizeof(err)));
		snprintf(want, sizeof(want), "%s%s", p, cases[i].want);
		unlink(p);
		if (strncmp(err, want, strlen(want))) {
			unit_fail(__FILE__, __LINE__, "case %zu: got '%s', want prefix '%s'", i,
				  err, want);
			return;
		}
	}
	CHECK(policy_parse_file("/nonexistent/policy", &set, 0, 1, err, sizeof(err)) < 0);
	CHECK(strstr(err, "/nonexistent/policy: No such file") != NULL);
}

int main(void)
{
	unit_suite("filter-policy");
	RUN(test_kinds, "globs compile to exact, prefix, suffix and any");
	RUN(test_escaped_star_is_literal, "an escaped * is a literal");
	RUN(test_unsupported_refused, "? [..] and inner * are refused, nothing kept");
	RUN(test_bad_input, "bad action, operator, scope are refused");
	RUN(test_limits, "key, rule and term limits");
	RUN(test_first_match_and_scope, "first match wins, default allow, netns scope");
	RUN(test_matches_trace_m, "compiled rules agree with trace -m");
	RUN(test_cgroup_and_pid_scope, "cgroup (and below) and pid scopes");
	RUN(test_remove_compacts_keys, "del renumbers the key table");
	RUN(test_policy_file_ok, "policy file: comments, blanks, tabs, CRLF, ids, flags");
	RUN(test_policy_file_errors, "policy file errors name FILE:LINE");
	return unit_exit();
}
