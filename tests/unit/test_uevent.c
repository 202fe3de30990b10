// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <linux/types.h>

#include "uevscope.h"
#include "uevent.h"
#include "unit.h"

/*
 * Parses a copy held in a heap block of exactly len + 1 bytes, so ASan or
 * valgrind flag any read past buf[len]. The copy is left for the caller to free.
 */
static int parse_copy(const char *data, size_t len, struct uevent *ev, char **bufp)
{
	char *buf = malloc(len + 1);

	if (!buf)
		abort();
	memcpy(buf, data, len);
	/* Poison: the parser has to write its own terminator here. */
	buf[len] = 'Z';
	*bufp = buf;
	return uevent_parse(buf, len, ev);
}

/* A literal with its embedded NULs, without the compiler's terminator. */
#define PARSE_LIT(lit, ev, bufp) parse_copy(lit, sizeof(lit) - 1, ev, bufp)

static const char kernel_event[] = "change@/devices/virtual/mem/null\0ACTION=change\0"
				   "DEVPATH=/devices/virtual/mem/null\0SUBSYSTEM=mem\0"
				   "SYNTH_UUID=0\0MAJOR=1\0MINOR=3\0DEVNAME=null\0SEQNUM=1234\0";

static void test_kernel_event(void)
{
	static const char *const keys[] = {"ACTION", "DEVPATH", "SUBSYSTEM", "SYNTH_UUID",
					   "MAJOR",  "MINOR",	"DEVNAME",   "SEQNUM"};
	static const char *const vals[] = {
	    "change", "/devices/virtual/mem/null", "mem", "0", "1", "3", "null", "1234"};
	struct uevent ev;
	char *buf;
	unsigned int i;

	CHECK_INT(0, PARSE_LIT(kernel_event, &ev, &buf));
	CHECK(ev.has_header);
	CHECK(!ev.truncated);
	CHECK_STR("change", ev.action);
	CHECK_STR("/devices/virtual/mem/null", ev.devpath);
	CHECK_STR("mem", ev.subsystem);
	CHECK(ev.has_seqnum);
	CHECK_UINT(1234, ev.seqnum);
	CHECK_UINT(8, ev.nprops);
	CHECK_UINT(0, ev.dropped_props);
	CHECK_UINT(0, ev.malformed);
	for (i = 0; i < 8; i++) {
		CHECK_STR(keys[i], ev.props[i].key);
		CHECK_STR(vals[i], ev.props[i].val);
		/* Zero copy: everything points into the caller's buffer. */
		CHECK(ev.props[i].key >= buf && ev.props[i].val < buf + sizeof(kernel_event));
	}
	/* The ACTION= property wins over the header. */
	CHECK(ev.action == ev.props[0].val);
	CHECK_STR("null", uevent_get(&ev, "DEVNAME"));
	CHECK_NULL(uevent_get(&ev, "DEVTYPE"));
	CHECK_NULL(uevent_get(&ev, "devname"));
	CHECK_NULL(uevent_get(&ev, ""));
	free(buf);
}

static void test_no_header(void)
{
	struct uevent ev;
	char *buf;

	CHECK_INT(0, PARSE_LIT("ACTION=add\0DEVPATH=/devices/fake\0SUBSYSTEM=usb\0SEQNUM=7\0", &ev,
			       &buf));
	CHECK(!ev.has_header);
	CHECK(!ev.truncated);
	CHECK_UINT(4, ev.nprops);
	CHECK_STR("ACTION", ev.props[0].key);
	CHECK_STR("add", ev.action);
	CHECK_STR("/devices/fake", ev.devpath);
	CHECK_STR("usb", ev.subsystem);
	CHECK(ev.has_seqnum);
	CHECK_UINT(7, ev.seqnum);
	CHECK_UINT(0, ev.malformed);
	free(buf);
}

