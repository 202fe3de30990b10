// SPDX-License-Identifier: GPL-2.0
/* The state file of `uevscope attach` (hotplug.h): tab-separated, one device a line. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
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

static int parse_line(char *line, struct hotplug_entry *e)
{
	char *f[11], *save = NULL, *tok;
	int n = 0;

	line[strcspn(line, "\n")] = '\0';
	for (tok = strtok_r(line, "\t", &save); tok && n < 11; tok = strtok_r(NULL, "\t", &save))
		f[n++] = tok;
	if (n != 11 || (f[3][0] != 'c' && f[3][0] != 'b'))
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
	return 0;
}

int hotplug_read(struct hotplug_entry **out, size_t *n)
{
	struct hotplug_entry *v = NULL, *nv;
	size_t len = 0;
	char line[2048];
	FILE *f;

	*out = NULL;
	*n = 0;
	f = fopen(HOTPLUG_FILE, "re");
	if (!f)
		return errno == ENOENT ? 0 : -errno;
	while (fgets(line, sizeof(line), f)) {
		nv = realloc(v, (len + 1) * sizeof(*v));
		if (!nv) {
			fclose(f);
			free(v);
			return -ENOMEM;
		}
		v = nv;
		if (!parse_line(line, &v[len]))
			len++;
	}
	fclose(f);
	*out = v;
	*n = len;
	return 0;
}

int hotplug_write(const struct hotplug_entry *e, size_t n)
{
	char tmp[] = HOTPLUG_FILE ".XXXXXX";
	size_t i;
	FILE *f;
	int fd;

	if (mkdir(HOTPLUG_DIR, 0755) && errno != EEXIST)
		return -errno;
	if (!n)
		return unlink(HOTPLUG_FILE) && errno != ENOENT ? -errno : 0;
	fd = mkstemp(tmp);
	if (fd < 0)
		return -errno;
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		unlink(tmp);
		return -ENOMEM;
	}
	/* The last field carries orig_prog and the syspath, "ID:PATH", so a path may hold tabs. */
	for (i = 0; i < n; i++)
		fprintf(f,
			"%s\t%" PRIu32 "\t%" PRIu32 "\t%c\t%" PRIu32 "\t%" PRIu32
			"\t%s\t%s\t%s\t%s\t%" PRIu32 ":%s\n",
			e[i].cgroup, e[i].pid, e[i].netns, e[i].type, e[i].major, e[i].minor,
			e[i].node, e[i].how, e[i].access, e[i].v1prev, e[i].orig_prog,
			e[i].syspath);
	if (fflush(f) || fsync(fd) || fclose(f)) {
		unlink(tmp);
		return -EIO;
	}
	if (chmod(tmp, 0644) || rename(tmp, HOTPLUG_FILE)) {
		unlink(tmp);
		return -errno;
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
