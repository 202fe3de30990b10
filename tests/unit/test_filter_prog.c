// SPDX-License-Identifier: GPL-2.0
/*
 * The loaded filter program against an independent model. Loads bpf/filter.bpf.c's socket
 * filter (the object uevscope loads, maps unpinned), fills its maps with rule sets compiled by
 * user/filter/filter_policy.c, and runs it with BPF_PROG_TEST_RUN on crafted payloads. Each
 * verdict is compared with model(), written here from the documented semantics (docs/filter.md)
 * with fnmatch(3): it shares no code with bpf/filter_eval.h.
 *
 * BPF_PROG_TEST_RUN on a socket filter (net/bpf/test_run.c, bpf_prog_test_run_skb()) builds
 * an skb from data_in, pulls 14 bytes of Ethernet header and hands the program the rest: at
 * most PAGE_SIZE less headroom and skb_shared_info, 3698 payload bytes here. The lsm/ program
 * has no test run (lsm_prog_ops is empty), and BPF LSM does not load on this kernel anyway.
 * Needs root (CAP_BPF, CAP_NET_ADMIN); without it every case says SKIP.
 */
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "filter/filter_policy.h"
#include "filter_eval_shim.h"
#include "filter.skel.h"
#include "filter_bounded.skel.h"
#include "unit.h"

#define ETH_HLEN    14
#define MAX_PAYLOAD 3698 /* what bpf_prog_test_run_skb() takes on 4 KiB pages, less ETH_HLEN */
#define NS_IN	    7
#define NS_OUT	    8

static struct filter_bpf *skel;
static int prog_fd = -1;
static char skip_why[256];

/* A rule for the model: action, netns, up to 4 terms KEY OP "alt|alt". */
struct mterm {
	const char *key;
	int neg;
	const char *pat;
	int env; /* write it as ENV{KEY} */
};

struct mrule {
	int deny;
	__u32 ns;
	int nterms;
	struct mterm t[FILTER_MAX_TERMS];
};

/* ---- the model ---- */

static __u32 le32(const unsigned char *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (__u32)p[3] << 24;
}

static int any_deny(const struct mrule *rs, int n)
{
	for (int i = 0; i < n; i++)
		if (rs[i].deny && rs[i].ns == NS_IN)
			return FILTER_DENY;
	return FILTER_ALLOW;
}

#define MPROPS 512

/* The verdict for a socket in NS_IN: FILTER_ALLOW or FILTER_DENY. */
static int model(const struct mrule *rs, int n, const char *p, size_t len)
{
	const unsigned char *u = (const unsigned char *)p;
	const char *keys[MPROPS], *vals[MPROPS];
	size_t klen[MPROPS], vlen[MPROPS];
	size_t nseg = 0, nprops = 0, i, start;

	/* The kernel's positive ack, byte for byte. */
	if (len == 36 && le32(u) == 36 && u[4] == 2 && u[5] == 0 && le32(u + 16) == 0 &&
	    le32(u + 8) == le32(u + 28) && le32(u + 20) >= 16)
		return FILTER_ALLOW;
	for (i = 0; i < len; i++)
		nseg += !p[i];
	if (len && p[len - 1])
		nseg++; /* an unterminated tail is a segment too */
	if (nseg > 128 || len > FILTER_BUF_SIZE - 1 || (len >= 8 && !memcmp(p, "libudev", 8)))
		return any_deny(rs, n);
	for (start = 0, i = 0; start < len; i++) {
		const char *seg = p + start, *eq;
		size_t sl = strnlen(seg, len - start);

		/* Segment 0 with an '@' is the header, as libudev skips it. */
		if (!(i == 0 && memchr(seg, '@', sl)) && (eq = memchr(seg, '=', sl)) != NULL) {
			size_t kl = (size_t)(eq - seg), j;

			for (j = 0; j < nprops; j++)
				if (klen[j] == kl && !memcmp(keys[j], seg, kl))
					break;
			if (j == nprops && nprops < MPROPS)
				nprops++;
			keys[j] = seg; /* the last one wins */
			klen[j] = kl;
			vals[j] = eq + 1;
			vlen[j] = sl - kl - 1;
		}
		start += sl + 1;
	}
	for (int r = 0; r < n; r++) {
		int ok = rs[r].ns == NS_IN;

		for (int t = 0; ok && t < rs[r].nterms; t++) {
			const struct mterm *m = &rs[r].t[t];
			char val[FILTER_BUF_SIZE] = "", pat[512], *alt, *save;
			int hit = 0;

			for (size_t j = 0; j < nprops; j++)
				if (klen[j] == strlen(m->key) &&
				    !memcmp(keys[j], m->key, klen[j])) {
					memcpy(val, vals[j], vlen[j]);
					val[vlen[j]] = 0;
				}
			snprintf(pat, sizeof(pat), "%s", m->pat);
			/* strtok_r would skip empty alternatives: split by hand. */
			for (alt = pat; alt; alt = save) {
				save = strchr(alt, '|');
				if (save)
					*save++ = 0;
				if (!fnmatch(alt, val, 0))
					hit = 1;
			}
			if (hit == m->neg)
				ok = 0;
		}
		if (ok)
			return rs[r].deny ? FILTER_DENY : FILTER_ALLOW;
	}
	return FILTER_ALLOW;
}

