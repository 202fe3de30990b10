// SPDX-License-Identifier: GPL-2.0
/*
 * Just enough JSON to read a runtime's device rules: a scanner that skips
 * values and finds object members, no tree. Malformed input ends a search
 * with "not found", never with a read past the text's NUL.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "attach_json.h"

static const char *ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

/* Past one string starting at '"', or NULL. */
static const char *skip_str(const char *p)
{
	for (p++; *p && *p != '"'; p++)
		if (*p == '\\' && !*++p)
			return NULL;
	return *p ? p + 1 : NULL;
}

/* Past one value, or NULL. */
static const char *skip_val(const char *p)
{
	int depth = 0;

	p = ws(p);
	if (*p == '"')
		return skip_str(p);
	if (*p != '{' && *p != '[') {
		while (*p && !strchr(",}] \t\r\n", *p))
			p++;
		return p;
	}
	do {
		if (!*p)
			return NULL;
		if (*p == '"') {
			p = skip_str(p);
			if (!p)
				return NULL;
			continue;
		}
		if (*p == '{' || *p == '[')
			depth++;
		else if (*p == '}' || *p == ']')
			depth--;
		p++;
	} while (depth > 0);
	return p;
}

/* The value of member key in the object at p ('{'), or NULL. */
static const char *member(const char *p, const char *key)
{
	size_t klen = strlen(key);

	p = ws(p);
	if (*p != '{')
		return NULL;
	p = ws(p + 1);
	while (*p == '"') {
		const char *k = p + 1, *end = skip_str(p);

		if (!end)
			return NULL;
		p = ws(end);
		if (*p != ':')
			return NULL;
		p = ws(p + 1);
		if ((size_t)(end - 1 - k) == klen && !strncmp(k, key, klen))
			return p;
		p = skip_val(p);
		if (!p)
			return NULL;
		p = ws(p);
		if (*p == ',')
			p = ws(p + 1);
	}
	return NULL;
}

static long num_or(const char *v, long dflt)
{
	char *end;
	long n;

	if (!v)
		return dflt;
	n = strtol(v, &end, 10);
	return end == v ? dflt : n;
}

static void str_into(const char *v, char *buf, size_t len)
{
	const char *end;
	size_t n;

	buf[0] = '\0';
	if (!v || *v != '"' || !(end = skip_str(v)))
		return;
	n = end - v - 2;
	if (n >= len)
		n = len - 1;
	memcpy(buf, v + 1, n);
	buf[n] = '\0';
}

int att_json_devices(const char *text, const char *const *path, size_t depth, bool runc,
		     struct att_json_dev *out, size_t max, size_t *n)
{
	const char *p = text;
	size_t i;

	*n = 0;
	for (i = 0; p && i < depth; i++)
		p = member(p, path[i]);
	if (!p || *(p = ws(p)) != '[')
		return -ENOENT;
	p = ws(p + 1);
	while (*p == '{' && *n < max) {
		struct att_json_dev *d = &out[*n];
		const char *v;
		char t[8];

		memset(d, 0, sizeof(*d));
		if (runc) {
			/* libcontainer: "type": 97 ('a'), "permissions": "rwm" */
			d->type = (char)num_or(member(p, "type"), 'a');
			str_into(member(p, "permissions"), d->access, sizeof(d->access));
		} else {
			/* OCI: "type": "c", absent = all; "access": "rwm" */
			str_into(member(p, "type"), t, sizeof(t));
			d->type = t[0] ? t[0] : 'a';
			str_into(member(p, "access"), d->access, sizeof(d->access));
		}
		d->major = num_or(member(p, "major"), -1);
		d->minor = num_or(member(p, "minor"), -1);
		v = member(p, "allow");
		d->allow = v && !strncmp(v, "true", 4);
		if (!d->access[0])
			snprintf(d->access, sizeof(d->access), "rwm");
		if (d->type == 'a' || d->type == 'b' || d->type == 'c')
			(*n)++;
		p = skip_val(p);
		if (!p)
			return -EINVAL;
		p = ws(p);
		if (*p == ',')
			p = ws(p + 1);
	}
	return 0;
}

static char *slurp(const char *fn)
{
	FILE *f = fopen(fn, "re");
	char *buf = NULL;
	size_t len = 0, cap = 0, got;

	if (!f)
		return NULL;
	do {
		if (cap - len < 4096) {
			char *nb = realloc(buf, cap += 65536);

			if (!nb) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
		}
		got = fread(buf + len, 1, cap - len - 1, f);
		len += got;
	} while (got);
	fclose(f);
	buf[len] = '\0';
	return buf;
}

static bool is_ours(const char *text, pid_t pid, const char *cgroup, bool runc)
{
	static const char *const rpath[] = {"config", "cgroups", "path"};
	const char *v = runc ? member(text, "init_process_pid") : member(text, "pid");
	char path[512];

	if (v && num_or(v, 0) == pid)
		return true;
	if (!runc || !(v = member(text, rpath[0])) || !(v = member(v, rpath[1])))
		return false;
	str_into(member(v, rpath[2]), path, sizeof(path));
	return path[0] && !strcmp(path, cgroup);
}

const char *att_runtime_root;

int att_runtime_devices(pid_t pid, const char *cgroup, struct att_json_dev *out, size_t max,
			size_t *n, char *src, size_t srclen)
{
	static const char *const runc_path[] = {"config", "cgroups", "devices"};
	static const char *const oci_path[] = {"linux", "resources", "devices"};
	const char *roots[] = {"/run/runc", "/run/crun", att_runtime_root};
	char fn[1024], *text;
	struct dirent *de;
	size_t r;
	int rc = -ENOENT;

	for (r = 0; r < 3 && rc; r++) {
		DIR *dir = roots[r] ? opendir(roots[r]) : NULL;

		while (dir && rc && (de = readdir(dir))) {
			char probe[1024];
			bool runc;

			/* --runtime-root may be either runtime's: runc keeps state.json. */
			snprintf(probe, sizeof(probe), "%s/%s/state.json", roots[r], de->d_name);
			runc = r == 0 || (r == 2 && !access(probe, F_OK));

			if (de->d_name[0] == '.')
				continue;
			snprintf(fn, sizeof(fn), "%s/%s/%s", roots[r], de->d_name,
				 runc ? "state.json" : "status");
			text = slurp(fn);
			if (!text)
				continue;
			if (is_ours(text, pid, cgroup, runc)) {
				if (!runc) {
					free(text);
					snprintf(fn, sizeof(fn), "%s/%s/config.json", roots[r],
						 de->d_name);
					text = slurp(fn);
				}
				if (text)
					rc = att_json_devices(text, runc ? runc_path : oci_path, 3,
							      runc, out, max, n);
				if (!rc)
					snprintf(src, srclen, "%s", fn);
			}
			free(text);
		}
		if (dir)
			closedir(dir);
	}
	return rc;
}
