# SPDX-License-Identifier: GPL-2.0
# shellcheck disable=SC2154 # host_pid...: set by eval in start_listener
# uevscope forward into real rootless containers (crun, container.inc): a
# listener inside receives exactly the forwarded uevents (-m keeps one out
# while a matching one in the same window arrives), trace shows each delivery
# as injected by the forwarder, udevadm monitor --udev inside hears the udev
# format, coldplug sends one add per matching device in /sys and nothing
# host-wide, cgroup targets come and go, refusals, bad input, ENOBUFS resync,
# report/export counters, and policy files' forward lines.
SUITE=forward
. "$(dirname "$0")/lib.sh"
require_root
require_jq
. "$(dirname "$0")/container.inc"

command -v "$(ctr_runtime)" >/dev/null || {
	fail "all" "$(ctr_runtime) is not installed (make test-deps)"
	exit 0
}

# tag N: a UUID of this run numbered N (the kernel takes only valid UUIDs);
# TAGS is the part they share.
SALT=$(($(date +%s) % 65536))
TAGS=$(printf '%08x-%04x-4000-8000-' "$$" "$SALT")
tag() {
	printf '%s%012d' "$TAGS" "$1"
}

# fire TAG ARG: a host kernel uevent with SYNTH_UUID=TAG and SYNTH_ARG_FWD=ARG.
fire() {
	echo "change $1 FWD=$2" >/sys/class/mem/null/uevent
}

# ctr_listen NAME [uevlisten ARGS]: a container whose first process is a
# listener printing properties; its output file in OUT.
ctr_listen() {
	n=$1
	shift
	ctr_start "$n" /h/uevlisten -p -t 600000 "$@" || {
		fail "setup" "container $n: $(cat "$(ctr_bundle "$n")/start.err")"
		exit 0
	}
	OUT=$(ctr_bundle "$n")/start.out
	wait_for "^ready" "$OUT" 50 || {
		fail "setup" "listener in $n: $(cat "$OUT")"
		exit 0
	}
}

# start_fwd NAME ARGS...: uevscope forward in the background until it serves.
start_fwd() {
	name=$1
	shift
	rm -f "$T/$name.out" "$T/$name.err" # see wait_for
	"$UEVSCOPE" forward "$@" >"$T/$name.out" 2>"$T/$name.err" &
	FPID=$!
	PIDS="$PIDS $FPID"
	wait_for "^forwarding .* format" "$T/$name.out" 100
}

state() {
	cat "/run/uevscope/forward/$1.state" 2>/dev/null
}

# --- 1. exactly the matching uevents, from the forwarder, seen by trace.
ctr_listen c1
C1=$CTR_PID
C1OUT=$OUT
C1NS=$(stat -L -c %i "/proc/$C1/ns/net")
start_trace tr -j -p || fail "setup" "trace: $(cat "$T/tr.err")"
start_fwd f1 --to "$C1" -m 'SUBSYSTEM=="mem"' -m 'SYNTH_ARG_FWD=="yes"' ||
	fail "forward starts" "$(cat "$T/f1.err")"
F1=$FPID
start_listener host -- -p || fail "setup" "host listener"
for i in 100 101 102 103 104 105; do
	fire "$(tag $i)" "$([ $((i % 2)) = 1 ] && echo yes || echo no)"
done
u5=$(tag 105)
if wait_for "SYNTH_UUID=$u5" "$C1OUT" 100; then
	got=$(grep '^props' "$C1OUT" | grep -o "SYNTH_UUID=${TAGS}[0-9]*" | tr '\n' ' ')
	all=$(grep -c '^uevent ' "$C1OUT")
	[ "$got" = "SYNTH_UUID=$(tag 101) SYNTH_UUID=$(tag 103) SYNTH_UUID=$u5 " ] && [ "$all" = 3 ] &&
		pass "the container hears exactly the 3 matching uevents, not the 3 others of the same window" ||
		fail "the container hears exactly the 3 matching uevents, not the 3 others of the same window" "got '$got', $all uevents in all"
else
	fail "the container hears exactly the 3 matching uevents, not the 3 others of the same window" "a matching uevent reaches the container: $(tail -3 "$C1OUT")"
fi
wait_count "SYNTH_UUID=$u5" "$T/host.out" 1 &&
	[ "$(grep -c "SYNTH_UUID=$TAGS" "$T/host.out")" = 6 ] &&
	pass "positive control: the host listener heard all 6" ||
	fail "positive control: the host listener heard all 6" "$(grep -c "SYNTH_UUID=$TAGS" "$T/host.out")"
