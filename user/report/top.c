// SPDX-License-Identifier: GPL-2.0
/*
 * uevscope top: the report model on a full screen, refreshed every interval,
 * one row per network namespace or per listener. Without a terminal on both
 * stdin and stdout it prints report's plain periodic output instead.
 */
#include <curses.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "common.h"
#include "nsnames.h"
#include "report_session.h"
#include "socks.h"
#include "subcommands.h"

static const char top_usage[] =
    "usage: uevscope top [OPTIONS] [INTERVAL]\n"
    "\n"
    "A live view of uevent deliveries, refreshed every INTERVAL seconds (default 1):\n"
    "one row per network namespace, or per listener, sorted by delivery rate, with\n"
    "drops and the last uevent. Keys: q quits, TAB or l switches namespaces/listeners,\n"
    "s changes the sort (rate, delivered, drops, netns). Without a terminal it prints\n"
    "what 'uevscope report' prints.\n"
    "\n"
    "  -j, --json            without a terminal: report's JSON\n"
    "      --tier NAME       force a delivery or an emission attach tier\n"
    "      --no-emission     do not trace emissions even where the kernel allows it\n"
    "      --max-entries N   entries of each aggregation map (see 'uevscope report --help')\n"
    "  -v, --verbose         say which attach tiers were refused and why\n"
    "  -h, --help            this help\n"
    "\n"
    "EXAMPLES:\n"
    "  uevscope top\n"
    "  uevscope top 0.5\n"
    "\n"
    "Exit status: 0 done (q, SIGINT/SIGTERM), 1 environment (not root, no BPF),\n"
    "2 bad usage.\n";

enum sort_key { SORT_RATE, SORT_DELIVERED, SORT_DROPS, SORT_NETNS, SORT__COUNT };
static const char *const sort_names[SORT__COUNT] = {"rate", "delivered", "drops", "netns"};

/* One screen row, whichever view. */
struct row {
	uint32_t netns, userns, id; /* id: portid (listener view) */
	uint32_t listeners, sock_ino;
	double rate;
	uint64_t deliveries, drops, injected, last_seqnum, last_ts_ns;
};

struct top_state {
	struct report_session s;
	struct idmap prev; /* netns or socket inode -> deliveries + 1 at the last readout */
	uint64_t prev_ts_ns;
	bool listener_view;
	enum sort_key sort;
	struct row *rows;
	size_t nrows;
};

static volatile sig_atomic_t exiting;

static void on_signal(int sig)
{
	(void)sig;
	exiting = 1;
}

static enum sort_key sort_by;

static int cmp_rows(const void *a, const void *b)
{
	const struct row *x = a, *y = b;

	switch (sort_by) {
	case SORT_RATE:
		if (x->rate != y->rate)
			return x->rate < y->rate ? 1 : -1;
		break;
	case SORT_DELIVERED:
		if (x->deliveries != y->deliveries)
			return x->deliveries < y->deliveries ? 1 : -1;
		break;
	case SORT_DROPS:
		if (x->drops != y->drops)
			return x->drops < y->drops ? 1 : -1;
		break;
	default:
		break;
	}
	if (x->netns != y->netns)
		return x->netns < y->netns ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

static double rate_of(struct top_state *t, uint64_t key, uint64_t now_total, double secs)
{
	void *prev = idmap_get(&t->prev, key);
	double rate = 0;

	if (prev && secs > 0)
		rate = (now_total - ((uint64_t)(uintptr_t)prev - 1)) / secs;
	idmap_put(&t->prev, key, (void *)(uintptr_t)(now_total + 1));
	return rate;
}

static void build_rows(struct top_state *t)
{
	const struct report_model *m = &t->s.model;
	double secs = t->prev_ts_ns ? (m->ts_ns - t->prev_ts_ns) / 1e9 : 0;
	size_t i, n = t->listener_view ? m->nsocks : m->nnetns;

	t->rows = realloc(t->rows, (n ? n : 1) * sizeof(*t->rows));
	if (!t->rows)
		abort();
	t->nrows = n;
	for (i = 0; i < n; i++) {
		struct row *r = &t->rows[i];

		memset(r, 0, sizeof(*r));
		if (t->listener_view) {
			const struct rm_sock *s = &m->socks[i];

			r->netns = s->netns;
			r->userns = s->userns;
			r->id = s->portid;
			r->sock_ino = s->sock_ino;
			r->deliveries = s->deliveries;
			r->drops = s->drops;
			r->last_seqnum = s->last_seqnum;
			r->last_ts_ns = s->last_ts_ns;
			r->rate = rate_of(t, s->sock_ino, s->deliveries, secs);
		} else {
			const struct rm_netns *e = &m->netns[i];

			r->netns = e->netns;
			r->userns = e->userns;
			r->listeners = e->listeners;
			r->deliveries = e->deliveries;
			r->drops = e->drops;
			r->injected = e->injected;
			r->last_seqnum = e->last_seqnum;
			r->last_ts_ns = e->last_ts_ns;
			/* prev holds one view's keys only: switching views clears it. */
			r->rate = rate_of(t, e->netns, e->deliveries, secs);
		}
	}
	sort_by = t->sort;
	if (t->nrows > 1) /* rows is NULL when empty: qsort(NULL, 0) is undefined */
		qsort(t->rows, t->nrows, sizeof(*t->rows), cmp_rows);
	t->prev_ts_ns = m->ts_ns;
}

static void fmt_last(char *buf, size_t len, const struct row *r, uint64_t now)
{
	if (!r->last_ts_ns)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "seq %llu, %.1fs ago", (unsigned long long)r->last_seqnum,
			 (now - r->last_ts_ns) / 1e9);
}

