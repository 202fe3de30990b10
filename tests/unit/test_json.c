// SPDX-License-Identifier: GPL-2.0
#include <stdint.h>
#include <stdlib.h>

#include "json.h"
#include "strbuf.h"
#include "unit.h"

/* Literal with its embedded NULs, without the compiler's terminator. */
#define LIT(s) s, sizeof(s) - 1

/*
 * Test-side UTF-8 decoder, written from the code point definition rather than
 * the byte table json.c uses, so the two cross-check each other.
 * Returns the sequence length, or 0 if s does not start a well-formed one.
 */
static size_t ref_utf8(const unsigned char *s, size_t avail, uint32_t *cp_out)
{
	static const uint32_t min_cp[5] = {0, 0, 0x80, 0x800, 0x10000};
	size_t n, i;
	uint32_t cp;

	if (s[0] < 0x80)
		n = 1, cp = s[0];
	else if ((s[0] & 0xe0) == 0xc0)
		n = 2, cp = s[0] & 0x1f;
	else if ((s[0] & 0xf0) == 0xe0)
		n = 3, cp = s[0] & 0x0f;
	else if ((s[0] & 0xf8) == 0xf0)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (n > avail)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if (cp < min_cp[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	*cp_out = cp;
	return n;
}

static size_t put_utf8(char *out, uint32_t cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int read_u4(const char *s, size_t avail, uint32_t *v)
{
	int i, h;

	if (avail < 4)
		return -1;
	*v = 0;
	for (i = 0; i < 4; i++) {
		h = hexval(s[i]);
		if (h < 0)
			return -1;
		*v = (*v << 4) | (uint32_t)h;
	}
	return 0;
}

/*
 * Strict RFC 8259 check that js[0..len) is exactly one JSON string, decoding it
 * into out (room for len bytes is enough). Returns the decoded length or -1.
 */
static long json_decode(const char *js, size_t len, char *out)
{
	const unsigned char *u = (const unsigned char *)js;
	size_t i = 1, o = 0, n;
	uint32_t cp, lo;

	if (len < 2 || js[0] != '"')
		return -1;
	for (;;) {
		if (i >= len)
			return -1;
		if (u[i] == '"')
			return i + 1 == len ? (long)o : -1;
		if (u[i] < 0x20)
			return -1;
		if (u[i] != '\\') {
			n = ref_utf8(u + i, len - i, &cp);
			if (!n)
				return -1;
			memcpy(out + o, js + i, n);
			o += n;
			i += n;
			continue;
		}
		if (++i >= len)
			return -1;
		switch (js[i++]) {
		case '"':
			out[o++] = '"';
			break;
		case '\\':
			out[o++] = '\\';
			break;
		case '/':
			out[o++] = '/';
			break;
		case 'b':
			out[o++] = '\b';
			break;
		case 'f':
			out[o++] = '\f';
			break;
		case 'n':
			out[o++] = '\n';
			break;
		case 'r':
			out[o++] = '\r';
			break;
		case 't':
			out[o++] = '\t';
			break;
		case 'u':
			if (read_u4(js + i, len - i, &cp))
				return -1;
			i += 4;
			if (cp >= 0xdc00 && cp <= 0xdfff)
				return -1;
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (len - i < 6 || js[i] != '\\' || js[i + 1] != 'u' ||
				    read_u4(js + i + 2, len - i - 2, &lo) || lo < 0xdc00 ||
				    lo > 0xdfff)
					return -1;
				i += 6;
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			}
			o += put_utf8(out + o, cp);
			break;
		default:
			return -1;
		}
	}
}

/* What the JSON must decode to: valid sequences kept, each stray byte as U+FFFD. */
static size_t ref_sanitize(const char *in, size_t len, char *out)
{
	size_t i = 0, o = 0, n;
	uint32_t cp;

	while (i < len) {
		n = ref_utf8((const unsigned char *)in + i, len - i, &cp);
		if (n) {
			memcpy(out + o, in + i, n);
			o += n;
			i += n;
		} else {
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
		}
	}
	return o;
}

/* Encodes in, compares with the expected JSON text, then checks it validates. */
#define CHECK_JSON(in, inlen, expect)                                                           \
	do {                                                                                    \
		struct strbuf sb_;                                                              \
		char *dec_;                                                                     \
		sb_init(&sb_, 0);                                                               \
		sb_json_str(&sb_, (in), (inlen));                                               \
		dec_ = malloc(sb_.len + 1);                                                     \
		CHECK(dec_ != NULL);                                                            \
		if (json_decode(sb_.buf, sb_.len, dec_) < 0)                                    \
			unit_fail(__FILE__, __LINE__, "not a valid JSON string: %s", sb_.buf);  \
		free(dec_);                                                                     \
		if (!unit_st.failed) {                                                          \
			if (sb_.len != strlen(expect) || memcmp(sb_.buf, expect, sb_.len)) {    \
				char qe_[400], qg_[400];                                        \
				unit_fail(__FILE__, __LINE__, "expected %s, got %s",            \
					  unit_quote(qe_, sizeof(qe_), expect, strlen(expect)), \
					  unit_quote(qg_, sizeof(qg_), sb_.buf, sb_.len));      \
			}                                                                       \
		}                                                                               \
		sb_free(&sb_);                                                                  \
		if (unit_st.failed)                                                             \
			return;                                                                 \
	} while (0)

#define CHECK_JSONL(lit, expect) CHECK_JSON(lit, sizeof(lit) - 1, expect)

static void test_empty(void)
{
	CHECK_JSON("", 0, "\"\"");
}

static void test_plain_ascii(void)
{
	char all[128], expect[200];
	size_t n = 0, e = 0;
	int c;

	CHECK_JSONL("change", "\"change\"");
	CHECK_JSONL("/devices/virtual/mem/null", "\"/devices/virtual/mem/null\"");
	/* Every printable byte but '"' and '\\' is copied as is ('/' included). */
	expect[e++] = '"';
	for (c = 0x20; c < 0x7f; c++) {
		if (c == '"' || c == '\\')
			continue;
		all[n++] = (char)c;
		expect[e++] = (char)c;
	}
	expect[e++] = '"';
	expect[e] = '\0';
	CHECK_JSON(all, n, expect);
}

static void test_quote_backslash(void)
{
	CHECK_JSONL("a\"b\\c", "\"a\\\"b\\\\c\"");
	CHECK_JSONL("\"", "\"\\\"\"");
	CHECK_JSONL("\\\\", "\"\\\\\\\\\"");
	CHECK_JSONL("\\u0041", "\"\\\\u0041\"");
}

static void test_control_chars(void)
{
	char in[1], expect[16];
	int c;

	for (c = 0; c < 0x20; c++) {
		in[0] = (char)c;
		switch (c) {
		case '\b':
			strcpy(expect, "\"\\b\"");
			break;
		case '\t':
			strcpy(expect, "\"\\t\"");
			break;
		case '\n':
			strcpy(expect, "\"\\n\"");
			break;
		case '\f':
			strcpy(expect, "\"\\f\"");
			break;
		case '\r':
			strcpy(expect, "\"\\r\"");
			break;
		default:
			snprintf(expect, sizeof(expect), "\"\\u%04x\"", c);
		}
		CHECK_JSON(in, 1, expect);
	}
	CHECK_JSONL("a\x01"
		    "b\x1f"
		    "c\nd",
		    "\"a\\u0001b\\u001fc\\nd\"");
}

static void test_del(void)
{
	CHECK_JSONL("\x7f", "\"\\u007f\"");
	CHECK_JSONL("a\x7f"
		    "b",
		    "\"a\\u007fb\"");
}

static void test_embedded_nul(void)
{
	CHECK_JSONL("a\0b", "\"a\\u0000b\"");
	CHECK_JSONL("\0", "\"\\u0000\"");
	/* The length, not a terminator, bounds the input. */
	CHECK_JSONL("ACTION=add\0DEVPATH=/x\0", "\"ACTION=add\\u0000DEVPATH=/x\\u0000\"");
}

static void test_utf8_two_byte(void)
{
	CHECK_JSONL("caf\xc3\xa9", "\"caf\xc3\xa9\"");
	CHECK_JSONL("\xc2\x80", "\"\xc2\x80\"");
	CHECK_JSONL("\xdf\xbf", "\"\xdf\xbf\"");
}

static void test_utf8_three_byte(void)
{
	CHECK_JSONL("\xe2\x82\xac", "\"\xe2\x82\xac\"");
	CHECK_JSONL("\xe0\xa0\x80", "\"\xe0\xa0\x80\"");
	CHECK_JSONL("\xed\x9f\xbf", "\"\xed\x9f\xbf\"");
	CHECK_JSONL("\xee\x80\x80", "\"\xee\x80\x80\"");
	CHECK_JSONL("\xef\xbf\xbf", "\"\xef\xbf\xbf\"");
	/* U+2028 is legal raw in JSON (RFC 8259), only JavaScript minds it. */
	CHECK_JSONL("\xe2\x80\xa8", "\"\xe2\x80\xa8\"");
}

static void test_utf8_four_byte(void)
{
	CHECK_JSONL("\xf0\x9f\x98\x80", "\"\xf0\x9f\x98\x80\"");
	CHECK_JSONL("\xf0\x90\x80\x80", "\"\xf0\x90\x80\x80\"");
	CHECK_JSONL("\xf4\x8f\xbf\xbf", "\"\xf4\x8f\xbf\xbf\"");
	CHECK_JSONL("\xf3\xbf\xbf\xbf", "\"\xf3\xbf\xbf\xbf\"");
}

static void test_utf8_mixed_valid(void)
{
	CHECK_JSONL("ID_MODEL=\xe2\x82\xac\"\xc3\xa9\xf0\x9f\x98\x80\t!",
		    "\"ID_MODEL=\xe2\x82\xac\\\"\xc3\xa9\xf0\x9f\x98\x80\\t!\"");
}

#define FFFD "\\ufffd"

static void test_lone_continuation(void)
{
	CHECK_JSONL("\x80", "\"" FFFD "\"");
	CHECK_JSONL("\xbf", "\"" FFFD "\"");
	CHECK_JSONL("a\x80"
		    "b",
		    "\"a" FFFD "b\"");
	CHECK_JSONL("\x80\xbf\x80", "\"" FFFD FFFD FFFD "\"");
	/* Stray continuation after a complete sequence. */
	CHECK_JSONL("\xc3\xa9\xa9", "\"\xc3\xa9" FFFD "\"");
}

static void test_overlong(void)
{
	CHECK_JSONL("\xc0\x80", "\"" FFFD FFFD "\"");
	CHECK_JSONL("\xc1\xbf", "\"" FFFD FFFD "\"");
	CHECK_JSONL("\xe0\x80\x80", "\"" FFFD FFFD FFFD "\"");
	CHECK_JSONL("\xe0\x9f\xbf", "\"" FFFD FFFD FFFD "\"");
	CHECK_JSONL("\xf0\x80\x80\x80", "\"" FFFD FFFD FFFD FFFD "\"");
	CHECK_JSONL("\xf0\x8f\xbf\xbf", "\"" FFFD FFFD FFFD FFFD "\"");
	/* Overlong '/' must not sneak a slash or quote through. */
	CHECK_JSONL("\xc0\xaf\xc0\xa2", "\"" FFFD FFFD FFFD FFFD "\"");
}

static void test_surrogates(void)
{
	CHECK_JSONL("\xed\xa0\x80", "\"" FFFD FFFD FFFD "\"");
	CHECK_JSONL("\xed\xbf\xbf", "\"" FFFD FFFD FFFD "\"");
	/* A CESU-8 style pair is two invalid sequences, not one code point. */
	CHECK_JSONL("\xed\xa0\xbd\xed\xb8\x80", "\"" FFFD FFFD FFFD FFFD FFFD FFFD "\"");
}

static void test_above_max(void)
{
	CHECK_JSONL("\xf4\x90\x80\x80", "\"" FFFD FFFD FFFD FFFD "\"");
	CHECK_JSONL("\xf5\x80\x80\x80", "\"" FFFD FFFD FFFD FFFD "\"");
	CHECK_JSONL("\xf7\xbf\xbf\xbf", "\"" FFFD FFFD FFFD FFFD "\"");
	/* Old 5- and 6-byte forms. */
	CHECK_JSONL("\xf8\x88\x80\x80\x80", "\"" FFFD FFFD FFFD FFFD FFFD "\"");
	CHECK_JSONL("\xfc\x84\x80\x80\x80\x80", "\"" FFFD FFFD FFFD FFFD FFFD FFFD "\"");
}

static void test_truncated(void)
{
	CHECK_JSONL("\xc3", "\"" FFFD "\"");
	CHECK_JSONL("\xe2\x82", "\"" FFFD FFFD "\"");
	CHECK_JSONL("\xf0\x9f\x98", "\"" FFFD FFFD FFFD "\"");
	CHECK_JSONL("ok\xf0\x9f", "\"ok" FFFD FFFD "\"");
	/* Interrupted by ASCII or by another lead byte. */
	CHECK_JSONL("\xe2\x82"
		    "A",
		    "\"" FFFD FFFD "A\"");
	CHECK_JSONL("\xe2\xc3\xa9", "\"" FFFD "\xc3\xa9\"");
	CHECK_JSONL("\xc3\"", "\"" FFFD "\\\"\"");
	CHECK_JSONL("\xc3\0", "\"" FFFD "\\u0000\"");
}

static void test_ff_fe(void)
{
	CHECK_JSONL("\xff", "\"" FFFD "\"");
	CHECK_JSONL("\xfe\xff", "\"" FFFD FFFD "\"");
	CHECK_JSONL("a\xff"
		    "b\xfe"
		    "c",
		    "\"a" FFFD "b" FFFD "c\"");
}

static void test_appends(void)
{
	struct strbuf sb;

	sb_init(&sb, 0);
	sb_puts(&sb, "{\"k\":");
	sb_json_str(&sb, LIT("v\n"));
	sb_putc(&sb, '}');
	CHECK_STR("{\"k\":\"v\\n\"}", sb.buf);
	sb_free(&sb);
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint32_t rng(void)
{
	/* xorshift64: deterministic, so a failure reproduces. */
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 32);
}

/* Bytes biased towards the interesting ranges: controls, lead and continuation bytes. */
static unsigned char rng_byte(void)
{
	static const unsigned char special[] = {0x00, 0x1f, 0x22, 0x5c, 0x7f, 0x80, 0xbf, 0xc0,
						0xc1, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4,
						0xf5, 0xff, 0xa0, 0x9f, 0x8f, 0x90};

	if (rng() % 3 == 0)
		return special[rng() % sizeof(special)];
	return (unsigned char)rng();
}

static bool fuzz_one(const char *in, size_t len, struct strbuf *sb, char *dec, char *ref)
{
	long n;
	size_t rn;

	sb_reset(sb);
	sb_json_str(sb, in, len);
	n = json_decode(sb->buf, sb->len, dec);
	rn = ref_sanitize(in, len, ref);
	return n >= 0 && (size_t)n == rn && !memcmp(dec, ref, rn);
}

static void test_fuzz_random_bytes(void)
{
	char in[96], dec[96 * 6 + 8], ref[96 * 3];
	char qin[400];
	struct strbuf sb;
	size_t len, i;
	int iter;

	sb_init(&sb, 0);
	for (iter = 0; iter < 50000; iter++) {
		len = rng() % sizeof(in);
		for (i = 0; i < len; i++)
			in[i] = (char)rng_byte();
		if (!fuzz_one(in, len, &sb, dec, ref)) {
			unit_fail(__FILE__, __LINE__, "iteration %d: input %s gave %s", iter,
				  unit_quote(qin, sizeof(qin), in, len), sb.buf);
			break;
		}
	}
	sb_free(&sb);
}

static void test_fuzz_valid_utf8(void)
{
	char in[200], dec[200 * 6 + 8], ref[200 * 3];
	char qin[400];
	struct strbuf sb;
	size_t len, n;
	uint32_t cp;
	int iter;

	sb_init(&sb, 0);
	for (iter = 0; iter < 20000; iter++) {
		for (len = 0, n = rng() % 40; n; n--) {
			do {
				switch (rng() % 4) {
				case 0:
					cp = rng() % 0x80;
					break;
				case 1:
					cp = 0x80 + rng() % 0x780;
					break;
				case 2:
					cp = 0x800 + rng() % 0xf800;
					break;
				default:
					cp = 0x10000 + rng() % 0x100000;
				}
			} while (cp >= 0xd800 && cp <= 0xdfff);
			len += put_utf8(in + len, cp);
		}
		/* Valid input must come back bit for bit, with no replacement. */
		if (!fuzz_one(in, len, &sb, dec, ref) || memcmp(dec, in, len) ||
		    strstr(sb.buf, "\\ufffd")) {
			unit_fail(__FILE__, __LINE__, "iteration %d: input %s gave %s", iter,
				  unit_quote(qin, sizeof(qin), in, len), sb.buf);
			break;
		}
	}
	sb_free(&sb);
}

static void test_full_payload(void)
{
	char in[2048], *dec, *ref;
	struct strbuf sb;
	size_t i;
	long n;

	for (i = 0; i < sizeof(in); i++)
		in[i] = (char)(i * 37 + (i >> 3));
	sb_init(&sb, 0);
	sb_json_str(&sb, in, sizeof(in));
	dec = malloc(sb.len);
	ref = malloc(sizeof(in) * 3);
	CHECK(dec && ref);
	n = json_decode(sb.buf, sb.len, dec);
	CHECK(n >= 0);
	CHECK_MEM(ref, ref_sanitize(in, sizeof(in), ref), dec, (size_t)n);
	free(dec);
	free(ref);
	sb_free(&sb);
}

/* The validator itself must reject what a broken encoder would produce. */
static void test_validator_rejects(void)
{
	char dec[64];

	CHECK(json_decode(LIT("\"ok\""), dec) == 2);
	CHECK(json_decode(LIT("\"a\nb\""), dec) < 0);
	CHECK(json_decode(LIT("\"a\"b\""), dec) < 0);
	CHECK(json_decode(LIT("\"a\\\""), dec) < 0);
	CHECK(json_decode(LIT("\"\\x41\""), dec) < 0);
	CHECK(json_decode(LIT("\"\\u00g1\""), dec) < 0);
	CHECK(json_decode(LIT("\"\\ud800\""), dec) < 0);
	CHECK(json_decode(LIT("\"\xff\""), dec) < 0);
	CHECK(json_decode(LIT("\"\xc0\x80\""), dec) < 0);
	CHECK(json_decode(LIT("\"\xed\xa0\x80\""), dec) < 0);
	CHECK(json_decode(LIT("\"\x7f\""), dec) == 1);
	CHECK(json_decode(LIT("\"unterminated"), dec) < 0);
}

int main(void)
{
	unit_suite("json");
	RUN(test_empty, "empty string");
	RUN(test_plain_ascii, "plain printable ascii copied");
	RUN(test_quote_backslash, "quote and backslash escaped");
	RUN(test_control_chars, "every control char escaped");
	RUN(test_del, "DEL escaped as \\u007f");
	RUN(test_embedded_nul, "embedded NUL escaped as \\u0000");
	RUN(test_utf8_two_byte, "valid 2-byte utf-8 passes through");
	RUN(test_utf8_three_byte, "valid 3-byte utf-8 passes through");
	RUN(test_utf8_four_byte, "valid 4-byte utf-8 passes through");
	RUN(test_utf8_mixed_valid, "valid utf-8 mixed with escapes");
	RUN(test_lone_continuation, "lone continuation bytes replaced");
	RUN(test_overlong, "overlong forms replaced per byte");
	RUN(test_surrogates, "encoded surrogates replaced per byte");
	RUN(test_above_max, "code points above U+10FFFF replaced");
	RUN(test_truncated, "truncated sequences replaced");
	RUN(test_ff_fe, "bytes 0xFE and 0xFF replaced");
	RUN(test_appends, "appends to existing buffer content");
	RUN(test_validator_rejects, "test validator rejects invalid JSON");
	RUN(test_fuzz_random_bytes, "random bytes always give valid JSON");
	RUN(test_fuzz_valid_utf8, "random valid utf-8 round-trips");
	RUN(test_full_payload, "2048-byte binary payload");
	return unit_exit();
}
