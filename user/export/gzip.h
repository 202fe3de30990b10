/* SPDX-License-Identifier: GPL-2.0 */
/* gzip (RFC 1952) of a buffer in memory, with zlib: for HTTP Content-Encoding. */
#ifndef UEVSCOPE_GZIP_H
#define UEVSCOPE_GZIP_H

#include <stdbool.h>
#include <stddef.h>

/* *out (malloc'ed, the caller frees) and *outlen; 0, or -1 when zlib or memory failed. */
int gzip_buffer(const char *in, size_t len, char **out, size_t *outlen);

/*
 * An Accept-Encoding header (RFC 9110 12.5.3) accepts gzip: "gzip" or
 * "x-gzip" with a q above 0, or "*" above 0 when gzip is not named. "gzip;q=0"
 * refuses it. NULL (no header) accepts only the identity coding.
 */
bool gzip_accepted(const char *accept_encoding);

#endif /* UEVSCOPE_GZIP_H */
