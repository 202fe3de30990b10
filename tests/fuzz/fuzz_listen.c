// SPDX-License-Identifier: GPL-2.0
/*
 * `--listen` addresses (user/listen_addr.c); an address that parses formats back to the same
 * address and port.
 */
#include <sys/socket.h>
#include "fuzz.h"
#include "export/listen_addr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in = fuzz_cstr(data, size), err[256], text[128];
	struct listen_addr a, b;

	if (!listen_addr_parse(in, &a, err, sizeof(err))) {
		listen_addr_format((const struct sockaddr *)&a.ss, text, sizeof(text));
		if (listen_addr_parse(text, &b, err, sizeof(err)) || a.len != b.len ||
		    memcmp(&a.ss, &b.ss, a.len) || a.loopback != b.loopback)
			abort();
	}
	free(in);
	return 0;
}
