/* SPDX-License-Identifier: GPL-2.0 */
/* gzip (RFC 1952) of a buffer in memory, with zlib: for HTTP Content-Encoding. */
#ifndef UEVSCOPE_GZIP_H
#define UEVSCOPE_GZIP_H

#include <stddef.h>

/* *out (malloc'ed, the caller frees) and *outlen; 0, or -1 when zlib or memory failed. */
int gzip_buffer(const char *in, size_t len, char **out, size_t *outlen);

#endif /* UEVSCOPE_GZIP_H */
