/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `export --textfile DIR`: DIR/uevscope.prom for node_exporter's textfile
 * collector, replaced whole each time (written beside it, then renamed), so
 * the collector never reads half a file.
 */
#ifndef UEVSCOPE_EXPORT_TEXTFILE_H
#define UEVSCOPE_EXPORT_TEXTFILE_H

#include <stddef.h>

#define EXPORT_TEXTFILE_NAME "uevscope.prom"

/* DIR exists and is a writable directory: 0, or -errno with one line in err. */
int export_textfile_check(const char *dir, char *err, size_t errlen);
/* Replaces DIR/uevscope.prom with body: 0, or -errno with one line in err. */
int export_textfile_write(const char *dir, const char *body, size_t len, char *err, size_t errlen);
/* Removes it, so a stopped exporter does not look like a live one. */
void export_textfile_remove(const char *dir);

#endif /* UEVSCOPE_EXPORT_TEXTFILE_H */
