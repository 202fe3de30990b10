/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `export --listen ADDR:PORT`: numeric IPv4 "127.0.0.1:9464", IPv6
 * "[::1]:9464", or "localhost:9464". An address is always required, so
 * listening beyond this host is a visible choice ("0.0.0.0:9464"), never
 * what a bare ":9464" quietly means elsewhere. Pure parsing, no sockets.
 */
#ifndef UEVSCOPE_LISTEN_ADDR_H
#define UEVSCOPE_LISTEN_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#define LISTEN_DEFAULT "127.0.0.1:9464"

struct listen_addr {
	struct sockaddr_storage ss;
	socklen_t len;
	bool loopback;
};

/* 0, or -EINVAL with one line in err saying what is wrong and what to give instead. */
int listen_addr_parse(const char *arg, struct listen_addr *out, char *err, size_t errlen);
/* "127.0.0.1:9464" or "[::1]:9464", from an address (the bound one, to show port 0's pick). */
void listen_addr_format(const struct sockaddr *sa, char *buf, size_t len);

#endif /* UEVSCOPE_LISTEN_ADDR_H */
