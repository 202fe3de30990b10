// SPDX-License-Identifier: GPL-2.0
/* Text and JSON printers for uevscope locks reports: see locks_print.h. */
#include <string.h>
#include <time.h>

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

static void json_stat(struct strbuf *out, const struct lk_stat *st)
{
	sb_printf(out, "\"count\":%llu,\"total_ns\":%llu,\"max_ns\":%llu,\"mean_ns\":%llu",
		  (unsigned long long)st->count, (unsigned long long)st->total_ns,
		  (unsigned long long)st->max_ns, (unsigned long long)mean_ns(st));
}

static void json_lock(struct strbuf *out, const struct lk_lock_view *l)
{
	bool first = true;

	sb_printf(out,
		  "{\"addr\":\"0x%llx\",\"kind\":\"%s\",\"symbol\":", (unsigned long long)l->addr,
		  lk_kind(l->st->flags));
	if (l->symbol)
		sb_json_str(out, l->symbol, strlen(l->symbol));
	else
		sb_puts(out, "null");
	sb_puts(out, ",\"identified\":");
	if (l->identified) {
		sb_printf(out, "\"%s\",\"identified_by\":\"mutex_lock called from %s\"",
			  l->identified, l->identified_by);
	} else {
		sb_puts(out, "null,\"identified_by\":null");
	}
	sb_printf(out, ",\"uevent_path\":%s,", l->uevent_path ? "true" : "false");
	json_stat(out, l->st);
	sb_puts(out, ",\"hist\":[");
	for (int i = 0; i < LOCKS_HIST_SLOTS; i++) {
		if (!l->st->hist[i])
			continue;
		sb_printf(out, "%s{\"ge_ns\":%llu,\"lt_ns\":%llu,\"count\":%llu}", first ? "" : ",",
			  i ? 1ull << i : 0ull, 1ull << (i + 1),
			  (unsigned long long)l->st->hist[i]);
		first = false;
	}
	sb_printf(out, "],\"paths_total\":%zu,\"paths\":[", l->npaths);
	for (size_t i = 0; i < l->paths_shown; i++) {
		const struct lk_path_view *p = &l->paths[i];
		const struct lk_stack *s = p->stack;

		sb_printf(out, "%s{\"stack_id\":%d,", i ? "," : "", p->stack_id);
		json_stat(out, p->st);
		sb_printf(out, ",\"uevent_path\":%s,\"uevent_fn\":",
			  s && s->pc.uevent_fn ? "true" : "false");
		if (s && s->pc.uevent_fn)
			sb_json_str(out, s->pc.uevent_fn, strlen(s->pc.uevent_fn));
		else
			sb_puts(out, "null");
		sb_puts(out, ",\"frames\":[");
		for (size_t f = s ? s->pc.first : 0; s && f < s->n; f++) {
			sb_puts(out, f > s->pc.first ? ",\"" : "\"");
			put_frame(out, s, f, true);
			sb_putc(out, '"');
		}
		sb_puts(out, "]}");
	}
	sb_printf(out, "],\"tasks_total\":%zu,\"tasks\":[", l->ntasks);
	for (size_t i = 0; i < l->tasks_shown; i++) {
		const struct lk_task_view *t = &l->tasks[i];

		sb_puts(out, i ? ",{\"comm\":" : "{\"comm\":");
		sb_json_str(out, t->comm, strnlen(t->comm, LOCKS_COMM_LEN));
		sb_printf(out, ",\"cgroup_id\":%llu,\"cgroup\":", (unsigned long long)t->cgroup_id);
		if (t->cgroup)
			sb_json_str(out, t->cgroup, strlen(t->cgroup));
		else
			sb_puts(out, "null");
		sb_printf(out, ",\"count\":%llu,\"total_ns\":%llu}",
			  (unsigned long long)t->st->count, (unsigned long long)t->st->total_ns);
	}
	sb_puts(out, "]}");
}

void lk_print_json(struct strbuf *out, const struct lk_report *r)
{
	sb_printf(out, "{\"type\":\"%s\",\"time_ns\":%llu,\"seconds\":%.3f,",
		  r->final ? "total" : "interval", (unsigned long long)r->wall_ns, r->seconds);
	if (r->seqnum_ok)
		sb_printf(out, "\"uevents\":%llu,\"uevents_per_s\":%.1f,",
			  (unsigned long long)r->uevents,
			  r->seconds > 0 ? r->uevents / r->seconds : 0.0);
	else
		sb_puts(out, "\"uevents\":null,\"uevents_per_s\":null,");
	if (r->churn_ok)
		sb_printf(
		    out,
		    "\"netns_created\":%llu,\"netns_destroyed\":%llu,\"netns_created_per_s\":%.1f,"
		    "\"netns_destroyed_per_s\":%.1f,",
		    (unsigned long long)r->netns_created, (unsigned long long)r->netns_destroyed,
		    r->seconds > 0 ? r->netns_created / r->seconds : 0.0,
		    r->seconds > 0 ? r->netns_destroyed / r->seconds : 0.0);
	else
		sb_puts(out, "\"netns_created\":null,\"netns_destroyed\":null,"
			     "\"netns_created_per_s\":null,\"netns_destroyed_per_s\":null,");
	sb_printf(out, "\"contentions\":%llu,\"locks_total\":%zu,\"locks\":[",
		  (unsigned long long)r->contentions, r->nlocks);
	for (size_t i = 0; i < r->locks_shown; i++) {
		if (i)
			sb_putc(out, ',');
		json_lock(out, &r->locks[i]);
	}
	sb_puts(out, "],\"broadcast\":");
	if (r->bcast_tier) {
		sb_printf(out, "{\"tier\":\"%s\",", r->bcast_tier);
		json_stat(out, &r->bcast);
		sb_putc(out, '}');
	} else {
		sb_puts(out, "null");
	}
	sb_puts(out, ",\"filter\":");
	if (r->filter_lock)
		sb_printf(out, "{\"lock\":\"0x%llx\",\"since_s\":%.3f,\"skipped\":%llu}",
			  (unsigned long long)r->filter_lock, r->filter_since,
			  (unsigned long long)r->counters[LOCKS_CNT_FILTERED_OUT]);
	else
		sb_puts(out, "null");
	sb_puts(out, ",\"not_recorded\":{");
	for (int i = 0, n = 0; i < LOCKS_CNT__COUNT; i++)
		if (counter_names[i])
			sb_printf(out, "%s\"%s\":%llu", n++ ? "," : "", counter_names[i],
				  (unsigned long long)r->counters[i]);
	sb_printf(out, "},\"missed_runs\":%llu}\n", (unsigned long long)r->missed_runs);
}
