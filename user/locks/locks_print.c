// SPDX-License-Identifier: GPL-2.0
/* Text and JSON printers for uevscope locks reports: see locks_print.h. */
#include <string.h>
#include <time.h>

#include "common.h"
#include "json.h"
#include "locks_print.h"

#define PATH_FRAMES_TEXT 6 /* frames of a call path on one text line */
#define HIST_BAR	 40

static const char *const counter_names[LOCKS_CNT__COUNT] = {
    [LOCKS_CNT_STACK_FAIL] = "stack_capture_failed",
    [LOCKS_CNT_TASK_FULL] = "waiting_task_map_full",
    [LOCKS_CNT_LOCK_FULL] = "lock_map_full",
    [LOCKS_CNT_PATH_FULL] = "path_map_full",
    [LOCKS_CNT_WAITER_FULL] = "task_name_map_full",
    [LOCKS_CNT_GEN_RACE] = "generation_raced",
    [LOCKS_CNT_EVENT_LOST] = "event_lost",
    [LOCKS_CNT_WALK_FULL] = "walk_map_full",
    [LOCKS_CNT_RETURN_MISSED] = "return_missed",
};

/* "870 ns", "4.61 us", "12.3 ms", "1.234 s": three or four significant digits. */
static void put_ns(struct strbuf *sb, uint64_t ns)
{
	if (ns < 1000)
		sb_printf(sb, "%llu ns", (unsigned long long)ns);
	else if (ns < 1000000)
		sb_printf(sb, "%.2f us", ns / 1e3);
	else if (ns < 1000000000)
		sb_printf(sb, "%.2f ms", ns / 1e6);
	else
		sb_printf(sb, "%.3f s", ns / 1e9);
}

static void put_col_ns(struct strbuf *sb, uint64_t ns, size_t width)
{
	struct strbuf tmp;
	size_t pad;

	sb_init(&tmp, 32);
	put_ns(&tmp, ns);
	for (pad = tmp.len; pad < width; pad++)
		sb_putc(sb, ' ');
	sb_putn(sb, tmp.buf, tmp.len);
	sb_free(&tmp);
}

static uint64_t mean_ns(const struct lk_stat *st)
{
	return st->count ? st->total_ns / st->count : 0;
}

static void put_rate(struct strbuf *sb, uint64_t n, double secs)
{
	sb_printf(sb, "%llu (%.1f/s)", (unsigned long long)n, secs > 0 ? n / secs : 0.0);
}

static void put_frame(struct strbuf *sb, const struct lk_stack *s, size_t i, bool offsets)
{
	if (s->name[i] && offsets)
		sb_printf(sb, "%s+0x%llx", s->name[i], (unsigned long long)s->off[i]);
	else if (s->name[i])
		sb_puts(sb, s->name[i]);
	else
		sb_printf(sb, "0x%llx", (unsigned long long)s->addr[i]);
}

static void text_header(struct strbuf *out, const struct lk_report *r)
{
	time_t t = (time_t)(r->wall_ns / 1000000000ull);
	struct tm tm;
	char when[16];

	localtime_r(&t, &tm);
	strftime(when, sizeof(when), "%H:%M:%S", &tm);
	sb_printf(out, "%s %s %.2fs  uevents ", when, r->final ? "total" : "interval", r->seconds);
	if (r->seqnum_ok)
		put_rate(out, r->uevents, r->seconds);
	else
		sb_puts(out, "n/a");
	sb_puts(out, "  netns created ");
	if (r->churn_ok) {
		put_rate(out, r->netns_created, r->seconds);
		sb_puts(out, " destroyed ");
		put_rate(out, r->netns_destroyed, r->seconds);
	} else {
		sb_puts(out, "n/a");
	}
	sb_printf(out, "  contentions %llu\n", (unsigned long long)r->contentions);
	if (!r->bcast_tier) {
		sb_puts(out,
			"broadcast: not timed (no fentry or kprobes on netlink_broadcast here)\n");
		return;
	}
	/* One call per listening netns per untagged uevent: calls per uevent = namespaces walked.
	 */
	sb_printf(out, "broadcast (%s on uevent sockets): %llu calls", r->bcast_tier,
		  (unsigned long long)r->bcast.count);
	if (r->seqnum_ok && r->uevents)
		sb_printf(out, " (%.2f per uevent)", (double)r->bcast.count / r->uevents);
	sb_puts(out, ", total ");
	put_ns(out, r->bcast.total_ns);
	sb_puts(out, ", max ");
	put_ns(out, r->bcast.max_ns);
	sb_puts(out, ", mean ");
	put_ns(out, mean_ns(&r->bcast));
	sb_putc(out, '\n');
}

