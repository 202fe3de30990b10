// SPDX-License-Identifier: GPL-2.0
#include <endian.h>
#include <errno.h>
#include <string.h>

#include "udev_monitor.h"

uint32_t udev_murmur2(const void *key, size_t len, uint32_t seed)
{
	const uint32_t m = 0x5bd1e995;
	const unsigned char *p = key;
	uint32_t h = seed ^ (uint32_t)len;

	while (len >= 4) {
		uint32_t k;

		memcpy(&k, p, 4); /* host order, as the reference and libudev read it */
		k *= m;
		k ^= k >> 24;
		k *= m;
		h *= m;
		h ^= k;
		p += 4;
		len -= 4;
	}
	switch (len) {
	case 3:
		h ^= (uint32_t)p[2] << 16;
		/* fallthrough */
	case 2:
		h ^= (uint32_t)p[1] << 8;
		/* fallthrough */
	case 1:
		h ^= p[0];
		h *= m;
	}
	h ^= h >> 13;
	h *= m;
	h ^= h >> 15;
	return h;
}

uint64_t udev_tag_bloom(const char *tag)
{
	uint32_t h = udev_murmur2(tag, strlen(tag), 0);

	return 1ULL << (h & 63) | 1ULL << ((h >> 6) & 63) | 1ULL << ((h >> 12) & 63) |
	       1ULL << ((h >> 18) & 63);
}

uint64_t udev_tags_bloom(const char *tags)
{
	char tag[256];
	uint64_t bits = 0;
	const char *s = tags, *e;

	if (!tags)
		return 0;
	while (*s) {
		while (*s == ':')
			s++;
		e = strchrnul(s, ':');
		if (e > s && (size_t)(e - s) < sizeof(tag)) {
			memcpy(tag, s, e - s);
			tag[e - s] = '\0';
			bits |= udev_tag_bloom(tag);
		}
		s = e;
	}
	return bits;
}

static const char *prop_val(const char *const *props, size_t n, const char *key)
{
	size_t kl = strlen(key);

	for (size_t i = 0; i < n; i++)
		if (!strncmp(props[i], key, kl) && props[i][kl] == '=')
			return props[i] + kl + 1;
	return NULL;
}

void udev_monitor_build(const char *const *props, size_t n, struct strbuf *out)
{
	struct udev_monitor_header h = {
	    .prefix = UDEV_MONITOR_PREFIX,
	    .magic = htobe32(UDEV_MONITOR_MAGIC),
	    .header_size = sizeof(h),
	    .properties_off = sizeof(h),
	};
	const char *sub = prop_val(props, n, "SUBSYSTEM");
	const char *devtype = prop_val(props, n, "DEVTYPE");
	uint64_t bloom = udev_tags_bloom(prop_val(props, n, "TAGS"));
	size_t start = out->len;

	if (sub)
		h.filter_subsystem_hash = htobe32(udev_murmur2(sub, strlen(sub), 0));
	if (devtype)
		h.filter_devtype_hash = htobe32(udev_murmur2(devtype, strlen(devtype), 0));
	h.filter_tag_bloom_hi = htobe32((uint32_t)(bloom >> 32));
	h.filter_tag_bloom_lo = htobe32((uint32_t)bloom);
	sb_putn(out, (const char *)&h, sizeof(h));
	for (size_t i = 0; i < n; i++)
		sb_putn(out, props[i], strlen(props[i]) + 1);
	h.properties_len = (uint32_t)(out->len - start - sizeof(h));
	memcpy(out->buf + start, &h, sizeof(h));
}

int udev_monitor_parse(const char *buf, size_t len, struct udev_monitor_header *h,
		       const char **props, size_t *props_len)
{
	if (len < sizeof(*h))
		return -EINVAL;
	memcpy(h, buf, sizeof(*h));
	if (memcmp(h->prefix, UDEV_MONITOR_PREFIX, sizeof(UDEV_MONITOR_PREFIX)) ||
	    h->magic != htobe32(UDEV_MONITOR_MAGIC))
		return -EINVAL;
	/* sd-device wants at least 32 bytes of properties past properties_off. */
	if (h->properties_off < sizeof(*h) || (size_t)h->properties_off + 32 > len)
		return -EINVAL;
	*props = buf + h->properties_off;
	*props_len = len - h->properties_off;
	if (h->properties_len < *props_len)
		*props_len = h->properties_len;
	return 0;
}
