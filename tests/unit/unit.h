/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Minimal unit test harness. Each case prints exactly one line,
 * "PASS <suite>: <case>" or "FAIL <suite>: <case>: <file:line: detail>",
 * and unit_exit() makes the process fail if any case did.
 *
 * CHECK_* macros return from the calling (void) function on the first failure.
 */
#ifndef UEVSCOPE_UNIT_H
#define UEVSCOPE_UNIT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

struct unit_state {
	const char *suite;
	bool failed;
	char detail[1024];
	unsigned int nfail;
};

static struct unit_state unit_st;

static inline void unit_suite(const char *suite)
{
	unit_st.suite = suite;
}

static inline __attribute__((format(printf, 3, 4))) void unit_fail(const char *file, int line,
								   const char *fmt, ...)
{
	size_t n;
	va_list ap;

	/* The first failure is the interesting one. */
	if (unit_st.failed)
		return;
	unit_st.failed = true;
	snprintf(unit_st.detail, sizeof(unit_st.detail), "%s:%d: ", file, line);
	n = strlen(unit_st.detail);
	va_start(ap, fmt);
	vsnprintf(unit_st.detail + n, sizeof(unit_st.detail) - n, fmt, ap);
	va_end(ap);
}

/* Writes s as a quoted, printable, single-line string into out (truncated with "..."). */
static inline const char *unit_quote(char *out, size_t outlen, const char *s, size_t len)
{
	size_t o = 0, i;

	if (!s) {
		snprintf(out, outlen, "NULL");
		return out;
	}
	out[o++] = '"';
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (o + 8 >= outlen) {
			snprintf(out + o, outlen - o, "...");
			return out;
		}
		if (c == '"' || c == '\\')
			o += (size_t)snprintf(out + o, outlen - o, "\\%c", c);
		else if (c >= 0x20 && c < 0x7f)
			out[o++] = (char)c;
		else
			o += (size_t)snprintf(out + o, outlen - o, "\\x%02x", c);
	}
	out[o++] = '"';
	out[o] = '\0';
	return out;
}

static inline void unit_run(const char *name, void (*fn)(void))
{
	unit_st.failed = false;
	unit_st.detail[0] = '\0';
	fn();
	if (unit_st.failed) {
		unit_st.nfail++;
		printf("FAIL %s: %s: %s\n", unit_st.suite, name, unit_st.detail);
	} else {
		printf("PASS %s: %s\n", unit_st.suite, name);
	}
	fflush(stdout);
}

static inline int unit_exit(void)
{
	return unit_st.nfail ? 1 : 0;
}

#define RUN(fn, name) unit_run(name, fn)

#define CHECK(cond)                                                          \
	do {                                                                 \
		if (!(cond)) {                                               \
			unit_fail(__FILE__, __LINE__, "expected %s", #cond); \
			return;                                              \
		}                                                            \
	} while (0)

#define CHECK_INT(exp, got)                                                                    \
	do {                                                                                   \
		long long e_ = (long long)(exp), g_ = (long long)(got);                        \
		if (e_ != g_) {                                                                \
			unit_fail(__FILE__, __LINE__, "%s: expected %lld, got %lld", #got, e_, \
				  g_);                                                         \
			return;                                                                \
		}                                                                              \
	} while (0)

#define CHECK_UINT(exp, got)                                                                   \
	do {                                                                                   \
		unsigned long long e_ = (unsigned long long)(exp);                             \
		unsigned long long g_ = (unsigned long long)(got);                             \
		if (e_ != g_) {                                                                \
			unit_fail(__FILE__, __LINE__, "%s: expected %llu, got %llu", #got, e_, \
				  g_);                                                         \
			return;                                                                \
		}                                                                              \
	} while (0)

#define CHECK_MEM(exp, elen, got, glen)                                                    \
	do {                                                                               \
		const char *e_ = (exp), *g_ = (got);                                       \
		size_t el_ = (elen), gl_ = (glen);                                         \
		if (!g_ || el_ != gl_ || memcmp(e_, g_, el_)) {                            \
			char qe_[400], qg_[400];                                           \
			unit_fail(__FILE__, __LINE__,                                      \
				  "%s: expected %s (%zu bytes), got %s (%zu bytes)", #got, \
				  unit_quote(qe_, sizeof(qe_), e_, el_), el_,              \
				  unit_quote(qg_, sizeof(qg_), g_, g_ ? gl_ : 0), gl_);    \
			return;                                                            \
		}                                                                          \
	} while (0)

#define CHECK_STR(exp, got)                                                               \
	do {                                                                              \
		const char *e_ = (exp), *g_ = (got);                                      \
		if (!g_ || strcmp(e_, g_)) {                                              \
			char qe_[400], qg_[400];                                          \
			unit_fail(__FILE__, __LINE__, "%s: expected %s, got %s", #got,    \
				  unit_quote(qe_, sizeof(qe_), e_, strlen(e_)),           \
				  unit_quote(qg_, sizeof(qg_), g_, g_ ? strlen(g_) : 0)); \
			return;                                                           \
		}                                                                         \
	} while (0)

#define CHECK_NULL(got)                                                                  \
	do {                                                                             \
		const char *g_ = (got);                                                  \
		if (g_) {                                                                \
			char qg_[400];                                                   \
			unit_fail(__FILE__, __LINE__, "%s: expected NULL, got %s", #got, \
				  unit_quote(qg_, sizeof(qg_), g_, strlen(g_)));         \
			return;                                                          \
		}                                                                        \
	} while (0)

#define CHECK_CONTAINS(hay, needle)                                                               \
	do {                                                                                      \
		const char *h_ = (hay), *n_ = (needle);                                           \
		if (!h_ || !strstr(h_, n_)) {                                                     \
			char qh_[400], qn_[400];                                                  \
			unit_fail(__FILE__, __LINE__, "%s: expected to contain %s, got %s", #hay, \
				  unit_quote(qn_, sizeof(qn_), n_, strlen(n_)),                   \
				  unit_quote(qh_, sizeof(qh_), h_, h_ ? strlen(h_) : 0));         \
			return;                                                                   \
		}                                                                                 \
	} while (0)

#endif /* UEVSCOPE_UNIT_H */