static void text_hist(struct strbuf *out, const struct lk_stat *st)
{
	int lo = LOCKS_HIST_SLOTS, hi = -1;
	uint64_t peak = 0;

	for (int i = 0; i < LOCKS_HIST_SLOTS; i++) {
		if (!st->hist[i])
			continue;
		lo = i < lo ? i : lo;
		hi = i;
		peak = st->hist[i] > peak ? st->hist[i] : peak;
	}
	for (int i = lo; i <= hi; i++) {
		size_t start = out->len;
		int bar = peak ? (int)(st->hist[i] * HIST_BAR / peak) : 0;

		sb_puts(out, "      ");
		put_col_ns(out, i ? 1ull << i : 0, 10);
		sb_puts(out, " .. ");
		put_ns(out, 1ull << (i + 1));
		sb_pad(out, start, 32);
		sb_printf(out, "%10llu |", (unsigned long long)st->hist[i]);
		for (int b = 0; b < bar; b++)
			sb_putc(out, '*');
		sb_putc(out, '\n');
	}
}

static void text_stat(struct strbuf *out, const struct lk_stat *st)
{
	sb_printf(out, "%10llu", (unsigned long long)st->count);
	put_col_ns(out, st->total_ns, 12);
	put_col_ns(out, st->max_ns, 11);
	put_col_ns(out, mean_ns(st), 11);
}

/* Namespaces now, and 2x and 4x as many (what-if). */
static const double whatif_scale[] = {1, 2, 4};

static double walk_nets_mean(const struct lk_walk_view *w)
{
	return w->part[LOCKS_WALK_ALL].count ? (double)w->nets_sum / w->part[LOCKS_WALK_ALL].count
					     : 0;
}

static const char *const off_how[] = {"preempted", "yielded", "slept"};

/* Where the walk's time went: on CPU (the walk's own work) and off CPU, by how. */
static void text_walk_parts(struct strbuf *out, const struct lk_walk_view *w)
{
	const struct lk_stat *all = &w->part[LOCKS_WALK_ALL], *off = &w->part[LOCKS_WALK_OFF_CPU];

	sb_puts(out, "    on CPU: mean ");
	put_ns(out, mean_ns(&w->part[LOCKS_WALK_ON_CPU]));
	if (w->step_on_ns > 0) {
		sb_puts(out, ", per namespace ");
		put_ns(out, (uint64_t)(w->step_on_ns + 0.5));
	}
	sb_printf(out, "; off CPU: %.1f%% of the walk time, in %llu walks of %llu",
		  all->total_ns ? 100.0 * off->total_ns / all->total_ns : 0.0,
		  (unsigned long long)off->count, (unsigned long long)all->count);
	for (int p = LOCKS_WALK_PREEMPTED; p <= LOCKS_WALK_SLEPT; p++) {
		if (!w->part[p].count)
			continue;
		sb_printf(out, "; %s in %llu (", off_how[p], (unsigned long long)w->part[p].count);
		put_ns(out, w->part[p].total_ns);
		sb_putc(out, ')');
	}
	sb_printf(out, "\n    wake-ups: %.3f per namespace step", w->wakes_per_step);
	if (w->wake_ns > 0) {
		sb_puts(out, ", one costs ");
		put_ns(out, (uint64_t)(w->wake_ns + 0.5));
		sb_puts(out, ", step without one ");
		put_ns(out, (uint64_t)(w->step_base_ns + 0.5));
	} else {
		sb_puts(out, " (too even to fit their cost)");
	}
	if (w->bound >= 0)
		sb_printf(out, "; every step scans the %d bound uevent sockets of the host",
			  w->bound);
	sb_putc(out, '\n');
}