/* ---- the program ---- */

static int load(bool bounded)
{
	struct bpf_map *m;
	int err;

	if (geteuid()) {
		snprintf(skip_why, sizeof(skip_why), "needs root to load BPF");
		return -1;
	}
	/* Either build of the object: the same maps and programs by name, other ELF bytes. */
	skel = calloc(1, sizeof(*skel));
	if (skel && filter_bpf__create_skeleton(skel)) {
		filter_bpf__destroy(skel);
		skel = NULL;
	}
	if (skel && bounded)
		skel->skeleton->data =
		    (void *)filter_bounded_bpf__elf_bytes(&skel->skeleton->data_sz);
	if (skel && bpf_object__open_skeleton(skel->skeleton, NULL)) {
		filter_bpf__destroy(skel);
		skel = NULL;
	}
	if (!skel) {
		snprintf(skip_why, sizeof(skip_why), "cannot open the filter object");
		return -1;
	}
	bpf_object__for_each_map(m, skel->obj) bpf_map__set_pin_path(m, NULL);
	bpf_program__set_autoload(skel->progs.uev_lsm_rcv, false);
	skel->rodata->test_facts_cookie0 = 1;
	err = filter_bpf__load(skel);
	if (err) {
		snprintf(skip_why, sizeof(skip_why), "the socket filter does not load: %s",
			 strerror(-err));
		return -1;
	}
	prog_fd = bpf_program__fd(skel->progs.uev_sock_filter);
	return 0;
}

static int write_rules(const struct mrule *rs, int n, char *err)
{
	struct filter_config cfg = {};
	struct filter_set set = {};
	struct filter_sock_facts f = {.tgid = 1, .netns_ino = NS_IN};
	__u32 zero = 0;
	__u64 cookie = 0;

	for (int i = 0; i < n; i++) {
		char expr[1024] = "", ns[16];
		struct filter_rule r;
		size_t o = 0;
		int ret;

		for (int t = 0; t < rs[i].nterms; t++) {
			const struct mterm *m = &rs[i].t[t];

			o += snprintf(expr + o, sizeof(expr) - o, "%s%s%s%s%s\"%s\"", t ? ", " : "",
				      m->env ? "ENV{" : "", m->key, m->env ? "}" : "",
				      m->neg ? "!=" : "==", m->pat);
		}
		snprintf(ns, sizeof(ns), "%u", rs[i].ns);
		ret = filter_rule_make(&set, &r, FILTER_SCOPE_NETNS, ns,
				       rs[i].deny ? "deny" : "allow", expr, 0, err, 256);
		if (ret)
			return ret;
		r.id = (__u32)i + 1;
		ret = filter_set_append(&set, &r, err, 256);
		if (ret)
			return ret;
	}
	cfg.active = 0;
	cfg.nrules[0] = set.nrules;
	cfg.nkeys[0] = set.nkeys;
	memcpy(cfg.keys[0], set.keys, sizeof(set.keys));
	for (__u32 i = 0; i < FILTER_MAX_RULES; i++)
		if (bpf_map_update_elem(bpf_map__fd(skel->maps.frules), &i, &set.rules[i], 0))
			return -errno;
	if (bpf_map_update_elem(bpf_map__fd(skel->maps.fconfig), &zero, &cfg, 0) ||
	    bpf_map_update_elem(bpf_map__fd(skel->maps.fsocks), &cookie, &f, 0))
		return -errno;
	return 0;
}

