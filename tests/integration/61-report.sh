# SPDX-License-Identifier: GPL-2.0
# shellcheck disable=SC2154 # NAME_pid, NAME_port...: set by eval in start_listener, start_exporter
# uevscope report -j: exact counts per netns, per subsystem/action and the
# fan-out histogram for uevents the test makes itself; receiver overruns
# equal to /proc/net/netlink; an injection into a user-namespaced netns
# counted there only, which is listed under isolation.
SUITE=report
. "$(dirname "$0")/lib.sh"
require_root
require_jq

new_netns uevrpa
NSA=$NS
new_netns uevrpb
NSB=$NS
new_netns uevrpd
NSD=$NS
start_listener a1 ip netns exec "$NSA" -- -q || fail "setup" "listener a1"
start_listener a2 ip netns exec "$NSA" -- -q || fail "setup" "listener a2"
start_listener b1 ip netns exec "$NSB" -- || fail "setup" "listener b1"
start_listener host -- -q || fail "setup" "host listener"
start_listener tiny ip netns exec "$NSD" -- -P -b 1 -q || fail "setup" "tiny listener"
start_listener c unshare -Urn -- || fail "setup" "user-namespaced listener"
c_userns=$(stat -L -c %i "/proc/$c_pid/ns/user")

# Every listener that kernel uevents reach, ours and any other: the expected
# fan-out, from /proc/net/netlink in each netns (not from uevscope).
uevent_truth
S_ALL=$TRUTH_SOCKS
N_ALL=$TRUTH_NETNS
HOST_SOCKS=$(awk -v n="$host_netns" '$1 == n { print $2 }' "$T/truth")
[ "$HOST_SOCKS" -gt 0 ] 2>/dev/null || fail "setup" "the host listener is not in /proc/net/netlink"

"$UEVSCOPE" report -j 1 >"$T/r.out" 2>"$T/r.err" &
R=$!
PIDS="$PIDS $R"
wait_for '"type":"report"' "$T/r.out" 100 || { fail "setup" "report did not start: $(cat "$T/r.err")"; exit 0; }

fire_known 5 100
inject_from "$c_pid" rep || fail "setup" "injection: $(cat "$T/inject.out")"

# last_doc JQ: the field of the newest document.
last_doc() {
	tail -1 "$T/r.out" | jq -r "$1"
}
n=0
# (A poll may read a document still being written: unchecked jq here, checked below.)
while [ "$(tail -1 "$T/r.out" | command jq -r .fanout.seqnums 2>/dev/null)" != $((KT + 1)) ] &&
	[ $n -lt 80 ]; do
	sleep 0.1
	n=$((n + 1))
done
sleep 1.2 # one more interval: nothing may change any more
kill -INT $R
wait $R
rc=$?
tail -1 "$T/r.out" >"$T/last.json"
# shellcheck disable=SC2016 # awk's own \$2, not the shell's
drops=$(ip netns exec "$NSD" awk -v p="$tiny_portid" '$2 == 15 && $3 == p { print $9 }' /proc/net/netlink)

[ $rc = 0 ] && pass "SIGINT ends report with exit 0" || fail "SIGINT ends report with exit 0" "exit $rc"
# Every line a report document: jq must parse them all (its exit status), and
# as many "report" types as lines.
lines=$(wc -l <"$T/r.out")
reports=$(jq -r '.type' "$T/r.out" 2>"$T/jq.err" | grep -c '^report$')
[ "$lines" -gt 0 ] && [ "$reports" = "$lines" ] && command jq -e . "$T/r.out" >/dev/null 2>&1 &&
	pass "one JSON document per interval" ||
	fail "one JSON document per interval" "$lines lines, $reports reports: $(head -c 200 "$T/jq.err")"
planned=$("$UEVSCOPE" features -j | jq -r '.plans[] | select(.subcommand=="report" and .job=="delivery") | .uses')
grep -q "aggregating uevent deliveries via $planned\$" "$T/r.err" &&
	pass "says its delivery tier, the one features predicts ($planned)" ||
	fail "says its delivery tier, the one features predicts ($planned)" "$(cat "$T/r.err")"

# netns FIELD INODE
netns() {
	jq -r ".netns[] | select(.inode == $2) | $1" "$T/last.json"
}
b_bytes=$(sed -n 's/^uevent .* len=\([0-9]*\)$/\1/p' "$T/b1.out" | awk '{ s += $1 } END { print s }')
got=$(netns '"\(.delivered) \(.kernel) \(.injected) \(.listeners) \(.bytes)"' "$a1_netns")
want="$((2 * KT)) $((2 * KT)) 0 2 $((2 * b_bytes))"
[ "$got" = "$want" ] && pass "netns with 2 listeners: delivered, kernel, injected, listeners, bytes" ||
	fail "netns with 2 listeners: delivered, kernel, injected, listeners, bytes" "want [$want] got [$got]"
