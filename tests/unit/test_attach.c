// SPDX-License-Identifier: GPL-2.0
/* attach: the runtime's device rules read from runc's state and an OCI config; id maps. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "attach/attach.h"
#include "attach/attach_json.h"
#include "hotplug.h"
#include "unit.h"

static const char *const runc_path[] = {"config", "cgroups", "devices"};
static const char *const oci_path[] = {"linux", "resources", "devices"};

/* runc's state.json (libcontainer): type as a character code, -1 for any. */
static void test_runc(void)
{
	const char *text =
	    "{\"id\":\"c\",\"init_process_pid\":42,\"config\":{\"mounts\":[{\"x\":[1,2]}],"
	    "\"cgroups\":{\"path\":\"/a/b\",\"devices\":[{\"type\":97,\"major\":-1,\"minor\":-1,"
	    "\"permissions\":\"rwm\",\"allow\":false},{\"type\":99,\"major\":1,\"minor\":3,"
	    "\"permissions\":\"rwm\",\"allow\":true},{\"type\":98,\"major\":-1,\"minor\":-1,"
	    "\"permissions\":\"m\",\"allow\":true}]}}}";
	struct att_json_dev d[8];
	size_t n;

	CHECK_INT(0, att_json_devices(text, runc_path, 3, true, d, 8, &n));
	CHECK_UINT(3, n);
	CHECK(d[0].type == 'a' && d[0].major == -1 && !d[0].allow && !strcmp(d[0].access, "rwm"));
	CHECK(d[1].type == 'c' && d[1].major == 1 && d[1].minor == 3 && d[1].allow);
	CHECK(d[2].type == 'b' && d[2].minor == -1 && !strcmp(d[2].access, "m"));
}

/* OCI config: type a string (absent = all), major/minor absent = any, "access". */
static void test_oci(void)
{
	const char *text = "{ \"linux\" : { \"resources\" : { \"devices\" : [ { \"allow\" : false, "
			   "\"access\" : \"rwm\" }, { \"allow\": true, \"type\": \"c\", \"major\": "
			   "10, \"minor\": 200, \"access\": \"rw\" } ] } } }";
	struct att_json_dev d[8];
	size_t n;

	CHECK_INT(0, att_json_devices(text, oci_path, 3, false, d, 8, &n));
	CHECK_UINT(2, n);
	CHECK(d[0].type == 'a' && d[0].major == -1 && d[0].minor == -1 && !d[0].allow);
	CHECK(d[1].type == 'c' && d[1].major == 10 && d[1].minor == 200 && d[1].allow &&
	      !strcmp(d[1].access, "rw"));
}

/* Truncated or foreign text: not found, never a read past the end. */
static void test_malformed(void)
{
	static const char *const bad[] = {
	    "",
	    "{",
	    "{\"linux\":",
	    "{\"linux\":{\"resources\":{\"devices\":[{\"type\":\"c\"",
	    "{\"linux\":{\"resources\":{\"devices\":\"x\"}}}",
	    "[1,2,3]",
	    "{\"a\\",
	};
	struct att_json_dev d[8];
	size_t i, n;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(att_json_devices(bad[i], oci_path, 3, false, d, 8, &n) != 0 || n == 0);
}

static void test_idmap(void)
{
	const char *map = "         0     200000      65536\n";

	CHECK_INT(0, att_map_to_inside(map, 200000));
	CHECK_INT(6, att_map_to_inside(map, 200006));
	CHECK_INT(-1, att_map_to_inside(map, 0));
	CHECK_UINT(200000, att_map_to_outside(map, 0));
	CHECK_UINT(65534, att_map_to_outside(map, 70000));
}

/*
 * The state line: one of an older uevscope (11 fields, no sysfs inode) still
 * parses, with the inode unknown; a line written now reads back whole.
 */
static void test_state_line(void)
{
	char old[] = "/c1\t42\t4026532258\tb\t7\t3\t/dev/loop3\tbind\tv1\t-\t0:"
		     "/sys/devices/virtual/block/loop3\n";
	struct hotplug_entry e, back;
	char buf[2048];
	FILE *f;

	CHECK_INT(0, hotplug_parse(old, &e));
	CHECK(e.type == 'b' && e.major == 7 && e.minor == 3 && e.sysino == 0);
	CHECK_STR("/sys/devices/virtual/block/loop3", e.syspath);
	e.sysino = 18446744069414584321ull; /* a kernfs id with a generation in the high bits */
	f = fmemopen(buf, sizeof(buf), "w");
	CHECK(f != NULL);
	if (!f)
		return;
	hotplug_print(f, &e);
	fclose(f);
	CHECK_INT(0, hotplug_parse(buf, &back));
	CHECK(back.sysino == e.sysino && back.minor == 3 && back.orig_prog == 0);
	CHECK_STR(e.syspath, back.syspath);
	CHECK_STR("/dev/loop3", back.node);
}

/*
 * Gone or not, judged against this machine's sysfs (no root needed): /dev/null
 * (c 1:3) is there with its own inode; another inode is a device replaced; a
 * number no device has is one removed; no sysfs path recorded is never gone.
 */
static void test_gone(void)
{
	struct hotplug_entry e = {.type = 'c', .major = 1, .minor = 3};
	char why[128] = "";
	struct stat st;

	CHECK_INT(0, stat("/sys/dev/char/1:3/uevent", &st));
	snprintf(e.syspath, sizeof(e.syspath), "/sys/devices/virtual/mem/null");
	e.sysino = st.st_ino;
	CHECK_INT(0, hotplug_gone(&e, why, sizeof(why)));
	e.sysino = st.st_ino + 1;
	CHECK_INT(1, hotplug_gone(&e, why, sizeof(why)));
	CHECK_STR("replaced: c 1:3 is another device now", why);
	e.sysino = 0; /* an older state: the path behind the number decides */
	CHECK_INT(0, hotplug_gone(&e, why, sizeof(why)));
	snprintf(e.syspath, sizeof(e.syspath), "/sys/devices/virtual/mem/zero");
	CHECK_INT(1, hotplug_gone(&e, why, sizeof(why)));
	e.minor = 0xfffff; /* no mem device has it */
	CHECK_INT(1, hotplug_gone(&e, why, sizeof(why)));
	CHECK_STR("removed from the host", why);
	snprintf(e.syspath, sizeof(e.syspath), "-");
	CHECK_INT(0, hotplug_gone(&e, why, sizeof(why)));
}

int main(void)
{
	unit_suite("attach");
	RUN(test_runc, "runc state.json device rules");
	RUN(test_oci, "OCI config device rules");
	RUN(test_malformed, "malformed JSON: not found, no overread");
	RUN(test_idmap, "uid_map both ways");
	RUN(test_state_line, "state line: an older one parses, a new one reads back");
	RUN(test_gone, "gone: by number and sysfs inode, against this sysfs");
	return unit_exit();
}
