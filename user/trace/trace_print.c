// SPDX-License-Identifier: GPL-2.0
#include <string.h>
#include <time.h>
#include "json.h"
#include "nsnames.h"
#include "trace_print.h"

/* Always inlined, so the key's length is known at compile time. */
static inline __attribute__((always_inline)) void sb_key(struct strbuf *sb, const char *key)
{
	sb_putn(sb, ",\"", 2);
	sb_puts(sb, key);
	sb_putn(sb, "\":", 2);
}

/* ,"key":value for an unsigned number, the commonest field of all. */
static inline __attribute__((always_inline)) void json_u64(struct strbuf *sb, const char *key,
							   unsigned long long v)
{
	sb_key(sb, key);
	sb_u64(sb, v);
}

static void json_netns(struct strbuf *sb, uint32_t ino, const char *name)
{
	sb_puts(sb, "{\"inode\":");
	sb_u64(sb, ino);
	sb_puts(sb, ",\"name\":");
	sb_json_cstr(sb, name);
	sb_puts(sb, ",\"container\":");
	json_netns_container(sb, ino);
	sb_putc(sb, '}');
}

static void json_owners(struct strbuf *sb, const struct sock_entry *e)
{
	unsigned int i;

	sb_key(sb, "pid");
	if (e && e->nowners)
		sb_u64(sb, e->owners[0].tgid);
	else
		sb_puts(sb, "null");
	sb_key(sb, "comm");
	sb_json_cstr(sb, e && e->nowners ? e->owners[0].comm : NULL);
	sb_key(sb, "cgroup");
	sb_json_cstr(sb, e && e->nowners ? e->owners[0].cgroup : NULL);
	sb_key(sb, "pids");
	sb_putc(sb, '[');
	for (i = 0; e && i < e->nowners; i++) {
		if (i)
			sb_putc(sb, ',');
		sb_u64(sb, e->owners[i].tgid);
	}
	sb_putc(sb, ']');
	json_u64(sb, "more_pids", e ? e->extra_owners : 0);
}

static void json_uevent(struct strbuf *sb, const struct uevent *ev, const struct print_opts *o)
{
	unsigned int i;

	sb_key(sb, "seqnum");
	if (ev && ev->has_seqnum)
		sb_u64(sb, ev->seqnum);
	else
		sb_puts(sb, "null");
	sb_key(sb, "action");
	sb_json_cstr(sb, ev ? ev->action : NULL);
	sb_key(sb, "devpath");
	sb_json_cstr(sb, ev ? ev->devpath : NULL);
	sb_key(sb, "subsystem");
	sb_json_cstr(sb, ev ? ev->subsystem : NULL);
	if (!o->properties)
		return;
	/* An array, not an object: uevents may repeat a key and order matters. */
	sb_key(sb, "properties");
	sb_putc(sb, '[');
	for (i = 0; ev && i < ev->nprops; i++) {
		if (i)
			sb_putc(sb, ',');
		sb_putc(sb, '[');
		sb_json_cstr(sb, ev->props[i].key);
		sb_putc(sb, ',');
		sb_json_cstr(sb, ev->props[i].val);
		sb_putc(sb, ']');
	}
	sb_putc(sb, ']');
}

static void json_origin(struct strbuf *sb, const struct uev_record *rec)
{
	sb_key(sb, "origin");
	sb_puts(sb,
		rec->flags & UEV_F_INJECTED ? "{\"kind\":\"injected\"" : "{\"kind\":\"kernel\"");
	json_u64(sb, "pid", rec->origin_tgid);
	json_u64(sb, "tid", rec->origin_tid);
	sb_key(sb, "comm");
	sb_json_str(sb, rec->origin_comm, strnlen(rec->origin_comm, UEV_COMM_LEN));
	json_u64(sb, "netns", rec->origin_netns_ino);
	json_u64(sb, "userns", rec->origin_userns_ino);
	json_u64(sb, "creds_pid", rec->creds_pid);
	sb_putc(sb, '}');
}

static void json_head(struct strbuf *sb, const char *type, uint64_t wall_ns)
{
	sb_puts(sb, "{\"type\":\"");
	sb_puts(sb, type);
	sb_puts(sb, "\",\"time_ns\":");
	sb_u64(sb, wall_ns);
}

