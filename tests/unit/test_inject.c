// SPDX-License-Identifier: GPL-2.0
/* The injection library's builders and parsers: kernel and libudev formats, limits, errors. */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "common.h"
#include "inject.h"
#include "udev_monitor.h"
#include "unit.h"

static struct strbuf sb;
static char err[256];

static void test_murmur2(void)
{
	/* Reference values of MurmurHash2 with seed 0 (x86, little-endian words). */
	CHECK_UINT(0x0, udev_murmur2("", 0, 0));
	CHECK_UINT(0x92685f5e, udev_murmur2("a", 1, 0));
	CHECK_UINT(0xc365cd83, udev_murmur2("mem", 3, 0));
	CHECK_UINT(0xf0031db7, udev_murmur2("block", 5, 0));
	CHECK_UINT(0x7bcbc5ee, udev_murmur2("disk", 4, 0));
	CHECK_UINT(0xcb234489, udev_murmur2("partition", 9, 0));
}

static void test_bloom(void)
{
	CHECK_UINT(0x208000000400001ULL, udev_tag_bloom("seat"));
	CHECK_UINT(0x208200800401009ULL, udev_tags_bloom(":seat:uaccess:"));
	CHECK_UINT(udev_tag_bloom("seat"), udev_tags_bloom("seat"));
	CHECK_UINT(0, udev_tags_bloom("::"));
	CHECK_UINT(0, udev_tags_bloom(NULL));
}

static void test_kernel_exact(void)
{
	static const char *const env[] = {"SUBSYSTEM=mem", "DEVNAME=null", "SEQNUM=77",
					  "ACTION=remove", "MAJOR=1"};
	struct uevent_msg m = {"add", "/devices/virtual/mem/null", env, 5};
	static const char exp[] = "add@/devices/virtual/mem/null\0ACTION=add\0"
				  "DEVPATH=/devices/virtual/mem/null\0SUBSYSTEM=mem\0DEVNAME=null\0"
				  "MAJOR=1";

	CHECK_INT(0, inject_build(&m, INJECT_KERNEL, &sb));
	/* SEQNUM is the kernel's, ACTION= the header's: both left out. */
	CHECK_MEM(exp, sizeof(exp), sb.buf, sb.len);
}

static void test_kernel_limit(void)
{
	static char big[INJECT_KERNEL_PAYLOAD_MAX + 8];
	const char *env[1] = {big};
	struct uevent_msg m = {"add", "/d", env, 1};
	/* "add@/d\0ACTION=add\0DEVPATH=/d\0" is 29 bytes, then "X=...\0". */
	size_t fixed = 29, room = INJECT_KERNEL_PAYLOAD_MAX - fixed - 3;

	memset(big, 'v', sizeof(big) - 1);
	memcpy(big, "X=", 2);
	big[2 + room] = '\0';
	CHECK_INT(0, inject_build(&m, INJECT_KERNEL, &sb));
	CHECK_UINT(INJECT_KERNEL_PAYLOAD_MAX, sb.len);
	big[2 + room] = 'v';
	big[3 + room] = '\0';
	CHECK_INT(-E2BIG, inject_build(&m, INJECT_KERNEL, &sb));
}

static void test_bad_input(void)
{
	static const char *const bad[] = {"NOEQUALS", "=v", "K EY=v", "K=a\nb", "K\x01=v"};
	struct uevent_msg m = {"add", "/devices/x", NULL, 0};

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		const char *env[1] = {bad[i]};

		m.env = env;
		m.n_env = 1;
		CHECK_INT(-EINVAL, inject_build(&m, INJECT_KERNEL, &sb));
		CHECK_INT(-EINVAL, inject_check_env(bad[i], err, sizeof(err)));
		CHECK(err[0] != '\0');
	}
	CHECK_INT(0, inject_check_env("K=tab\there, and = signs", err, sizeof(err)));
	m.n_env = 0;
	m.action = "a b";
	CHECK_INT(-EINVAL, inject_build(&m, INJECT_KERNEL, &sb));
	m.action = "";
	CHECK_INT(-EINVAL, inject_build(&m, INJECT_KERNEL, &sb));
	m.action = "add";
	m.devpath = "devices/x";
	CHECK_INT(-EINVAL, inject_validate(&m, INJECT_KERNEL, err, sizeof(err)));
	CHECK_CONTAINS(err, "does not start with '/'");
	m.devpath = "/devices/x";
	CHECK_INT(0, inject_build(&m, INJECT_KERNEL, &sb));
	/* sd-device drops a device without SUBSYSTEM. */
	CHECK_INT(-EINVAL, inject_validate(&m, INJECT_UDEV, err, sizeof(err)));
	CHECK_CONTAINS(err, "SUBSYSTEM");
	CHECK_INT(-EINVAL, inject_build(&m, INJECT_BOTH, &sb));
}

