// SPDX-License-Identifier: GPL-2.0
/*
 * Device rules as `uevscope devices allow|deny` takes them (user/devices_rule.c): the input is
 * split at blanks into words, parsed, and every rule that parses is formatted and parsed back.
 */
#include "devices/devices.h"
#include "fuzz.h"

#define FUZZ_WORDS 8

static int split(char *s, char **words)
{
	int n = 0;
	char *w;

	for (w = strtok(s, " \t\n"); w && n < FUZZ_WORDS; w = strtok(NULL, " \t\n"))
		words[n++] = w;
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in = fuzz_cstr(data, size), *words[FUZZ_WORDS], *again[FUZZ_WORDS];
	char err[256], text[128];
	struct dev_rule rule, back;
	int n = split(in, words);

	memset(&rule, 0, sizeof(rule));
	if (!dev_rule_parse_spec(n, words, &rule, err, sizeof(err))) {
		/* Whatever is accepted prints as a rule that parses back to itself. */
		dev_rule_format(&rule, text, sizeof(text));
		memset(&back, 0, sizeof(back));
		n = split(text, again);
		if (dev_rule_parse_spec(n, again, &back, err, sizeof(err)) ||
		    back.type != rule.type || back.major != rule.major ||
		    back.minor != rule.minor || back.access != rule.access)
			abort();
	}
	free(in);
	return 0;
}