static void test_no_header_no_action(void)
{
	struct uevent ev;
	char *buf;

	CHECK_INT(0, PARSE_LIT("FOO=bar\0", &ev, &buf));
	CHECK(!ev.has_header);
	CHECK_STR("", ev.action);
	CHECK_STR("", ev.devpath);
	CHECK_STR("", ev.subsystem);
	CHECK(!ev.has_seqnum);
	CHECK_NULL(uevent_get(&ev, "ACTION"));
	CHECK_NULL(uevent_get(&ev, "DEVPATH"));
	CHECK_STR("bar", uevent_get(&ev, "FOO"));
	free(buf);
}

static void test_header_only(void)
{
	struct uevent ev;
	char *buf;

	CHECK_INT(0, PARSE_LIT("add@/devices/foo\0", &ev, &buf));
	CHECK(ev.has_header);
	CHECK(!ev.truncated);
	CHECK_STR("add", ev.action);
	CHECK_STR("/devices/foo", ev.devpath);
	CHECK_STR("", ev.subsystem);
	CHECK_UINT(0, ev.nprops);
	CHECK(!ev.has_seqnum);
	CHECK_UINT(0, ev.malformed);
	free(buf);

	/* Same without the final NUL. */
	CHECK_INT(0, PARSE_LIT("add@/devices/foo", &ev, &buf));
	CHECK(ev.has_header);
	CHECK(ev.truncated);
	CHECK_STR("add", ev.action);
	CHECK_STR("/devices/foo", ev.devpath);
	free(buf);
}

static void test_header_edge_forms(void)
{
	struct uevent ev;
	char *buf;

	/* Both parts empty is still a header. */
	CHECK_INT(0, PARSE_LIT("@\0", &ev, &buf));
	CHECK(ev.has_header);
	CHECK_STR("", ev.action);
	CHECK_STR("", ev.devpath);
	free(buf);

	/* '=' after the '@' stays in the devpath; only the first '@' splits. */
	CHECK_INT(0, PARSE_LIT("bind@/devices/a=b@c\0", &ev, &buf));
	CHECK(ev.has_header);
	CHECK_STR("bind", ev.action);
	CHECK_STR("/devices/a=b@c", ev.devpath);
	free(buf);

	/* '=' before the '@' makes it a property. */
	CHECK_INT(0, PARSE_LIT("KEY=user@host\0", &ev, &buf));
	CHECK(!ev.has_header);
	CHECK_UINT(1, ev.nprops);
	CHECK_STR("KEY", ev.props[0].key);
	CHECK_STR("user@host", ev.props[0].val);
	free(buf);

	/* Only the first segment may be the header. */
	CHECK_INT(0, PARSE_LIT("A=1\0add@/devices/x\0", &ev, &buf));
	CHECK(!ev.has_header);
	CHECK_UINT(1, ev.nprops);
	CHECK_UINT(1, ev.malformed);
	CHECK_STR("", ev.action);
	free(buf);
}

static void test_header_vs_props(void)
{
	struct uevent ev;
	char *buf;

	CHECK_INT(0,
		  PARSE_LIT("add@/devices/hdr\0ACTION=remove\0DEVPATH=/devices/prop\0", &ev, &buf));
	CHECK(ev.has_header);
	CHECK_STR("remove", ev.action);
	CHECK_STR("/devices/prop", ev.devpath);
	CHECK_STR("remove", uevent_get(&ev, "ACTION"));
	CHECK_STR("/devices/prop", uevent_get(&ev, "DEVPATH"));
	free(buf);
}

static void test_get_fallbacks(void)
{
	struct uevent ev;
	char *buf;

	CHECK_INT(0, PARSE_LIT("move@/devices/new\0SUBSYSTEM=net\0", &ev, &buf));
	CHECK_STR("move", uevent_get(&ev, "ACTION"));
	CHECK_STR("/devices/new", uevent_get(&ev, "DEVPATH"));
	CHECK_STR("net", uevent_get(&ev, "SUBSYSTEM"));
	CHECK_NULL(uevent_get(&ev, "SEQNUM"));
	CHECK_NULL(uevent_get(&ev, "DEVNAME"));
	/* The header is not a property. */
	CHECK_UINT(1, ev.nprops);
	free(buf);

	/* No fallback for SUBSYSTEM: it has no header counterpart. */
	CHECK_INT(0, PARSE_LIT("add@/devices/x\0", &ev, &buf));
	CHECK_NULL(uevent_get(&ev, "SUBSYSTEM"));
	free(buf);
}

