// SPDX-License-Identifier: GPL-2.0
/*
 * uevent payloads as the kernel or an injecting process hands them over (user/uevent.c): any
 * bytes, up to 4 KiB, with or without NULs, valid UTF-8 or not. Then what every printer does
 * with them: the JSON string writer (user/json.c) on every key and value.
 */
#include <assert.h>
#include "fuzz.h"
#include "json.h"
#include "strbuf.h"
#include "uevent.h"

#define FUZZ_PAYLOAD_MAX 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct uevent ev;
	struct strbuf sb;
	char *buf;

	if (size > FUZZ_PAYLOAD_MAX)
		return -1;
	/* Exactly len + 1 bytes: the parser writes buf[len] and must not touch more. */
	buf = malloc(size + 1);
	if (!buf)
		abort();
	memcpy(buf, data, size);
	if (uevent_parse(buf, size, &ev) == 0) {
		assert(ev.nprops <= UEV_MAX_PROPS);
		assert(ev.action && ev.devpath && ev.subsystem);
		sb_init(&sb, 64);
		sb_json_cstr(&sb, ev.action);
		sb_json_cstr(&sb, ev.devpath);
		for (unsigned int i = 0; i < ev.nprops; i++) {
			sb_json_cstr(&sb, ev.props[i].key);
			sb_json_cstr(&sb, ev.props[i].val);
			assert(uevent_get(&ev, ev.props[i].key));
		}
		uevent_get(&ev, "ACTION");
		uevent_get(&ev, "DEVPATH");
		uevent_get(&ev, "NO_SUCH_KEY");
		assert(strlen(sb.buf) == sb.len);
		sb_free(&sb);
	}
	free(buf);
	return 0;
}
