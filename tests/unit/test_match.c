// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>

#include "match.h"
#include "uevent.h"
#include "unit.h"
#include "uevent_lit.h"

#define BLOCK_ADD                                                                                \
	"add@/devices/pci0000:00/block/sda\0ACTION=add\0DEVPATH=/devices/pci0000:00/block/sda\0" \
	"SUBSYSTEM=block\0DEVNAME=sda\0DEVTYPE=disk\0ID_BUS=usb\0MODEL=a\"b\0SEQNUM=10\0"
#define BLOCK_REMOVE "remove@/devices/x/sdb\0ACTION=remove\0SUBSYSTEM=block\0DEVNAME=sdb\0"
#define NET_ADD	     "add@/devices/virtual/net/eth0\0ACTION=add\0SUBSYSTEM=net\0INTERFACE=eth0\0"
#define USB_BIND     "bind@/devices/usb1\0ACTION=bind\0SUBSYSTEM=usb\0EMPTY=\0"

/* Adds a single expression that must parse, and checks the message stays empty. */
#define ADD_OK(ml, expr)                                                                        \
	do {                                                                                    \
		char err_[256] = "untouched";                                                   \
		int rc_ = match_list_add(ml, expr, err_, sizeof(err_));                         \
		if (rc_) {                                                                      \
			unit_fail(__FILE__, __LINE__, "match_list_add(%s) = %d: %s", expr, rc_, \
				  err_);                                                        \
			match_list_free(ml);                                                    \
			return;                                                                 \
		}                                                                               \
		CHECK_STR("", err_);                                                            \
	} while (0)

/* Evaluates one expression against one event. */
#define CHECK_MATCH(expect, expr, ev)                                                            \
	do {                                                                                     \
		struct match_list *ml_ = match_list_new();                                       \
		bool got_;                                                                       \
		CHECK(ml_ != NULL);                                                              \
		ADD_OK(ml_, expr);                                                               \
		got_ = match_list_eval(ml_, ev);                                                 \
		match_list_free(ml_);                                                            \
		if (got_ != (expect)) {                                                          \
			unit_fail(__FILE__, __LINE__, "%s: expected %s, got %s", expr,           \
				  (expect) ? "match" : "no match", got_ ? "match" : "no match"); \
			return;                                                                  \
		}                                                                                \
	} while (0)

static void test_empty_list(void)
{
	struct match_list *ml = match_list_new();
	struct test_ev a, b;

	CHECK(ml != NULL);
	CHECK_UINT(0, match_list_count(ml));
	CHECK(match_list_eval(ml, EV(&a, BLOCK_ADD)));
	CHECK(match_list_eval(ml, EV(&b, "X=1\0")));
	match_list_free(ml);
	match_list_free(NULL);
}

static void test_equal(void)
{
	struct test_ev a, b, c;

	EV(&a, BLOCK_ADD);
	EV(&b, NET_ADD);
	EV(&c, "SUBSYSTEM=blockx\0");
	CHECK_MATCH(true, "SUBSYSTEM==\"block\"", &a.ev);
	CHECK_MATCH(false, "SUBSYSTEM==\"block\"", &b.ev);
	/* Patterns are anchored at both ends. */
	CHECK_MATCH(false, "SUBSYSTEM==\"block\"", &c.ev);
	CHECK_MATCH(false, "SUBSYSTEM==\"bloc\"", &a.ev);
	/* Keys and values are case sensitive. */
	CHECK_MATCH(false, "SUBSYSTEM==\"Block\"", &a.ev);
	CHECK_MATCH(false, "subsystem==\"block\"", &a.ev);
	CHECK_MATCH(true, "DEVNAME==\"sda\"", &a.ev);
	CHECK_MATCH(true, "SEQNUM==\"10\"", &a.ev);
}

static void test_not_equal(void)
{
	struct test_ev a, r, n;

	EV(&a, BLOCK_ADD);
	EV(&r, BLOCK_REMOVE);
	EV(&n, "FOO=1\0");
	CHECK_MATCH(true, "ACTION!=\"remove\"", &a.ev);
	CHECK_MATCH(false, "ACTION!=\"remove\"", &r.ev);
	/* Absent compares as "", which is not "remove". */
	CHECK_MATCH(true, "ACTION!=\"remove\"", &n.ev);
}

