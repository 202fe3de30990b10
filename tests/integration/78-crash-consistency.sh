# SPDX-License-Identifier: GPL-2.0
# Crash consistency of filter, policy and devices: every command that changes
# the policy is SIGKILLed at each of its fault points (UEVSCOPE_FAULT, see
# docs/tests.md), and policy apply is made to fail at each of them. Afterwards
# the old or the new policy is wholly in force, judged by the independent truth
# (what a real listener in a netns receives, with /dev/full's uevent as the
# positive control of each window; real open()s from a cgroup), `filter list`,
# `filter status` and `devices list` say the same, an unfinished change is
# reported until the next command repairs it, and that next command
# completes. Then `filter add` and `filter flush` race from two shells.
SUITE=crash-consistency
. "$(dirname "$0")/lib.sh"
require_root
require_jq
. "$(dirname "$0")/enforce.inc"
. "$(dirname "$0")/devices.inc"
trap '"$UEVSCOPE" filter flush >/dev/null 2>&1; "$UEVSCOPE" devices flush >/dev/null 2>&1; cleanup' EXIT

new_netns uevcrash
start_listener l ip netns exec "$NS" -- || {
	fail "setup" "listener"
	exit 0
}
FULLDEV=/devices/virtual/mem/full

# uev_truth: which of null and zero are denied to the listener ("N", "Z", "NZ",
# "-"), judged once /dev/full's uevent, fired after them, has arrived.
uev_truth() {
	nb=$(count_lines "devpath=$NULLDEV " "$T/l.out")
	zb=$(count_lines "devpath=$ZERODEV " "$T/l.out")
	cb=$(count_lines "devpath=$FULLDEV " "$T/l.out")
	fire 1 1
	echo change >/sys/class/mem/full/uevent
	if ! wait_count "devpath=$FULLDEV " "$T/l.out" $((cb + 1)) 100; then
		echo "control-lost"
		return
	fi
	r=""
	[ "$(count_lines "devpath=$NULLDEV " "$T/l.out")" -gt "$nb" ] || r="${r}N"
	[ "$(count_lines "devpath=$ZERODEV " "$T/l.out")" -gt "$zb" ] || r="${r}Z"
	echo "${r:--}"
}
# dev_truth: which of /dev/null (n) and /dev/zero (z) the box cgroup may not
# read, and "oz" when the other cgroup may not read /dev/zero.
dev_truth() {
	"$H/devopen" -c "$BOX" r:/dev/null r:/dev/zero >"$T/open" 2>&1
	"$H/devopen" -c "$OTHER" r:/dev/zero >"$T/open-o" 2>&1
	r=""
	grep -q '^open r /dev/null EPERM' "$T/open" && r="${r}n"
	grep -q '^open r /dev/zero EPERM' "$T/open" && r="${r}z"
	grep -q '^open r /dev/null ok' "$T/open" || grep -q '^open r /dev/null EPERM' "$T/open" || r="?"
	grep -q '^open r /dev/zero EPERM' "$T/open-o" && r="${r}oz"
	grep -q '^open r /dev/zero ok' "$T/open-o" || grep -q '^open r /dev/zero EPERM' "$T/open-o" || r="$r?"
	echo "${r:--}"
}
# flt_list: the rules `filter list -j` shows (N, Z as above), checked against
# `filter status -j`; dev_list: `devices list -j` as dN/dZ (deny) and aN
# (allow), prefixed with o for the other cgroup.
flt_list() {
	"$UEVSCOPE" filter list -j >"$T/fl.json" 2>/dev/null
	"$UEVSCOPE" filter status -j >"$T/fs.json" 2>/dev/null
	a=$(command jq -r '[.rules[].rule] | join(" ")' "$T/fl.json" 2>/dev/null)
	b=$(command jq -r '[.rules[].rule] | join(" ")' "$T/fs.json" 2>/dev/null)
	[ "$a" = "$b" ] || {
		echo "list[$a]!=status[$b]"
		return
	}
	r=""
	case $a in *"$NULLDEV"*) r="${r}N" ;; esac
	case $a in *"$ZERODEV"*) r="${r}Z" ;; esac
	echo "${r:--}"
}
dev_list() {
	"$UEVSCOPE" devices list -j 2>/dev/null | command jq -r \
		'[.rules[] | (if (.cgroup | endswith("/other")) then "o" else "" end) +
		(if .action == "deny" then "d" else "a" end) + "\(.major):\(.minor)"] | join(",")' \
		2>/dev/null | sed -e 's/1:3/N/g' -e 's/1:5/Z/g' -e 's/^$/-/'
}
# state: "FILTER DEVICES" as truth=listing, or what disagreed.
state() {
	ft=$(uev_truth)
	fl=$(flt_list)
	dt=$(dev_truth)
	dl=$(dev_list)
	# The device truth shows denies only: compare it with the deny rules.
	dd=$(echo "$dl" | tr ',' '\n' | sed -n -e 's/^d//p' -e 's/^od/o/p' | tr 'NZ' 'nz' | tr -d '\n')
	[ "$ft" = "$fl" ] || ft="truth:$ft/list:$fl"
	[ "$dt" = "${dd:--}" ] || dt="truth:$dt/list:$dl"
	[ "$ft" = "$fl" ] && [ "$dt" = "${dd:--}" ] && dt=$dl
	echo "$ft $dt"
}
# stale: cgroups with a program of ours attached but no rule in force (what a
# change killed part way may leave until the next one repairs it).
stale() {
	command -v bpftool >/dev/null || return 1
	dl=$(dev_list)
	s=""
	for c in "$BOX" "$OTHER"; do
		case $c in "$OTHER") want=o ;; *) want=box ;; esac
		has=0
		case $want:$dl in o:*od* | o:*oa* | box:d* | box:a* | box:*,d* | box:*,a*) has=1 ;; esac
		bpftool cgroup show "$c" 2>/dev/null | grep -q device_policy && [ $has = 0 ] && s="$s $c"
	done
	[ -n "$s" ] && echo "$s"
}
# unfinished: the listings say a change was left unfinished.
unfinished() {
	{
		"$UEVSCOPE" filter status 2>&1
		"$UEVSCOPE" devices list 2>&1
	} | grep -q 'unfinished change'
}

