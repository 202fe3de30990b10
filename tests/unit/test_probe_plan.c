// SPDX-License-Identifier: GPL-2.0
/*
 * Attach plans and probe names, on hand-filled probe results: every probe is
 * marked done, so nothing is loaded and no root is needed.
 */
#include <stdio.h>
#include <string.h>

#include "probe.h"
#include "trace/trace_attach.h"
#include "unit.h"

static struct probe_set ps;

/* Every probe done; ok as given, a recognisable reason on the failing ones. */
static void fill(bool ok)
{
	memset(&ps, 0, sizeof(ps));
	for (int i = 0; i < PROBE__COUNT; i++) {
		ps.done[i] = true;
		ps.r[i].ok = ok;
		if (!ok) {
			ps.r[i].err = 1;
			snprintf(ps.r[i].reason, sizeof(ps.r[i].reason), "hand-filled %d", i);
		}
	}
}

static void set(int id, bool ok)
{
	ps.r[id].ok = ok;
	ps.r[id].err = ok ? 0 : 1;
}

static void test_names_round_trip(void)
{
	for (int i = 0; i < PROBE__COUNT; i++) {
		CHECK(strchr(probe_name(i), '/'));
		CHECK_INT(i, probe_id_by_name(probe_name(i)));
		for (int j = 0; j < i; j++)
			CHECK(strcmp(probe_name(i), probe_name(j)));
	}
}

static void test_names_exact(void)
{
	CHECK_STR("tp_btf/sk_data_ready", probe_name(PROBE_TP_BTF_SK_DATA_READY));
	CHECK_STR("kprobe/__netlink_sendskb", probe_name(PROBE_KPROBE_NETLINK_SENDSKB));
	CHECK_STR("fentry/sock_def_readable", probe_name(PROBE_FENTRY_SOCK_DEF_READABLE));
	CHECK_STR("kprobe/sock_def_readable", probe_name(PROBE_KPROBE_SOCK_DEF_READABLE));
	CHECK_STR("raw_tp/contention_end", probe_name(PROBE_RAW_TP_CONTENTION_END));
	CHECK_STR("socket_filter/netlink_uevent", probe_name(PROBE_SOCKET_FILTER_NETLINK_UEVENT));
	CHECK_STR("fs/kallsyms", probe_name(PROBE_FS_KALLSYMS));
	CHECK_INT(PROBE_CGROUP_DEV, probe_id_by_name("cgroup/dev"));
	CHECK_INT(PROBE_MAP_RINGBUF, probe_id_by_name("map/ringbuf"));
}

static void test_names_unknown(void)
{
	CHECK_INT(-1, probe_id_by_name("fentry/nonexistent"));
	CHECK_INT(-1, probe_id_by_name("tp_btf/sk_data_ready "));
	CHECK_INT(-1, probe_id_by_name("sk_data_ready"));
	CHECK_INT(-1, probe_id_by_name(""));
	CHECK_INT(-1, probe_id_by_name(NULL));
	CHECK_STR("?", probe_name(PROBE__COUNT));
	CHECK_STR("?", probe_name((enum probe_id) - 1));
}

static void test_plans_well_formed(void)
{
	for (int i = 0; i < PLAN__COUNT; i++) {
		const struct attach_plan *p = plan_get(i);

		CHECK(p && p->subcommand && p->job && p->desc);
		CHECK(p->ntiers >= 1 && p->ntiers <= 6);
		for (int t = 0; t < p->ntiers; t++) {
			CHECK(p->tiers[t] >= 0 && p->tiers[t] < PROBE__COUNT);
			CHECK(p->requires[t] == PROBE_NONE ||
			      (p->requires[t] >= 0 && p->requires[t] < PROBE__COUNT));
		}
	}
	CHECK(plan_get(PLAN__COUNT) == NULL);
	CHECK(plan_get((enum plan_id) - 1) == NULL);
	CHECK(plan_get(PLAN_TRACE_EMISSION)->optional);
	CHECK(!plan_get(PLAN_TRACE_DELIVERY)->optional);
	CHECK(!plan_get(PLAN_LOCKS)->optional);
	CHECK_STR("trace", plan_get(PLAN_TRACE_EMISSION)->subcommand);
	CHECK_STR("emission", plan_get(PLAN_TRACE_EMISSION)->job);
}

