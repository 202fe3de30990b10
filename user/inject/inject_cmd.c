// SPDX-License-Identifier: GPL-2.0
/* uevscope inject: send one uevent into a network namespace, in the kernel or udev format. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <linux/nsfs.h>

#include "common.h"
#include "inject.h"
#include "inject/inject_cmd.h"
#include "nsnames.h"
#include "subcommands.h"

static const char inject_usage[] =
    "usage: uevscope inject --netns NS [OPTIONS] ACTION DEVPATH [KEY=VALUE...]\n"
    "       uevscope inject --netns NS [OPTIONS] -f FILE|-\n"
    "\n"
    "Send one uevent into a network namespace, as the kernel would broadcast it there.\n"
    "The kernel format goes through the kernel (which appends SEQNUM and acks it) to\n"
    "every uevent listener in NS; the udev format is the libudev monitor message that\n"
    "udevd sends to group 2, which libudev and sd-device consumers listen to. Needs\n"
    "CAP_SYS_ADMIN over the user namespace that owns NS (CAP_NET_ADMIN too for udev).\n"
    "\n"
    "      --netns NS        target: a /run/netns NAME, /proc/PID/ns/net or a PID\n"
    "  -F, --format F        kernel (default), udev or both\n"
    "  -f, --file FILE       the whole uevent from FILE ('-': stdin): NUL-separated as the\n"
    "                        kernel sends it, or one item per line; ACTION@DEVPATH first or\n"
    "                        ACTION= and DEVPATH= among the properties\n"
    "  -v, --verbose         more detail on failures\n"
    "  -h, --help            this help\n"
    "\n"
    "Give SUBSYSTEM= for the udev format: sd-device drops a device without it. SEQNUM is\n"
    "the kernel's in the kernel format; the udev format keeps a given SEQNUM= or takes\n"
    "the current /sys/kernel/uevent_seqnum.\n"
    "\n"
    "EXAMPLES:\n"
    "  uevscope inject --netns c1 add /devices/virtual/mem/null SUBSYSTEM=mem DEVNAME=null\n"
    "  uevscope inject --netns 4242 -F both change /devices/virtual/block/loop0 \\\n"
    "      SUBSYSTEM=block DEVTYPE=disk DEVNAME=loop0\n"
    "  printf 'add@/devices/x\\0SUBSYSTEM=mem\\0' | uevscope inject --netns c1 -f -\n"
    "\n"
    "Prints one line per format sent: 'injected format=kernel netns=INODE bytes=N ack=0\n"
    "seqnum=N' (seqnum=? when other uevents ran at the same time).\n"
    "Exit status: 0 sent and acked, 1 no permission or the kernel refused, 2 bad usage or\n"
    "input (unknown netns, malformed KEY=VALUE, over the kernel's size limit).\n";

enum { OPT_NETNS = 256 };

static const struct option inject_options[] = {
    {"netns", required_argument, NULL, OPT_NETNS},
    {"format", required_argument, NULL, 'F'},
    {"file", required_argument, NULL, 'f'},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {},
};

int inject_parse_format(const char *s, enum inject_format *fmt)
{
	if (!strcmp(s, "kernel"))
		*fmt = INJECT_KERNEL;
	else if (!strcmp(s, "udev"))
		*fmt = INJECT_UDEV;
	else if (!strcmp(s, "both"))
		*fmt = INJECT_BOTH;
	else
		return -EINVAL;
	return 0;
}

/* Reads all of path ('-': stdin) into sb. */
static int read_all(const char *path, struct strbuf *sb)
{
	int fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : STDIN_FILENO;
	char buf[4096];
	ssize_t n;

	if (fd < 0)
		return -errno;
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			n = -errno;
			break;
		}
		sb_putn(sb, buf, n);
		if (sb->len > 1 << 20) {
			n = -E2BIG;
			break;
		}
	}
	if (fd != STDIN_FILENO)
		close(fd);
	return n < 0 ? (int)n : 0;
}

uint32_t inject_fd_ino(int fd)
{
	struct stat st;

	return fstat(fd, &st) ? 0 : (uint32_t)st.st_ino;
}

void inject_perm_hint(int netns_fd, char *buf, size_t len)
{
	int userns = ioctl(netns_fd, NS_GET_USERNS);
	uid_t owner = (uid_t)-1;

	if (userns < 0) {
		snprintf(buf, len, "its owning user namespace is not below ours");
		return;
	}
	if (ioctl(userns, NS_GET_OWNER_UID, &owner))
		owner = (uid_t)-1;
	snprintf(buf, len, "owned by user namespace %u (created by uid %d)", inject_fd_ino(userns),
		 (int)owner);
	close(userns);
}