static void test_glob_star(void)
{
	struct test_ev a, n, e, s;

	EV(&a, BLOCK_ADD);
	EV(&n, "DEVNAME=nvme0n1\0");
	EV(&e, "DEVNAME=\0");
	EV(&s, "DEVNAME=sd\0");
	CHECK_MATCH(true, "DEVNAME==\"sd*\"", &a.ev);
	CHECK_MATCH(true, "DEVNAME==\"sd*\"", &s.ev);
	CHECK_MATCH(false, "DEVNAME==\"sd*\"", &n.ev);
	CHECK_MATCH(true, "DEVPATH==\"*/block/*\"", &a.ev);
	CHECK_MATCH(true, "DEVNAME==\"*\"", &e.ev);
	/* flags 0: '*' crosses '/' and matches a leading '.'. */
	CHECK_MATCH(true, "DEVPATH==\"/devices*sda\"", &a.ev);
	CHECK_MATCH(true, "DEVNAME==\"*\"", &n.ev);
	CHECK_MATCH(false, "DEVNAME!=\"*\"", &n.ev);
}

static void test_glob_question(void)
{
	struct test_ev a, s, l;

	EV(&a, BLOCK_ADD);
	EV(&s, "DEVNAME=sd\0");
	EV(&l, "DEVNAME=sdaa\0");
	CHECK_MATCH(true, "DEVNAME==\"sd?\"", &a.ev);
	CHECK_MATCH(false, "DEVNAME==\"sd?\"", &s.ev);
	CHECK_MATCH(false, "DEVNAME==\"sd?\"", &l.ev);
	CHECK_MATCH(true, "DEVNAME==\"???\"", &a.ev);
}

static void test_glob_brackets(void)
{
	struct test_ev a, d, t0, s0, one, rb;

	EV(&a, BLOCK_ADD);
	EV(&d, "DEVNAME=sdd\0");
	EV(&t0, "DEVNAME=ttyUSB0\0");
	EV(&s0, "DEVNAME=ttyS0\0");
	EV(&one, "DEVNAME=sd1\0");
	EV(&rb, "DEVNAME=]\0");
	CHECK_MATCH(true, "DEVNAME==\"sd[a-c]\"", &a.ev);
	CHECK_MATCH(false, "DEVNAME==\"sd[a-c]\"", &d.ev);
	CHECK_MATCH(true, "DEVNAME==\"tty[!S]*\"", &t0.ev);
	CHECK_MATCH(false, "DEVNAME==\"tty[!S]*\"", &s0.ev);
	CHECK_MATCH(false, "DEVNAME==\"tty[^S]*\"", &s0.ev);
	CHECK_MATCH(true, "DEVNAME==\"sd[[:alpha:]]\"", &a.ev);
	CHECK_MATCH(false, "DEVNAME==\"sd[[:alpha:]]\"", &one.ev);
	CHECK_MATCH(true, "DEVNAME==\"sd[[:digit:]]\"", &one.ev);
	/* A ']' first in the set is a member, not the end. */
	CHECK_MATCH(true, "DEVNAME==\"[]]\"", &rb.ev);
	CHECK_MATCH(false, "DEVNAME==\"[!]]\"", &rb.ev);
}

static void test_alternatives(void)
{
	struct test_ev b, n, u, a;

	EV(&b, BLOCK_REMOVE);
	EV(&n, NET_ADD);
	EV(&u, USB_BIND);
	EV(&a, BLOCK_ADD);
	CHECK_MATCH(true, "SUBSYSTEM==\"block|net\"", &b.ev);
	CHECK_MATCH(true, "SUBSYSTEM==\"block|net\"", &n.ev);
	CHECK_MATCH(false, "SUBSYSTEM==\"block|net\"", &u.ev);
	CHECK_MATCH(false, "SUBSYSTEM!=\"block|net\"", &b.ev);
	CHECK_MATCH(false, "SUBSYSTEM!=\"block|net\"", &n.ev);
	CHECK_MATCH(true, "SUBSYSTEM!=\"block|net\"", &u.ev);
	CHECK_MATCH(true, "DEVNAME==\"nvme*|sd*\"", &a.ev);
	CHECK_MATCH(true, "INTERFACE==\"wl*|eth?|en*\"", &n.ev);
	/* An empty alternative matches the empty value. */
	CHECK_MATCH(true, "EMPTY==\"x|\"", &u.ev);
	CHECK_MATCH(false, "SUBSYSTEM==\"x|\"", &u.ev);
}

