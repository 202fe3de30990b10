// SPDX-License-Identifier: GPL-2.0
/* The recording file: writer (uevscope record), reader (trace -i, replay). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "trace_record.h"

#define WRITE_BUFFER (1 << 20)

static void put(struct rec_writer *w, const void *p, size_t n)
{
	if (w->failed || !n)
		return;
	if (fwrite(p, 1, n, w->f) != n)
		w->failed = true;
	w->bytes += n;
}

static void head(struct rec_writer *w, enum uevrec_type type, size_t len)
{
	struct uevrec_head h = {.len = (__u32)len, .type = type};

	put(w, &h, sizeof(h));
	w->records++;
}

int recw_open(struct rec_writer *w, const char *path, uint64_t clock_offset_ns)
{
	struct uevrec_file_header h = {
	    .magic = UEVREC_MAGIC,
	    .version = UEVREC_VERSION,
	    .header_len = sizeof(h),
	    .clock_offset_ns = clock_offset_ns,
	    .event_fixed_len = sizeof(struct uev_record),
	    .byte_order = 0x01020304,
	};

	memset(w, 0, sizeof(*w));
	w->f = strcmp(path, "-") ? fopen(path, "we") : fdopen(dup(STDOUT_FILENO), "w");
	if (!w->f)
		return -errno;
	setvbuf(w->f, NULL, _IOFBF, WRITE_BUFFER);
	idmap_init(&w->netns_noted);
	idmap_init(&w->owners_noted);
	put(w, &h, sizeof(h));
	return 0;
}

void recw_event(struct rec_writer *w, const void *data, size_t size)
{
	const struct uev_record *rec = data;
	size_t n = sizeof(*rec) + rec->payload_len;

	/* The ring buffer rounds records up: keep only what they hold. */
	if (n > size)
		n = size;
	head(w, UEVREC_EVENT, n);
	put(w, data, n);
}

void recw_note_netns(struct rec_writer *w, uint32_t ino)
{
	const struct netns_container *c;
	struct uevrec_netns n = {.ino = ino};
	const char *name, *label;
	char lbuf[256];
	size_t len = sizeof(n);

	if (!ino || idmap_get(&w->netns_noted, ino))
		return;
	idmap_put(&w->netns_noted, ino, (void *)1);
	name = netns_name(ino);
	label = netns_label(ino, lbuf, sizeof(lbuf));
	c = netns_container(ino);
	if (name) {
		n.flags |= UEVREC_NS_NAME;
		len += strlen(name) + 1;
	}
	if (strcmp(label, "-")) {
		n.flags |= UEVREC_NS_LABEL;
		len += strlen(label) + 1;
	}
	if (c) {
		n.flags |= UEVREC_NS_CONTAINER;
		n.pid = c->pid;
		memcpy(n.comm, c->comm, sizeof(n.comm));
		if (c->cgroup) {
			n.flags |= UEVREC_NS_CGROUP;
			len += strlen(c->cgroup) + 1;
		}
	}
	head(w, UEVREC_NETNS, len);
	put(w, &n, sizeof(n));
	if (name)
		put(w, name, strlen(name) + 1);
	if (n.flags & UEVREC_NS_LABEL)
		put(w, label, strlen(label) + 1);
	if (n.flags & UEVREC_NS_CGROUP)
		put(w, c->cgroup, strlen(c->cgroup) + 1);
}

void recw_note_owners(struct rec_writer *w, uint32_t sock_ino, const struct sock_entry *e)
{
	struct uevrec_owners o = {.sock_ino = sock_ino};
	size_t len = sizeof(o);
	void *last = idmap_get(&w->owners_noted, sock_ino);

	/* NULL is noted as (void *)1 so that "unknown" is also said only once. */
	if (!sock_ino || last == (e ? (const void *)e : (const void *)1))
		return;
	idmap_put(&w->owners_noted, sock_ino, e ? (void *)e : (void *)1);
	if (!e && !last)
		return; /* never known: nothing to say */
	if (e) {
		o.known = 1;
		o.nowners = e->nowners;
		o.extra_owners = e->extra_owners;
		for (unsigned int i = 0; i < e->nowners; i++)
			len += 4 + UEV_COMM_LEN + 2 +
			       (e->owners[i].cgroup ? strlen(e->owners[i].cgroup) : 0);
	}
	head(w, UEVREC_OWNERS, len);
	put(w, &o, sizeof(o));
	for (unsigned int i = 0; e && i < e->nowners; i++) {
		const struct sock_owner *so = &e->owners[i];
		__u32 tgid = so->tgid;
		__u16 cl = so->cgroup ? (__u16)strlen(so->cgroup) : 0xffff;

		put(w, &tgid, 4);
		put(w, so->comm, UEV_COMM_LEN);
		put(w, &cl, 2);
		if (so->cgroup)
			put(w, so->cgroup, cl);
	}
}

