// SPDX-License-Identifier: GPL-2.0
/* dev_rule_parse(): device rule words and their cgroup, as `devices` and policy files give them. */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "cgroupfs.h"
#include "common.h"
#include "commit.h"
#include "devices/devices.h"
#include "unit.h"

/* Parses "TYPE NUM ACCESS" (no cgroup) into r; the return code and err are checked by callers. */
static int spec(const char *type, const char *num, const char *acc, struct dev_rule *r, char *err,
		size_t errlen)
{
	char *argv[] = {(char *)type, (char *)num, (char *)acc};

	memset(r, 0, sizeof(*r));
	err[0] = '\0';
	return dev_rule_parse_spec(3, argv, r, err, errlen);
}

#define SPEC_OK(t, n, a, r)                                                                       \
	do {                                                                                      \
		char err_[256];                                                                   \
		int rc_ = spec(t, n, a, r, err_, sizeof(err_));                                   \
		if (rc_) {                                                                        \
			unit_fail(__FILE__, __LINE__, "%s %s %s: rc %d: %s", t, n, a, rc_, err_); \
			return;                                                                   \
		}                                                                                 \
	} while (0)

#define SPEC_BAD(t, n, a, want)                                             \
	do {                                                                \
		struct dev_rule r_;                                         \
		char err_[256];                                             \
		CHECK_INT(-EINVAL, spec(t, n, a, &r_, err_, sizeof(err_))); \
		CHECK_CONTAINS(err_, want);                                 \
		CHECK(!strchr(err_, '\n'));                                 \
	} while (0)

static void test_char_exact(void)
{
	struct dev_rule r;

	SPEC_OK("c", "1:3", "rwm", &r);
	CHECK_INT('c', r.type);
	CHECK_INT(1, r.major);
	CHECK_INT(3, r.minor);
	CHECK_UINT(DEV_ACC_READ | DEV_ACC_WRITE | DEV_ACC_MKNOD, r.access);
}

static void test_wildcards(void)
{
	struct dev_rule r;

	SPEC_OK("b", "*:*", "m", &r);
	CHECK_INT('b', r.type);
	CHECK_INT(DEV_ANY, r.major);
	CHECK_INT(DEV_ANY, r.minor);
	CHECK_UINT(DEV_ACC_MKNOD, r.access);
	SPEC_OK("a", "*", "w", &r);
	CHECK_INT(DEV_ANY, r.major);
	CHECK_INT(DEV_ANY, r.minor);
	CHECK_UINT(DEV_ACC_WRITE, r.access);
	SPEC_OK("c", "8:*", "wr", &r);
	CHECK_INT(8, r.major);
	CHECK_INT(DEV_ANY, r.minor);
	CHECK_UINT(DEV_ACC_READ | DEV_ACC_WRITE, r.access);
	SPEC_OK("c", "*:0", "r", &r);
	CHECK_INT(DEV_ANY, r.major);
	CHECK_INT(0, r.minor);
}

static void test_limits(void)
{
	struct dev_rule r;

	SPEC_OK("c", "4095:1048575", "r", &r);
	CHECK_INT(4095, r.major);
	CHECK_INT(1048575, r.minor);
	SPEC_BAD("c", "4096:0", "r", "MAJOR (0-4095)");
	SPEC_BAD("c", "1:1048576", "r", "MINOR (0-1048575)");
}

static void test_bad_type(void)
{
	SPEC_BAD("x", "1:3", "r", "bad device type 'x'");
	SPEC_BAD("cb", "1:3", "r", "bad device type 'cb'");
	SPEC_BAD("", "1:3", "r", "bad device type ''");
	SPEC_BAD("C", "1:3", "r", "use c (char), b (block) or a (both)");
}

static void test_bad_number(void)
{
	SPEC_BAD("c", "1", "r", "bad device number '1'");
	SPEC_BAD("c", "1:", "r", "bad device number '1:'");
	SPEC_BAD("c", ":3", "r", "bad device number ':3'");
	SPEC_BAD("c", "-1:3", "r", "bad device number '-1:3'");
	SPEC_BAD("c", "1:3:4", "r", "bad device number");
	SPEC_BAD("c", "0x1:3", "r", "bad device number");
	SPEC_BAD("c", "1:**", "r", "bad device number");
	SPEC_BAD("c", "99999999999999999999:1", "r", "bad device number");
}

static void test_bad_access(void)
{
	SPEC_BAD("c", "1:3", "rx", "bad access 'rx'");
	SPEC_BAD("c", "1:3", "rr", "bad access 'rr'");
	SPEC_BAD("c", "1:3", "R", "bad access 'R'");
	SPEC_BAD("c", "1:3", "", "empty access");
}

static void test_word_count(void)
{
	char *two[] = {"c", "1:3"}, *four[] = {"c", "1:3", "r", "extra"}, err[256];
	struct dev_rule r;

	CHECK_INT(-EINVAL, dev_rule_parse_spec(2, two, &r, err, sizeof(err)));
	CHECK_CONTAINS(err, "TYPE MAJOR:MINOR ACCESS");
	CHECK_CONTAINS(err, "got 2 words");
	CHECK_INT(-EINVAL, dev_rule_parse_spec(4, four, &r, err, sizeof(err)));
	CHECK_CONTAINS(err, "got 4 words");
	CHECK_INT(-EINVAL, dev_rule_parse_spec(0, NULL, &r, err, sizeof(err)));
}