static void test_truncated_last_segment(void)
{
	struct uevent ev;
	char *buf;

	CHECK_INT(0, PARSE_LIT("add@/devices/x\0ACTION=add\0SUBSYSTEM=blo", &ev, &buf));
	CHECK(ev.truncated);
	CHECK_UINT(2, ev.nprops);
	CHECK_STR("SUBSYSTEM", ev.props[1].key);
	CHECK_STR("blo", ev.props[1].val);
	CHECK_STR("blo", ev.subsystem);
	/* The terminator went into the spare byte, overwriting the poison. */
	CHECK_INT(0, buf[sizeof("add@/devices/x\0ACTION=add\0SUBSYSTEM=blo") - 1]);
	free(buf);

	/* Cut right after '=': an empty value. */
	CHECK_INT(0, PARSE_LIT("ACTION=add\0SEQNUM=", &ev, &buf));
	CHECK(ev.truncated);
	CHECK_UINT(2, ev.nprops);
	CHECK_STR("", ev.props[1].val);
	CHECK(!ev.has_seqnum);
	free(buf);

	/* Cut inside a key: no '=' yet, so malformed. */
	CHECK_INT(0, PARSE_LIT("ACTION=add\0SUBSYS", &ev, &buf));
	CHECK(ev.truncated);
	CHECK_UINT(1, ev.nprops);
	CHECK_UINT(1, ev.malformed);
	free(buf);
}

static void test_missing_nuls(void)
{
	struct uevent ev;
	char *buf;

	/* Without separators the rest is glued to the previous segment. */
	CHECK_INT(0, PARSE_LIT("add@/devices/xACTION=add\0", &ev, &buf));
	CHECK(ev.has_header);
	CHECK_STR("add", ev.action);
	CHECK_STR("/devices/xACTION=add", ev.devpath);
	CHECK_UINT(0, ev.nprops);
	free(buf);

	CHECK_INT(0, PARSE_LIT("ACTION=addSUBSYSTEM=usbSEQNUM=3", &ev, &buf));
	CHECK(!ev.has_header);
	CHECK(ev.truncated);
	CHECK_UINT(1, ev.nprops);
	CHECK_STR("ACTION", ev.props[0].key);
	CHECK_STR("addSUBSYSTEM=usbSEQNUM=3", ev.props[0].val);
	CHECK_STR("addSUBSYSTEM=usbSEQNUM=3", ev.action);
	CHECK_STR("", ev.subsystem);
	CHECK(!ev.has_seqnum);
	free(buf);
}

static void test_empty_values(void)
{
	struct uevent ev;
	char *buf;

	CHECK_INT(0, PARSE_LIT("ACTION=\0SUBSYSTEM=\0DEVNAME=\0X==\0", &ev, &buf));
	CHECK_UINT(4, ev.nprops);
	CHECK_UINT(0, ev.malformed);
	CHECK_STR("", ev.action);
	CHECK_STR("", ev.subsystem);
	CHECK_STR("", ev.props[2].val);
	/* An empty value is present, unlike an absent key. */
	CHECK_STR("", uevent_get(&ev, "ACTION"));
	CHECK_STR("", uevent_get(&ev, "DEVNAME"));
	/* Only the first '=' separates. */
	CHECK_STR("X", ev.props[3].key);
	CHECK_STR("=", ev.props[3].val);
	free(buf);
}

