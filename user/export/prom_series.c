// SPDX-License-Identifier: GPL-2.0
/* Labeled series and their cap. See prom_series.h. */
#include <stdlib.h>
#include <string.h>
#include "prom.h"
#include "prom_series.h"

/* Separates label values in a row's key: a byte no value here contains. */
#define KEY_SEP '\x1f'

void prom_rows_init(struct prom_rows *r, const char *const *label_names, size_t nlabels)
{
	memset(r, 0, sizeof(*r));
	r->label_names = label_names;
	r->nlabels = nlabels < PROM_MAX_LABELS ? nlabels : PROM_MAX_LABELS;
}

void prom_rows_add(struct prom_rows *r, const char *const *values, uint64_t value)
{
	struct prom_row *row;
	size_t len = 0, i;
	char *p;

	if (r->n == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 16;
		r->rows = realloc(r->rows, r->cap * sizeof(*r->rows));
		if (!r->rows)
			abort();
	}
	for (i = 0; i < r->nlabels; i++)
		len += (values[i] ? strlen(values[i]) : 0) + 1;
	row = &r->rows[r->n++];
	memset(row, 0, sizeof(*row));
	row->key = p = malloc(len + 1);
	if (!p)
		abort();
	/* "a\x1fb\x1f": each value NUL-able in place, so values[] point into the key. */
	for (i = 0; i < r->nlabels; i++) {
		size_t n = values[i] ? strlen(values[i]) : 0;

		memcpy(p, values[i] ? values[i] : "", n);
		p[n] = KEY_SEP;
		p += n + 1;
	}
	*p = '\0';
	row->value = value;
}

void prom_rows_free(struct prom_rows *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		free(r->rows[i].key);
	free(r->rows);
	memset(r, 0, sizeof(*r));
}

void prom_cap_init(struct prom_cap *c, size_t max)
{
	memset(c, 0, sizeof(*c));
	c->max = max;
}

void prom_cap_free(struct prom_cap *c)
{
	size_t i;

	for (i = 0; i < c->nfam; i++) {
		free(c->fam[i].name);
		idmap_free(&c->fam[i].admitted, NULL);
		idmap_free(&c->fam[i].folded, free);
	}
	free(c->fam);
	memset(c, 0, sizeof(*c));
}

static struct prom_cap_family *cap_family(struct prom_cap *c, const char *name)
{
	struct prom_cap_family *f;
	size_t i;

	for (i = 0; i < c->nfam; i++)
		if (!strcmp(c->fam[i].name, name))
			return &c->fam[i];
	c->fam = realloc(c->fam, (c->nfam + 1) * sizeof(*c->fam));
	if (!c->fam)
		abort();
	f = &c->fam[c->nfam++];
	memset(f, 0, sizeof(*f));
	f->name = strdup(name);
	if (!f->name)
		abort();
	idmap_init(&f->admitted);
	idmap_init(&f->folded);
	return f;
}

/* FNV-1a, never 0 (idmap's empty key). A collision only admits a set early. */
static uint64_t key_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return h ? h : 1;
}

static int cmp_row(const void *a, const void *b)
{
	return strcmp(((const struct prom_row *)a)->key, ((const struct prom_row *)b)->key);
}

/* Splits a key into its values, in place (done once, after sorting and merging). */
static void row_split(struct prom_row *row, size_t nlabels)
{
	char *p = row->key;
	size_t i;

	for (i = 0; i < nlabels; i++) {
		char *sep = strchr(p, KEY_SEP);

		row->values[i] = p;
		*sep = '\0';
		p = sep + 1;
	}
}

static void row_write(struct strbuf *sb, const char *name, const struct prom_rows *r,
		      const char *const *values, uint64_t value)
{
	struct prom_label labels[PROM_MAX_LABELS];
	size_t i;

	for (i = 0; i < r->nlabels; i++) {
		labels[i].name = r->label_names[i];
		labels[i].value = values[i];
	}
	prom_sample_u64(sb, name, NULL, labels, r->nlabels, value);
}

struct prom_folded {
	uint64_t value; /* at the last emit that saw it */
	uint64_t seen;	/* that emit */
};