/* The program's verdict on payload p, or -errno. */
static int prog_verdict(const char *p, size_t len)
{
	static char data[ETH_HLEN + MAX_PAYLOAD];
	LIBBPF_OPTS(bpf_test_run_opts, o);

	if (len > MAX_PAYLOAD)
		return -E2BIG;
	memset(data, 0, ETH_HLEN);
	memcpy(data + ETH_HLEN, p, len);
	o.data_in = data;
	o.data_size_in = (__u32)(ETH_HLEN + len);
	o.repeat = 1;
	if (bpf_prog_test_run_opts(prog_fd, &o))
		return -errno;
	if (o.retval == len)
		return FILTER_ALLOW;
	return o.retval == 0 ? FILTER_DENY : -EPROTO;
}

static __u64 counter(__u32 idx)
{
	__u64 v[512] = {}, sum = 0;
	int ncpu = libbpf_num_possible_cpus();

	if (ncpu <= 0 || ncpu > 512 ||
	    bpf_map_lookup_elem(bpf_map__fd(skel->maps.fcounters), &idx, v))
		return ~0ULL;
	for (int i = 0; i < ncpu; i++)
		sum += v[i];
	return sum;
}

static const char *verdict_name(int v)
{
	return v == FILTER_ALLOW ? "allow" : v == FILTER_DENY ? "deny" : "error";
}

/* Both agree with each other and with want (0: no fixed expectation). */
#define CHECK_CASE_(rs, n, lit, len, want)                                                 \
	do {                                                                               \
		char e_[256], q_[200];                                                     \
		int m_, g_;                                                                \
		if (write_rules(rs, n, e_)) {                                              \
			unit_fail(__FILE__, __LINE__, "rules refused: %s", e_);            \
			return;                                                            \
		}                                                                          \
		m_ = model(rs, n, lit, len);                                               \
		g_ = prog_verdict(lit, len);                                               \
		if (m_ != g_ || ((want) && g_ != (want))) {                                \
			unit_fail(__FILE__, __LINE__, "%s: model %s, program %s, want %s", \
				  unit_quote(q_, sizeof(q_), lit, len), verdict_name(m_),  \
				  verdict_name(g_), verdict_name(want));                   \
			return;                                                            \
		}                                                                          \
	} while (0)

/* CHECK_CASE(rules, n, payload, len, want); LIT(literal) gives payload and len. */
#define CHECK_CASE(rs, n, ...) CHECK_CASE_(rs, n, __VA_ARGS__)
#define LIT(s)		       s, sizeof(s) - 1

#define BAR "add@/devices/virtual/bar/x\0ACTION=add\0DEVPATH=/devices/virtual/bar/x\0"

static const struct mrule deny_bar[] = {{1, NS_IN, 1, {{"SUBSYSTEM", 0, "bar", 0}}}};

static void test_operators_and_globs(void)
{
	static const struct {
		const char *pat;
		int neg, env;
		int want; /* on SUBSYSTEM=block */
	} c[] = {
	    {"block", 0, 0, FILTER_DENY},
	    {"blo", 0, 0, FILTER_ALLOW},
	    {"blo*", 0, 0, FILTER_DENY},
	    {"*ock", 0, 0, FILTER_DENY},
	    {"*", 0, 0, FILTER_DENY},
	    {"net|*ck", 0, 0, FILTER_DENY},
	    {"net|tty|usb|b*", 0, 0, FILTER_DENY},
	    {"block", 1, 0, FILTER_ALLOW},
	    {"net", 1, 0, FILTER_DENY},
	    {"", 0, 0, FILTER_ALLOW},
	    {"block", 0, 1, FILTER_DENY},
	    {"blockx*", 0, 0, FILTER_ALLOW},
	    {"*xblock", 0, 0, FILTER_ALLOW},
	    {"net|", 1, 1, FILTER_DENY},
	};

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct mrule r = {1, NS_IN, 1, {{"SUBSYSTEM", c[i].neg, c[i].pat, c[i].env}}};

		CHECK_CASE(&r, 1, LIT(BAR "SUBSYSTEM=block\0SEQNUM=1\0"), c[i].want);
	}
	/* Out of scope: never denied. */
	{
		struct mrule r = {1, NS_OUT, 0, {{0}}};

		CHECK_CASE(&r, 1, LIT(BAR "SUBSYSTEM=block\0"), FILTER_ALLOW);
	}
	/* First match wins; several terms are ANDed. */
	{
		struct mrule r[] = {
		    {0, NS_IN, 1, {{"DEVNAME", 0, "sda", 0}}},
		    {1, NS_IN, 2, {{"SUBSYSTEM", 0, "block", 0}, {"ACTION", 1, "remove", 0}}},
		};

		CHECK_CASE(r, 2, LIT(BAR "SUBSYSTEM=block\0DEVNAME=sda\0"), FILTER_ALLOW);
		CHECK_CASE(r, 2, LIT(BAR "SUBSYSTEM=block\0DEVNAME=sdb\0"), FILTER_DENY);
		CHECK_CASE(r, 2, LIT("remove@/x\0ACTION=remove\0SUBSYSTEM=block\0"), FILTER_ALLOW);
	}
}

