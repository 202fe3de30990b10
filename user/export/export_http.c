// SPDX-License-Identifier: GPL-2.0
/* HTTP serving of `uevscope export` with libmicrohttpd. See export_http.h. */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <gnutls/gnutls.h>
#include <microhttpd.h>
#include "common.h"
#include "export_http.h"
#include "gzip.h"
#include "prom.h"
#include "web_config.h"

const bool export_http_available = true;

/* How long a scrape waits for the readout it asked for before taking the latest one. */
#define SCRAPE_WAIT_NS (2 * 1000000000ull)
/*
 * Connections served at once (each has a thread), well below the library's
 * default of FD_SETSIZE - 4 = 1020. More wait in the listen backlog: with
 * MHD_USE_ITC the library stops accepting at the limit, where without it
 * it would accept and close every new connection, a scraper's too.
 */
#define MAX_CONNECTIONS 128
/*
 * Connections from one source address: more are closed at once. A hostile
 * client holding idle sockets cannot take the slots a scraper or a probe
 * from another address needs.
 */
#define MAX_PER_IP 32
/* A client silent this long is dropped: it holds a thread, never the exporter. */
#define IDLE_TIMEOUT_S 10
/*
 * Each connection's memory for the request line and headers: more headers
 * than fit are answered 431 (Request Header Fields Too Large) and closed.
 */
#define CONNECTION_MEMORY (32 * 1024)
#define AUTH_REALM	  "uevscope"

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

/* The client's Accept-Encoding accepts gzip (Prometheus always does); gzip;q=0 does not. */
static bool accepts_gzip(struct MHD_Connection *conn)
{
	return gzip_accepted(
	    MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT_ENCODING));
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

static bool authorized(struct export_server *srv, struct MHD_Connection *conn)
{
	char *pass = NULL, *user = MHD_basic_auth_get_username_password(conn, &pass);
	bool ok = web_config_auth(srv->web, user, pass);

	if (pass) {
		explicit_bzero(pass, strlen(pass));
		MHD_free(pass);
	}
	if (user)
		MHD_free(user);
	return ok;
}

static enum MHD_Result reply_unauthorized(struct MHD_Connection *conn)
{
	static const char text[] = "unauthorized\n";
	struct MHD_Response *resp =
	    MHD_create_response_from_buffer(sizeof(text) - 1, (void *)text, MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret;

	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
	ret = MHD_queue_basic_auth_fail_response(conn, AUTH_REALM, resp);
	MHD_destroy_response(resp);
	return ret;
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
	/* /healthz says ok or stale and nothing else: probes need no password. */
	if (srv->web && srv->web->nusers && strcmp(url, "/healthz") && !authorized(srv, conn))
		return reply_unauthorized(conn);
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

/* GnuTLS takes the certificate and the key, and they belong together: checked before binding. */
static int check_tls(const struct web_config *wc, char *err, size_t errlen)
{
	gnutls_certificate_credentials_t cred;
	gnutls_datum_t cert = {(unsigned char *)wc->cert_pem, (unsigned int)strlen(wc->cert_pem)};
	gnutls_datum_t key = {(unsigned char *)wc->key_pem, (unsigned int)strlen(wc->key_pem)};
	int rc;

	if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
		snprintf(err, errlen, "this libmicrohttpd has no TLS; drop tls_server_config");
		return -ENOTSUP;
	}
	if (gnutls_certificate_allocate_credentials(&cred) < 0) {
		snprintf(err, errlen, "GnuTLS: out of memory");
		return -ENOMEM;
	}
	rc = gnutls_certificate_set_x509_key_mem(cred, &cert, &key, GNUTLS_X509_FMT_PEM);
	gnutls_certificate_free_credentials(cred);
	if (rc < 0) {
		snprintf(err, errlen,
			 "--web-config: the certificate %s and key %s are not a usable pair: %s",
			 wc->cert_file, wc->key_file, gnutls_strerror(rc));
		return -EINVAL;
	}
	return 0;
}

int export_server_start(struct export_server *srv, const struct listen_addr *addr,
			const struct web_config *web, uint64_t fresh_ns, uint64_t stale_ns,
			char *bound, size_t boundlen, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	pthread_condattr_t ca;
	bool tls = web && web->cert_pem;
	int rc;

	memset(srv, 0, sizeof(*srv));
	srv->fresh_ns = fresh_ns;
	srv->stale_ns = stale_ns;
	srv->web = web;
	if (tls && (rc = check_tls(web, err, errlen)))
		return rc;
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
	/* The TLS options last: without TLS, MHD_OPTION_END comes first and they are not read. */
	srv->daemon = MHD_start_daemon(
	    MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL |
		MHD_USE_ITC | (tls ? MHD_USE_TLS : 0),
	    0, NULL, NULL, on_request, srv, MHD_OPTION_LISTEN_SOCKET, srv->listen_fd,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned int)MAX_CONNECTIONS,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)MAX_PER_IP,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)IDLE_TIMEOUT_S,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONNECTION_MEMORY,
	    tls ? MHD_OPTION_HTTPS_MEM_KEY : MHD_OPTION_END, tls ? web->key_pem : NULL,
	    MHD_OPTION_HTTPS_MEM_CERT, tls ? web->cert_pem : NULL, MHD_OPTION_END);
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
