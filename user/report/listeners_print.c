// SPDX-License-Identifier: GPL-2.0
#include "json.h"
#include "listeners_print.h"
#include "nsnames.h"

static void json_socket(struct json_writer *w, const struct listener_view *v)
{
	const struct uev_sock_info *s = v->sock;
	const struct sock_entry *e = v->owners;
	unsigned int j;

	jw_object(w, NULL);
	jw_object(w, "netns");
	jw_u64(w, "inode", s->netns_ino);
	jw_str(w, "name", v->netns_name);
	json_netns_container(jw_value(w, "container"), s->netns_ino);
	jw_object_end(w);
	jw_u64(w, "userns", s->userns_ino);
	jw_u64(w, "sock_inode", s->sock_ino);
	jw_u64(w, "portid", s->portid);
	jw_u64(w, "groups", s->groups);
	jw_u64(w, "ngroups", s->ngroups);
	jw_u64(w, "rcvbuf", s->rcvbuf);
	jw_u64(w, "rmem_alloc", s->rmem_alloc);
	jw_u64(w, "drops", s->sk_drops);
	jw_object(w, "filter");
	jw_bool(w, "attached", s->has_filter);
	jw_bool(w, "locked", s->filter_locked);
	jw_object_end(w);
	jw_u64(w, "cgroup_id", s->cgroup_id);
	jw_array(w, "processes");
	for (j = 0; e && j < e->nowners; j++) {
		jw_object(w, NULL);
		jw_u64(w, "pid", e->owners[j].tgid);
		jw_str(w, "comm", e->owners[j].comm);
		jw_str(w, "cgroup", e->owners[j].cgroup);
		jw_object_end(w);
	}
	jw_array_end(w);
	jw_u64(w, "more_processes", e ? e->extra_owners : 0);
	jw_object_end(w);
}

void listeners_print_json(struct strbuf *sb, const struct listener_view *v, size_t n,
			  const char *tier)
{
	struct json_writer w;
	size_t i;

	jw_record(&w, sb);
	jw_str(&w, "type", "listeners");
	jw_str(&w, "tier", tier);
	jw_array(&w, "sockets");
	for (i = 0; i < n; i++)
		json_socket(&w, &v[i]);
	jw_array_end(&w);
	jw_u64(&w, "count", n);
	jw_record_end(&w);
}
