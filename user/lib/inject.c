// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <linux/netlink.h>
#include <linux/nsfs.h>
#include <linux/sockios.h>

#include "common.h"
#include "inject.h"
#include "udev_monitor.h"

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
/* NLMSGERR_ATTR_MSG, stable UAPI. */
#define ERR_ATTR_MSG 1
/* Any type >= NLMSG_MIN_TYPE: below it the kernel acks 0 and drops the message. */
#define INJECT_NLMSG_TYPE 0x14
#define ACK_WAIT_MS	  1000

int inject_open_netns(const char *arg, char *err, size_t errlen)
{
	char path[PATH_MAX];
	const char *p = arg;
	int fd;

	if (!*arg) {
		snprintf(err, errlen, "--netns: empty namespace name");
		return -EINVAL;
	}
	if (strspn(arg, "0123456789") == strlen(arg)) {
		snprintf(path, sizeof(path), "/proc/%s/ns/net", arg);
		p = path;
	} else if (!strchr(arg, '/')) {
		snprintf(path, sizeof(path), "/run/netns/%s", arg);
		p = path;
	}
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;

		if (e == EACCES || e == EPERM)
			snprintf(err, errlen, "--netns %s: no permission to open %s; run as root",
				 arg, p);
		else
			snprintf(err, errlen,
				 "--netns %s: no such network namespace (give a /run/netns NAME, "
				 "/proc/PID/ns/net or a PID)",
				 arg);
		return -e;
	}
	if (ioctl(fd, NS_GET_NSTYPE) != CLONE_NEWNET) {
		close(fd);
		snprintf(err, errlen,
			 "--netns %s: %s is not a network namespace (give a /run/netns NAME, "
			 "/proc/PID/ns/net or a PID)",
			 arg, p);
		return -ENOENT;
	}
	return fd;
}

int inject_socket(int netns_fd)
{
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
	int one = 1, sndbuf = 1 << 20, self = -1, fd, e;

	if (netns_fd >= 0) {
		struct stat a, b;

		self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
		if (self < 0)
			return -errno;
		/* Already there: no setns(), which would need CAP_SYS_ADMIN even so. */
		if (!fstat(self, &a) && !fstat(netns_fd, &b) && a.st_ino == b.st_ino &&
		    a.st_dev == b.st_dev) {
			close(self);
			self = -1;
		} else if (setns(netns_fd, CLONE_NEWNET)) {
			e = errno;
			close(self);
			return -e;
		}
	}
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_KOBJECT_UEVENT);
	e = errno;
	if (self >= 0) {
		if (setns(self, CLONE_NEWNET)) {
			/* Staying in the target netns would be worse than dying. */
			uev_err("cannot return to our own network namespace: %s", strerror(errno));
			abort();
		}
		close(self);
	}
	if (fd < 0)
		return -e;
	/* Short acks and the kernel's error text; older kernels lack them. */
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		e = errno;
		close(fd);
		return -e;
	}
	return fd;
}

/* The kernel's extended-ack text, if it attached one. */
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

/* Waits for the ack of seq: 0 and *ackerr / msg, or -ETIMEDOUT / -errno. */
static int wait_ack(int fd, uint32_t seq, int *ackerr, char *msg, size_t msglen)
{
	uint64_t deadline = now_monotonic_ns() + ACK_WAIT_MS * 1000000ULL;
	char buf[8192] __attribute__((aligned(NLMSG_ALIGNTO)));

	for (;;) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		uint64_t now = now_monotonic_ns();
		struct nlmsghdr *nlh;
		ssize_t n;
		int pr;

		if (now >= deadline)
			return -ETIMEDOUT;
		pr = poll(&pfd, 1, (int)((deadline - now) / 1000000 + 1));
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr < 0)
			return -errno;
		if (!pr)
			continue;
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -errno;
		}
		for (nlh = (struct nlmsghdr *)buf; NLMSG_OK(nlh, (size_t)n);
		     nlh = NLMSG_NEXT(nlh, n)) {
			const char *m;

			if (nlh->nlmsg_type != NLMSG_ERROR || nlh->nlmsg_seq != seq ||
			    nlh->nlmsg_len < NLMSG_LENGTH(sizeof(struct nlmsgerr)))
				continue;
			*ackerr = ((struct nlmsgerr *)NLMSG_DATA(nlh))->error;
			m = ext_ack_msg(nlh);
			snprintf(msg, msglen, "%s", m ? m : "");
			return 0;
		}
	}
}

