// SPDX-License-Identifier: GPL-2.0
/*
 * uevscope trace: every delivery of a uevent to a listening socket, tagged
 * with its namespaces, receiver and origin, streamed from a BPF ring buffer.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "common.h"
#include "json.h"
#include "match.h"
#include "nsnames.h"
#include "overrun.h"
#include "socks.h"
#include "trace_args.h"
#include "trace_attach.h"
#include "trace_print.h"
#include "trace.skel.h"

#define POLL_MS		 10
#define SCAN_INTERVAL_NS (250 * 1000000ull)
#define STOP_CONSUMING	 (-ECANCELED)

/* An emission waiting for its netlink_broadcast() to return. */
struct pending_emission {
	struct uev_record *rec; /* with its payload */
	uint32_t deliveries;
};

struct tracer {
	struct trace_args *args;
	struct trace_attached bpf;
	struct socks *socks;
	struct overrun_tracker overruns;
	struct idmap pending; /* origin tid -> struct pending_emission */
	struct strbuf out;
	uint64_t clock_offset; /* CLOCK_REALTIME - CLOCK_MONOTONIC */
	char payload[UEV_PAYLOAD_MAX + 1];
	char netns_label[128];
	struct uevent ev;
	uint64_t shown, not_matched, emissions_shown;
	uint64_t reported_ringbuf_full;
	bool output_failed;
};

static volatile sig_atomic_t exiting;