static void test_env_key(void)
{
	struct test_ev a, n;

	EV(&a, BLOCK_ADD);
	EV(&n, NET_ADD);
	CHECK_MATCH(true, "ENV{ID_BUS}==\"usb\"", &a.ev);
	CHECK_MATCH(false, "ENV{ID_BUS}==\"usb\"", &n.ev);
	CHECK_MATCH(true, "ENV{ID_BUS}!=\"ata\"", &a.ev);
	CHECK_MATCH(true, "ENV{SUBSYSTEM}==\"block\"", &a.ev);
	/* A plain key called ENV is just a key. */
	CHECK_MATCH(true, "ENV==\"\"", &a.ev);
}

static void test_absent_vs_empty(void)
{
	struct test_ev u, a;

	EV(&u, USB_BIND);
	EV(&a, BLOCK_ADD);
	CHECK_MATCH(true, "NOPE==\"\"", &u.ev);
	CHECK_MATCH(true, "EMPTY==\"\"", &u.ev);
	CHECK_MATCH(false, "SUBSYSTEM==\"\"", &u.ev);
	CHECK_MATCH(false, "NOPE!=\"\"", &u.ev);
	CHECK_MATCH(false, "EMPTY!=\"\"", &u.ev);
	CHECK_MATCH(true, "SUBSYSTEM!=\"\"", &u.ev);
	CHECK_MATCH(true, "NOPE==\"*\"", &u.ev);
	CHECK_MATCH(false, "NOPE==\"?*\"", &u.ev);
	CHECK_MATCH(false, "NOPE==\"usb\"", &a.ev);
}

static void test_header_fallback(void)
{
	struct test_ev h;

	EV(&h, "add@/devices/virtual/foo\0SUBSYSTEM=foo\0");
	CHECK_MATCH(true, "ACTION==\"add\"", &h.ev);
	CHECK_MATCH(true, "DEVPATH==\"/devices/virtual/*\"", &h.ev);
	CHECK_MATCH(false, "ACTION==\"remove\"", &h.ev);
}

static void test_multiple_exprs_anded(void)
{
	struct match_list *ml = match_list_new();
	struct test_ev a, r, n;

	CHECK(ml != NULL);
	EV(&a, BLOCK_ADD);
	EV(&r, BLOCK_REMOVE);
	EV(&n, NET_ADD);
	ADD_OK(ml, "SUBSYSTEM==\"block\"");
	CHECK_UINT(1, match_list_count(ml));
	CHECK(match_list_eval(ml, &r.ev));
	ADD_OK(ml, "ACTION!=\"remove\"");
	CHECK_UINT(2, match_list_count(ml));
	CHECK(match_list_eval(ml, &a.ev));
	CHECK(!match_list_eval(ml, &r.ev));
	CHECK(!match_list_eval(ml, &n.ev));
	match_list_free(ml);
}

static void test_comma_terms(void)
{
	struct match_list *ml = match_list_new();
	struct test_ev a, r, n;

	CHECK(ml != NULL);
	EV(&a, BLOCK_ADD);
	EV(&r, BLOCK_REMOVE);
	EV(&n, NET_ADD);
	ADD_OK(ml, "SUBSYSTEM==\"block\", ACTION==\"add\"");
	CHECK_UINT(2, match_list_count(ml));
	CHECK(match_list_eval(ml, &a.ev));
	CHECK(!match_list_eval(ml, &r.ev));
	CHECK(!match_list_eval(ml, &n.ev));
	/* A comma inside quotes is part of the pattern. */
	ADD_OK(ml, "DEVNAME!=\"a,b\",DEVTYPE==\"disk\",ENV{ID_BUS}==\"usb\"");
	CHECK_UINT(5, match_list_count(ml));
	CHECK(match_list_eval(ml, &a.ev));
	match_list_free(ml);
}

static void test_whitespace(void)
{
	struct match_list *ml = match_list_new();
	struct test_ev a, n;

	CHECK(ml != NULL);
	EV(&a, BLOCK_ADD);
	EV(&n, NET_ADD);
	ADD_OK(ml, "  SUBSYSTEM  ==  \"block\"  ,ACTION==\"add\"  ");
	ADD_OK(ml, "\tENV{DEVTYPE}\t!=\t\"partition\"\t,\t DEVNAME == \"sd*\"");
	ADD_OK(ml, "ID_BUS==\"usb\",\nMODEL!=\"\"");
	CHECK_UINT(6, match_list_count(ml));
	CHECK(match_list_eval(ml, &a.ev));
	CHECK(!match_list_eval(ml, &n.ev));
	match_list_free(ml);
	/* Spaces inside the quotes are significant. */
	CHECK_MATCH(false, "SUBSYSTEM==\" block\"", &a.ev);
}

