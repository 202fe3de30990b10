// SPDX-License-Identifier: GPL-2.0
/*
 * uevinject - inject a uevent from userspace through NETLINK_KOBJECT_UEVENT, for uevscope tests.
 *
 * Usage: uevinject [-T TYPE] [-F FLAGS_HEX] [-r] ACTION DEVPATH SUBSYSTEM [KEY=VALUE ...]
 *
 * The kernel accepts such a message only from a sender with CAP_SYS_ADMIN over the user
 * namespace owning the sender's netns, appends SEQNUM and broadcasts it to multicast group 1
 * of that netns only. -T, -F and -r exist for negative tests: a type below NLMSG_MIN_TYPE or
 * missing NLM_F_REQUEST is acked with 0 but dropped, an unframed (-r) payload is ignored.
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <linux/netlink.h>

#ifndef NETLINK_KOBJECT_UEVENT
#define NETLINK_KOBJECT_UEVENT 15
#endif
#ifndef NETLINK_CAP_ACK
#define NETLINK_CAP_ACK 10
#endif
#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif
#ifndef NLM_F_CAPPED
#define NLM_F_CAPPED 0x100
#endif
#ifndef NLM_F_ACK_TLVS
#define NLM_F_ACK_TLVS 0x200
#endif
/* NLMSGERR_ATTR_MSG from enum nlmsgerr_attrs, stable UAPI. */
#define ERR_ATTR_MSG 1

#define SEQ 1

static void usage(void)
{
	fprintf(stderr, "usage: uevinject [-T TYPE] [-F FLAGS_HEX] [-r] ACTION DEVPATH SUBSYSTEM "
			"[KEY=VALUE ...]\n");
	exit(2);
}

static unsigned long parse_ul(const char *s, int base, unsigned long max, const char *what)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, base);
	if (errno || end == s || *end || v > max) {
		fprintf(stderr, "uevinject: invalid %s '%s'\n", what, s);
		exit(2);
	}
	return v;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Append a NUL-terminated string; the kernel forwards the bytes verbatim. */
static size_t put_str(char *dst, size_t off, const char *a, const char *b, const char *c)
{
	off += sprintf(dst + off, "%s%s%s", a, b, c);
	dst[off++] = '\0';
	return off;
}

/* Pick the extended-ack message text, if the kernel attached one. */
static const char *ext_ack_msg(const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e = NLMSG_DATA(nlh);
	size_t off, end = nlh->nlmsg_len;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return NULL;
	off = NLMSG_HDRLEN + sizeof(*e);
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += NLMSG_ALIGN(e->msg.nlmsg_len) - NLMSG_HDRLEN;
	while (off + NLA_HDRLEN <= end) {
		const struct nlattr *a = (const void *)((const char *)nlh + off);

		if (a->nla_len < NLA_HDRLEN || off + a->nla_len > end)
			break;
		if ((a->nla_type & NLA_TYPE_MASK) == ERR_ATTR_MSG && a->nla_len > NLA_HDRLEN &&
		    ((const char *)a)[a->nla_len - 1] == '\0')
			return (const char *)a + NLA_HDRLEN;
		off += NLA_ALIGN(a->nla_len);
	}
	return NULL;
}

/*
 * Read until our NLMSG_ERROR arrives or wait_ms passes. Returns 1 and fills *err / msg when an
 * ack was found, 0 when none came.
 */
static int wait_ack(int fd, int wait_ms, int *err, char *msg, size_t msglen)
{
	long long deadline = now_ms() + wait_ms;
	char buf[8192] __attribute__((aligned(NLMSG_ALIGNTO)));

	for (;;) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		long long left = deadline - now_ms();
		struct nlmsghdr *nlh;
		ssize_t n;
		int pr;

		pr = poll(&pfd, 1, left > 0 ? (int)left : 0);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr <= 0)
			return 0;
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			fprintf(stderr, "uevinject: recv: %s\n", strerror(errno));
			exit(1);
		}
		for (nlh = (struct nlmsghdr *)buf; NLMSG_OK(nlh, (size_t)n);
		     nlh = NLMSG_NEXT(nlh, n)) {
			const char *m;

			if (nlh->nlmsg_type != NLMSG_ERROR || nlh->nlmsg_seq != SEQ ||
			    nlh->nlmsg_len < NLMSG_LENGTH(sizeof(struct nlmsgerr)))
				continue;
			*err = ((struct nlmsgerr *)NLMSG_DATA(nlh))->error;
			m = ext_ack_msg(nlh);
			if (m)
				snprintf(msg, msglen, "%s", m);
			return 1;
		}
	}
}

