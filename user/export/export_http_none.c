// SPDX-License-Identifier: GPL-2.0
/*
 * export_http.h for the static build (build/vm/uevscope): Debian ships no
 * static GnuTLS dependencies for libmicrohttpd.a, so that binary exports
 * with --textfile only and refuses --listen. Not linked into build/uevscope.
 */
#include <errno.h>
#include <stdio.h>
#include "export_http.h"

const bool export_http_available = false;

int export_server_start(struct export_server *srv, const struct listen_addr *addr,
			const struct web_config *web, uint64_t fresh_ns, uint64_t stale_ns,
			char *bound, size_t boundlen, char *err, size_t errlen)
{
	(void)srv;
	(void)addr;
	(void)web;
	(void)fresh_ns;
	(void)stale_ns;
	(void)bound;
	(void)boundlen;
	snprintf(err, errlen, "this uevscope was built without an HTTP server; use --textfile");
	return -ENOTSUP;
}

void export_server_publish(struct export_server *srv, const char *body, size_t len, uint64_t ts_ns)
{
	(void)srv;
	(void)body;
	(void)len;
	(void)ts_ns;
}

bool export_server_wait(struct export_server *srv, uint64_t deadline_ns)
{
	(void)srv;
	(void)deadline_ns;
	return false;
}

uint64_t export_server_scrapes(struct export_server *srv)
{
	(void)srv;
	return 0;
}

void export_server_stop(struct export_server *srv)
{
	(void)srv;
}
