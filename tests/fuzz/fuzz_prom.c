// SPDX-License-Identifier: GPL-2.0
/*
 * Prometheus label escaping (user/prom.c): label values come from uevents, namespaces and paths.
 * A sample line must stay one line, and unescaping its label value must give the input back.
 */
#include "fuzz.h"
#include "export/prom.h"
#include "strbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in = fuzz_cstr(data, size), *out, *o;
	const char *v, *p;
	struct prom_label l[2] = {{"subsystem", "mem"}, {"value", in}};
	struct strbuf sb;

	sb_init(&sb, 16);
	prom_sample_u64(&sb, "uevscope_fuzz_total", NULL, l, 2, 1);
	/* One line, ending in the value: "name{subsystem="mem",value="..."} 1\n". */
	if (!sb.len || sb.buf[sb.len - 1] != '\n' || memchr(sb.buf, '\n', sb.len - 1))
		abort();
	v = strstr(sb.buf, ",value=\"");
	if (!v)
		abort();
	v += strlen(",value=\"");
	out = o = malloc(sb.len + 1);
	if (!out)
		abort();
	for (p = v; *p && *p != '"'; p++) {
		if (*p != '\\') {
			*o++ = *p;
			continue;
		}
		p++;
		if (*p == 'n')
			*o++ = '\n';
		else if (*p == '\\' || *p == '"')
			*o++ = *p;
		else
			abort(); /* an escape the format does not have */
	}
	*o = '\0';
	/* The input stops at its first NUL, as a C string label value does. */
	if (*p != '"' || strcmp(out, in) || strcmp(p, "\"} 1\n"))
		abort();
	free(out);
	sb_free(&sb);
	free(in);
	return 0;
}
