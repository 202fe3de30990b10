# SPDX-License-Identifier: GPL-2.0
# shellcheck disable=SC2154 # NAME_pid, NAME_port...: set by eval in start_listener
# uevscope forward on Debian's kernels: into a network namespace owned by a
# user namespace of its own (unshare -r -n, what a rootless container has),
# exactly the uevents -m matches; trace sees them injected by the forwarder;
# coldplug's adds with nothing host-wide; a payload over the limit; an
# overrun resynced; counters in the state file and report -j. Sourced by
# vm-tests.sh (busybox sh, no jq); nothing else makes uevents in the VM.
fwd_fire() {
	echo "change $1 FWD=$2" >/sys/class/mem/null/uevent
}

unshare -r -n sleep 600 &
FWD_NS=$!
PIDS="$PIDS $FWD_NS"
n=0
while [ "$(readlink "/proc/$FWD_NS/ns/net")" = "$(readlink /proc/self/ns/net)" ] && [ $n -lt 50 ]; do
	sleep 0.1
	n=$((n + 1))
done
fwd_ino=$(stat -L -c %i "/proc/$FWD_NS/ns/net")
start_listener fwd_in nsenter -t "$FWD_NS" -n -- -p || fail "setup" "forward: listener in the target"
start_listener fwd_host -- -p || fail "setup" "forward: host listener"
start_trace fwd_tr -j -p || fail "setup" "forward: trace: $(cat "$T/fwd_tr.err")"
"$UEVSCOPE" forward --to "$FWD_NS" -m 'SUBSYSTEM=="mem"' -m 'SYNTH_ARG_FWD=="yes"' \
	>"$T/fwd1.out" 2>"$T/fwd1.err" &
FWD1=$!
PIDS="$PIDS $FWD1"
wait_for "^forwarding kernel format" "$T/fwd1.out" 300 || fail "forward: starts" "$(cat "$T/fwd1.err")"
fwd_u=""
for a in no yes no yes no yes; do
	u=$(new_uuid)
	fwd_u="$fwd_u $u"
	fwd_fire "$u" "$a"
done
wait_count "SYNTH_UUID=$u" "$T/fwd_in.out" 1
want=$(echo "$fwd_u" | awk '{ print $2, $4, $6 }')
got=$(grep -o 'SYNTH_UUID=[0-9a-f-]*' "$T/fwd_in.out" | sed 's/SYNTH_UUID=//' | tr '\n' ' ' | sed 's/ $//')
[ "$got" = "$want" ] && [ "$(grep -c '^uevent ' "$T/fwd_in.out")" = 3 ] &&
	[ "$(grep -c "SYNTH_ARG_FWD=" "$T/fwd_host.out")" = 6 ] &&
	pass "forward: the target hears exactly the 3 matching uevents; the host heard all 6" ||
	fail "forward: the target hears exactly the 3 matching uevents; the host heard all 6" "got [$got] want [$want]; host $(grep -c "SYNTH_ARG_FWD=" "$T/fwd_host.out")"
wait_for "$u" "$T/fwd_tr.out" 100
stop_trace
n=$(grep '^{"schema":1,"type":"delivery"' "$T/fwd_tr.out" | grep "\"inode\":$fwd_ino," |
	grep -c "\"origin\":{\"kind\":\"injected\",\"pid\":$FWD1,")
[ "$n" = 3 ] && pass "forward: trace shows the 3 deliveries as injected by the forwarder" ||
	fail "forward: trace shows the 3 deliveries as injected by the forwarder" "$n of 3: $(grep "\"inode\":$fwd_ino," "$T/fwd_tr.out" | cut -c1-300)"