printf 'filter netns=%s deny DEVPATH=="%s"\ndevices cgroup=%s deny c 1:3 r\n' "$NS" "$NULLDEV" "$BOX_REL" >"$T/p1"
printf 'filter netns=%s deny DEVPATH=="%s"\ndevices cgroup=%s deny c 1:5 r\n' "$NS" "$ZERODEV" "$BOX_REL" >"$T/p2"
printf 'filter netns=%s deny DEVPATH=="%s"\n' "$NS" "$ZERODEV" >"$T/p3"
flush_all() {
	"$UEVSCOPE" filter flush >/dev/null 2>&1
	"$UEVSCOPE" devices flush >/dev/null 2>&1
}
start_p1() {
	flush_all
	"$UEVSCOPE" policy apply --no-watch "$T/p1" >/dev/null 2>&1
}
start_p1o() {
	start_p1
	"$UEVSCOPE" devices deny --cgroup "$OTHER" c 1:5 r >/dev/null 2>&1
}
start_p1z() {
	start_p1
	"$UEVSCOPE" filter add --no-watch --netns "$NS" "DEVPATH==\"$ZERODEV\"" deny >/dev/null 2>&1
}
null_rule_id() {
	"$UEVSCOPE" filter list -j 2>/dev/null | command jq -r ".rules[] | select(.rule | contains(\"$NULLDEV\")) | .id"
}

