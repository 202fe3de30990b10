// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/kallsyms lines (user/ksyms.c), read through a FILE the way ksyms_load() reads the real
 * one; then lookups at every address the input names and around it.
 */
#include <stdio.h>
#include "fuzz.h"
#include "ksyms.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ksyms ks;
	uint64_t off;
	FILE *f;

	if (!size)
		return 0;
	f = fmemopen((void *)data, size, "r");
	if (!f)
		abort();
	if (!ksyms_load_file(&ks, f)) {
		for (size_t i = 0; i < ks.ntext; i++) {
			const struct ksym *s = ksyms_text(&ks, ks.text[i].addr, &off);

			if (!s || strlen(s->name) > 255)
				abort();
		}
		for (size_t i = 0; i < ks.ndata; i++)
			if (!ksyms_data_at(&ks, ks.data[i].addr))
				abort();
		ksyms_text(&ks, 0, &off);
		ksyms_text(&ks, UINT64_MAX, &off);
		ksyms_free(&ks);
	}
	fclose(f);
	return 0;
}