static int send_kernel(int sock, const struct strbuf *payload, char *err, size_t errlen)
{
	static uint32_t seq;
	struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
	struct nlmsghdr nlh = {
	    .nlmsg_len = NLMSG_HDRLEN + payload->len,
	    .nlmsg_type = INJECT_NLMSG_TYPE,
	    .nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK,
	    .nlmsg_seq = ++seq,
	};
	/* Exact length, no trailing pad: the kernel copies the whole skb before SEQNUM. */
	struct iovec iov[2] = {{&nlh, NLMSG_HDRLEN}, {payload->buf, payload->len}};
	struct msghdr mh = {
	    .msg_name = &kernel, .msg_namelen = sizeof(kernel), .msg_iov = iov, .msg_iovlen = 2};
	char kmsg[200];
	int ackerr = 0, r;

	if (payload->len > INJECT_KERNEL_PAYLOAD_MAX) {
		snprintf(err, errlen,
			 "payload is %zu bytes, over the kernel's limit of %d for an injected "
			 "uevent; drop properties",
			 payload->len, INJECT_KERNEL_PAYLOAD_MAX);
		return -E2BIG;
	}
	if (sendmsg(sock, &mh, 0) < 0) {
		r = -errno;
		snprintf(err, errlen, "sending the uevent to the kernel failed: %s", strerror(-r));
		return r;
	}
	/* uevent_net_rcv() runs inside sendmsg(): the ack is already queued. */
	r = wait_ack(sock, nlh.nlmsg_seq, &ackerr, kmsg, sizeof(kmsg));
	if (r) {
		snprintf(err, errlen, "no ack from the kernel for the uevent: %s", strerror(-r));
		return r;
	}
	if (ackerr == -EPERM) {
		snprintf(err, errlen,
			 "no permission: injecting a uevent needs CAP_SYS_ADMIN over the user "
			 "namespace that owns the target network namespace; run as root there");
		return -EPERM;
	}
	if (ackerr) {
		snprintf(err, errlen, "the kernel refused the uevent: %s%s%s", strerror(-ackerr),
			 kmsg[0] ? ": " : "", kmsg);
		return ackerr;
	}
	return 0;
}

/* uid and gid (ours) that are 0 in one user namespace, cached per namespace. */
struct root_ids {
	uint64_t userns_ino;
	uid_t uid;
	gid_t gid;
};
static struct root_ids root_cache[16];
static unsigned int root_cache_n;

static int read_status_id(pid_t pid, const char *key, unsigned int *out)
{
	char path[64], line[256];
	size_t kl = strlen(key);
	int r = -ENOENT;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, kl) && sscanf(line + kl, "%u", out) == 1) {
			r = 0;
			break;
		}
	fclose(f);
	return r;
}

/*
 * Which of our uids is root in userns_fd's namespace: a child joins it and becomes uid 0
 * there; /proc/CHILD/status then shows that uid as our namespace sees it.
 */