static void test_absent_keys(void)
{
	struct mrule eq_empty = {1, NS_IN, 1, {{"DEVNAME", 0, "", 0}}};
	struct mrule ne_sda = {1, NS_IN, 1, {{"DEVNAME", 1, "sda", 0}}};
	struct mrule any = {1, NS_IN, 1, {{"DEVNAME", 0, "*", 0}}};

	CHECK_CASE(&eq_empty, 1, LIT(BAR "SUBSYSTEM=bar\0"), FILTER_DENY);
	CHECK_CASE(&ne_sda, 1, LIT(BAR "SUBSYSTEM=bar\0"), FILTER_DENY);
	CHECK_CASE(&any, 1, LIT(BAR "SUBSYSTEM=bar\0"), FILTER_DENY);
	CHECK_CASE(&eq_empty, 1, LIT(BAR "DEVNAME=\0"), FILTER_DENY);
	CHECK_CASE(&eq_empty, 1, LIT(BAR "DEVNAME=x\0"), FILTER_ALLOW);
	/* A key that is a prefix of another is not that key. */
	CHECK_CASE(&eq_empty, 1, LIT(BAR "DEVNAMEX=sda\0DEVNAM=sda\0"), FILTER_DENY);
}

/*
 * A payload of exactly len bytes: BAR (3 segments), fillers "F=xx..." of seg_len bytes each
 * (the last one takes up the rest), then tail. 0 if it does not fit.
 */
static size_t build(char *buf, size_t len, size_t seg_len, const char *tail, size_t tail_len)
{
	size_t o = sizeof(BAR) - 1, rem, l;

	memcpy(buf, BAR, o);
	if (o + tail_len > len)
		return 0;
	for (rem = len - tail_len - o; rem; rem -= l, o += l) {
		l = rem < 2 * seg_len ? rem : seg_len;
		memset(buf + o, 'x', l);
		buf[o] = 'F';
		if (l > 2)
			buf[o + 1] = '=';
		buf[o + l - 1] = 0;
	}
	memcpy(buf + o, tail, tail_len);
	return o + tail_len;
}

static void test_maximal_uevents(void)
{
	static char buf[MAX_PAYLOAD];
	size_t n;

	/* The largest injectable uevent (2048 - 16 bytes), SUBSYSTEM last. */
	n = build(buf, 2032, 60, LIT("SUBSYSTEM=bar\0"));
	CHECK_UINT(2032, n);
	CHECK_CASE(deny_bar, 1, buf, n, FILTER_DENY);
	/* The largest payload a test run takes, SUBSYSTEM last. */
	n = build(buf, MAX_PAYLOAD, 60, LIT("SUBSYSTEM=bar\0"));
	CHECK_UINT(MAX_PAYLOAD, n);
	CHECK_CASE(deny_bar, 1, buf, n, FILTER_DENY);
	/* Same with a value over the last byte, no final NUL. */
	n = build(buf, MAX_PAYLOAD, 60, LIT("SUBSYSTEM=bar"));
	CHECK_CASE(deny_bar, 1, buf, n, FILTER_DENY);
}