static void test_delivery_tiers_in_order(void)
{
	fill(true);
	/* The skb as an argument, before it is queued, wins over the tracepoint. */
	CHECK_INT(PROBE_FENTRY_NETLINK_SENDSKB, plan_choose(&ps, PLAN_TRACE_DELIVERY));
	CHECK_INT(PROBE_FENTRY_NETLINK_SENDSKB, plan_choose(&ps, PLAN_REPORT_DELIVERY));
	set(PROBE_FENTRY_NETLINK_SENDSKB, false);
	CHECK_INT(PROBE_TP_BTF_SK_DATA_READY, plan_choose(&ps, PLAN_TRACE_DELIVERY));
	set(PROBE_TP_BTF_SK_DATA_READY, false);
	CHECK_INT(PROBE_RAW_TP_SK_DATA_READY, plan_choose(&ps, PLAN_TRACE_DELIVERY));
	set(PROBE_RAW_TP_SK_DATA_READY, false);
	CHECK_INT(PROBE_KPROBE_NETLINK_SENDSKB, plan_choose(&ps, PLAN_TRACE_DELIVERY));
	set(PROBE_KPROBE_NETLINK_SENDSKB, false);
	/* 5.10: no tracepoint, __netlink_sendskb() inlined. */
	CHECK_INT(PROBE_FENTRY_SOCK_DEF_READABLE, plan_choose(&ps, PLAN_TRACE_DELIVERY));
	CHECK_INT(PROBE_FENTRY_SOCK_DEF_READABLE, plan_choose(&ps, PLAN_REPORT_DELIVERY));
	set(PROBE_FENTRY_SOCK_DEF_READABLE, false);
	CHECK_INT(PROBE_KPROBE_SOCK_DEF_READABLE, plan_choose(&ps, PLAN_TRACE_DELIVERY));
	set(PROBE_KPROBE_SOCK_DEF_READABLE, false);
	CHECK_INT(-1, plan_choose(&ps, PLAN_TRACE_DELIVERY));
}

static void test_only_last_tier_works(void)
{
	fill(false);
	set(PROBE_KPROBE_NETLINK_BROADCAST, true);
	CHECK_INT(PROBE_KPROBE_NETLINK_BROADCAST, plan_choose(&ps, PLAN_TRACE_EMISSION));
	set(PROBE_SOCKET_FILTER_NETLINK_UEVENT, true);
	CHECK_INT(PROBE_SOCKET_FILTER_NETLINK_UEVENT, plan_choose(&ps, PLAN_FILTER));
	set(PROBE_LSM_SOCKET_SOCK_RCV_SKB, true);
	CHECK_INT(PROBE_LSM_SOCKET_SOCK_RCV_SKB, plan_choose(&ps, PLAN_FILTER));
}

static void test_nothing_works(void)
{
	fill(false);
	for (int i = 0; i < PLAN__COUNT; i++)
		CHECK_INT(-1, plan_choose(&ps, i));
	CHECK_INT(-1, plan_choose(&ps, PLAN__COUNT));
}

/* Unrelated probes must not matter: this machine's pattern of yes/no. */
static void test_lockdown_host(void)
{
	fill(true);
	set(PROBE_FENTRY_NETLINK_SENDSKB, false);
	set(PROBE_FEXIT_NETLINK_BROADCAST, false);
	set(PROBE_KPROBE_NETLINK_SENDSKB, false);
	set(PROBE_KPROBE_NETLINK_BROADCAST, false);
	set(PROBE_LSM_SOCKET_SOCK_RCV_SKB, false);
	CHECK_INT(PROBE_TP_BTF_SK_DATA_READY, plan_choose(&ps, PLAN_TRACE_DELIVERY));
	CHECK_INT(-1, plan_choose(&ps, PLAN_TRACE_EMISSION));
	CHECK_INT(PROBE_ITER_TASK_FILE, plan_choose(&ps, PLAN_LISTENERS));
	CHECK_INT(PROBE_TP_BTF_CONTENTION_BEGIN, plan_choose(&ps, PLAN_LOCKS));
	CHECK_INT(PROBE_SOCKET_FILTER_NETLINK_UEVENT, plan_choose(&ps, PLAN_FILTER));
	CHECK_INT(PROBE_CGROUP_DEV, plan_choose(&ps, PLAN_DEVICES));
	/* No task_file iterator: the inventory walks each netns's netlink table. */
	set(PROBE_ITER_TASK_FILE, false);
	CHECK_INT(PROBE_ITER_NETLINK, plan_choose(&ps, PLAN_LISTENERS));
}

