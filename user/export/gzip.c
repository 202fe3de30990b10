// SPDX-License-Identifier: GPL-2.0
/* gzip of a buffer in memory. See gzip.h. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
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

/* A qvalue ("0", "0.5", "1.000") above zero; a malformed one counts as zero. */
static bool qvalue_positive(const char *q, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (q[i] >= '1' && q[i] <= '9')
			return true;
		else if (q[i] != '0' && q[i] != '.')
			return false;
	return false;
}

bool gzip_accepted(const char *ae)
{
	int gzip = -1, star = -1; /* -1 not named, else 0 or 1 */
	const char *p = ae;

	while (p && *p) {
		size_t end = strcspn(p, ","), n;
		const char *coding = p + strspn(p, " \t"), *param;
		bool ok = true;

		n = strcspn(coding, ";, \t");
		/* Parameters: only q matters ("; q=0.5"). */
		for (param = coding + n; param < p + end && *param == ';';) {
			size_t plen;

			param++;
			param += strspn(param, " \t");
			plen = strcspn(param, ";,");
			if ((param[0] == 'q' || param[0] == 'Q') && param[1] == '=')
				ok = qvalue_positive(param + 2, strcspn(param + 2, ";, \t"));
			param += plen;
		}
		if ((n == 4 && !strncasecmp(coding, "gzip", 4)) ||
		    (n == 6 && !strncasecmp(coding, "x-gzip", 6)))
			gzip = gzip == 1 || ok; /* named twice: either may accept */
		else if (n == 1 && coding[0] == '*')
			star = ok;
		p += end;
		if (*p == ',')
			p++;
	}
	return gzip >= 0 ? gzip == 1 : star == 1;
}
