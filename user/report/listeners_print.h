/* SPDX-License-Identifier: GPL-2.0 */
/* The JSON printer of `uevscope listeners`, a pure formatter over view structs. */
#ifndef UEVSCOPE_LISTENERS_PRINT_H
#define UEVSCOPE_LISTENERS_PRINT_H

#include <stddef.h>
#include "socks.h"
#include "strbuf.h"

/* One listening socket, with what user space resolved for it. */
struct listener_view {
	const struct uev_sock_info *sock;
	const char *netns_name;		 /* NULL when it has none */
	const struct sock_entry *owners; /* holding processes, NULL when unknown */
};

/* {"schema":1,"type":"listeners","sockets":[...],"count":N} and a newline. */
/* tier: the socket walk used (SOCKS_TIER_* of socks.h). */
void listeners_print_json(struct strbuf *sb, const struct listener_view *v, size_t n,
			  const char *tier);

#endif /* UEVSCOPE_LISTENERS_PRINT_H */
