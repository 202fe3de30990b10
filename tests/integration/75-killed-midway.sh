# SPDX-License-Identifier: GPL-2.0
# Commands that change a policy, SIGKILLed part way: devices deny, filter add
# and policy apply, each killed as it enters each of its state-changing bpf()
# calls (pin, link, attach, map update) and the call after each run of them
# (strace -e inject). After every kill the independent truth (a real open()
# from the cgroup, what a real listener receives) is the old policy or the new
# one, never a mix (policy apply: never one policy's filter rules with the
# other's device rules); the listing agrees with it; and the next command works.
SUITE=killed-midway
. "$(dirname "$0")/lib.sh"
require_root
require_jq
if ! command -v strace >/dev/null || ! command -v bpftool >/dev/null; then
	skip "all" "needs strace (to kill at a chosen bpf() call) and bpftool"
	exit 0
fi
. "$(dirname "$0")/enforce.inc"
. "$(dirname "$0")/devices.inc"
trap '"$UEVSCOPE" filter flush >/dev/null 2>&1; "$UEVSCOPE" devices flush >/dev/null 2>&1; cleanup' EXIT

# kill_points CMD...: runs CMD once under strace and prints the bpf() call
# numbers to kill at: the first of each run of state-changing calls (by
# command and map), and the call after each run.
kill_points() {
	strace -qq -o "$T/points.log" -e trace=bpf "$@" >/dev/null 2>&1
	grep '^bpf(' "$T/points.log" | sed 's/^bpf(\(BPF_[A-Z_]*\)\(, {[a-z_]*=[0-9]*\)\{0,1\}.*/\1\2/' | awk '
		{ ch = $0 ~ /OBJ_PIN|LINK_CREATE|PROG_ATTACH|PROG_DETACH|LINK_DETACH|LINK_UPDATE|MAP_UPDATE_ELEM|MAP_DELETE_ELEM/ }
		ch && $0 != prev { print NR }
		!ch && prevch { print NR }
		{ prev = ch ? $0 : ""; prevch = ch }
		END { if (prevch) print NR + 1 }'
}

# killed_at N CMD...: CMD, SIGKILLed as it enters its Nth bpf() call.
killed_at() {
	n=$1
	shift
	strace -qq -o /dev/null -e trace=bpf -e inject=bpf:signal=KILL:when="$n" "$@" >/dev/null 2>&1
}

# --- devices deny: from no policy at all (the first rule creates every pin), and
# from one rule (/dev/zero denied) to two (/dev/null too).
# dev_state: "old", "new" or what was seen, from real open()s in the cgroup and the listing.
dev_state() {
	"$H/devopen" -c "$BOX" r:/dev/null r:/dev/zero >"$T/open" 2>&1
	seen=$(sed 's/^open r //' "$T/open" | tr '\n' ' ')
	rules=$("$UEVSCOPE" devices list -j 2>/dev/null | command jq '.rules | length' 2>/dev/null)
	case "$1:$seen:${rules:-0}" in
	empty:"/dev/null ok /dev/zero ok ":0) echo old ;;
	one:"/dev/null ok /dev/zero EPERM ":1) echo old ;;
	*:"/dev/null EPERM /dev/zero EPERM ":2) [ "$1" = one ] && echo new ;;
	*:"/dev/null EPERM /dev/zero ok ":1) [ "$1" = empty ] && echo new ;;
	esac | grep . || echo "$seen rules=${rules:-none}"
}
dev_start() {
	"$UEVSCOPE" devices flush >/dev/null 2>&1
	[ "$1" = one ] && "$UEVSCOPE" devices deny --cgroup "$BOX" c 1:5 r >/dev/null 2>&1
}
for from in empty one; do
	dev_start $from
	points=$(kill_points "$UEVSCOPE" devices deny --cgroup "$BOX" c 1:3 r)
	all=""
	bad=""
	seen_old=0
	seen_new=0
	for p in $points; do
		dev_start $from
		killed_at "$p" "$UEVSCOPE" devices deny --cgroup "$BOX" c 1:3 r
		st=$(dev_state $from)
		all="$all $p:$st"
		case $st in
		old) seen_old=$((seen_old + 1)) ;;
		new) seen_new=$((seen_new + 1)) ;;
		*) bad="$bad [killed at bpf() call $p: $st]" ;;
		esac
		# The next command works on whatever the kill left.
		if ! "$UEVSCOPE" devices deny --cgroup "$BOX" c 1:3 r >"$T/next.out" 2>&1 ||
			[ "$(dev_state $from)" != new ]; then
			bad="$bad [after a kill at call $p the next deny: $(cat "$T/next.out") $(dev_state $from)]"
		fi
	done
	[ -n "$points" ] && [ -z "$bad" ] && [ $seen_old -gt 0 ] && [ $seen_new -gt 0 ] &&
		pass "devices deny (from $from) killed at each of $(echo "$points" | wc -w) points: old or new policy, never half" ||
		fail "devices deny (from $from) killed at each of $(echo "$points" | wc -w) points: old or new policy, never half" \
			"old $seen_old, new $seen_new, each point [$all]:$bad"
done
"$UEVSCOPE" devices flush >/dev/null 2>&1
assert_nothing_left "devices flush after the kills"

