// SPDX-License-Identifier: GPL-2.0
/* The recording file: what the writer puts is what the reader gets, cut files are caught. */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "trace/trace_record.h"
#include "unit.h"

static char path[64];

static size_t make_event(char *buf, __u32 sock_ino, const char *payload, size_t plen)
{
	struct uev_record r = {.kind = UEV_REC_DELIVERY,
			       .netns_ino = 4026531840U,
			       .sock_ino = sock_ino,
			       .payload_len = (__u16)plen,
			       .ts_ns = 123456789};

	memcpy(buf, &r, sizeof(r));
	memcpy(buf + sizeof(r), payload, plen);
	return sizeof(r) + plen;
}

static void write_sample(void)
{
	struct sock_entry e = {.nowners = 2, .extra_owners = 1};
	struct uev_sock_info si = {.sock_ino = 77, .netns_ino = 5, .sk_drops = 3};
	struct uevrec_summary sum = {.deliveries = 2, .records = 7};
	struct rec_writer w;
	char ev[256];
	size_t n;

	e.owners[0].tgid = 10;
	memcpy(e.owners[0].comm, "udevd", 6);
	e.owners[0].cgroup = "/system.slice/udevd.service";
	e.owners[1].tgid = 11;
	memcpy(e.owners[1].comm, "child", 6);
	CHECK_INT(0, recw_open(&w, path, 42));
	recw_note_owners(&w, 77, &e);
	recw_note_owners(&w, 77, &e); /* unchanged: noted once */
	n = make_event(ev, 77, "add@/d\0ACTION=add\0SEQNUM=5", 27);
	/* The ring buffer rounds sizes up: only the record's bytes are kept. */
	recw_event(&w, ev, n + 5);
	recw_overrun(&w, &si, 999, 3);
	recw_lost(&w, 1000, 4, "records: ring buffer full");
	recw_event(&w, ev, n);
	recw_summary(&w, &sum);
	CHECK_INT(0, recw_close(&w));
}

static void test_roundtrip(void)
{
	struct rec_reader r;
	struct rec_notes notes;
	const struct sock_entry *e;
	const char *body;
	char err[256];
	uint32_t len;
	uint16_t type, types[8];
	int n = 0, k;

	write_sample();
	CHECK_INT(0, recr_open(&r, path, err, sizeof(err)));
	CHECK_UINT(42, r.hdr.clock_offset_ns);
	CHECK_UINT(UEVREC_VERSION, r.hdr.version);
	rec_notes_init(&notes);
	while ((k = recr_next(&r, &type, &body, &len)) > 0 && n < 8) {
		types[n++] = type;
		if (type == UEVREC_EVENT) {
			const struct uev_record *rec = (const void *)body;

			CHECK_UINT(sizeof(*rec) + 27, len);
			CHECK_MEM("add@/d\0ACTION=add\0SEQNUM=5", 27, body + sizeof(*rec), 27);
		}
		if (type == UEVREC_LOST)
			CHECK_STR("records: ring buffer full", body + sizeof(struct uevrec_lost));
		CHECK_INT(0, rec_notes_apply(&notes, type, body, len));
	}
	CHECK_INT(0, k);
	CHECK_INT(6, n);
	CHECK_UINT(UEVREC_OWNERS, types[0]);
	CHECK_UINT(UEVREC_EVENT, types[1]);
	CHECK_UINT(UEVREC_OVERRUN, types[2]);
	CHECK_UINT(UEVREC_LOST, types[3]);
	CHECK_UINT(UEVREC_EVENT, types[4]);
	CHECK_UINT(UEVREC_SUMMARY, types[5]);
	e = idmap_get(&notes.owners, 77);
	CHECK(e != NULL);
	CHECK_UINT(2, e->nowners);
	CHECK_UINT(1, e->extra_owners);
	CHECK_UINT(10, e->owners[0].tgid);
	CHECK_STR("udevd", e->owners[0].comm);
	CHECK_STR("/system.slice/udevd.service", e->owners[0].cgroup);
	CHECK_STR("child", e->owners[1].comm);
	CHECK_NULL(e->owners[1].cgroup);
	rec_notes_free(&notes);
	recr_close(&r);
}

static void test_cut_and_foreign(void)
{
	struct rec_reader r;
	const char *body;
	char err[256];
	uint32_t len;
	uint16_t type;
	int k, n = 0;

	write_sample();
	CHECK_INT(0, truncate(path, 32 + 8 + 10));
	CHECK_INT(0, recr_open(&r, path, err, sizeof(err)));
	while ((k = recr_next(&r, &type, &body, &len)) > 0)
		n++;
	CHECK_INT(-EINVAL, k); /* the owners note is cut */
	CHECK_INT(0, n);
	recr_close(&r);
	CHECK_INT(0, truncate(path, 5));
	CHECK_INT(-EINVAL, recr_open(&r, path, err, sizeof(err)));
	CHECK_CONTAINS(err, "is not a uevscope recording");
	recr_close(&r);
	CHECK(recr_open(&r, "/nonexistent/x", err, sizeof(err)) < 0);
	CHECK_CONTAINS(err, "cannot open");
	recr_close(&r);
}

int main(void)
{
	int fd;

	unit_suite("record");
	snprintf(path, sizeof(path), "/tmp/uevscope-unit-rec.XXXXXX");
	fd = mkstemp(path);
	if (fd < 0)
		return 1;
	close(fd);
	RUN(test_roundtrip, "writer and reader agree, notes resolve");
	RUN(test_cut_and_foreign, "cut and foreign files are refused");
	unlink(path);
	return unit_exit();
}
