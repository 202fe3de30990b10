// SPDX-License-Identifier: GPL-2.0
/*
 * The fan-out ring's torn-record detection (include/report.h): on a weakly
 * ordered CPU the loader may see any mix of two writes of one record or
 * slot. These cases build such mixes and check that the loader uses only a
 * whole record of the position it wants, and tells a later lap's record
 * (lost) from one not yet visible (read again).
 */
#include <stdint.h>
#include <stdlib.h>

#include "report/report_model.h"
#include "unit.h"

#define LEN 16 /* records per CPU: a later lap is pos + LEN */

static uint64_t rnd_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

static struct report_fanout_rec make_rec(uint32_t pos, uint64_t seqnum)
{
	struct report_fanout_rec r = {.pos = pos,
				      .netns = 1 + (uint32_t)(rnd() % 1000),
				      .seqnum = seqnum,
				      .last_ts_ns = rnd() >> 8,
				      .sockets = 1 + (uint32_t)(rnd() % 5000)};

	r.check = report_fanout_check(r.pos, r.netns, r.sockets, r.seqnum, r.last_ts_ns);
	return r;
}

/* Fields of b where bit i of mask is set, else of a (i: pos, netns, seqnum, ts, sockets, check). */
static struct report_fanout_rec mix(const struct report_fanout_rec *a,
				    const struct report_fanout_rec *b, unsigned int mask)
{
	struct report_fanout_rec m;

	m.pos = (mask & 1 ? b : a)->pos;
	m.netns = (mask & 2 ? b : a)->netns;
	m.seqnum = (mask & 4 ? b : a)->seqnum;
	m.last_ts_ns = (mask & 8 ? b : a)->last_ts_ns;
	m.sockets = (mask & 16 ? b : a)->sockets;
	m.check = (mask & 32 ? b : a)->check;
	return m;
}

static void test_whole(void)
{
	struct report_fanout_rec r = make_rec(7, 1000), zero = {0};

	CHECK(rm_fanout_rec_state(&r, 7) == RM_REC_OK);
	CHECK(rm_fanout_rec_state(&r, 7 + LEN) == RM_REC_NOT_YET);
	CHECK(rm_fanout_rec_state(&r, 7 - LEN) == RM_REC_OVERWRITTEN);
	/* Never written, position 0 after 2^32 pushes: the zeros do not check. */
	CHECK(rm_fanout_rec_state(&zero, 0) == RM_REC_NOT_YET);
	/* pos wraps: the lap after 0xfffffff8 is 8. */
	r = make_rec(8, 1001);
	CHECK(rm_fanout_rec_state(&r, 8 - LEN) == RM_REC_OVERWRITTEN);
}

/*
 * Every mix of a record (lap k) and the one that overwrites it (lap k + 1),
 * read for either position: only the whole record of that position is used;
 * a mix whose pos is the later lap's is lost when read for the earlier one.
 */
static void test_mixes(void)
{
	unsigned int i, mask, wrong = 0, lost_ok = 0;

	for (i = 0; i < 20000; i++) {
		uint32_t pos = (uint32_t)rnd();
		struct report_fanout_rec a = make_rec(pos, rnd() >> 20);
		struct report_fanout_rec b = make_rec(pos + LEN, a.seqnum + 1 + (rnd() & 0xff));

		/* Fields equal by chance would make a mix a whole record. */
		b.netns += b.netns == a.netns;
		b.sockets += b.sockets == a.sockets;
		b.last_ts_ns += b.last_ts_ns == a.last_ts_ns;
		b.check = report_fanout_check(b.pos, b.netns, b.sockets, b.seqnum, b.last_ts_ns);
		for (mask = 0; mask < 64; mask++) {
			struct report_fanout_rec m = mix(&a, &b, mask);
			enum rm_rec_state for_b = rm_fanout_rec_state(&m, pos + LEN),
					  for_a = rm_fanout_rec_state(&m, pos);

			if ((for_b == RM_REC_OK) != (mask == 63) ||
			    (for_a == RM_REC_OK) != (mask == 0))
				wrong++;
			if (mask & 1 && for_a == RM_REC_OVERWRITTEN && for_b != RM_REC_OVERWRITTEN)
				lost_ok++;
			else if (mask & 1)
				wrong++;
		}
	}
	CHECK_UINT(0, wrong);
	CHECK_UINT(20000 * 32, lost_ok);
}

/* A slot copy is used only when it is one state the slot had. */
static void test_slot(void)
{
	struct report_fanout_cpu c = {.seqnum = 5000,
				      .netns = 3,
				      .sockets = 40,
				      .last_netns = 77,
				      .last_ts_ns = 123456789,
				      .head = 99};
	struct report_fanout_cpu t;

	c.check = report_fanout_check((uint32_t)c.head, c.netns, c.sockets, c.seqnum, c.last_ts_ns);
	CHECK(rm_fanout_cpu_ok(&c));
	t = c;
	t.last_netns = 78; /* the writer's own state, not read by the loader */
	CHECK(rm_fanout_cpu_ok(&t));
	t = c;
	t.sockets++; /* the next delivery's count, its check not yet visible */
	CHECK(!rm_fanout_cpu_ok(&t));
	t = c;
	t.head++; /* pushed, the new SEQNUM not yet visible */
	CHECK(!rm_fanout_cpu_ok(&t));
	t = c;
	t.seqnum++;
	CHECK(!rm_fanout_cpu_ok(&t));
	t = c;
	t.netns++;
	CHECK(!rm_fanout_cpu_ok(&t));
	t = c;
	t.last_ts_ns += 1000000;
	CHECK(!rm_fanout_cpu_ok(&t));
}

int main(void)
{
	unit_suite("report-fanout");
	RUN(test_whole, "a whole record checks for its position only; zeros never");
	RUN(test_mixes, "every mix of two laps of one record: only a whole one is used");
	RUN(test_slot, "a slot copy mixed from two writes is not used");
	return unit_exit();
}