got=$(netns '"\(.delivered) \(.bytes) \(.name)"' "$b1_netns")
[ "$got" = "$KT $b_bytes $NSB" ] && pass "netns with 1 listener: delivered, bytes (as received), name" ||
	fail "netns with 1 listener: delivered, bytes (as received), name" "want [$KT $b_bytes $NSB] got [$got]"
got=$(netns '.delivered' "$host_netns")
[ "$got" = $((KT * HOST_SOCKS)) ] && pass "initial netns: delivered to its $HOST_SOCKS listener(s)" ||
	fail "initial netns: delivered to its $HOST_SOCKS listener(s)" "want $((KT * HOST_SOCKS)) got $got"

got=$(netns '"\(.delivered) \(.drops)"' "$tiny_netns")
if [ -n "$drops" ] && [ "$drops" -gt 0 ] && [ "$got" = "$((KT - drops)) $drops" ]; then
	pass "overrun listener: drops equal /proc/net/netlink, delivered + drops = uevents"
else
	fail "overrun listener: drops equal /proc/net/netlink, delivered + drops = uevents" "proc drops=$drops, got [$got], $KT uevents"
fi

got=$(netns '"\(.delivered) \(.injected) \(.kernel) \(.userns)"' "$c_netns")
[ "$got" = "1 1 0 $c_userns" ] && pass "user-namespaced netns: the injected uevent only, counted as injected" ||
	fail "user-namespaced netns: the injected uevent only, counted as injected" "got [$got]"
got=$(jq '[.netns[] | select(.injected > 0) | .inode]' -c "$T/last.json")
[ "$got" = "[$c_netns]" ] && pass "injected counted nowhere else" || fail "injected counted nowhere else" "got $got"

got=$(jq -r ".events[] | select(.netns == $a1_netns or .netns == $c_netns) | \"\\(.netns) \\(.origin) \\(.subsystem) \\(.action) \\(.count)\"" "$T/last.json" | sort)
want=$(printf '%s kernel mem change %s\n%s injected uevtest add 1\n' "$a1_netns" $((2 * KT)) "$c_netns" | sort)
[ "$got" = "$want" ] && pass "per netns x subsystem x action counts" ||
	fail "per netns x subsystem x action counts" "want [$want] got [$got]"

# Fan-out: every kernel uevent reached all N_ALL namespaces and S_ALL sockets,
# except those the full listener lost (one netns and one socket fewer); the
# injection reached one of each.
hist() {
	jq -r ".fanout.$1[] | \"\\(.value):\\(.count)\"" "$T/last.json" | sort -n | tr '\n' ' '
}
expect_hist() {
	{
		echo "$1:$((KT - drops))"
		[ "$drops" -gt 0 ] && echo "$(($1 - 1)):$drops"
		echo "1:1"
	} | sort -n | tr '\n' ' '
}
# A delivery whose skb a listener dequeued before the program read it (the
# machine loaded, the listener quick) has no SEQNUM to join: report counts it
# as no_payload (or no_seqnum) and not in the fan-out. Each such delivery takes
# exactly one socket off one SEQNUM, and at most one netns; with none, the
# histograms are exact.
# hist_sum NAME: sum of value x count, the deliveries (sockets or netns) counted.
hist_sum() {
	jq -r "[.fanout.$1[] | .value * .count] | add" "$T/last.json"
}
gone=$(jq -r '.counters.no_payload + .counters.no_seqnum' "$T/last.json")
# want_sum N: what the ideal histogram of expect_hist N sums to.
want_sum() {
	echo $(($1 * KT - drops + 1))
}
got=$(hist netns)
want=$(expect_hist "$N_ALL")
sum=$(hist_sum netns)
if [ "$got" = "$want" ] ||
	{ [ "$gone" -gt 0 ] && [ "$sum" -le "$(want_sum "$N_ALL")" ] &&
		[ "$sum" -ge $(($(want_sum "$N_ALL") - gone)) ]; }; then
	pass "fan-out histogram: namespaces reached per SEQNUM"
else
	fail "fan-out histogram: namespaces reached per SEQNUM" "want [$want] got [$got] (payload gone: $gone)"