static void json_flags(struct strbuf *sb, const struct uev_record *rec, const struct uevent *ev)
{
	sb_key(sb, "truncated");
	sb_puts(sb, (rec->flags & UEV_F_TRUNCATED) || (ev && ev->truncated) ? "true" : "false");
	sb_key(sb, "payload");
	sb_puts(sb, rec->flags & UEV_F_NO_PAYLOAD ? "false" : "true");
}

static void text_uevent(struct strbuf *sb, const struct trace_view *v)
{
	const struct uevent *ev = v->ev;

	sb_wall_time(sb, v->wall_ns);
	sb_puts(sb, " seq=");
	if (ev && ev->has_seqnum)
		sb_u64(sb, ev->seqnum);
	else
		sb_putc(sb, '-');
	sb_putc(sb, ' ');
	if (!ev) {
		sb_puts(sb, "(payload gone before it could be read)");
	} else {
		sb_text(sb, ev->action[0] ? ev->action : "-");
		sb_putc(sb, ' ');
		sb_text(sb, ev->devpath[0] ? ev->devpath : "-");
		sb_puts(sb, " (");
		sb_text(sb, ev->subsystem);
		sb_putc(sb, ')');
	}
}

static void text_netns(struct strbuf *sb, const char *key, uint32_t ino, const char *name)
{
	sb_puts(sb, key);
	sb_u64(sb, ino);
	if (name) {
		sb_putc(sb, '[');
		sb_text(sb, name);
		sb_putc(sb, ']');
	}
}

static void text_origin(struct strbuf *sb, const struct uev_record *rec)
{
	sb_puts(sb, rec->flags & UEV_F_INJECTED ? " origin=injected tx=" : " origin=kernel tx=");
	sb_u64(sb, rec->origin_tgid);
	sb_putc(sb, '/');
	sb_text(sb, rec->origin_comm);
	sb_puts(sb, " tx_netns=");
	sb_u64(sb, rec->origin_netns_ino);
	sb_puts(sb, " tx_userns=");
	sb_u64(sb, rec->origin_userns_ino);
}

static void text_owners(struct strbuf *sb, const struct sock_entry *e)
{
	sb_puts(sb, " rx=");
	if (!e || !e->nowners) {
		sb_puts(sb, "?");
		return;
	}
	sb_u64(sb, e->owners[0].tgid);
	sb_putc(sb, '/');
	sb_text(sb, e->owners[0].comm);
	if (e->nowners + e->extra_owners > 1) {
		sb_putc(sb, '+');
		sb_u64(sb, e->nowners + e->extra_owners - 1);
	}
	sb_puts(sb, " cgroup=");
	sb_text(sb, e->owners[0].cgroup ? e->owners[0].cgroup : "?");
}

static void text_properties(struct strbuf *sb, const struct uevent *ev)
{
	unsigned int i;

	for (i = 0; ev && i < ev->nprops; i++) {
		sb_puts(sb, "\n    ");
		sb_text(sb, ev->props[i].key);
		sb_putc(sb, '=');
		sb_text(sb, ev->props[i].val);
	}
	if (ev && ev->dropped_props) {
		sb_puts(sb, "\n    (");
		sb_u64(sb, ev->dropped_props);
		sb_puts(sb, " more properties not shown)");
	}
}

/* Where a uevent went: netns, its owner, and the receiving socket and processes. */
static void text_receiver(struct strbuf *sb, const struct uev_sock_info *s, const char *netns_name,
			  const struct sock_entry *owners)
{
	text_netns(sb, " netns=", s->netns_ino, netns_name);
	sb_puts(sb, " userns=");
	sb_u64(sb, s->userns_ino);
	text_owners(sb, owners);
	sb_puts(sb, " portid=");
	sb_u64(sb, s->portid);
}

static void json_receiver(struct strbuf *sb, const struct uev_sock_info *s, const char *netns_name,
			  const struct sock_entry *owners)
{
	sb_key(sb, "netns");
	json_netns(sb, s->netns_ino, netns_name);
	json_u64(sb, "userns", s->userns_ino);
	sb_key(sb, "receiver");
	sb_puts(sb, "{\"portid\":");
	sb_u64(sb, s->portid);
	json_owners(sb, owners);
	json_u64(sb, "cgroup_id", s->cgroup_id);
	json_u64(sb, "sock_inode", s->sock_ino);
	json_u64(sb, "drops", s->sk_drops);
	json_u64(sb, "rmem_alloc", s->rmem_alloc);
	json_u64(sb, "rcvbuf", s->rcvbuf);
	sb_putc(sb, '}');
}