static void test_udev_format(void)
{
	static const char *const env[] = {"SUBSYSTEM=block", "DEVTYPE=disk",
					  "TAGS=:seat:uaccess:", "SEQNUM=42"};
	struct uevent_msg m = {"change", "/devices/virtual/block/loop0", env, 4};
	static const char props_exp[] =
	    "ACTION=change\0DEVPATH=/devices/virtual/block/loop0\0"
	    "SUBSYSTEM=block\0DEVTYPE=disk\0TAGS=:seat:uaccess:\0SEQNUM=42";
	struct udev_monitor_header h;
	const char *props;
	size_t plen;

	CHECK_INT(0, inject_build(&m, INJECT_UDEV, &sb));
	CHECK_UINT(40, sizeof(h));
	CHECK_UINT(40 + sizeof(props_exp), sb.len);
	CHECK_MEM("libudev", 8, sb.buf, 8);
	CHECK_MEM("\xfe\xed\xca\xfe", 4, sb.buf + 8, 4);
	CHECK_INT(0, udev_monitor_parse(sb.buf, sb.len, &h, &props, &plen));
	CHECK_UINT(40, h.header_size);
	CHECK_UINT(40, h.properties_off);
	CHECK_UINT(sizeof(props_exp), h.properties_len);
	CHECK_MEM(props_exp, sizeof(props_exp), props, plen);
	CHECK_UINT(0xf0031db7, be32toh(h.filter_subsystem_hash));
	CHECK_UINT(0x7bcbc5ee, be32toh(h.filter_devtype_hash));
	CHECK_UINT(0x2082008, be32toh(h.filter_tag_bloom_hi));
	CHECK_UINT(0x00401009, be32toh(h.filter_tag_bloom_lo));
	/* A corrupted magic is refused, as sd-device refuses it. */
	sb.buf[8] ^= 1;
	CHECK_INT(-EINVAL, udev_monitor_parse(sb.buf, sb.len, &h, &props, &plen));
	CHECK_INT(-EINVAL, udev_monitor_parse(sb.buf, 39, &h, &props, &plen));
}

static void test_udev_seqnum_added(void)
{
	static const char *const env[] = {"SUBSYSTEM=mem"};
	struct uevent_msg m = {"add", "/devices/virtual/mem/null", env, 1};
	struct udev_monitor_header h;
	const char *props, *p;
	size_t plen;

	CHECK_INT(0, inject_build(&m, INJECT_UDEV, &sb));
	CHECK_INT(0, udev_monitor_parse(sb.buf, sb.len, &h, &props, &plen));
	CHECK_UINT(0, h.filter_devtype_hash);
	CHECK_UINT(0, h.filter_tag_bloom_hi | h.filter_tag_bloom_lo);
	/* The last property is a SEQNUM that is not 0 (sd-device drops those). */
	p = props + plen - 1;
	while (p > props && p[-1])
		p--;
	CHECK(!strncmp(p, "SEQNUM=", 7));
	CHECK(strtoull(p + 7, NULL, 10) > 0);
}