# crash_case NAME SETUP OLD NEW CMD...: CMD from SETUP's state, killed at each
# fault point it passes; "{ID}" in CMD is the id of the null rule then.
crash_case() {
	name=$1 setup=$2 old=$3 new=$4
	shift 4
	$setup
	st=$(state)
	[ "$st" = "$old" ] || {
		fail "$name: setup" "expected [$old], got [$st]"
		return
	}
	cmd=$(echo "$*" | sed "s/{ID}/$(null_rule_id)/")
	# shellcheck disable=SC2086 # cmd is our own words, without blanks inside
	UEVSCOPE_FAULT=trace $cmd >/dev/null 2>"$T/trace"
	steps=$(sed -n 's/^uevscope: fault point //p' "$T/trace" | awk '!seen[$0]++' | tr '\n' ' ')
	st=$(state)
	[ -n "$steps" ] && [ "$st" = "$new" ] || {
		fail "$name: unkilled run" "steps [$steps], expected [$new], got [$st]"
		return
	}
	bad=""
	all=""
	for step in $steps; do
		$setup
		cmd=$(echo "$*" | sed "s/{ID}/$(null_rule_id)/")
		# shellcheck disable=SC2086
		UEVSCOPE_FAULT=$step:kill $cmd >/dev/null 2>&1
		rc=$?
		st=$(state)
		all="$all $step:$([ "$st" = "$old" ] && echo old || { [ "$st" = "$new" ] && echo new; } || echo "[$st]")"
		[ $rc = 137 ] || bad="$bad [$step: not killed, exit $rc]"
		[ "$st" = "$old" ] || [ "$st" = "$new" ] || bad="$bad [killed at $step: $st]"
		# The next command completes it; nothing unfinished is left to report.
		was_unfinished=0
		unfinished && was_unfinished=1
		# shellcheck disable=SC2086
		$cmd >"$T/next.out" 2>&1
		rc=$?
		st=$(state)
		[ "$st" = "$new" ] || bad="$bad [after a kill at $step the next run (exit $rc): $st]"
		unfinished && bad="$bad [after a kill at $step and the next run: still unfinished]"
		s=$(stale) && bad="$bad [after a kill at $step and the next run: programs on cgroups without rules:$s]"
		[ "$step" = start ] || [ "$step" = unpin ] || [ $was_unfinished = 1 ] ||
			bad="$bad [a kill at $step: the listings did not say 'unfinished change']"
	done
	[ -z "$bad" ] &&
		pass "$name killed at each of its $(echo "$steps" | wc -w) fault points ($steps): old or new policy whole, listings agree, the next run repairs" ||
		fail "$name killed at each of its fault points: old or new policy whole, listings agree, the next run repairs" "$all:$bad"
}

# A fault point that does not exist is a usage error, and changes nothing.
start_p1
UEVSCOPE_FAULT=nosuch:kill "$UEVSCOPE" devices deny --cgroup "$BOX" c 1:5 r >/dev/null 2>"$T/bogus.err"
rc=$?
st=$(state)
[ $rc = 2 ] && [ "$(wc -l <"$T/bogus.err")" = 1 ] && grep -q "UEVSCOPE_FAULT='nosuch:kill'" "$T/bogus.err" &&
	[ "$st" = "N dN" ] && ! unfinished &&
	pass "UEVSCOPE_FAULT naming no step: one line, exit 2, nothing changed" ||
	fail "UEVSCOPE_FAULT naming no step: one line, exit 2, nothing changed" "exit $rc, $st: $(cat "$T/bogus.err")"

crash_case "policy apply" start_p1o "N dN,odZ" "Z dZ" "$UEVSCOPE" policy apply --no-watch "$T/p2"
crash_case "policy apply (removing every device rule)" start_p1 "N dN" "Z -" "$UEVSCOPE" policy apply --no-watch "$T/p3"
crash_case "filter add" start_p1 "N dN" "NZ dN" "$UEVSCOPE" filter add --no-watch --netns "$NS" "DEVPATH==\"$ZERODEV\"" deny
crash_case "filter del" start_p1z "NZ dN" "Z dN" "$UEVSCOPE" filter del "{ID}"
crash_case "filter flush" start_p1 "N dN" "- dN" "$UEVSCOPE" filter flush
crash_case "devices deny" start_p1 "N dN" "N dN,dZ" "$UEVSCOPE" devices deny --cgroup "$BOX" c 1:5 r
crash_case "devices deny (first rule of a cgroup)" start_p1 "N dN" "N dN,odZ" "$UEVSCOPE" devices deny --cgroup "$OTHER" c 1:5 r
crash_case "devices allow" start_p1 "N dN" "N dN,aN" "$UEVSCOPE" devices allow --cgroup "$BOX" c 1:3 w
crash_case "devices flush" start_p1 "N dN" "N -" "$UEVSCOPE" devices flush