static void text_walk(struct strbuf *out, const struct lk_report *r)
{
	const struct lk_walk_view *w = &r->walk;
	const struct lk_stat *all = &w->part[LOCKS_WALK_ALL];
	double nets = walk_nets_mean(w);

	if (!w->tier) {
		sb_puts(out, "walk: not timed (no sk_data_ready tracepoint here)\n");
		return;
	}
	sb_printf(out,
		  "walk (%s, first to last delivery of one kernel uevent by its sender): "
		  "%llu walks, %.1f namespaces each (max %u)",
		  w->tier, (unsigned long long)all->count, nets, w->nets_max);
	if (!all->count) {
		sb_putc(out, '\n');
		return;
	}
	sb_puts(out, ", total ");
	put_ns(out, all->total_ns);
	sb_puts(out, ", max ");
	put_ns(out, all->max_ns);
	sb_puts(out, ", mean ");
	put_ns(out, mean_ns(all));
	if (w->step_ns > 0) {
		sb_puts(out, "; per namespace ");
		put_ns(out, (uint64_t)(w->step_ns + 0.5));
	}
	sb_putc(out, '\n');
	text_walk_parts(out, w);
	sb_puts(out, "    walk time histogram:\n");
	text_hist(out, all);
	if (w->step_on_ns <= 0)
		return;
	sb_puts(out,
		"    what-if, uevent_sock_mutex held per uevent for its walk (on CPU; wake-ups as "
		"now .. every listener asleep):");
	for (size_t i = 0; i < ARRAY_SIZE(whatif_scale); i++) {
		double n = nets * whatif_scale[i], hold = lk_walk_predict_ns(w, n, false);
		double most = lk_walk_predict_ns(w, n, true);

		sb_printf(out, "%s %.0f namespaces ", i ? ";" : "", n);
		put_ns(out, (uint64_t)(hold + 0.5));
		if (most > hold) {
			sb_puts(out, " .. ");
			put_ns(out, (uint64_t)(most + 0.5));
		}
		if (r->seqnum_ok && r->seconds > 0)
			sb_printf(out, " (%.1f%% of the time at %.0f uevents/s)",
				  100.0 * hold * 1e-9 * r->uevents / r->seconds,
				  r->uevents / r->seconds);
		if (!i)
			sb_puts(out, " now");
	}
	sb_putc(out, '\n');
}

static void text_lock(struct strbuf *out, const struct lk_lock_view *l)
{
	sb_printf(out, "\nlock 0x%llx %s", (unsigned long long)l->addr, lk_kind(l->st->flags));
	if (l->symbol)
		sb_printf(out, " %s (kallsyms)", l->symbol);
	else if (l->identified)
		sb_printf(out,
			  " %s (no kallsyms data symbol; identified by its waiters: mutex_lock "
			  "called from %s)",
			  l->identified, l->identified_by);
	if (l->uevent_path)
		sb_puts(out, " [uevent path]");
	sb_puts(out, "\n     CONTENDED  TOTAL WAIT        MAX       MEAN\n    ");
	text_stat(out, l->st);
	sb_puts(out, "\n    wait time histogram:\n");
	text_hist(out, l->st);
	sb_printf(out, "    call paths (%zu of %zu):\n", l->paths_shown, l->npaths);
	for (size_t i = 0; i < l->paths_shown; i++) {
		const struct lk_path_view *p = &l->paths[i];

		sb_puts(out, "    ");
		text_stat(out, p->st);
		sb_puts(out, "  ");
		if (!p->stack) {
			sb_printf(out, "[stack unavailable: %d]\n", p->stack_id);
			continue;
		}
		if (p->stack->pc.uevent_fn)
			sb_puts(out, "[uevent] ");
		for (size_t f = p->stack->pc.first, k = 0; f < p->stack->n && k < PATH_FRAMES_TEXT;
		     f++, k++) {
			if (k)
				sb_puts(out, " <- ");
			put_frame(out, p->stack, f, false);
		}
		sb_putc(out, '\n');
	}
	sb_printf(out, "    contending tasks (%zu of %zu):\n", l->tasks_shown, l->ntasks);
	for (size_t i = 0; i < l->tasks_shown; i++) {
		const struct lk_task_view *t = &l->tasks[i];

		sb_printf(out, "    %10llu", (unsigned long long)t->st->count);
		put_col_ns(out, t->st->total_ns, 12);
		sb_printf(out, "  %-16.*s %s\n", LOCKS_COMM_LEN, t->comm,
			  t->cgroup ? t->cgroup : "?");
	}
}

