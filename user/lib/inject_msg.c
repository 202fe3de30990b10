// SPDX-License-Identifier: GPL-2.0
/* Building and parsing uevent messages for injection: no sockets here. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "inject.h"
#include "udev_monitor.h"

static int check_token(const char *what, const char *s, bool path, char *err, size_t errlen)
{
	if (!s || !*s) {
		snprintf(err, errlen, "empty %s", what);
		return -EINVAL;
	}
	if (path && s[0] != '/') {
		snprintf(err, errlen, "%s '%s' does not start with '/'", what, s);
		return -EINVAL;
	}
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p < 0x20 || *p == 0x7f || (!path && (*p == ' ' || *p == '@' || *p == '='))) {
			snprintf(err, errlen, "%s '%s' has a forbidden character (0x%02x)", what, s,
				 *p);
			return -EINVAL;
		}
	}
	return 0;
}

int inject_check_env(const char *kv, char *err, size_t errlen)
{
	const char *eq = strchr(kv, '=');

	if (!eq || eq == kv) {
		snprintf(err, errlen, "'%s' is not KEY=VALUE", kv);
		return -EINVAL;
	}
	for (const unsigned char *p = (const unsigned char *)kv; *p; p++) {
		bool in_key = (const char *)p < eq;

		if (*p < 0x20 ? *p != '\t' || in_key : *p == 0x7f || (in_key && *p == ' ')) {
			snprintf(err, errlen, "'%s' has a forbidden character (0x%02x) in its %s",
				 kv, *p, in_key ? "key" : "value");
			return -EINVAL;
		}
	}
	return 0;
}

static bool has_key(const char *kv, const char *key)
{
	size_t n = strlen(key);

	return !strncmp(kv, key, n) && kv[n] == '=';
}

int inject_validate(const struct uevent_msg *m, enum inject_format fmt, char *err, size_t errlen)
{
	bool sub = false;
	int r;

	r = check_token("action", m->action, false, err, errlen);
	if (!r)
		r = check_token("devpath", m->devpath, true, err, errlen);
	for (size_t i = 0; !r && i < m->n_env; i++) {
		r = inject_check_env(m->env[i], err, errlen);
		sub |= has_key(m->env[i], "SUBSYSTEM");
	}
	if (!r && (fmt & INJECT_UDEV) && !sub) {
		/* device_verify() in sd-device drops a device without one. */
		snprintf(err, errlen, "the udev format needs SUBSYSTEM=");
		r = -EINVAL;
	}
	return r;
}

uint64_t inject_seqnum_now(void)
{
	unsigned long long v = 0;
	FILE *f = fopen("/sys/kernel/uevent_seqnum", "re");

	if (!f)
		return 0;
	if (fscanf(f, "%llu", &v) != 1)
		v = 0;
	fclose(f);
	return v;
}

static void put_kv(struct strbuf *sb, const char *a, const char *b, const char *c)
{
	sb_puts(sb, a);
	sb_puts(sb, b);
	sb_putn(sb, c, strlen(c) + 1);
}

static int build(const struct uevent_msg *m, enum inject_format fmt, struct strbuf *out)
{
	const char *props[INJECT_MAX_ENV + 3];
	char action[300], devpath[PATH_MAX + 16], seq[32];
	size_t n = 0;
	bool have_seq = false;

	sb_reset(out);
	if (fmt == INJECT_KERNEL) {
		put_kv(out, m->action, "@", m->devpath);
		put_kv(out, "ACTION=", m->action, "");
		put_kv(out, "DEVPATH=", m->devpath, "");
		for (size_t i = 0; i < m->n_env; i++) {
			const char *kv = m->env[i];

			/* The kernel appends its own SEQNUM; the header's ACTION/DEVPATH win. */
			if (has_key(kv, "SEQNUM") || has_key(kv, "ACTION") ||
			    has_key(kv, "DEVPATH"))
				continue;
			sb_putn(out, kv, strlen(kv) + 1);
		}
		return out->len > INJECT_KERNEL_PAYLOAD_MAX ? -E2BIG : 0;
	}
	if (m->n_env > INJECT_MAX_ENV)
		return -E2BIG;
	snprintf(action, sizeof(action), "ACTION=%s", m->action);
	snprintf(devpath, sizeof(devpath), "DEVPATH=%s", m->devpath);
	props[n++] = action;
	props[n++] = devpath;
	for (size_t i = 0; i < m->n_env; i++) {
		if (has_key(m->env[i], "ACTION") || has_key(m->env[i], "DEVPATH"))
			continue;
		have_seq |= has_key(m->env[i], "SEQNUM");
		props[n++] = m->env[i];
	}
	if (!have_seq) {
		uint64_t s = inject_seqnum_now();

		/* sd-device drops a message without a SEQNUM, or with 0. */
		snprintf(seq, sizeof(seq), "SEQNUM=%llu", (unsigned long long)(s ? s : 1));
		props[n++] = seq;
	}
	udev_monitor_build(props, n, out);
	return out->len > INJECT_UDEV_PAYLOAD_MAX ? -E2BIG : 0;
}

