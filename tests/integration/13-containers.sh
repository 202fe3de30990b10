# SPDX-License-Identifier: GPL-2.0
# shellcheck disable=SC2154 # NAME_pid...: set by eval in start_listener
# The container harness itself, against the kernel's own rule: a container
# with its own user namespace (crun, devices through cgroup v1; runc, through
# a cgroup2 device program) hears no kernel uevent, while a listener on the
# host hears the same one (the positive control); an injection inside it,
# by a root with every capability in its user namespace, reaches its
# listener. The runtime's default device rules
# deny a node it does not list, by a real open().
SUITE=containers
. "$(dirname "$0")/lib.sh"
require_root
require_jq
. "$(dirname "$0")/container.inc"

for mode in v1 v2; do
	CTR_CGROUP=$mode
	rt=$(ctr_runtime)
	if ! command -v "$rt" >/dev/null; then
		fail "$mode: runtime" "$rt is not installed (make test-deps)"
		continue
	fi
	c=c$mode
	ctr_start "$c" /h/uevlisten -p -t 60000 || {
		fail "$mode: $rt starts a container" "$(cat "$(ctr_bundle "$c")/start.err")"
		continue
	}
	pid=$CTR_PID
	wait_for "^ready" "$(ctr_bundle "$c")/start.out" 50 ||
		fail "$mode: listener ready in the container" "$(cat "$(ctr_bundle "$c")/start.out")"
	own=$(readlink "/proc/$pid/ns/user")
	[ "$own" != "$(readlink /proc/self/ns/user)" ] && [ "$(readlink "/proc/$pid/ns/net")" != "$(readlink /proc/self/ns/net)" ] &&
		grep -q "^ *0 *100000 *65536" "/proc/$pid/uid_map" &&
		pass "$mode: $rt container has its own user and network namespaces, root is uid 100000" ||
		fail "$mode: $rt container has its own user and network namespaces, root is uid 100000" \
			"user $own, uid_map $(cat "/proc/$pid/uid_map")"

	start_listener host -- -p || fail "setup" "host listener"
	u=$(new_uuid 7)
	fire_uevent "$u"
	if wait_for "$u" "$T/host.out" 50; then
		nsenter -t "$pid" -U -n "$H/uevinject" add "/devices/virtual/uevtest/$c" \
			uevtest "SYNTH_UUID=$u-inj" >"$T/inject.out" 2>&1 ||
			fail "$mode: injection from the container's root" "$(cat "$T/inject.out")"
		out=$(ctr_bundle "$c")/start.out
		if wait_for "$u-inj" "$out" 50; then
			n=$(grep -c "SYNTH_UUID=$u\$\|SYNTH_UUID=$u " "$out")
			[ "$n" = 0 ] && pass "$mode: the container hears its own injection and not the kernel uevent the host heard" ||
				fail "$mode: the container hears its own injection and not the kernel uevent the host heard" \
					"kernel uevent received $n times"
		else
			fail "$mode: the container hears its own injection and not the kernel uevent the host heard" "$(tail -3 "$out")"
		fi
	else
		fail "$mode: positive control, the host listener hears the kernel uevent" "$(tail -3 "$T/host.out")"
	fi
	kill "$host_pid" 2>/dev/null

	# The runtime's device rules, by real open()s inside: /dev/null is one of
	# its standard nodes; a node it does not list (1:1, /dev/mem's numbers,
	# made in the container's writable /tmp... which is nodev, so in /dev).
	ctr_exec "$c" sh -c 'echo x >/dev/null && echo null-ok' >"$T/open.out" 2>&1
	ctr_exec "$c" sh -c 'mknod /dev/m1 c 1 1 2>&1; head -c1 /dev/m1 >/dev/null 2>&1 && echo mem-ok || echo mem-denied' >>"$T/open.out" 2>&1
	grep -q null-ok "$T/open.out" && grep -q mem-denied "$T/open.out" &&
		pass "$mode: the runtime allows its standard nodes and denies others (real open)" ||
		fail "$mode: the runtime allows its standard nodes and denies others (real open)" "$(cat "$T/open.out")"
	case $mode in
	v1) grep -q "^c 1:3 " "$(ctr_cgroup "$c")/devices.list" ;;
	v2) bpftool cgroup show "$(ctr_cgroup "$c")" | grep -q cgroup_device ;;
	esac && pass "$mode: device control where the header says" && info "$mode: device control where the header says ($(ctr_cgroup "$c"))" ||
		fail "$mode: device control where the header says" "$(ctr_cgroup "$c")"
	ctr_stop "$c"
	ctr_alive "$pid" && fail "$mode: ctr_stop ends it" "pid $pid still there" || pass "$mode: ctr_stop ends it"
done
