// SPDX-License-Identifier: GPL-2.0
/*
 * devopen: joins a cgroup v2 (its own pid into cgroup.procs), then opens or
 * creates device nodes there, so the cgroup's device programs decide.
 * One line per attempt: "open r /dev/null ok" or "open r /dev/null EPERM".
 * usage: devopen [-c CGROUP_DIR] [-n TIMES] OP...
 *   OP: r:PATH, w:PATH, rw:PATH (open), m:PATH:c|b:MAJOR:MINOR (mknod, then unlink)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

static const char *errname(int e)
{
	switch (e) {
	case 0:
		return "ok";
	case EPERM:
		return "EPERM";
	case EACCES:
		return "EACCES";
	case ENXIO:
		return "ENXIO";
	case ENODEV:
		return "ENODEV";
	case ENOENT:
		return "ENOENT";
	default:
		return strerror(e);
	}
}

static int join_cgroup(const char *dir)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	f = fopen(path, "w");
	if (!f || fprintf(f, "%d\n", (int)getpid()) < 0 || fclose(f)) {
		fprintf(stderr, "devopen: cannot join %s: %s\n", dir, strerror(errno));
		return -1;
	}
	return 0;
}

static int do_op(const char *op)
{
	char buf[4096], *path, *rest, type;
	unsigned int maj, min;
	int flags, fd, e = 0;

	snprintf(buf, sizeof(buf), "%s", op);
	path = strchr(buf, ':');
	if (!path)
		return -1;
	*path++ = '\0';
	if (!strcmp(buf, "m")) {
		rest = strchr(path, ':');
		if (!rest || sscanf(rest + 1, "%c:%u:%u", &type, &maj, &min) != 3)
			return -1;
		*rest = '\0';
		if (mknod(path, (type == 'b' ? S_IFBLK : S_IFCHR) | 0600, makedev(maj, min)))
			e = errno;
		else
			unlink(path);
		printf("mknod %c %u:%u %s %s\n", type, maj, min, path, errname(e));
		return 0;
	}
	flags = !strcmp(buf, "r")    ? O_RDONLY
		: !strcmp(buf, "w")  ? O_WRONLY
		: !strcmp(buf, "rw") ? O_RDWR
				     : -1;
	if (flags < 0)
		return -1;
	fd = open(path, flags | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		e = errno;
	else
		close(fd);
	printf("open %s %s %s\n", buf, path, errname(e));
	return 0;
}

int main(int argc, char **argv)
{
	int opt, times = 1, i, t;

	while ((opt = getopt(argc, argv, "c:n:")) != -1) {
		switch (opt) {
		case 'c':
			if (join_cgroup(optarg))
				return 1;
			break;
		case 'n':
			times = atoi(optarg);
			break;
		default:
			fprintf(stderr, "usage: devopen [-c CGROUP_DIR] [-n TIMES] OP...\n");
			return 2;
		}
	}
	for (t = 0; t < times; t++)
		for (i = optind; i < argc; i++)
			if (do_op(argv[i])) {
				fprintf(stderr, "devopen: bad op '%s'\n", argv[i]);
				return 2;
			}
	return 0;
}
