/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The HTTP side of `uevscope export` (libmicrohttpd, a thread per
 * connection): /metrics, /healthz and an index. Scrapes never touch a BPF
 * map: they are answered from the latest rendered readout, a reference-
 * counted snapshot, so a slow or stuck client holds nothing but its own
 * copy, and no scrape waits behind another. A scrape that finds the latest
 * readout older than the freshness bound asks the aggregation loop for a new
 * one and waits for it, briefly; concurrent scrapes share that readout.
 */
#ifndef UEVSCOPE_EXPORT_HTTP_H
#define UEVSCOPE_EXPORT_HTTP_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "listen_addr.h"

struct export_snapshot;
struct MHD_Daemon;
struct web_config;

struct export_server {
	struct MHD_Daemon *daemon;
	int listen_fd;
	pthread_mutex_t lock;
	pthread_cond_t wanted;	  /* a scrape wants a fresher readout */
	pthread_cond_t published; /* a readout was published */
	struct export_snapshot *latest;
	uint64_t generation; /* readouts published */
	bool want_fresh;
	uint64_t fresh_ns;	      /* a scrape accepts a readout this old */
	uint64_t stale_ns;	      /* /healthz fails when the latest readout is older */
	uint64_t scrapes;	      /* /metrics requests answered */
	const struct web_config *web; /* TLS and users (--web-config), or NULL; the caller's */
};

/*
 * Binds addr (one clear line in err when it cannot: port in use, no such
 * address, ...) and serves from its own threads. bound gets the address
 * actually bound (port 0 picks one). web (kept, not copied), when not NULL:
 * TLS with its certificate and key, checked before binding (-EINVAL when
 * they are not a pair), and basic auth for every path but /healthz.
 * 0 or -errno.
 */
int export_server_start(struct export_server *srv, const struct listen_addr *addr,
			const struct web_config *web, uint64_t fresh_ns, uint64_t stale_ns,
			char *bound, size_t boundlen, char *err, size_t errlen);
/* Publishes a rendered readout (copied) taken at ts_ns (CLOCK_MONOTONIC). */
void export_server_publish(struct export_server *srv, const char *body, size_t len, uint64_t ts_ns);
/* Waits until deadline_ns or until a scrape asks for a fresh readout; true if one asked. */
bool export_server_wait(struct export_server *srv, uint64_t deadline_ns);
uint64_t export_server_scrapes(struct export_server *srv);
void export_server_stop(struct export_server *srv);

/* False in a build without libmicrohttpd (the static one): --listen is refused. */
extern const bool export_http_available;

#endif /* UEVSCOPE_EXPORT_HTTP_H */