static void test_parse_payloads(void)
{
	static const char nul[] = "remove@/devices/x\0ACTION=remove\0DEVPATH=/devices/x\0"
				  "SUBSYSTEM=mem\0SEQNUM=9\0";
	static const char text[] = "ACTION=add\nDEVPATH=/devices/y\r\nSUBSYSTEM=net\n\nA=1\n";
	struct uevent_msg_buf *b = calloc(1, sizeof(*b));

	CHECK_INT(0, inject_msg_parse(nul, sizeof(nul) - 1, b, err, sizeof(err)));
	CHECK_STR("remove", b->msg.action);
	CHECK_STR("/devices/x", b->msg.devpath);
	CHECK_UINT(2, b->msg.n_env);
	CHECK_STR("SUBSYSTEM=mem", b->msg.env[0]);
	CHECK_STR("SEQNUM=9", b->msg.env[1]);
	CHECK_INT(0, inject_msg_parse(text, sizeof(text) - 1, b, err, sizeof(err)));
	CHECK_STR("add", b->msg.action);
	CHECK_STR("/devices/y", b->msg.devpath);
	CHECK_UINT(2, b->msg.n_env);
	CHECK_STR("A=1", b->msg.env[1]);
	CHECK_INT(-EINVAL, inject_msg_parse("add@/x\nJUNK\n", 12, b, err, sizeof(err)));
	CHECK_CONTAINS(err, "'JUNK' is not KEY=VALUE (item 2)");
	CHECK_INT(-EINVAL, inject_msg_parse("A=1\n", 4, b, err, sizeof(err)));
	CHECK_CONTAINS(err, "no ACTION");
	free(b);
}

static void test_buf_full(void)
{
	struct uevent_msg_buf *b = calloc(1, sizeof(*b));
	int r = 0, n = 0;

	uevent_msg_buf_init(b, "add", "/d");
	while (!(r = uevent_msg_buf_add(b, "K", "v")))
		n++;
	CHECK_INT(-E2BIG, r);
	CHECK_INT(INJECT_MAX_ENV, n);
	CHECK_STR("K=v", b->msg.env[INJECT_MAX_ENV - 1]);
	free(b);
}

static void test_from_sysfs(void)
{
	struct uevent_msg_buf *b = calloc(1, sizeof(*b));

	if (access("/sys/class/mem/null/uevent", R_OK)) {
		free(b);
		return; /* no sysfs in this sandbox: nothing to compare against */
	}
	CHECK_INT(0, inject_msg_from_sysfs("/sys/class/mem/null", "add", b));
	CHECK_STR("add", b->msg.action);
	CHECK_STR("/devices/virtual/mem/null", b->msg.devpath);
	CHECK(b->msg.n_env >= 4);
	CHECK_STR("SUBSYSTEM=mem", b->msg.env[0]);
	CHECK_STR("MAJOR=1", b->msg.env[1]);
	CHECK_STR("MINOR=3", b->msg.env[2]);
	CHECK_STR("DEVNAME=null", b->msg.env[3]);
	CHECK_INT(-ENOENT, inject_msg_from_sysfs("/sys/class/mem/no-such-dev", "add", b));
	CHECK_INT(-EINVAL, inject_msg_from_sysfs("/proc/self", "add", b));
	free(b);
}

static void test_open_netns(void)
{
	int fd;

	CHECK_INT(-ENOENT, inject_open_netns("uevscope-no-such-ns", err, sizeof(err)));
	CHECK_CONTAINS(err, "--netns uevscope-no-such-ns: no such network namespace");
	CHECK_INT(-ENOENT, inject_open_netns("/proc/self/ns/user", err, sizeof(err)));
	CHECK_CONTAINS(err, "is not a network namespace");
	fd = inject_open_netns("/proc/self/ns/net", err, sizeof(err));
	CHECK(fd >= 0);
	close(fd);
	fd = inject_open_netns("1", err, sizeof(err));
	if (fd >= 0)
		close(fd);
	else
		CHECK_INT(-EACCES, fd); /* pid 1's netns is root's to open */
	CHECK_INT(-ENOENT, inject_open_netns("999999999", err, sizeof(err)));
}

static void test_socket_here(void)
{
	/* Creating and binding a uevent socket needs no privilege. */
	int fd = inject_socket(-1);

	CHECK(fd >= 0);
	close(fd);
}

int main(void)
{
	unit_suite("inject");
	sb_init(&sb, 64);
	RUN(test_murmur2, "murmur2 reference values");
	RUN(test_bloom, "tag bloom");
	RUN(test_kernel_exact, "kernel format exact bytes");
	RUN(test_kernel_limit, "kernel format limit");
	RUN(test_bad_input, "bad input refused");
	RUN(test_udev_format, "udev format header and properties");
	RUN(test_udev_seqnum_added, "udev format adds SEQNUM");
	RUN(test_parse_payloads, "payload parser");
	RUN(test_buf_full, "message buffer full");
	RUN(test_from_sysfs, "message from sysfs");
	RUN(test_open_netns, "netns argument");
	RUN(test_socket_here, "socket in own netns");
	sb_free(&sb);
	return unit_exit();
}
