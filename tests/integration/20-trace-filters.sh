# SPDX-License-Identifier: GPL-2.0
# shellcheck disable=SC2154 # NAME_pid, NAME_port...: set by eval in start_listener, start_exporter
# Filters keep exactly the matching deliveries: --netns and --cgroup in the
# kernel (filtered deliveries never reach the ring buffer), -m in user space.
SUITE=trace-filters
. "$(dirname "$0")/lib.sh"
require_root
require_jq

new_netns uevflt
U3=$(new_uuid 3)
U4=$(new_uuid 4)

start_listener host -- || fail "setup" "host listener"
start_listener named ip netns exec "$NS" -- || fail "setup" "named netns listener"

# --netns in the kernel, two -m ANDed in user space.
start_trace netns -j --netns "/run/netns/$NS" -m 'SUBSYSTEM=="mem"' -m "SYNTH_UUID==\"$U3\"" ||
	{ fail "setup" "trace did not start: $(cat "$T/netns.err")"; exit 0; }
fire_uevent "$U3"
fire_uevent "$U4"
n=0
while [ "$(grep -c '^uevent' "$T/named.out")" -lt 2 ] && [ $n -lt 30 ]; do sleep 0.1; n=$((n + 1)); done
sleep 0.3
stop_trace
got=$(jq -r 'select(.type=="delivery") | "\(.netns.inode) \(.receiver.pid)"' "$T/netns.out")
[ "$got" = "$named_netns $named_pid" ] && pass "--netns and -m keep exactly the matching delivery" ||
	fail "--netns and -m keep exactly the matching delivery" "got [$got]"
got=$(tail -1 "$T/netns.out" | jq -r '"\(.deliveries) \(.shown) \(.not_matched)"')
# The host listener's two deliveries never left the kernel; U4 was dropped by -m.
[ "$got" = "2 1 1" ] && pass "--netns filters in the kernel" ||
	fail "--netns filters in the kernel" "deliveries/shown/not_matched = [$got], want [2 1 1]"

# Text output with -p: one line per delivery, then the properties.
U5=$(new_uuid 5)
start_trace text -p --netns "$named_netns" -m "SYNTH_UUID==\"$U5\"" || fail "setup" "text trace"
fire_uevent "$U5"
wait_for "SYNTH_UUID=$U5" "$T/text.out" 30
stop_trace
if grep -q "seq=[0-9]* change /devices/virtual/mem/null (mem) netns=$named_netns\[$NS\] .* rx=$named_pid/uevlisten .*origin=kernel" "$T/text.out" &&
	grep -q "^    SYNTH_ARG_TEST=1$" "$T/text.out" && grep -q "^    SYNTH_UUID=$U5$" "$T/text.out"; then
	pass "text line and -p properties"
else
	fail "text line and -p properties" "$(head -3 "$T/text.out")"
fi

# --cgroup: only receivers in that cgroup (or below), decided in the kernel.
CG=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
if [ -z "$CG" ]; then
	skip "--cgroup keeps only receivers in the cgroup and below" "no cgroup v2 mounted"
	exit 0
fi
mkdir -p "$CG/uevtest$$/inner"
printf 'echo $$ > %s/cgroup.procs && exec "$@"\n' "$CG/uevtest$$/inner" >"$T/incg.sh"
start_listener caged sh "$T/incg.sh" -- ||
	fail "setup" "caged listener"
U6=$(new_uuid 6)
start_trace cg -j --cgroup "/uevtest$$" -m "SYNTH_UUID==\"$U6\"" || fail "setup" "cgroup trace: $(cat "$T/cg.err")"
fire_uevent "$U6"
wait_for "uevent" "$T/caged.out" 30
sleep 0.3
stop_trace
got=$(jq -r 'select(.type=="delivery") | "\(.receiver.pid) \(.receiver.cgroup)"' "$T/cg.out")
[ "$got" = "$caged_pid /uevtest$$/inner" ] && pass "--cgroup keeps only receivers in the cgroup and below" ||
	fail "--cgroup keeps only receivers in the cgroup and below" "got [$got]"
kill "$caged_pid" 2>/dev/null
wait "$caged_pid" 2>/dev/null
rmdir "$CG/uevtest$$/inner" "$CG/uevtest$$" 2>/dev/null