static void test_consecutive_nuls(void)
{
	struct uevent ev;
	char *buf;

	CHECK_INT(0, PARSE_LIT("\0\0add@/devices/x\0\0\0A=1\0\0B=2\0\0", &ev, &buf));
	CHECK(!ev.truncated);
	/* Leading empty segments do not hide the header. */
	CHECK(ev.has_header);
	CHECK_STR("add", ev.action);
	CHECK_UINT(2, ev.nprops);
	CHECK_STR("A", ev.props[0].key);
	CHECK_STR("1", ev.props[0].val);
	CHECK_STR("B", ev.props[1].key);
	CHECK_STR("2", ev.props[1].val);
	CHECK_UINT(0, ev.malformed);
	free(buf);
}

static void test_malformed_segments(void)
{
	struct uevent ev;
	char *buf;

	CHECK_INT(0, PARSE_LIT("add@/x\0garbage\0=novalue\0A=1\0other@thing\0=\0", &ev, &buf));
	CHECK(ev.has_header);
	CHECK_UINT(1, ev.nprops);
	CHECK_STR("A", ev.props[0].key);
	CHECK_UINT(4, ev.malformed);
	free(buf);
}

static void test_exact_max_payload(void)
{
	static const char head[] = "add@/devices/x\0ACTION=add\0SEQNUM=5\0LONG=";
	char data[UEV_PAYLOAD_MAX];
	size_t hlen = sizeof(head) - 1, vlen = sizeof(data) - hlen - 1;
	struct uevent ev;
	char *buf;
	size_t i;

	memcpy(data, head, hlen);
	memset(data + hlen, 'v', vlen);
	data[sizeof(data) - 1] = '\0';
	CHECK_INT(0, parse_copy(data, sizeof(data), &ev, &buf));
	CHECK(!ev.truncated);
	CHECK_UINT(3, ev.nprops);
	CHECK_STR("LONG", ev.props[2].key);
	CHECK_UINT(vlen, strlen(ev.props[2].val));
	CHECK(ev.has_seqnum);
	CHECK_UINT(5, ev.seqnum);
	free(buf);

	/* Full size with no terminator: the last byte is kept, and flagged. */
	data[sizeof(data) - 1] = 'w';
	CHECK_INT(0, parse_copy(data, sizeof(data), &ev, &buf));
	CHECK(ev.truncated);
	CHECK_UINT(3, ev.nprops);
	CHECK_UINT(vlen + 1, strlen(ev.props[2].val));
	CHECK_INT('w', ev.props[2].val[vlen]);
	for (i = 0; i < vlen; i++)
		if (ev.props[2].val[i] != 'v')
			break;
	CHECK_UINT(vlen, i);
	free(buf);
}

static void test_longer_than_max(void)
{
	size_t len = UEV_PAYLOAD_MAX * 3;
	struct uevent ev;
	char *data, *buf;

	data = malloc(len);
	CHECK(data != NULL);
	memcpy(data, "BIG=", 4);
	memset(data + 4, 'x', len - 4);
	CHECK_INT(0, parse_copy(data, len, &ev, &buf));
	CHECK_UINT(1, ev.nprops);
	CHECK_UINT(len - 4, strlen(ev.props[0].val));
	free(data);
	free(buf);
}

static size_t build_props(char *data, unsigned int n, const char *extra)
{
	size_t len = 0;
	unsigned int i;

	len += (size_t)sprintf(data + len, "add@/devices/many") + 1;
	for (i = 0; i < n; i++)
		len += (size_t)sprintf(data + len, "K%u=%u", i, i) + 1;
	if (extra)
		len += (size_t)sprintf(data + len, "%s", extra) + 1;
	return len;
}

