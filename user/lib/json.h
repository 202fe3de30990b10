/* SPDX-License-Identifier: GPL-2.0 */
#ifndef UEVSCOPE_JSON_H
#define UEVSCOPE_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "strbuf.h"

/*
 * Appends s[0..len) as a quoted JSON string. Valid UTF-8 passes through, each
 * byte that is not part of a valid sequence becomes \ufffd: the output is
 * valid JSON whatever the input.
 */
void sb_json_str(struct strbuf *sb, const char *s, size_t len);

/* A NUL-terminated string as sb_json_str() quotes it, or null for NULL. */
void sb_json_cstr(struct strbuf *sb, const char *s);

/*
 * The JSON writer every printer uses. A top-level record (one trace line,
 * the report object, listeners, features...) starts with "schema":
 * JSON_SCHEMA, the version of the documented fields (docs/json.md): a field
 * renamed, retyped or dropped raises it. Members are written in order, the
 * commas placed by the writer; key is NULL for an array's elements.
 */
#define JSON_SCHEMA 1
#define JSON_DEPTH  8

struct json_writer {
	struct strbuf *sb;
	int depth;		   /* open objects and arrays */
	bool more[JSON_DEPTH + 1]; /* a member was written at that depth */
};

static inline void jw_member(struct json_writer *w, const char *key)
{
	if (w->more[w->depth])
		sb_putc(w->sb, ',');
	w->more[w->depth] = true;
	if (!key)
		return;
	sb_putc(w->sb, '"');
	sb_puts(w->sb, key);
	sb_putn(w->sb, "\":", 2);
}

static inline void jw_open(struct json_writer *w, const char *key, char c)
{
	jw_member(w, key);
	sb_putc(w->sb, c);
	if (w->depth < JSON_DEPTH)
		w->depth++;
	w->more[w->depth] = false;
}

static inline void jw_close(struct json_writer *w, char c)
{
	sb_putc(w->sb, c);
	if (w->depth > 0)
		w->depth--;
}

/* Starts a top-level record on sb: '{' and the schema version. */
static inline void jw_record(struct json_writer *w, struct strbuf *sb)
{
	w->sb = sb;
	w->depth = 0;
	w->more[0] = false;
	jw_open(w, NULL, '{');
	jw_member(w, "schema");
	sb_u64(w->sb, JSON_SCHEMA);
}

/* Ends it: '}' and a newline (one record per line). */
static inline void jw_record_end(struct json_writer *w)
{
	jw_close(w, '}');
	sb_putc(w->sb, '\n');
}

static inline void jw_object(struct json_writer *w, const char *key)
{
	jw_open(w, key, '{');
}

static inline void jw_object_end(struct json_writer *w)
{
	jw_close(w, '}');
}

static inline void jw_array(struct json_writer *w, const char *key)
{
	jw_open(w, key, '[');
}

static inline void jw_array_end(struct json_writer *w)
{
	jw_close(w, ']');
}

static inline void jw_u64(struct json_writer *w, const char *key, unsigned long long v)
{
	jw_member(w, key);
	sb_u64(w->sb, v);
}

static inline void jw_i64(struct json_writer *w, const char *key, long long v)
{
	jw_member(w, key);
	sb_i64(w->sb, v);
}

static inline void jw_bool(struct json_writer *w, const char *key, bool v)
{
	jw_member(w, key);
	sb_puts(w->sb, v ? "true" : "false");
}

static inline void jw_null(struct json_writer *w, const char *key)
{
	jw_member(w, key);
	sb_puts(w->sb, "null");
}

/* A string, or null for NULL. */
static inline void jw_str(struct json_writer *w, const char *key, const char *s)
{
	jw_member(w, key);
	sb_json_cstr(w->sb, s);
}

static inline void jw_strn(struct json_writer *w, const char *key, const char *s, size_t len)
{
	jw_member(w, key);
	sb_json_str(w->sb, s, len);
}

/* A number with printf's format (e.g. "%.3f"); the caller keeps it a valid JSON number. */
void jw_numf(struct json_writer *w, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The writer's strbuf, for a value written by another function (it writes one value). */
static inline struct strbuf *jw_value(struct json_writer *w, const char *key)
{
	jw_member(w, key);
	return w->sb;
}

#endif /* UEVSCOPE_JSON_H */
