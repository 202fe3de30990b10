// SPDX-License-Identifier: GPL-2.0
#include <string.h>
#include <time.h>
#include "json.h"
#include "nsnames.h"
#include "trace_print.h"

void (*trace_json_container)(struct strbuf *sb, uint32_t netns_ino) = json_netns_container;

static void json_netns(struct json_writer *w, const char *key, uint32_t ino, const char *name)
{
	jw_object(w, key);
	jw_u64(w, "inode", ino);
	jw_str(w, "name", name);
	trace_json_container(jw_value(w, "container"), ino);
	jw_object_end(w);
}

static void json_owners(struct json_writer *w, const struct sock_entry *e)
{
	unsigned int i;

	if (e && e->nowners)
		jw_u64(w, "pid", e->owners[0].tgid);
	else
		jw_null(w, "pid");
	jw_str(w, "comm", e && e->nowners ? e->owners[0].comm : NULL);
	jw_str(w, "cgroup", e && e->nowners ? e->owners[0].cgroup : NULL);
	jw_array(w, "pids");
	for (i = 0; e && i < e->nowners; i++)
		jw_u64(w, NULL, e->owners[i].tgid);
	jw_array_end(w);
	jw_u64(w, "more_pids", e ? e->extra_owners : 0);
}

static void json_uevent(struct json_writer *w, const struct uevent *ev, const struct print_opts *o)
{
	unsigned int i;

	if (ev && ev->has_seqnum)
		jw_u64(w, "seqnum", ev->seqnum);
	else
		jw_null(w, "seqnum");
	jw_str(w, "action", ev ? ev->action : NULL);
	jw_str(w, "devpath", ev ? ev->devpath : NULL);
	jw_str(w, "subsystem", ev ? ev->subsystem : NULL);
	if (!o->properties)
		return;
	/* An array, not an object: uevents may repeat a key and order matters. */
	jw_array(w, "properties");
	for (i = 0; ev && i < ev->nprops; i++) {
		jw_array(w, NULL);
		jw_str(w, NULL, ev->props[i].key);
		jw_str(w, NULL, ev->props[i].val);
		jw_array_end(w);
	}
	jw_array_end(w);
}

static void json_origin(struct json_writer *w, const struct uev_record *rec)
{
	jw_object(w, "origin");
	jw_str(w, "kind", rec->flags & UEV_F_INJECTED ? "injected" : "kernel");
	jw_u64(w, "pid", rec->origin_tgid);
	jw_u64(w, "tid", rec->origin_tid);
	jw_strn(w, "comm", rec->origin_comm, strnlen(rec->origin_comm, UEV_COMM_LEN));
	jw_u64(w, "netns", rec->origin_netns_ino);
	jw_u64(w, "userns", rec->origin_userns_ino);
	jw_u64(w, "creds_pid", rec->creds_pid);
	jw_object_end(w);
}

/* A trace record: {"schema":1,"type":TYPE,"time_ns":N, ... */
static void json_head(struct json_writer *w, struct strbuf *sb, const char *type, uint64_t wall_ns)
{
	jw_record(w, sb);
	jw_str(w, "type", type);
	jw_u64(w, "time_ns", wall_ns);
}

static void json_flags(struct json_writer *w, const struct uev_record *rec, const struct uevent *ev)
{
	jw_bool(w, "truncated", (rec->flags & UEV_F_TRUNCATED) || (ev && ev->truncated));
	jw_bool(w, "payload", !(rec->flags & UEV_F_NO_PAYLOAD));
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

static void json_receiver(struct json_writer *w, const struct uev_sock_info *s,
			  const char *netns_name, const struct sock_entry *owners)
{
	json_netns(w, "netns", s->netns_ino, netns_name);
	jw_u64(w, "userns", s->userns_ino);
	jw_object(w, "receiver");
	jw_u64(w, "portid", s->portid);
	json_owners(w, owners);
	jw_u64(w, "cgroup_id", s->cgroup_id);
	jw_u64(w, "sock_inode", s->sock_ino);
	jw_u64(w, "drops", s->sk_drops);
	jw_u64(w, "rmem_alloc", s->rmem_alloc);
	jw_u64(w, "rcvbuf", s->rcvbuf);
	jw_object_end(w);
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
	struct json_writer w;
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
	json_head(&w, sb, "delivery", v->wall_ns);
	json_uevent(&w, v->ev, o);
	json_receiver(&w, &sock, v->netns_name, v->owners);
	json_origin(&w, rec);
	json_flags(&w, rec, v->ev);
	jw_record_end(&w);
}

void print_emission(struct strbuf *sb, const struct trace_view *v, const struct print_opts *o)
{
	const struct uev_record *rec = v->rec;
	/* netlink_broadcast() returns -ESRCH when no socket took the uevent. */
	const char *result = v->retval == -3 ? "no_listener" : v->retval ? "error" : "delivered";
	struct json_writer w;

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
	json_head(&w, sb, "emission", v->wall_ns);
	json_uevent(&w, v->ev, o);
	json_netns(&w, "netns", rec->netns_ino, v->netns_name);
	jw_u64(&w, "userns", rec->userns_ino);
	jw_str(&w, "result", result);
	jw_i64(&w, "retval", v->retval);
	jw_u64(&w, "deliveries", v->deliveries);
	json_origin(&w, rec);
	json_flags(&w, rec, v->ev);
	jw_record_end(&w);
}

void print_overrun(struct strbuf *sb, const struct overrun_view *v, const struct print_opts *o)
{
	const struct uev_sock_info *s = v->sock;
	struct json_writer w;

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
	json_head(&w, sb, "overrun", v->wall_ns);
	jw_u64(&w, "lost", v->lost);
	jw_u64(&w, "drops_total", s->sk_drops);
	json_receiver(&w, s, v->netns_name, v->owners);
	jw_record_end(&w);
}

void print_lost(struct strbuf *sb, uint64_t wall_ns, const char *what, uint64_t count,
		const struct print_opts *o)
{
	struct json_writer w;

	if (!o->json) {
		sb_wall_time(sb, wall_ns);
		sb_puts(sb, " LOST ");
		sb_u64(sb, count);
		sb_putc(sb, ' ');
		sb_puts(sb, what);
		sb_putc(sb, '\n');
		return;
	}
	json_head(&w, sb, "lost", wall_ns);
	jw_u64(&w, "count", count);
	jw_str(&w, "what", what);
	jw_record_end(&w);
}

void print_gap(struct strbuf *sb, uint64_t wall_ns, uint64_t first, uint64_t last, bool uncertain,
	       const struct print_opts *o)
{
	struct json_writer w;

	if (!o->json) {
		sb_wall_time(sb, wall_ns);
		sb_puts(sb, " gap seq=");
		sb_u64(sb, first);
		if (last != first) {
			sb_putc(sb, '-');
			sb_u64(sb, last);
		}
		sb_puts(sb, " count=");
		sb_u64(sb, last - first + 1);
		sb_puts(sb, uncertain ? " reached no listener, or was lost (payload gone or ring "
					"buffer full)\n"
				      : " reached no listener (content unknown)\n");
		return;
	}
	json_head(&w, sb, "gap", wall_ns);
	jw_u64(&w, "first_seqnum", first);
	jw_u64(&w, "last_seqnum", last);
	jw_u64(&w, "count", last - first + 1);
	jw_bool(&w, "uncertain", uncertain);
	jw_record_end(&w);
}