static void on_signal(int sig)
{
	(void)sig;
	exiting = 1;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static void flush_out(struct tracer *t)
{
	if (!t->out.len || t->output_failed)
		return;
	/* Straight from our buffer: stdio would copy every byte once more. */
	if (write_all(STDOUT_FILENO, t->out.buf, t->out.len)) {
		/* A closed pipe (trace | head) ends the trace; it is not an error. */
		t->output_failed = true;
		exiting = 1;
	}
	sb_reset(&t->out);
}

/*
 * How a receiving netns is named: JSON keeps "name" for the /run/netns name
 * (the container is its own object there); text shows netns_label(), the
 * /run/netns name or else the container, as listeners, report and top do.
 */
static const char *netns_shown(struct tracer *t, uint32_t ino)
{
	const char *label;

	if (t->args->print.json)
		return netns_name(ino);
	label = netns_label(ino, t->netns_label, sizeof(t->netns_label));
	return strcmp(label, "-") ? label : NULL;
}

static void emit_overrun(struct tracer *t, const struct uev_sock_info *info, uint32_t lost)
{
	struct overrun_view v = {
	    .sock = info,
	    .wall_ns = now_monotonic_ns() + t->clock_offset,
	    .lost = lost,
	    .netns_name = netns_shown(t, info->netns_ino),
	    .owners = socks_owners(t->socks, info->sock_ino),
	};

	print_overrun(&t->out, &v, &t->args->print);
}

/* The netns filter also holds for overruns; a cgroup filter only lets in sockets it passed. */
static bool overrun_wanted(struct tracer *t, const struct uev_sock_info *info)
{
	const struct trace_attach_cfg *c = &t->args->attach;

	return (!c->netns || info->netns_ino == c->netns) && !c->cgroup_id;
}

static void on_delivery(struct tracer *t, const struct uev_record *rec)
{
	struct pending_emission *pe = idmap_get(&t->pending, rec->origin_tid);
	const struct uevent *ev = NULL;
	uint32_t lost = overrun_update(&t->overruns, rec->sock_ino, rec->sk_drops);
	struct trace_view v;

	if (pe)
		pe->deliveries++;
	if (lost) {
		struct uev_sock_info info;

		sock_info_from_record(&info, rec);
		emit_overrun(t, &info, lost);
	}
	if (!(rec->flags & UEV_F_NO_PAYLOAD)) {
		/* The ring buffer is mapped read-only: parse a copy. */
		memcpy(t->payload, rec->payload, rec->payload_len);
		if (!uevent_parse(t->payload, rec->payload_len, &t->ev))
			ev = &t->ev;
	}
	if (!ev)
		memset(&t->ev, 0, sizeof(t->ev));
	if (!match_list_eval(t->args->match, ev ? ev : &t->ev)) {
		t->not_matched++;
		return;
	}
	v = (struct trace_view){
	    .rec = rec,
	    .ev = ev,
	    .wall_ns = rec->ts_ns + t->clock_offset,
	    .netns_name = netns_shown(t, rec->netns_ino),
	    .owners = socks_owners(t->socks, rec->sock_ino),
	};
	print_delivery(&t->out, &v, &t->args->print);
	t->shown++;
}

static void on_emission(struct tracer *t, const struct uev_record *rec, size_t size)
{
	struct pending_emission *pe = calloc(1, sizeof(*pe));

	if (!pe || !(pe->rec = malloc(size))) {
		free(pe);
		return;
	}
	memcpy(pe->rec, rec, size);
	pe = idmap_put(&t->pending, rec->origin_tid, pe);
	if (pe) { /* a broadcast whose exit we never saw */
		free(pe->rec);
		free(pe);
	}
}

static void on_emission_done(struct tracer *t, const struct uev_record *done)
{
	struct pending_emission *pe = idmap_get(&t->pending, done->origin_tid);
	const struct uevent *ev = NULL;
	struct trace_view v;

	if (!pe)
		return;
	idmap_put(&t->pending, done->origin_tid, NULL);
	memcpy(t->payload, pe->rec->payload, pe->rec->payload_len);
	if (!uevent_parse(t->payload, pe->rec->payload_len, &t->ev))
		ev = &t->ev;
	if (ev && match_list_eval(t->args->match, ev)) {
		v = (struct trace_view){
		    .rec = pe->rec,
		    .ev = ev,
		    .wall_ns = pe->rec->ts_ns + t->clock_offset,
		    .netns_name = netns_shown(t, pe->rec->netns_ino),
		    .retval = done->retval,
		    .deliveries = pe->deliveries,
		};
		print_emission(&t->out, &v, &t->args->print);
		t->emissions_shown++;
	}
	free(pe->rec);
	free(pe);
}

static int on_record(void *ctx, void *data, size_t size)
{
	struct tracer *t = ctx;
	const struct uev_record *rec = data;

	if (size < sizeof(*rec) || size < sizeof(*rec) + rec->payload_len ||
	    rec->payload_len > UEV_PAYLOAD_MAX)
		return 0;
	switch (rec->kind) {
	case UEV_REC_DELIVERY:
		on_delivery(t, rec);
		break;
	case UEV_REC_EMISSION:
		on_emission(t, rec, size);
		break;
	case UEV_REC_EMISSION_DONE:
		on_emission_done(t, rec);
		break;
	}
	if (t->out.len > (256 << 10))
		flush_out(t);
	if (t->args->max_count && t->shown >= t->args->max_count) {
		exiting = 1;
		return STOP_CONSUMING;
	}
	return 0;
}

static uint64_t read_counter(struct tracer *t, enum uev_counter idx)
{
	int ncpus = libbpf_num_possible_cpus();
	uint64_t sum = 0, vals[ncpus > 0 ? ncpus : 1];
	__u32 key = idx;
	int i;

	if (ncpus <= 0 || bpf_map_lookup_elem(bpf_map__fd(t->bpf.trace->maps.counters), &key, vals))
		return 0;
	for (i = 0; i < ncpus; i++)
		sum += vals[i];
	return sum;
}

static void baseline_cb(const struct uev_sock_info *info, void *ctx)
{
	overrun_baseline(ctx, info->sock_ino, info->sk_drops);
}

struct scan_ctx {
	struct tracer *t;
	struct idmap alive;
	bool unnamed; /* a socket whose holders are not known yet */
};

static void scan_cb(const struct uev_sock_info *info, void *ctx)
{
	struct scan_ctx *sc = ctx;
	uint32_t lost = overrun_update(&sc->t->overruns, info->sock_ino, info->sk_drops);

	idmap_put(&sc->alive, info->sock_ino, (void *)1);
	if (!socks_owner_known(sc->t->socks, info->sock_ino))
		sc->unnamed = true;
	if (lost && overrun_wanted(sc->t, info))
		emit_overrun(sc->t, info, lost);
}

/* Socket drops, and ring buffer losses as a LOST line in the stream itself. */
static void periodic_checks(struct tracer *t)
{
	uint64_t full = read_counter(t, UEV_CNT_RINGBUF_FULL);
	struct scan_ctx sc = {.t = t};

	if (full > t->reported_ringbuf_full) {
		print_lost(&t->out, now_monotonic_ns() + t->clock_offset,
			   "records: ring buffer full (raise --buffer-mb)",
			   full - t->reported_ringbuf_full, &t->args->print);
		uev_dbg("ring buffer full: %llu records lost so far", (unsigned long long)full);
		t->reported_ringbuf_full = full;
	}
	if (!socks_can_list(t->socks))
		return;
	idmap_init(&sc.alive);
	if (socks_list(t->socks, scan_cb, &sc) >= 0)
		overrun_prune(&t->overruns, &sc.alive);
	/* Name new listeners while they live: one may be gone by its first delivery. */
	if (sc.unnamed)
		socks_refresh_owners(t->socks);
	idmap_free(&sc.alive, NULL);
}

static void print_summary(struct tracer *t)
{
	uint64_t seen = read_counter(t, UEV_CNT_DELIVERIES);
	uint64_t full = read_counter(t, UEV_CNT_RINGBUF_FULL);
	uint64_t gone = read_counter(t, UEV_CNT_NO_PAYLOAD);
	uint64_t unicast = read_counter(t, UEV_CNT_UNICAST);
	uint64_t missed = trace_missed_runs(&t->bpf);

	if (t->args->print.json) {
		struct json_writer w;

		jw_record(&w, &t->out);
		jw_str(&w, "type", "summary");
		jw_u64(&w, "deliveries", seen);
		jw_u64(&w, "shown", t->shown);
		jw_u64(&w, "not_matched", t->not_matched);
		jw_u64(&w, "emissions", t->emissions_shown);
		jw_u64(&w, "lost_ringbuf_full", full);
		jw_u64(&w, "payload_gone", gone);
		jw_u64(&w, "receiver_overruns", t->overruns.total_lost);
		jw_u64(&w, "unicast_skipped", unicast);
		jw_u64(&w, "missed_runs", missed);
		jw_record_end(&w);
		flush_out(t);
	}
	fprintf(stderr,
		"uevscope: %llu deliveries traced, %llu shown, %llu not matching; lost: %llu "
		"(ring buffer full), %llu payloads gone before read; receivers overran %llu "
		"uevents; %llu unicast skipped; %llu program runs missed (nested BPF)\n",
		(unsigned long long)seen, (unsigned long long)t->shown,
		(unsigned long long)t->not_matched, (unsigned long long)full,
		(unsigned long long)gone, (unsigned long long)t->overruns.total_lost,
		(unsigned long long)unicast, (unsigned long long)missed);
}

static void free_pending(void *p)
{
	struct pending_emission *pe = p;

	/* idmap has no delete: on_emission_done() leaves a NULL in the finished slot. */
	if (!pe)
		return;
	free(pe->rec);
	free(pe);
}

static int run(struct tracer *t)
{
	struct trace_args *a = t->args;
	struct ring_buffer *rb = NULL;
	uint64_t deadline = 0, next_scan, now;
	struct timespec rt, mono;
	int err;

	if (trace_attach(&t->bpf, &a->attach))
		return EXIT_ENV;
	t->socks = socks_open();
	if (!t->socks) {
		uev_err("out of memory");
		return EXIT_ENV;
	}
	overrun_init(&t->overruns);
	if (socks_list(t->socks, baseline_cb, &t->overruns) >= 0)
		overrun_baseline_done(&t->overruns);
	socks_refresh_owners(t->socks);

	rb = ring_buffer__new(bpf_map__fd(t->bpf.trace->maps.events), on_record, t, NULL);
	if (!rb) {
		uev_err("cannot map the ring buffer: %s", strerror(errno));
		return EXIT_ENV;
	}

	/*
	 * Only now say we trace: scripts (and the tests) wait for this line
	 * before they make uevents, and a receiver's drops before the baseline
	 * above would not be reported as an overrun.
	 */
	fprintf(stderr, "uevscope: tracing uevent deliveries via %s%s\n", t->bpf.delivery_tier,
		a->attach.force_tier ? " (forced with --tier)" : "");
	if (t->bpf.emission_tier)
		fprintf(stderr, "uevscope: tracing uevent emissions via %s%s\n",
			t->bpf.emission_tier,
			a->attach.force_emission_tier ? " (forced with --tier)" : "");
	else if (!a->attach.no_emission)
		fprintf(
		    stderr,
		    "uevscope: emission records unavailable on this kernel, uevents that reach no "
		    "listener are not seen%s%s\n",
		    verbose ? ": " : " (-v says why)", verbose ? t->bpf.emission_why : "");

	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_MONOTONIC, &mono);
	t->clock_offset = (rt.tv_sec - mono.tv_sec) * 1000000000ull + rt.tv_nsec - mono.tv_nsec;
	now = now_monotonic_ns();
	if (a->duration)
		deadline = now + (uint64_t)(a->duration * 1e9);
	next_scan = now + SCAN_INTERVAL_NS;

	while (!exiting) {
		/* Producers force a wake-up only now and then; the timeout bounds latency. */
		err = ring_buffer__poll(rb, POLL_MS);
		if (err >= 0)
			err = ring_buffer__consume(rb);
		if (err < 0 && err != -EINTR && err != STOP_CONSUMING) {
			uev_err("reading the ring buffer failed: %s", strerror(-err));
			break;
		}
		now = now_monotonic_ns();
		if (now >= next_scan) {
			periodic_checks(t);
			next_scan = now + SCAN_INTERVAL_NS;
		}
		flush_out(t);
		if (deadline && now >= deadline)
			break;
	}
	/* Drain what is already in the ring buffer, unless -c is satisfied. */
	if (!(a->max_count && t->shown >= a->max_count))
		ring_buffer__consume(rb);
	periodic_checks(t);
	flush_out(t);
	ring_buffer__free(rb);
	print_summary(t);
	return EXIT_OK;
}

int cmd_trace(int argc, char **argv)
{
	struct trace_args args = {};
	struct tracer t = {.args = &args};
	struct sigaction sa = {.sa_handler = on_signal};
	int ret;

	args.match = match_list_new();
	ret = trace_parse_args(argc, argv, &args);
	if (ret >= 0)
		goto out_args;
	if (!require_root("trace") || !require_btf()) {
		ret = EXIT_ENV;
		goto out_args;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	sb_init(&t.out, 1 << 20);
	idmap_init(&t.pending);
	setup_libbpf_logging();

	ret = run(&t);

	trace_detach(&t.bpf);
	socks_close(t.socks);
	overrun_free(&t.overruns);
	idmap_free(&t.pending, free_pending);
	sb_free(&t.out);
	netns_names_free();
out_args:
	match_list_free(args.match);
	return ret;
}
