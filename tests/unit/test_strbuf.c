// SPDX-License-Identifier: GPL-2.0
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "strbuf.h"
#include "unit.h"

/* buf must stay a valid C string of exactly len bytes after every call. */
#define CHECK_TERMINATED(sb)                        \
	do {                                        \
		CHECK((sb)->buf != NULL);           \
		CHECK((sb)->len < (sb)->cap);       \
		CHECK_INT(0, (sb)->buf[(sb)->len]); \
	} while (0)

static void test_init_small(void)
{
	struct strbuf sb;

	sb_init(&sb, 0);
	CHECK_TERMINATED(&sb);
	CHECK_UINT(0, sb.len);
	CHECK_STR("", sb.buf);
	sb_free(&sb);
	CHECK(sb.buf == NULL);
	CHECK_UINT(0, sb.len);
	CHECK_UINT(0, sb.cap);
}

static void test_init_large(void)
{
	struct strbuf sb;

	sb_init(&sb, 100000);
	CHECK(sb.cap >= 100000);
	CHECK_TERMINATED(&sb);
	sb_free(&sb);
}

static void test_putc_growth(void)
{
	struct strbuf sb;
	size_t i;

	sb_init(&sb, 1);
	for (i = 0; i < 100000; i++) {
		sb_putc(&sb, (char)('a' + i % 26));
		if (sb.len != i + 1 || sb.buf[sb.len] != '\0')
			break;
	}
	CHECK_UINT(100000, sb.len);
	CHECK_TERMINATED(&sb);
	for (i = 0; i < 100000; i++)
		if (sb.buf[i] != (char)('a' + i % 26))
			break;
	CHECK_UINT(100000, i);
	sb_free(&sb);
}

static void test_putn_growth(void)
{
	struct strbuf sb;
	char chunk[3001], *expect;
	size_t i;

	for (i = 0; i < sizeof(chunk); i++)
		chunk[i] = (char)(' ' + i % 90);
	expect = malloc(sizeof(chunk) * 50);
	CHECK(expect != NULL);
	sb_init(&sb, 16);
	for (i = 0; i < 50; i++) {
		/* Vary the length so growth lands at different offsets. */
		sb_putn(&sb, chunk, sizeof(chunk) - i);
		memcpy(expect + sb.len - (sizeof(chunk) - i), chunk, sizeof(chunk) - i);
	}
	CHECK_TERMINATED(&sb);
	CHECK_UINT(50 * sizeof(chunk) - 49 * 50 / 2, sb.len);
	CHECK(memcmp(expect, sb.buf, sb.len) == 0);
	free(expect);
	sb_free(&sb);
}

static void test_putn_binary(void)
{
	struct strbuf sb;

	sb_init(&sb, 0);
	sb_putn(&sb, "a\0b\xff", 4);
	sb_putn(&sb, "", 0);
	CHECK_TERMINATED(&sb);
	CHECK_MEM("a\0b\xff", 4, sb.buf, sb.len);
	sb_free(&sb);
}

static void test_puts(void)
{
	struct strbuf sb;

	sb_init(&sb, 0);
	sb_puts(&sb, "");
	CHECK_TERMINATED(&sb);
	CHECK_STR("", sb.buf);
	sb_puts(&sb, "hello");
	sb_putc(&sb, ' ');
	sb_puts(&sb, "world");
	CHECK_TERMINATED(&sb);
	CHECK_STR("hello world", sb.buf);
	CHECK_UINT(11, sb.len);
	sb_free(&sb);
}

static void test_printf(void)
{
	struct strbuf sb;

	sb_init(&sb, 0);
	sb_puts(&sb, "x=");
	sb_printf(&sb, "%d,%s,%05.1f", -42, "str", 3.14159);
	CHECK_TERMINATED(&sb);
	CHECK_STR("x=-42,str,003.1", sb.buf);
	sb_printf(&sb, "%s", "");
	CHECK_STR("x=-42,str,003.1", sb.buf);
	CHECK_UINT(15, sb.len);
	sb_free(&sb);
}