static void test_format_roundtrip(void)
{
	static const char *const cases[][3] = {
	    {"c", "1:3", "rwm"}, {"b", "*:*", "m"}, {"a", "8:*", "rw"}, {"c", "*:5", "w"}};
	char out[64], want[64];
	struct dev_rule r, back;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		SPEC_OK(cases[i][0], cases[i][1], cases[i][2], &r);
		dev_rule_format(&r, out, sizeof(out));
		snprintf(want, sizeof(want), "%s %s %s", cases[i][0], cases[i][1], cases[i][2]);
		CHECK_STR(want, out);
		SPEC_OK(cases[i][0], cases[i][1], cases[i][2], &back);
		CHECK(dev_rule_same(&r, &back));
	}
	/* "mrw" is printed in the canonical order. */
	SPEC_OK("c", "1:3", "mwr", &r);
	dev_rule_format(&r, out, sizeof(out));
	CHECK_STR("c 1:3 rwm", out);
}

static void test_to_bpf(void)
{
	struct dev_rule_bpf b;
	struct dev_rule r;

	SPEC_OK("a", "*:7", "rw", &r);
	r.cgroup_id = 42;
	r.allow = true;
	dev_rule_to_bpf(&r, &b);
	CHECK_UINT(42, b.cgroup_id);
	CHECK_UINT(DEV_TYPE_BLOCK | DEV_TYPE_CHAR, b.types);
	CHECK_INT(DEV_ANY, b.major);
	CHECK_INT(7, b.minor);
	CHECK_UINT(1, b.allow);
	SPEC_OK("b", "8:0", "m", &r);
	dev_rule_to_bpf(&r, &b);
	CHECK_UINT(DEV_TYPE_BLOCK, b.types);
	CHECK_UINT(0, b.allow);
	CHECK_UINT(24, sizeof(struct dev_rule_bpf));
	CHECK_UINT(16, sizeof(struct dev_policy_cfg));
	/* The commit point both programs read (include/commit.h): no hidden padding. */
	CHECK_UINT(24, sizeof(struct uev_commit));
}

static void test_cgroup(void)
{
	char *words[] = {"c", "1:3", "rwm"}, err[512], full[4200];
	const char *root = cgroup2_mount();
	struct dev_rule r, r2;

	if (!root) {
		/* Nothing to resolve against: the reason must say so. */
		CHECK_INT(-ENOENT, dev_rule_parse("/", false, 3, words, &r, err, sizeof(err)));
		CHECK_CONTAINS(err, "no cgroup v2");
		return;
	}
	CHECK_INT(0, dev_rule_parse("/", true, 3, words, &r, err, sizeof(err)));
	CHECK_STR("/", r.cgroup);
	CHECK(r.allow);
	CHECK(r.cgroup_id != 0);
	/* The mount path itself and "/" are the same cgroup, shown the same way. */
	snprintf(full, sizeof(full), "%s/", root);
	CHECK_INT(0, dev_rule_parse(full, false, 3, words, &r2, err, sizeof(err)));
	CHECK_STR("/", r2.cgroup);
	CHECK_UINT(r.cgroup_id, r2.cgroup_id);
	CHECK(!r2.allow);
	CHECK_INT(-ENOENT,
		  dev_rule_parse("/no/such/cgroup/here", false, 3, words, &r, err, sizeof(err)));
	CHECK_CONTAINS(err, "is not a cgroup v2 directory");
	/* A cgroup v1 hierarchy or any other directory is refused the same way. */
	CHECK_INT(-ENOENT, dev_rule_parse("/proc", false, 3, words, &r, err, sizeof(err)));
	CHECK_CONTAINS(err, "is not a cgroup v2 directory");
	CHECK_INT(-EINVAL, dev_rule_parse(NULL, false, 3, words, &r, err, sizeof(err)));
	CHECK_CONTAINS(err, "--cgroup");
	/* A bad device word is reported before the cgroup is even looked at. */
	words[0] = "z";
	CHECK_INT(-EINVAL, dev_rule_parse("/no/such", false, 3, words, &r, err, sizeof(err)));
	CHECK_CONTAINS(err, "bad device type 'z'");
}

int main(void)
{
	unit_suite("devices");
	RUN(test_char_exact, "c 1:3 rwm");
	RUN(test_wildcards, "wildcards *:*, *, 8:*, *:0");
	RUN(test_limits, "major and minor ranges of the kernel");
	RUN(test_bad_type, "bad type rejected with reason");
	RUN(test_bad_number, "bad MAJOR:MINOR rejected with reason");
	RUN(test_bad_access, "bad access letters rejected with reason");
	RUN(test_word_count, "wrong number of words");
	RUN(test_format_roundtrip, "format gives back what was parsed");
	RUN(test_to_bpf, "conversion to the BPF rule layout");
	RUN(test_cgroup, "cgroup path resolved, normalised, non-v2 refused");
	return unit_exit();
}