static void test_too_many_props(void)
{
	char data[4096];
	struct uevent ev;
	size_t len;
	char *buf;

	len = build_props(data, 100, NULL);
	CHECK_INT(0, parse_copy(data, len, &ev, &buf));
	CHECK_UINT(UEV_MAX_PROPS, ev.nprops);
	CHECK_UINT(100 - UEV_MAX_PROPS, ev.dropped_props);
	CHECK_UINT(0, ev.malformed);
	CHECK_STR("K0", ev.props[0].key);
	CHECK_STR("K63", ev.props[UEV_MAX_PROPS - 1].key);
	CHECK_STR("63", ev.props[UEV_MAX_PROPS - 1].val);
	CHECK_STR("63", uevent_get(&ev, "K63"));
	CHECK_NULL(uevent_get(&ev, "K64"));
	free(buf);

	/* Exactly the maximum: nothing dropped. */
	len = build_props(data, UEV_MAX_PROPS, NULL);
	CHECK_INT(0, parse_copy(data, len, &ev, &buf));
	CHECK_UINT(UEV_MAX_PROPS, ev.nprops);
	CHECK_UINT(0, ev.dropped_props);
	free(buf);

	/* One more. */
	len = build_props(data, UEV_MAX_PROPS, "LAST=1");
	CHECK_INT(0, parse_copy(data, len, &ev, &buf));
	CHECK_UINT(UEV_MAX_PROPS, ev.nprops);
	CHECK_UINT(1, ev.dropped_props);
	free(buf);
}

static void test_dropped_known_keys(void)
{
	char data[4096];
	struct uevent ev;
	size_t len;
	char *buf;

	/* Known fields only come from stored properties, so they agree with uevent_get(). */
	len = build_props(data, 70, "SEQNUM=99");
	CHECK_INT(0, parse_copy(data, len, &ev, &buf));
	CHECK_UINT(7, ev.dropped_props);
	CHECK(!ev.has_seqnum);
	CHECK_NULL(uevent_get(&ev, "SEQNUM"));
	free(buf);
}

static void test_binary_garbage(void)
{
	static const char data[] = "\xff\xfe@\x01\x02\0K\x80=\x90\xa0\0\x7f\x1b[0m\0\xc0=\0";
	struct uevent ev;
	char *buf;

	CHECK_INT(0, PARSE_LIT(data, &ev, &buf));
	CHECK(ev.has_header);
	CHECK_STR("\xff\xfe", ev.action);
	CHECK_STR("\x01\x02", ev.devpath);
	CHECK_UINT(2, ev.nprops);
	CHECK_STR("K\x80", ev.props[0].key);
	CHECK_STR("\x90\xa0", ev.props[0].val);
	CHECK_STR("\xc0", ev.props[1].key);
	CHECK_STR("", ev.props[1].val);
	CHECK_UINT(1, ev.malformed);
	free(buf);
}

static uint64_t rng_state = 0x2545f4914f6cdd1dULL;

static uint32_t rng(void)
{
	/* xorshift64: deterministic, so a failure reproduces. */
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 32);
}

static void test_fuzz(void)
{
	static const char alphabet[] = {'\0', '\0', '\0', '=',	  '=',	  '@', 'A',
					'Z',  '0',  '9',  '\xff', '\x80', ' ', '\n'};
	char data[600], *buf;
	struct uevent ev;
	unsigned int i;
	size_t len, k;
	int iter, rc;

	for (iter = 0; iter < 20000; iter++) {
		len = rng() % sizeof(data);
		for (k = 0; k < len; k++)
			data[k] = rng() % 4 ? alphabet[rng() % sizeof(alphabet)] : (char)rng();
		rc = parse_copy(data, len, &ev, &buf);
		if (rc != 0 && rc != -EINVAL)
			break;
		if (rc == -EINVAL && (ev.has_header || ev.nprops))
			break;
		if (ev.nprops > UEV_MAX_PROPS || ev.truncated != (len && data[len - 1]))
			break;
		for (i = 0; i < ev.nprops; i++) {
			const char *key = ev.props[i].key, *val = ev.props[i].val;

			if (key < buf || val + strlen(val) > buf + len || !*key || strchr(key, '='))
				break;
		}
		if (i < ev.nprops || buf[len] != '\0')
			break;
		free(buf);
	}
	if (iter < 20000) {
		free(buf);
		unit_fail(__FILE__, __LINE__, "iteration %d (len %zu) broke an invariant", iter,
			  len);
	}
}

