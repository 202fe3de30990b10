// SPDX-License-Identifier: GPL-2.0
/*
 * uevscope export: the report's metrics model (report_model.c), plus the
 * policies' counters and optionally uevent_sock_mutex contention, rendered
 * as Prometheus metrics (export_metrics.c) every interval and served over
 * HTTP (export_http.c) and/or written to a textfile (export_textfile.c).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <bpf/libbpf.h>
#include "common.h"
#include "export_args.h"
#include "export_http.h"
#include "export_metrics.h"
#include "export_sources.h"
#include "export_textfile.h"
#include "web_config.h"
#include "idmap.h"
#include "nsnames.h"
#include "report/report_session.h"
#include "socks.h"
#include "subcommands.h"

static volatile sig_atomic_t exiting;

static void on_signal(int sig)
{
	(void)sig;
	exiting = 1;
}

/*
 * The container label, fixed for a namespace the first time it is known:
 * the process it is taken from can change, and a label that changes would
 * split one namespace's counters into two series.
 */
static const char *container_label(void *ctx, uint32_t netns)
{
	struct idmap *cache = ctx;
	const struct netns_container *c;
	const char *label = idmap_get(cache, netns);
	char *copy;

	if (label)
		return label;
	label = netns_name(netns);
	if (!label) {
		c = netns_container(netns);
		label = c && c->cgroup ? c->cgroup : NULL;
	}
	if (!label)
		return ""; /* not known yet: asked again at the next readout */
	copy = strdup(label);
	if (!copy)
		return "";
	idmap_put(cache, netns, copy);
	return copy;
}

struct exporter {
	const struct export_args *args;
	struct report_session session;
	struct export_sources sources;
	struct export_server http;
	struct web_config web;
	bool serving;
	struct prom_cap cap;
	struct idmap containers;
	struct utsname uts;
	char libbpf_version[32];
	struct strbuf body;
	uint64_t readouts;
	double readout_s;
	bool textfile_failed;
	uint64_t textfile_errors;
};

static void readout(struct exporter *x)
{
	uint64_t t0 = now_monotonic_ns(), t1;
	struct export_input in = {
	    .model = &x->session.model,
	    .container = container_label,
	    .container_ctx = &x->containers,
	    .version = UEVSCOPE_VERSION,
	    .libbpf_version = x->libbpf_version,
	    .kernel = x->uts.release,
	};
	char err[256];

	report_model_read(&x->session.model, REPORT_SETTLE_NS);
	export_sources_read(&x->sources);
	t1 = now_monotonic_ns();
	x->readouts++;
	x->readout_s = (t1 - t0) / 1e9; /* this readout's: the maps, not the rendering */
	in.seqnum_ok = x->sources.seqnum_ok;
	in.seqnum = x->sources.seqnum;
	in.filter = &x->sources.filter;
	in.devices = &x->sources.devices;
	in.locks = &x->sources.locks;
	in.programs[0] =
	    (struct export_program){"report_delivery", x->session.ra.delivery_tier, true};
	in.programs[1] = (struct export_program){
	    "report_emission", x->session.ra.emission_tier ? x->session.ra.emission_tier : "none",
	    x->session.ra.emission_tier != NULL};
	in.programs[2] = (struct export_program){
	    "socket_inventory",
	    x->session.model.sockets_listed ? socks_tier(x->session.model.inventory) : "none",
	    x->session.model.sockets_listed};
	in.nprograms = 3;
	export_sources_programs(&x->sources, &in);
	in.self.readouts = x->readouts;
	in.self.readout_seconds = x->readout_s;
	in.self.scrapes = x->serving ? export_server_scrapes(&x->http) : 0;
	in.self.textfile_errors = x->textfile_errors;
	sb_reset(&x->body);
	export_render(&x->body, &in, &x->cap);
	if (x->serving)
		export_server_publish(&x->http, x->body.buf, x->body.len, t0);
	if (!x->args->textfile)
		return;
	if (export_textfile_write(x->args->textfile, x->body.buf, x->body.len, err, sizeof(err))) {
		if (!x->textfile_failed)
			uev_err("export: %s (will keep trying)", err);
		x->textfile_failed = true;
		x->textfile_errors++;
	} else {
		x->textfile_failed = false;
	}
}

/*
 * Until the next readout is due, or a scrape asks for one; false once a
 * signal came. The fan-out is folded meanwhile, every 50 ms or, under a
 * flood, 25 ms (rm_fanout_fold_every()).
 */
