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
#include "seqgap.h"
#include "socks.h"
#include "trace_args.h"
#include "trace_attach.h"
#include "trace_print.h"
#include "trace_record.h"
#include "trace.skel.h"

#define POLL_MS		 10
#define SCAN_INTERVAL_NS (250 * 1000000ull)
#define STOP_CONSUMING	 (-ECANCELED)
/* A SEQNUM taken this long ago has been delivered wherever it goes (report's settle time). */
#define GAP_SETTLE_NS (200 * 1000000ull)

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
	struct rec_writer *rec;	 /* record: write here instead of printing */
	struct rec_notes *notes; /* trace -i: names and holders from the recording */
	struct seqgap gaps;	 /* --gaps: SEQNUMs taken and delivered */
	uint64_t gap_seqnums;	 /* SEQNUMs printed as gaps */
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

	if (t->notes) {
		const struct rec_netns_note *nn = idmap_get(&t->notes->netns, ino);

		return !nn ? NULL : t->args->print.json ? nn->name : nn->label;
	}
	if (t->args->print.json)
		return netns_name(ino);
	label = netns_label(ino, t->netns_label, sizeof(t->netns_label));
	return strcmp(label, "-") ? label : NULL;
}

/* Who holds a receiving socket: the inventory live, the recording's notes with -i. */
static const struct sock_entry *owners_of(struct tracer *t, uint32_t sock_ino)
{
	if (t->notes)
		return idmap_get(&t->notes->owners, sock_ino);
	return socks_owners(t->socks, sock_ino);
}

static void emit_overrun_at(struct tracer *t, const struct uev_sock_info *info, uint32_t lost,
			    uint64_t wall_ns)
{
	struct overrun_view v = {
	    .sock = info,
	    .wall_ns = wall_ns,
	    .lost = lost,
	};

	if (t->rec) {
		recw_note_netns(t->rec, info->netns_ino);
		recw_note_owners(t->rec, info->sock_ino, socks_owners(t->socks, info->sock_ino));
		recw_overrun(t->rec, info, wall_ns, lost);
		return;
	}
	v.netns_name = netns_shown(t, info->netns_ino);
	v.owners = owners_of(t, info->sock_ino);
	print_overrun(&t->out, &v, &t->args->print);
}

