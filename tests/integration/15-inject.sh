#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# uevscope inject: a listener in the target netns receives exactly what was
# injected, in the kernel format (through the kernel, which appends SEQNUM)
# and in the libudev format (Debian's `udevadm monitor --udev` in a user and
# network namespace of its own is the consumer: sd-device drops a message
# whose sender is not its root, and one whose subsystem hash does not match
# its filter). trace shows each delivery as origin=injected with the injector
# as sender. Bad input gives one line and a documented exit code.
SUITE=inject
. "$(dirname "$0")/lib.sh"
require_root
require_jq

HOST_USERNS=$(stat -L -c %i /proc/self/ns/user)

# new_container: a process in a user namespace (root = host uid 200000) and a
# network namespace of its own, as a rootless container has: the kernel sends
# that netns no uevents at all, so a listener there hears only what we inject.
# Sets CPID.
new_container() {
	unshare -U -n sleep 600 &
	CPID=$!
	PIDS="$PIDS $CPID"
	n=0
	while [ "$(stat -L -c %i "/proc/$CPID/ns/user" 2>/dev/null)" = "$HOST_USERNS" ]; do
		n=$((n + 1))
		[ $n -gt 50 ] && return 1
		sleep 0.1
	done
	echo "0 200000 65536" >"/proc/$CPID/uid_map" && echo "0 200000 65536" >"/proc/$CPID/gid_map"
}

in_ctr() {
	nsenter -t "$CPID" -U -n --setuid 0 --setgid 0 -- "$@"
}

new_container || { fail "setup" "no user namespace"; exit 0; }
CNETNS=$(stat -L -c %i "/proc/$CPID/ns/net")

# --- kernel format: exactly what was injected, in order, with the kernel's SEQNUM.
start_listener ctr nsenter -t "$CPID" -U -n --setuid 0 --setgid 0 -- || fail "setup" "listener"
start_trace tr -j -p --netns "/proc/$CPID/ns/net" || fail "setup" "trace"
: >"$T/inj.out"
for i in 1 2 3; do
	sh -c 'echo "pid=$$"; exec "$@"' sh "$UEVSCOPE" inject --netns "$CPID" add \
		"/devices/virtual/uevtest/inj$i" SUBSYSTEM=uevtest "N=$i" >>"$T/inj.out" 2>&1
