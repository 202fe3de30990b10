# SPDX-License-Identifier: GPL-2.0
# shellcheck disable=SC2154 # NAME_pid, NAME_ino...: set by eval in start_listener
# Uevents emitted and those that reached no listener, counted by report -j
# and export and printed as gap records by trace --gaps, from
# /sys/kernel/uevent_seqnum, with no emission hook (issue 17, goal 6). In
# one window: uevents that reach nobody (injections into a netns with no
# listener, one injection the kernel numbers and then refuses as too big,
# kernel uevents while the host has no listener), then the positive control,
# uevents two real listeners receive. The truth: the counter read by the
# test around the window, and the SEQNUMs the listeners printed.
SUITE=report-seqnums
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/export.inc"
require_root
require_jq

[ -r /sys/kernel/uevent_seqnum ] || { skip "all" "no /sys/kernel/uevent_seqnum on this kernel"; exit 0; }
# Namespaces first: creating one emits its loopback device's uevents.
new_netns uevsqa
NSQ=$NS
# Kernel uevents reach nobody only if no namespace of the initial user
# namespace has a uevent listener: /proc/net/netlink in each, not uevscope.
uevent_truth
HOST_QUIET=$([ "$TRUTH_SOCKS" = 0 ] && echo 1 || echo 0)

"$UEVSCOPE" report -j 0.2 >"$T/r.out" 2>"$T/r.err" &
R=$!
PIDS="$PIDS $R"
"$UEVSCOPE" export --textfile "$T" --interval 0.2 >"$T/x.out" 2>"$T/x.err" &
X=$!
PIDS="$PIDS $X"
start_trace t -j --gaps || { fail "setup" "trace --gaps: $(cat "$T/t.err")"; exit 0; }
wait_for '"type":"report"' "$T/r.out" 150 || { fail "setup" "report did not start: $(cat "$T/r.err")"; exit 0; }
wait_for 'uevscope_uevents_total' "$T/uevscope.prom" 150 ||
	{ fail "setup" "export wrote no uevscope_uevents_total: $(cat "$T/x.err")"; exit 0; }

s0=$(cat /sys/kernel/uevent_seqnum)
# Nobody listens: three injections into NSQ, one refused after it was numbered.
NONE=0
for i in 1 2 3; do
	ip netns exec "$NSQ" "$H/uevinject" add "/devices/virtual/uevtest/q$i" uevtest A=1 >/dev/null ||
		fail "setup" "injection $i into $NSQ refused"
	NONE=$((NONE + 1))
done
ip netns exec "$NSQ" "$H/uevinject" add /devices/virtual/uevtest/big uevtest \
	"B=$(head -c 2100 /dev/zero | tr '\0' x)" >"$T/big.out" 2>&1 &&
	fail "setup" "an injection over UEVENT_BUFFER_SIZE was accepted"
NONE=$((NONE + 1))
if [ "$HOST_QUIET" = 1 ]; then
	fire_uevent "$(new_uuid 1)"
	fire_uevent "$(new_uuid 2)"
	NONE=$((NONE + 2))
fi
# The control: a listener in NSQ and one in the initial netns, which get theirs.
start_listener q ip netns exec "$NSQ" -- || fail "setup" "listener in $NSQ"
start_listener h -- || fail "setup" "host listener"
ip netns exec "$NSQ" "$H/uevinject" add /devices/virtual/uevtest/c1 uevtest A=1 >/dev/null ||
	fail "setup" "control injection refused"
fire_uevent "$(new_uuid 3)"
fire_uevent "$(new_uuid 4)"
wait_count "^uevent " "$T/q.out" 1 50 || fail "setup" "the NSQ listener got nothing"
wait_count "^uevent .*subsystem=mem" "$T/h.out" 2 50 || fail "setup" "the host listener got nothing"
s1=$(cat /sys/kernel/uevent_seqnum)

# The window holds exactly what the test made: else nothing below can be exact.
[ $((s1 - s0)) = $((NONE + 3)) ] && pass "the window's SEQNUMs are the test's own" && info "the window's SEQNUMs are the test's own ($((s1 - s0)))" ||
	fail "the window's SEQNUMs are the test's own" "uevent_seqnum went $s0 -> $s1, made $((NONE + 3))"
# SEQNUMs the listeners received in the window: the delivered truth.
sed -n 's/^uevent seqnum=\([0-9]*\) .*/\1/p' "$T/q.out" "$T/h.out" |
	awk -v a="$s0" -v b="$s1" '$1 > a && $1 <= b' | sort -u >"$T/got.seq"
DELIV=$(wc -l <"$T/got.seq")