static void emit_overrun(struct tracer *t, const struct uev_sock_info *info, uint32_t lost)
{
	emit_overrun_at(t, info, lost, now_monotonic_ns() + t->clock_offset);
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
	/* trace -i: the recording holds the overruns seen live, in their place. */
	uint32_t lost = t->notes ? 0 : overrun_update(&t->overruns, rec->sock_ino, rec->sk_drops);
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
	else if (t->args->gaps && ev->has_seqnum)
		seqgap_delivered(&t->gaps, ev->seqnum);
	if (!match_list_eval(t->args->match, ev ? ev : &t->ev)) {
		t->not_matched++;
		return;
	}
	v = (struct trace_view){
	    .rec = rec,
	    .ev = ev,
	    .wall_ns = rec->ts_ns + t->clock_offset,
	    .netns_name = netns_shown(t, rec->netns_ino),
	    .owners = owners_of(t, rec->sock_ino),
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

/*
 * record: the ring buffer's bytes go to the file as they are, with a note of
 * what user space would have resolved for them now (names, holders), so that
 * trace -i prints them as trace would have. No parsing, no printing.
 */
static int record_one(struct tracer *t, const struct uev_record *rec, size_t size)
{
	if (rec->kind == UEV_REC_DELIVERY) {
		uint32_t lost = overrun_update(&t->overruns, rec->sock_ino, rec->sk_drops);

		if (lost) {
			struct uev_sock_info info;

			sock_info_from_record(&info, rec);
			emit_overrun(t, &info, lost);
		}
		recw_note_netns(t->rec, rec->netns_ino);
		recw_note_owners(t->rec, rec->sock_ino, socks_owners(t->socks, rec->sock_ino));
		t->shown++;
	} else if (rec->kind == UEV_REC_EMISSION) {
		recw_note_netns(t->rec, rec->netns_ino);
	}
	recw_event(t->rec, rec, size);
	if (t->args->max_count && t->shown >= t->args->max_count) {
		exiting = 1;
		return STOP_CONSUMING;
	}
	return 0;
}

static int on_record(void *ctx, void *data, size_t size)
{
	struct tracer *t = ctx;
	const struct uev_record *rec = data;

	if (size < sizeof(*rec) || size < sizeof(*rec) + rec->payload_len ||
	    rec->payload_len > UEV_PAYLOAD_MAX)
		return 0;
	if (t->rec)
		return record_one(t, rec, size);
	/* trace -i: --netns filters here what the kernel filtered live. */
	if (t->notes && t->args->attach.netns && rec->kind != UEV_REC_EMISSION_DONE &&
	    rec->netns_ino != t->args->attach.netns)
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

static void on_gap(void *ctx, uint64_t first, uint64_t last)
{
	struct tracer *t = ctx;
	bool uncertain =
	    read_counter(t, UEV_CNT_RINGBUF_FULL) || read_counter(t, UEV_CNT_NO_PAYLOAD);

	print_gap(&t->out, now_monotonic_ns() + t->clock_offset, first, last, uncertain,
		  &t->args->print);
	t->gap_seqnums += last - first + 1;
}

/*
 * --gaps: the ring buffer was just drained, so every delivery made before
 * now is in; SEQNUMs taken GAP_SETTLE_NS before now that none carried
 * reached nobody.
 */
static void check_gaps(struct tracer *t)
{
	if (!t->args->gaps)
		return;
	seqgap_settle(&t->gaps, GAP_SETTLE_NS, now_monotonic_ns(), on_gap, t);
	seqgap_mark(&t->gaps);
}

/* Socket drops, and ring buffer losses as a LOST line in the stream itself. */
static void periodic_checks(struct tracer *t)
{
	uint64_t full = read_counter(t, UEV_CNT_RINGBUF_FULL);
	struct scan_ctx sc = {.t = t};

	check_gaps(t);
	if (full > t->reported_ringbuf_full) {
		if (t->rec)
			recw_lost(t->rec, now_monotonic_ns() + t->clock_offset,
				  full - t->reported_ringbuf_full,
				  "records: ring buffer full (raise --buffer-mb)");
		else
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

static void print_counts(struct tracer *t, const struct uevrec_summary *c)
{
	if (t->args->print.json) {
		struct json_writer w;

		jw_record(&w, &t->out);
		jw_str(&w, "type", "summary");
		jw_u64(&w, "deliveries", c->deliveries);
		jw_u64(&w, "shown", t->shown);
		jw_u64(&w, "not_matched", t->not_matched);
		jw_u64(&w, "emissions", t->emissions_shown);
		jw_u64(&w, "lost_ringbuf_full", c->lost_ringbuf_full);
		jw_u64(&w, "payload_gone", c->payload_gone);
		jw_u64(&w, "receiver_overruns", c->receiver_overruns);
		jw_u64(&w, "unicast_skipped", c->unicast_skipped);
		jw_u64(&w, "missed_runs", c->missed_runs);
		if (t->args->gaps)
			jw_u64(&w, "gap_seqnums", t->gap_seqnums);
		jw_record_end(&w);
		flush_out(t);
	}
	fprintf(stderr,
		"uevscope: %llu deliveries traced, %llu shown, %llu not matching; lost: %llu "
		"(ring buffer full), %llu payloads gone before read; receivers overran %llu "
		"uevents; %llu unicast skipped; %llu program runs missed (nested BPF)\n",
		(unsigned long long)c->deliveries, (unsigned long long)t->shown,
		(unsigned long long)t->not_matched, (unsigned long long)c->lost_ringbuf_full,
		(unsigned long long)c->payload_gone, (unsigned long long)c->receiver_overruns,
		(unsigned long long)c->unicast_skipped, (unsigned long long)c->missed_runs);
	if (t->args->gaps)
		fprintf(stderr,
			"uevscope: %llu of %llu uevents emitted reached no listener (%llu not "
			"judged yet)\n",
			(unsigned long long)t->gap_seqnums, (unsigned long long)t->gaps.emitted,
			(unsigned long long)(t->gaps.latest - t->gaps.accounted));
}

static void print_summary(struct tracer *t)
{
	struct uevrec_summary c = {
	    .deliveries = read_counter(t, UEV_CNT_DELIVERIES),
	    .lost_ringbuf_full = read_counter(t, UEV_CNT_RINGBUF_FULL),
	    .payload_gone = read_counter(t, UEV_CNT_NO_PAYLOAD),
	    .unicast_skipped = read_counter(t, UEV_CNT_UNICAST),
	    .missed_runs = trace_missed_runs(&t->bpf),
	    .receiver_overruns = t->overruns.total_lost,
	};

	if (!t->rec) {
		print_counts(t, &c);
		return;
	}
	c.records = t->rec->records + 1;
	recw_summary(t->rec, &c);
	fprintf(stderr,
		"uevscope: recorded %llu deliveries (%llu traced), %llu records, %llu bytes; lost: "
		"%llu (ring buffer full), %llu payloads gone before read\n",
		(unsigned long long)t->shown, (unsigned long long)c.deliveries,
		(unsigned long long)c.records, (unsigned long long)t->rec->bytes,
		(unsigned long long)c.lost_ringbuf_full, (unsigned long long)c.payload_gone);
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

/* CLOCK_REALTIME - CLOCK_MONOTONIC: turns the records' ktime into wall time. */
static uint64_t clock_offset_now(void)
{
	struct timespec rt, mono;

	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_MONOTONIC, &mono);
	return (rt.tv_sec - mono.tv_sec) * 1000000000ull + rt.tv_nsec - mono.tv_nsec;
}

static struct rec_notes *input_notes;

/* The container of a netns as the recording noted it, as json_netns_container() writes it. */
static void noted_container(struct strbuf *sb, uint32_t ino)
{
	const struct rec_netns_note *nn = idmap_get(&input_notes->netns, ino);
	struct json_writer w = {.sb = sb};

	if (!nn || !nn->has_container) {
		sb_puts(sb, "null");
		return;
	}
	jw_object(&w, NULL);
	jw_u64(&w, "pid", nn->c.pid);
	jw_str(&w, "comm", nn->c.comm);
	jw_str(&w, "cgroup", nn->c.cgroup);
	jw_object_end(&w);
}

/* trace -i: a recording through the same consumer and printers as live records. */
static int run_input(struct tracer *t)
{
	const struct trace_args *a = t->args;
	struct uevrec_summary sum = {};
	struct rec_notes notes;
	struct rec_reader r;
	const char *body;
	char err[512];
	uint32_t len;
	uint16_t type;
	int n = 0, rc = EXIT_OK;

	if (recr_open(&r, a->input, err, sizeof(err))) {
		uev_err("trace: %s", err);
		recr_close(&r);
		return EXIT_USAGE;
	}
	rec_notes_init(&notes);
	t->notes = input_notes = &notes;
	trace_json_container = noted_container;
	t->clock_offset = r.hdr.clock_offset_ns;
	while (!exiting && (n = recr_next(&r, &type, &body, &len)) > 0) {
		if (type == UEVREC_EVENT) {
			if (on_record(t, (void *)body, len) == STOP_CONSUMING)
				break;
		} else if (type == UEVREC_NETNS || type == UEVREC_OWNERS) {
			if (rec_notes_apply(&notes, type, body, len))
				n = -EINVAL;
		} else if (type == UEVREC_OVERRUN && len >= sizeof(struct uevrec_overrun)) {
			struct uevrec_overrun o;

			memcpy(&o, body, sizeof(o));
			if (!a->attach.netns || o.sock.netns_ino == a->attach.netns)
				emit_overrun_at(t, &o.sock, o.lost, o.wall_ns);
		} else if (type == UEVREC_LOST && len > sizeof(struct uevrec_lost) &&
			   !body[len - 1]) {
			struct uevrec_lost l;

			memcpy(&l, body, sizeof(l));
			print_lost(&t->out, l.wall_ns, body + sizeof(l), l.count, &a->print);
		} else if (type == UEVREC_SUMMARY && len >= sizeof(sum)) {
			memcpy(&sum, body, sizeof(sum));
		}
		if (n < 0)
			break;
		if (t->out.len > (256 << 10))
			flush_out(t);
	}
	if (n < 0) {
		uev_err("trace: %s is cut or corrupt at byte %zu; printed what came before",
			a->input, r.off);
		rc = EXIT_USAGE;
	}
	flush_out(t);
	/* A cut file has no summary: the one line above says so, and nothing more. */
	if (!t->output_failed && n >= 0)
		print_counts(t, &sum);
	trace_json_container = json_netns_container;
	rec_notes_free(&notes);
	t->notes = input_notes = NULL; /* gone with this frame */
	recr_close(&r);
	return rc;
}

static int run(struct tracer *t)
{
	struct trace_args *a = t->args;
	struct ring_buffer *rb = NULL;
	uint64_t deadline = 0, next_scan, now;
	int err;

	if (trace_attach(&t->bpf, &a->attach))
		return EXIT_ENV;
	t->socks = socks_open();
	if (!t->socks) {
		uev_err("out of memory");
		return EXIT_ENV;
	}
	overrun_init(&t->overruns);
	if (a->gaps) {
		/* Attached: every delivery of a SEQNUM above the base is seen. */
		seqgap_init(&t->gaps);
		if (!t->gaps.available) {
			uev_err("--gaps: cannot read /sys/kernel/uevent_seqnum: %s (is sysfs "
				"mounted?)",
				strerror(errno));
			return EXIT_ENV;
		}
		seqgap_mark(&t->gaps);
	}
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
		    "listener are not seen (--gaps prints their SEQNUMs)%s%s\n",
		    verbose ? ": " : " (-v says why)", verbose ? t->bpf.emission_why : "");

	if (!t->clock_offset)
		t->clock_offset = clock_offset_now();
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
	seqgap_free(&t->gaps);
	return EXIT_OK;
}

/* Attach, consume until done, detach: trace and record. */
static int trace_live(struct tracer *t)
{
	struct sigaction sa = {.sa_handler = on_signal};
	int ret;

	if (!require_root(t->rec ? "record" : "trace") || !require_btf())
		return EXIT_ENV;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	sb_init(&t->out, 1 << 20);
	idmap_init(&t->pending);
	setup_libbpf_logging();

	ret = run(t);

	trace_detach(&t->bpf);
	socks_close(t->socks);
	overrun_free(&t->overruns);
	idmap_free(&t->pending, free_pending);
	sb_free(&t->out);
	netns_names_free();
	return ret;
}

int cmd_trace(int argc, char **argv)
{
	struct trace_args args = {};
	struct tracer t = {.args = &args};
	int ret;

	args.match = match_list_new();
	ret = trace_parse_args(argc, argv, &args);
	if (ret >= 0)
		goto out_args;
	if (args.input) {
		signal(SIGPIPE, SIG_IGN);
		sb_init(&t.out, 1 << 20);
		idmap_init(&t.pending);
		ret = run_input(&t);
		idmap_free(&t.pending, free_pending);
		sb_free(&t.out);
		goto out_args;
	}
	ret = trace_live(&t);
out_args:
	match_list_free(args.match);
	return ret;
}

static const char record_usage[] =
    "usage: uevscope record -o FILE [TRACE OPTIONS]\n"
    "\n"
    "Record everything `uevscope trace` sees (deliveries, emissions, overruns, losses)\n"
    "into FILE ('-': stdout), a compact binary file (docs/record-format.md): the kernel's\n"
    "records as they come, nothing parsed or printed, so it costs less than trace -j.\n"
    "Print it with 'uevscope trace -i FILE [-j] [-p] [-m EXPR]', inject it again with\n"
    "'uevscope replay FILE --netns NS'.\n"
    "\n"
    "  -o, --output FILE     the recording (replaced if it exists)\n"
    "  -c, --count N         stop after N deliveries recorded\n"
    "  -d, --duration SECS   stop after SECS seconds\n"
    "      --netns NS, --cgroup PATH, --tier NAME, --no-emission, --buffer-mb N\n"
    "                        as for trace (uevscope trace --help)\n"
    "  -h, --help            this help\n"
    "\n"
    "EXAMPLES:\n"
    "  uevscope record -o storm.uevrec -d 10\n"
    "  uevscope trace -i storm.uevrec -j -p\n"
    "\n"
    "Exit status: 0 done (also on SIGINT/SIGTERM), 1 environment (not root, no BPF,\n"
    "FILE not writable), 2 bad usage.\n";

int cmd_record(int argc, char **argv)
{
	struct trace_args args = {};
	struct tracer t = {.args = &args};
	struct rec_writer w;
	char **rest = calloc(argc + 1, sizeof(*rest));
	int nrest = 0, ret, err;

	if (!rest)
		abort();
	rest[nrest++] = argv[0];
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			fputs(record_usage, stdout);
			free(rest);
			return EXIT_OK;
		} else if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
			if (i + 1 == argc) {
				free(rest);
				return cmd_usage_error("record", "option '%s' needs a value", a);
			}
			args.output = argv[++i];
		} else if (!strncmp(a, "--output=", 9)) {
			args.output = a + 9;
		} else if (!strcmp(a, "-j") || !strcmp(a, "--json") || !strcmp(a, "-p") ||
			   !strcmp(a, "--properties") || !strcmp(a, "-i") ||
			   !strcmp(a, "--input") || !strcmp(a, "-m") || !strcmp(a, "--match")) {
			free(rest);
			return cmd_usage_error("record",
					       "'%s' is for printing: record keeps everything; "
					       "print and filter with trace -i",
					       a);
		} else {
			rest[nrest++] = argv[i];
		}
	}
	if (!args.output) {
		free(rest);
		return cmd_usage_error("record", "give the file to write with -o FILE");
	}
	args.match = match_list_new();
	ret = trace_parse_args(nrest, rest, &args);
	free(rest);
	if (ret >= 0)
		goto out;
	if (!require_root("record")) {
		ret = EXIT_ENV;
		goto out;
	}
	t.clock_offset = clock_offset_now();
	ret = recw_open(&w, args.output, t.clock_offset);
	if (ret) {
		uev_err("record: cannot write %s: %s", args.output, strerror(-ret));
		ret = EXIT_ENV;
		goto out;
	}
	t.rec = &w;
	ret = trace_live(&t);
	err = recw_close(&w);
	if (err) {
		uev_err("record: writing %s failed: %s", args.output, strerror(-err));
		ret = EXIT_ENV;
	}
out:
	match_list_free(args.match);
	return ret;
}