int inject_open_socket(const char *cmd, const char *ns_arg, int *netns_fd)
{
	char err[300], hint[160];
	int sock;

	*netns_fd = inject_open_netns(ns_arg, err, sizeof(err));
	if (*netns_fd < 0) {
		uev_err("%s: %s", cmd, err);
		return -(*netns_fd == -EACCES || *netns_fd == -EPERM ? EXIT_ENV : EXIT_USAGE);
	}
	sock = inject_socket(*netns_fd);
	if (sock == -EPERM) {
		inject_perm_hint(*netns_fd, hint, sizeof(hint));
		uev_err("%s: no permission to enter netns %s (%s): needs CAP_SYS_ADMIN over its "
			"owning user namespace; run as root or as that namespace's owner",
			cmd, ns_arg, hint);
		return -EXIT_ENV;
	}
	if (sock < 0) {
		uev_err("%s: cannot open a uevent socket in netns %s: %s", cmd, ns_arg,
			strerror(-sock));
		return -EXIT_ENV;
	}
	return sock;
}

int cmd_inject(int argc, char **argv)
{
	enum inject_format fmt = INJECT_KERNEL;
	const char *ns_arg = NULL, *file = NULL;
	struct uevent_msg_buf *mb = NULL;
	struct strbuf in, out;
	int opt, r, sock = -1, netns_fd = -1, rc = EXIT_OK;
	char err[300];

	sb_init(&in, 0);
	sb_init(&out, 1024);
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+:F:f:vh", inject_options, NULL)) != -1) {
		switch (opt) {
		case OPT_NETNS:
			ns_arg = optarg;
			break;
		case 'F':
			if (inject_parse_format(optarg, &fmt))
				return cmd_usage_error(
				    "inject", "--format %s: give kernel, udev or both", optarg);
			break;
		case 'f':
			file = optarg;
			break;
		case 'v':
			verbose = true;
			break;
		case 'h':
			fputs(inject_usage, stdout);
			return EXIT_OK;
		default:
			return cmd_getopt_error("inject", opt, argv);
		}
	}
	if (!ns_arg)
		return cmd_usage_error("inject", "give the target with --netns NS");
	if (file && optind != argc)
		return cmd_usage_error("inject", "give either -f FILE or ACTION DEVPATH, not both");
	if (!file && argc - optind < 2)
		return cmd_usage_error("inject", "give ACTION DEVPATH [KEY=VALUE...] or -f FILE");

	mb = calloc(1, sizeof(*mb));
	if (!mb)
		abort();
	if (file) {
		r = read_all(file, &in);
		if (r) {
			uev_err("inject: cannot read %s: %s", file, strerror(-r));
			rc = r == -E2BIG ? EXIT_USAGE : EXIT_ENV;
			goto out;
		}
		if (inject_msg_parse(in.buf, in.len, mb, err, sizeof(err))) {
			uev_err("inject: %s: %s", file, err);
			rc = EXIT_USAGE;
			goto out;
		}
	} else {
		uevent_msg_buf_init(mb, argv[optind], argv[optind + 1]);
		for (int i = optind + 2; i < argc; i++) {
			if (inject_check_env(argv[i], err, sizeof(err))) {
				rc = cmd_usage_error("inject", "%s", err);
				goto out;
			}
			if (uevent_msg_buf_add(mb, argv[i], NULL)) {
				rc = cmd_usage_error("inject", "too many properties (at most %d)",
						     INJECT_MAX_ENV);
				goto out;
			}
		}
	}
	/* Check and build everything before sending anything. */
	if (inject_validate(&mb->msg, fmt, err, sizeof(err))) {
		rc = cmd_usage_error("inject", "%s", err);
		goto out;
	}
	for (int f = INJECT_KERNEL; f <= INJECT_UDEV; f <<= 1) {
		if ((fmt & f) && inject_build(&mb->msg, f, &out) == -E2BIG) {
			uev_err("inject: the %s-format uevent is %zu bytes, over the limit of %d; "
				"drop properties",
				f == INJECT_KERNEL ? "kernel" : "udev", out.len,
				f == INJECT_KERNEL ? INJECT_KERNEL_PAYLOAD_MAX
						   : INJECT_UDEV_PAYLOAD_MAX);
			rc = EXIT_USAGE;
			goto out;
		}
	}
	sock = inject_open_socket("inject", ns_arg, &netns_fd);
	if (sock < 0) {
		rc = -sock;
		goto out;
	}
	for (int f = INJECT_KERNEL; f <= INJECT_UDEV; f <<= 1) {
		uint64_t before, after;

		if (!(fmt & f))
			continue;
		inject_build(&mb->msg, f, &out);
		before = inject_seqnum_now();
		r = inject_send(sock, f, &out, err, sizeof(err));
		after = inject_seqnum_now();
		if (r) {
			uev_err("inject: netns %s: %s", ns_arg, err);
			rc = EXIT_ENV;
			goto out;
		}
		if (f == INJECT_KERNEL && after == before + 1)
			printf("injected format=kernel netns=%u bytes=%zu ack=0 seqnum=%llu\n",
			       inject_fd_ino(netns_fd), out.len, (unsigned long long)after);
		else if (f == INJECT_KERNEL)
			printf("injected format=kernel netns=%u bytes=%zu ack=0 seqnum=?\n",
			       inject_fd_ino(netns_fd), out.len);
		else
			printf("injected format=udev netns=%u bytes=%zu group=2\n",
			       inject_fd_ino(netns_fd), out.len);
	}
out:
	if (sock >= 0)
		close(sock);
	if (netns_fd >= 0)
		close(netns_fd);
	free(mb);
	sb_free(&in);
	sb_free(&out);
	return rc;
}
