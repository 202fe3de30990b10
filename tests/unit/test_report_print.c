// SPDX-License-Identifier: GPL-2.0
/* The report printers on a hand-made model: what the JSON and the text say. */
#include <stdlib.h>
#include <string.h>

#include "report/report_print.h"
#include "unit.h"

/* Inodes no namespace has, so names and containers resolve to nothing. */
#define NS_A 7u
#define NS_B 9u

static struct rm_netns netns[2];
static struct rm_sa sa[1];
static struct report_model m;

static void build_model(void)
{
	memset(&m, 0, sizeof(m));
	memset(netns, 0, sizeof(netns));
	netns[0] = (struct rm_netns){.netns = NS_A,
				     .userns = 100,
				     .deliveries = 6,
				     .bytes = 600,
				     .listeners = 2,
				     .drops = 3,
				     .last_seqnum = 42};
	netns[1] = (struct rm_netns){.netns = NS_B,
				     .userns = 200,
				     .deliveries = 1,
				     .bytes = 90,
				     .injected = 1,
				     .listeners = 1,
				     .isolated = true};
	sa[0] = (struct rm_sa){.netns = NS_A, .subsystem = "mem", .action = "change", .count = 6};
	m.netns = netns;
	m.nnetns = 2;
	m.sa = sa;
	m.nsa = 1;
	m.fanout_netns.slot[2] = 3;
	m.fanout_netns.slot[RM_FANOUT_SLOTS - 1] = 1;
	m.fanout_netns.total = 4;
	m.fanout_sockets.slot[3] = 4;
	m.fanout_sockets.total = 4;
	m.latency.slot[0] = 1;
	m.latency.slot[10] = 2;
	m.latency.total = 3;
	m.fanout_pending = 5;
	m.ts_ns = 123;
}

static bool has(const char *hay, const char *needle)
{
	return strstr(hay, needle) != NULL;
}

static void test_json(void)
{
	struct report_print_ctx ctx = {.delivery_tier = "tp_btf/sk_data_ready",
				       .emission_tier = "fexit/netlink_broadcast"};
	struct strbuf sb;

	build_model();
	m.counters[REP_CNT_SA_FULL] = 2;
	sb_init(&sb, 256);
	report_print_json(&sb, &m, &ctx);
	CHECK(sb.len > 0 && sb.buf[sb.len - 1] == '\n');
	CHECK(strchr(sb.buf, '\n') == sb.buf + sb.len - 1); /* one line */
	CHECK(has(sb.buf, "\"totals\":{\"delivered\":7,\"bytes\":690,\"injected\":1,\"drops\":3}"));
	CHECK(has(sb.buf,
		  "{\"inode\":7,\"name\":null,\"container\":null,\"userns\":100,"
		  "\"listeners\":2,\"delivered\":6,\"bytes\":600,\"injected\":0,\"kernel\":6,"
		  "\"drops\":3,\"last_seqnum\":42,"));
	CHECK(has(sb.buf, "\"events\":[{\"netns\":7,\"origin\":\"kernel\",\"subsystem\":\"mem\","
			  "\"action\":\"change\",\"count\":6}]"));
	CHECK(has(sb.buf, "\"fanout\":{\"seqnums\":4,\"pending\":5,\"netns\":[{\"value\":2,"
			  "\"count\":3},{\"value\":31,\"or_more\":true,\"count\":1}],"
			  "\"sockets\":[{\"value\":3,\"count\":4}]}"));
	CHECK(has(sb.buf, "\"isolation\":[{\"netns\":9,\"userns\":200,\"listeners\":1,"
			  "\"container\":null,\"injected\":1,\"kernel\":0}]"));
	CHECK(has(sb.buf, "\"latency_ns\":[{\"min\":0,\"max\":1,\"count\":1},{\"min\":1024,"
			  "\"max\":2047,\"count\":2}]"));
	CHECK(has(sb.buf, "\"event_map_full\":2"));
	sb_free(&sb);
}

static void test_json_no_emission(void)
{
	struct report_print_ctx ctx = {.delivery_tier = "raw_tp/sk_data_ready"};
	struct strbuf sb;

	build_model();
	sb_init(&sb, 256);
	report_print_json(&sb, &m, &ctx);
	CHECK(has(sb.buf, "\"emission_tier\":null"));
	CHECK(has(sb.buf, "\"emission\":{\"traced\":false}"));
	CHECK(!has(sb.buf, "latency_ns"));
	sb_free(&sb);
}

static void test_text(void)
{
	struct report_print_ctx ctx = {.delivery_tier = "tp_btf/sk_data_ready", .interval_s = 2};
	struct strbuf sb;

	build_model();
	idmap_init(&ctx.prev);
	sb_init(&sb, 256);
	report_print_text(&sb, &m, &ctx);
	CHECK(!has(sb.buf, "MAP FULL"));
	CHECK(has(sb.buf, "fan-out of 4 SEQNUMs (5 still being delivered): 2 netns x3 31 netns x1;"
			  " 3 sockets x4\n"));
	CHECK(has(sb.buf, "isolated: netns 9 (userns 200) has 1 listener(s)"));
	/* Four more deliveries in 2 s: 2 per second. */
	netns[0].deliveries = 10;
	m.counters[REP_CNT_FANOUT_FULL] = 7;
	sb_reset(&sb);
	report_print_text(&sb, &m, &ctx);
	CHECK(has(sb.buf, "        10        600      2.0"));
	CHECK(has(sb.buf, "MAP FULL, detail lost: fanout_map_full=7\n"));
	sb_free(&sb);
	idmap_free(&ctx.prev, NULL);
}

int main(void)
{
	unit_suite("report-print");
	RUN(test_json, "JSON: totals, netns, events, fan-out, isolation, latency, counters");
	RUN(test_json_no_emission, "JSON: emission not traced");
	RUN(test_text, "text: fan-out, isolation, rates, full maps");
	return unit_exit();
}
