# SPDX-License-Identifier: GPL-2.0
# shellcheck disable=SC2154 # NAME_pid, NAME_port...: set by eval in start_listener, start_exporter
# Scopes beyond netns: a cgroup and its descendants; injected uevents are
# filtered like kernel ones, and the injector still gets its ack.
SUITE=enforce-scopes
. "$(dirname "$0")/lib.sh"
require_root
require_jq
# shellcheck disable=SC2016,SC2089 # a command for enforce.inc's EXIT trap to eval
ENFORCE_EXIT='rmdir "$CG/uevenf$$/inner" "$CG/uevenf$$" 2>/dev/null'
. "$(dirname "$0")/enforce.inc"

CG=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
if [ -n "$CG" ]; then
	mkdir -p "$CG/uevenf$$/inner"
	printf 'echo $$ > %s/cgroup.procs && exec "$@"\n' "$CG/uevenf$$/inner" >"$T/incg.sh"
	start_listener caged sh "$T/incg.sh" -- || fail "setup" "listener in the cgroup"
	start_listener free -- || fail "setup" "listener outside"
	"$UEVSCOPE" filter add --no-watch --cgroup "/uevenf$$" "DEVPATH==\"$NULLDEV\"" deny >"$T/add.out" 2>&1 ||
		fail "setup" "$(cat "$T/add.out")"
	echo change >/sys/class/mem/null/uevent
	echo change >/sys/class/mem/null/uevent
	n=0
	# The listener outside is the positive control: once it has both, the
	# caged one's verdicts are made (one broadcast reaches both).
	wait_count "devpath=$NULLDEV " "$T/free.out" 2 50
	got="$(count_lines "devpath=$NULLDEV " "$T/caged.out") $(count_lines "devpath=$NULLDEV " "$T/free.out")"
	[ "$got" = "0 2" ] && pass "a cgroup rule covers sockets in its descendants, no others" ||
		fail "a cgroup rule covers sockets in its descendants, no others" "inside/outside got $got, want 0 2"
	got=$("$UEVSCOPE" filter status -j | jq -r '.rules[0] | "\(.scope) \(.denied)"')
	[ "$got" = "cgroup 2" ] && pass "the cgroup rule counts its denials" ||
		fail "the cgroup rule counts its denials" "[$got]"
	kill "$caged_pid" 2>/dev/null
	wait "$caged_pid" 2>/dev/null
	"$UEVSCOPE" filter flush >/dev/null
else
	skip "a cgroup rule covers sockets in its descendants, no others" "no cgroup v2 mounted"
fi

# Injected uevents: a deny-everything rule on a netns (after one that lets the
# control subsystem through); the injector's own socket is in scope too, and
# its ack (a unicast through the same filter) must still arrive.
new_netns uevinj
start_listener l ip netns exec "$NS" -- || fail "setup" "listener"
"$UEVSCOPE" filter add --no-watch --netns "$NS" 'SUBSYSTEM=="uevctl"' allow >"$T/add1.out" 2>&1 ||
	fail "setup" "$(cat "$T/add1.out")"
"$UEVSCOPE" filter add --netns "$NS" deny >"$T/add2.out" 2>&1 || fail "setup" "$(cat "$T/add2.out")"
start_listener l2 ip netns exec "$NS" -- || fail "setup" "listener"
# l2 was made after the rule: the watcher covers it (status lists it) before we inject.
n=0
while [ $n -lt 50 ] && [ "$("$UEVSCOPE" filter status -j | jq "[.sockets[] | select(.pid == $l2_pid)] | length")" != 1 ]; do
	n=$((n + 1))
	sleep 0.1
done
ip netns exec "$NS" "$H/uevinject" add /devices/virtual/uevtest/enf uevtest >"$T/inj.out" 2>&1
rc=$?
# Positive control: an injected uevent of the allowed subsystem, after the
# denied one, from the same socket, must reach both listeners.
ip netns exec "$NS" "$H/uevinject" add /devices/virtual/uevctl/enf uevctl >"$T/inj2.out" 2>&1 ||
	fail "setup" "control injection: $(cat "$T/inj2.out")"
ctl=0
wait_for "devpath=/devices/virtual/uevctl/enf" "$T/l.out" 50 && wait_for "devpath=/devices/virtual/uevctl/enf" "$T/l2.out" 50 && ctl=1
[ $rc = 0 ] && grep -q "ack=0" "$T/inj.out" && pass "the injector gets its ack through the filter" ||
	fail "the injector gets its ack through the filter" "exit $rc: $(cat "$T/inj.out")"
got="$(count_lines "devpath=/devices/virtual/uevtest/enf" "$T/l.out") $(count_lines "devpath=/devices/virtual/uevtest/enf" "$T/l2.out")"
[ "$got" = "0 0" ] && [ $ctl = 1 ] && pass "injected uevents are filtered like kernel ones" ||
	fail "injected uevents are filtered like kernel ones" "listeners got $got, want 0 0; the control arrived at both: $ctl"