static void test_locks_partner_required(void)
{
	fill(true);
	/* begin works but its end does not: that tier is unusable, fall through. */
	set(PROBE_TP_BTF_CONTENTION_END, false);
	CHECK_INT(PROBE_RAW_TP_CONTENTION_BEGIN, plan_choose(&ps, PLAN_LOCKS));
	set(PROBE_RAW_TP_CONTENTION_END, false);
	/* Before 5.19: the mutex slow path, fexit then kprobe. */
	CHECK_INT(PROBE_FEXIT_MUTEX_SLOWPATH, plan_choose(&ps, PLAN_LOCKS));
	set(PROBE_FEXIT_MUTEX_SLOWPATH, false);
	CHECK_INT(PROBE_KPROBE_MUTEX_SLOWPATH, plan_choose(&ps, PLAN_LOCKS));
	set(PROBE_KPROBE_MUTEX_SLOWPATH, false);
	CHECK_INT(-1, plan_choose(&ps, PLAN_LOCKS));
	/* end alone is not enough either. */
	set(PROBE_TP_BTF_CONTENTION_BEGIN, false);
	set(PROBE_TP_BTF_CONTENTION_END, true);
	set(PROBE_RAW_TP_CONTENTION_END, true);
	set(PROBE_RAW_TP_CONTENTION_BEGIN, false);
	CHECK_INT(-1, plan_choose(&ps, PLAN_LOCKS));
	/* No cross-pairing: tp_btf begin + raw_tp end is not a tier. */
	set(PROBE_TP_BTF_CONTENTION_BEGIN, true);
	set(PROBE_TP_BTF_CONTENTION_END, false);
	CHECK_INT(-1, plan_choose(&ps, PLAN_LOCKS));
	set(PROBE_TP_BTF_CONTENTION_END, true);
	CHECK_INT(PROBE_TP_BTF_CONTENTION_BEGIN, plan_choose(&ps, PLAN_LOCKS));
	CHECK_INT(PROBE_TP_BTF_CONTENTION_END, plan_get(PLAN_LOCKS)->requires[0]);
	CHECK_INT(PROBE_RAW_TP_CONTENTION_END, plan_get(PLAN_LOCKS)->requires[1]);
}

static void test_results_cached(void)
{
	const struct probe_result *r;
	char want[32];

	fill(false);
	snprintf(want, sizeof(want), "hand-filled %d", PROBE_CGROUP_DEV);
	r = probe_one(&ps, PROBE_CGROUP_DEV);
	CHECK(r == &ps.r[PROBE_CGROUP_DEV]);
	CHECK(!r->ok);
	CHECK_INT(1, r->err);
	CHECK_STR(want, r->reason);
	probe_all(&ps);
	for (int i = 0; i < PROBE__COUNT; i++)
		CHECK(ps.done[i] && !ps.r[i].ok);
	CHECK(probe_one(&ps, PROBE__COUNT) == NULL);
	CHECK(ps.btf == NULL && ps.kallsyms == NULL);
}

/* --tier takes a delivery or an emission tier; each is known to one job only. */
static void test_tier_names(void)
{
	CHECK(trace_tier_known("fentry/__netlink_sendskb"));
	CHECK(!trace_tier_known("fexit/netlink_broadcast"));
	CHECK(trace_emission_tier_known("fexit/netlink_broadcast"));
	CHECK(trace_emission_tier_known("kprobe/netlink_broadcast"));
	CHECK(!trace_emission_tier_known("kprobe/__netlink_sendskb"));
	CHECK(!trace_emission_tier_known("fentry/kobject_uevent_env"));
	CHECK_STR("fentry/__netlink_sendskb, tp_btf/sk_data_ready, raw_tp/sk_data_ready, "
		  "kprobe/__netlink_sendskb, fentry/sock_def_readable, kprobe/sock_def_readable "
		  "(deliveries); fexit/netlink_broadcast, kprobe/netlink_broadcast (emissions)",
		  trace_tier_list());
}

int main(void)
{
	unit_suite("probe_plan");
	RUN(test_names_round_trip, "probe_id_by_name(probe_name(id)) == id, names unique");
	RUN(test_names_exact, "names are kind/target as documented");
	RUN(test_names_unknown, "unknown names and ids");
	RUN(test_plans_well_formed, "plans well formed");
	RUN(test_delivery_tiers_in_order, "delivery: first working tier wins");
	RUN(test_only_last_tier_works, "last tier chosen when it alone works");
	RUN(test_nothing_works, "nothing works: -1");
	RUN(test_lockdown_host, "lockdown host without kprobes");
	RUN(test_locks_partner_required, "locks: begin counts only with its end");
	RUN(test_results_cached, "done results are not re-probed");
	RUN(test_tier_names, "--tier names: delivery and emission tiers");
	return unit_exit();
}