void recw_overrun(struct rec_writer *w, const struct uev_sock_info *s, uint64_t wall_ns,
		  uint32_t lost)
{
	struct uevrec_overrun o = {.sock = *s, .wall_ns = wall_ns, .lost = lost};

	head(w, UEVREC_OVERRUN, sizeof(o));
	put(w, &o, sizeof(o));
}

void recw_lost(struct rec_writer *w, uint64_t wall_ns, uint64_t count, const char *what)
{
	struct uevrec_lost l = {.wall_ns = wall_ns, .count = count};

	head(w, UEVREC_LOST, sizeof(l) + strlen(what) + 1);
	put(w, &l, sizeof(l));
	put(w, what, strlen(what) + 1);
}

void recw_summary(struct rec_writer *w, const struct uevrec_summary *s)
{
	head(w, UEVREC_SUMMARY, sizeof(*s));
	put(w, s, sizeof(*s));
}

int recw_close(struct rec_writer *w)
{
	int r = w->failed ? -EIO : 0;

	if (w->f) {
		if (fflush(w->f) && !r)
			r = -errno;
		if (fsync(fileno(w->f)) && errno != EINVAL && !r)
			r = -errno;
		if (fclose(w->f) && !r)
			r = -errno;
		w->f = NULL;
	}
	idmap_free(&w->netns_noted, NULL);
	idmap_free(&w->owners_noted, NULL);
	return r;
}

int recr_open(struct rec_reader *r, const char *path, char *err, size_t errlen)
{
	int fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : dup(STDIN_FILENO);
	size_t cap = 1 << 16;
	ssize_t n;

	memset(r, 0, sizeof(*r));
	if (fd < 0) {
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return -errno;
	}
	r->buf = malloc(cap);
	if (!r->buf)
		abort();
	while ((n = read(fd, r->buf + r->len, cap - r->len)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
			close(fd);
			return -EIO;
		}
		r->len += (size_t)n;
		if (r->len == cap) {
			cap *= 2;
			r->buf = realloc(r->buf, cap);
			if (!r->buf)
				abort();
		}
	}
	close(fd);
	if (r->len < 16 || memcmp(r->buf, UEVREC_MAGIC, 8)) {
		snprintf(err, errlen, "%s is not a uevscope recording (no %s header)", path,
			 "UEVSREC");
		return -EINVAL;
	}
	memcpy(&r->hdr, r->buf, r->len < sizeof(r->hdr) ? r->len : sizeof(r->hdr));
	if (r->hdr.version != UEVREC_VERSION || r->hdr.byte_order != 0x01020304 ||
	    r->hdr.header_len < sizeof(r->hdr) || r->hdr.header_len > r->len ||
	    r->hdr.event_fixed_len != sizeof(struct uev_record)) {
		snprintf(err, errlen,
			 "%s: recording version %u (byte order %#x) is not one this uevscope reads "
			 "(version %d)",
			 path, r->hdr.version, r->hdr.byte_order, UEVREC_VERSION);
		return -EINVAL;
	}
	r->off = r->hdr.header_len;
	return 0;
}

int recr_next(struct rec_reader *r, uint16_t *type, const char **body, uint32_t *len)
{
	struct uevrec_head h;

	if (r->off == r->len)
		return 0;
	if (r->len - r->off < sizeof(h))
		return -EINVAL;
	memcpy(&h, r->buf + r->off, sizeof(h));
	if (h.len > r->len - r->off - sizeof(h))
		return -EINVAL;
	*type = h.type;
	*body = r->buf + r->off + sizeof(h);
	*len = h.len;
	r->off += sizeof(h) + h.len;
	return 1;
}

