#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# uevscope record, trace -i and replay: a recording printed with trace -i -j
# equals what a live trace -j printed of the same window (but for time_ns:
# the two tracers' programs run one after the other); replay injects the
# recorded stream, each uevent once, in order, into another netns, where a
# listener receives exactly that sequence. Bad input: one line, exit 2.
SUITE=record-replay
. "$(dirname "$0")/lib.sh"
require_root
require_jq

HOST_USERNS=$(stat -L -c %i /proc/self/ns/user)

# new_container VAR: a process in its own user (root = host uid 200000) and
# network namespaces, which get no kernel uevents; its pid in VAR.
new_container() {
	unshare -U -n sleep 600 &
	p=$!
	PIDS="$PIDS $p"
	n=0
	while [ "$(stat -L -c %i "/proc/$p/ns/user" 2>/dev/null)" = "$HOST_USERNS" ]; do
		n=$((n + 1))
		[ $n -gt 50 ] && return 1
		sleep 0.1
	done
	echo "0 200000 65536" >"/proc/$p/uid_map" && echo "0 200000 65536" >"/proc/$p/gid_map" &&
		eval "$1=$p"
}

new_container C1 || { fail "setup" "no user namespace"; exit 0; }
new_container C2 || { fail "setup" "no user namespace"; exit 0; }

# --- the same window, traced live and recorded.
start_listener host -- || fail "setup" "host listener"
start_listener c1 nsenter -t "$C1" -U -n --setuid 0 --setgid 0 -- || fail "setup" "c1 listener"
"$UEVSCOPE" record -o "$T/all.rec" >"$T/rec.out" 2>"$T/rec.err" &
REC_PID=$!
PIDS="$PIDS $REC_PID"
wait_for "tracing uevent deliveries via" "$T/rec.err" 150 || fail "setup" "record: $(cat "$T/rec.err")"
start_trace live -j -p || fail "setup" "trace"
U=$(new_uuid 16)
for i in 1 2 3; do
	echo "change $U N=$i" >/sys/class/mem/null/uevent
	"$UEVSCOPE" inject --netns "$C1" add "/devices/virtual/uevtest/r$i" SUBSYSTEM=uevtest "N=$i" \
		"U=$U" >/dev/null
done
wait_count '"type":"delivery"' "$T/live.out" 6 || true
n=0
while [ "$(jq -c --arg u "$U" 'select(.type=="delivery") | select(any(.properties[]; .[1] == $u))' \
	"$T/live.out" 2>/dev/null | wc -l)" -lt 6 ] && [ $n -lt 100 ]; do
	n=$((n + 1))
	sleep 0.1
done
stop_trace
kill -INT "$REC_PID"
wait "$REC_PID"
rrc=$?
# shellcheck disable=SC2016 # $u is jq's
ours='select(.type=="delivery") | select(any(.properties[]; .[1] == $u)) | del(.time_ns)'
jq -c --arg u "$U" "$ours" "$T/live.out" >"$T/live.ours"
"$UEVSCOPE" trace -i "$T/all.rec" -j -p >"$T/replayed.json" 2>"$T/i.err"
irc=$?
jq -c --arg u "$U" "$ours" "$T/replayed.json" >"$T/rec.ours"
nl=$(wc -l <"$T/live.ours")
[ $rrc = 0 ] && [ $irc = 0 ] && [ "$nl" -ge 6 ] && cmp -s "$T/live.ours" "$T/rec.ours" &&
	pass "trace -i -j of a recording equals live trace -j of the same window" && info "trace -i -j of a recording equals live trace -j of the same window ($nl deliveries)" ||
	fail "trace -i -j of a recording equals live trace -j of the same window" \
		"record rc=$rrc, trace -i rc=$irc, $nl live, $(wc -l <"$T/rec.ours") recorded; $(diff "$T/live.ours" "$T/rec.ours" | head -4)"
