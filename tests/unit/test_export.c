// SPDX-License-Identifier: GPL-2.0
/*
 * The Prometheus side of uevscope export, without a kernel: the exposition
 * format (escaping, numbers, histograms), the --max-series cap, --listen
 * parsing, and the metrics rendered from a hand-made report model.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "export/export_metrics.h"
#include "export/gzip.h"
#include "export/listen_addr.h"
#include "export/prom.h"
#include "export/prom_series.h"
#include "unit.h"
#include <zlib.h>

/* A whole line of the output (newline included on both sides). */
#define CHECK_LINE(line, sb) CHECK_CONTAINS((sb).buf, "\n" line "\n")

static void test_label_escaping(void)
{
	struct strbuf sb;
	struct prom_label l = {"text", "a\\b\"c\nd"};

	sb_init(&sb, 64);
	prom_sample_u64(&sb, "m_total", NULL, &l, 1, 7);
	CHECK_STR("m_total{text=\"a\\\\b\\\"c\\nd\"} 7\n", sb.buf);
	sb_reset(&sb);
	prom_family(&sb, "m_total", "counter", "back\\slash\nnewline \"quotes\" stay");
	CHECK_STR(
	    "# HELP m_total back\\\\slash\\nnewline \"quotes\" stay\n# TYPE m_total counter\n",
	    sb.buf);
	sb_free(&sb);
}

static void test_numbers(void)
{
	const double in[] = {0, 10, 30, 1.024e-06, 2e-09, 0.25, 1e300};
	const char *want[] = {"0", "10", "30", "1.024e-06", "2e-09", "0.25", "1e+300"};
	struct strbuf sb;
	size_t i;

	sb_init(&sb, 64);
	for (i = 0; i < ARRAY_SIZE(in); i++) {
		sb_reset(&sb);
		prom_f64(&sb, in[i]);
		CHECK_STR(want[i], sb.buf);
	}
	sb_reset(&sb);
	prom_f64(&sb, 1.0 / 0.0);
	CHECK_STR("+Inf", sb.buf);
	sb_free(&sb);
}

static void test_histogram(void)
{
	const double bounds[] = {1, 2, 4};
	const uint64_t counts[] = {3, 0, 2, 5}; /* the last: above 4 */
	struct prom_label l = {"lock", "x"};
	struct strbuf sb;

	sb_init(&sb, 256);
	prom_histogram(&sb, "h_seconds", &l, 1, bounds, counts, 3, 12.5);
	CHECK_STR("h_seconds_bucket{lock=\"x\",le=\"1\"} 3\n"
		  "h_seconds_bucket{lock=\"x\",le=\"2\"} 3\n"
		  "h_seconds_bucket{lock=\"x\",le=\"4\"} 5\n"
		  "h_seconds_bucket{lock=\"x\",le=\"+Inf\"} 10\n"
		  "h_seconds_sum{lock=\"x\"} 12.5\n"
		  "h_seconds_count{lock=\"x\"} 10\n",
		  sb.buf);
	sb_free(&sb);
}

static const char *const two_labels[] = {"netns", "subsystem"};

static void add(struct prom_rows *r, const char *a, const char *b, uint64_t v)
{
	const char *vals[] = {a, b};

	prom_rows_add(r, vals, v);
}

static void test_rows_merge_sort(void)
{
	struct prom_cap cap;
	struct prom_rows r;
	struct strbuf sb;

	sb_init(&sb, 256);
	prom_cap_init(&cap, 0);
	prom_rows_init(&r, two_labels, 2);
	add(&r, "2", "net", 5);
	add(&r, "1", "mem", 1);
	add(&r, "2", "net", 4); /* the same series twice: summed */
	add(&r, "1", NULL, 2);
	CHECK_UINT(0, prom_rows_emit(&sb, "d_total", true, &r, &cap));
	CHECK_STR("d_total{netns=\"1\",subsystem=\"\"} 2\n"
		  "d_total{netns=\"1\",subsystem=\"mem\"} 1\n"
		  "d_total{netns=\"2\",subsystem=\"net\"} 9\n",
		  sb.buf);
	prom_rows_free(&r);
	prom_cap_free(&cap);
	sb_free(&sb);
}