static void draw(struct top_state *t)
{
	const struct report_model *m = &t->s.model;
	char buf[200], last[64], who[120];
	const char *label;
	int y = 0, rows, cols;
	size_t i;

	getmaxyx(stdscr, rows, cols);
	(void)cols;
	erase();
	mvprintw(y++, 0, "uevscope top - %s via %s%s%s - sort: %s - q quit, TAB view, s sort",
		 t->listener_view ? "listeners" : "namespaces", t->s.ra.delivery_tier,
		 t->s.ra.emission_tier ? ", emission via " : "",
		 t->s.ra.emission_tier ? t->s.ra.emission_tier : "", sort_names[t->sort]);
	attron(A_REVERSE);
	if (t->listener_view)
		mvprintw(++y, 0, "%-11s %-10s %9s %10s %8s %-26s %-20s %s", "NETNS", "PORTID",
			 "DELIV/s", "DELIVERED", "DROPS", "LAST", "NAME", "PROCESS");
	else
		mvprintw(++y, 0, "%-11s %-11s %9s %9s %10s %8s %8s %-26s %s", "NETNS", "USERNS",
			 "LISTENERS", "DELIV/s", "DELIVERED", "DROPS", "INJECTED", "LAST", "NAME");
	attroff(A_REVERSE);
	y++;
	for (i = 0; i < t->nrows && y < rows; i++, y++) {
		const struct row *r = &t->rows[i];

		fmt_last(last, sizeof(last), r, m->ts_ns);
		label = netns_label(r->netns, buf, sizeof(buf));
		if (t->listener_view) {
			const struct sock_entry *e = socks_owners(m->inventory, r->sock_ino);

			if (e && e->nowners)
				snprintf(who, sizeof(who), "%u/%s", e->owners[0].tgid,
					 e->owners[0].comm);
			else
				snprintf(who, sizeof(who), "-");
			mvprintw(y, 0, "%-11u %-10u %9.1f %10llu %8llu %-26s %-20s %s", r->netns,
				 r->id, r->rate, (unsigned long long)r->deliveries,
				 (unsigned long long)r->drops, last, label, who);
		} else {
			mvprintw(y, 0, "%-11u %-11u %9u %9.1f %10llu %8llu %8llu %-26s %s%s",
				 r->netns, r->userns, r->listeners, r->rate,
				 (unsigned long long)r->deliveries, (unsigned long long)r->drops,
				 (unsigned long long)r->injected, last, label,
				 rm_find_netns(m, r->netns) && rm_find_netns(m, r->netns)->isolated
				     ? " (isolated)"
				     : "");
		}
	}
	refresh();
}

/* Returns false when the user asked to quit. */
static bool handle_key(struct top_state *t, int ch)
{
	switch (ch) {
	case 'q':
	case 'Q':
		return false;
	case '\t':
	case 'l':
		t->listener_view = !t->listener_view;
		idmap_clear(&t->prev, NULL);
		t->prev_ts_ns = 0;
		build_rows(t);
		break;
	case 's':
		t->sort = (t->sort + 1) % SORT__COUNT;
		build_rows(t);
		break;
	default:
		return true;
	}
	draw(t);
	return true;
}

static int run_screen(const struct report_args *a)
{
	struct top_state t = {};
	uint64_t next;
	int rc, ch;

	rc = report_session_open(&t.s, a);
	if (rc)
		return rc;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	idmap_init(&t.prev);
	initscr();
	cbreak();
	noecho();
	keypad(stdscr, TRUE);
	curs_set(0);
	timeout(100); /* getch() waits at most 100 ms, so keys and the clock are both served */
	report_model_read(&t.s.model, REPORT_SETTLE_NS);
	build_rows(&t);
	draw(&t);
	next = now_monotonic_ns() + (uint64_t)(a->interval_s * 1e9);
	while (!exiting) {
		ch = getch();
		if (ch != ERR && !handle_key(&t, ch))
			break;
		if (now_monotonic_ns() < next)
			continue;
		next += (uint64_t)(a->interval_s * 1e9);
		report_model_read(&t.s.model, REPORT_SETTLE_NS);
		build_rows(&t);
		draw(&t);
	}
	endwin();
	free(t.rows);
	idmap_free(&t.prev, NULL);
	report_session_close(&t.s);
	return EXIT_OK;
}

int cmd_top(int argc, char **argv)
{
	struct report_args a = {.cmd = "top", .usage = top_usage};
	int rc = report_parse_args(argc, argv, &a);

	if (rc >= 0)
		return rc;
	if (a.count) {
		uev_err("top: takes an interval only; for a fixed number of readouts use "
			"'uevscope report INTERVAL COUNT'");
		return EXIT_USAGE;
	}
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		a.cmd = "report";
		return report_loop(&a);
	}
	return run_screen(&a);
}