static void test_many_segments(void)
{
	static char buf[MAX_PAYLOAD];
	struct mrule allow_only = {0, NS_IN, 1, {{"SUBSYSTEM", 0, "bar", 0}}};
	__u64 before;
	size_t n;

	/* 3 + 123 + 1 = 127 segments: evaluated, key found at the end. */
	n = build(buf, sizeof(BAR) - 1 + 3 * 123 + 14, 3, LIT("SUBSYSTEM=bar\0"));
	CHECK(n > 0);
	CHECK_CASE(deny_bar, 1, buf, n, FILTER_DENY);
	CHECK_CASE(deny_bar, 1, LIT(BAR "SUBSYSTEM=foo\0"), FILTER_ALLOW);
	/* 200 segments, the key last: denied without looking, and counted. */
	before = counter(FILTER_CNT_TOO_LARGE);
	n = build(buf, sizeof(BAR) - 1 + 3 * 196 + 14, 3, LIT("SUBSYSTEM=foo\0"));
	CHECK_CASE(deny_bar, 1, buf, n, FILTER_DENY);
	CHECK_UINT(before + 1, counter(FILTER_CNT_TOO_LARGE));
	/* Denied only where a deny rule applies. */
	CHECK_CASE(&allow_only, 1, buf, n, FILTER_ALLOW);
	/* Exactly 128 segments, the last ending the payload: evaluated; one more: not. */
	n = build(buf, sizeof(BAR) - 1 + 3 * 124 + 14, 3, LIT("SUBSYSTEM=foo\0"));
	CHECK_CASE(deny_bar, 1, buf, n, FILTER_ALLOW);
	memcpy(buf + n, "Z=1", 3);
	CHECK_CASE(deny_bar, 1, buf, n + 3, FILTER_DENY);
}

static void test_no_trailing_nul(void)
{
	CHECK_CASE(deny_bar, 1, LIT(BAR "SUBSYSTEM=bar"), FILTER_DENY);
	CHECK_CASE(deny_bar, 1, LIT(BAR "SUBSYSTEM=ba"), FILTER_ALLOW);
	CHECK_CASE(deny_bar, 1, LIT(BAR "SUBSYSTEM=barr"), FILTER_ALLOW);
	CHECK_CASE(deny_bar, 1, LIT("SUBSYSTEM=bar"), FILTER_DENY);
}

static void test_fake_acks(void)
{
	/* What the kernel sends: {36, NLMSG_ERROR, NLM_F_CAPPED, seq 1, pid}, {0, request}. */
	static const char ack[] = "\x24\0\0\0\x02\0\0\x01\x01\0\0\0\x11\x22\0\0"
				  "\0\0\0\0"
				  "\x80\0\0\0\x14\0\x05\0\x01\0\0\0\0\0\0\0";
	struct mrule deny_all = {1, NS_IN, 0, {{0}}};
	char forged[64];
	__u64 before;

	before = counter(FILTER_CNT_ACK);
	CHECK_CASE(&deny_all, 1, LIT(ack), FILTER_ALLOW);
	CHECK_UINT(before + 1, counter(FILTER_CNT_ACK));
	/* The payload from issue 14. */
	CHECK_CASE(deny_bar, 1,
		   LIT("add@\x02\0ACTION=add\0DEVPATH=/devices/virtual/bar/x\0SUBSYSTEM=bar\0"
		       "SEQNUM=2\0"),
		   FILTER_DENY);
	/* A 36-byte ack with another error, seq or length is evaluated (and denied here). */
	memcpy(forged, ack, 36);
	forged[16] = (char)0xea;
	CHECK_CASE(&deny_all, 1, forged, 36, FILTER_DENY);
	memcpy(forged, ack, 36);
	forged[8] = 2;
	CHECK_CASE(&deny_all, 1, forged, 36, FILTER_DENY);
	memcpy(forged, ack, 36);
	forged[0] = 40;
	memcpy(forged + 36, "A=1", 4);
	CHECK_CASE(&deny_all, 1, forged, 40, FILTER_DENY);
	/* An error ack echoing the request is evaluated like a uevent. */
	memcpy(forged, ack, 36);
	forged[0] = 50;
	forged[16] = (char)0xea;
	memcpy(forged + 36, "SUBSYSTEM=bar", 14);
	CHECK_CASE(deny_bar, 1, forged, 50, FILTER_DENY);
}

