// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "json.h"

/*
 * Length of the well-formed UTF-8 sequence at s (RFC 3629 table 4: no
 * overlongs, no surrogates, nothing above U+10FFFF), or 0 if there is none.
 */
static size_t utf8_seq_len(const unsigned char *s, size_t avail)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	} else {
		return 0;
	}
	if (avail < n)
		return 0;
	/* Only the second byte has a narrowed range. */
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

static inline bool json_plain(unsigned char c)
{
	return c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
}

static void json_escape_ascii(struct strbuf *sb, unsigned char c)
{
	static const char hex[] = "0123456789abcdef";
	char u[6] = {'\\', 'u', '0', '0'};

	switch (c) {
	case '"':
		sb_putn(sb, "\\\"", 2);
		return;
	case '\\':
		sb_putn(sb, "\\\\", 2);
		return;
	case '\b':
		sb_putn(sb, "\\b", 2);
		return;
	case '\f':
		sb_putn(sb, "\\f", 2);
		return;
	case '\n':
		sb_putn(sb, "\\n", 2);
		return;
	case '\r':
		sb_putn(sb, "\\r", 2);
		return;
	case '\t':
		sb_putn(sb, "\\t", 2);
		return;
	}
	u[4] = hex[c >> 4];
	u[5] = hex[c & 0xf];
	sb_putn(sb, u, sizeof(u));
}

void sb_json_str(struct strbuf *sb, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, start, n;

	sb_putc(sb, '"');
	while (i < len) {
		start = i;
		while (i < len && json_plain(s[i]))
			i++;
		if (i > start)
			sb_putn(sb, str + start, i - start);
		if (i >= len)
			break;
		if (s[i] < 0x80) {
			json_escape_ascii(sb, s[i]);
			i++;
			continue;
		}
		start = i;
		while (i < len && s[i] >= 0x80 && (n = utf8_seq_len(s + i, len - i)))
			i += n;
		if (i > start) {
			sb_putn(sb, str + start, i - start);
			continue;
		}
		/* One replacement per stray byte, so the damage stays visible. */
		sb_putn(sb, "\\ufffd", 6);
		i++;
	}
	sb_putc(sb, '"');
}

void sb_json_cstr(struct strbuf *sb, const char *s)
{
	if (s)
		sb_json_str(sb, s, strlen(s));
	else
		sb_puts(sb, "null");
}

void jw_numf(struct json_writer *w, const char *key, const char *fmt, ...)
{
	char buf[64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	jw_member(w, key);
	sb_puts(w->sb, buf);
}