/* Two admitted, the rest in "other"; admission sticks, so every series only grows. */
static void test_cap_sticky(void)
{
	struct prom_cap cap;
	struct prom_rows r;
	struct strbuf sb;

	sb_init(&sb, 256);
	prom_cap_init(&cap, 2);
	prom_rows_init(&r, two_labels, 2);
	add(&r, "5", "mem", 10);
	add(&r, "6", "mem", 20);
	CHECK_UINT(0, prom_rows_emit(&sb, "d_total", true, &r, &cap));
	prom_rows_free(&r);

	sb_reset(&sb);
	prom_rows_init(&r, two_labels, 2);
	add(&r, "1", "mem", 1); /* sorts first, came later: folded */
	add(&r, "5", "mem", 11);
	add(&r, "6", "mem", 21);
	add(&r, "7", "mem", 3);
	CHECK_UINT(2, prom_rows_emit(&sb, "d_total", true, &r, &cap));
	CHECK_STR("d_total{netns=\"5\",subsystem=\"mem\"} 11\n"
		  "d_total{netns=\"6\",subsystem=\"mem\"} 21\n"
		  "d_total{netns=\"other\",subsystem=\"other\"} 4\n",
		  sb.buf);
	CHECK_UINT(1, cap.nfam);
	CHECK_UINT(2, cap.fam[0].nfolded);
	prom_rows_free(&r);

	/* Another family has its own budget. */
	sb_reset(&sb);
	prom_rows_init(&r, two_labels, 2);
	add(&r, "1", "mem", 1);
	CHECK_UINT(0, prom_rows_emit(&sb, "e_total", true, &r, &cap));
	CHECK_STR("e_total{netns=\"1\",subsystem=\"mem\"} 1\n", sb.buf);
	prom_rows_free(&r);
	prom_cap_free(&cap);
	sb_free(&sb);
}

/*
 * Sets that go away (retired namespaces) free their places; a set folded
 * into "other" stays there while it is there; a counter's "other" keeps what
 * a folded set that went away had counted, a gauge's does not.
 */
static void test_cap_gone(void)
{
	struct prom_cap cap;
	struct prom_rows r;
	struct strbuf sb;
	int round;

	sb_init(&sb, 256);
	prom_cap_init(&cap, 2);
	prom_rows_init(&r, two_labels, 2);
	add(&r, "a", "x", 10);
	add(&r, "b", "x", 20);
	add(&r, "c", "x", 3);
	add(&r, "d", "x", 4);
	CHECK_UINT(2, prom_rows_emit(&sb, "d_total", true, &r, &cap));
	prom_rows_free(&r);

	/* b and d are gone; e is new and takes b's place; c stays folded. */
	sb_reset(&sb);
	prom_rows_init(&r, two_labels, 2);
	add(&r, "a", "x", 11);
	add(&r, "c", "x", 5);
	add(&r, "e", "x", 1);
	CHECK_UINT(1, prom_rows_emit(&sb, "d_total", true, &r, &cap));
	CHECK_STR("d_total{netns=\"a\",subsystem=\"x\"} 11\n"
		  "d_total{netns=\"e\",subsystem=\"x\"} 1\n"
		  "d_total{netns=\"other\",subsystem=\"other\"} 9\n",
		  sb.buf);
	prom_rows_free(&r);

	/* c goes too: "other" keeps its 5 and d's 4, with nothing folded now. */
	for (round = 0; round < 2; round++) {
		sb_reset(&sb);
		prom_rows_init(&r, two_labels, 2);
		add(&r, "a", "x", 12);
		add(&r, "e", "x", 2);
		CHECK_UINT(0, prom_rows_emit(&sb, "d_total", true, &r, &cap));
		CHECK_STR("d_total{netns=\"a\",subsystem=\"x\"} 12\n"
			  "d_total{netns=\"e\",subsystem=\"x\"} 2\n"
			  "d_total{netns=\"other\",subsystem=\"other\"} 9\n",
			  sb.buf);
		prom_rows_free(&r);
	}

	/* A gauge forgets: no "other" once nothing is folded. */
	sb_reset(&sb);
	prom_rows_init(&r, two_labels, 2);
	add(&r, "a", "x", 1);
	add(&r, "b", "x", 1);
	add(&r, "c", "x", 1);
	prom_rows_emit(&sb, "g", false, &r, &cap);
	prom_rows_free(&r);
	sb_reset(&sb);
	prom_rows_init(&r, two_labels, 2);
	add(&r, "a", "x", 1);
	add(&r, "b", "x", 1);
	CHECK_UINT(0, prom_rows_emit(&sb, "g", false, &r, &cap));
	CHECK_STR("g{netns=\"a\",subsystem=\"x\"} 1\ng{netns=\"b\",subsystem=\"x\"} 1\n", sb.buf);
	prom_rows_free(&r);
	prom_cap_free(&cap);
	sb_free(&sb);
}

