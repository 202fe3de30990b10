// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "uevent.h"

/* Which well-known keys were already taken: the first occurrence wins, as in uevent_get(). */
struct uev_seen {
	bool action, devpath, subsystem, seqnum;
};

/* Strict decimal: digits only, at least one, no overflow. */
static bool uev_parse_u64(const char *s, unsigned long long *out)
{
	unsigned long long v = 0;
	unsigned int d;

	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		d = (unsigned int)(*s - '0');
		if (v > (ULLONG_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

/* Splits "ACTION@DEVPATH" in place; false if seg is not a header. */
static bool uev_parse_header(char *seg, struct uevent *ev)
{
	char *at = strchr(seg, '@');
	char *eq;

	if (!at)
		return false;
	eq = memchr(seg, '=', (size_t)(at - seg));
	if (eq)
		return false;
	*at = '\0';
	ev->action = seg;
	ev->devpath = at + 1;
	ev->has_header = true;
	return true;
}

static void uev_note_known(struct uevent *ev, struct uev_seen *seen, const char *key,
			   const char *val)
{
	/* Every property passes here: rule most out on their first letter. */
	if (key[0] != 'A' && key[0] != 'D' && key[0] != 'S')
		return;
	if (!seen->action && !strcmp(key, "ACTION")) {
		ev->action = val;
		seen->action = true;
	} else if (!seen->devpath && !strcmp(key, "DEVPATH")) {
		ev->devpath = val;
		seen->devpath = true;
	} else if (!seen->subsystem && !strcmp(key, "SUBSYSTEM")) {
		ev->subsystem = val;
		seen->subsystem = true;
	} else if (!seen->seqnum && !strcmp(key, "SEQNUM")) {
		ev->has_seqnum = uev_parse_u64(val, &ev->seqnum);
		if (!ev->has_seqnum)
			ev->seqnum = 0;
		seen->seqnum = true;
	}
}

static void uev_parse_prop(char *seg, struct uevent *ev, struct uev_seen *seen)
{
	char *eq = strchr(seg, '=');

	if (!eq || eq == seg) {
		ev->malformed++;
		return;
	}
	/* Known fields come from stored properties only, so uevent_get() agrees with them. */
	if (ev->nprops >= UEV_MAX_PROPS) {
		ev->dropped_props++;
		return;
	}
	*eq = '\0';
	ev->props[ev->nprops].key = seg;
	ev->props[ev->nprops].val = eq + 1;
	ev->nprops++;
	uev_note_known(ev, seen, seg, eq + 1);
}

int uevent_parse(char *buf, size_t len, struct uevent *ev)
{
	struct uev_seen seen = {0};
	bool first = true;
	char *p, *end;
	size_t n;

	ev->action = "";
	ev->devpath = "";
	ev->subsystem = "";
	ev->seqnum = 0;
	ev->has_seqnum = false;
	ev->has_header = false;
	ev->truncated = false;
	ev->nprops = 0;
	ev->dropped_props = 0;
	ev->malformed = 0;
	if (!buf)
		return -EINVAL;
	/* The sentinel bounds every strlen()/strchr() below to the payload. */
	buf[len] = '\0';
	if (!len)
		return -EINVAL;
	ev->truncated = buf[len - 1] != '\0';
	end = buf + len;
	for (p = buf; p < end; p += n + 1) {
		n = strlen(p);
		if (!n)
			continue;
		if (!(first && uev_parse_header(p, ev)))
			uev_parse_prop(p, ev, &seen);
		first = false;
	}
	if (!ev->has_header && !ev->nprops)
		return -EINVAL;
	return 0;
}

const char *uevent_get(const struct uevent *ev, const char *key)
{
	unsigned int i;

	for (i = 0; i < ev->nprops; i++)
		if (!strcmp(ev->props[i].key, key))
			return ev->props[i].val;
	/* Absent from the properties, so these still hold the header's parts. */
	if (ev->has_header) {
		if (!strcmp(key, "ACTION"))
			return ev->action;
		if (!strcmp(key, "DEVPATH"))
			return ev->devpath;
	}
	return NULL;
}