static void test_len_zero(void)
{
	struct uevent ev;
	char *buf;

	memset(&ev, 0xa5, sizeof(ev));
	CHECK_INT(-EINVAL, parse_copy("", 0, &ev, &buf));
	CHECK_INT(0, buf[0]);
	CHECK_INT(-EINVAL, uevent_parse(NULL, 0, &ev));
	/* Even on error the struct is fully reset. */
	CHECK_STR("", ev.action);
	CHECK_STR("", ev.devpath);
	CHECK_STR("", ev.subsystem);
	CHECK_UINT(0, ev.nprops);
	CHECK_UINT(0, ev.dropped_props);
	CHECK_UINT(0, ev.malformed);
	CHECK(!ev.has_header);
	CHECK(!ev.has_seqnum);
	CHECK(!ev.truncated);
	free(buf);
}

static void test_nothing_parseable(void)
{
	struct uevent ev;
	char *buf;

	CHECK_INT(-EINVAL, PARSE_LIT("\0", &ev, &buf));
	CHECK_UINT(0, ev.malformed);
	free(buf);
	CHECK_INT(-EINVAL, PARSE_LIT("\0\0\0\0", &ev, &buf));
	free(buf);
	CHECK_INT(-EINVAL, PARSE_LIT("garbage\0more garbage\0=x\0", &ev, &buf));
	CHECK_UINT(3, ev.malformed);
	CHECK_UINT(0, ev.nprops);
	free(buf);
	CHECK_INT(-EINVAL, PARSE_LIT("no separators at all", &ev, &buf));
	CHECK(ev.truncated);
	CHECK_UINT(1, ev.malformed);
	free(buf);
}

static void test_seqnum_valid(void)
{
	static const struct {
		const char *payload;
		size_t len;
		unsigned long long v;
	} cases[] = {
	    {"SEQNUM=0\0", 9, 0},
	    {"SEQNUM=1\0", 9, 1},
	    {"SEQNUM=007\0", 11, 7},
	    {"SEQNUM=4294967296\0", 18, 4294967296ULL},
	    {"SEQNUM=18446744073709551615\0", 28, 18446744073709551615ULL},
	    {"SEQNUM=42", 9, 42},
	};
	struct uevent ev;
	unsigned int i;
	char *buf;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK_INT(0, parse_copy(cases[i].payload, cases[i].len, &ev, &buf));
		free(buf);
		CHECK(ev.has_seqnum);
		CHECK_UINT(cases[i].v, ev.seqnum);
	}
}

static void test_seqnum_invalid(void)
{
	static const char *const bad[] = {
	    "",	   "-1",  "+1",	 " 1",	     "1 ",  "12a",  "0x10",
	    "1.0", "1e3", "\t5", "\xd9\xa3", "5\n", "\xff",
	};
	char data[64];
	struct uevent ev;
	unsigned int i;
	size_t len;
	char *buf;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		len = (size_t)snprintf(data, sizeof(data), "SEQNUM=%s", bad[i]) + 1;
		CHECK_INT(0, parse_copy(data, len, &ev, &buf));
		CHECK_STR(bad[i], uevent_get(&ev, "SEQNUM"));
		free(buf);
		CHECK(!ev.has_seqnum);
		CHECK_UINT(0, ev.seqnum);
	}
}

static void test_seqnum_overflow(void)
{
	struct uevent ev;
	char *buf;

	CHECK_INT(0, PARSE_LIT("SEQNUM=18446744073709551616\0", &ev, &buf));
	CHECK(!ev.has_seqnum);
	free(buf);
	CHECK_INT(0, PARSE_LIT("SEQNUM=99999999999999999999\0", &ev, &buf));
	CHECK(!ev.has_seqnum);
	free(buf);
	CHECK_INT(0, PARSE_LIT("SEQNUM=184467440737095516150\0", &ev, &buf));
	CHECK(!ev.has_seqnum);
	free(buf);
}