done
wait_count "^uevent" "$T/ctr.out" 3 || fail "setup" "listener got $(count_lines "^uevent" "$T/ctr.out") of 3"
wait_count '"type":"delivery"' "$T/tr.out" 3 || true
stop_trace
# shellcheck disable=SC2154 # set by start_listener
kill "$ctr_pid" 2>/dev/null
wait_for "^total=" "$T/ctr.out" 50
# SEQNUM as inject saw it ("?" when another uevent ran at the same time: then any).
seqs=$(sed -n 's/^injected format=kernel .* seqnum=\([0-9?]*\)$/\1/p' "$T/inj.out" | tr '\n' ' ')
got=$(sed -n 's/^uevent seqnum=\([0-9]*\) action=\([a-z]*\) devpath=\([^ ]*\) subsystem=\([a-z]*\).*/\1 \2 \3 \4/p' \
	"$T/ctr.out" | awk -v s="$seqs" 'BEGIN { split(s, q, " ") }
		{ if (q[NR] == "?") $1 = "?"; printf "%s;", $0 }')
want=$(echo "$seqs" | awk '{ for (i = 1; i <= NF; i++) printf "%s add /devices/virtual/uevtest/inj%d uevtest;", $i, i }')
[ "$got" = "$want" ] && grep -q "^total=3 " "$T/ctr.out" &&
	pass "a listener in the netns receives exactly the 3 injected uevents, with the kernel's SEQNUM" ||
	fail "a listener in the netns receives exactly the 3 injected uevents, with the kernel's SEQNUM" \
		"got [$got], want [$want], $(grep '^total' "$T/ctr.out")"
# The payload the listener got is ours plus "SEQNUM=N\0": its length says so.
lens=$(sed -n 's/^uevent .* len=\([0-9]*\)$/\1/p' "$T/ctr.out" | tr '\n' ' ')
sed -n 's/^injected .* bytes=\([0-9]*\) .*/\1/p' "$T/inj.out" >"$T/bytes"
sed -n 's/^uevent seqnum=\([0-9]*\) .*/\1/p' "$T/ctr.out" >"$T/seqs"
want_lens=$(paste -d' ' "$T/bytes" "$T/seqs" | awk '{ printf "%d ", $1 + length("SEQNUM=" $2) + 1 }')
[ "$lens" = "$want_lens" ] && pass "each delivered payload is the injected one plus SEQNUM" ||
	fail "each delivered payload is the injected one plus SEQNUM" "lengths [$lens], want [$want_lens]"
pids=$(sed -n 's/^pid=//p' "$T/inj.out" | tr '\n' ' ')
got=$(jq -r 'select(.type=="delivery") | [.origin.kind, .origin.pid, .origin.comm, .netns.inode,
	(.properties | map(select(.[0]=="N")) | .[0][1])] | map(tostring) | join(",")' "$T/tr.out" | tr '\n' ' ')
want=$(i=0; for p in $pids; do i=$((i + 1)); printf 'injected,%s,uevscope,%s,%s ' "$p" "$CNETNS" "$i"; done)
[ "$got" = "$want" ] && pass "trace shows each as origin=injected, sent by the injector" ||
	fail "trace shows each as origin=injected, sent by the injector" "got [$got], want [$want]"

# --- udev format: udevadm monitor --udev inside the container receives it.
if command -v udevadm >/dev/null; then
	# Not through in_ctr: a function run in the background is a subshell, whose
	# kill would leave udevadm behind.
	nsenter -t "$CPID" -U -n --setuid 0 --setgid 0 -- \
		udevadm monitor --udev --property --subsystem-match=uevtest >"$T/udev.out" 2>&1 &
	UPID=$!
	PIDS="$PIDS $UPID"
	# Its socket is bound once a uevent socket subscribed to group 2 exists in the netns.
	n=0
	while ! nsenter -t "$CPID" -n cat /proc/net/netlink | awk '$2 == 15 && $4 ~ /2$/' | grep -q .; do
		n=$((n + 1))
		[ $n -gt 100 ] && break
		sleep 0.1
	done
	"$UEVSCOPE" inject --netns "/proc/$CPID/ns/net" -F udev add /devices/virtual/uevtest/u1 \
		SUBSYSTEM=uevtest DEVTYPE=t1 TAGS=:seat: SEQNUM=4242 U=1 >"$T/u1.out" 2>&1
	rc1=$?
	# Another subsystem: the monitor's in-kernel filter compares our MurmurHash2
	# of SUBSYSTEM with its own and drops this one.
	"$UEVSCOPE" inject --netns "/proc/$CPID/ns/net" -F udev add /devices/virtual/other/u2 \
		SUBSYSTEM=other U=2 >/dev/null 2>&1
	# The same format sent by host root without credentials of the container's
	# root: sd-device sees uid 65534 (unmapped) and drops it. This is why
	# inject passes SCM_CREDENTIALS.
	nsenter -t "$CPID" -n python3 -c '
import socket, struct
def mm2(d):
    m, h = 0x5bd1e995, len(d)
    while len(d) >= 4:
        k = struct.unpack("<I", d[:4])[0] * m & 0xffffffff
        k = (k ^ k >> 24) * m & 0xffffffff
        h = (h * m & 0xffffffff) ^ k
        d = d[4:]
    for i in range(len(d) - 1, -1, -1):
        h ^= d[i] << (8 * i)
    if d:
        h = h * m & 0xffffffff
    h = (h ^ h >> 13) * m & 0xffffffff
    return h ^ h >> 15
p = b"ACTION=add\0DEVPATH=/devices/virtual/uevtest/nocreds\0SUBSYSTEM=uevtest\0SEQNUM=7\0"
h = b"libudev\0" + struct.pack(">I", 0xfeedcafe) + struct.pack("=III", 40, 40, len(p))
h += struct.pack(">IIII", mm2(b"uevtest"), 0, 0, 0)
s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 15)
s.sendto(h + p, (0, 2))
' >"$T/nocreds.out" 2>&1
	ncrc=$?
	# Positive control, after it, in the same window.
	"$UEVSCOPE" inject --netns "$CPID" -F udev change /devices/virtual/uevtest/u3 \
		SUBSYSTEM=uevtest U=3 >/dev/null 2>&1
	wait_for "^U=3" "$T/udev.out" 50
	kill "$UPID" 2>/dev/null
	wait "$UPID" 2>/dev/null
	# sd-device keeps properties in a hash table: compared in sorted order.
	got=$(awk '/^UDEV  \[/ { n++ } n == 1 && /=/' "$T/udev.out" | sort | tr '\n' ' ')
	want=$(printf '%s\n' ACTION=add DEVPATH=/devices/virtual/uevtest/u1 SUBSYSTEM=uevtest DEVTYPE=t1 \
		TAGS=:seat: SEQNUM=4242 U=1 | sort | tr '\n' ' ')
	[ $rc1 = 0 ] && [ "$got" = "$want" ] &&
		pass "udevadm monitor --udev in a user and network namespace receives the udev-format uevent" ||
		fail "udevadm monitor --udev in a user and network namespace receives the udev-format uevent" \
			"rc=$rc1 got [$got]"
	got=$(grep '^UDEV  \[' "$T/udev.out" | awk '{ print $3, $4 }' | tr '\n' ';')
	[ "$got" = "add /devices/virtual/uevtest/u1;change /devices/virtual/uevtest/u3;" ] &&
		pass "its subsystem filter (MurmurHash2 in the header) passes ours and drops the other" ||
		fail "its subsystem filter (MurmurHash2 in the header) passes ours and drops the other" "got [$got]"
	[ $ncrc = 0 ] && ! grep -q nocreds "$T/udev.out" && grep -q "^U=3" "$T/udev.out" &&
		pass "the same message from host root without the container root's credentials is dropped" ||
		fail "the same message from host root without the container root's credentials is dropped" \
			"rc=$ncrc $(cat "$T/nocreds.out") $(grep -c nocreds "$T/udev.out")"
