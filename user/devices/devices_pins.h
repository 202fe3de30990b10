/* SPDX-License-Identifier: GPL-2.0 */
/* The pinned objects of the device policy (devices_pins.c), used by devices.c only. */
#ifndef UEVSCOPE_DEVICES_PINS_H
#define UEVSCOPE_DEVICES_PINS_H

#include <stddef.h>
#include <stdint.h>

struct dev_rule;

struct dev_maps {
	int cfg, rules, counters, scopes;
};

/* Opens the pinned maps; -errno with a reason when they are missing or foreign. */
int dev_maps_open(struct dev_maps *m, char *err, size_t errlen);
void dev_maps_close(struct dev_maps *m);

/* bpffs is mounted, and the pin directory exists. */
int dev_pins_prepare(char *err, size_t errlen);
/* The cgroup ids with a program of ours attached (one pin each). */
int dev_pins_attached(uint64_t *ids, size_t max, size_t *n, char *err, size_t errlen);
/* Loads a program for the rule's cgroup (maps shared through their pins), attaches, pins. */
int dev_pins_attach(const struct dev_rule *scope, char *err, size_t errlen);
/* Detaches and unpins the program of one cgroup. */
void dev_pins_detach(uint64_t cgroup_id);
/* Detaches everything, unpins the maps, removes the directories. err may be NULL. */
int dev_pins_remove_all(char *err, size_t errlen);

/* Forces "link" or "prog-attach" instead of trying a link first (NULL = probe). */
extern const char *devices_force_hook;

#endif /* UEVSCOPE_DEVICES_PINS_H */