void lk_print_text(struct strbuf *out, const struct lk_report *r)
{
	bool any = false;

	text_header(out, r);
	text_walk(out, r);
	for (size_t i = 0; i < r->locks_shown; i++)
		text_lock(out, &r->locks[i]);
	if (r->nlocks > r->locks_shown)
		sb_printf(out, "\n(%zu more locks; --top N shows more)\n",
			  r->nlocks - r->locks_shown);
	if (r->filter_lock)
		sb_printf(out,
			  "filter: only lock 0x%llx counted in the kernel since %.2fs; %llu "
			  "contentions on other locks skipped\n",
			  (unsigned long long)r->filter_lock, r->filter_since,
			  (unsigned long long)r->counters[LOCKS_CNT_FILTERED_OUT]);
	sb_puts(out, "not recorded:");
	for (int i = 0; i < LOCKS_CNT__COUNT; i++) {
		if (!counter_names[i])
			continue;
		sb_printf(out, "%s %s %llu", any ? "," : "", counter_names[i],
			  (unsigned long long)r->counters[i]);
		any = true;
	}
	sb_printf(out, "; program runs missed (since start) %llu\n",
		  (unsigned long long)r->missed_runs);
}

static void json_stat(struct json_writer *w, const struct lk_stat *st)
{
	jw_u64(w, "count", st->count);
	jw_u64(w, "total_ns", st->total_ns);
	jw_u64(w, "max_ns", st->max_ns);
	jw_u64(w, "mean_ns", mean_ns(st));
}

static void json_hist(struct json_writer *w, const struct lk_stat *st)
{
	jw_array(w, "hist");
	for (int i = 0; i < LOCKS_HIST_SLOTS; i++) {
		if (!st->hist[i])
			continue;
		jw_object(w, NULL);
		jw_u64(w, "ge_ns", i ? 1ull << i : 0ull);
		jw_u64(w, "lt_ns", 1ull << (i + 1));
		jw_u64(w, "count", st->hist[i]);
		jw_object_end(w);
	}
	jw_array_end(w);
}

static void json_hex(struct json_writer *w, const char *key, unsigned long long v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "0x%llx", v);
	jw_str(w, key, buf);
}

static void json_lock(struct json_writer *w, const struct lk_lock_view *l)
{
	struct strbuf frame;
	char by[160];

	jw_object(w, NULL);
	json_hex(w, "addr", l->addr);
	jw_str(w, "kind", lk_kind(l->st->flags));
	jw_str(w, "symbol", l->symbol);
	jw_str(w, "identified", l->identified);
	if (l->identified)
		snprintf(by, sizeof(by), "mutex_lock called from %s", l->identified_by);
	jw_str(w, "identified_by", l->identified ? by : NULL);
	jw_bool(w, "uevent_path", l->uevent_path);
	json_stat(w, l->st);
	json_hist(w, l->st);
	jw_u64(w, "paths_total", l->npaths);
	jw_array(w, "paths");
	sb_init(&frame, 128);
	for (size_t i = 0; i < l->paths_shown; i++) {
		const struct lk_path_view *p = &l->paths[i];
		const struct lk_stack *s = p->stack;

		jw_object(w, NULL);
		jw_i64(w, "stack_id", p->stack_id);
		json_stat(w, p->st);
		jw_bool(w, "uevent_path", s && s->pc.uevent_fn);
		jw_str(w, "uevent_fn", s ? s->pc.uevent_fn : NULL);
		jw_array(w, "frames");
		for (size_t f = s ? s->pc.first : 0; s && f < s->n; f++) {
			sb_reset(&frame);
			put_frame(&frame, s, f, true);
			jw_str(w, NULL, frame.buf);
		}
		jw_array_end(w);
		jw_object_end(w);
	}
	sb_free(&frame);
	jw_array_end(w);
	jw_u64(w, "tasks_total", l->ntasks);
	jw_array(w, "tasks");
	for (size_t i = 0; i < l->tasks_shown; i++) {
		const struct lk_task_view *t = &l->tasks[i];

		jw_object(w, NULL);
		jw_strn(w, "comm", t->comm, strnlen(t->comm, LOCKS_COMM_LEN));
		jw_u64(w, "cgroup_id", t->cgroup_id);
		jw_str(w, "cgroup", t->cgroup);
		jw_u64(w, "count", t->st->count);
		jw_u64(w, "total_ns", t->st->total_ns);
		jw_object_end(w);
	}
	jw_array_end(w);
	jw_object_end(w);
}

