// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common.h"
#include "cgroupfs.h"
#include "filter_policy.h"
#include "filter_eval.h"
#include "match.h"
#include "nsnames.h"

static const char *const scope_names[] = {
    [FILTER_SCOPE_NETNS] = "netns",
    [FILTER_SCOPE_CGROUP] = "cgroup",
    [FILTER_SCOPE_PID] = "pid",
};

const char *filter_scope_name(int scope)
{
	return scope > 0 && scope <= FILTER_SCOPE_PID ? scope_names[scope] : "?";
}

const char *filter_action_name(int action)
{
	return action == FILTER_ALLOW ? "allow" : action == FILTER_DENY ? "deny" : "?";
}

int filter_scope_split(const char *word, int *scope, const char **arg, char *err, size_t errlen)
{
	int s;

	for (s = FILTER_SCOPE_NETNS; s <= FILTER_SCOPE_PID; s++) {
		size_t n = strlen(scope_names[s]);

		if (!strncmp(word, scope_names[s], n) && word[n] == '=') {
			if (!word[n + 1])
				break;
			*scope = s;
			*arg = word + n + 1;
			return 0;
		}
	}
	snprintf(err, errlen, "bad scope '%s': write netns=NS, cgroup=PATH or pid=PID", word);
	return -EINVAL;
}

static int resolve_scope(struct filter_rule *r, int scope, const char *arg, char *err,
			 size_t errlen)
{
	uint64_t v;
	int level;

	r->scope = scope;
	switch (scope) {
	case FILTER_SCOPE_NETNS:
		return netns_resolve(arg, &r->netns_ino, err, errlen);
	case FILTER_SCOPE_CGROUP:
		if (cgroup_resolve(arg, &v, &level, err, errlen))
			return -ENOENT;
		if (level >= FILTER_CG_DEPTH) {
			snprintf(err, errlen,
				 "cgroup '%s' is %d levels deep; at most %d are supported", arg,
				 level, FILTER_CG_DEPTH - 1);
			return -EINVAL;
		}
		r->cgroup_id = v;
		r->cgroup_level = level;
		return 0;
	case FILTER_SCOPE_PID:
		if (!parse_u64(arg, &v) || !v || v > INT32_MAX) {
			snprintf(err, errlen, "pid '%s' is not a process id", arg);
			return -EINVAL;
		}
		r->pid = v;
		return 0;
	}
	snprintf(err, errlen, "unknown scope");
	return -EINVAL;
}

/*
 * One fnmatch(3) alternative -> what the kernel compares. The BPF side has no
 * backtracking matcher, so a '*' may only open or close the pattern (or be all
 * of it); '?' and '[...]' are refused rather than approximated.
 */
static int compile_alt(const char *key, const char *pat, struct filter_alt *alt, char *err,
		       size_t errlen)
{
	size_t i = 0, n = 0, plen = strlen(pat);
	bool lead = false, trail = false;

	memset(alt, 0, sizeof(*alt));
	if (!strcmp(pat, "*")) {
		alt->kind = FILTER_ALT_ANY;
		return 0;
	}
	if (pat[0] == '*') {
		lead = true;
		i = 1;
	}
	if (plen > i && pat[plen - 1] == '*' && (plen < 2 || pat[plen - 2] != '\\')) {
		trail = true;
		plen--;
	}
	for (; i < plen; i++) {
		char c = pat[i];

		if (c == '\\' && i + 1 < plen)
			c = pat[++i];
		else if (c == '*' || c == '?' || c == '[')
			goto unsupported;
		if (n == FILTER_STR_LEN) {
			snprintf(err, errlen, "pattern '%s' of %s is longer than %d bytes", pat,
				 key, FILTER_STR_LEN);
			return -EINVAL;
		}
		alt->str[n++] = c;
	}
	if (lead && trail)
		goto unsupported;
	alt->len = n;
	alt->kind = lead ? FILTER_ALT_SUFFIX : trail ? FILTER_ALT_PREFIX : FILTER_ALT_EXACT;
	return 0;
unsupported:
	snprintf(err, errlen,
		 "pattern '%s' of %s cannot be evaluated in the kernel: use a literal, "
		 "PREFIX*, *SUFFIX or * (alternatives with |)",
		 pat, key);
	return -EINVAL;
}

static int key_index(struct filter_key *keys, unsigned int *nkeys, const char *name, char *err,
		     size_t errlen)
{
	size_t len = strlen(name);
	unsigned int k;

	if (len >= FILTER_KEY_LEN) {
		snprintf(err, errlen, "key '%.40s' is longer than %d bytes", name,
			 FILTER_KEY_LEN - 1);
		return -EINVAL;
	}
	for (k = 0; k < *nkeys; k++)
		if (!strcmp(keys[k].name, name))
			return k;
	if (*nkeys == FILTER_MAX_KEYS) {
		snprintf(err, errlen, "the policy uses more than %d distinct keys",
			 FILTER_MAX_KEYS);
		return -ENOSPC;
	}
	memset(&keys[k], 0, sizeof(keys[k]));
	memcpy(keys[k].name, name, len);
	keys[k].len = len;
	(*nkeys)++;
	return k;
}