static void test_escapes(void)
{
	struct test_ev a, bs, star, x, pipe;

	EV(&a, BLOCK_ADD);
	EV(&bs, "V=a\\b\0");
	EV(&star, "V=*\0");
	EV(&x, "V=x\0");
	EV(&pipe, "V=a|b\0");
	/* \" is a quote inside the pattern; MODEL is a"b. */
	CHECK_MATCH(true, "MODEL==\"a\\\"b\"", &a.ev);
	CHECK_MATCH(true, "MODEL==\"*\\\"*\"", &a.ev);
	CHECK_MATCH(false, "MODEL==\"ab\"", &a.ev);
	/* \\ gives one backslash, which fnmatch() then uses as its escape. */
	CHECK_MATCH(true, "V==\"a\\\\\\\\b\"", &bs.ev);
	CHECK_MATCH(true, "V==\"\\\\*\"", &star.ev);
	CHECK_MATCH(false, "V==\"\\\\*\"", &x.ev);
	/* Other backslashes reach fnmatch() untouched. */
	CHECK_MATCH(true, "V==\"\\*\"", &star.ev);
	CHECK_MATCH(false, "V==\"\\*\"", &x.ev);
	/* An escaped '|' or a '|' in a bracket does not split alternatives. */
	CHECK_MATCH(true, "V==\"a\\|b\"", &pipe.ev);
	CHECK_MATCH(true, "V==\"a[|]b\"", &pipe.ev);
	CHECK_MATCH(false, "V==\"a[|]b\"", &x.ev);
	CHECK_MATCH(true, "V==\"\\[x\\]|x\"", &x.ev);
}

static void test_key_charset(void)
{
	struct test_ev e;

	EV(&e, "ID_FS.TYPE-2=ext4\0a=lower\0");
	CHECK_MATCH(true, "ID_FS.TYPE-2==\"ext4\"", &e.ev);
	CHECK_MATCH(true, "ENV{ID_FS.TYPE-2}==\"ext*\"", &e.ev);
	CHECK_MATCH(true, "a==\"lower\"", &e.ev);
}

static void test_many_terms(void)
{
	struct match_list *ml = match_list_new();
	struct test_ev a;
	char expr[64];
	int i;

	CHECK(ml != NULL);
	EV(&a, BLOCK_ADD);
	for (i = 0; i < 200; i++) {
		snprintf(expr, sizeof(expr), "K%d==\"\", SUBSYSTEM==\"bl*\"", i);
		ADD_OK(ml, expr);
	}
	CHECK_UINT(400, match_list_count(ml));
	CHECK(match_list_eval(ml, &a.ev));
	ADD_OK(ml, "K7==\"x\"");
	CHECK(!match_list_eval(ml, &a.ev));
	match_list_free(ml);
}

/* The number after "column " in an error message, or -1. */
static long err_column(const char *err)
{
	const char *p = strstr(err, "column ");
	char *end;
	long col;

	if (!p)
		return -1;
	col = strtol(p + 7, &end, 10);
	return end == p + 7 ? -1 : col;
}

/*
 * Checks expr is rejected with a message naming the problem (and the column,
 * when given), and that the list, which already holds one term, is unchanged.
 */
#define CHECK_ERR(expr, needle, column)                                                           \
	do {                                                                                      \
		struct match_list *ml_ = match_list_new();                                        \
		char err_[256];                                                                   \
		struct test_ev blk_, net_;                                                        \
		int rc_;                                                                          \
		CHECK(ml_ != NULL);                                                               \
		EV(&blk_, BLOCK_ADD);                                                             \
		EV(&net_, NET_ADD);                                                               \
		ADD_OK(ml_, "SUBSYSTEM==\"block\"");                                              \
		memset(err_, 'X', sizeof(err_));                                                  \
		rc_ = match_list_add(ml_, expr, err_, sizeof(err_));                              \
		err_[sizeof(err_) - 1] = '\0';                                                    \
		if (rc_ != -EINVAL)                                                               \
			unit_fail(__FILE__, __LINE__, "%s: expected -EINVAL, got %d", expr, rc_); \
		else if (!err_[0] || strchr(err_, '\n') || !strstr(err_, needle))                 \
			unit_fail(__FILE__, __LINE__, "%s: message \"%s\" lacks \"%s\"", expr,    \
				  err_, needle);                                                  \
		else if ((column) && err_column(err_) != (column))                                \
			unit_fail(__FILE__, __LINE__, "%s: message \"%s\" lacks column %d", expr, \
				  err_, column);                                                  \
		else if (match_list_count(ml_) != 1 || !match_list_eval(ml_, &blk_.ev) ||         \
			 match_list_eval(ml_, &net_.ev))                                          \
			unit_fail(__FILE__, __LINE__, "%s: list changed by a failed add", expr);  \
		match_list_free(ml_);                                                             \
		if (unit_st.failed)                                                               \
			return;                                                                   \
	} while (0)