static void expect_listen(const char *arg, int family, const char *host, unsigned int port,
			  bool loopback, int line)
{
	struct listen_addr a;
	char err[256], buf[64];

	if (listen_addr_parse(arg, &a, err, sizeof(err))) {
		unit_fail(__FILE__, line, "'%s' refused: %s", arg, err);
		return;
	}
	listen_addr_format((struct sockaddr *)&a.ss, buf, sizeof(buf));
	if (a.ss.ss_family != family || a.loopback != loopback) {
		unit_fail(__FILE__, line, "'%s': family %d loopback %d", arg, a.ss.ss_family,
			  a.loopback);
		return;
	}
	snprintf(err, sizeof(err), family == AF_INET6 ? "[%s]:%u" : "%s:%u", host, port);
	if (strcmp(err, buf))
		unit_fail(__FILE__, line, "'%s' read as %s, not %s", arg, buf, err);
}

static void test_listen(void)
{
	const char *bad[] = {
	    ":9464",	       "9464",	   "",	    "example.com:9464", "127.0.0.1", "127.0.0.1:",
	    "127.0.0.1:65536", "::1:9464", "[::1]", "[zz]:1",		"1.2.3.4:-1"};
	struct listen_addr a;
	char err[256];
	size_t i;

	expect_listen("127.0.0.1:9464", AF_INET, "127.0.0.1", 9464, true, __LINE__);
	expect_listen("localhost:0", AF_INET, "127.0.0.1", 0, true, __LINE__);
	expect_listen("127.1.2.3:80", AF_INET, "127.1.2.3", 80, true, __LINE__);
	expect_listen("0.0.0.0:9464", AF_INET, "0.0.0.0", 9464, false, __LINE__);
	expect_listen("[::1]:9464", AF_INET6, "::1", 9464, true, __LINE__);
	expect_listen("[::]:1", AF_INET6, "::", 1, false, __LINE__);
	if (unit_st.failed)
		return;
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		err[0] = '\0';
		CHECK_INT(-EINVAL, listen_addr_parse(bad[i], &a, err, sizeof(err)));
		/* one line naming the option and what to give */
		CHECK(strstr(err, "--listen") && strstr(err, "ADDRESS:PORT") && !strchr(err, '\n'));
	}
	listen_addr_parse(":9464", &a, err, sizeof(err));
	CHECK(strstr(err, "every interface"));
}

static struct rm_netns netns[2];
static struct rm_sa sa[3];
static struct report_model m;

static const char *fake_container(void *ctx, uint32_t ino)
{
	(void)ctx;
	return ino == 7 ? "c7" : "";
}

static void build(struct export_input *in)
{
	memset(&m, 0, sizeof(m));
	netns[0] = (struct rm_netns){
	    .netns = 7, .userns = 100, .deliveries = 10, .bytes = 900, .listeners = 2, .drops = 3};
	netns[1] = (struct rm_netns){.netns = 9,
				     .userns = 200,
				     .deliveries = 4,
				     .injected = 4,
				     .listeners = 1,
				     .isolated = true};
	sa[0] = (struct rm_sa){.netns = 7, .subsystem = "mem", .action = "change", .count = 6};
	sa[1] = (struct rm_sa){.netns = 7, .subsystem = "net", .action = "add", .count = 1};
	sa[2] = (struct rm_sa){
	    .netns = 9, .injected = true, .subsystem = "uevtest", .action = "add", .count = 3};
	m.netns = netns;
	m.nnetns = 2;
	m.sa = sa;
	m.nsa = 3;
	m.fanout_netns.slot[2] = 3;
	m.fanout_netns.slot[31] = 1; /* one reached 40 namespaces */
	m.fanout_netns.total = 4;
	m.fanout_netns.sum = 46;
	m.counters[REP_CNT_SA_FULL] = 2;
	m.missed_runs = 5;
	memset(in, 0, sizeof(*in));
	in->model = &m;
	in->container = fake_container;
	in->version = "1.2.3";
	in->libbpf_version = "1.1";
	in->kernel = "6.18";
	in->programs[0] = (struct export_program){"report_delivery", "tp_btf/sk_data_ready", true};
	in->programs[1] = (struct export_program){"report_emission", "none", false};
	in->nprograms = 2;
}