static void test_seqnum_missing(void)
{
	struct uevent ev;
	char *buf;

	CHECK_INT(0, PARSE_LIT("add@/devices/x\0ACTION=add\0SEQNUMBER=5\0seqnum=5\0", &ev, &buf));
	CHECK(!ev.has_seqnum);
	CHECK_UINT(0, ev.seqnum);
	free(buf);
}

static void test_duplicate_keys(void)
{
	struct uevent ev;
	char *buf;

	CHECK_INT(0, PARSE_LIT("A=1\0A=2\0SUBSYSTEM=x\0SUBSYSTEM=y\0ACTION=add\0ACTION=remove\0"
			       "SEQNUM=bad\0SEQNUM=5\0",
			       &ev, &buf));
	CHECK_UINT(8, ev.nprops);
	CHECK_STR("1", uevent_get(&ev, "A"));
	CHECK_STR("2", ev.props[1].val);
	CHECK_STR("x", ev.subsystem);
	CHECK_STR("add", ev.action);
	/* The first SEQNUM decides, like uevent_get(). */
	CHECK(!ev.has_seqnum);
	CHECK_STR("bad", uevent_get(&ev, "SEQNUM"));
	free(buf);

	CHECK_INT(0, PARSE_LIT("SUBSYSTEM=\0SUBSYSTEM=block\0", &ev, &buf));
	CHECK_STR("", ev.subsystem);
	free(buf);
}

static void test_struct_reused(void)
{
	char data[4096];
	struct uevent ev;
	size_t len;
	char *buf;

	len = build_props(data, 80, "SEQNUM=3");
	data[len++] = 'x';
	CHECK_INT(0, parse_copy(data, len, &ev, &buf));
	free(buf);
	CHECK_INT(0, PARSE_LIT("ACTION=add\0", &ev, &buf));
	CHECK_UINT(1, ev.nprops);
	CHECK_UINT(0, ev.dropped_props);
	CHECK_UINT(0, ev.malformed);
	CHECK(!ev.has_header);
	CHECK(!ev.has_seqnum);
	CHECK(!ev.truncated);
	CHECK_STR("", ev.devpath);
	free(buf);
}

int main(void)
{
	unit_suite("uevent");
	RUN(test_kernel_event, "kernel uevent");
	RUN(test_no_header, "injected without header");
	RUN(test_no_header_no_action, "no header and no ACTION");
	RUN(test_header_only, "header only");
	RUN(test_header_edge_forms, "header detection rules");
	RUN(test_header_vs_props, "properties override header");
	RUN(test_get_fallbacks, "uevent_get header fallbacks");
	RUN(test_truncated_last_segment, "truncated payload keeps last segment");
	RUN(test_missing_nuls, "missing NULs between segments");
	RUN(test_empty_values, "empty values");
	RUN(test_consecutive_nuls, "consecutive NULs skipped");
	RUN(test_malformed_segments, "malformed segments counted");
	RUN(test_exact_max_payload, "exactly UEV_PAYLOAD_MAX bytes");
	RUN(test_longer_than_max, "longer than UEV_PAYLOAD_MAX accepted");
	RUN(test_too_many_props, "more than UEV_MAX_PROPS properties");
	RUN(test_dropped_known_keys, "dropped SEQNUM not used");
	RUN(test_binary_garbage, "binary garbage bytes");
	RUN(test_fuzz, "random payloads keep invariants");
	RUN(test_len_zero, "len 0 is -EINVAL");
	RUN(test_nothing_parseable, "nothing parseable is -EINVAL");
	RUN(test_seqnum_valid, "seqnum valid");
	RUN(test_seqnum_invalid, "seqnum invalid");
	RUN(test_seqnum_overflow, "seqnum overflow");
	RUN(test_seqnum_missing, "seqnum missing");
	RUN(test_duplicate_keys, "duplicate keys keep the first");
	RUN(test_struct_reused, "struct fully reset between parses");
	return unit_exit();
}
