// SPDX-License-Identifier: GPL-2.0
/* gzip of a buffer in memory. See gzip.h. */
#include <stdlib.h>
#include <zlib.h>
#include "gzip.h"

/* deflateInit2()'s window bits: 15, plus 16 for a gzip header and trailer rather than zlib's. */
#define GZIP_WINDOW_BITS (15 + 16)

int gzip_buffer(const char *in, size_t len, char **out, size_t *outlen)
{
	z_stream zs = {0};
	uLong bound;
	int ret;

	*out = NULL;
	if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, GZIP_WINDOW_BITS, 8,
			 Z_DEFAULT_STRATEGY) != Z_OK)
		return -1;
	/* deflateBound() of a zlib stream, plus the gzip header and trailer's extra 12 bytes. */
	bound = deflateBound(&zs, (uLong)len) + 12;
	*out = malloc(bound);
	if (!*out) {
		deflateEnd(&zs);
		return -1;
	}
	zs.next_in = (Bytef *)in;
	zs.avail_in = (uInt)len;
	zs.next_out = (Bytef *)*out;
	zs.avail_out = (uInt)bound;
	ret = deflate(&zs, Z_FINISH);
	*outlen = zs.total_out;
	deflateEnd(&zs);
	if (ret != Z_STREAM_END) {
		free(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}
