/* SPDX-License-Identifier: GPL-2.0 */
/* The two printers of `uevscope trace`: key=value text lines and JSON lines. */
#ifndef UEVSCOPE_TRACE_PRINT_H
#define UEVSCOPE_TRACE_PRINT_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/types.h>
#include "uevscope.h"
#include "strbuf.h"
#include "uevent.h"
#include "socks.h"

struct print_opts {
	bool json;
	bool properties; /* every KEY=VALUE, like udevadm monitor -p */
};

/* One delivery or emission, with everything user space resolved for it. */
struct trace_view {
	const struct uev_record *rec;
	const struct uevent *ev;	 /* NULL when the payload could not be read */
	uint64_t wall_ns;		 /* rec->ts_ns as CLOCK_REALTIME */
	const char *netns_name;		 /* NULL when it has none */
	const struct sock_entry *owners; /* receiving processes, NULL when unknown */
	int32_t retval;			 /* emission: netlink_broadcast() result */
	uint32_t deliveries;		 /* emission: deliveries seen in between */
};

/* A listener's receive buffer overflowed: lost uevents never reached it. */
struct overrun_view {
	const struct uev_sock_info *sock;
	uint64_t wall_ns;
	uint32_t lost; /* since the previous report */
	const char *netns_name;
	const struct sock_entry *owners;
};

/*
 * Writes a netns's container as JSON (json_netns_container(), live); trace -i
 * points it at what the recording noted.
 */
extern void (*trace_json_container)(struct strbuf *sb, uint32_t netns_ino);

/* The receiving socket's fields of a delivery record, as the socket iterator reports them. */
void sock_info_from_record(struct uev_sock_info *s, const struct uev_record *rec);
void print_delivery(struct strbuf *sb, const struct trace_view *v, const struct print_opts *o);
void print_emission(struct strbuf *sb, const struct trace_view *v, const struct print_opts *o);
void print_overrun(struct strbuf *sb, const struct overrun_view *v, const struct print_opts *o);
/* Records the kernel could not hand over (ring buffer full), as a line in the stream. */
/* SEQNUMs first..last reached no socket (trace --gaps); uncertain: deliveries were lost. */
void print_gap(struct strbuf *sb, uint64_t wall_ns, uint64_t first, uint64_t last, bool uncertain,
	       const struct print_opts *o);
void print_lost(struct strbuf *sb, uint64_t wall_ns, const char *what, uint64_t count,
		const struct print_opts *o);

#endif /* UEVSCOPE_TRACE_PRINT_H */