static void test_repeated_keys_and_header(void)
{
	struct mrule ne_block = {1, NS_IN, 1, {{"SUBSYSTEM", 1, "block", 0}}};

	/* libudev: the last value wins. */
	CHECK_CASE(deny_bar, 1, LIT(BAR "SUBSYSTEM=foo\0SUBSYSTEM=bar\0"), FILTER_DENY);
	CHECK_CASE(deny_bar, 1, LIT(BAR "SUBSYSTEM=bar\0SUBSYSTEM=foo\0"), FILTER_ALLOW);
	CHECK_CASE(&ne_block, 1, LIT(BAR "SUBSYSTEM=block\0SUBSYSTEM=bar\0"), FILTER_DENY);
	/* The ACTION@DEVPATH header is not a property, even if it looks like one. */
	CHECK_CASE(deny_bar, 1, LIT("SUBSYSTEM=bar@/x\0ACTION=add\0"), FILTER_ALLOW);
	CHECK_CASE(&ne_block, 1, LIT("SUBSYSTEM=block@/x\0ACTION=add\0"), FILTER_DENY);
	/* Without an '@' it is no header: read as a property. */
	CHECK_CASE(deny_bar, 1, LIT("SUBSYSTEM=bar\0ACTION=add\0"), FILTER_DENY);
	/* The udev format where a kernel uevent belongs: denied where a deny rule applies. */
	CHECK_CASE(deny_bar, 1, LIT("libudev\0\xfe\xed\xca\xfe\x28\0\0\0SUBSYSTEM=bar\0"),
		   FILTER_DENY);
}

/* ---- random payloads and rule sets, model against program ---- */

static const char *const rkeys[] = {"ACTION", "SUBSYSTEM", "DEVNAME",
				    "X",      "DEVPATH",   "LONG_KEY_NAME_OF_THIRTY_ONE_CHR"};
static const char *const rvals[] = {
    "", "add", "block", "bar", "sda", "sda1", "bar=x", "/devices/virtual/bar/x", "a@b"};
static unsigned int seed = 14;

static unsigned int rnd(unsigned int n)
{
	return (unsigned int)rand_r(&seed) % n;
}

static void rand_pattern(char *out, size_t outlen)
{
	unsigned int nalts = 1 + rnd(FILTER_MAX_ALTS);
	size_t o = 0;

	for (unsigned int a = 0; a < nalts; a++) {
		const char *v = rvals[rnd(sizeof(rvals) / sizeof(rvals[0]))];
		size_t l = strlen(v), k = l ? rnd((unsigned int)l) + 1 : 0;

		if (strchr(v, '@') || strchr(v, '='))
			v = "sd", l = k = 2;
		if (a)
			out[o++] = '|';
		switch (rnd(4)) {
		case 0:
			o += (size_t)snprintf(out + o, outlen - o, "%s", v);
			break;
		case 1:
			o += (size_t)snprintf(out + o, outlen - o, "%.*s*", (int)k, v);
			break;
		case 2:
			o += (size_t)snprintf(out + o, outlen - o, "*%s", v + l - k);
			break;
		default:
			o += (size_t)snprintf(out + o, outlen - o, "*");
		}
	}
}

static void test_random(void)
{
	static char pats[FILTER_MAX_RULES][FILTER_MAX_TERMS][64];
	static char buf[MAX_PAYLOAD];
	struct mrule rs[8];
	int cases = 0, denied = 0;

	for (int round = 0; round < 3000; round++) {
		int n = 1 + (int)rnd(4);
		size_t o = 0;

		for (int i = 0; i < n; i++) {
			rs[i].deny = (int)rnd(3) != 0;
			rs[i].ns = rnd(5) ? NS_IN : NS_OUT;
			rs[i].nterms = (int)rnd(3);
			for (int t = 0; t < rs[i].nterms; t++) {
				rand_pattern(pats[i][t], sizeof(pats[i][t]));
				rs[i].t[t].key = rkeys[rnd(sizeof(rkeys) / sizeof(rkeys[0]))];
				rs[i].t[t].neg = (int)rnd(3) == 0;
				rs[i].t[t].env = (int)rnd(2);
				rs[i].t[t].pat = pats[i][t];
			}
		}
		switch (rnd(4)) {
		case 0:
			break; /* no header */
		case 1:
			o += (size_t)sprintf(buf, "SUBSYSTEM=bar@/x") + 1;
			break;
		default:
			o += (size_t)sprintf(buf, "add@/devices/virtual/bar/x") + 1;
		}
		for (int p = 0, np = (int)rnd(rnd(8) ? 12 : 160); p < np; p++) {
			const char *k = rkeys[rnd(sizeof(rkeys) / sizeof(rkeys[0]))];
			const char *v = rvals[rnd(sizeof(rvals) / sizeof(rvals[0]))];

			if (o + 80 >= sizeof(buf))
				break;
			o += (size_t)sprintf(buf + o, "%s=%s", rnd(4) ? k : "F", v) + 1;
		}
		if (o && rnd(5) == 0)
			o--; /* no final NUL */
		if (!o)
			continue;
		{
			char e_[256], q_[200];
			int m_, g_;

			if (write_rules(rs, n, e_)) {
				unit_fail(__FILE__, __LINE__, "round %d: rules refused: %s", round,
					  e_);
				return;
			}
			m_ = model(rs, n, buf, o);
			g_ = prog_verdict(buf, o);
			if (m_ != g_) {
				unit_fail(__FILE__, __LINE__, "round %d: %s: model %s, program %s",
					  round, unit_quote(q_, sizeof(q_), buf, o),
					  verdict_name(m_), verdict_name(g_));
				return;
			}
			cases++;
			denied += g_ == FILTER_DENY;
		}
	}
	/* Both verdicts well represented, or the comparison proves little. */
	CHECK(cases > 2500);
	CHECK(denied > cases / 5 && denied < cases * 4 / 5);
}