fi
got=$(hist sockets)
want=$(expect_hist "$S_ALL")
sum=$(hist_sum sockets)
if [ "$got" = "$want" ] || { [ "$gone" -gt 0 ] && [ "$sum" = $(($(want_sum "$S_ALL") - gone)) ]; }; then
	pass "fan-out histogram: sockets reached per SEQNUM"
else
	fail "fan-out histogram: sockets reached per SEQNUM" "want [$want] got [$got] (payload gone: $gone)"
fi
got=$(last_doc '"\(.fanout.seqnums) \(.fanout.pending)"')
[ "$got" = "$((KT + 1)) 0" ] && pass "each SEQNUM counted once, none pending" ||
	fail "each SEQNUM counted once, none pending" "want [$((KT + 1)) 0] got [$got]"

got=$(jq -r ".isolation[] | select(.netns == $c_netns) | \"\\(.userns) \\(.listeners) \\(.injected) \\(.kernel) \\(.container.pid) \\(.container.comm)\"" "$T/last.json")
[ "$got" = "$c_userns 1 1 0 $c_pid uevlisten" ] &&
	pass "isolation lists the user-namespaced netns, its container and what was injected" ||
	fail "isolation lists the user-namespaced netns, its container and what was injected" "got [$got]"
got=$(jq -c "[.isolation[] | select(.netns == $a1_netns or .netns == $b1_netns or .netns == $host_netns or .netns == $tiny_netns)]" "$T/last.json")
[ "$got" = "[]" ] && pass "isolation lists no initial-userns netns" || fail "isolation lists no initial-userns netns" "$got"

got=$(last_doc '[.counters.netns_map_full, .counters.event_map_full, .counters.socket_map_full, .counters.fanout_map_full, .counters.no_seqnum] | add')
[ "$got" = 0 ] && pass "no map full, every payload parsed" || fail "no map full, every payload parsed" "$(last_doc -c .counters)"
got=$(last_doc '.counters.missed_runs')
[ "$got" = 0 ] && pass "program runs the kernel skipped are counted (none here)" ||
	fail "program runs the kernel skipped are counted (none here)" "missed_runs [$got]"
# Emission: what this kernel offers (the first emission tier it loads), said at start.
em=$(plan_tiers report emission | head -1)
if [ -z "$em" ]; then
	want="false null"
	said="emission unavailable"
else
	want="true $em"
	said="aggregating uevent emissions via $em"
fi
got=$(last_doc '"\(.emission.traced) \(.emission_tier)"')
[ "$got" = "$want" ] && grep -q "$said" "$T/r.err" &&
	pass "emission: traced where the kernel allows it, and said so (${em:-none here})" ||
	fail "emission: traced where the kernel allows it, and said so (${em:-none here})" "want [$want] got [$got]: $(cat "$T/r.err")"

# The fallback tier counts the same: the second delivery tier this kernel offers.
FALLBACK=$(plan_tiers report delivery | sed -n 2p)
if [ -z "$FALLBACK" ]; then
	skip "fallback tier: same counts" "this kernel offers one delivery tier only: $(plan_tiers report delivery)"
else
	"$UEVSCOPE" report -j --tier "$FALLBACK" 0.5 >"$T/raw.out" 2>"$T/raw.err" &
	R=$!
	PIDS="$PIDS $R"
	wait_for '"type":"report"' "$T/raw.out" 100
	fire_uevent "$(new_uuid 9)"
	sleep 1.3
	kill -INT $R
	wait $R
	got=$(tail -1 "$T/raw.out" | jq -r ".delivery_tier, (.netns[] | select(.inode == $a1_netns) | .delivered), (.events[] | select(.netns == $b1_netns) | .subsystem)" | tr '\n' ' ')
	[ "$got" = "$FALLBACK 2 mem " ] && pass "fallback tier: same counts" && info "fallback tier ($FALLBACK): same counts" ||
		fail "fallback tier: same counts" "tier $FALLBACK: got [$got] $(cat "$T/raw.err")"
fi

# Plain text: a header and one row per netns, the isolated one said so.
"$UEVSCOPE" report 0.3 1 >"$T/text.out" 2>&1
grep -q "NETNS .*USERNS .*LISTENERS .*DELIVERED" "$T/text.out" &&
	grep -q "^ *$b1_netns .* $NSB\$" "$T/text.out" && grep -q "isolated: netns $c_netns " "$T/text.out" &&
	pass "text output: header, named rows, isolation" || fail "text output: header, named rows, isolation" "$(head -5 "$T/text.out")"
