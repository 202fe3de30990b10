# SPDX-License-Identifier: GPL-2.0
# shellcheck disable=SC2154 # NAME_pid...: set by eval in start_listener
# Issue 14's attacks, end to end, as a hostile container makes them: root in its
# own user namespace injects crafted uevents into its own network namespace, where
# a deny rule holds. Two listeners there, uevlisten and a real libudev parser
# (`udevadm monitor --kernel`), must receive none of them, while a control uevent
# injected right after each attack, to the same listeners, arrives (and is what
# each check waits for). Each attack got past a deny rule before the evaluator
# failed closed (issue 14).
SUITE=filter-attacks
. "$(dirname "$0")/lib.sh"
require_root
require_jq
. "$(dirname "$0")/enforce.inc"

# The container: a user namespace (root mapped to root) with its own netns.
unshare -Urn sleep 600 &
K=$!
PIDS="$PIDS $K"
n=0
while [ "$(readlink /proc/$K/ns/user)" = "$(readlink /proc/self/ns/user)" ] && [ $n -lt 50 ]; do
	n=$((n + 1))
	sleep 0.1
done
IN="nsenter -t $K -U -n --preserve-credentials"

# craft ARGS...: uevcraft inside the container; its output appended to craft.out.
craft() {
	# shellcheck disable=SC2086 # IN is a command line
	$IN "$H/uevcraft" "$@" >>"$T/craft.out" 2>&1
}

# control NAME: an allowed uevent to the same listeners, waited for at both.
control() {
	craft "add@/devices/virtual/ctl/$1" ACTION=add "DEVPATH=/devices/virtual/ctl/$1" SUBSYSTEM=ctl &&
		wait_for "devpath=/devices/virtual/ctl/$1 " "$T/l.out" 100 &&
		{ [ -z "$UDEV" ] || wait_for "/devices/virtual/ctl/$1 (ctl)" "$T/udev.out" 100; }
}

# verdict NAME DEVPATH: after control NAME arrived, DEVPATH reached neither listener.
verdict() {
	if ! control "$1"; then
		fail "$1" "the control uevent did not arrive: $(tail -3 "$T/craft.out")"
		return
	fi
	got="$(count_lines "devpath=$2 " "$T/l.out") $(count_lines "$2 " "$T/udev.out")"
	[ "$got" = "0 0" ] && pass "$1" ||
		fail "$1" "uevlisten, udevadm got $got uevents of $2, want 0 0"
}

# shellcheck disable=SC2086 # IN is a command line
start_listener l $IN -- || fail "setup" "uevlisten in the container"
UDEV=""
if command -v udevadm >/dev/null; then
	# shellcheck disable=SC2086 # IN is a command line
	$IN stdbuf -oL udevadm monitor --kernel --property >"$T/udev.out" 2>&1 &
	PIDS="$PIDS $!"
	UDEV=$!
fi
# Both listeners hear the container before any rule (waited for, not slept on;
# udevadm binds its socket a moment after it starts). wait_for counts in $n.
tries=0
until control c0; do
	tries=$((tries + 1))
	[ $tries -gt 5 ] && break
done
[ -n "$UDEV" ] && ! grep -q "/devices/virtual/ctl/c0 (ctl)" "$T/udev.out" && UDEV=""
if [ -n "$UDEV" ]; then
	pass "libudev as a listener: udevadm monitor hears the container"
else
	skip "libudev as a listener: udevadm monitor hears the container" "no udevadm, or it heard nothing"
fi

NSF=/proc/$K/ns/net
"$UEVSCOPE" filter add --no-watch --replace --netns "$NSF" 'SUBSYSTEM=="bar"' deny >"$T/add.out" 2>&1 &&
	"$UEVSCOPE" filter add --no-watch --replace --netns "$NSF" 'UEVTAG=="evil"' deny >>"$T/add.out" 2>&1 ||
	fail "setup" "filter add: $(cat "$T/add.out")"
want=1
[ -n "$UDEV" ] && want=2
got=$("$UEVSCOPE" filter status -j |
	jq '[.sockets[] | select(.netns == '"$(stat -Lc %i "$NSF")"')] | length')
[ "$got" -ge "$want" ] && pass "the rule covers the container's listeners" ||
	fail "the rule covers the container's listeners" "$got sockets attached, want $want or more"

# 1. A payload whose bytes 4-5 are 02 00, as an ack's nlmsg_type (libudev reads it:
#    its header "ab@/\x02" holds "@/", the last ACTION= and DEVPATH= win).
craft 'ab@/\x02' ACTION=add DEVPATH=/devices/virtual/bar/fake SUBSYSTEM=bar
verdict "a fake ack (bytes 4-5 02 00) is denied" /devices/virtual/bar/fake

# 2. A repeated key: libudev keeps the last value (bar), a first-wins filter sees foo.
craft add@/devices/virtual/foo/rep ACTION=add DEVPATH=/devices/virtual/foo/rep SUBSYSTEM=foo \
	SUBSYSTEM=bar
verdict "a repeated key is judged by its last value, as libudev reads it" \
	/devices/virtual/foo/rep

# 3. More than 128 segments, the denied key after them.
fill=""
i=0
while [ $i -lt 140 ]; do
	fill="$fill F$i=1"
	i=$((i + 1))
done
# shellcheck disable=SC2086 # one word per filler
craft add@/devices/virtual/foo/segs ACTION=add DEVPATH=/devices/virtual/foo/segs SUBSYSTEM=foo \
	$fill UEVTAG=evil
verdict "a key after 128 segments is not missed" /devices/virtual/foo/segs

# 4. The largest uevent an injector can send (2048 bytes with the nlmsghdr and the
#    kernel's SEQNUM), the denied key last.
v=$(printf '%052d' 0)
fill=""
i=10
while [ $i -lt 41 ]; do
	fill="$fill FILL$i=$v"
	i=$((i + 1))
done
seq=$(cat /sys/kernel/uevent_seqnum)
# 2048 - 16 (nlmsghdr) - "SEQNUM=N\0" (two digits of room for uevents meanwhile) - the rest.
head="add@/devices/virtual/foo/max ACTION=add DEVPATH=/devices/virtual/foo/max SUBSYSTEM=foo"
pad=$((2048 - 16 - (${#seq} + 10) - (${#head} + 1) - ${#fill} - 12 - 6))
# shellcheck disable=SC2086 # one word per filler
craft $head $fill "PAD=$(printf "%0${pad}d" 0)" UEVTAG=evil
len=$(sed -n 's/^sent len=\([0-9]*\) ack=0$/\1/p' "$T/craft.out" | tail -1)
[ "${len:-0}" -ge 2000 ] || fail "setup" "the largest uevent was refused: $(tail -2 "$T/craft.out")"
verdict "the key at the end of the largest injectable uevent ($len bytes) is not missed" \
	/devices/virtual/foo/max

# What could not be evaluated whole is counted.
got=$("$UEVSCOPE" filter status -j | jq '.counters.denied_too_large')
[ "${got:-0}" -ge 1 ] 2>/dev/null && pass "filter status counts what was too large to evaluate" ||
	fail "filter status counts what was too large to evaluate" "denied_too_large=$got"