static void test_err_empty_expr(void)
{
	CHECK_ERR("", "empty expression", 0);
	CHECK_ERR("   \t ", "empty expression", 0);
}

static void test_err_missing_key(void)
{
	CHECK_ERR("==\"block\"", "missing key", 1);
	CHECK_ERR("  !=\"block\"", "missing key", 3);
	CHECK_ERR("\"block\"", "missing key", 1);
}

static void test_err_invalid_key_char(void)
{
	CHECK_ERR("SUB$YSTEM==\"block\"", "invalid character '$' in key", 4);
	CHECK_ERR("$FOO==\"x\"", "invalid character '$' in key", 1);
	CHECK_ERR("K\x01==\"x\"", "invalid character '\\x01' in key", 2);
	CHECK_ERR("FOO{X}==\"x\"", "invalid character '{' in key", 4);
	CHECK_ERR("ENV{}==\"x\"", "empty key in ENV{}", 5);
	CHECK_ERR("ENV{FOO==\"x\"", "invalid character '=' in key", 8);
	CHECK_ERR("ENV{FOO", "missing '}'", 8);
	CHECK_ERR("ENV{F$O}==\"x\"", "invalid character '$' in key", 6);
}

static void test_err_operators(void)
{
	CHECK_ERR("SUBSYSTEM=\"block\"", "use == or !=", 10);
	CHECK_ERR("SUBSYSTEM=\"block\"", "'='", 0);
	CHECK_ERR("SUBSYSTEM+=\"block\"", "unsupported operator '+='", 10);
	CHECK_ERR("SUBSYSTEM:=\"block\"", "unsupported operator ':='", 10);
	CHECK_ERR("SUBSYSTEM:=\"block\"", "use == or !=", 0);
	CHECK_ERR("SUBSYSTEM===\"block\"", "unsupported operator '==='", 10);
	CHECK_ERR("SUBSYSTEM!\"block\"", "unsupported operator '!'", 10);
	CHECK_ERR("SUBSYSTEM <= \"block\"", "unsupported operator '<='", 11);
	CHECK_ERR("SUBSYSTEM~=\"block\"", "use == or !=", 10);
}

static void test_err_missing_operator(void)
{
	CHECK_ERR("SUBSYSTEM", "expected == or != after 'SUBSYSTEM'", 10);
	CHECK_ERR("SUBSYSTEM \"block\"", "expected == or != after 'SUBSYSTEM'", 11);
	CHECK_ERR("ENV{ID_BUS}", "expected == or != after 'ID_BUS'", 12);
	CHECK_ERR("SUBSYSTEM block", "expected == or !=", 11);
}

static void test_err_missing_quote(void)
{
	CHECK_ERR("SUBSYSTEM==block", "missing opening quote", 12);
	CHECK_ERR("SUBSYSTEM== 'block'", "missing opening quote", 13);
	CHECK_ERR("SUBSYSTEM==", "missing quoted pattern", 12);
	CHECK_ERR("SUBSYSTEM!=  ", "missing quoted pattern", 14);
}

static void test_err_unterminated_quote(void)
{
	CHECK_ERR("SUBSYSTEM==\"block", "unterminated quote", 12);
	CHECK_ERR("SUBSYSTEM==\"", "unterminated quote", 12);
	/* An escaped quote does not close. */
	CHECK_ERR("A==\"x\\\"", "unterminated quote", 4);
	CHECK_ERR("A==\"x\", B==\"y", "unterminated quote", 12);
}

static void test_err_unterminated_bracket(void)
{
	CHECK_ERR("DEVNAME==\"sd[a-\"", "unterminated '['", 13);
	CHECK_ERR("DEVNAME==\"sd*|hd[ab\"", "unterminated '['", 17);
	CHECK_ERR("DEVNAME==\"[\"", "unterminated '['", 11);
	CHECK_ERR("DEVNAME==\"[]\"", "unterminated '['", 11);
	CHECK_ERR("DEVNAME==\"[!]\"", "unterminated '['", 11);
	CHECK_ERR("DEVNAME==\"x[[:alpha:]\"", "unterminated '['", 12);
	/* Columns count the source bytes, escapes included. */
	CHECK_ERR("V==\"\\\"\\\\\\\\[\"", "unterminated '['", 11);
}

