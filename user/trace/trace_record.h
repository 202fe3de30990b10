/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The recording file of `uevscope record`, read by `trace -i` and `replay`
 * (docs/record-format.md): a header, then length-prefixed records. Event
 * records are the ring buffer's bytes as they came (struct uev_record and its
 * payload); notes carry what user space resolved at that moment (netns names,
 * the processes holding a socket), so that `trace -i` prints what `trace`
 * printed live.
 */
#ifndef UEVSCOPE_TRACE_RECORD_H
#define UEVSCOPE_TRACE_RECORD_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <linux/types.h>

#include "idmap.h"
#include "nsnames.h"
#include "socks.h"
#include "uevscope.h"

#define UEVREC_MAGIC   "UEVSREC\n"
#define UEVREC_VERSION 1

struct uevrec_file_header {
	char magic[8];	       /* UEVREC_MAGIC */
	__u32 version;	       /* UEVREC_VERSION */
	__u32 header_len;      /* sizeof(struct uevrec_file_header): readers skip the rest */
	__u64 clock_offset_ns; /* CLOCK_REALTIME - CLOCK_MONOTONIC when recording began */
	__u32 event_fixed_len; /* sizeof(struct uev_record) of the writer */
	__u32 byte_order;      /* 0x01020304 as the writer stored it */
};

/* Every record: this, then len bytes. */
struct uevrec_head {
	__u32 len;
	__u16 type; /* enum uevrec_type; unknown types are skipped */
	__u16 reserved;
};

enum uevrec_type {
	UEVREC_EVENT = 1,   /* struct uev_record + payload_len bytes */
	UEVREC_NETNS = 2,   /* struct uevrec_netns + strings */
	UEVREC_OWNERS = 3,  /* struct uevrec_owners + owners */
	UEVREC_OVERRUN = 4, /* struct uevrec_overrun */
	UEVREC_LOST = 5,    /* struct uevrec_lost + text */
	UEVREC_SUMMARY = 6, /* struct uevrec_summary */
};

enum uevrec_netns_flags {
	UEVREC_NS_NAME = 1 << 0,      /* has a /run/netns name */
	UEVREC_NS_LABEL = 1 << 1,     /* has a label for text */
	UEVREC_NS_CONTAINER = 1 << 2, /* a process was found in it */
	UEVREC_NS_CGROUP = 1 << 3,    /* ... with a cgroup v2 path */
};

/* Then NUL-terminated name, label, cgroup, each only when its flag is set. */
struct uevrec_netns {
	__u32 ino;
	__u32 flags;
	__u32 pid;
	char comm[UEV_COMM_LEN];
};

/* Then nowners times: __u32 tgid, char comm[16], __u16 cgroup length (0xffff: none), cgroup. */
struct uevrec_owners {
	__u32 sock_ino;
	__u32 nowners;
	__u32 extra_owners;
	__u32 known; /* 0: nobody known to hold it */
};

struct uevrec_overrun {
	struct uev_sock_info sock;
	__u64 wall_ns;
	__u32 lost;
	__u32 reserved;
};

/* Then the NUL-terminated reason. */
struct uevrec_lost {
	__u64 wall_ns;
	__u64 count;
};

struct uevrec_summary {
	__u64 deliveries, lost_ringbuf_full, payload_gone, unicast_skipped, missed_runs,
	    receiver_overruns, records;
};

/* Writer. */
struct rec_writer {
	FILE *f;
	struct idmap netns_noted;  /* ino -> (void *)1 */
	struct idmap owners_noted; /* sock ino -> the sock_entry noted last */
	uint64_t records, bytes;
	bool failed;
};

int recw_open(struct rec_writer *w, const char *path, uint64_t clock_offset_ns);
void recw_event(struct rec_writer *w, const void *data, size_t size);
/* Notes the netns's names once, the socket's holders whenever they change. */
void recw_note_netns(struct rec_writer *w, uint32_t ino);
void recw_note_owners(struct rec_writer *w, uint32_t sock_ino, const struct sock_entry *e);
void recw_overrun(struct rec_writer *w, const struct uev_sock_info *s, uint64_t wall_ns,
		  uint32_t lost);
void recw_lost(struct rec_writer *w, uint64_t wall_ns, uint64_t count, const char *what);
void recw_summary(struct rec_writer *w, const struct uevrec_summary *s);
/* Flushes and closes: 0, or -errno of the first failed write. */
int recw_close(struct rec_writer *w);

/* Reader: the whole file in memory, walked record by record. */
struct rec_reader {
	char *buf;
	size_t len, off;
	struct uevrec_file_header hdr;
};

/* 0, or -errno / -EINVAL (not a recording, or a version we do not read) with err. */
int recr_open(struct rec_reader *r, const char *path, char *err, size_t errlen);
/* 1 with the next record, 0 at the end, -EINVAL when the file is cut or corrupt. */
int recr_next(struct rec_reader *r, uint16_t *type, const char **body, uint32_t *len);
void recr_close(struct rec_reader *r);

/* What the notes said, for trace -i. */
struct rec_netns_note {
	char *name, *label;
	struct netns_container c; /* pid 0: none */
	bool has_container;
};

struct rec_notes {
	struct idmap netns;  /* ino -> struct rec_netns_note */
	struct idmap owners; /* sock ino -> struct sock_entry (NULL: unknown) */
};

void rec_notes_init(struct rec_notes *n);
/* Applies a NETNS or OWNERS record; -EINVAL when malformed. */
int rec_notes_apply(struct rec_notes *n, uint16_t type, const char *body, uint32_t len);
void rec_notes_free(struct rec_notes *n);

#endif /* UEVSCOPE_TRACE_RECORD_H */
