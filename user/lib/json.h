/* SPDX-License-Identifier: GPL-2.0 */
#ifndef UEVSCOPE_JSON_H
#define UEVSCOPE_JSON_H

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

#endif /* UEVSCOPE_JSON_H */