/* Per-second rates as the text shows them: one decimal. */
static void json_rate(struct json_writer *w, const char *key, uint64_t n, double seconds)
{
	jw_numf(w, key, "%.1f", seconds > 0 ? n / seconds : 0.0);
}

static const char *const part_keys[LOCKS_WALK__PARTS] = {
    [LOCKS_WALK_ON_CPU] = "on_cpu",	  [LOCKS_WALK_OFF_CPU] = "off_cpu",
    [LOCKS_WALK_PREEMPTED] = "preempted", [LOCKS_WALK_YIELDED] = "yielded",
    [LOCKS_WALK_SLEPT] = "slept",
};

/* The parts of a walk's time (LOCKS_WALK_ALL is the walk's own object). */
static void json_walk_parts(struct json_writer *w, const struct lk_stat *const *parts,
			    const struct lk_stat *sums)
{
	for (int p = 0; p < LOCKS_WALK__PARTS; p++) {
		const struct lk_stat *st = parts ? parts[p] : &sums[p];
		static const struct lk_stat none;

		if (!part_keys[p])
			continue;
		jw_object(w, part_keys[p]);
		json_stat(w, st ? st : &none);
		jw_object_end(w);
	}
}

static void json_walk(struct json_writer *w, const struct lk_report *r)
{
	const struct lk_walk_view *v = &r->walk;
	double nets = walk_nets_mean(v);

	if (!v->tier) {
		jw_null(w, "walk");
		return;
	}
	jw_object(w, "walk");
	jw_str(w, "tier", v->tier);
	json_stat(w, &v->part[LOCKS_WALK_ALL]);
	jw_numf(w, "namespaces_mean", "%.2f", nets);
	jw_u64(w, "namespaces_max", v->nets_max);
	jw_numf(w, "per_namespace_ns", "%.1f", v->step_ns);
	jw_numf(w, "per_namespace_on_cpu_ns", "%.1f", v->step_on_ns);
	if (v->wake_ns > 0) {
		jw_numf(w, "per_namespace_without_wakeups_ns", "%.1f", v->step_base_ns);
		jw_numf(w, "wakeup_ns", "%.1f", v->wake_ns);
	} else {
		jw_null(w, "per_namespace_without_wakeups_ns");
		jw_null(w, "wakeup_ns");
	}
	jw_numf(w, "wakeups_per_namespace", "%.3f", v->wakes_per_step);
	if (v->bound >= 0)
		jw_u64(w, "bound_sockets", (uint64_t)v->bound);
	else
		jw_null(w, "bound_sockets");
	json_hist(w, &v->part[LOCKS_WALK_ALL]);
	json_walk_parts(w, NULL, v->part);
	jw_array(w, "by_namespaces");
	for (size_t i = 0; i < v->nsizes; i++) {
		static const struct lk_stat none;
		const struct lk_stat *st = v->sizes[i].part[LOCKS_WALK_ALL];

		jw_object(w, NULL);
		jw_u64(w, "namespaces", v->sizes[i].nets);
		json_stat(w, st ? st : &none);
		json_walk_parts(w, v->sizes[i].part, NULL);
		jw_numf(w, "wakeups_mean", "%.2f", v->sizes[i].wakes_mean);
		if (v->sizes[i].fit_ok) {
			jw_numf(w, "on_cpu_without_wakeups_ns", "%.0f", v->sizes[i].base_ns);
			jw_numf(w, "wakeup_ns", "%.1f", v->sizes[i].wake_ns);
		} else {
			jw_null(w, "on_cpu_without_wakeups_ns");
			jw_null(w, "wakeup_ns");
		}
		jw_object_end(w);
	}
	jw_array_end(w);
	jw_array(w, "what_if");
	for (size_t i = 0; v->step_on_ns > 0 && i < ARRAY_SIZE(whatif_scale); i++) {
		double n = nets * whatif_scale[i], hold = lk_walk_predict_ns(v, n, false);
		double most = lk_walk_predict_ns(v, n, true);

		jw_object(w, NULL);
		jw_numf(w, "namespaces", "%.1f", n);
		jw_numf(w, "hold_ns", "%.0f", hold);
		jw_numf(w, "hold_asleep_ns", "%.0f", most);
		if (r->seqnum_ok && r->seconds > 0)
			jw_numf(w, "busy_fraction", "%.4f", hold * 1e-9 * r->uevents / r->seconds);
		else
			jw_null(w, "busy_fraction");
		jw_object_end(w);
	}
	jw_array_end(w);
	jw_object_end(w);
}

