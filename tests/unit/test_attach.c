// SPDX-License-Identifier: GPL-2.0
/* attach: the runtime's device rules read from runc's state and an OCI config; id maps. */
#include <stdlib.h>

#include "attach/attach.h"
#include "attach/attach_json.h"
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

int main(void)
{
	unit_suite("attach");
	RUN(test_runc, "runc state.json device rules");
	RUN(test_oci, "OCI config device rules");
	RUN(test_malformed, "malformed JSON: not found, no overread");
	RUN(test_idmap, "uid_map both ways");
	return unit_exit();
}
