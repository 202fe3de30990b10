# SPDX-License-Identifier: GPL-2.0
# uevscope devices next to a container runtime's own device program on the
# same cgroup (devprog: refuses /dev/zero, allows the rest): both programs
# must allow, and a flush removes ours and leaves theirs.
SUITE=devices-compose
. "$(dirname "$0")/lib.sh"
require_root
. "$(dirname "$0")/devices.inc"

"$H/devprog" attach "$BOX" 1 5 || { fail "setup" "devprog attach"; exit 0; }
devices allow --cgroup "$BOX" c 1:5 rw && devices deny --cgroup "$BOX" c 1:3 rwm ||
	fail "setup" "$(cat "$T/dev.err")"
if command -v bpftool >/dev/null; then
	progs=$(bpftool cgroup show "$BOX" | awk '$2 == "cgroup_device" { print $3, $4 }' | sort | tr '\n' ';')
	[ "$progs" = "multi device_policy;multi runtime_dev;" ] &&
		pass "both programs attached to the cgroup, each multi" ||
		fail "both programs attached to the cgroup, each multi" "$progs"
fi
"$H/devopen" -c "$BOX" r:/dev/zero r:/dev/null r:/dev/full >"$T/a"
got=$(tr '\n' ' ' <"$T/a")
[ "$got" = "open r /dev/zero EPERM open r /dev/null EPERM open r /dev/full ok " ] &&
	pass "the runtime's deny holds where our rule allows; ours holds where it allows" ||
	fail "the runtime's deny holds where our rule allows; ours holds where it allows" "$got"
"$UEVSCOPE" devices list >"$T/list"
got=$(awk '$1 ~ /^[0-9]/ { print $1, $7, $8 }' "$T/list" | tr '\n' ';')
[ "$got" = "1 1 0;2 0 1;" ] && pass "our counters: our own decisions (1 allowed, 1 denied)" ||
	fail "our counters: our own decisions (1 allowed, 1 denied)" "$got"

devices flush
"$H/devopen" -c "$BOX" r:/dev/zero r:/dev/null >"$T/b"
got=$(tr '\n' ' ' <"$T/b")
[ "$got" = "open r /dev/zero EPERM open r /dev/null ok " ] &&
	pass "flush removes our rules and leaves the runtime's program in force" ||
	fail "flush removes our rules and leaves the runtime's program in force" "$got"
assert_nothing_left "flush next to a runtime program"
"$H/devprog" detach "$BOX" >"$T/c" 2>&1
[ "$(cat "$T/c")" = "detached 1" ] && pass "the runtime's program was still attached, once" ||
	fail "the runtime's program was still attached, once" "$(cat "$T/c")"