static int compile_match(struct filter_set *set, struct filter_rule *r, const char *expr, char *err,
			 size_t errlen)
{
	struct filter_key keys[FILTER_MAX_KEYS];
	unsigned int nkeys = set->nkeys, i, a, nalts;
	struct match_list *ml = match_list_new();
	const char *const *alts;
	const char *key;
	bool negate;
	int ret = 0, k;

	if (!ml)
		return -ENOMEM;
	memcpy(keys, set->keys, sizeof(keys));
	if (strspn(expr, " \t") != strlen(expr))
		ret = match_list_add(ml, expr, err, errlen);
	if (!ret && match_list_count(ml) > FILTER_MAX_TERMS) {
		snprintf(err, errlen, "%u terms; a rule takes at most %d", match_list_count(ml),
			 FILTER_MAX_TERMS);
		ret = -EINVAL;
	}
	for (i = 0; !ret && match_list_term(ml, i, &key, &negate, &alts, &nalts); i++) {
		struct filter_term *t = &r->terms[i];

		if (nalts > FILTER_MAX_ALTS) {
			snprintf(err, errlen, "%s has %u alternatives; at most %d", key, nalts,
				 FILTER_MAX_ALTS);
			ret = -EINVAL;
			break;
		}
		k = key_index(keys, &nkeys, key, err, errlen);
		if (k < 0) {
			ret = k;
			break;
		}
		t->key_idx = k;
		t->negate = negate;
		t->nalts = nalts;
		for (a = 0; !ret && a < nalts; a++)
			ret = compile_alt(key, alts[a], &t->alts[a], err, errlen);
	}
	if (!ret) {
		r->nterms = i;
		memcpy(set->keys, keys, sizeof(keys));
		set->nkeys = nkeys;
	}
	match_list_free(ml);
	return ret;
}

int filter_rule_make(struct filter_set *set, struct filter_rule *r, int scope, const char *arg,
		     const char *action, const char *expr, unsigned int flags, char *err,
		     size_t errlen)
{
	int ret;

	memset(r, 0, sizeof(*r));
	if (!strcmp(action, "allow")) {
		r->action = FILTER_ALLOW;
	} else if (!strcmp(action, "deny")) {
		r->action = FILTER_DENY;
	} else {
		snprintf(err, errlen, "action '%s' is neither allow nor deny", action);
		return -EINVAL;
	}
	r->flags = flags;
	ret = resolve_scope(r, scope, arg, err, errlen);
	if (ret)
		return ret;
	ret = compile_match(set, r, expr, err, errlen);
	if (ret)
		return ret;
	if ((size_t)snprintf(r->text, sizeof(r->text), "%s=%s %s %s", filter_scope_name(scope), arg,
			     action, expr) >= sizeof(r->text)) {
		snprintf(err, errlen, "rule longer than %d bytes", FILTER_TEXT_LEN - 1);
		return -EINVAL;
	}
	return 0;
}

int filter_set_append(struct filter_set *set, const struct filter_rule *r, char *err, size_t errlen)
{
	if (set->nrules == FILTER_MAX_RULES) {
		snprintf(err, errlen, "the policy already has %d rules, the most it can hold",
			 FILTER_MAX_RULES);
		return -ENOSPC;
	}
	set->rules[set->nrules++] = *r;
	return 0;
}

int filter_set_remove(struct filter_set *set, __u32 id)
{
	struct filter_key keys[FILTER_MAX_KEYS];
	unsigned int i, t, nkeys = 0;
	int k;

	for (i = 0; i < set->nrules && set->rules[i].id != id; i++)
		;
	if (i == set->nrules)
		return -ENOENT;
	memmove(&set->rules[i], &set->rules[i + 1], (set->nrules - i - 1) * sizeof(set->rules[0]));
	set->nrules--;
	/* Keys only the removed rule used would fill the table over time: renumber. */
	for (i = 0; i < set->nrules; i++) {
		for (t = 0; t < set->rules[i].nterms; t++) {
			struct filter_term *term = &set->rules[i].terms[t];

			k = key_index(keys, &nkeys, set->keys[term->key_idx].name, NULL, 0);
			term->key_idx = k < 0 ? 0 : k; /* cannot fail: fewer keys than before */
		}
	}
	memcpy(set->keys, keys, sizeof(keys));
	set->nkeys = nkeys;
	return 0;
}

bool filter_rule_in_scope(const struct filter_rule *r, const struct filter_sock_facts *f)
{
	return in_scope(r, f); /* the kernel's own test (bpf/filter_eval.h) */
}
