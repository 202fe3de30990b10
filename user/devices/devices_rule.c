// SPDX-License-Identifier: GPL-2.0
/* Parsing and printing device rules: "c|b|a MAJOR:MINOR|*:*|* [r][w][m]". */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "cgroupfs.h"
#include "common.h"
#include "devices.h"

/* A major or minor number: "*" or a decimal the kernel can hold (MINORBITS = 20, majors 12 bits).
 */
static bool parse_devnum(const char *s, int32_t *out, uint64_t max)
{
	uint64_t v;

	if (!strcmp(s, "*")) {
		*out = DEV_ANY;
		return true;
	}
	if (!parse_u64(s, &v) || v > max)
		return false;
	*out = (int32_t)v;
	return true;
}

int dev_rule_parse_spec(int argc, char **argv, struct dev_rule *rule, char *err, size_t errlen)
{
	char num[32], *colon;
	const char *a;

	if (argc != 3) {
		snprintf(err, errlen,
			 "a device rule is TYPE MAJOR:MINOR ACCESS (e.g. 'c 1:3 rwm'), "
			 "got %d word%s",
			 argc, argc == 1 ? "" : "s");
		return -EINVAL;
	}
	if (strlen(argv[0]) != 1 || !strchr("cba", argv[0][0])) {
		snprintf(err, errlen, "bad device type '%s': use c (char), b (block) or a (both)",
			 argv[0]);
		return -EINVAL;
	}
	rule->type = argv[0][0];
	if (!strcmp(argv[1], "*")) {
		rule->major = rule->minor = DEV_ANY;
	} else {
		snprintf(num, sizeof(num), "%s", argv[1]);
		colon = strchr(num, ':');
		if (strlen(argv[1]) >= sizeof(num) || !colon) {
			snprintf(err, errlen,
				 "bad device number '%s': use MAJOR:MINOR, e.g. 1:3, 8:*, *:*",
				 argv[1]);
			return -EINVAL;
		}
		*colon = '\0';
		if (!parse_devnum(num, &rule->major, 4095) ||
		    !parse_devnum(colon + 1, &rule->minor, (1u << 20) - 1)) {
			snprintf(err, errlen,
				 "bad device number '%s': MAJOR (0-4095) and MINOR (0-1048575) are "
				 "decimal numbers or *",
				 argv[1]);
			return -EINVAL;
		}
	}
	rule->access = 0;
	for (a = argv[2]; *a; a++) {
		uint16_t bit = *a == 'r'   ? DEV_ACC_READ
			       : *a == 'w' ? DEV_ACC_WRITE
			       : *a == 'm' ? DEV_ACC_MKNOD
					   : 0;

		if (!bit || (rule->access & bit)) {
			snprintf(err, errlen,
				 "bad access '%s': use some of r (read), w (write), m (mknod), "
				 "each once",
				 argv[2]);
			return -EINVAL;
		}
		rule->access |= bit;
	}
	if (!rule->access) {
		snprintf(err, errlen, "empty access: use some of r, w, m");
		return -EINVAL;
	}
	return 0;
}

/* As /proc/PID/cgroup shows it: relative to the cgroup2 mount, leading '/', no trailing one. */
static void normalize_cgroup(char *out, size_t len, const char *path)
{
	const char *root = cgroup2_mount();
	size_t rlen = root ? strlen(root) : 0, n;

	if (root && !strncmp(path, root, rlen) && (path[rlen] == '/' || !path[rlen]))
		path += rlen;
	while (path[0] == '/' && path[1] == '/')
		path++;
	snprintf(out, len, "%s%s", path[0] == '/' ? "" : "/", path);
	n = strlen(out);
	while (n > 1 && out[n - 1] == '/')
		out[--n] = '\0';
}

int dev_rule_parse(const char *cgroup_path, bool allow, int argc, char **argv,
		   struct dev_rule *rule, char *err, size_t errlen)
{
	int level, rc;

	memset(rule, 0, sizeof(*rule));
	rule->allow = allow;
	rc = dev_rule_parse_spec(argc, argv, rule, err, errlen);
	if (rc)
		return rc;
	if (!cgroup_path || !*cgroup_path) {
		snprintf(err, errlen, "a device rule needs a cgroup (--cgroup PATH)");
		return -EINVAL;
	}
	if (strlen(cgroup_path) >= sizeof(rule->cgroup)) {
		snprintf(err, errlen, "cgroup path too long (at most %zu bytes)",
			 sizeof(rule->cgroup) - 1);
		return -ENAMETOOLONG;
	}
	rc = cgroup_resolve(cgroup_path, &rule->cgroup_id, &level, err, errlen);
	if (rc)
		return rc;
	normalize_cgroup(rule->cgroup, sizeof(rule->cgroup), cgroup_path);
	return 0;
}

static void format_num(char *buf, size_t len, int32_t v)
{
	if (v == DEV_ANY)
		snprintf(buf, len, "*");
	else
		snprintf(buf, len, "%d", v);
}

void dev_rule_format(const struct dev_rule *rule, char *buf, size_t len)
{
	char maj[16], min[16];

	format_num(maj, sizeof(maj), rule->major);
	format_num(min, sizeof(min), rule->minor);
	snprintf(buf, len, "%c %s:%s %s%s%s", rule->type, maj, min,
		 rule->access & DEV_ACC_READ ? "r" : "", rule->access & DEV_ACC_WRITE ? "w" : "",
		 rule->access & DEV_ACC_MKNOD ? "m" : "");
}

bool dev_rule_same(const struct dev_rule *a, const struct dev_rule *b)
{
	return a->cgroup_id == b->cgroup_id && a->type == b->type && a->major == b->major &&
	       a->minor == b->minor && a->access == b->access && a->allow == b->allow;
}

void dev_rule_to_bpf(const struct dev_rule *rule, struct dev_rule_bpf *out)
{
	memset(out, 0, sizeof(*out));
	out->cgroup_id = rule->cgroup_id;
	out->major = rule->major;
	out->minor = rule->minor;
	out->types = rule->type == 'c'	 ? DEV_TYPE_CHAR
		     : rule->type == 'b' ? DEV_TYPE_BLOCK
					 : DEV_TYPE_ANY;
	out->access = rule->access;
	out->allow = rule->allow;
}
