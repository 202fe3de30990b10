// SPDX-License-Identifier: GPL-2.0
/* HTTP serving of `uevscope export` with libmicrohttpd. See export_http.h. */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <microhttpd.h>
#include "common.h"
#include "export_http.h"
#include "gzip.h"
#include "prom.h"

const bool export_http_available = true;

/* How long a scrape waits for the readout it asked for before taking the latest one. */
#define SCRAPE_WAIT_NS (2 * 1000000000ull)
/* More connections than this are refused by the library (each has a thread). */
#define MAX_CONNECTIONS 512
/* A client silent this long is dropped: it holds a thread, never the exporter. */
#define IDLE_TIMEOUT_S 10

struct export_snapshot {
	unsigned int refs; /* under srv->lock */
	uint64_t ts_ns;
	char *gz; /* the body gzipped once, for every scrape that accepts it; NULL if that failed */
	size_t gzlen;
	size_t len;
	char body[];
};

static void snapshot_put(struct export_server *srv, struct export_snapshot *s)
{
	bool last;

	if (!s)
		return;
	pthread_mutex_lock(&srv->lock);
	last = --s->refs == 0;
	pthread_mutex_unlock(&srv->lock);
	if (last) {
		free(s->gz);
		free(s);
	}
}

struct body_reader {
	struct export_server *srv;
	struct export_snapshot *snap;
	const char *data; /* the snapshot's body, or its gzip */
	size_t len;
};

static ssize_t read_body(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct body_reader *r = cls;
	size_t n;

	if (pos >= r->len)
		return MHD_CONTENT_READER_END_OF_STREAM;
	n = r->len - pos < max ? r->len - pos : max;
	memcpy(buf, r->data + pos, n);
	return (ssize_t)n;
}

/* The client's Accept-Encoding names gzip (Prometheus always sends it). */
static bool accepts_gzip(struct MHD_Connection *conn)
{
	const char *ae =
	    MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT_ENCODING);

	return ae && strstr(ae, "gzip");
}

static void free_body(void *cls)
{
	struct body_reader *r = cls;

	snapshot_put(r->srv, r->snap);
	free(r);
}

static void deadline_ts(struct timespec *ts, uint64_t deadline_ns)
{
	ts->tv_sec = (time_t)(deadline_ns / 1000000000ull);
	ts->tv_nsec = (long)(deadline_ns % 1000000000ull);
}

/* A reference to a readout no older than srv->fresh_ns when one comes in time. */
static struct export_snapshot *snapshot_get(struct export_server *srv)
{
	uint64_t arrived = now_monotonic_ns(), deadline = arrived + SCRAPE_WAIT_NS;
	struct export_snapshot *s;
	struct timespec ts;

	deadline_ts(&ts, deadline);
	pthread_mutex_lock(&srv->lock);
	while (!srv->latest || srv->latest->ts_ns + srv->fresh_ns < arrived) {
		srv->want_fresh = true;
		pthread_cond_signal(&srv->wanted);
		if (pthread_cond_timedwait(&srv->published, &srv->lock, &ts) == ETIMEDOUT)
			break; /* the loop is slow: the latest readout, as old as it is */
	}
	s = srv->latest;
	if (s)
		s->refs++;
	srv->scrapes += s != NULL;
	pthread_mutex_unlock(&srv->lock);
	return s;
}