/* The same evaluator source in user space, for what a test run cannot carry (> 3698 bytes). */
static void test_too_large_in_shim(void)
{
	static char buf[9000];
	struct filter_set set = {};
	struct filter_rule r;
	struct filter_sock_facts f = {.tgid = 1, .netns_ino = NS_IN};
	char err[256];
	size_t n;

	CHECK_INT(0, filter_rule_make(&set, &r, FILTER_SCOPE_NETNS, "7", "deny",
				      "SUBSYSTEM==\"bar\"", 0, err, sizeof(err)));
	r.id = 1;
	CHECK_INT(0, filter_set_append(&set, &r, err, sizeof(err)));
	/* 4.1 KiB, the largest a kernel uevent can be: evaluated whole. */
	n = build(buf, 4200, 60, LIT("SUBSYSTEM=bar\0"));
	CHECK_INT(FILTER_DENY, kernel_eval(&set, &f, buf, n, NULL));
	n = build(buf, 4200, 60, LIT("SUBSYSTEM=foo\0"));
	CHECK_INT(0, kernel_eval(&set, &f, buf, n, NULL));
	/* Beyond the scratch: denied where a deny rule applies, whatever the content. */
	n = build(buf, sizeof(buf), 400, LIT("SUBSYSTEM=foo\0"));
	CHECK_INT(FILTER_DENY, kernel_eval(&set, &f, buf, n, NULL));
	CHECK_UINT(1, shim_counters[FILTER_CNT_TOO_LARGE]);
}

int main(void)
{
	static const struct {
		void (*fn)(void);
		const char *name;
	} cases[] = {
	    {test_operators_and_globs, "every operator and glob form, ENV{}, scope, first match"},
	    {test_absent_keys, "absent keys compare as \"\""},
	    {test_maximal_uevents, "keys at the end of a maximal uevent"},
	    {test_many_segments, "more than 128 segments: denied where a deny rule applies"},
	    {test_no_trailing_nul, "no trailing NUL"},
	    {test_fake_acks, "only the kernel's exact ack passes unevaluated"},
	    {test_repeated_keys_and_header, "repeated keys (last wins), header, udev format"},
	    {test_random, "3000 random payloads and rule sets: program == model"},
	};

	/* Both builds of the evaluator (bpf/filter_eval.h): bpf_loop(), and bounded loops. */
	static const char *const builds[] = {"eval/bpf_loop", "eval/bounded"};
	char name[160];

	unit_suite("filter_prog");
	RUN(test_too_large_in_shim, "beyond the scratch: denied (shim, same evaluator)");
	for (size_t b = 0; b < 2; b++) {
		if (load(b == 1)) {
			for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
				printf("SKIP filter_prog: %s: %s: %s\n", builds[b], cases[i].name,
				       skip_why);
			continue;
		}
		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			snprintf(name, sizeof(name), "%s: %s", builds[b], cases[i].name);
			RUN(cases[i].fn, name);
		}
		filter_bpf__destroy(skel);
		skel = NULL;
		prog_fd = -1;
	}
	return unit_exit();
}