# The forwarded copies keep every property but get a SEQNUM of their own.
hs=$(grep "SYNTH_UUID=$u5" "$T/host.out" | grep -o ' SEQNUM=[0-9]*')
cs=$(grep "SYNTH_UUID=$u5" "$C1OUT" | grep -o ' SEQNUM=[0-9]*')
grep "SYNTH_UUID=$u5" "$C1OUT" | grep -q "ACTION=change DEVPATH=/devices/virtual/mem/null SUBSYSTEM=mem" &&
	[ -n "$cs" ] && [ "$hs" != "$cs" ] &&
	pass "a forwarded uevent keeps its properties, with a SEQNUM of its own" ||
	fail "a forwarded uevent keeps its properties, with a SEQNUM of its own" "$(grep "SYNTH_UUID=$u5" "$C1OUT")"
# trace: each delivery into the container's netns is injected, by the forwarder.
if wait_for "$u5" "$T/tr.out" 100; then
	stop_trace
	jq -c --argjson ns "$C1NS" --arg u "$TAGS" 'select(.type == "delivery" and .netns.inode == $ns and
		any(.properties[]; .[0] == "SYNTH_UUID" and (.[1] | startswith($u))))
		| [.origin.kind, .origin.pid, .origin.comm]' "$T/tr.out" >"$T/tr.sel"
	n=$(wc -l <"$T/tr.sel")
	k=$(grep -c "^\[\"injected\",$F1,\"uevscope\"\]$" "$T/tr.sel")
	[ "$n" = 3 ] && [ "$k" = 3 ] &&
		pass "trace shows the 3 deliveries as origin=injected by the forwarder" && info "trace shows the 3 deliveries as origin=injected, sender the forwarder (pid $F1)" ||
		fail "trace shows the 3 deliveries as origin=injected by the forwarder" "$(cat "$T/tr.sel")"
else
	stop_trace
	fail "trace shows the 3 deliveries as origin=injected by the forwarder" "trace sees the forwarded uevents: $(tail -3 "$T/tr.err")"
fi
# Counters in the state file, report -j and export.
sleep 1.2 # the state file is rewritten every second
st=$(state "$F1" | grep "^target $C1NS ")
# shellcheck disable=SC2086 # split into fields on purpose
set -- $st
[ "$3" = 3 ] && [ "$4" -ge 3 ] && [ "$5" = 0 ] && [ "$6" = active ] &&
	pass "state file counters" && info "state file: forwarded 3, filtered $4 (>= 3), failed 0" ||
	fail "state file counters" "$st"
"$UEVSCOPE" report -j 1 1 >"$T/rep.json" 2>"$T/rep.err"
jq -e --argjson p "$F1" --argjson ns "$C1NS" '.forward[] | select(.pid == $p) | .targets[] |
	select(.netns == $ns and .forwarded == 3 and .failed == 0 and .state == "active")' "$T/rep.json" >/dev/null &&
	pass "report -j shows the target's counters" || fail "report -j shows the target's counters" "$(jq -c .forward "$T/rep.json")"
"$UEVSCOPE" export --textfile "$T" --count 1 --interval 0.2 >/dev/null 2>"$T/exp.err"
grep -q "^uevscope_forward_uevents_total{netns=\"$C1NS\",to=\"$C1\",result=\"forwarded\"} 3$" "$T/uevscope.prom" &&
	pass "export serves uevscope_forward_uevents_total" ||
	fail "export serves uevscope_forward_uevents_total" "$(grep forward "$T/uevscope.prom" "$T/exp.err" | head -5)"

# --- 2. refusals and bad input: one line, a documented exit code.
"$UEVSCOPE" forward --to "$C1" >"$T/dup.out" 2>&1
rc=$?
[ $rc = 1 ] && [ "$(wc -l <"$T/dup.out")" = 1 ] && grep -q "already has a forwarder (pid $F1" "$T/dup.out" &&
	pass "a second forwarder on one target is refused (exit 1, one line)" ||
	fail "a second forwarder on one target is refused (exit 1, one line)" "rc $rc: $(cat "$T/dup.out")"
new_netns fwdinit
"$UEVSCOPE" forward --to "$NS" >"$T/init.out" 2>&1
rc=$?
[ $rc = 2 ] && [ "$(wc -l <"$T/init.out")" = 1 ] && grep -q "owned by the initial user namespace.*--force" "$T/init.out" &&
	pass "a netns that already gets kernel uevents is refused without --force (exit 2)" ||
	fail "a netns that already gets kernel uevents is refused without --force (exit 2)" "rc $rc: $(cat "$T/init.out")"