static void test_render_model(void)
{
	struct export_input in;
	struct prom_cap cap;
	struct strbuf sb;

	build(&in);
	prom_cap_init(&cap, 0);
	sb_init(&sb, 4096);
	export_render(&sb, &in, &cap);
	CHECK_LINE(
	    "uevscope_build_info{version=\"1.2.3\",libbpf_version=\"1.1\",kernel=\"6.18\"} 1", sb);
	CHECK_LINE(
	    "uevscope_bpf_program_attached{component=\"report_emission\",attach_type=\"none\"} 0",
	    sb);
	CHECK_LINE("# TYPE uevscope_deliveries_total counter", sb);
	CHECK_LINE("uevscope_deliveries_total{netns=\"7\",userns=\"100\",container=\"c7\","
		   "subsystem=\"mem\",action=\"change\",origin=\"kernel\"} 6",
		   sb);
	/* 10 delivered, 7 named: the other 3 could not be named */
	CHECK_LINE("uevscope_deliveries_total{netns=\"7\",userns=\"100\",container=\"c7\","
		   "subsystem=\"unknown\",action=\"unknown\",origin=\"kernel\"} 3",
		   sb);
	CHECK_LINE("uevscope_deliveries_total{netns=\"9\",userns=\"200\",container=\"\","
		   "subsystem=\"uevtest\",action=\"add\",origin=\"injected\"} 3",
		   sb);
	CHECK_LINE("uevscope_deliveries_total{netns=\"9\",userns=\"200\",container=\"\","
		   "subsystem=\"unknown\",action=\"unknown\",origin=\"injected\"} 1",
		   sb);
	CHECK(!strstr(sb.buf, "netns=\"9\",userns=\"200\",container=\"\",subsystem=\"unknown\","
			      "action=\"unknown\",origin=\"kernel\""));
	CHECK_LINE(
	    "uevscope_delivered_bytes_total{netns=\"7\",userns=\"100\",container=\"c7\"} 900", sb);
	CHECK_LINE("uevscope_receive_drops_total{netns=\"7\",userns=\"100\",container=\"c7\"} 3",
		   sb);
	CHECK_LINE("uevscope_listeners{netns=\"9\",userns=\"200\",container=\"\"} 1", sb);
	CHECK_LINE("uevscope_netns_isolated{netns=\"9\",userns=\"200\",container=\"\"} 1", sb);
	CHECK_LINE("uevscope_netns_isolated{netns=\"7\",userns=\"100\",container=\"c7\"} 0", sb);
	CHECK_LINE("uevscope_fanout_namespaces_bucket{le=\"1\"} 0", sb);
	CHECK_LINE("uevscope_fanout_namespaces_bucket{le=\"2\"} 3", sb);
	CHECK_LINE("uevscope_fanout_namespaces_bucket{le=\"30\"} 3", sb);
	CHECK_LINE("uevscope_fanout_namespaces_bucket{le=\"+Inf\"} 4", sb);
	CHECK_LINE("uevscope_fanout_namespaces_sum 46", sb);
	CHECK_LINE("uevscope_fanout_namespaces_count 4", sb);
	CHECK_LINE("uevscope_lost_total{component=\"report\",reason=\"event_map_full\"} 2", sb);
	CHECK_LINE("uevscope_bpf_missed_runs_total{component=\"report\"} 5", sb);
	/* No emission on this model: those families are not there at all. */
	CHECK(!strstr(sb.buf, "uevscope_broadcasts_total"));
	CHECK(!strstr(sb.buf, "uevscope_delivery_latency_seconds"));
	/* Policy families are listed even with no policy loaded. */
	CHECK_LINE("# TYPE uevscope_filter_rule_uevents_total counter", sb);
	CHECK_LINE("# TYPE uevscope_device_access_total counter", sb);
	CHECK(!strstr(sb.buf, "pid=") && !strstr(sb.buf, "devpath=") && !strstr(sb.buf, "seqnum="));
	prom_cap_free(&cap);
	sb_free(&sb);
}