static bool wait_next(struct exporter *x, uint64_t due)
{
	uint64_t next_fold = now_monotonic_ns() + rm_fanout_fold_every(&x->session.model);

	while (!exiting) {
		uint64_t now = now_monotonic_ns(), until = next_fold;
		struct timespec ts;

		if (now >= due)
			return true;
		if (now >= next_fold) {
			report_model_fold(&x->session.model, REPORT_SETTLE_NS);
			next_fold = now + rm_fanout_fold_every(&x->session.model);
			continue;
		}
		if (until > due)
			until = due;
		if (x->serving) {
			if (export_server_wait(&x->http, until))
				return true;
			continue;
		}
		ts.tv_sec = (time_t)((until - now) / 1000000000ull);
		ts.tv_nsec = (long)((until - now) % 1000000000ull);
		nanosleep(&ts, NULL);
	}
	return false;
}

static int start(struct exporter *x)
{
	const struct export_args *a = x->args;
	struct listen_addr addr;
	char err[256], bound[80];
	int rc;

	if (a->listen && listen_addr_parse(a->listen, &addr, err, sizeof(err)))
		return cmd_usage_error("export", "%s", err);
	if (a->listen && !export_http_available) {
		uev_err("export: this uevscope was built without an HTTP server (static build); "
			"use --textfile DIR");
		return EXIT_USAGE;
	}
	if (a->textfile && export_textfile_check(a->textfile, err, sizeof(err)))
		return cmd_usage_error("export", "%s", err);
	if (!require_root("export") || !require_btf())
		return EXIT_ENV;
	/* Before binding: a bad file is one line and nothing listening, nothing loaded. */
	if (a->web_config && web_config_load(a->web_config, &x->web, err, sizeof(err))) {
		uev_err("export: %s", err);
		return EXIT_USAGE;
	}
	/* Listen before loading anything: a port in use fails fast, with nothing to undo. */
	if (a->listen) {
		/*
		 * Scrapes take a readout up to one interval old rather than wait for
		 * one: under a uevent flood on a small host a readout takes tens of
		 * milliseconds, and scrapes should not.
		 */
		rc = export_server_start(&x->http, &addr, a->web_config ? &x->web : NULL,
					 (uint64_t)(a->interval_s * 1e9) + 250000000ull,
					 (uint64_t)(3 * a->interval_s * 1e9) + 2000000000ull, bound,
					 sizeof(bound), err, sizeof(err));
		if (rc) {
			uev_err("export: %s", err);
			return rc == -EINVAL ? EXIT_USAGE : EXIT_ENV;
		}
		x->serving = true;
	}
	rc = report_session_open(&x->session, &a->report);
	if (rc)
		return rc;
	report_announce(&x->session, "export");
	if (a->locks && (rc = export_sources_locks(&x->sources)))
		return rc;
	if (a->locks)
		fprintf(stderr, "uevscope: export: timing uevent_sock_mutex contention via %s\n",
			x->sources.lk.la.tier);
	if (x->serving)
		fprintf(stderr, "uevscope: export: serving %s://%s/metrics%s\n",
			x->web.cert_pem ? "https" : "http", bound,
			x->web.nusers ? " (basic auth)" : "");
	if (a->textfile)
		fprintf(stderr, "uevscope: export: writing %s/%s every %g s\n", a->textfile,
			EXPORT_TEXTFILE_NAME, a->interval_s);
	return EXIT_OK;
}

int cmd_export(int argc, char **argv)
{
	struct export_args a;
	struct exporter x = {.args = &a};
	uint64_t due;
	int rc;

	rc = export_parse_args(argc, argv, &a);
	if (rc >= 0)
		return rc;
	export_sources_init(&x.sources);
	prom_cap_init(&x.cap, a.max_series);
	idmap_init(&x.containers);
	uname(&x.uts);
	snprintf(x.libbpf_version, sizeof(x.libbpf_version), "%u.%u", libbpf_major_version(),
		 libbpf_minor_version());
	sb_init(&x.body, 64 << 10);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);
	rc = start(&x);
	due = now_monotonic_ns();
	while (rc == EXIT_OK && wait_next(&x, due)) {
		readout(&x);
		due = now_monotonic_ns() + (uint64_t)(a.interval_s * 1e9);
		if (a.count && x.readouts >= a.count)
			break;
	}
	if (x.serving)
		export_server_stop(&x.http);
	if (a.textfile && rc == EXIT_OK && exiting) /* with --count, the file is the result */
		export_textfile_remove(a.textfile);
	export_sources_close(&x.sources);
	if (x.session.ra.skel)
		report_session_close(&x.session);
	sb_free(&x.body);
	prom_cap_free(&x.cap);
	idmap_free(&x.containers, free);
	web_config_free(&x.web);
	return rc;
}