start_fwd force --to "$NS" --force && kill "$FPID" && wait "$FPID" &&
	pass "--force forwards into it; SIGTERM stops it with exit 0" ||
	fail "--force forwards into it; SIGTERM stops it with exit 0" "$(cat "$T/force.err")"
"$UEVSCOPE" forward --to 2147483647 >"$T/unk.out" 2>&1
rc=$?
"$UEVSCOPE" forward --to no-such-container-$$ >>"$T/unk.out" 2>&1
rc2=$?
[ $rc = 2 ] && [ $rc2 = 2 ] && [ "$(wc -l <"$T/unk.out")" = 2 ] &&
	grep -q "no such process" "$T/unk.out" && grep -q "no such container" "$T/unk.out" &&
	pass "an unknown container: one line, exit 2" || fail "an unknown container: one line, exit 2" "$rc $rc2: $(cat "$T/unk.out")"
"$UEVSCOPE" forward --to "$C1" -m 'SUBSYSTEM=="mem' >"$T/bad.out" 2>&1
rc=$?
[ $rc = 2 ] && [ "$(wc -l <"$T/bad.out")" = 1 ] && pass "a bad -m: one line, exit 2" ||
	fail "a bad -m: one line, exit 2" "rc $rc: $(cat "$T/bad.out")"

