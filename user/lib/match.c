// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "match.h"

struct match_term {
	char *key;
	char *pat;   /* the unescaped pattern, '|' separators replaced by NULs */
	char **alts; /* nalts fnmatch() patterns pointing into pat */
	unsigned int nalts;
	bool negate;
};

struct match_list {
	struct match_term *terms;
	unsigned int n, cap;
};

/* Parser state for one expression; columns in messages are 1-based byte offsets. */
struct mparse {
	const char *expr;
	size_t pos;
	char *err;
	size_t errlen;
};

/* Keep key names in messages short enough for one terminal line. */
#define MSG_KEY_MAX 40

static bool is_key_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '.' || c == '-';
}

static bool is_op_char(char c)
{
	return c && strchr("=!+:<>~", c);
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static __attribute__((format(printf, 2, 3))) int mp_error(struct mparse *mp, const char *fmt, ...)
{
	va_list ap;

	if (mp->err && mp->errlen) {
		va_start(ap, fmt);
		vsnprintf(mp->err, mp->errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* Quotes c for a message, escaping what would not print. */
static const char *mp_char(char c, char out[8])
{
	unsigned char u = (unsigned char)c;

	if (u >= 0x20 && u < 0x7f)
		snprintf(out, 8, "'%c'", c);
	else
		snprintf(out, 8, "'\\x%02x'", u);
	return out;
}

static char mp_cur(const struct mparse *mp)
{
	return mp->expr[mp->pos];
}

static size_t mp_col(const struct mparse *mp)
{
	return mp->pos + 1;
}

static void mp_skip_space(struct mparse *mp)
{
	while (is_space(mp_cur(mp)))
		mp->pos++;
}

static void term_free(struct match_term *t)
{
	free(t->key);
	free(t->pat);
	free(t->alts);
}

/* Index in expr of the idx-th unescaped pattern byte of the quoted string opening at q. */
static size_t pat_src_pos(const char *expr, size_t q, size_t idx)
{
	size_t p = q + 1;

	for (; idx; idx--)
		p += (expr[p] == '\\' && (expr[p + 1] == '"' || expr[p + 1] == '\\')) ? 2 : 1;
	return p;
}

/*
 * Index of the ']' closing the bracket expression that opens at pat[i], or -1.
 * Mirrors fnmatch(3): a leading ']' (after '!' or '^') is literal, [:class:],
 * [.sym.] and [=equiv=] nest, and a backslash escapes the next byte.
 */
static long bracket_end(const char *pat, size_t i)
{
	size_t k = i + 1;
	const char *close;
	char sep[3];

	if (pat[k] == '!' || pat[k] == '^')
		k++;
	if (pat[k] == ']')
		k++;
	for (; pat[k]; k++) {
		if (pat[k] == ']')
			return (long)k;
		if (pat[k] == '\\' && pat[k + 1]) {
			k++;
		} else if (pat[k] == '[' && pat[k + 1] && strchr(":.=", pat[k + 1])) {
			sep[0] = pat[k + 1];
			sep[1] = ']';
			sep[2] = '\0';
			close = strstr(pat + k + 2, sep);
			if (close)
				k = (size_t)(close - pat) + 1;
		}
	}
	return -1;
}

/* Splits t->pat into its '|' alternatives, checking each glob is well formed. */
static int split_pattern(struct mparse *mp, size_t q, struct match_term *t)
{
	char *pat = t->pat;
	size_t i = 0, nalts = 1;
	long end;

	while (pat[i]) {
		if (pat[i] == '\\') {
			if (!pat[i + 1])
				return mp_error(mp,
						"lone backslash at end of pattern at column %zu "
						"(write \\\\\\\\ for a literal backslash)",
						pat_src_pos(mp->expr, q, i) + 1);
			i += 2;
		} else if (pat[i] == '[') {
			end = bracket_end(pat, i);
			if (end < 0)
				return mp_error(mp, "unterminated '[' in pattern at column %zu",
						pat_src_pos(mp->expr, q, i) + 1);
			i = (size_t)end + 1;
		} else {
			if (pat[i] == '|')
				nalts++;
			i++;
		}
	}

	t->alts = malloc(nalts * sizeof(*t->alts));
	if (!t->alts)
		return -ENOMEM;
	t->alts[t->nalts++] = pat;
	/* Second pass cannot fail: cut at the separators found above. */
	for (i = 0; pat[i];) {
		if (pat[i] == '\\') {
			i += 2;
		} else if (pat[i] == '[') {
			i = (size_t)bracket_end(pat, i) + 1;
		} else if (pat[i] == '|') {
			pat[i++] = '\0';
			t->alts[t->nalts++] = pat + i;
		} else {
			i++;
		}
	}
	return 0;
}

static int parse_key(struct mparse *mp, struct match_term *t)
{
	const char *e = mp->expr;
	size_t start = mp->pos, istart;
	char cbuf[8];
	char c;

	while (is_key_char(mp_cur(mp)))
		mp->pos++;
	c = mp_cur(mp);
	if (mp->pos == start) {
		if (is_op_char(c) || c == '"')
			return mp_error(mp, "missing key before %s at column %zu", mp_char(c, cbuf),
					mp_col(mp));
		return mp_error(mp,
				"invalid character %s in key at column %zu "
				"(keys are letters, digits, '_', '.', '-' or ENV{KEY})",
				mp_char(c, cbuf), mp_col(mp));
	}

	if (mp->pos - start == 3 && !memcmp(e + start, "ENV", 3) && c == '{') {
		mp->pos++;
		istart = mp->pos;
		while (is_key_char(mp_cur(mp)))
			mp->pos++;
		c = mp_cur(mp);
		if (c == '}' && mp->pos == istart)
			return mp_error(mp, "empty key in ENV{} at column %zu", mp_col(mp));
		if (!c)
			return mp_error(mp, "missing '}' to close ENV{ at column %zu", mp_col(mp));
		if (c != '}')
			return mp_error(mp, "invalid character %s in key at column %zu",
					mp_char(c, cbuf), mp_col(mp));
		t->key = strndup(e + istart, mp->pos - istart);
		mp->pos++;
	} else {
		if (c && !is_space(c) && !is_op_char(c) && c != '"')
			return mp_error(mp,
					"invalid character %s in key at column %zu "
					"(keys are letters, digits, '_', '.', '-' or ENV{KEY})",
					mp_char(c, cbuf), mp_col(mp));
		t->key = strndup(e + start, mp->pos - start);
	}
	return t->key ? 0 : -ENOMEM;
}

static int parse_op(struct mparse *mp, struct match_term *t)
{
	size_t start = mp->pos, n;
	const char *op = mp->expr + start;

	while (is_op_char(mp_cur(mp)))
		mp->pos++;
	n = mp->pos - start;
	if (n == 2 && (op[0] == '=' || op[0] == '!') && op[1] == '=') {
		t->negate = op[0] == '!';
		return 0;
	}
	if (!n)
		return mp_error(mp, "expected == or != after '%.*s' at column %zu", MSG_KEY_MAX,
				t->key, mp_col(mp));
	if (n == 1 && op[0] == '=')
		return mp_error(mp,
				"'=' at column %zu assigns in udev rules: use == or != to match",
				start + 1);
	return mp_error(mp, "unsupported operator '%.*s' at column %zu: use == or !=", (int)n, op,
			start + 1);
}

static int parse_pattern(struct mparse *mp, struct match_term *t)
{
	const char *e = mp->expr;
	size_t q = mp->pos, n = 0;
	char cbuf[8];

	if (!e[q])
		return mp_error(mp, "missing quoted pattern after %s at column %zu",
				t->negate ? "!=" : "==", mp_col(mp));
	if (e[q] != '"')
		return mp_error(mp,
				"missing opening quote before the pattern at column %zu, got %s",
				mp_col(mp), mp_char(e[q], cbuf));

	t->pat = malloc(strlen(e + q) + 1);
	if (!t->pat)
		return -ENOMEM;
	mp->pos++;
	for (;;) {
		char c = mp_cur(mp);

		if (!c)
			return mp_error(mp,
					"unterminated quote: the pattern opened at column %zu "
					"has no closing '\"'",
					q + 1);
		if (c == '"') {
			mp->pos++;
			break;
		}
		/* Only \" and \\ are quote-level escapes; other backslashes reach fnmatch(3). */
		if (c == '\\' && (e[mp->pos + 1] == '"' || e[mp->pos + 1] == '\\')) {
			c = e[mp->pos + 1];
			mp->pos++;
		}
		t->pat[n++] = c;
		mp->pos++;
	}
	t->pat[n] = '\0';
	return split_pattern(mp, q, t);
}

static int parse_term(struct mparse *mp, struct match_term *t)
{
	int ret;

	ret = parse_key(mp, t);
	if (ret)
		return ret;
	mp_skip_space(mp);
	ret = parse_op(mp, t);
	if (ret)
		return ret;
	mp_skip_space(mp);
	return parse_pattern(mp, t);
}

struct match_list *match_list_new(void)
{
	return calloc(1, sizeof(struct match_list));
}

static int ml_reserve(struct match_list *ml, unsigned int extra)
{
	unsigned int cap = ml->cap ? ml->cap : 4;
	struct match_term *p;

	if (ml->n + extra <= ml->cap)
		return 0;
	while (cap < ml->n + extra)
		cap *= 2;
	p = realloc(ml->terms, cap * sizeof(*p));
	if (!p)
		return -ENOMEM;
	ml->terms = p;
	ml->cap = cap;
	return 0;
}

int match_list_add(struct match_list *ml, const char *expr, char *err, size_t errlen)
{
	struct mparse mp = {.expr = expr, .err = err, .errlen = errlen};
	unsigned int first = ml->n, i;
	char cbuf[8];
	int ret = 0;

	if (err && errlen)
		err[0] = '\0';
	mp_skip_space(&mp);
	if (!mp_cur(&mp))
		return mp_error(&mp, "empty expression");

	/* Terms go straight into ml and are taken back out if any later one fails. */
	for (;;) {
		struct match_term *t;

		mp_skip_space(&mp);
		if (mp_cur(&mp) == ',') {
			if (ml->n == first)
				ret = mp_error(&mp, "empty term before ',' at column %zu",
					       mp_col(&mp));
			else
				ret = mp_error(&mp, "empty term between commas at column %zu",
					       mp_col(&mp));
			break;
		}
		if (!mp_cur(&mp)) {
			ret = mp_error(&mp, "empty term after trailing ',' at column %zu",
				       mp_col(&mp));
			break;
		}
		ret = ml_reserve(ml, 1);
		if (ret)
			break;
		t = &ml->terms[ml->n];
		memset(t, 0, sizeof(*t));
		ret = parse_term(&mp, t);
		if (ret) {
			term_free(t);
			break;
		}
		ml->n++;

		mp_skip_space(&mp);
		if (!mp_cur(&mp))
			return 0;
		if (mp_cur(&mp) != ',') {
			ret = mp_error(&mp,
				       "unexpected %s after term at column %zu "
				       "(separate terms with ',')",
				       mp_char(mp_cur(&mp), cbuf), mp_col(&mp));
			break;
		}
		mp.pos++;
	}

	if (ret == -ENOMEM)
		mp_error(&mp, "out of memory");
	for (i = first; i < ml->n; i++)
		term_free(&ml->terms[i]);
	ml->n = first;
	return ret;
}

static bool term_eval(const struct match_term *t, const struct uevent *ev)
{
	const char *val = uevent_get(ev, t->key);
	unsigned int i;

	if (!val)
		val = "";
	for (i = 0; i < t->nalts; i++)
		if (!fnmatch(t->alts[i], val, 0))
			return !t->negate;
	return t->negate;
}

bool match_list_eval(const struct match_list *ml, const struct uevent *ev)
{
	unsigned int i;

	for (i = 0; i < ml->n; i++)
		if (!term_eval(&ml->terms[i], ev))
			return false;
	return true;
}

unsigned int match_list_count(const struct match_list *ml)
{
	return ml->n;
}

void match_list_free(struct match_list *ml)
{
	unsigned int i;

	if (!ml)
		return;
	for (i = 0; i < ml->n; i++)
		term_free(&ml->terms[i]);
	free(ml->terms);
	free(ml);
}

bool match_list_term(const struct match_list *ml, unsigned int i, const char **key, bool *negate,
		     const char *const **alts, unsigned int *nalts)
{
	if (i >= ml->n)
		return false;
	*key = ml->terms[i].key;
	*negate = ml->terms[i].negate;
	*alts = (const char *const *)ml->terms[i].alts;
	*nalts = ml->terms[i].nalts;
	return true;
}