else
	skip "udevadm monitor --udev in a user and network namespace receives the udev-format uevent" \
		"no udevadm (apt-get install udev)"
	skip "its subsystem filter (MurmurHash2 in the header) passes ours and drops the other" "no udevadm"
	skip "the same message from host root without the container root's credentials is dropped" "no udevadm"
fi

# --- payload from stdin, NUL-separated as the kernel sends it, and the size limit.
start_listener ctr2 nsenter -t "$CPID" -U -n --setuid 0 --setgid 0 -- || fail "setup" "listener"
printf 'add@/devices/virtual/uevtest/f1\0SUBSYSTEM=uevtest\0SEQNUM=1\0F=1\0' |
	"$UEVSCOPE" inject --netns "$CPID" -f - >"$T/f.out" 2>&1
frc=$?
# The largest payload we accept: INJECT_KERNEL_PAYLOAD_MAX (2004) bytes.
fixed=$(printf 'add@/devices/virtual/uevtest/big\0ACTION=add\0DEVPATH=/devices/virtual/uevtest/big\0SUBSYSTEM=uevtest\0' | wc -c)
V=$(head -c $((2004 - fixed - 3)) /dev/zero | tr '\0' x)
"$UEVSCOPE" inject --netns "$CPID" add /devices/virtual/uevtest/big SUBSYSTEM=uevtest "B=$V" >"$T/big.out" 2>&1
brc=$?
wait_count "^uevent" "$T/ctr2.out" 2
got=$(sed -n 's/^uevent seqnum=[0-9]* action=\([a-z]*\) devpath=\([^ ]*\) .*/\1 \2/p' "$T/ctr2.out" | tr '\n' ';')
[ $frc = 0 ] && [ "$got" = "add /devices/virtual/uevtest/f1;add /devices/virtual/uevtest/big;" ] &&
	pass "-f - (NUL-separated) and a payload of exactly 2004 bytes are delivered" ||
	fail "-f - (NUL-separated) and a payload of exactly 2004 bytes are delivered" "rc=$frc/$brc got [$got]"

# --- bad input: one line, documented exit codes.
expect 2 "no such network namespace" inject --netns uevscope-no-such-ns add /devices/x A=1
expect 2 "no such network namespace" inject --netns 999999999 add /devices/x A=1
expect 2 "'BROKEN' is not KEY=VALUE" inject --netns "$CPID" add /devices/x BROKEN
expect 2 "'=v' is not KEY=VALUE" inject --netns "$CPID" add /devices/x =v
expect 2 "does not start with '/'" inject --netns "$CPID" add devices/x A=1
printf 'add@/devices/virtual/uevtest/big\nSUBSYSTEM=uevtest\nB=%sx\n' "$V" >"$T/big.payload"
expect 2 "over the limit of 2004" inject --netns "$CPID" -f "$T/big.payload"
expect 2 "needs SUBSYSTEM" inject --netns "$CPID" -F udev add /devices/x A=1
expect 2 "give kernel, udev or both" inject --netns "$CPID" -F xml add /devices/x A=1
# An unprivileged user: no CAP_SYS_ADMIN over the netns's owner.
new_netns uevinj
setpriv --reuid 65534 --regid 65534 --clear-groups "$UEVSCOPE" inject --netns "$NS" \
	add /devices/x A=1 >"$T/out" 2>"$T/err"
rc=$?
[ $rc = 1 ] && [ "$(wc -l <"$T/err")" = 1 ] && grep -q "no permission.*CAP_SYS_ADMIN over its owning user namespace" "$T/err" &&
	pass "an unprivileged user gets one no-permission line, exit 1" ||
	fail "an unprivileged user gets one no-permission line, exit 1" "rc=$rc $(cat "$T/err")"
# Root of another user namespace, which does not own the target netns: the kernel refuses.
unshare -U -r -n "$UEVSCOPE" inject --netns /proc/1/ns/net add /devices/x A=1 >"$T/out" 2>"$T/err"
rc=$?
[ $rc = 1 ] && [ "$(wc -l <"$T/err")" = 1 ] && grep -q "no permission" "$T/err" &&
	pass "root of a user namespace that does not own the netns gets one no-permission line, exit 1" ||
	fail "root of a user namespace that does not own the netns gets one no-permission line, exit 1" \
		"rc=$rc $(cat "$T/err")"
# The unprivileged owner of its own namespaces may inject into them (no setns needed).
in_ctr "$UEVSCOPE" inject --netns /proc/self/ns/net add /devices/virtual/uevtest/own SUBSYSTEM=uevtest \
	>"$T/own.out" 2>&1
wait_count "^uevent" "$T/ctr2.out" 3
grep -q "devpath=/devices/virtual/uevtest/own " "$T/ctr2.out" &&
	pass "a container's own root injects into its netns" ||
	fail "a container's own root injects into its netns" "$(cat "$T/own.out")"
