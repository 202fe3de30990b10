/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the libFuzzer targets in this folder (make fuzz): each target is one
 * LLVMFuzzerTestOneInput() over one parser of outside input, linked against the
 * same user/ objects as the tool, built with -fsanitize=fuzzer,address,undefined.
 */
#ifndef UEVSCOPE_FUZZ_H
#define UEVSCOPE_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A heap copy of the input with a NUL after it, so ASan sees any read past the end. */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

#endif /* UEVSCOPE_FUZZ_H */