void lk_print_json(struct strbuf *out, const struct lk_report *r)
{
	struct json_writer w;

	jw_record(&w, out);
	jw_str(&w, "type", r->final ? "total" : "interval");
	jw_u64(&w, "time_ns", r->wall_ns);
	jw_numf(&w, "seconds", "%.3f", r->seconds);
	if (r->seqnum_ok) {
		jw_u64(&w, "uevents", r->uevents);
		json_rate(&w, "uevents_per_s", r->uevents, r->seconds);
	} else {
		jw_null(&w, "uevents");
		jw_null(&w, "uevents_per_s");
	}
	if (r->churn_ok) {
		jw_u64(&w, "netns_created", r->netns_created);
		jw_u64(&w, "netns_destroyed", r->netns_destroyed);
		json_rate(&w, "netns_created_per_s", r->netns_created, r->seconds);
		json_rate(&w, "netns_destroyed_per_s", r->netns_destroyed, r->seconds);
	} else {
		jw_null(&w, "netns_created");
		jw_null(&w, "netns_destroyed");
		jw_null(&w, "netns_created_per_s");
		jw_null(&w, "netns_destroyed_per_s");
	}
	jw_u64(&w, "contentions", r->contentions);
	jw_u64(&w, "locks_total", r->nlocks);
	jw_array(&w, "locks");
	for (size_t i = 0; i < r->locks_shown; i++)
		json_lock(&w, &r->locks[i]);
	jw_array_end(&w);
	if (r->bcast_tier) {
		jw_object(&w, "broadcast");
		jw_str(&w, "tier", r->bcast_tier);
		json_stat(&w, &r->bcast);
		jw_object_end(&w);
	} else {
		jw_null(&w, "broadcast");
	}
	json_walk(&w, r);
	if (r->filter_lock) {
		jw_object(&w, "filter");
		json_hex(&w, "lock", r->filter_lock);
		jw_numf(&w, "since_s", "%.3f", r->filter_since);
		jw_u64(&w, "skipped", r->counters[LOCKS_CNT_FILTERED_OUT]);
		jw_object_end(&w);
	} else {
		jw_null(&w, "filter");
	}
	jw_object(&w, "not_recorded");
	for (int i = 0; i < LOCKS_CNT__COUNT; i++)
		if (counter_names[i])
			jw_u64(&w, counter_names[i], r->counters[i]);
	jw_object_end(&w);
	jw_u64(&w, "missed_runs", r->missed_runs);
	jw_record_end(&w);
}