void recr_close(struct rec_reader *r)
{
	free(r->buf);
	r->buf = NULL;
}

void rec_notes_init(struct rec_notes *n)
{
	idmap_init(&n->netns);
	idmap_init(&n->owners);
}

static void free_netns_note(void *p)
{
	struct rec_netns_note *nn = p;

	if (!nn)
		return;
	free(nn->name);
	free(nn->label);
	free(nn->c.cgroup);
	free(nn);
}

static void free_owners(void *p)
{
	struct sock_entry *e = p;

	for (unsigned int i = 0; e && i < e->nowners; i++)
		free(e->owners[i].cgroup);
	free(e);
}

/* The next NUL-terminated string of body, or NULL when there is none. */
static char *take_str(const char *body, uint32_t len, uint32_t *off)
{
	const char *s = body + *off, *e;

	if (*off >= len)
		return NULL;
	e = memchr(s, '\0', len - *off);
	if (!e)
		return NULL;
	*off += (uint32_t)(e - s) + 1;
	return strdup(s);
}

static int apply_netns(struct rec_notes *n, const char *body, uint32_t len)
{
	struct rec_netns_note *nn;
	struct uevrec_netns h;
	uint32_t off = sizeof(h);

	if (len < sizeof(h))
		return -EINVAL;
	memcpy(&h, body, sizeof(h));
	if (!h.ino)
		return -EINVAL;
	nn = calloc(1, sizeof(*nn));
	if (!nn)
		abort();
	if (h.flags & UEVREC_NS_NAME)
		nn->name = take_str(body, len, &off);
	if (h.flags & UEVREC_NS_LABEL)
		nn->label = take_str(body, len, &off);
	if (h.flags & UEVREC_NS_CONTAINER) {
		nn->has_container = true;
		nn->c.pid = h.pid;
		memcpy(nn->c.comm, h.comm, sizeof(nn->c.comm));
		nn->c.comm[sizeof(nn->c.comm) - 1] = '\0';
		if (h.flags & UEVREC_NS_CGROUP)
			nn->c.cgroup = take_str(body, len, &off);
	}
	free_netns_note(idmap_put(&n->netns, h.ino, nn));
	return 0;
}

static int apply_owners(struct rec_notes *n, const char *body, uint32_t len)
{
	struct uevrec_owners h;
	struct sock_entry *e = NULL;
	uint32_t off = sizeof(h);

	if (len < sizeof(h))
		return -EINVAL;
	memcpy(&h, body, sizeof(h));
	if (!h.sock_ino || h.nowners > SOCK_MAX_OWNERS)
		return -EINVAL;
	if (h.known) {
		e = calloc(1, sizeof(*e));
		if (!e)
			abort();
		e->extra_owners = h.extra_owners;
		for (unsigned int i = 0; i < h.nowners; i++) {
			struct sock_owner *so = &e->owners[i];
			__u16 cl;

			if (len - off < 4 + UEV_COMM_LEN + 2)
				goto bad;
			memcpy(&so->tgid, body + off, 4);
			memcpy(so->comm, body + off + 4, UEV_COMM_LEN);
			so->comm[UEV_COMM_LEN - 1] = '\0';
			memcpy(&cl, body + off + 4 + UEV_COMM_LEN, 2);
			off += 4 + UEV_COMM_LEN + 2;
			e->nowners = i + 1;
			if (cl == 0xffff)
				continue;
			if (len - off < cl)
				goto bad;
			so->cgroup = strndup(body + off, cl);
			off += cl;
		}
	}
	free_owners(idmap_put(&n->owners, h.sock_ino, e));
	return 0;
bad:
	free_owners(e);
	return -EINVAL;
}

int rec_notes_apply(struct rec_notes *n, uint16_t type, const char *body, uint32_t len)
{
	if (type == UEVREC_NETNS)
		return apply_netns(n, body, len);
	if (type == UEVREC_OWNERS)
		return apply_owners(n, body, len);
	return 0;
}

void rec_notes_free(struct rec_notes *n)
{
	idmap_free(&n->netns, free_netns_note);
	idmap_free(&n->owners, free_owners);
}