got=$(jq -r --arg u "$U" 'select(.type=="delivery") | select(any(.properties[]; .[1] == $u)) |
	select(.netns.inode == '"$(stat -L -c %i /proc/"$C1"/ns/net)"') | .origin.kind' "$T/replayed.json" | sort | uniq -c | tr -s ' ')
[ "$got" = " 3 injected" ] && pass "the recording keeps the injected deliveries as origin=injected" ||
	fail "the recording keeps the injected deliveries as origin=injected" "got [$got]"
# Text: one line per delivery, as live text would print (the -m filter applies).
"$UEVSCOPE" trace -i "$T/all.rec" -m "SYNTH_UUID==\"$U\"" >"$T/text.out" 2>/dev/null
n=$(grep -c "^[0-9:.]* seq=[0-9]* change /devices/virtual/mem/null (mem) .* origin=kernel" "$T/text.out")
want=$(jq -r --arg u "$U" 'select(.type=="delivery") | select(any(.properties[]; .[0] == "SYNTH_UUID" and .[1] == $u))' \
	"$T/replayed.json" | jq -s length)
[ "$n" = "$want" ] && [ "$n" -ge 3 ] && [ "$(wc -l <"$T/text.out")" = "$n" ] &&
	pass "trace -i prints text lines, filtered by -m" ||
	fail "trace -i prints text lines, filtered by -m" "$n lines of $want, $(wc -l <"$T/text.out") in all"
# The recording is smaller than the JSON of the same window.
rs=$(stat -c %s "$T/all.rec")
js=$(stat -c %s "$T/replayed.json")
[ "$rs" -lt "$js" ] && pass "the recording is smaller than its JSON" && info "the recording is smaller than its JSON ($rs < $js bytes)" ||
	fail "the recording is smaller than its JSON" "$rs >= $js bytes"

# --- replay into another netns: exactly the recorded sequence, each once.
"$UEVSCOPE" record -o "$T/c1.rec" --netns "/proc/$C1/ns/net" >/dev/null 2>"$T/rec2.err" &
REC_PID=$!
PIDS="$PIDS $REC_PID"
wait_for "tracing uevent deliveries via" "$T/rec2.err" 150 || fail "setup" "record --netns"
start_listener c1b nsenter -t "$C1" -U -n --setuid 0 --setgid 0 -- || fail "setup" "second c1 listener"
for i in 1 2 3 4 5; do
	"$UEVSCOPE" inject --netns "$C1" add "/devices/virtual/uevtest/s$i" SUBSYSTEM=uevtest "N=$i" >/dev/null
	sleep 0.1
done
wait_count "^uevent .*devpath=/devices/virtual/uevtest/s5 " "$T/c1b.out" 1
# Two listeners in C1: ten deliveries, five uevents.
sleep 0.5
kill -INT "$REC_PID"
wait "$REC_PID"
start_listener c2 nsenter -t "$C2" -U -n --setuid 0 --setgid 0 -- || fail "setup" "c2 listener"
"$UEVSCOPE" replay "$T/c1.rec" --netns "$C2" --flood >"$T/replay.out" 2>&1
prc=$?
# Positive control after the replay, in the same window.
"$UEVSCOPE" inject --netns "$C2" add /devices/virtual/uevtest/control SUBSYSTEM=uevtest >/dev/null
wait_count "devpath=/devices/virtual/uevtest/control " "$T/c2.out" 1
got=$(sed -n 's/^uevent seqnum=[0-9]* action=\([a-z]*\) devpath=\([^ ]*\) .*/\1 \2/p' "$T/c2.out" | tr '\n' ';')
want="add /devices/virtual/uevtest/s1;add /devices/virtual/uevtest/s2;add /devices/virtual/uevtest/s3;add /devices/virtual/uevtest/s4;add /devices/virtual/uevtest/s5;add /devices/virtual/uevtest/control;"
[ $prc = 0 ] && [ "$got" = "$want" ] && grep -q "^replayed 5 uevents .* 5 repeated SEQNUM" "$T/replay.out" &&
	pass "replay delivers the recorded sequence, each uevent once, into another netns" ||
	fail "replay delivers the recorded sequence, each uevent once, into another netns" \
		"rc=$prc got [$got] $(cat "$T/replay.out")"
# At the recorded pace (--speed 1) it takes about as long as the recording did.
span=$("$UEVSCOPE" trace -i "$T/c1.rec" -j | jq -s '[.[] | select(.type=="delivery") | .time_ns] | (max - min) / 1e9')
"$UEVSCOPE" replay "$T/c1.rec" --netns "$C2" --speed 1 >"$T/replay2.out" 2>&1
took=$(sed -n 's/^replayed 5 uevents into netns [0-9]* in \([0-9.]*\) s .*/\1/p' "$T/replay2.out")
awk -v s="$span" -v t="$took" 'BEGIN { exit !(t != "" && s > 0.3 && t >= 0.9 * s && t < s + 2) }' &&
	pass "replay --speed 1 keeps the recorded pace" && info "replay --speed 1 keeps the recorded pace (${took}s for ${span}s)" ||
	fail "replay --speed 1 keeps the recorded pace" "took [$took] for a span of [$span]"

# --- bad input.
expect 2 "give the file to write with -o FILE" record
expect 2 "is for printing" record -o "$T/x.rec" -j
printf 'not a recording' >"$T/bogus"
expect 2 "is not a uevscope recording" trace -i "$T/bogus"
expect 2 "is not a uevscope recording" replay "$T/bogus" --netns "$C2"
expect 2 "cannot open" trace -i "$T/no-such-file"
expect 2 "give --speed or --flood, not both" replay "$T/c1.rec" --netns "$C2" --speed 2 --flood
expect 2 "no such network namespace" replay "$T/c1.rec" --netns uevscope-no-such-ns
# A recording cut in the middle of a record: what came before, then one line.
size=$(stat -c %s "$T/c1.rec")
head -c $((size - 7)) "$T/c1.rec" >"$T/cut.rec"
"$UEVSCOPE" trace -i "$T/cut.rec" -j >"$T/cut.out" 2>"$T/cut.err"
rc=$?
[ $rc = 2 ] && [ "$(wc -l <"$T/cut.err")" = 1 ] && grep -q "is cut or corrupt at byte" "$T/cut.err" &&
	[ "$(grep -c '"type":"delivery"' "$T/cut.out")" -ge 9 ] &&
	pass "a cut recording prints what came before and one line, exit 2" ||
	fail "a cut recording prints what came before and one line, exit 2" "rc=$rc $(cat "$T/cut.err")"