# Wait for report to judge every SEQNUM up to s1 (settled about 0.4 s later).
n=0
while ! tail -1 "$T/r.out" | command jq -e --argjson s "$s1" '.uevents.settled_to >= $s' >/dev/null 2>&1 &&
	[ $n -lt 100 ]; do
	sleep 0.1
	n=$((n + 1))
done
tail -1 "$T/r.out" >"$T/last.json"
got=$(jq -r '.uevents | "\(.first_seqnum) \(.emitted - (.last_seqnum - .settled_to)) \(.delivered) \(.no_listener) \(.late) \(.exact)"' "$T/last.json")
want="$((s0 + 1)) $((s1 - s0)) $DELIV $NONE 0 true"
# settled_to may be past s1 only if more uevents came, which the first check fails.
[ "$got" = "$want" ] &&
	pass "report: emitted, delivered, no listener" && info "report: $((s1 - s0)) emitted, $DELIV delivered, $NONE with no listener (kernel ones: $HOST_QUIET)" ||
	fail "report: emitted, delivered, no listener" "got [first emitted delivered no_listener late exact] [$got], want [$want]"
[ "$DELIV" = 3 ] && pass "positive control: the listeners got the 3 SEQNUMs made for them" ||
	fail "positive control: the listeners got the 3 SEQNUMs made for them" "$(tr '\n' ' ' <"$T/got.seq")"
[ "$HOST_QUIET" = 1 ] && pass "kernel uevents with no listener on the host are counted" ||
	skip "kernel uevents with no listener on the host are counted" \
		"$TRUTH_SOCKS uevent listener(s) of other programs on this host; injected ones counted only"

# The exporter counted the same window: wait for a file written once all of it settled.
n=0
while ! awk -v e=$((s1 - s0)) '$1 == "uevscope_uevents_total" && $2 == e { t = 1 }
	$1 == "uevscope_uevents_unsettled" && $2 == 0 { u = 1 } END { exit !(t && u) }' \
	"$T/uevscope.prom" 2>/dev/null && [ $n -lt 100 ]; do
	sleep 0.1
	n=$((n + 1))
done
cp "$T/uevscope.prom" "$T/x.prom"
xe=$(sample "$T/x.prom" uevscope_uevents_total)
xn=$(sample "$T/x.prom" uevscope_uevents_no_listener_total)
[ "$xe" = $((s1 - s0)) ] && [ "$xn" = "$NONE" ] &&
	pass "export: uevscope_uevents_total and _no_listener_total" && info "export: uevscope_uevents_total $xe, uevscope_uevents_no_listener_total $xn" ||
	fail "export: uevscope_uevents_total and _no_listener_total" "got $xe and $xn, want $((s1 - s0)) and $NONE"

# trace --gaps: one gap record per run of SEQNUMs nobody got, exactly those.
n=0
while [ "$(command jq -s '[.[] | select(.type == "gap") | .count] | add // 0' "$T/t.out" 2>/dev/null)" != "$NONE" ] &&
	[ $n -lt 100 ]; do
	sleep 0.1
	n=$((n + 1))
done
stop_trace
jq -r 'select(.type == "gap") | "\(.first_seqnum) \(.last_seqnum) \(.uncertain)"' "$T/t.out" |
	while read -r a b u; do
		i=$a
		while [ "$i" -le "$b" ]; do
			echo "$i $u"
			i=$((i + 1))
		done
	done >"$T/gaps"
i=$((s0 + 1))
while [ $i -le "$s1" ]; do
	grep -qx "$i" "$T/got.seq" || echo "$i false"
	i=$((i + 1))
done >"$T/gaps.want"
[ "$TRACE_RC" = 0 ] && cmp -s "$T/gaps" "$T/gaps.want" && [ -s "$T/gaps" ] &&
	pass "trace --gaps: a gap record for each SEQNUM nobody got" && info "trace --gaps: a gap record for each of the $NONE SEQNUMs nobody got, and no other" ||
	fail "trace --gaps: a gap record for each SEQNUM nobody got" \
		"exit $TRACE_RC; got [$(tr '\n' ' ' <"$T/gaps")], want [$(tr '\n' ' ' <"$T/gaps.want")]"
expect 2 "gaps needs every delivery" trace --gaps -m 'SUBSYSTEM=="mem"'
expect 2 "gaps needs every delivery" trace --gaps --netns "$NSQ"

kill -INT $R $X
wait $R
rr=$?
wait $X
rx=$?
[ $rr = 0 ] && [ $rx = 0 ] && pass "report and export end with exit 0" ||
	fail "report and export end with exit 0" "report $rr, export $rx"
