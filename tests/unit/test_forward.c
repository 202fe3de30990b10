// SPDX-License-Identifier: GPL-2.0
/* forward: policy `forward` lines, and the set of known devices resync diffs against. */
#include <errno.h>
#include <string.h>

#include "forward/forward.h"
#include "forward/forward_policy.h"
#include "unit.h"

static void test_line_full(void)
{
	struct fwd_policy_line l;
	char rest[] = " coldplug force SUBSYSTEM==\"block\", ACTION!=\"change\"";
	char err[256];

	CHECK_INT(
	    0, fwd_policy_parse(&l, "/sys/fs/cgroup/unified/box", "both", rest, err, sizeof(err)));
	CHECK_STR("/sys/fs/cgroup/unified/box", l.to);
	CHECK_STR("both", l.format);
	CHECK(l.coldplug && l.force);
	CHECK_STR("SUBSYSTEM==\"block\", ACTION!=\"change\"", l.match);
}

static void test_line_bare(void)
{
	struct fwd_policy_line l;
	char rest[] = "";
	char err[256];

	CHECK_INT(0, fwd_policy_parse(&l, "4242", "kernel", rest, err, sizeof(err)));
	CHECK(!l.coldplug && !l.force);
	CHECK_STR("", l.match);
}

static void test_line_errors(void)
{
	struct fwd_policy_line l;
	char rest[] = "", bad[] = "SUBSYSTEM==\"block", word[] = "coldplugged==\"x\"";
	char err[256];

	CHECK_INT(-EINVAL, fwd_policy_parse(&l, "4242", "sideways", rest, err, sizeof(err)));
	CHECK(strstr(err, "format 'sideways'") != NULL);
	CHECK_INT(-EINVAL, fwd_policy_parse(&l, "4242", "udev", bad, err, sizeof(err)));
	CHECK(strstr(err, "quote") != NULL);
	/* A key that starts like an option word is a match term, not the option. */
	CHECK_INT(0, fwd_policy_parse(&l, "4242", "udev", word, err, sizeof(err)));
	CHECK(!l.coldplug);
	CHECK_STR("coldplugged==\"x\"", l.match);
}

static void test_devset(void)
{
	struct fwd_devset s = {0};

	fwd_devset_add(&s, "/devices/b", "mem");
	fwd_devset_add(&s, "/devices/a", "net");
	fwd_devset_add(&s, "/devices/c", "block");
	fwd_devset_add(&s, "/devices/a", "net"); /* twice: kept once */
	CHECK_UINT(3, s.n);
	CHECK_STR("/devices/a", s.v[0].devpath);
	CHECK_STR("net", s.v[0].subsystem);
	CHECK_STR("/devices/b", s.v[1].devpath);
	CHECK_STR("/devices/c", s.v[2].devpath);
	fwd_devset_del(&s, "/devices/b");
	fwd_devset_del(&s, "/devices/zzz"); /* unknown: nothing */
	CHECK_UINT(2, s.n);
	CHECK_STR("/devices/c", s.v[1].devpath);
	fwd_devset_free(&s);
	CHECK_UINT(0, s.n);
}

int main(void)
{
	unit_suite("forward");
	RUN(test_line_full, "policy line with coldplug, force and a match");
	RUN(test_line_bare, "policy line without options or match");
	RUN(test_line_errors, "policy line errors: format, match; option-like keys");
	RUN(test_devset, "known devices: sorted, deduplicated, deleted");
	return unit_exit();
}
