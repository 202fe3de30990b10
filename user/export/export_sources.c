// SPDX-License-Identifier: GPL-2.0
/* The exporter's other sources. See export_sources.h. */
#include <errno.h>
#include <string.h>
#include "common.h"
#include "export_sources.h"
#include "filter/filter_policy.h"
#include "locks/locks_print.h"
#include "procfs.h"

void export_sources_init(struct export_sources *s)
{
	memset(s, 0, sizeof(*s));
	s->filter_st.lock_fd = -1;
	s->filter_st.prog_fd = -1;
}

int export_sources_locks(struct export_sources *s)
{
	s->lk_args.top = 1;
	s->locks.on = lk_run_open(&s->lk, &s->lk_args) == EXIT_OK;
	if (!s->locks.on)
		return EXIT_ENV;
	s->locks.churn = s->lk.la.churn;
	s->locks.bcast = s->lk.la.bcast_tier != NULL;
	return EXIT_OK;
}

static void filter_close(struct export_sources *s)
{
	if (s->filter_open)
		filter_state_close(&s->filter_st);
	s->filter_open = false;
}

/*
 * Opening the pinned state loads its programs (not attached): done once,
 * and again only when the policy was flushed and made anew. Each read holds
 * the policy lock just while it reads, as `filter watch` does.
 */
static void read_filter(struct export_sources *s)
{
	struct export_filter *out = &s->filter;
	struct filter_set set;
	char err[256];
	size_t i;

	out->loaded = false;
	if (!filter_state_exists()) {
		filter_close(s);
		return;
	}
	if (s->filter_open && !filter_state_current(&s->filter_st))
		filter_close(s);
	if (!s->filter_open) {
		if (filter_state_open(&s->filter_st, false, err, sizeof(err))) {
			if (!s->filter_warned)
				uev_err("export: filter metrics left out: %s", err);
			s->filter_warned = true;
			return;
		}
		s->filter_open = true;
	} else if (filter_state_relock(&s->filter_st)) {
		filter_close(s);
		return;
	}
	filter_state_read_set(&s->filter_st, &set);
	out->nrules = set.nrules;
	for (i = 0; i < set.nrules; i++) {
		out->rules[i].id = set.rules[i].id;
		memcpy(out->rules[i].text, set.rules[i].text, sizeof(out->rules[i].text));
		out->rules[i].text[sizeof(out->rules[i].text) - 1] = '\0';
		filter_state_rule_stats(&s->filter_st, set.rules[i].id, &out->rules[i].allowed,
					&out->rules[i].denied);
	}
	filter_state_counters(&s->filter_st, out->counters);
	filter_state_unlock(&s->filter_st);
	out->loaded = true;
	s->filter_warned = false;
}

static void read_devices(struct export_sources *s)
{
	char err[256];

	if (devices_read(&s->devices, err, sizeof(err))) {
		if (!s->devices_warned)
			uev_err("export: device policy metrics left out: %s", err);
		s->devices_warned = true;
		s->devices.present = false;
		return;
	}
	s->devices_warned = false;
}

static void stat_add(struct lk_stat *sum, const struct lk_stat *st)
{
	size_t i;

	sum->count += st->count;
	sum->total_ns += st->total_ns;
	if (st->max_ns > sum->max_ns)
		sum->max_ns = st->max_ns;
	for (i = 0; i < LOCKS_HIST_SLOTS; i++)
		sum->hist[i] += st->hist[i];
}

/* One locks report (since the last read) added to the totals: only uevent_sock_mutex. */
static void read_locks(struct export_sources *s)
{
	struct export_locks *l = &s->locks;
	struct lk_report r;
	size_t i;

	if (!s->lk.filter_lock)
		lk_run_identify(&s->lk);
	lk_run_collect(&s->lk, &r, false);
	for (i = 0; i < r.nlocks; i++)
		if (r.locks[i].identified)
			stat_add(&l->wait, r.locks[i].st);
	stat_add(&l->broadcast, &r.bcast);
	for (i = 0; i < LOCKS_CNT__COUNT; i++)
		l->counters[i] += r.counters[i];
	l->netns_created += r.netns_created;
	l->netns_destroyed += r.netns_destroyed;
	l->missed_runs = r.missed_runs;
	lk_run_release(&s->lk, &r);
}

void export_sources_read(struct export_sources *s)
{
	read_filter(s);
	read_devices(s);
	s->seqnum_ok = read_uevent_seqnum(&s->seqnum);
	if (s->locks.on)
		read_locks(s);
}

static void add_program(struct export_input *in, const char *component, const char *attach_type)
{
	struct export_program *p;

	if (in->nprograms == EXPORT_MAX_PROGRAMS)
		return;
	p = &in->programs[in->nprograms++];
	p->component = component;
	p->attach_type = attach_type ? attach_type : "none";
	p->attached = attach_type != NULL;
}

void export_sources_programs(const struct export_sources *s, struct export_input *in)
{
	add_program(in, "filter",
		    s->filter.loaded
			? (s->filter_st.tier == FILTER_TIER_LSM ? "lsm/socket_sock_rcv_skb"
								: "socket_filter")
			: NULL);
	add_program(in, "devices", s->devices.present && s->devices.n ? "cgroup/dev" : NULL);
	if (!s->locks.on)
		return;
	add_program(in, "locks_contention", s->lk.la.tier);
	add_program(in, "locks_broadcast", s->lk.la.bcast_tier);
}

void export_sources_close(struct export_sources *s)
{
	filter_close(s);
	if (s->locks.on) {
		locks_stop(&s->lk.la);
		lk_run_free(&s->lk);
		locks_detach(&s->lk.la);
		lk_names_free(&s->lk.names);
	}
}
