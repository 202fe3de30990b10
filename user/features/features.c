// SPDX-License-Identifier: GPL-2.0
/* `uevscope features`: what this kernel allows, and which tier each subcommand will use. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/utsname.h>

#include "common.h"
#include "features.h"
#include "json.h"
#include "probe.h"
#include "strbuf.h"

#define NAME_W	 30
#define WORKS_W	 7
#define LINE_MAX 100

static const char usage[] =
    "Usage: uevscope features [-j|--json] [-v|--verbose] [-h|--help]\n"
    "\n"
    "Probe which BPF attach points, map types and kernel interfaces work here,\n"
    "and which one each subcommand will use. Every probe loads a two-instruction\n"
    "program, attaches it for a moment and removes it again.\n"
    "\n"
    "Options:\n"
    "  -j, --json      one JSON object: kernel, probes[], plans[] (uses: null = none)\n"
    "  -v, --verbose   also say what each probe checked, for working ones too\n"
    "  -h, --help      show this help\n"
    "\n"
    "Examples:\n"
    "  sudo uevscope features\n"
    "  sudo uevscope features -v\n"
    "  sudo uevscope features -j | jq -r '.plans[] | select(.uses == null) | .subcommand'\n";

/* Prints text from column col on, word-wrapped so no line exceeds LINE_MAX. */
static void print_wrapped(const char *text, int col)
{
	int width = LINE_MAX - col, n;

	while (*text) {
		n = strlen(text);
		if (n > width) {
			for (n = width; n > 0 && text[n] != ' '; n--)
				;
			if (n == 0)
				n = width;
		}
		printf("%.*s\n", n, text);
		text += n;
		while (*text == ' ')
			text++;
		if (*text)
			printf("%*s", col, "");
	}
}

static void print_probes(const struct probe_set *ps, bool verbose)
{
	char buf[sizeof(ps->r[0].reason) + sizeof(ps->r[0].detail) + 16];

	printf("%-*s%-*s%s\n", NAME_W, "ATTACH POINT", WORKS_W, "WORKS", "REASON");
	for (int i = 0; i < PROBE__COUNT; i++) {
		const struct probe_result *r = &ps->r[i];

		buf[0] = '\0';
		if (!r->ok && verbose && r->detail[0])
			snprintf(buf, sizeof(buf), "%s; checked: %s", r->reason, r->detail);
		else if (!r->ok)
			snprintf(buf, sizeof(buf), "%s", r->reason);
		else if (verbose)
			snprintf(buf, sizeof(buf), "%s", r->detail);
		printf("%-*s", NAME_W, probe_name(i));
		if (buf[0]) {
			printf("%-*s", WORKS_W, r->ok ? "yes" : "no");
			print_wrapped(buf, NAME_W + WORKS_W);
		} else {
			printf("%s\n", r->ok ? "yes" : "no");
		}
	}
}

static int plan_partner(const struct attach_plan *p, int chosen)
{
	for (int i = 0; i < p->ntiers; i++)
		if (p->tiers[i] == chosen)
	return p->requires[i];
	return PROBE_NONE;
}

static void print_plans(const int *chosen)
{
	char uses[160];

	printf("\n%-12s%-12s%s\n", "SUBCOMMAND", "JOB", "USES");
	for (int i = 0; i < PLAN__COUNT; i++) {
		const struct attach_plan *p = plan_get(i);
		int partner = plan_partner(p, chosen[i]);

		if (chosen[i] >= 0 && partner != PROBE_NONE)
			snprintf(uses, sizeof(uses), "%s + %s", probe_name(chosen[i]),
				 probe_name(partner));
		else if (chosen[i] >= 0)
			snprintf(uses, sizeof(uses), "%s", probe_name(chosen[i]));
		else if (p->optional)
			snprintf(uses, sizeof(uses), "none (optional): %s unavailable", p->desc);
		else
			snprintf(uses, sizeof(uses), "none: uevscope %s cannot run", p->subcommand);
		printf("%-12s%-12s", p->subcommand, p->job);
		print_wrapped(uses, 24);
	}
}

void features_print_json(struct strbuf *sb, const struct probe_set *ps, const int *chosen,
			 const char *kernel)
{
	struct json_writer w;

	jw_record(&w, sb);
	jw_str(&w, "kernel", kernel);
	jw_array(&w, "probes");
	for (int i = 0; i < PROBE__COUNT; i++) {
		const struct probe_result *r = &ps->r[i];

		jw_object(&w, NULL);
		jw_str(&w, "name", probe_name(i));
		jw_bool(&w, "ok", r->ok);
		jw_i64(&w, "errno", r->err);
		jw_str(&w, "reason", r->reason);
		jw_object_end(&w);
	}
	jw_array_end(&w);
	jw_array(&w, "plans");
	for (int i = 0; i < PLAN__COUNT; i++) {
		const struct attach_plan *p = plan_get(i);

		jw_object(&w, NULL);
		jw_str(&w, "subcommand", p->subcommand);
		jw_str(&w, "job", p->job);
		jw_str(&w, "uses", chosen[i] >= 0 ? probe_name(chosen[i]) : NULL);
		jw_array(&w, "tiers");
		for (int t = 0; t < p->ntiers; t++)
			jw_str(&w, NULL, probe_name(p->tiers[t]));
		jw_array_end(&w);
		jw_object_end(&w);
	}
	jw_array_end(&w);
	jw_record_end(&w);
}

static void print_json(const struct probe_set *ps, const int *chosen, const char *kernel)
{
	struct strbuf sb;

	sb_init(&sb, 4096);
	features_print_json(&sb, ps, chosen, kernel);
	fputs(sb.buf, stdout);
	sb_free(&sb);
}

int cmd_features(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"json", no_argument, NULL, 'j'},
	    {"verbose", no_argument, NULL, 'v'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct probe_set ps = {0};
	int chosen[PLAN__COUNT];
	bool json = false, verb = false;
	struct utsname uts;
	int c;

	/* optind = 0 makes glibc reinitialise: main() may have run getopt already. */
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+jvh", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'v':
			verb = true;
			break;
		case 'h':
			fputs(usage, stdout);
			return EXIT_OK;
		default:
			/* optopt is 0 for an unknown long option, the option itself for "--json=x".
			 */
			if (optopt && !strchr("jvh", optopt))
				uev_err("features: unknown option '-%c'; see 'uevscope features "
					"--help'",
					optopt);
			else
				uev_err(
				    "features: unknown option '%s'; see 'uevscope features --help'",
				    argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		uev_err("features: unexpected argument '%s'; see 'uevscope features --help'",
			argv[optind]);
		return EXIT_USAGE;
	}
	if (!require_root("features"))
		return EXIT_ENV;

	probe_all(&ps);
	for (int i = 0; i < PLAN__COUNT; i++)
		chosen[i] = plan_choose(&ps, i);
	if (uname(&uts))
		snprintf(uts.release, sizeof(uts.release), "unknown");

	if (json) {
		print_json(&ps, chosen, uts.release);
	} else {
		if (verb)
			printf("kernel %s\n\n", uts.release);
		print_probes(&ps, verb);
		print_plans(chosen);
	}
	return EXIT_OK;
}