void sock_info_from_record(struct uev_sock_info *s, const struct uev_record *rec)
{
	*s = (struct uev_sock_info){
	    .cgroup_id = rec->cgroup_id,
	    .netns_ino = rec->netns_ino,
	    .userns_ino = rec->userns_ino,
	    .sock_ino = rec->sock_ino,
	    .portid = rec->portid,
	    .sk_drops = rec->sk_drops,
	    .rmem_alloc = rec->rmem_alloc,
	    .rcvbuf = rec->rcvbuf,
	};
}

void print_delivery(struct strbuf *sb, const struct trace_view *v, const struct print_opts *o)
{
	const struct uev_record *rec = v->rec;
	struct uev_sock_info sock;

	sock_info_from_record(&sock, rec);
	if (!o->json) {
		text_uevent(sb, v);
		text_receiver(sb, &sock, v->netns_name, v->owners);
		text_origin(sb, rec);
		if (o->properties)
			text_properties(sb, v->ev);
		sb_putc(sb, '\n');
		return;
	}
	json_head(sb, "delivery", v->wall_ns);
	json_uevent(sb, v->ev, o);
	json_receiver(sb, &sock, v->netns_name, v->owners);
	json_origin(sb, rec);
	json_flags(sb, rec, v->ev);
	sb_puts(sb, "}\n");
}

void print_emission(struct strbuf *sb, const struct trace_view *v, const struct print_opts *o)
{
	const struct uev_record *rec = v->rec;
	/* netlink_broadcast() returns -ESRCH when no socket took the uevent. */
	const char *result = v->retval == -3 ? "no_listener" : v->retval ? "error" : "delivered";

	if (!o->json) {
		text_uevent(sb, v);
		text_netns(sb, " EMIT netns=", rec->netns_ino, v->netns_name);
		sb_puts(sb, " result=");
		sb_puts(sb, result);
		sb_puts(sb, " deliveries=");
		sb_u64(sb, v->deliveries);
		text_origin(sb, rec);
		if (o->properties)
			text_properties(sb, v->ev);
		sb_putc(sb, '\n');
		return;
	}
	json_head(sb, "emission", v->wall_ns);
	json_uevent(sb, v->ev, o);
	sb_key(sb, "netns");
	json_netns(sb, rec->netns_ino, v->netns_name);
	json_u64(sb, "userns", rec->userns_ino);
	sb_key(sb, "result");
	sb_json_cstr(sb, result);
	sb_key(sb, "retval");
	sb_i64(sb, v->retval);
	json_u64(sb, "deliveries", v->deliveries);
	json_origin(sb, rec);
	json_flags(sb, rec, v->ev);
	sb_puts(sb, "}\n");
}

void print_overrun(struct strbuf *sb, const struct overrun_view *v, const struct print_opts *o)
{
	const struct uev_sock_info *s = v->sock;

	if (!o->json) {
		sb_wall_time(sb, v->wall_ns);
		sb_puts(sb, " OVERRUN lost=");
		sb_u64(sb, v->lost);
		sb_puts(sb, " drops_total=");
		sb_u64(sb, s->sk_drops);
		text_receiver(sb, s, v->netns_name, v->owners);
		sb_puts(sb, " rcvbuf=");
		sb_u64(sb, s->rcvbuf);
		sb_putc(sb, '\n');
		return;
	}
	json_head(sb, "overrun", v->wall_ns);
	json_u64(sb, "lost", v->lost);
	json_u64(sb, "drops_total", s->sk_drops);
	json_receiver(sb, s, v->netns_name, v->owners);
	sb_puts(sb, "}\n");
}

void print_lost(struct strbuf *sb, uint64_t wall_ns, const char *what, uint64_t count,
		const struct print_opts *o)
{
	if (!o->json) {
		sb_wall_time(sb, wall_ns);
		sb_puts(sb, " LOST ");
		sb_u64(sb, count);
		sb_putc(sb, ' ');
		sb_puts(sb, what);
		sb_putc(sb, '\n');
		return;
	}
	json_head(sb, "lost", wall_ns);
	json_u64(sb, "count", count);
	sb_key(sb, "what");
	sb_json_cstr(sb, what);
	sb_puts(sb, "}\n");
}
