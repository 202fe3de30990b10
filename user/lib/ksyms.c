// SPDX-License-Identifier: GPL-2.0
/* Loading and looking up /proc/kallsyms: see ksyms.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ksyms.h"

#define KSYM_MAX_FN_SIZE (1 << 20)

static int add_name(struct ksyms *ks, const char *name, size_t *at)
{
	size_t len = strlen(name) + 1;

	if (ks->names_len + len > ks->names_cap) {
		size_t cap = ks->names_cap ? ks->names_cap * 2 : 1 << 20;
		char *n;

		while (cap < ks->names_len + len)
			cap *= 2;
		n = realloc(ks->names, cap);
		if (!n)
			return -ENOMEM;
		ks->names = n;
		ks->names_cap = cap;
	}
	memcpy(ks->names + ks->names_len, name, len);
	*at = ks->names_len;
	ks->names_len += len;
	return 0;
}

static int push(struct ksym **arr, size_t *n, size_t *cap, uint64_t addr, size_t name_at, char type)
{
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 4096;
		struct ksym *a = realloc(*arr, c * sizeof(*a));

		if (!a)
			return -ENOMEM;
		*arr = a;
		*cap = c;
	}
	/* The names buffer may still move: keep the offset, fix pointers at the end. */
	(*arr)[*n].addr = addr;
	(*arr)[*n].name = (const char *)(uintptr_t)name_at;
	(*arr)[*n].type = type;
	(*n)++;
	return 0;
}

static int by_addr(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static void finish(struct ksyms *ks, struct ksym *arr, size_t n)
{
	for (size_t i = 0; i < n; i++)
		arr[i].name = ks->names + (uintptr_t)arr[i].name;
	if (n > 1) /* arr is NULL when empty: qsort(NULL, 0) is undefined */
		qsort(arr, n, sizeof(*arr), by_addr);
}

int ksyms_load_file(struct ksyms *ks, FILE *f)
{
	size_t tcap = 0, dcap = 0, at;
	bool nonzero = false;
	char line[512], name[256], type;
	unsigned long long addr;
	int err = 0;

	memset(ks, 0, sizeof(*ks));
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx %c %255s", &addr, &type, name) != 3)
			continue;
		if (addr)
			nonzero = true;
		type = (char)(type | 0x20); /* T/t: global/local text, same for us */
		if (type != 't' && type != 'w' && type != 'd' && type != 'b' && type != 'r')
			continue;
		if ((err = add_name(ks, name, &at)))
			break;
		if (type == 't' || type == 'w')
			err = push(&ks->text, &ks->ntext, &tcap, addr, at, type);
		else
			err = push(&ks->data, &ks->ndata, &dcap, addr, at, type);
		if (err)
			break;
	}
	if (!err && !nonzero)
		err = -EPERM; /* kptr_restrict hides every address from this reader */
	if (!err && !ks->ntext)
		err = -ENODATA;
	if (err) {
		ksyms_free(ks);
		return err;
	}
	finish(ks, ks->text, ks->ntext);
	finish(ks, ks->data, ks->ndata);
	return 0;
}

int ksyms_load(struct ksyms *ks)
{
	FILE *f = fopen("/proc/kallsyms", "re");
	int err;

	if (!f)
		return -errno;
	err = ksyms_load_file(ks, f);
	fclose(f);
	return err;
}

void ksyms_free(struct ksyms *ks)
{
	free(ks->text);
	free(ks->data);
	free(ks->names);
	memset(ks, 0, sizeof(*ks));
}

/* Index of the last entry with addr <= a, or -1. */
static long find_le(const struct ksym *arr, size_t n, uint64_t a)
{
	long lo = 0, hi = (long)n - 1, best = -1;

	while (lo <= hi) {
		long mid = lo + (hi - lo) / 2;

		if (arr[mid].addr <= a) {
			best = mid;
			lo = mid + 1;
		} else {
			hi = mid - 1;
		}
	}
	return best;
}

const struct ksym *ksyms_text(const struct ksyms *ks, uint64_t addr, uint64_t *off)
{
	long i = find_le(ks->text, ks->ntext, addr);

	/*
	 * kallsyms has no sizes. Past the last symbol of a region (JIT-ed BPF
	 * programs without bpf_jit_kallsyms, say) the nearest one below is far
	 * away: no kernel function is a megabyte long.
	 */
	if (i < 0 || addr - ks->text[i].addr > KSYM_MAX_FN_SIZE)
		return NULL;
	if (off)
		*off = addr - ks->text[i].addr;
	return &ks->text[i];
}

const struct ksym *ksyms_data_at(const struct ksyms *ks, uint64_t addr)
{
	long i = find_le(ks->data, ks->ndata, addr);

	return i >= 0 && ks->data[i].addr == addr ? &ks->data[i] : NULL;
}