# --- filter add and policy apply: a listener in a netns; /dev/full's uevent,
# fired last, is the positive control every time.
new_netns uevkil
start_listener l ip netns exec "$NS" -- || fail "setup" "listener"
FULLDEV=/devices/virtual/mem/full
# uev_state: which of null and zero reached the listener ("null zero", "zero", ...),
# judged once the control has arrived.
uev_state() {
	nb=$(count_lines "devpath=$NULLDEV " "$T/l.out")
	zb=$(count_lines "devpath=$ZERODEV " "$T/l.out")
	cb=$(count_lines "devpath=$FULLDEV " "$T/l.out")
	fire 1 1
	echo change >/sys/class/mem/full/uevent
	if ! wait_count "devpath=$FULLDEV " "$T/l.out" $((cb + 1)) 50; then
		echo "control lost"
		return
	fi
	r=""
	[ "$(count_lines "devpath=$NULLDEV " "$T/l.out")" -gt "$nb" ] && r="${r}null "
	[ "$(count_lines "devpath=$ZERODEV " "$T/l.out")" -gt "$zb" ] && r="${r}zero "
	echo "${r:-none }"
}
rule_count() {
	"$UEVSCOPE" filter list -j 2>/dev/null | command jq '.rules | length' 2>/dev/null
}

# filter add: from one rule (null denied) to two (zero too).
flt_start() {
	"$UEVSCOPE" filter flush >/dev/null 2>&1
	"$UEVSCOPE" filter add --no-watch --netns "$NS" "DEVPATH==\"$NULLDEV\"" deny >/dev/null 2>&1
}
flt_state() {
	s="$(uev_state)rules=$(rule_count)"
	case $s in
	"zero rules=1") echo old ;;
	"none rules=2") echo new ;;
	*) echo "$s" ;;
	esac
}
flt_start
points=$(kill_points "$UEVSCOPE" filter add --no-watch --netns "$NS" "DEVPATH==\"$ZERODEV\"" deny)
bad=""
seen_old=0
seen_new=0
for p in $points; do
	flt_start
	killed_at "$p" "$UEVSCOPE" filter add --no-watch --netns "$NS" "DEVPATH==\"$ZERODEV\"" deny
	st=$(flt_state)
	case $st in
	old) seen_old=$((seen_old + 1)) ;;
	new) seen_new=$((seen_new + 1)) ;;
	*) bad="$bad [killed at bpf() call $p: $st]" ;;
	esac
done
[ -n "$points" ] && [ -z "$bad" ] && [ $seen_old -gt 0 ] && [ $seen_new -gt 0 ] &&
	pass "filter add killed at each of $(echo "$points" | wc -w) points: old or new policy, never half" ||
	fail "filter add killed at each of $(echo "$points" | wc -w) points: old or new policy, never half" \
		"old $seen_old, new $seen_new, points [$points]:$bad"

# policy apply: from P1 (uevents of null, opens of /dev/null denied) to P2
# (zero's); filter and devices lines, one file each.
printf 'filter netns=%s deny DEVPATH=="%s"\ndevices cgroup=%s deny c 1:3 r\n' "$NS" "$NULLDEV" "$BOX_REL" >"$T/p1"
printf 'filter netns=%s deny DEVPATH=="%s"\ndevices cgroup=%s deny c 1:5 r\n' "$NS" "$ZERODEV" "$BOX_REL" >"$T/p2"
# pol_state: "FILTER DEVICES", each old, new or what was seen.
pol_state() {
	"$H/devopen" -c "$BOX" r:/dev/null r:/dev/zero >"$T/open" 2>&1
	u=$(uev_state)
	d=$(sed 's/^open r //' "$T/open" | tr '\n' ' ')
	case $u in "zero ") f=old ;; "null ") f=new ;; *) f="[$u]" ;; esac
	case $d in "/dev/null EPERM /dev/zero ok ") dv=old ;; "/dev/null ok /dev/zero EPERM ") dv=new ;; *) dv="[$d]" ;; esac
	echo "$f $dv"
}
pol_start() {
	"$UEVSCOPE" filter flush >/dev/null 2>&1
	"$UEVSCOPE" devices flush >/dev/null 2>&1
	"$UEVSCOPE" policy apply --no-watch "$T/p1" >/dev/null 2>&1
}
pol_start
points=$(kill_points "$UEVSCOPE" policy apply --no-watch "$T/p2")
bad=""
mixed=""
seen_old=0
seen_new=0
for p in $points; do
	pol_start
	killed_at "$p" "$UEVSCOPE" policy apply --no-watch "$T/p2"
	st=$(pol_state)
	case $st in
	"old old") seen_old=$((seen_old + 1)) ;;
	"new new") seen_new=$((seen_new + 1)) ;;
	"old new" | "new old") mixed="$mixed [killed at bpf() call $p: filter $st]" ;;
	*) bad="$bad [killed at bpf() call $p: $st]" ;;
	esac
	if ! "$UEVSCOPE" policy apply --no-watch "$T/p2" >"$T/next.out" 2>&1 || [ "$(pol_state)" != "new new" ]; then
		bad="$bad [after a kill at call $p the next apply: $(cat "$T/next.out") $(pol_state)]"
	fi
done
[ -n "$points" ] && [ -z "$bad" ] && [ $seen_old -gt 0 ] && [ $seen_new -gt 0 ] &&
	pass "policy apply killed at each of $(echo "$points" | wc -w) points: its filter part and its devices part each old or new, the next apply completes it" ||
	fail "policy apply killed at each of $(echo "$points" | wc -w) points: its filter part and its devices part each old or new, the next apply completes it" \
		"old $seen_old, new $seen_new, points [$points]:$bad"
# Never the devices of one policy with the filter of the other: both come
# into force with one write (ucommit, docs/filter.md).
[ -n "$points" ] && [ -z "$mixed" ] &&
	pass "policy apply killed at each of $(echo "$points" | wc -w) points: never the filter rules of one policy with the device rules of the other" ||
	fail "policy apply killed at each of $(echo "$points" | wc -w) points: never the filter rules of one policy with the device rules of the other" \
		"mixed:$mixed"