int main(int argc, char **argv)
{
	unsigned long type = 20, flags = NLM_F_REQUEST | NLM_F_ACK;
	struct sockaddr_nl sa, kernel;
	struct nlmsghdr *nlh;
	unsigned long long netns = 0;
	struct stat nst;
	size_t cap, off, hdr;
	char ackmsg[256] = "";
	int raw = 0, fd, opt, one = 1, ackerr = 0, have_ack;
	char *msg;

	/* '+': stop at the first operand so KEY=VALUE arguments are never taken as options. */
	while ((opt = getopt(argc, argv, "+T:F:r")) != -1) {
		switch (opt) {
		case 'T':
			type = parse_ul(optarg, 0, UINT16_MAX, "TYPE");
			break;
		case 'F':
			flags = parse_ul(optarg, 16, UINT16_MAX, "FLAGS_HEX");
			break;
		case 'r':
			raw = 1;
			break;
		default:
			usage();
		}
	}
	if (argc - optind < 3)
		usage();

	hdr = raw ? 0 : NLMSG_HDRLEN;
	cap = hdr;
	for (int i = optind; i < argc; i++)
		cap += 2 * strlen(argv[i]) + 16;
	cap += 64;
	msg = calloc(1, cap);
	if (!msg) {
		perror("uevinject: calloc");
		return 1;
	}

	off = put_str(msg, hdr, argv[optind], "@", argv[optind + 1]);
	off = put_str(msg, off, "ACTION=", argv[optind], "");
	off = put_str(msg, off, "DEVPATH=", argv[optind + 1], "");
	off = put_str(msg, off, "SUBSYSTEM=", argv[optind + 2], "");
	for (int i = optind + 3; i < argc; i++)
		off = put_str(msg, off, argv[i], "", "");

	if (!raw) {
		/* Exact length, no trailing pad: the kernel copies the whole skb before SEQNUM. */
		nlh = (struct nlmsghdr *)msg;
		nlh->nlmsg_len = off;
		nlh->nlmsg_type = type;
		nlh->nlmsg_flags = flags;
		nlh->nlmsg_seq = SEQ;
	}

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_KOBJECT_UEVENT);
	if (fd < 0) {
		perror("uevinject: socket");
		return 1;
	}
	/* Optional niceties: short acks and the kernel's error text; older kernels lack them. */
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	memset(&sa, 0, sizeof(sa));
	sa.nl_family = AF_NETLINK;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("uevinject: bind");
		return 1;
	}

	if (stat("/proc/self/ns/net", &nst) == 0)
		netns = (unsigned long long)nst.st_ino;

	memset(&kernel, 0, sizeof(kernel));
	kernel.nl_family = AF_NETLINK;
	if (sendto(fd, msg, off, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0) {
		fprintf(stderr, "uevinject: sendto: %s\n", strerror(errno));
		return 1;
	}

	/*
	 * The kernel handles the message synchronously inside sendto(), so any ack is already
	 * queued. Errors are acked even without NLM_F_ACK, hence the zero-wait check then.
	 */
	have_ack =
	    wait_ack(fd, !raw && (flags & NLM_F_ACK) ? 1000 : 0, &ackerr, ackmsg, sizeof(ackmsg));
	if (have_ack)
		printf("sent pid=%d netns=%llu ack=%d\n", (int)getpid(), netns, ackerr);
	else
		printf("sent pid=%d netns=%llu ack=none\n", (int)getpid(), netns);
	fflush(stdout);

	if (have_ack && ackerr) {
		fprintf(stderr, "uevinject: kernel rejected the uevent: %s%s%s\n",
			strerror(-ackerr), ackmsg[0] ? ": " : "", ackmsg);
		return 1;
	}
	if (!have_ack && !raw && (flags & NLM_F_ACK)) {
		fprintf(stderr, "uevinject: no ack from the kernel within 1 s\n");
		return 1;
	}
	return 0;
}
