// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "strbuf.h"

#define SB_MIN_CAP 64

static void sb_oom(void)
{
	fputs("uevscope: out of memory\n", stderr);
	exit(1);
}

void sb_init(struct strbuf *sb, size_t initial_cap)
{
	if (initial_cap < SB_MIN_CAP)
		initial_cap = SB_MIN_CAP;
	sb->buf = malloc(initial_cap);
	if (!sb->buf)
		sb_oom();
	sb->buf[0] = '\0';
	sb->len = 0;
	sb->cap = initial_cap;
}

void sb_free(struct strbuf *sb)
{
	free(sb->buf);
	sb->buf = NULL;
	sb->len = 0;
	sb->cap = 0;
}

void sb_grow(struct strbuf *sb, size_t extra)
{
	size_t need, cap;
	char *p;

	if (extra > (size_t)-1 - sb->len - 1)
		sb_oom();
	need = sb->len + extra + 1;
	if (need <= sb->cap)
		return;
	/* Doubling keeps appends amortised O(1) and stops reallocating once warm. */
	cap = sb->cap ? sb->cap : SB_MIN_CAP;
	while (cap < need) {
		if (cap > (size_t)-1 / 2) {
			cap = need;
			break;
		}
		cap *= 2;
	}
	p = realloc(sb->buf, cap);
	if (!p)
		sb_oom();
	sb->buf = p;
	sb->cap = cap;
}

void sb_printf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	size_t avail;
	int n;

	if (!sb->buf)
		sb_grow(sb, 0);
	avail = sb->cap - sb->len;
	va_start(ap, fmt);
	n = vsnprintf(sb->buf + sb->len, avail, fmt, ap);
	va_end(ap);
	if (n < 0) {
		/* Encoding error: drop whatever vsnprintf may have half written. */
		sb->buf[sb->len] = '\0';
		return;
	}
	if ((size_t)n >= avail) {
		sb_grow(sb, (size_t)n);
		va_start(ap, fmt);
		vsnprintf(sb->buf + sb->len, sb->cap - sb->len, fmt, ap);
		va_end(ap);
	}
	sb->len += (size_t)n;
}

/* Two digits per division: integers are most of what the tracer prints. */
void sb_u64(struct strbuf *sb, unsigned long long v)
{
	static const char pairs[] = "00010203040506070809101112131415161718192021222324"
				    "25262728293031323334353637383940414243444546474849"
				    "50515253545556575859606162636465666768697071727374"
				    "75767778798081828384858687888990919293949596979899";
	char tmp[20]; /* ULLONG_MAX has 20 digits */
	char *p = tmp + sizeof(tmp);

	while (v >= 100) {
		unsigned int i = (unsigned int)(v % 100) * 2;

		v /= 100;
		*--p = pairs[i + 1];
		*--p = pairs[i];
	}
	if (v >= 10) {
		*--p = pairs[v * 2 + 1];
		*--p = pairs[v * 2];
	} else {
		*--p = (char)('0' + v);
	}
	sb_putn(sb, p, (size_t)(tmp + sizeof(tmp) - p));
}

void sb_i64(struct strbuf *sb, long long v)
{
	if (v < 0) {
		sb_putc(sb, '-');
		/* Negate in unsigned arithmetic so LLONG_MIN does not overflow. */
		sb_u64(sb, 0ULL - (unsigned long long)v);
		return;
	}
	sb_u64(sb, (unsigned long long)v);
}

void sb_pad(struct strbuf *sb, size_t col_start, size_t width)
{
	size_t used = sb->len > col_start ? sb->len - col_start : 0;
	size_t n;

	if (used >= width)
		return;
	n = width - used;
	if (sb->cap - sb->len <= n)
		sb_grow(sb, n);
	memset(sb->buf + sb->len, ' ', n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
}

static const char hexdigits[] = "0123456789abcdef";

void sb_text(struct strbuf *sb, const char *s)
{
	const char *run = s;

	for (; *s; s++) {
		unsigned char c = *s;

		if (c >= 0x20 && c < 0x7f && c != '\\')
			continue;
		sb_putn(sb, run, s - run);
		sb_putc(sb, '\\');
		if (c == '\\') {
			sb_putc(sb, '\\');
		} else {
			sb_putc(sb, 'x');
			sb_putc(sb, hexdigits[c >> 4]);
			sb_putc(sb, hexdigits[c & 15]);
		}
		run = s + 1;
	}
	sb_putn(sb, run, s - run);
}

void sb_wall_time(struct strbuf *sb, uint64_t wall_ns)
{
	/* localtime_r() per event is costly; the date part changes once a second. */
	static time_t cached_sec = -1;
	static char cached[16];
	time_t sec = wall_ns / 1000000000ull;
	unsigned long usec = (wall_ns % 1000000000ull) / 1000;
	char frac[8];
	int i;

	if (sec != cached_sec) {
		struct tm tm;

		localtime_r(&sec, &tm);
		strftime(cached, sizeof(cached), "%H:%M:%S", &tm);
		cached_sec = sec;
	}
	sb_puts(sb, cached);
	frac[0] = '.';
	for (i = 6; i >= 1; i--, usec /= 10)
		frac[i] = '0' + usec % 10;
	sb_putn(sb, frac, 7);
}
