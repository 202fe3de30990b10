// SPDX-License-Identifier: GPL-2.0
/*
 * The state file of `uevscope attach` and its journal (hotplug.h): tab-separated,
 * one device a line.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include "hotplug.h"

static void copy_field(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src && *src ? src : "-");
}

int hotplug_parse(char *line, struct hotplug_entry *e)
{
	char *f[12], *save = NULL, *tok;
	int n = 0;

	line[strcspn(line, "\n")] = '\0';
	for (tok = strtok_r(line, "\t", &save); tok && n < 12; tok = strtok_r(NULL, "\t", &save))
		f[n++] = tok;
	/* A file of an older uevscope has no 12th field (sysino): 0, unknown. */
	if (n < 11 || (f[3][0] != 'c' && f[3][0] != 'b'))
		return -EINVAL;
	memset(e, 0, sizeof(*e));
	copy_field(e->cgroup, sizeof(e->cgroup), f[0]);
	e->pid = strtoul(f[1], NULL, 10);
	e->netns = strtoul(f[2], NULL, 10);
	e->type = f[3][0];
	e->major = strtoul(f[4], NULL, 10);
	e->minor = strtoul(f[5], NULL, 10);
	copy_field(e->node, sizeof(e->node), f[6]);
	copy_field(e->how, sizeof(e->how), f[7]);
	copy_field(e->access, sizeof(e->access), f[8]);
	copy_field(e->v1prev, sizeof(e->v1prev), f[9]);
	e->orig_prog = strtoul(f[10], &tok, 10);
	copy_field(e->syspath, sizeof(e->syspath), *tok == ':' ? tok + 1 : "-");
	e->sysino = n == 12 ? strtoull(f[11], NULL, 10) : 0;
	return 0;
}

/* Reads every line of path through parse into an array of size-byte elements. */
static int read_lines(const char *path, size_t size, int (*parse)(char *, void *), void **out,
		      size_t *n)
{
	char *v = NULL, *nv, line[2048];
	size_t len = 0;
	FILE *f;

	*out = NULL;
	*n = 0;
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? 0 : -errno;
	while (fgets(line, sizeof(line), f)) {
		nv = realloc(v, (len + 1) * size);
		if (!nv) {
			fclose(f);
			free(v);
			return -ENOMEM;
		}
		v = nv;
		if (!parse(line, v + len * size))
			len++;
	}
	fclose(f);
	*out = v;
	*n = len;
	return 0;
}

static int parse_entry(char *line, void *out)
{
	return hotplug_parse(line, out);
}

int hotplug_read(struct hotplug_entry **out, size_t *n)
{
	return read_lines(HOTPLUG_FILE, sizeof(**out), parse_entry, (void **)out, n);
}

/* "OP\tSTEP\t" and a state line. */
static int parse_intent(char *line, void *out)
{
	struct hotplug_intent *in = out;
	char *t1 = strchr(line, '\t'), *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;

	if (!t2)
		return -EINVAL;
	*t1 = *t2 = '\0';
	if (hotplug_parse(t2 + 1, &in->e))
		return -EINVAL;
	snprintf(in->op, sizeof(in->op), "%s", line);
	snprintf(in->step, sizeof(in->step), "%s", t1 + 1);
	return strcmp(in->op, "attach") && strcmp(in->op, "detach") ? -EINVAL : 0;
}

int hotplug_journal_read(struct hotplug_intent **out, size_t *n)
{
	return read_lines(HOTPLUG_JOURNAL, sizeof(**out), parse_intent, (void **)out, n);
}

/*
 * The 11th field carries orig_prog and the syspath, "ID:PATH"; sysino comes
 * last, so that an older uevscope, which reads 11 fields, reads this file too.
 */
void hotplug_print(FILE *f, const struct hotplug_entry *e)
{
	fprintf(f,
		"%s\t%" PRIu32 "\t%" PRIu32 "\t%c\t%" PRIu32 "\t%" PRIu32
		"\t%s\t%s\t%s\t%s\t%" PRIu32 ":%s\t%" PRIu64 "\n",
		e->cgroup, e->pid, e->netns, e->type, e->major, e->minor, e->node, e->how,
		e->access, e->v1prev, e->orig_prog, e->syspath, e->sysino);
}

/* Writes path aside and renames it into place: a reader sees the old file or the new one. */
static int write_file(const char *path, size_t n, void (*print)(FILE *, const void *, size_t),
		      const void *v)
{
	char tmp[PATH_MAX];
	size_t i;
	FILE *f;
	int fd;

	if (mkdir(HOTPLUG_DIR, 0755) && errno != EEXIST)
		return -errno;
	if (!n)
		return unlink(path) && errno != ENOENT ? -errno : 0;
	snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path);
	fd = mkstemp(tmp);
	if (fd < 0)
		return -errno;
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		unlink(tmp);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++)
		print(f, v, i);
	if (fflush(f) || fsync(fd) || fclose(f)) {
		unlink(tmp);
		return -EIO;
	}
	if (chmod(tmp, 0644) || rename(tmp, path)) {
		unlink(tmp);
		return -errno;
	}
	return 0;
}

static void print_nth_entry(FILE *f, const void *v, size_t i)
{
	hotplug_print(f, (const struct hotplug_entry *)v + i);
}

static void print_nth_intent(FILE *f, const void *v, size_t i)
{
	const struct hotplug_intent *in = (const struct hotplug_intent *)v + i;

	fprintf(f, "%s\t%s\t", in->op, in->step);
	hotplug_print(f, &in->e);
}

int hotplug_write(const struct hotplug_entry *e, size_t n)
{
	return write_file(HOTPLUG_FILE, n, print_nth_entry, e);
}

int hotplug_journal_write(const struct hotplug_intent *v, size_t n)
{
	return write_file(HOTPLUG_JOURNAL, n, print_nth_intent, v);
}

int hotplug_gone(const struct hotplug_entry *e, char *why, size_t whylen)
{
	char fn[64], real[PATH_MAX], want[PATH_MAX];
	struct stat st;

	if (!strcmp(e->syspath, "-"))
		return 0;
	snprintf(fn, sizeof(fn), "/sys/dev/%s/%" PRIu32 ":%" PRIu32 "/uevent",
		 e->type == 'b' ? "block" : "char", e->major, e->minor);
	if (stat(fn, &st)) {
		if (errno != ENOENT)
			return 0; /* cannot tell: never guess a device away */
		snprintf(why, whylen, "removed from the host");
		return 1;
	}
	/* A state of an older uevscope has no inode: then the path must be the same. */
	snprintf(want, sizeof(want), "%s/uevent", e->syspath);
	if (e->sysino ? st.st_ino != e->sysino : !realpath(fn, real) || strcmp(real, want)) {
		snprintf(why, whylen, "replaced: %c %" PRIu32 ":%" PRIu32 " is another device now",
			 e->type, e->major, e->minor);
		return 1;
	}
	return 0;
}

int hotplug_lock(void)
{
	int fd = open(HOTPLUG_LOCK, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX)) {
		close(fd);
		return -errno;
	}
	return fd;
}

void hotplug_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}
