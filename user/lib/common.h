/* SPDX-License-Identifier: GPL-2.0 */
#ifndef UEVSCOPE_COMMON_H
#define UEVSCOPE_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifndef UEVSCOPE_VERSION
#define UEVSCOPE_VERSION "0.1.0"
#endif

/* Exit codes, documented in README.md and `uevscope --help`. */
enum {
	EXIT_OK = 0,
	EXIT_ENV = 1,	/* environment: not root, no BPF/BTF, kernel refused, I/O */
	EXIT_USAGE = 2, /* bad command line or input */
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

extern bool verbose;

/* One line on stderr, prefixed "uevscope: ". */
void uev_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Like uev_err, only with -v. */
void uev_dbg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * One usage error of subcommand cmd on stderr: "uevscope: CMD: MESSAGE; see
 * 'uevscope CMD --help'". Returns EXIT_USAGE.
 */
int cmd_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/*
 * The usage error for getopt_long()'s result c (':' missing value, '?' unknown
 * option), naming the option as the user typed it. Long options have no
 * printable optopt (0, or their value >= 256), so those name argv's word.
 */
int cmd_getopt_error(const char *cmd, int c, char **argv);

struct bpf_object;
/*
 * Runs of obj's programs the kernel skipped because another BPF program was
 * running on that CPU (recursion_misses, kernel 5.12+; 0 where unknown).
 */
uint64_t bpf_obj_missed_runs(struct bpf_object *obj);

/* Route libbpf's messages: warnings always, debug output only with -v. */
void setup_libbpf_logging(void);
/* Drop every libbpf message (expected failures while probing attach tiers). */
void silence_libbpf(bool on);

/* Checks shared by every BPF-loading subcommand; print the reason and return false. */
bool require_root(const char *subcommand);
bool require_btf(void);

/* Strict parsers: whole string, no sign surprises, range-checked. */
bool parse_u64(const char *s, uint64_t *out);
bool parse_seconds(const char *s, double *out);

uint64_t now_monotonic_ns(void);

#endif /* UEVSCOPE_COMMON_H */