# policy apply made to fail at each step: before the commit nothing changed,
# from the commit on the new policy holds; the exit status says it failed.
start_p1
UEVSCOPE_FAULT=trace "$UEVSCOPE" policy apply --no-watch "$T/p2" >/dev/null 2>"$T/trace"
steps=$(sed -n 's/^uevscope: fault point //p' "$T/trace" | awk '!seen[$0]++' | tr '\n' ' ')
bad=""
all=""
committed=0
for step in $steps; do
	start_p1
	UEVSCOPE_FAULT=$step:fail "$UEVSCOPE" policy apply --no-watch "$T/p2" >/dev/null 2>"$T/fail.err"
	rc=$?
	st=$(state)
	all="$all $step:exit-$rc:[$st]"
	[ "$step" = cleanup ] && committed=1
	if [ $committed = 0 ]; then
		[ $rc != 0 ] && [ "$st" = "N dN" ] || bad="$bad [$step:fail: exit $rc, $st, not the old policy]"
	else
		[ "$st" = "Z dZ" ] || bad="$bad [$step:fail after the commit: exit $rc, $st, not the new policy]"
	fi
done
echo "$steps" | grep -q filter-write && [ -z "$bad" ] &&
	pass "policy apply failing at each step ($steps): the old policy whole before the commit, the new one after" ||
	fail "policy apply failing at each step: the old policy whole before the commit, the new one after" "$all:$bad"

# add and flush racing from two shells: after each round either the rule is in
# force and listed, or nothing is; the device rules are untouched throughout.
start_p1
"$UEVSCOPE" filter flush >/dev/null 2>&1
rounds=${CRASH_ROUNDS:-20}
bad=""
seen_rule=0
seen_none=0
r=0
while [ $r -lt "$rounds" ]; do
	"$UEVSCOPE" filter add --no-watch --netns "$NS" "DEVPATH==\"$NULLDEV\"" deny >"$T/add.out" 2>&1 &
	a=$!
	"$UEVSCOPE" filter flush >"$T/flush.out" 2>&1 &
	f=$!
	wait $a
	arc=$?
	wait $f
	frc=$?
	st=$(state)
	case $st in
	"N dN") seen_rule=$((seen_rule + 1)) ;;
	"- dN") seen_none=$((seen_none + 1)) ;;
	*) bad="$bad [round $r: add exit $arc, flush exit $frc: $st]" ;;
	esac
	[ $arc = 0 ] && [ $frc = 0 ] || bad="$bad [round $r: add exit $arc ($(cat "$T/add.out")), flush exit $frc ($(cat "$T/flush.out"))]"
	r=$((r + 1))
done
[ -z "$bad" ] &&
	pass "filter add and filter flush racing, $rounds rounds: rule in force and listed ($seen_rule) or none ($seen_none), device rules kept" ||
	fail "filter add and filter flush racing, $rounds rounds" "rule $seen_rule, none $seen_none:$bad"

# devices deny racing filter flush: the two share the commit; neither loses the other's rules.
bad=""
r=0
while [ $r -lt "$rounds" ]; do
	start_p1
	"$UEVSCOPE" devices deny --cgroup "$BOX" c 1:5 r >"$T/add.out" 2>&1 &
	a=$!
	"$UEVSCOPE" filter flush >"$T/flush.out" 2>&1 &
	f=$!
	wait $a
	arc=$?
	wait $f
	frc=$?
	st=$(state)
	[ "$st" = "- dN,dZ" ] || bad="$bad [round $r: deny exit $arc, flush exit $frc: $st]"
	r=$((r + 1))
done
[ -z "$bad" ] &&
	pass "devices deny and filter flush racing, $rounds rounds: both done, each whole" ||
	fail "devices deny and filter flush racing, $rounds rounds" "$bad"

flush_all
[ ! -e /sys/fs/bpf/uevscope ] && pass "both flushes leave nothing pinned" ||
	fail "both flushes leave nothing pinned" "$(find /sys/fs/bpf/uevscope 2>&1 | tr '\n' ' ')"
assert_nothing_left "the crashes, repairs and flushes"