static void test_err_lone_backslash(void)
{
	CHECK_ERR("V==\"ab\\\\\"", "lone backslash", 7);
}

static void test_err_trailing(void)
{
	CHECK_ERR("SUBSYSTEM==\"block\" x", "unexpected 'x' after term", 20);
	CHECK_ERR("SUBSYSTEM==\"block\"\"net\"", "unexpected '\"' after term", 19);
	CHECK_ERR("SUBSYSTEM==\"block\";ACTION==\"add\"", "unexpected ';' after term", 19);
}

static void test_err_empty_terms(void)
{
	CHECK_ERR("A==\"1\",,B==\"2\"", "empty term between commas", 8);
	CHECK_ERR("A==\"1\", , B==\"2\"", "empty term between commas", 9);
	CHECK_ERR(",A==\"1\"", "empty term before ','", 1);
	CHECK_ERR("A==\"1\",", "empty term after trailing ','", 8);
	CHECK_ERR("A==\"1\",  ", "empty term after trailing ','", 10);
	CHECK_ERR(",", "empty term", 1);
}

static void test_err_rolls_back_whole_expr(void)
{
	/* The first term is fine; the second is not, so neither is added. */
	CHECK_ERR("ACTION==\"add\", DEVNAME=\"sda\"", "use == or !=", 23);
	CHECK_ERR("ACTION==\"add\", DEVNAME==\"sda\", X", "expected == or !=", 33);
}

static void test_err_buffer_handling(void)
{
	struct match_list *ml = match_list_new();
	char small[8];

	CHECK(ml != NULL);
	/* A short buffer gets a truncated, terminated message; none at all is fine too. */
	memset(small, 'X', sizeof(small));
	CHECK_INT(-EINVAL, match_list_add(ml, "SUBSYSTEM=\"x\"", small, sizeof(small)));
	CHECK_UINT(7, strlen(small));
	CHECK_INT(-EINVAL, match_list_add(ml, "SUBSYSTEM=\"x\"", NULL, 0));
	CHECK_INT(-EINVAL, match_list_add(ml, "", small, 0));
	CHECK_UINT(0, match_list_count(ml));
	/* A failure leaves the list usable. */
	ADD_OK(ml, "SUBSYSTEM==\"x\"");
	CHECK_UINT(1, match_list_count(ml));
	match_list_free(ml);
}

int main(void)
{
	unit_suite("match");
	RUN(test_empty_list, "empty list matches everything");
	RUN(test_equal, "== exact value");
	RUN(test_not_equal, "!= value");
	RUN(test_glob_star, "glob *");
	RUN(test_glob_question, "glob ?");
	RUN(test_glob_brackets, "glob brackets [a-z] [!x] [[:class:]]");
	RUN(test_alternatives, "alternatives a|b");
	RUN(test_env_key, "ENV{KEY} form");
	RUN(test_absent_vs_empty, "absent key compares as empty");
	RUN(test_header_fallback, "ACTION and DEVPATH from the header");
	RUN(test_multiple_exprs_anded, "several expressions are ANDed");
	RUN(test_comma_terms, "comma separated terms are ANDed");
	RUN(test_whitespace, "whitespace variations");
	RUN(test_escapes, "escaped quote and backslash in pattern");
	RUN(test_key_charset, "key characters . - _ and lower case");
	RUN(test_many_terms, "hundreds of terms");
	RUN(test_err_empty_expr, "error: empty expression");
	RUN(test_err_missing_key, "error: missing key");
	RUN(test_err_invalid_key_char, "error: invalid key character");
	RUN(test_err_operators, "error: assignment and other operators");
	RUN(test_err_missing_operator, "error: missing operator");
	RUN(test_err_missing_quote, "error: missing opening quote");
	RUN(test_err_unterminated_quote, "error: unterminated quote");
	RUN(test_err_unterminated_bracket, "error: unterminated bracket");
	RUN(test_err_lone_backslash, "error: lone backslash at pattern end");
	RUN(test_err_trailing, "error: trailing characters after term");
	RUN(test_err_empty_terms, "error: empty term between commas");
	RUN(test_err_rolls_back_whole_expr, "error: nothing from a bad expression added");
	RUN(test_err_buffer_handling, "error: short or missing message buffer");
	return unit_exit();
}
