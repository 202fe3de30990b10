/* SPDX-License-Identifier: GPL-2.0 */
/* What inject and replay share on their command lines. */
#ifndef UEVSCOPE_INJECT_CMD_H
#define UEVSCOPE_INJECT_CMD_H

#include <stddef.h>
#include <stdint.h>

#include "inject.h"

/* "kernel", "udev", "both": 0, or -EINVAL. */
int inject_parse_format(const char *s, enum inject_format *fmt);
/* The inode of an nsfs (or any) fd, 0 when unknown. */
uint32_t inject_fd_ino(int fd);
/* "owned by user namespace N (created by uid U)", for no-permission lines. */
void inject_perm_hint(int netns_fd, char *buf, size_t len);
/*
 * Opens --netns ns_arg and a uevent socket inside it, saying why not in one line prefixed
 * with cmd. The socket, or minus the exit code (EXIT_USAGE: no such netns, EXIT_ENV: no
 * permission or no socket).
 */
int inject_open_socket(const char *cmd, const char *ns_arg, int *netns_fd);

#endif /* UEVSCOPE_INJECT_CMD_H */