static enum MHD_Result reply_text(struct MHD_Connection *conn, unsigned int status,
				  const char *text)
{
	struct MHD_Response *resp =
	    MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ret;

	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result serve_metrics(struct export_server *srv, struct MHD_Connection *conn)
{
	struct body_reader *r = calloc(1, sizeof(*r));
	struct MHD_Response *resp;
	enum MHD_Result ret;
	bool gzip;

	if (!r)
		return MHD_NO;
	r->srv = srv;
	r->snap = snapshot_get(srv);
	if (!r->snap) {
		free(r);
		return reply_text(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "no readout yet\n");
	}
	gzip = r->snap->gz && accepts_gzip(conn);
	r->data = gzip ? r->snap->gz : r->snap->body;
	r->len = gzip ? r->snap->gzlen : r->snap->len;
	resp = MHD_create_response_from_callback(r->len, 64 * 1024, read_body, r, free_body);
	if (!resp) {
		free_body(r);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, PROM_CONTENT_TYPE);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_VARY, MHD_HTTP_HEADER_ACCEPT_ENCODING);
	if (gzip)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
	ret = MHD_queue_response(conn, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result serve_health(struct export_server *srv, struct MHD_Connection *conn)
{
	uint64_t now = now_monotonic_ns(), ts = 0;
	char msg[128];

	pthread_mutex_lock(&srv->lock);
	if (srv->latest)
		ts = srv->latest->ts_ns;
	pthread_mutex_unlock(&srv->lock);
	if (ts && ts + srv->stale_ns >= now)
		return reply_text(conn, MHD_HTTP_OK, "ok\n");
	snprintf(msg, sizeof(msg), ts ? "stale: last readout %.1f s ago\n" : "no readout yet\n",
		 (now - ts) / 1e9);
	return reply_text(conn, MHD_HTTP_SERVICE_UNAVAILABLE, msg);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **req_cls)
{
	struct export_server *srv = cls;

	(void)version;
	(void)upload;
	(void)upload_size;
	(void)req_cls;
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET and HEAD\n");
	if (!strcmp(url, "/metrics"))
		return serve_metrics(srv, conn);
	if (!strcmp(url, "/healthz"))
		return serve_health(srv, conn);
	if (!strcmp(url, "/"))
		return reply_text(conn, MHD_HTTP_OK,
				  "uevscope exporter: /metrics (Prometheus), /healthz\n");
	return reply_text(conn, MHD_HTTP_NOT_FOUND, "not found: try /metrics\n");
}

static int bind_socket(const struct listen_addr *addr, char *err, size_t errlen)
{
	char where[64];
	int fd, one = 1, e;

	listen_addr_format((const struct sockaddr *)&addr->ss, where, sizeof(where));
	fd = socket(addr->ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		snprintf(err, errlen, "cannot make a socket for %s: %s", where, strerror(errno));
		return -errno;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (!bind(fd, (const struct sockaddr *)&addr->ss, addr->len) && !listen(fd, 128))
		return fd;
	e = errno;
	close(fd);
	if (e == EADDRINUSE)
		snprintf(err, errlen,
			 "cannot listen on %s: the port is in use (another exporter?); stop that "
			 "process or give another port with --listen",
			 where);
	else if (e == EADDRNOTAVAIL)
		snprintf(err, errlen,
			 "cannot listen on %s: no interface of this host has that address", where);
	else
		snprintf(err, errlen, "cannot listen on %s: %s", where, strerror(e));
	return -e;
}

int export_server_start(struct export_server *srv, const struct listen_addr *addr,
			uint64_t fresh_ns, uint64_t stale_ns, char *bound, size_t boundlen,
			char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	pthread_condattr_t ca;

	memset(srv, 0, sizeof(*srv));
	srv->fresh_ns = fresh_ns;
	srv->stale_ns = stale_ns;
	srv->listen_fd = bind_socket(addr, err, errlen);
	if (srv->listen_fd < 0)
		return srv->listen_fd;
	if (getsockname(srv->listen_fd, (struct sockaddr *)&ss, &len))
		ss = addr->ss;
	listen_addr_format((const struct sockaddr *)&ss, bound, boundlen);
	pthread_mutex_init(&srv->lock, NULL);
	/* Deadlines come from now_monotonic_ns(): the waits must use that clock too. */
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&srv->wanted, &ca);
	pthread_cond_init(&srv->published, &ca);
	pthread_condattr_destroy(&ca);
	srv->daemon = MHD_start_daemon(
	    MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL, 0, NULL,
	    NULL, on_request, srv, MHD_OPTION_LISTEN_SOCKET, srv->listen_fd,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned int)MAX_CONNECTIONS,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)IDLE_TIMEOUT_S, MHD_OPTION_END);
	if (!srv->daemon) {
		snprintf(err, errlen, "cannot start the HTTP server on %s (libmicrohttpd refused)",
			 bound);
		close(srv->listen_fd);
		return -EIO;
	}
	return 0;
}

void export_server_publish(struct export_server *srv, const char *body, size_t len, uint64_t ts_ns)
{
	struct export_snapshot *s = malloc(sizeof(*s) + len), *old;

	if (!s)
		return; /* the previous readout stays served */
	s->refs = 1;
	s->ts_ns = ts_ns;
	s->len = len;
	memcpy(s->body, body, len);
	/* Once per readout, in the aggregation loop, not once per scrape. */
	if (gzip_buffer(body, len, &s->gz, &s->gzlen))
		s->gz = NULL; /* served uncompressed */
	pthread_mutex_lock(&srv->lock);
	old = srv->latest;
	srv->latest = s;
	srv->generation++;
	srv->want_fresh = false;
	pthread_cond_broadcast(&srv->published);
	pthread_mutex_unlock(&srv->lock);
	snapshot_put(srv, old);
}

bool export_server_wait(struct export_server *srv, uint64_t deadline_ns)
{
	struct timespec ts;
	bool asked;

	deadline_ts(&ts, deadline_ns);
	pthread_mutex_lock(&srv->lock);
	while (!srv->want_fresh)
		if (pthread_cond_timedwait(&srv->wanted, &srv->lock, &ts) == ETIMEDOUT)
			break;
	asked = srv->want_fresh;
	pthread_mutex_unlock(&srv->lock);
	return asked;
}

uint64_t export_server_scrapes(struct export_server *srv)
{
	uint64_t n;

	pthread_mutex_lock(&srv->lock);
	n = srv->scrapes;
	pthread_mutex_unlock(&srv->lock);
	return n;
}

void export_server_stop(struct export_server *srv)
{
	if (!srv->daemon)
		return;
	/* Waits for the connection threads, and closes the listening socket it was given. */
	MHD_stop_daemon(srv->daemon);
	snapshot_put(srv, srv->latest);
	srv->latest = NULL;
	pthread_cond_destroy(&srv->wanted);
	pthread_cond_destroy(&srv->published);
	pthread_mutex_destroy(&srv->lock);
	srv->daemon = NULL;
}
