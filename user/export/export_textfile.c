// SPDX-License-Identifier: GPL-2.0
/* The textfile output of uevscope export. See export_textfile.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "export_textfile.h"

int export_textfile_check(const char *dir, char *err, size_t errlen)
{
	struct stat st;

	if (stat(dir, &st)) {
		snprintf(err, errlen, "--textfile %s: %s; create the directory first", dir,
			 strerror(errno));
		return -errno;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, errlen,
			 "--textfile %s is not a directory; give the directory "
			 "node_exporter's --collector.textfile.directory reads",
			 dir);
		return -ENOTDIR;
	}
	if (access(dir, W_OK)) {
		snprintf(err, errlen, "--textfile %s: cannot write there (%s)", dir,
			 strerror(errno));
		return -errno;
	}
	return 0;
}

int export_textfile_write(const char *dir, const char *body, size_t len, char *err, size_t errlen)
{
	char tmp[4096], path[4096];
	ssize_t n;
	int fd, e;

	/* node_exporter reads *.prom only: the temporary name is never collected. */
	snprintf(tmp, sizeof(tmp), "%s/.%s.%d.tmp", dir, EXPORT_TEXTFILE_NAME, (int)getpid());
	snprintf(path, sizeof(path), "%s/%s", dir, EXPORT_TEXTFILE_NAME);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		e = errno;
		goto fail;
	}
	n = write(fd, body, len);
	e = n < 0 ? errno : (size_t)n != len ? ENOSPC : 0;
	if (close(fd) && !e)
		e = errno;
	if (!e && rename(tmp, path))
		e = errno;
	if (!e)
		return 0;
	unlink(tmp);
fail:
	snprintf(err, errlen, "cannot write %s: %s", path, strerror(e));
	return -e;
}

void export_textfile_remove(const char *dir)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", dir, EXPORT_TEXTFILE_NAME);
	unlink(path);
}