static int root_ids_of(int userns_fd, uid_t *uid, gid_t *gid)
{
	int ready[2], hold[2], r = 0;
	unsigned int u = 0, g = 0;
	pid_t pid;
	char c;

	if (pipe2(ready, O_CLOEXEC))
		return -errno;
	if (pipe2(hold, O_CLOEXEC)) {
		r = -errno;
		close(ready[0]);
		close(ready[1]);
		return r;
	}
	pid = fork();
	if (pid == 0) {
		close(ready[0]);
		close(hold[1]);
		if (setns(userns_fd, CLONE_NEWUSER) || setresgid(0, 0, 0) || setresuid(0, 0, 0))
			_exit(1);
		c = 1;
		if (write(ready[1], &c, 1) != 1)
			_exit(1);
		/* Stay until the parent has read our ids. */
		while (read(hold[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	close(ready[1]);
	close(hold[0]);
	if (pid < 0) {
		r = -errno;
		close(ready[0]);
		close(hold[1]);
		return r;
	}
	if (read(ready[0], &c, 1) != 1)
		r = -EPERM;
	if (!r && (read_status_id(pid, "Uid:", &u) || read_status_id(pid, "Gid:", &g)))
		r = -ESRCH;
	close(hold[1]);
	close(ready[0]);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	*uid = u;
	*gid = g;
	return r;
}

/*
 * The credentials an sd-device consumer in the socket's netns accepts: uid 0 in the netns's
 * owning user namespace. Ours when we live in that namespace.
 */
static int udev_creds(int sock, struct ucred *cr, char *err, size_t errlen)
{
	struct stat self, st;
	int netns, userns, r;
	uid_t uid = 0;
	gid_t gid = 0;

	cr->pid = getpid();
	cr->uid = geteuid();
	cr->gid = getegid();
	netns = ioctl(sock, SIOCGSKNS);
	if (netns < 0) {
		r = -errno;
		if (r == -EPERM)
			snprintf(
			    err, errlen,
			    "no permission: sending to the udev group needs CAP_NET_ADMIN over "
			    "the user namespace that owns the target network namespace");
		else
			snprintf(err, errlen, "cannot find the socket's network namespace: %s",
				 strerror(-r));
		return r;
	}
	userns = ioctl(netns, NS_GET_USERNS);
	r = userns < 0 ? -errno : 0;
	close(netns);
	if (r) {
		/* EPERM: the owner is outside our own user namespace; keep our credentials. */
		return r == -EPERM ? 0 : r;
	}
	if (fstat(userns, &st) || stat("/proc/self/ns/user", &self)) {
		r = -errno;
		close(userns);
		snprintf(err, errlen, "cannot stat user namespaces: %s", strerror(-r));
		return r;
	}
	if (st.st_ino == self.st_ino) {
		close(userns);
		return 0;
	}
	for (unsigned int i = 0; i < root_cache_n; i++)
		if (root_cache[i].userns_ino == st.st_ino) {
			cr->uid = root_cache[i].uid;
			cr->gid = root_cache[i].gid;
			close(userns);
			return 0;
		}
	r = root_ids_of(userns, &uid, &gid);
	close(userns);
	if (r) {
		snprintf(err, errlen,
			 "cannot find which uid is root in the target's user namespace (%s); "
			 "sd-device consumers there would drop the message",
			 strerror(-r));
		return r;
	}
	root_cache[root_cache_n % ARRAY_SIZE(root_cache)] =
	    (struct root_ids){.userns_ino = st.st_ino, .uid = uid, .gid = gid};
	root_cache_n++;
	cr->uid = uid;
	cr->gid = gid;
	return 0;
}

static int send_udev(int sock, const struct strbuf *payload, char *err, size_t errlen)
{
	struct sockaddr_nl dst = {
	    .nl_family = AF_NETLINK,
	    .nl_groups = 1U << (UDEV_MONITOR_GROUP_UDEV - 1),
	};
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(struct ucred))];
	} ctl;
	struct iovec iov = {payload->buf, payload->len};
	struct msghdr mh = {.msg_name = &dst,
			    .msg_namelen = sizeof(dst),
			    .msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = ctl.buf,
			    .msg_controllen = sizeof(ctl.buf)};
	struct cmsghdr *cm;
	struct ucred cr;
	int r;

	if (payload->len > INJECT_UDEV_PAYLOAD_MAX) {
		snprintf(err, errlen,
			 "udev message is %zu bytes, over sd-device's limit of %d; drop properties",
			 payload->len, INJECT_UDEV_PAYLOAD_MAX);
		return -E2BIG;
	}
	r = udev_creds(sock, &cr, err, errlen);
	if (r)
		return r;
	memset(&ctl, 0, sizeof(ctl));
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_CREDENTIALS;
	cm->cmsg_len = CMSG_LEN(sizeof(cr));
	memcpy(CMSG_DATA(cm), &cr, sizeof(cr));
	if (sendmsg(sock, &mh, 0) < 0) {
		r = -errno;
		if (r == -EPERM)
			snprintf(
			    err, errlen,
			    "no permission: sending to the udev group needs CAP_NET_ADMIN over "
			    "the user namespace that owns the target network namespace (and "
			    "CAP_SETUID to speak as its root)");
		else
			snprintf(err, errlen, "sending the udev message failed: %s", strerror(-r));
		return r;
	}
	return 0;
}

int inject_send(int sock, enum inject_format fmt, const struct strbuf *payload, char *err,
		size_t errlen)
{
	if (fmt == INJECT_KERNEL)
		return send_kernel(sock, payload, err, errlen);
	if (fmt == INJECT_UDEV)
		return send_udev(sock, payload, err, errlen);
	snprintf(err, errlen, "inject_send: one format at a time");
	return -EINVAL;
}

int inject_msg(int sock, const struct uevent_msg *m, enum inject_format fmt, char *err,
	       size_t errlen)
{
	struct strbuf sb;
	int r = 0;

	sb_init(&sb, 1024);
	for (int f = INJECT_KERNEL; !r && f <= INJECT_UDEV; f <<= 1) {
		if (!(fmt & f))
			continue;
		r = inject_validate(m, f, err, errlen);
		if (r)
			break;
		r = inject_build(m, f, &sb);
		if (r == -E2BIG) {
			snprintf(err, errlen,
				 "uevent of %zu bytes is over the %s limit of %d bytes", sb.len,
				 f == INJECT_KERNEL ? "kernel's" : "udev format's",
				 f == INJECT_KERNEL ? INJECT_KERNEL_PAYLOAD_MAX
						    : INJECT_UDEV_PAYLOAD_MAX);
			break;
		}
		if (!r)
			r = inject_send(sock, f, &sb, err, errlen);
	}
	sb_free(&sb);
	return r;
}