# Over the limit: its environment fits the kernel's 2048, the forwarded payload not 2004.
big=$(head -c 1820 /dev/zero | tr '\0' 'x')
ub=$(new_uuid)
ua=$(new_uuid)
echo "change $ub FWD=yes BIG=$big" >/sys/class/mem/null/uevent
fwd_fire "$ua" yes
wait_count "SYNTH_UUID=$ua" "$T/fwd_in.out" 1
sleep 1.2 # the state file is rewritten every second
st=$(grep "^target $fwd_ino " "/run/uevscope/forward/$FWD1.state")
! grep -q "SYNTH_UUID=$ub" "$T/fwd_in.out" && grep -q "SYNTH_UUID=$ua" "$T/fwd_in.out" &&
	[ "$(grep -c "over the kernel's 2048-byte limit" "$T/fwd1.err")" = 1 ] &&
	echo "$st" | grep -q "^target $fwd_ino 4 [0-9]* 1 active $FWD_NS$" &&
	pass "forward: a payload over the limit is said once and counted; the next one goes on" ||
	fail "forward: a payload over the limit is said once and counted; the next one goes on" "state [$st]: $(cat "$T/fwd1.err")"
timeout 120 "$UEVSCOPE" report -j 1 1 >"$T/fwd_rep.json" 2>/dev/null
grep -q "\"forward\":\[{\"pid\":$FWD1,\"policy\":false,\"resyncs\":0,\"targets\":\[{\"netns\":$fwd_ino,\"to\":\"$FWD_NS\",\"state\":\"active\",\"forwarded\":4," "$T/fwd_rep.json" &&
	pass "forward: report -j shows the forwarder's counters" ||
	fail "forward: report -j shows the forwarder's counters" "$(grep -o '"forward":[^]]*' "$T/fwd_rep.json")"
"$UEVSCOPE" forward --to "$FWD_NS" >"$T/fwd_dup.out" 2>&1
rc=$?
[ $rc = 1 ] && grep -q "already has a forwarder (pid $FWD1" "$T/fwd_dup.out" &&
	pass "forward: a second forwarder on the target is refused (exit 1)" ||
	fail "forward: a second forwarder on the target is refused (exit 1)" "rc $rc: $(cat "$T/fwd_dup.out")"
kill "$FWD1"
wait "$FWD1"
rc=$?
[ $rc = 0 ] && [ ! -e "/run/uevscope/forward/$FWD1.state" ] &&
	pass "forward: SIGTERM stops it with exit 0, its state file removed" ||
	fail "forward: SIGTERM stops it with exit 0, its state file removed" "rc $rc"

# Coldplug: one add per mem device, and no uevent on the host.
kill "$fwd_in_pid"
start_listener fwd_in2 nsenter -t "$FWD_NS" -n -- -p || fail "setup" "forward: second listener"
nmem=$(find /sys/class/mem -mindepth 1 -maxdepth 1 | wc -l)
h0=$(grep -c '^uevent ' "$T/fwd_host.out")
s0=$(cat /sys/kernel/uevent_seqnum)
"$UEVSCOPE" forward --to "$FWD_NS" --coldplug -m 'SUBSYSTEM=="mem"' >"$T/fwd2.out" 2>"$T/fwd2.err" &
FWD2=$!
PIDS="$PIDS $FWD2"
wait_for "^forwarding kernel format" "$T/fwd2.out" 300 || fail "forward: coldplug starts" "$(cat "$T/fwd2.err")"
s1=$(cat /sys/kernel/uevent_seqnum)
u=$(new_uuid)
fwd_fire "$u" yes
wait_count "SYNTH_ARG_FWD" "$T/fwd_host.out" 10
n=0
while [ "$(grep -c '^uevent ' "$T/fwd_in2.out")" -le "$nmem" ] && [ $n -lt 100 ]; do
	sleep 0.1
	n=$((n + 1))
done
adds=$(grep -c '^uevent .* action=add .*subsystem=mem ' "$T/fwd_in2.out")
[ "$adds" = "$nmem" ] && [ $((s1 - s0)) = "$nmem" ] &&
	[ $(($(grep -c '^uevent ' "$T/fwd_host.out") - h0)) = 1 ] &&
	pass "forward: coldplug" && info "forward: coldplug sends one add per mem device ($nmem) and nothing host-wide" ||
	fail "forward: coldplug" "$adds adds of $nmem, seqnum +$((s1 - s0)), host +$(($(grep -c '^uevent ' "$T/fwd_host.out") - h0))"
kill "$FWD2"
wait "$FWD2"

# An overrun host socket: counted, resynced, and forwarding goes on.
"$UEVSCOPE" forward --to "$FWD_NS" --rcvbuf 1 -m 'SYNTH_ARG_FWD=="yes"' >"$T/fwd3.out" 2>"$T/fwd3.err" &
FWD3=$!
PIDS="$PIDS $FWD3"
wait_for "^forwarding kernel format" "$T/fwd3.out" 300 || fail "forward: --rcvbuf starts" "$(cat "$T/fwd3.err")"
kill -STOP "$FWD3"
"$H/uevgen" -n 300 >/dev/null
kill -CONT "$FWD3"
wait_for "resynced from /sys" "$T/fwd3.err" 100
# What was queued before the overrun drained (the socket's Rmem in
# /proc/net/netlink back to 0): a uevent fired now is not lost to a full queue.
n=0
while [ "$(awk -v p="$FWD3" '$2 == 15 && $3 == p { print $5 }' /proc/net/netlink)" != 0 ] && [ $n -lt 100 ]; do
	sleep 0.1
	n=$((n + 1))
done
u=$(new_uuid)
fwd_fire "$u" yes
wait_count "SYNTH_UUID=$u" "$T/fwd_in2.out" 1
sleep 1.2
grep -q "^resyncs [1-9]" "/run/uevscope/forward/$FWD3.state" && grep -q "SYNTH_UUID=$u" "$T/fwd_in2.out" &&
	pass "forward: an overrun is resynced and counted, and forwarding goes on" ||
	fail "forward: an overrun is resynced and counted, and forwarding goes on" "$(cat "$T/fwd3.err" "/run/uevscope/forward/$FWD3.state")"
kill "$FWD3"
wait "$FWD3"
# Everything of this file goes before the next: a listener left in the init
# netns would be one more socket in report's and export's exact counts.
kill "$FWD_NS" "$fwd_host_pid" "$fwd_in2_pid" 2>/dev/null
wait "$FWD_NS" "$fwd_host_pid" "$fwd_in2_pid" 2>/dev/null