int inject_build(const struct uevent_msg *m, enum inject_format fmt, struct strbuf *out)
{
	char err[256];
	int r;

	if (fmt != INJECT_KERNEL && fmt != INJECT_UDEV)
		return -EINVAL;
	r = inject_validate(m, fmt, err, sizeof(err));
	return r ? r : build(m, fmt, out);
}

void uevent_msg_buf_init(struct uevent_msg_buf *b, const char *action, const char *devpath)
{
	size_t al = strnlen(action, 255), dl = strnlen(devpath, PATH_MAX);

	memcpy(b->data, action, al);
	b->data[al] = '\0';
	memcpy(b->data + al + 1, devpath, dl);
	b->data[al + 1 + dl] = '\0';
	b->used = al + dl + 2;
	b->msg.action = b->data;
	b->msg.devpath = b->data + al + 1;
	b->msg.env = b->envp;
	b->msg.n_env = 0;
}

int uevent_msg_buf_add(struct uevent_msg_buf *b, const char *kv, const char *val)
{
	size_t kl = strlen(kv), vl = val ? strlen(val) + 1 : 0;
	char *p = b->data + b->used;

	if (b->msg.n_env >= INJECT_MAX_ENV || b->used + kl + vl + 1 > sizeof(b->data))
		return -E2BIG;
	memcpy(p, kv, kl);
	if (val) {
		p[kl] = '=';
		memcpy(p + kl + 1, val, vl);
	} else {
		p[kl] = '\0';
	}
	b->used += kl + vl + 1;
	b->envp[b->msg.n_env++] = p;
	return 0;
}

static void set_str(struct uevent_msg_buf *b, const char **field, const char *s)
{
	/* Re-point action or devpath at a copy in data (it may not fit: leave it empty). */
	size_t n = strlen(s) + 1;

	if (b->used + n > sizeof(b->data)) {
		*field = "";
		return;
	}
	memcpy(b->data + b->used, s, n);
	*field = b->data + b->used;
	b->used += n;
}

int inject_msg_parse(const char *buf, size_t len, struct uevent_msg_buf *out, char *err,
		     size_t errlen)
{
	char sep = memchr(buf, '\0', len) ? '\0' : '\n';
	char item[INJECT_UDEV_PAYLOAD_MAX];
	size_t off = 0, lineno = 0;
	bool first = true;
	int r;

	uevent_msg_buf_init(out, "", "");
	while (off < len) {
		const char *e = memchr(buf + off, sep, len - off);
		size_t n = (e ? (size_t)(e - buf) : len) - off;

		lineno++;
		if (n >= sizeof(item)) {
			snprintf(err, errlen, "item %zu is longer than %zu bytes", lineno,
				 sizeof(item) - 1);
			return -E2BIG;
		}
		memcpy(item, buf + off, n);
		item[n] = '\0';
		off += n + 1;
		if (n && item[n - 1] == '\r')
			item[--n] = '\0';
		if (!n)
			continue;
		if (first && !strchr(item, '=') && strchr(item, '@')) {
			char *at = strchr(item, '@');

			*at = '\0';
			set_str(out, &out->msg.action, item);
			set_str(out, &out->msg.devpath, at + 1);
			first = false;
			continue;
		}
		first = false;
		r = inject_check_env(item, err, errlen);
		if (r) {
			size_t l = strlen(err);

			snprintf(err + l, errlen - l, " (item %zu)", lineno);
			return r;
		}
		if (has_key(item, "ACTION")) {
			if (!*out->msg.action)
				set_str(out, &out->msg.action, item + 7);
			continue;
		}
		if (has_key(item, "DEVPATH")) {
			if (!*out->msg.devpath)
				set_str(out, &out->msg.devpath, item + 8);
			continue;
		}
		if (uevent_msg_buf_add(out, item, NULL)) {
			snprintf(err, errlen, "too many properties (at most %d)", INJECT_MAX_ENV);
			return -E2BIG;
		}
	}
	if (!*out->msg.action || !*out->msg.devpath) {
		snprintf(err, errlen,
			 "payload has no %s (give ACTION@DEVPATH or ACTION= and DEVPATH=)",
			 *out->msg.action ? "DEVPATH" : "ACTION");
		return -EINVAL;
	}
	return 0;
}

int inject_msg_from_sysfs(const char *syspath, const char *action, struct uevent_msg_buf *out)
{
	char real[PATH_MAX], path[PATH_MAX + 16], link[PATH_MAX], line[4096];
	const char *sub;
	ssize_t n;
	FILE *f;
	int r = 0;

	if (!realpath(syspath, real))
		return -errno;
	if (strncmp(real, "/sys/", 5))
		return -EINVAL;
	snprintf(path, sizeof(path), "%s/uevent", real);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	uevent_msg_buf_init(out, action, real + 4);
	snprintf(path, sizeof(path), "%s/subsystem", real);
	n = readlink(path, link, sizeof(link) - 1);
	if (n > 0) {
		link[n] = '\0';
		sub = strrchr(link, '/');
		r = uevent_msg_buf_add(out, "SUBSYSTEM", sub ? sub + 1 : link);
	}
	while (!r && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0] && strchr(line, '='))
			r = uevent_msg_buf_add(out, line, NULL);
	}
	fclose(f);
	return r;
}
