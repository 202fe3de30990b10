# SPDX-License-Identifier: GPL-2.0
# Loss counters count the loss they name, made on purpose and compared with an
# independent count: records lost to a full ring buffer (a stopped reader, a
# 1 MiB buffer) against what a real listener received; report's full maps
# (--max-entries 1) against the sockets /proc/net/netlink lists.
# shellcheck disable=SC2154 # l_portid: set by start_listener through eval
SUITE=loss-counters
. "$(dirname "$0")/lib.sh"
require_root
require_jq

# big_value N: N letters (synthetic uevent values refuse '-' and spaces).
big_value() {
	head -c "$1" /dev/zero | tr '\0' 'x'
}

# Ring buffer full: the reader is stopped (SIGSTOP) while N uevents of about
# 600 bytes reach the one listener of a netns: more than 1 MiB of records.
N=4000
new_netns uevloss
start_listener l ip netns exec "$NS" -- || { fail "setup" "listener"; exit 0; }
start_trace rb -j --netns "$NS" --buffer-mb 1 || { fail "setup" "trace: $(cat "$T/rb.err")"; exit 0; }
kill -STOP "$TRACE_PID"
"$H/uevgen" -n $N -w "change $(new_uuid 1) LAST=$(big_value 500)" >/dev/null
# The listener may overrun too (the kernel then never queues, and no program
# sees, those): it has everything once what it read plus its Drops in
# /proc/net/netlink make N.
n=0
# shellcheck disable=SC2016 # an awk program
while got_l=$(count_lines "^uevent " "$T/l.out") &&
	drops=$(ip netns exec "$NS" awk -v p="$l_portid" '$2 == 15 && $3 == p { print $9 }' /proc/net/netlink) &&
	[ $((got_l + drops)) -lt $N ] && [ $n -lt 100 ]; do
	sleep 0.1
	n=$((n + 1))
done
kill -CONT "$TRACE_PID"
wait_for '"type":"lost"' "$T/rb.out" 50
stop_trace
shown=$(grep -c '"type":"delivery"' "$T/rb.out")
sum=$(tail -1 "$T/rb.out" | jq -r '"\(.type) \(.deliveries) \(.lost_ringbuf_full)"')
lost=${sum##* }
lines=$(jq -s '[.[] | select(.type == "lost") | .count] | add' "$T/rb.out")
if [ "$sum" = "summary $got_l $lost" ] && [ "$lost" -gt 0 ] && [ $((shown + lost)) = "$got_l" ] &&
	[ "$lines" = "$lost" ]; then
	pass "ring buffer full: lost = received by the listener - traced ($lost of $got_l), and said in LOST lines"
else
	fail "ring buffer full: lost = received by the listener - traced ($lost of $got_l), and said in LOST lines" \
		"listener $got_l, summary [$sum], $shown traced, LOST lines sum $lines"
fi

# Full maps: one entry each. The first netns a delivery reaches takes the
# netns entry, the first socket the socket entry; every other delivery is
# counted as overflow. The deliveries: K uevents x the listening sockets in
# /proc/net/netlink of each netns (our two namespaces and any other's).
start_listener l2 ip netns exec "$NS" -- || fail "setup" "second listener"
new_netns uevlos2
start_listener l3 ip netns exec "$NS" -- || fail "setup" "listener in a second netns"
"$UEVSCOPE" report -j --max-entries 1 0.3 >"$T/full.out" 2>"$T/full.err" &
R=$!
PIDS="$PIDS $R"
wait_for '"type":"report"' "$T/full.out" 100 || { fail "setup" "report: $(cat "$T/full.err")"; exit 0; }
uevent_truth
K=20
base=$(count_lines "^uevent " "$T/l3.out")
"$H/uevgen" -n $K >/dev/null
wait_count "^uevent " "$T/l3.out" $((base + K)) 50 || fail "setup" "the listener got fewer than $K"
want_d=$((K * TRUTH_SOCKS))
n=0
while [ "$(tail -1 "$T/full.out" | command jq -r .counters.deliveries 2>/dev/null)" -lt $want_d ] 2>/dev/null &&
	[ $n -lt 50 ]; do
	sleep 0.1
	n=$((n + 1))
done
sleep 0.4 # one more interval
kill -INT $R
wait $R
tail -1 "$T/full.out" >"$T/full.json"
# The netns that took the one entry: the only one with deliveries counted.
got=$(jq -r '"\(.counters.deliveries) \([.netns[] | select(.delivered > 0)] | length)"' "$T/full.json")
in=$(jq -r '[.netns[] | select(.delivered > 0)][0].inode' "$T/full.json")
in_socks=$(awk -v n="$in" '$1 == n { print $2 }' "$T/truth")
got_full=$(jq -r '"\([.netns[] | select(.delivered > 0)][0].delivered) \(.counters.netns_map_full) \(.counters.socket_map_full)"' "$T/full.json")
want_full="$((K * ${in_socks:-0})) $((K * (TRUTH_SOCKS - ${in_socks:-0}))) $((K * (TRUTH_SOCKS - 1)))"
if [ "$got" = "$want_d 1" ] && [ -n "$in_socks" ] && [ "$got_full" = "$want_full" ] && [ "$TRUTH_SOCKS" -gt 1 ]; then
	pass "full netns and socket maps: overflow = deliveries to the namespaces and sockets left out"
else
	fail "full netns and socket maps: overflow = deliveries to the namespaces and sockets left out" \
		"deliveries/namespaces [$got] want [$want_d 1]; delivered, netns full, socket full [$got_full] want [$want_full]; truth $(tr '\n' ' ' <"$T/truth")"
fi
