// SPDX-License-Identifier: GPL-2.0
/* Parsing --listen. See listen_addr.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include "common.h"
#include "listen_addr.h"

static int bad(char *err, size_t errlen, const char *arg, const char *why)
{
	snprintf(err, errlen,
		 "--listen '%s' %s; give ADDRESS:PORT, e.g. %s (this host only) or 0.0.0.0:9464 "
		 "(every interface)",
		 arg, why, LISTEN_DEFAULT);
	return -EINVAL;
}

int listen_addr_parse(const char *arg, struct listen_addr *out, char *err, size_t errlen)
{
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&out->ss;
	struct sockaddr_in *in4 = (struct sockaddr_in *)&out->ss;
	const char *colon = strrchr(arg, ':'), *port_str;
	char host[64];
	uint64_t port;
	size_t hlen;

	memset(out, 0, sizeof(*out));
	if (!colon)
		return bad(err, errlen, arg, "has no port");
	port_str = colon + 1;
	if (!parse_u64(port_str, &port) || port > 65535)
		return bad(err, errlen, arg, "has no valid port (0-65535; 0 picks a free one)");
	hlen = (size_t)(colon - arg);
	if (!hlen)
		return bad(err, errlen, arg,
			   "names no address, which would mean every interface: say which");
	if (hlen >= sizeof(host))
		return bad(err, errlen, arg, "has an address too long to be numeric");
	memcpy(host, arg, hlen);
	host[hlen] = '\0';
	if (host[0] == '[' && host[hlen - 1] == ']') {
		host[hlen - 1] = '\0';
		if (inet_pton(AF_INET6, host + 1, &in6->sin6_addr) != 1)
			return bad(err, errlen, arg, "has no valid IPv6 address in brackets");
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		out->len = sizeof(*in6);
		out->loopback = IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr);
		return 0;
	}
	if (!strcmp(host, "localhost"))
		strcpy(host, "127.0.0.1");
	if (inet_pton(AF_INET, host, &in4->sin_addr) != 1)
		return bad(err, errlen, arg,
			   strchr(host, ':') ? "has an IPv6 address without brackets"
					     : "has no numeric address (or localhost)");
	in4->sin_family = AF_INET;
	in4->sin_port = htons((uint16_t)port);
	out->len = sizeof(*in4);
	out->loopback = (ntohl(in4->sin_addr.s_addr) >> 24) == 127;
	return 0;
}

void listen_addr_format(const struct sockaddr *sa, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN] = "?";

	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;

		inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
		snprintf(buf, len, "[%s]:%u", host, ntohs(in6->sin6_port));
		return;
	}
	inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, host, sizeof(host));
	snprintf(buf, len, "%s:%u", host, ntohs(((const struct sockaddr_in *)sa)->sin_port));
}
