// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "policy_file.h"

#define LINE_MAX_LEN 4096

/* A `devices` line: the device module parses it (user/devices.h); cgroup scopes only. */
static int policy_devices_line(struct policy *pol, const char *scope_word, const char *action,
			       int argc, char **argv, char *err, size_t errlen)
{
	const char *arg;
	int scope;

	if (filter_scope_split(scope_word, &scope, &arg, err, errlen))
		return -EINVAL;
	if (scope != FILTER_SCOPE_CGROUP) {
		snprintf(err, errlen, "devices rules take a cgroup=PATH scope, not '%s'",
			 scope_word);
		return -EINVAL;
	}
	if (strcmp(action, "allow") && strcmp(action, "deny")) {
		snprintf(err, errlen, "action '%s' is neither allow nor deny", action);
		return -EINVAL;
	}
	if (pol->ndev == DEV_RULES_MAX) {
		snprintf(err, errlen, "more than %d devices rules", DEV_RULES_MAX);
		return -ENOSPC;
	}
	if (dev_rule_parse(arg, !strcmp(action, "allow"), argc, argv, &pol->dev[pol->ndev], err,
			   errlen))
		return -EINVAL;
	pol->ndev++;
	return 0;
}

/* Splits off the next blank-separated word; returns NULL at the end of the line. */
static char *next_word(char **p)
{
	char *w = *p + strspn(*p, " \t");

	if (!*w)
		return NULL;
	*p = w + strcspn(w, " \t");
	if (**p)
		*(*p)++ = '\0';
	return w;
}

static int parse_line(char *line, struct policy *pol, unsigned int flags, __u32 id, char *err,
		      size_t errlen)
{
	char *p = line, *kind, *scope_word, *action, *words[8];
	struct filter_rule r;
	const char *arg;
	int scope, ret, n = 0;

	kind = next_word(&p);
	scope_word = next_word(&p);
	action = next_word(&p);
	if (!action) {
		snprintf(err, errlen, "expected 'filter|devices SCOPE allow|deny ...'");
		return -EINVAL;
	}
	if (!strcmp(kind, "devices")) {
		while (n < 8 && (words[n] = next_word(&p)))
			n++;
		return policy_devices_line(pol, scope_word, action, n, words, err, errlen);
	}
	if (!strcmp(kind, "forward")) {
		if (pol->nfwd == FWD_POLICY_MAX) {
			snprintf(err, errlen, "more than %d forward lines", FWD_POLICY_MAX);
			return -ENOSPC;
		}
		ret = fwd_policy_parse(&pol->fwd[pol->nfwd], scope_word, action, p, err, errlen);
		pol->nfwd += !ret;
		return ret;
	}
	if (strcmp(kind, "filter")) {
		snprintf(err, errlen,
			 "unknown rule kind '%s': lines start with filter, devices or forward",
			 kind);
		return -EINVAL;
	}
	ret = filter_scope_split(scope_word, &scope, &arg, err, errlen);
	if (ret)
		return ret;
	p += strspn(p, " \t");
	ret = filter_rule_make(&pol->filter, &r, scope, arg, action, p, flags, err, errlen);
	if (ret)
		return ret;
	r.id = id;
	return filter_set_append(&pol->filter, &r, err, errlen);
}

int policy_parse_file(const char *path, struct policy *pol, unsigned int flags, __u32 first_id,
		      char *err, size_t errlen)
{
	char line[LINE_MAX_LEN], why[256];
	unsigned int lineno = 0;
	FILE *f = fopen(path, "re");
	int ret = 0;

	memset(pol, 0, sizeof(*pol));
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -errno;
	}
	while (fgets(line, sizeof(line), f)) {
		size_t len = strlen(line);
		char *s;

		lineno++;
		if (len && line[len - 1] == '\n') {
			line[--len] = '\0';
		} else if (!feof(f)) {
			snprintf(err, errlen, "%s:%u: line longer than %d bytes", path, lineno,
				 LINE_MAX_LEN - 2);
			ret = -EINVAL;
			break;
		}
		s = line + strspn(line, " \t\r");
		if (!*s || *s == '#')
			continue;
		s[strcspn(s, "\r")] = '\0';
		ret = parse_line(s, pol, flags, first_id + pol->filter.nrules, why, sizeof(why));
		if (ret) {
			snprintf(err, errlen, "%s:%u: %s", path, lineno, why);
			break;
		}
	}
	if (!ret && ferror(f)) { /* a directory opens, then read() fails with EISDIR */
		ret = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
	}
	fclose(f);
	return ret;
}