static void test_render_emission_locks_cap(void)
{
	struct export_locks locks = {.on = true, .churn = true};
	struct export_input in;
	struct prom_cap cap;
	struct strbuf sb;

	build(&in);
	m.emission = true;
	netns[0].broadcasts = 12;
	netns[0].no_listener = 2;
	m.latency.slot[10] = 4; /* [1024, 2048) ns */
	m.latency.sum = 5000;
	locks.wait.hist[20] = 2; /* [2^20, 2^21) ns */
	locks.wait.count = 2;
	locks.wait.total_ns = 3000000;
	locks.netns_created = 5;
	locks.counters[LOCKS_CNT_STACK_FAIL] = 1;
	in.locks = &locks;
	prom_cap_init(&cap, 1);
	sb_init(&sb, 4096);
	export_render(&sb, &in, &cap);
	CHECK_LINE("uevscope_broadcasts_no_listener_total{netns=\"7\",userns=\"100\","
		   "container=\"c7\"} 2",
		   sb);
	CHECK_LINE("uevscope_delivery_latency_seconds_bucket{le=\"1.024e-06\"} 0", sb);
	CHECK_LINE("uevscope_delivery_latency_seconds_bucket{le=\"2.048e-06\"} 4", sb);
	CHECK_LINE("uevscope_delivery_latency_seconds_sum 5e-06", sb);
	CHECK_LINE(
	    "uevscope_lock_wait_seconds_bucket{lock=\"uevent_sock_mutex\",le=\"0.002097152\"} 2",
	    sb);
	CHECK_LINE("uevscope_lock_wait_seconds_sum{lock=\"uevent_sock_mutex\"} 0.003", sb);
	CHECK_LINE("uevscope_netns_created_total 5", sb);
	CHECK_LINE("uevscope_lost_total{component=\"locks\",reason=\"stack_capture_failed\"} 1",
		   sb);
	/* --max-series 1: one netns kept, the other folded, and said so; 5 delivery rows, 1 kept */
	CHECK_LINE("uevscope_listeners{netns=\"other\",userns=\"other\",container=\"other\"} 1",
		   sb);
	CHECK_LINE("uevscope_exporter_series_folded{metric=\"uevscope_listeners\"} 1", sb);
	CHECK_LINE("uevscope_exporter_series_folded{metric=\"uevscope_deliveries_total\"} 4", sb);
	CHECK_LINE("uevscope_exporter_max_series 1", sb);
	prom_cap_free(&cap);
	sb_free(&sb);
}

/* What gzip_buffer() makes is a gzip stream (magic 1f 8b) that inflates back to the input. */
static void test_gzip(void)
{
	char in[20000], back[20000], *gz;
	z_stream zs = {0};
	size_t gzlen, i;

	for (i = 0; i < sizeof(in); i++)
		in[i] = "uevscope_deliveries_total{netns=\"1\"} 42\n"[i % 40];
	CHECK_INT(0, gzip_buffer(in, sizeof(in), &gz, &gzlen));
	CHECK(gzlen > 18 && gzlen < sizeof(in) / 10);
	CHECK((unsigned char)gz[0] == 0x1f && (unsigned char)gz[1] == 0x8b);
	CHECK_INT(Z_OK, inflateInit2(&zs, 15 + 16));
	zs.next_in = (Bytef *)gz;
	zs.avail_in = (uInt)gzlen;
	zs.next_out = (Bytef *)back;
	zs.avail_out = sizeof(back);
	CHECK_INT(Z_STREAM_END, inflate(&zs, Z_FINISH));
	inflateEnd(&zs);
	free(gz);
	CHECK_UINT(sizeof(in), zs.total_out);
	CHECK(!memcmp(in, back, sizeof(in)));
}

int main(void)
{
	unit_suite("export");
	RUN(test_label_escaping, "label values and HELP text escaped as the format says");
	RUN(test_numbers, "numbers: integers plain, bounds shortest, +Inf");
	RUN(test_histogram, "histogram: cumulative buckets, +Inf, _sum, _count");
	RUN(test_rows_merge_sort, "series: same labels summed, sorted, NULL as empty");
	RUN(test_cap_sticky, "--max-series: first come admitted for good, the rest in other");
	RUN(test_cap_gone, "--max-series: gone sets free their place, other never goes down");
	RUN(test_gzip, "gzip: a gzip stream that inflates back to the input");
	RUN(test_listen, "--listen: numeric or localhost with a port; no bare port");
	RUN(test_render_model, "metrics from a model: deliveries, unknown rest, netns, fan-out");
	RUN(test_render_emission_locks_cap, "emission, lock wait, churn, a cap of 1");
	return unit_exit();
}
