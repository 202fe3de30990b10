/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Growable output buffer. buf is always NUL-terminated once initialised, so it
 * can be handed to fputs() as is. Allocation failure aborts the program.
 */
#ifndef UEVSCOPE_STRBUF_H
#define UEVSCOPE_STRBUF_H

#include <stddef.h>
#include <stdint.h>

struct strbuf {
	char *buf;
	size_t len;
	size_t cap; /* bytes allocated, NUL included: len < cap always */
};

void sb_init(struct strbuf *sb, size_t initial_cap);
void sb_free(struct strbuf *sb);
/* Makes room for extra more bytes plus the NUL. */
void sb_grow(struct strbuf *sb, size_t extra);
void sb_printf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_u64(struct strbuf *sb, unsigned long long v);
void sb_i64(struct strbuf *sb, long long v);
/* Appends spaces until the text since col_start is at least width bytes long. */
void sb_pad(struct strbuf *sb, size_t col_start, size_t width);
/* Bytes a terminal shows safely: printable ASCII kept, anything else as \xNN. */
void sb_text(struct strbuf *sb, const char *s);
/* CLOCK_REALTIME nanoseconds as local HH:MM:SS.uuuuuu. */
void sb_wall_time(struct strbuf *sb, uint64_t wall_ns);

static inline void sb_reset(struct strbuf *sb)
{
	sb->len = 0;
	if (sb->buf)
		sb->buf[0] = '\0';
}

/*
 * The appends are inline: the tracer makes a dozen of them per event, and
 * inlined, sb_puts() of a literal costs no strlen().
 */
static inline void sb_putc(struct strbuf *sb, char c)
{
	if (sb->cap - sb->len < 2)
		sb_grow(sb, 1);
	sb->buf[sb->len++] = c;
	sb->buf[sb->len] = '\0';
}

static inline void sb_putn(struct strbuf *sb, const char *s, size_t n)
{
	if (sb->cap - sb->len <= n)
		sb_grow(sb, n);
	__builtin_memcpy(sb->buf + sb->len, s, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
}

static inline void sb_puts(struct strbuf *sb, const char *s)
{
	sb_putn(sb, s, __builtin_strlen(s));
}

#endif /* UEVSCOPE_STRBUF_H */
