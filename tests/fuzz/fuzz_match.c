// SPDX-License-Identifier: GPL-2.0
/*
 * `-m` match expressions (user/match.c), in udev rule syntax: the input is split at newlines
 * into several expressions added to one list, which is then evaluated against a fixed uevent.
 */
#include "fuzz.h"
#include "match.h"
#include "uevent.h"

static const char payload[] = "change@/devices/virtual/mem/null\0ACTION=change\0"
			      "DEVPATH=/devices/virtual/mem/null\0SUBSYSTEM=mem\0"
			      "SYNTH_UUID=0\0SEQNUM=4242\0";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct uevent ev;
	char *in = fuzz_cstr(data, size), *p, *nl, err[256];
	char pbuf[sizeof(payload)];
	struct match_list *ml = match_list_new();
	unsigned int i, nalts;
	const char *const *alts;
	const char *key;
	bool negate;

	if (!ml)
		abort();
	memcpy(pbuf, payload, sizeof(payload));
	uevent_parse(pbuf, sizeof(payload) - 1, &ev);
	for (p = in; p; p = nl) {
		nl = strchr(p, '\n');
		if (nl)
			*nl++ = '\0';
		err[0] = '\0';
		if (match_list_add(ml, p, err, sizeof(err)) && !err[0])
			abort(); /* a refusal always says why */
	}
	match_list_eval(ml, &ev);
	for (i = 0; i < match_list_count(ml); i++)
		if (match_list_term(ml, i, &key, &negate, &alts, &nalts))
			for (unsigned int j = 0; j < nalts; j++)
				if (!alts[j])
					abort();
	match_list_free(ml);
	free(in);
	return 0;
}