/* Stamps a label set already known as seen by this emit (its value kept if folded). */
static void mark_seen(struct prom_cap_family *fam, uint64_t h, uint64_t value)
{
	struct prom_folded *f = idmap_get(&fam->folded, h);

	if (f) {
		f->value = value;
		f->seen = fam->emits;
	} else if (idmap_get(&fam->admitted, h)) {
		idmap_put(&fam->admitted, h, (void *)(uintptr_t)fam->emits);
	}
}

/* Where a label set goes, once those gone are forgotten: shown (true) or into "other". */
static bool admit(struct prom_cap *cap, struct prom_cap_family *fam, uint64_t h, uint64_t value)
{
	struct prom_folded *f;

	if (idmap_get(&fam->admitted, h))
		return true;
	if (idmap_get(&fam->folded, h))
		return false;
	if (!cap->max || fam->admitted.len < cap->max) {
		idmap_put(&fam->admitted, h, (void *)(uintptr_t)fam->emits);
		return true;
	}
	f = calloc(1, sizeof(*f));
	if (!f)
		abort();
	f->value = value;
	f->seen = fam->emits;
	idmap_put(&fam->folded, h, f);
	return false;
}

/*
 * Forgets the label sets the last emit did not see (there is no delete in
 * an idmap: the live ones move to a new one). A counter's "other" keeps what
 * a folded set that went away had counted.
 */
static void forget_gone(struct prom_cap_family *fam, bool counter)
{
	struct idmap admitted, folded;
	size_t i;

	idmap_init(&admitted);
	idmap_init(&folded);
	for (i = 0; i < fam->admitted.cap; i++)
		if (fam->admitted.keys[i] && (uintptr_t)fam->admitted.vals[i] == fam->emits)
			idmap_put(&admitted, fam->admitted.keys[i], fam->admitted.vals[i]);
	for (i = 0; i < fam->folded.cap; i++) {
		struct prom_folded *f = fam->folded.vals[i];

		if (!fam->folded.keys[i])
			continue;
		if (f->seen == fam->emits) {
			idmap_put(&folded, fam->folded.keys[i], f);
			continue;
		}
		if (counter)
			fam->other_gone += f->value;
		free(f);
	}
	idmap_free(&fam->admitted, NULL);
	idmap_free(&fam->folded, NULL);
	fam->admitted = admitted;
	fam->folded = folded;
}

size_t prom_rows_emit(struct strbuf *sb, const char *name, bool counter, struct prom_rows *r,
		      struct prom_cap *cap)
{
	const char *other[PROM_MAX_LABELS];
	struct prom_cap_family *fam = cap ? cap_family(cap, name) : NULL;
	uint64_t other_value = 0;
	size_t i, out = 0, folded = 0;

	if (r->n > 1) /* rows is NULL when empty: qsort(NULL, 0) is undefined */
		qsort(r->rows, r->n, sizeof(*r->rows), cmp_row);
	for (i = 0; i < r->n; i++) {
		struct prom_row *row = &r->rows[i];

		/* Same labels (two sources of one series): one sample, the sum. */
		if (out && !strcmp(r->rows[out - 1].key, row->key)) {
			r->rows[out - 1].value += row->value;
			continue;
		}
		if (i != out) {
			r->rows[out] = *row;
			row->key = NULL;
		}
		out++;
	}
	for (i = out; i < r->n; i++)
		free(r->rows[i].key);
	r->n = out;
	/* Who is still here first, so that the places of those gone are free for new ones. */
	if (fam) {
		fam->emits++;
		for (i = 0; i < r->n; i++)
			mark_seen(fam, key_hash(r->rows[i].key), r->rows[i].value);
		forget_gone(fam, counter);
	}
	for (i = 0; i < r->n; i++) {
		struct prom_row *row = &r->rows[i];

		if (fam && !admit(cap, fam, key_hash(row->key), row->value)) {
			folded++;
			other_value += row->value;
			continue;
		}
		row_split(row, r->nlabels);
		row_write(sb, name, r, row->values, row->value);
	}
	if (!fam)
		return 0;
	fam->nfolded = folded;
	if (folded || fam->other_gone) {
		for (i = 0; i < r->nlabels; i++)
			other[i] = PROM_OTHER;
		row_write(sb, name, r, other, other_value + (counter ? fam->other_gone : 0));
	}
	return folded;
}