# A host uevent too big to inject: one line, failed 1, and the next one goes on.
# Its environment (about 2004 bytes) fits the kernel's 2048, the forwarded
# payload (ACTION@DEVPATH header, no SEQNUM) not the 2004 an injection may hold.
big=$(head -c 1820 /dev/zero | tr '\0' 'x')
ub=$(tag 200)
ua=$(tag 201)
if echo "change $ub FWD=yes BIG=$big" >/sys/class/mem/null/uevent 2>/dev/null; then
	fire "$ua" yes
	if wait_for "SYNTH_UUID=$ua" "$C1OUT" 100; then
		sleep 1.2
		# shellcheck disable=SC2046 # split into fields on purpose
		set -- $(state "$F1" | grep "^target $C1NS ")
		! grep -q "SYNTH_UUID=$ub" "$C1OUT" && [ "$5" = 1 ] &&
			[ "$(grep -c "over the kernel's 2048-byte limit" "$T/f1.err")" = 1 ] &&
			pass "a payload over the limit: one line, failed 1, the next uevent still forwarded" ||
			fail "a payload over the limit: one line, failed 1, the next uevent still forwarded" "failed=$5: $(cat "$T/f1.err")"
	else
		fail "a payload over the limit: one line, failed 1, the next uevent still forwarded" "the uevent after a too-big one is forwarded: $(tail -2 "$C1OUT")"
	fi
else
	fail "a payload over the limit: one line, failed 1, the next uevent still forwarded" "the kernel refused a 1820-byte synthetic argument"
fi

# --- 3. udev format: Debian's udevadm monitor --udev inside a container.
# sd-device subscribes to the udev group only where udevd seems to run
# (/run/udev/control exists, or /dev is devtmpfs); a container's /dev is a
# tmpfs, so the root file system gets the marker a container's udevd leaves.
mkdir -p "$CTR_DIR/rootfs/run/udev" && touch "$CTR_DIR/rootfs/run/udev/control"
ctr_start c2 sh -c 'SYSTEMD_LOG_LEVEL=debug exec udevadm monitor --udev --property' ||
	fail "setup" "container c2"
C2=$CTR_PID
C2OUT=$(ctr_bundle c2)/start.out
wait_for "UDEV - the event" "$C2OUT" 50
start_fwd f2 --to "$C2" --format udev -m 'SYNTH_ARG_FWD=="yes"' || fail "setup" "$(cat "$T/f2.err")"
u=$(tag 300)
fire "$u" yes
wait_for "SYNTH_UUID=$u" "$C2OUT" 100 && grep -q "^UDEV .* change .*/devices/virtual/mem/null (mem)" "$C2OUT" &&
	pass "udevadm monitor --udev inside the container receives the udev-format uevent" ||
	fail "udevadm monitor --udev inside the container receives the udev-format uevent" "$(tail -5 "$C2OUT") $(cat "$T/f2.err")"
kill "$FPID"
wait "$FPID"
ctr_stop c2

# --- 4. coldplug: one add per matching device in /sys, no host-wide uevent.
ctr_listen c3
C3OUT=$OUT
nmem=$(find /sys/class/mem -mindepth 1 -maxdepth 1 | wc -l)
n0=$(grep -c '^uevent ' "$T/host.out")
s0=$(cat /sys/kernel/uevent_seqnum)
start_fwd f3 --to "$CTR_PID" --coldplug -m 'SUBSYSTEM=="mem"' || fail "setup" "$(cat "$T/f3.err")"
F3=$FPID
s1=$(cat /sys/kernel/uevent_seqnum)
u=$(tag 400)
fire "$u" yes
if wait_for "SYNTH_UUID=$u" "$C3OUT" 100; then
	adds=$(grep -c '^uevent .* action=add .*subsystem=mem ' "$C3OUT")
	want=$(for d in /sys/class/mem/*; do (cd -P "$d" && pwd | sed 's|^/sys||'); done | sort | tr '\n' ' ')
	have=$(sed -n 's/^uevent .* action=add devpath=\([^ ]*\) subsystem=mem .*/\1/p' "$C3OUT" | sort | tr '\n' ' ')
	[ "$adds" = "$nmem" ] && [ "$have" = "$want" ] &&
		pass "coldplug: one add per mem device" && info "coldplug: one add per mem device in /sys ($nmem), the devpaths of /sys/class/mem" ||
		fail "coldplug: one add per mem device" "$adds adds, $nmem devices: '$have' vs '$want'"
	grep -q "coldplug: $nmem add uevent(s) sent" "$T/f3.out" &&
		wait_for "SYNTH_UUID=$u" "$T/host.out" 50 &&
		[ $(($(grep -c '^uevent ' "$T/host.out") - n0)) = 1 ] &&
		[ $((s1 - s0)) = "$nmem" ] &&
		pass "coldplug made no host uevent" && info "coldplug made no host uevent: the host listener heard only the control; SEQNUM grew by $nmem injections" ||
		fail "coldplug made no host uevent" "seqnum +$((s1 - s0)), $(tail -3 "$T/host.out")"
else
	fail "coldplug: one add per mem device" "the control uevent never arrived: $(tail -3 "$C3OUT")"
fi
kill "$F3"
wait "$F3"
[ ! -e "/run/uevscope/forward/$F3.state" ] && [ ! -e "/run/uevscope/forward/netns-$(stat -L -c %i "/proc/$CTR_PID/ns/net").lock" ] &&
	pass "a stopped forwarder leaves no state or lock file" ||
	fail "a stopped forwarder leaves no state or lock file" "$(ls /run/uevscope/forward)"
ctr_stop c3

# --- 5. a cgroup: containers come and go under it; c1's netns has a forwarder.
cg=$(dirname "$(ctr_cgroup c1)")
start_fwd f4 --to "$cg" -m 'SYNTH_ARG_FWD=="yes"' || fail "setup" "$(cat "$T/f4.err")"
F4=$FPID
ctr_listen c4
C4=$CTR_PID
ctr_listen c5
C5OUT=$OUT
wait_for "forwarding into netns $(stat -L -c %i "/proc/$CTR_PID/ns/net")" "$T/f4.out" 50 &&
	wait_for "forwarding into netns $(stat -L -c %i "/proc/$C4/ns/net")" "$T/f4.out" 50 &&
	pass "containers started later under the cgroup are picked up" ||
	fail "containers started later under the cgroup are picked up" "$(cat "$T/f4.out" "$T/f4.err")"
[ "$(grep -c "already has a forwarder" "$T/f4.err")" = 1 ] &&
	pass "the netns another forwarder serves is refused once, not on every rescan" ||
	fail "the netns another forwarder serves is refused once, not on every rescan" "$(cat "$T/f4.err")"
ctr_stop c4
wait_for "is gone: dropped" "$T/f4.out" 50
u=$(tag 500)
fire "$u" yes
wait_for "SYNTH_UUID=$u" "$C5OUT" 100 && kill -0 "$F4" &&
	[ "$(grep -c "is gone" "$T/f4.out")" = 1 ] &&
	pass "a container that exits is dropped and said once; the other one is still served" ||
	fail "a container that exits is dropped and said once; the other one is still served" "$(cat "$T/f4.out" "$T/f4.err")"
kill "$F4"
wait "$F4"

# --- 6. two targets, one destroyed mid-way; the last one gone ends the forwarder (exit 0).
ctr_listen c6
C6=$CTR_PID
ctr_listen c7
C7OUT=$OUT
start_fwd f5 --to "$C6" --to "$CTR_PID" -m 'SYNTH_ARG_FWD=="yes"' || fail "setup" "$(cat "$T/f5.err")"
F5=$FPID
ctr_stop c6
wait_for "is gone" "$T/f5.out" 50
u=$(tag 600)
fire "$u" yes
wait_for "SYNTH_UUID=$u" "$C7OUT" 100 && kill -0 "$F5" &&
	pass "a target netns destroyed mid-way: said once, the other target keeps being served" ||
	fail "a target netns destroyed mid-way: said once, the other target keeps being served" "$(cat "$T/f5.out" "$T/f5.err")"
ctr_stop c7
n=0
while kill -0 "$F5" 2>/dev/null && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
wait "$F5"
rc=$?
[ $rc = 0 ] && grep -q "no target left" "$T/f5.out" &&
	pass "no target left: the forwarder stops with exit 0" || fail "no target left: the forwarder stops with exit 0" "rc $rc: $(cat "$T/f5.out")"

# --- 7. ENOBUFS: lost adds are resynced from /sys.
ctr_listen c8
C8OUT=$OUT
start_fwd f6 --to "$CTR_PID" --rcvbuf 1 -m 'SUBSYSTEM=="net"' || fail "setup" "$(cat "$T/f6.err")"
F6=$FPID
kill -STOP "$F6"
"$H/uevgen" -n 300 >/dev/null
dev=uevf$$
ip link add "$dev" type bridge || fail "setup" "ip link add $dev type bridge"
kill -CONT "$F6"
wait_for "action=add devpath=/devices/virtual/net/$dev " "$C8OUT" 100 &&
	wait_for "resynced from /sys" "$T/f6.err" 50 &&
	[ "$(grep -c "action=add devpath=/devices/virtual/net/$dev " "$C8OUT")" = 1 ] &&
	pass "an overrun host socket is resynced" && info "an overrun host socket: resynced, the lost add of $dev sent once" ||
	fail "an overrun host socket is resynced" "$(cat "$T/f6.err") $(tail -3 "$C8OUT")"
sleep 1.2
# shellcheck disable=SC2046 # split into fields on purpose
set -- $(state "$F6" | grep '^resyncs')
[ "${2:-0}" -ge 1 ] && pass "resyncs counted" && info "resyncs counted ($2)" || fail "resyncs counted" "$(state "$F6")"
ip link del "$dev"
kill "$F6"
wait "$F6"

# --- 8. policy files: forward lines.
ctr_listen c9
C9=$CTR_PID
C9OUT=$OUT
printf 'forward %s kernel SYNTH_ARG_FWD=="yes"\n' "$C9" >"$T/fwd.policy"
printf '# nothing\n' >"$T/none.policy"
out=$("$UEVSCOPE" policy check "$T/fwd.policy" 2>&1)
[ "$out" = "$T/fwd.policy: 0 filter rule(s), 0 devices rule(s), 1 forward line(s), ok" ] &&
	pass "policy check counts forward lines" || fail "policy check counts forward lines" "$out"
printf 'forward %s sideways\n' "$C9" >"$T/bad.policy"
out=$("$UEVSCOPE" policy check "$T/bad.policy" 2>&1)
rc=$?
[ $rc = 2 ] && echo "$out" | grep -q "bad.policy:1: forward: format 'sideways'" &&
	pass "a bad forward line: FILE:LINE, exit 2" || fail "a bad forward line: FILE:LINE, exit 2" "rc $rc: $out"
"$UEVSCOPE" policy apply "$T/fwd.policy" >"$T/pa.out" 2>&1 || fail "policy apply" "$(cat "$T/pa.out")"
u=$(tag 700)
fire "$u" yes
wait_for "SYNTH_UUID=$u" "$C9OUT" 100 && grep -q "^forward into $C9 started" "$T/pa.out" &&
	pass "policy apply starts the forward line's forwarder" || fail "policy apply starts the forward line's forwarder" "$(cat "$T/pa.out")"
"$UEVSCOPE" policy apply "$T/none.policy" >"$T/pb.out" 2>&1 || fail "policy apply (none)" "$(cat "$T/pb.out")"
u=$(tag 800)
fire "$u" yes
wait_for "SYNTH_UUID=$u" "$T/host.out" 50 && grep -q "stopped forwarder pid" "$T/pb.out" &&
	! grep -q "SYNTH_UUID=$u" "$C9OUT" &&
	pass "a policy without forward lines stops it (the host heard the control)" ||
	fail "a policy without forward lines stops it (the host heard the control)" "$(cat "$T/pb.out")"
"$UEVSCOPE" filter flush >/dev/null 2>&1

kill "$F1"
wait "$F1"