static void test_printf_grows(void)
{
	struct strbuf sb;
	char big[5000];
	size_t i;

	memset(big, 'q', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	sb_init(&sb, 0);
	sb_puts(&sb, "head:");
	/* Longer than the buffer, so the first vsnprintf() truncates and must be redone. */
	sb_printf(&sb, "%s|%d", big, 7);
	CHECK_TERMINATED(&sb);
	CHECK_UINT(5 + 4999 + 2, sb.len);
	CHECK(memcmp(sb.buf, "head:", 5) == 0);
	for (i = 5; i < 5 + 4999; i++)
		if (sb.buf[i] != 'q')
			break;
	CHECK_UINT(5 + 4999, i);
	CHECK_STR("|7", sb.buf + 5 + 4999);
	sb_free(&sb);
}

static void test_printf_exact_fit(void)
{
	struct strbuf sb;
	size_t room, i;
	char fill[256];

	sb_init(&sb, 64);
	/* Output of exactly the free space (NUL excluded) must grow, not truncate. */
	room = sb.cap - sb.len - 1;
	CHECK(room < sizeof(fill));
	for (i = 0; i < room; i++)
		fill[i] = 'a' + (char)(i % 26);
	fill[room] = '\0';
	sb_printf(&sb, "%s", fill);
	CHECK_TERMINATED(&sb);
	CHECK_STR(fill, sb.buf);
	sb_printf(&sb, "%c", 'Z');
	CHECK_TERMINATED(&sb);
	CHECK_UINT(room + 1, sb.len);
	CHECK_INT('Z', sb.buf[room]);
	sb_free(&sb);
}

static void test_reset_keeps_buffer(void)
{
	struct strbuf sb;
	char *before;
	size_t cap, i;

	sb_init(&sb, 0);
	for (i = 0; i < 4096; i++)
		sb_putc(&sb, 'x');
	before = sb.buf;
	cap = sb.cap;
	for (i = 0; i < 100; i++) {
		sb_reset(&sb);
		CHECK_TERMINATED(&sb);
		CHECK_STR("", sb.buf);
		sb_putn(&sb, before, 0);
		while (sb.len < 4000)
			sb_puts(&sb, "0123456789");
	}
	/* Once grown, the hot path must not reallocate. */
	CHECK(sb.buf == before);
	CHECK_UINT(cap, sb.cap);
	CHECK_UINT(4000, sb.len);
	sb_free(&sb);
}

static void test_u64(void)
{
	static const struct {
		unsigned long long v;
		const char *s;
	} cases[] = {
	    {0, "0"},
	    {1, "1"},
	    {9, "9"},
	    {10, "10"},
	    {99, "99"},
	    {100, "100"},
	    {1234567890ULL, "1234567890"},
	    {4294967295ULL, "4294967295"},
	    {4294967296ULL, "4294967296"},
	    {10000000000000000000ULL, "10000000000000000000"},
	    {UINT64_MAX, "18446744073709551615"},
	};
	struct strbuf sb;
	size_t i;

	sb_init(&sb, 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sb_reset(&sb);
		sb_u64(&sb, cases[i].v);
		CHECK_TERMINATED(&sb);
		CHECK_STR(cases[i].s, sb.buf);
		CHECK_UINT(strlen(cases[i].s), sb.len);
	}
	sb_reset(&sb);
	sb_puts(&sb, "n=");
	sb_u64(&sb, 0);
	sb_putc(&sb, ',');
	sb_u64(&sb, ULLONG_MAX);
	CHECK_STR("n=0,18446744073709551615", sb.buf);
	sb_free(&sb);
}

static void test_i64(void)
{
	static const struct {
		long long v;
		const char *s;
	} cases[] = {
	    {0, "0"},
	    {1, "1"},
	    {-1, "-1"},
	    {42, "42"},
	    {-10, "-10"},
	    {-9223372036854775807LL, "-9223372036854775807"},
	    {LLONG_MIN, "-9223372036854775808"},
	    {LLONG_MAX, "9223372036854775807"},
	};
	struct strbuf sb;
	size_t i;

	sb_init(&sb, 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sb_reset(&sb);
		sb_i64(&sb, cases[i].v);
		CHECK_TERMINATED(&sb);
		CHECK_STR(cases[i].s, sb.buf);
	}
	sb_free(&sb);
}

static void test_pad(void)
{
	struct strbuf sb;
	size_t col;

	sb_init(&sb, 0);
	sb_puts(&sb, "ab");
	sb_pad(&sb, 0, 5);
	CHECK_TERMINATED(&sb);
	CHECK_STR("ab   ", sb.buf);

	/* Columns are measured from col_start, not from the start of the buffer. */
	col = sb.len;
	sb_puts(&sb, "xyz");
	sb_pad(&sb, col, 4);
	CHECK_STR("ab   xyz ", sb.buf);

	/* Already as wide or wider: nothing is added. */
	col = sb.len;
	sb_puts(&sb, "long");
	sb_pad(&sb, col, 4);
	sb_pad(&sb, col, 2);
	sb_pad(&sb, col, 0);
	CHECK_STR("ab   xyz long", sb.buf);

	/* Empty field padded to full width. */
	col = sb.len;
	sb_pad(&sb, col, 3);
	CHECK_STR("ab   xyz long   ", sb.buf);
	CHECK_UINT(16, sb.len);
	sb_free(&sb);
}

static void test_pad_wide(void)
{
	struct strbuf sb;
	size_t i;

	sb_init(&sb, 0);
	sb_putc(&sb, '|');
	sb_pad(&sb, 0, 1000);
	sb_putc(&sb, '|');
	CHECK_TERMINATED(&sb);
	CHECK_UINT(1001, sb.len);
	for (i = 1; i < 1000; i++)
		if (sb.buf[i] != ' ')
			break;
	CHECK_UINT(1000, i);
	CHECK_INT('|', sb.buf[1000]);
	sb_free(&sb);
}

static void test_zeroed_and_freed_reuse(void)
{
	struct strbuf sb = {0};

	/* A zeroed or freed strbuf behaves as an empty one. */
	sb_reset(&sb);
	sb_putc(&sb, 'a');
	sb_u64(&sb, 12);
	CHECK_TERMINATED(&sb);
	CHECK_STR("a12", sb.buf);
	sb_free(&sb);
	sb_printf(&sb, "%s", "again");
	CHECK_TERMINATED(&sb);
	CHECK_STR("again", sb.buf);
	sb_free(&sb);
}

static void test_oom_exits(void)
{
	int fds[2], status;
	char msg[128];
	ssize_t n;
	pid_t pid;

	CHECK(pipe(fds) == 0);
	fflush(stdout);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		struct strbuf sb;

		dup2(fds[1], 2);
		close(fds[0]);
		sb_init(&sb, 0);
		sb_putc(&sb, 'x');
		/* A request that cannot be satisfied without overflowing size_t. */
		sb_grow(&sb, SIZE_MAX);
		_exit(0);
	}
	close(fds[1]);
	n = read(fds[0], msg, sizeof(msg) - 1);
	close(fds[0]);
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status));
	CHECK_INT(1, WEXITSTATUS(status));
	CHECK(n > 0);
	msg[n] = '\0';
	CHECK_STR("uevscope: out of memory\n", msg);
}

int main(void)
{
	unit_suite("strbuf");
	RUN(test_init_small, "init with zero capacity");
	RUN(test_init_large, "init with large capacity");
	RUN(test_putc_growth, "putc grows across 100000 appends");
	RUN(test_putn_growth, "putn grows across large chunks");
	RUN(test_putn_binary, "putn keeps embedded NUL and high bytes");
	RUN(test_puts, "puts appends and terminates");
	RUN(test_printf, "printf formats and appends");
	RUN(test_printf_grows, "printf longer than the buffer");
	RUN(test_printf_exact_fit, "printf filling the free space exactly");
	RUN(test_reset_keeps_buffer, "reset keeps the allocation");
	RUN(test_u64, "u64 edge values");
	RUN(test_i64, "i64 negative and LLONG_MIN");
	RUN(test_pad, "pad to column width");
	RUN(test_pad_wide, "pad wider than the buffer");
	RUN(test_zeroed_and_freed_reuse, "zeroed and freed strbuf reusable");
	RUN(test_oom_exits, "out of memory message and exit 1");
	return unit_exit();
}
