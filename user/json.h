/* SPDX-License-Identifier: GPL-2.0 */
#ifndef UEVSCOPE_JSON_H
#define UEVSCOPE_JSON_H

#include <stddef.h>

#include "strbuf.h"

/*
 * Appends s[0..len) as a quoted JSON string. Valid UTF-8 passes through, each
 * byte that is not part of a valid sequence becomes \ufffd: the output is
 * valid JSON whatever the input.
 */
void sb_json_str(struct strbuf *sb, const char *s, size_t len);

#endif /* UEVSCOPE_JSON_H */
